"""The one place that decides who may see what.

Every query for a household (and, as features arrive, an enquiry or a booking) is built
here: an applicant sees only their own household; staff see only their own agency's
records; hub staff see all. Loaders answer 404 for anything outside the actor's scope, so
another agency's records are not even confirmed to exist; the refusal is still audited.
"""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from portal.models import Agency, Household, StaffRole, User, UserKind


class RecordNotFound(NotFound):
    """404 for a record that does not exist or that the actor may not see.

    ``denied`` is set when it exists but is out of scope: the error handler audits that.
    """

    def __init__(self, object_type: str, object_id, denied: bool = False, agency_id=None, household_id=None):
        super().__init__()
        self.object_type = object_type
        self.object_id = object_id
        self.denied = denied
        self.agency_id = agency_id
        self.household_id = household_id


def is_staff(actor: User | None) -> bool:
    return actor is not None and actor.kind == UserKind.STAFF


def sees_all_agencies(actor: User | None) -> bool:
    return is_staff(actor) and actor.agency is not None and actor.agency.is_hub


def has_role(actor: User | None, *roles: StaffRole) -> bool:
    return is_staff(actor) and (not roles or actor.role in roles)


def agencies_for(actor: User | None) -> Select:
    """Agencies whose records the actor may see."""
    query = select(Agency).order_by(Agency.is_hub.desc(), Agency.name)
    if sees_all_agencies(actor):
        return query
    if is_staff(actor):
        return query.where(Agency.id == actor.agency_id)
    return query.where(Agency.id == -1)


def households_for(actor: User | None) -> Select:
    query = select(Household)
    if sees_all_agencies(actor):
        return query
    if is_staff(actor):
        return query.where(Household.agency_id == actor.agency_id)
    if actor is not None and actor.household_id is not None:
        return query.where(Household.id == actor.household_id)
    return query.where(Household.id == -1)


def staff_for(actor: User | None) -> Select:
    """Staff accounts the actor may see (e.g. to assign work to)."""
    query = select(User).where(User.kind == UserKind.STAFF).order_by(User.first_name, User.last_name)
    if sees_all_agencies(actor):
        return query
    if is_staff(actor):
        return query.where(User.agency_id == actor.agency_id)
    return query.where(User.id == -1)


def scoped_get(session: Session, actor: User | None, model, object_id, scope: Select):
    """Load ``model`` by id within ``scope``; 404 (audited if it exists) otherwise."""
    try:
        object_id = int(object_id)
    except (TypeError, ValueError):
        raise RecordNotFound(model.__name__, object_id) from None
    if not 0 < object_id < 2**63:  # no such row, and too large for the database to compare
        raise RecordNotFound(model.__name__, object_id)
    obj = session.scalars(scope.where(model.id == object_id)).first()
    if obj is not None:
        return obj
    existing = session.get(model, object_id)
    if existing is None:
        raise RecordNotFound(model.__name__, object_id)
    raise RecordNotFound(
        model.__name__,
        object_id,
        denied=True,
        agency_id=getattr(existing, "agency_id", None),
        household_id=getattr(existing, "household_id", None)
        or (existing.id if isinstance(existing, Household) else None),
    )


def get_household_for(session: Session, actor: User | None, household_id) -> Household:
    return scoped_get(session, actor, Household, household_id, households_for(actor))


def get_staff_member_for(session: Session, actor: User | None, user_id) -> User:
    return scoped_get(session, actor, User, user_id, staff_for(actor))


# Enquiries and registrations of interest -------------------------------------------------

from portal.models import Enquiry, RegistrationOfInterest, RoiPerson, RoiPreviousApplication, RoiStatus  # noqa: E402


def enquiries_for(actor: User | None) -> Select:
    """Enquiries the actor may see: staff their own agency's, the hub all. Households and the
    public see none (an enquiry is the agency's record of a contact, not the person's account)."""
    query = select(Enquiry)
    if sees_all_agencies(actor):
        return query
    if is_staff(actor):
        return query.where(Enquiry.agency_id == actor.agency_id)
    return query.where(Enquiry.id == -1)


def get_enquiry_for(session: Session, actor: User | None, enquiry_id) -> Enquiry:
    return scoped_get(session, actor, Enquiry, enquiry_id, enquiries_for(actor))


def registrations_for(actor: User | None) -> Select:
    """Registrations of interest: the household's own (drafts included); staff see their
    agency's once submitted (a draft is the household's until they send it)."""
    query = select(RegistrationOfInterest).join(Household, RegistrationOfInterest.household_id == Household.id)
    if is_staff(actor):
        query = query.where(RegistrationOfInterest.status != RoiStatus.DRAFT)
        if sees_all_agencies(actor):
            return query
        return query.where(Household.agency_id == actor.agency_id)
    if actor is not None and actor.household_id is not None:
        return query.where(RegistrationOfInterest.household_id == actor.household_id)
    return query.where(RegistrationOfInterest.id == -1)


def get_registration_for(session: Session, actor: User | None, roi_id) -> RegistrationOfInterest:
    return scoped_get(session, actor, RegistrationOfInterest, roi_id, registrations_for(actor))


def _roi_rows_for(actor: User | None, model) -> Select:
    """People and previous applications on the actor's own household's registration: only an
    applicant of that household may change them (staff read them on the registration)."""
    query = select(model).join(RegistrationOfInterest, model.roi_id == RegistrationOfInterest.id)
    if actor is not None and not is_staff(actor) and actor.household_id is not None:
        return query.where(RegistrationOfInterest.household_id == actor.household_id)
    return query.where(model.id == -1)


def get_roi_person_for(session: Session, actor: User | None, person_id) -> RoiPerson:
    return scoped_get(session, actor, RoiPerson, person_id, _roi_rows_for(actor, RoiPerson))


def get_roi_previous_for(session: Session, actor: User | None, previous_id) -> RoiPreviousApplication:
    return scoped_get(session, actor, RoiPreviousApplication, previous_id, _roi_rows_for(actor, RoiPreviousApplication))


def own_registration(session: Session, actor: User | None) -> RegistrationOfInterest | None:
    """The signed-in applicant's household's registration of interest, if one is started."""
    if actor is None or actor.household_id is None:
        return None
    return session.scalars(registrations_for(actor)).first()


# Events and bookings ---------------------------------------------------------------------

def events_for(actor: User | None) -> Select:
    """Events the actor manages: staff their own agency's, the hub all. Anyone else sees
    every event (What's On is public; the audience rules decide who may book)."""
    from portal.models import Event

    query = select(Event)
    if sees_all_agencies(actor):
        return query
    if is_staff(actor):
        return query.where(Event.agency_id == actor.agency_id)
    return query


def get_event_for(session: Session, actor: User | None, event_id):
    from portal.models import Event

    return scoped_get(session, actor, Event, event_id, events_for(actor))


def get_listed_event(session: Session, event_id):
    """An event as What's On shows it to anyone, staff included."""
    from portal.models import Event

    return scoped_get(session, None, Event, event_id, select(Event))


def series_for(actor: User | None) -> Select:
    from portal.models import EventSeries

    query = select(EventSeries)
    if sees_all_agencies(actor):
        return query
    if is_staff(actor):
        return query.where(EventSeries.agency_id == actor.agency_id)
    return query.where(EventSeries.id == -1)


def get_series_for(session: Session, actor: User | None, series_id):
    from portal.models import EventSeries

    return scoped_get(session, actor, EventSeries, series_id, series_for(actor))


def bookings_for(actor: User | None) -> Select:
    """A household its own bookings; staff the bookings for their agency's events and those
    of their agency's households; the hub all."""
    from sqlalchemy import or_

    from portal.models import Booking, Event

    query = select(Booking)
    if sees_all_agencies(actor):
        return query
    if is_staff(actor):
        own_events = select(Event.id).where(Event.agency_id == actor.agency_id)
        own_households = select(Household.id).where(Household.agency_id == actor.agency_id)
        return query.where(or_(Booking.event_id.in_(own_events), Booking.household_id.in_(own_households)))
    if actor is not None and actor.household_id is not None:
        return query.where(Booking.household_id == actor.household_id)
    return query.where(Booking.id == -1)


def get_booking_for(session: Session, actor: User | None, booking_id, *, event_id=None):
    """A booking in the actor's scope; under the wrong event in the address it is a 404 too."""
    from portal.models import Booking

    booking = scoped_get(session, actor, Booking, booking_id, bookings_for(actor))
    if event_id is not None and str(booking.event_id) != str(event_id):
        raise RecordNotFound("Booking", booking_id)
    return booking


# The journey: statutory checks and closure days --------------------------------------------

def statutory_checks_for(actor: User | None) -> Select:
    """Statutory checks: staff of the household's agency (the hub all); never households."""
    from portal.models import StatutoryCheck

    query = select(StatutoryCheck).join(Household, StatutoryCheck.household_id == Household.id)
    if sees_all_agencies(actor):
        return query
    if is_staff(actor):
        return query.where(Household.agency_id == actor.agency_id)
    return query.where(StatutoryCheck.id == -1)


def get_statutory_check_for(session: Session, actor: User | None, household: Household, check_id):
    """A check of this household: another household's check id answers 404 like an unknown one."""
    from portal.models import StatutoryCheck

    check = scoped_get(session, actor, StatutoryCheck, check_id, statutory_checks_for(actor))
    if check.household_id != household.id:
        raise RecordNotFound("StatutoryCheck", check_id)
    return check


def closure_days_for(actor: User | None) -> Select:
    """Closure days the actor manages: only hub administrators record them."""
    from portal.models import ClosureDay

    query = select(ClosureDay).order_by(ClosureDay.closed_on, ClosureDay.id)
    if has_role(actor, StaffRole.HUB_ADMIN) and sees_all_agencies(actor):
        return query
    return query.where(ClosureDay.id == -1)


def get_closure_day_for(session: Session, actor: User | None, closure_id):
    from portal.models import ClosureDay

    return scoped_get(session, actor, ClosureDay, closure_id, closure_days_for(actor))


def get_booking_by_token(session: Session, token: str | None):
    """A booking made without an account, by the token in its emailed link: the link is the key.
    Only digests are stored, so the token is compared by its digest."""
    from portal.models import Booking, BookingToken
    from portal.services.tokens import digest

    if not token or len(token) > 64:
        raise RecordNotFound("Booking", None)
    booking = session.scalar(select(Booking).join(BookingToken, BookingToken.booking_id == Booking.id)
                             .where(BookingToken.token_hash == digest(token)))
    if booking is None:
        raise RecordNotFound("Booking", None)
    return booking
