"""Bookings: taking places, the waiting list, cancelling.

Never overbooked. Places are taken by one conditional UPDATE,
``SET booked = booked + n WHERE id = :id AND booked + n <= capacity``, whose row count says
whether the places were there: the database decides, atomically, on SQLite and PostgreSQL
alike, however many people press the button at once. A household holds at most one booking
per event (a unique constraint backs the check, so a double click makes one booking).

A booking is all or nothing: a couple gets both places or waits as one. The waiting list is
served first come, first served; when places free up, the earliest booking that fits takes
them. A household that needs two places when one is free keeps its place at the front, and
a one-place booking behind it takes the single place so that none goes unused.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.models import (
    Attendance, Booking, BookingAttendee, BookingStatus, Event, EventKind, EventStatus, Household, User,
)
from portal.services import audit, booking_mail, enquiries
from portal.services.accounts import normalise_email
from portal.services.errors import Conflict, DomainError, NotAllowed
from portal.services.events import can_cancel_online, eligibility, window_problem
from portal.services.tokens import reference

MAX_PUBLIC_PLACES = 2
MAX_SUPPORTERS = 4


class NotEligible(DomainError):
    pass


@dataclass
class BookingResult:
    booking: Booking
    created: bool  # False: this household (or address) already had this booking
    # A booking made without an account: the raw token of the link emailed with it (only its
    # digest is stored).
    manage_token: str | None = None

    @property
    def confirmed(self) -> bool:
        return self.booking.status == BookingStatus.CONFIRMED


# Places -------------------------------------------------------------------------------------------

def _claim_places(session: Session, event: Event, places: int) -> bool:
    """Take ``places`` if they are free at the moment of writing: the condition is part of the
    UPDATE, so no count read earlier (by this request or another) can be out of date."""
    result = session.execute(
        update(Event)
        .where(Event.id == event.id, Event.status == EventStatus.SCHEDULED, Event.booked + places <= Event.capacity)
        .values(booked=Event.booked + places, revision=Event.revision + 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(event, ["booked", "revision"])
    return result.rowcount == 1


def _release_places(session: Session, event: Event, places: int) -> None:
    session.execute(
        update(Event).where(Event.id == event.id, Event.booked >= places)
        .values(booked=Event.booked - places, revision=Event.revision + 1)
        .execution_options(synchronize_session=False)
    )
    session.expire(event, ["booked", "revision"])


def _free_places(session: Session, event: Event) -> int:
    capacity, booked = session.execute(select(Event.capacity, Event.booked).where(Event.id == event.id)).one()
    return capacity - booked


# Booking ------------------------------------------------------------------------------------------

def _reserve_row(session: Session, event: Event, *, key, now: datetime, values: dict) -> tuple[Booking, bool]:
    """The booking row for this household (or address) and event: a new one, a cancelled one
    brought back, or (created False) the one that already stands."""
    existing = session.scalar(select(Booking).where(Booking.event_id == event.id, key))
    if existing is not None:
        if existing.is_active:
            return existing, False
        revived = session.execute(
            update(Booking).where(Booking.id == existing.id, Booking.status == BookingStatus.CANCELLED)
            .values(status=BookingStatus.WAITING, updated_at=now).execution_options(synchronize_session=False)
        ).rowcount
        session.refresh(existing)
        if revived != 1:
            return existing, False
        session.execute(delete(BookingAttendee).where(BookingAttendee.booking_id == existing.id))
        session.execute(delete(Attendance).where(Attendance.booking_id == existing.id))
        session.expire(existing, ["attendees", "attendance"])
        for name, value in values.items():
            setattr(existing, name, value)
        existing.created_at = now
        existing.cancelled_at = existing.cancellation_note = existing.cancellation_requested_at = None
        existing.confirmed_at = existing.promoted_at = None
        return existing, True
    booking = Booking(event_id=event.id, reference=reference("BK"), status=BookingStatus.WAITING,
                      created_at=now, updated_at=now, **values)
    try:
        with session.begin_nested():
            session.add(booking)
            session.flush()
    except IntegrityError:
        # The same household's other request (a double click) got there first.
        existing = session.scalar(select(Booking).where(Booking.event_id == event.id, key))
        if existing is None:
            raise
        return existing, False
    return booking, True


def _settle(session: Session, event: Event, booking: Booking, *, now: datetime) -> None:
    """Take the places, or put the whole booking on the waiting list."""
    if _claim_places(session, event, booking.places):
        booking.status = BookingStatus.CONFIRMED
        booking.confirmed_at = now
        booking.queued_at = None
    else:
        booking.status = BookingStatus.WAITING
        booking.queued_at = now
    booking.updated_at = now
    session.flush()


def book_for_household(
    session: Session, actor: User, event: Event, household: Household, *,
    applicant_ids: list[int], supporters: list[str] | None = None, now: datetime | None = None,
    day_number: int | None = None, skip_audience: bool = False,
) -> BookingResult:
    """Book places for some or all of the household's applicants (and, where the course
    allows it, named members of their support network)."""
    now = now or utcnow()
    # A catch-up place was earned on an earlier run: only the booking window applies.
    problem = window_problem(event, now) if skip_audience else eligibility(event, actor, household, now=now).reason or None
    if problem:
        raise NotEligible(problem)
    applicants = [a for a in household.applicants if a.id in set(applicant_ids)]
    if not applicants:
        raise DomainError("Select who is coming", "applicants")
    names = [n.strip() for n in (supporters or []) if n and n.strip()]
    if names and not event.allows_support_network:
        raise DomainError("Only members of your household can come to this event", "supporter_1")
    if len(names) > MAX_SUPPORTERS:
        raise DomainError(f"You can bring up to {MAX_SUPPORTERS} people from your support network", "supporter_1")
    places = len(applicants) + len(names)
    if places > event.capacity:
        raise DomainError(f"This event has {event.capacity} place{'s' if event.capacity != 1 else ''} in all: "
                          "choose fewer people", "applicants")
    booking, created = _reserve_row(
        session, event, key=Booking.household_id == household.id, now=now,
        values=dict(household_id=household.id, places=places, day_number=day_number),
    )
    if not created:
        return BookingResult(booking, False)
    for applicant in applicants:
        booking.attendees.append(BookingAttendee(user_id=applicant.id, name=applicant.full_name))
    for name in names:
        booking.attendees.append(BookingAttendee(name=name[:200], is_supporter=True))
    _settle(session, event, booking, now=now)
    audit.record(session, actor, "booked", booking, household_id=household.id, agency_id=event.agency_id, now=now,
                 summary=f"{'Booked' if booking.is_confirmed else 'Joined the waiting list for'} {event.title[:200]} "
                         f"({places} place{'s' if places != 1 else ''})")
    booking_mail.booking_made(session, booking, now=now)
    return BookingResult(booking, True)


def book_without_account(
    session: Session, event: Event, *, first_name: str, last_name: str, email: str, area_id: int | None,
    places: int, now: datetime | None = None,
) -> BookingResult:
    """A booking for an event open to the public, by someone with no account. For an
    information evening it creates (or finds) the person's enquiry with the right agency."""
    now = now or utcnow()
    allowed = eligibility(event, None, None, now=now)
    if not allowed.can_book:
        raise NotEligible(allowed.reason)
    if places < 1 or places > MAX_PUBLIC_PLACES:
        raise DomainError(f"Choose 1 or {MAX_PUBLIC_PLACES} places", "places")
    if places > event.capacity:
        raise DomainError(f"This event has {event.capacity} place in all", "places")
    address = normalise_email(email)
    booking, created = _reserve_row(
        session, event, key=Booking.contact_email == address, now=now,
        values=dict(first_name=first_name.strip(), last_name=last_name.strip(), contact_email=address, places=places),
    )
    if not created:
        booking_mail.already_booked(session, booking, now=now)
        return BookingResult(booking, False)
    if event.kind == EventKind.INFORMATION_EVENING:
        enquiry = enquiries.enquiry_for_event_booking(
            session, first_name=first_name, last_name=last_name, email=email, area_id=area_id, actor=None, now=now)
        booking.enquiry_id = enquiry.id
        enquiries.on_information_evening_booked(session, enquiry, now=now)
    _settle(session, event, booking, now=now)
    audit.record(session, None, "booked", booking, agency_id=event.agency_id, now=now,
                 summary=f"Booked without an account: {event.title[:200]} ({places} place{'s' if places != 1 else ''})")
    token = booking_mail.new_manage_token(session, booking, now=now)
    booking_mail.booking_made(session, booking, now=now, manage_token=token)
    return BookingResult(booking, True, manage_token=token)


# The waiting list -------------------------------------------------------------------------------

def waiting_list(session: Session, event: Event) -> list[Booking]:
    return list(session.scalars(
        select(Booking).where(Booking.event_id == event.id, Booking.status == BookingStatus.WAITING)
        .order_by(Booking.queued_at, Booking.id)
    ))


def promote_waiting(session: Session, event: Event, *, now: datetime | None = None, actor: User | None = None) -> list[Booking]:
    """Give freed places to the waiting list, first come first served, a whole booking at a time."""
    now = now or utcnow()
    if event.status != EventStatus.SCHEDULED or event.starts_at <= now:
        return []
    promoted: list[Booking] = []
    passed_over: set[int] = set()
    while True:
        free = _free_places(session, event)
        if free <= 0:
            break
        query = (select(Booking.id, Booking.places)
                 .where(Booking.event_id == event.id, Booking.status == BookingStatus.WAITING, Booking.places <= free)
                 .order_by(Booking.queued_at, Booking.id).limit(1))
        if passed_over:
            query = query.where(Booking.id.not_in(passed_over))
        candidate = session.execute(query).first()
        if candidate is None:
            break
        booking_id, places = candidate
        # Claim the booking row first: a concurrent promoter then skips it.
        took = session.execute(
            update(Booking).where(Booking.id == booking_id, Booking.status == BookingStatus.WAITING)
            .values(status=BookingStatus.CONFIRMED, confirmed_at=now, promoted_at=now, queued_at=None, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if took != 1:
            passed_over.add(booking_id)
            continue
        if not _claim_places(session, event, places):
            session.execute(update(Booking).where(Booking.id == booking_id)
                            .values(status=BookingStatus.WAITING, confirmed_at=None, promoted_at=None, queued_at=now)
                            .execution_options(synchronize_session=False))
            passed_over.add(booking_id)
            continue
        booking = session.get(Booking, booking_id, populate_existing=True)
        promoted.append(booking)
        audit.record(session, actor, "promoted", booking, household_id=booking.household_id, agency_id=event.agency_id,
                     now=now, summary=f"Given a place from the waiting list for {event.title[:200]}")
        booking_mail.promoted(session, booking, now=now)
    return promoted


# Cancelling ---------------------------------------------------------------------------------------

def _cancel(session: Session, actor: User | None, booking: Booking, *, note: str, now: datetime) -> list[Booking]:
    """Cancel the booking as last read, or raise: the loser of a double click (or of a race
    with a promotion) changes nothing and so has nothing to tell anyone."""
    event = booking.event
    previous = booking.status
    # Only one request may cancel a booking: a double click releases its places once.
    done = session.execute(
        update(Booking).where(Booking.id == booking.id, Booking.status == previous)
        .values(status=BookingStatus.CANCELLED, cancelled_at=now, cancellation_note=note, queued_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(booking)
    if done != 1:
        if not booking.is_active:
            raise NotAllowed("This booking is already cancelled.")
        raise Conflict("This booking changed while you were looking at it. Check it and try again.")
    audit.record(session, actor, "cancelled", booking, household_id=booking.household_id, agency_id=event.agency_id,
                 now=now, summary=f"{note}: {event.title[:200]}")
    if previous != BookingStatus.CONFIRMED:
        return []
    _release_places(session, event, booking.places)
    return promote_waiting(session, event, now=now)


def cancel_booking(session: Session, actor: User | None, booking: Booking, *, now: datetime | None = None) -> list[Booking]:
    """The household (or the person who booked) cancels. Returns anyone promoted as a result."""
    now = now or utcnow()
    if not booking.is_active:
        raise NotAllowed("This booking is already cancelled.")
    if not can_cancel_online(booking, now):
        raise NotAllowed(
            f"The deadline to cancel online has passed. Ask {booking.event.agency.name} to cancel it for you.")
    note = "Gave up a place on the waiting list" if booking.is_waiting else (
        "Declined a place offered from the waiting list" if booking.promoted_at else "Cancelled by the household"
        if booking.household_id else "Cancelled by the person who booked")
    promoted = _cancel(session, actor, booking, note=note, now=now)
    booking_mail.booking_cancelled(session, booking, now=now)
    return promoted


def cancel_by_staff(session: Session, actor: User, booking: Booking, *, now: datetime | None = None) -> list[Booking]:
    now = now or utcnow()
    if not booking.is_active:
        raise NotAllowed("This booking is already cancelled.")
    promoted = _cancel(session, actor, booking, note=f"Cancelled by staff ({actor.full_name})", now=now)
    booking_mail.booking_cancelled(session, booking, now=now, by_staff=True)
    return promoted


def request_cancellation(session: Session, actor: User | None, booking: Booking, *, now: datetime | None = None) -> bool:
    """After the deadline: ask the organising agency to cancel (they may still free the place).
    Returns False when it had already been asked: the agency hears once however often it is pressed."""
    now = now or utcnow()
    if not booking.is_active:
        raise NotAllowed("This booking is already cancelled.")
    done = session.execute(
        update(Booking).where(Booking.id == booking.id, Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.WAITING]),
                              Booking.cancellation_requested_at.is_(None))
        .values(cancellation_requested_at=now, updated_at=now).execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(booking)
    if done != 1:
        if not booking.is_active:
            raise NotAllowed("This booking is already cancelled.")
        return False
    audit.record(session, actor, "cancellation_requested", booking, household_id=booking.household_id,
                 agency_id=booking.event.agency_id, now=now, summary=f"Asked to cancel: {booking.event.title[:200]}")
    booking_mail.cancellation_requested(session, booking, now=now)
    return True
