"""Events as people see them: What's On, who may book what and why not, and the queries
other features ask (the next information evening, a household's bookings)."""
from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from portal.clock import describe_datetime, london_to_utc, to_london, today_in_london
from portal.models import (
    Agency, Audience, Booking, BookingStatus, CalendarFeed, Event, EventFormat, EventKind, EventStatus, Household,
    HouseholdStage, TrainingCompletion, User,
)
from portal.services import calendars, journey
from portal.services.training import PREPARE_TO_ADOPT

if TYPE_CHECKING:
    from portal.services import attendance


@dataclass(frozen=True)
class Course:
    code: str
    title: str
    days: int
    audience: Audience
    allows_support_network: bool = False


# The regional training calendar. Codes are stable: training completions are recorded by code.
COURSES = {course.code: course for course in [
    Course(PREPARE_TO_ADOPT, "Prepare to Adopt", 3, Audience.PREPARATION),
    Course("early-permanence", "Early Permanence", 1, Audience.PREPARATION),
    Course("non-violent-resistance", "Non-Violent Resistance", 2, Audience.STAGE_2),
    Course("fasd", "Foetal Alcohol Spectrum Disorder (FASD)", 1, Audience.STAGE_2),
    Course("sensory-world", "The Child's Sensory World", 1, Audience.STAGE_2),
    Course("adopting-siblings", "Adopting Siblings", 1, Audience.PREPARATION),
    Course("therapeutic-parenting", "Therapeutic Parenting", 2, Audience.STAGE_2),
    Course("talking-about-adoption", "Talking about Adoption", 1, Audience.STAGE_2),
    Course("family-and-friends", "Family and Friends Training", 1, Audience.PREPARATION, allows_support_network=True),
]}


def when(value: datetime) -> str:
    """'Tuesday 3 March 2026 at 7pm' in London time, for messages built here."""
    return describe_datetime(value)


# Who may book --------------------------------------------------------------------------------

@dataclass
class Eligibility:
    can_book: bool
    reason: str = ""  # why not, in plain words
    needs_account: bool = False  # signing in would let them book


def window_problem(event: Event, now: datetime) -> str | None:
    """Why nobody can book this event now, if that is so."""
    if event.is_cancelled:
        return "This event has been cancelled."
    if event.ends_at <= now:
        return "This event has already happened."
    if event.starts_at <= now:
        return "This event has already started, so it can no longer be booked."
    if event.booking_opens_at and now < event.booking_opens_at:
        return f"Booking opens on {when(event.booking_opens_at)}."
    if now >= event.booking_closes_at:
        return (f"Booking closed on {when(event.booking_closes_at)}. "
                f"Contact {event.agency.name} if you would still like to come.")
    return None


_AUDIENCE_REFUSALS = {
    Audience.PREPARATION: "This is for households in Stage 1 or later. You can book it once we have accepted "
                          "your registration of interest.",
    Audience.STAGE_2: "This is for adopters from the start of Stage 2, approved adopters and kinship carers. "
                      "You can book it when your Stage 2 assessment begins.",
    Audience.APPROVED: "This is for approved adopters and adoptive families. You can book it once you are approved.",
    Audience.KINSHIP: "This is for kinship carers and special guardians.",
}


def audience_allows(event: Event, household: Household) -> bool:
    audience = event.audience
    if audience in (Audience.PUBLIC, Audience.HOUSEHOLDS):
        return True
    if audience == Audience.PREPARATION:
        return journey.has_reached(household, HouseholdStage.STAGE_1)
    if audience == Audience.STAGE_2:
        return household.is_kinship_carer or journey.has_reached(household, HouseholdStage.STAGE_2)
    if audience == Audience.APPROVED:
        return journey.has_reached(household, HouseholdStage.APPROVED)
    if audience == Audience.KINSHIP:
        return household.is_kinship_carer
    return False


def eligibility(event: Event, actor: User | None, household: Household | None, *, now: datetime) -> Eligibility:
    """Whether ``actor`` (signed in as ``household``, or the public when both are None) may
    book ``event`` now, and if not, why, in words to show them."""
    problem = window_problem(event, now)
    if problem:
        return Eligibility(False, problem)
    if actor is not None and actor.is_staff:
        return Eligibility(False, "Households book their own places. You can see who has booked on the event's staff page.")
    if household is None:
        if event.audience == Audience.PUBLIC:
            return Eligibility(True)
        return Eligibility(False, f"{_AUDIENCE_REFUSALS.get(event.audience, 'This is for households with an account.')} "
                                  "Sign in to your household's account to book.", needs_account=True)
    if not event.open_to_all_agencies and household.agency_id != event.agency_id:
        return Eligibility(False, f"This is for households supported by {event.agency.name}. "
                                  f"{household.agency.name} lists its own groups and events on What's On.")
    if not audience_allows(event, household):
        return Eligibility(False, _AUDIENCE_REFUSALS[event.audience])
    return Eligibility(True)


# What's On -------------------------------------------------------------------------------------

_SLUG = re.compile(r"^[a-z0-9-]{1,40}$")


@dataclass
class Filters:
    kind: EventKind | None = None
    agency: str | None = None  # the agency's slug
    format: EventFormat | None = None
    month: date | None = None  # the first of the month

    @classmethod
    def parse(cls, args, *, now: datetime) -> Filters:
        """Read filters from a query string; anything unrecognised is ignored, not an error."""
        kinds = {k.value: k for k in EventKind}
        formats = {f.value: f for f in EventFormat}
        agency = args.get("agency", "")
        month = None
        raw_month = args.get("month", "")
        if raw_month:
            try:
                parsed = datetime.strptime(raw_month, "%Y-%m").date()
            except ValueError:
                parsed = None
            if parsed is not None and parsed in months_ahead(now):
                month = parsed
        return cls(kind=kinds.get(args.get("kind", "")), agency=agency if _SLUG.match(agency) else None,
                   format=formats.get(args.get("format", "")), month=month)

    def as_args(self) -> dict:
        values = {
            "kind": self.kind.value if self.kind else None,
            "agency": self.agency,
            "format": self.format.value if self.format else None,
            "month": self.month.strftime("%Y-%m") if self.month else None,
        }
        return {key: value for key, value in values.items() if value}

    @property
    def active(self) -> bool:
        return bool(self.as_args())


def months_ahead(now: datetime, count: int = 13) -> list[date]:
    today = today_in_london(now)
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    last = calendar.monthrange(month.year, month.month)[1]
    return london_to_utc(month, time(0, 0)), london_to_utc(month + timedelta(days=last), time(0, 0))


def filtered(query, filters: Filters):
    if filters.kind:
        query = query.where(Event.kind == filters.kind)
    if filters.agency:
        query = query.where(Event.agency_id == select(Agency.id).where(Agency.slug == filters.agency).scalar_subquery())
    if filters.format:
        query = query.where(Event.format == filters.format)
    if filters.month:
        start, end = _month_bounds(filters.month)
        query = query.where(Event.starts_at >= start, Event.starts_at < end)
    return query


@dataclass
class MonthGroup:
    label: str
    events: list[Event]


@dataclass
class WhatsOn:
    groups: list[MonthGroup]
    total: int
    page: int
    page_size: int
    # The signed-in household's bookings among the events shown: event id -> status.
    booked: dict[int, BookingStatus] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def upcoming(filters: Filters, *, now: datetime):
    query = select(Event).where(Event.status == EventStatus.SCHEDULED, Event.starts_at > now)
    return filtered(query, filters)


def whats_on(session: Session, filters: Filters, *, household: Household | None = None, now: datetime,
             page: int = 1, page_size: int = 20) -> WhatsOn:
    """Upcoming events, soonest first, a page at a time, in a fixed number of queries."""
    query = upcoming(filters, now=now)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = min(max(1, page), max(1, -(-total // page_size)))
    events = session.scalars(
        query.options(joinedload(Event.agency)).order_by(Event.starts_at, Event.id)
        .offset((page - 1) * page_size).limit(page_size)
    ).all()
    groups: list[MonthGroup] = []
    for event in events:
        label = to_london(event.starts_at).strftime("%B %Y")
        if not groups or groups[-1].label != label:
            groups.append(MonthGroup(label, []))
        groups[-1].events.append(event)
    booked: dict[int, BookingStatus] = {}
    if household is not None and events:
        booked = dict(session.execute(
            select(Booking.event_id, Booking.status).where(
                Booking.household_id == household.id, Booking.event_id.in_([e.id for e in events]),
                Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.WAITING]))
        ).all())
    return WhatsOn(groups, total, page, page_size, booked)


def listing_version(session: Session, filters: Filters, *, now: datetime) -> tuple:
    """What a What's On page depends on, in one small query: the events it would list (count,
    newest id, latest edit, sum of revisions: every change raises an event's revision) and
    the agencies.
    A page drawn for the same version is still true."""
    params = {"now": now}
    if filters.month:
        params["month_start"], params["month_end"] = _month_bounds(filters.month)
    statement = _version_statement(filters.kind, filters.agency, filters.format, filters.month is not None)
    return tuple(session.connection().execute(statement, params).one())


@functools.lru_cache(maxsize=64)
def _version_statement(kind: EventKind | None, agency: str | None, event_format: EventFormat | None, by_month: bool):
    # Built once per shape of filter: this query runs on every visit to What's On.
    query = select(
        func.count(Event.id), func.max(Event.id), func.max(Event.updated_at), func.coalesce(func.sum(Event.revision), 0),
        select(func.count(Agency.id)).scalar_subquery(),
    ).where(Event.status == EventStatus.SCHEDULED, Event.starts_at > bindparam("now", type_=Event.starts_at.type))
    query = filtered(query, Filters(kind=kind, agency=agency, format=event_format))
    if by_month:
        query = query.where(Event.starts_at >= bindparam("month_start", type_=Event.starts_at.type),
                            Event.starts_at < bindparam("month_end", type_=Event.starts_at.type))
    return query


def listed_agencies(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.is_hub.desc(), Agency.name)))


# One event -------------------------------------------------------------------------------------

@dataclass
class EventPage:
    event: Event
    eligibility: Eligibility
    booking: Booking | None  # the signed-in household's own booking, if any
    shows_address: bool
    waiting_position: int | None = None


def booking_of(session: Session, event: Event, household: Household | None) -> Booking | None:
    if household is None:
        return None
    return session.scalar(select(Booking).where(Booking.event_id == event.id, Booking.household_id == household.id))


def waiting_positions(session: Session, bookings: list[Booking]) -> dict[int, int]:
    """Each waiting booking's place in its event's queue (1 for the front), in one query
    however many bookings are asked about."""
    ids = [b.id for b in bookings if b.status == BookingStatus.WAITING]
    if not ids:
        return {}
    mine, queue = aliased(Booking), aliased(Booking)
    ahead_or_self = (queue.id == mine.id) | (queue.queued_at < mine.queued_at) | and_(
        queue.queued_at == mine.queued_at, queue.id < mine.id)
    return dict(session.execute(
        select(mine.id, func.count(queue.id))
        .join(queue, and_(queue.event_id == mine.event_id, queue.status == BookingStatus.WAITING, ahead_or_self))
        .where(mine.id.in_(ids), mine.status == BookingStatus.WAITING)
        .group_by(mine.id)
    ).all())


def waiting_position(session: Session, booking: Booking) -> int | None:
    """1 for the front of the waiting list."""
    return waiting_positions(session, [booking]).get(booking.id)


def shows_address_to(event: Event, actor: User | None, booking: Booking | None) -> bool:
    """The venue's address is for everyone unless children are there; then only for booked
    households and the organising agency's staff."""
    if not event.hides_address:
        return True
    if booking is not None and booking.status == BookingStatus.CONFIRMED:
        return True
    return actor is not None and actor.is_staff and (actor.is_hub or actor.agency_id == event.agency_id)


def event_page(session: Session, event: Event, actor: User | None, household: Household | None, *, now: datetime) -> EventPage:
    booking = booking_of(session, event, household)
    if booking is not None and not booking.is_active:
        booking = None
    return EventPage(
        event=event,
        eligibility=eligibility(event, actor, household, now=now),
        booking=booking,
        shows_address=shows_address_to(event, actor, booking),
        waiting_position=waiting_position(session, booking) if booking is not None else None,
    )


# Asked by other features ------------------------------------------------------------------------

def next_information_evening(session: Session, *, now: datetime, agency_id: int | None = None) -> Event | None:
    """The soonest upcoming information evening open for booking with places left. With no
    agency, only evenings open to the whole partnership; with one, that agency's too."""
    query = select(Event).where(
        Event.kind == EventKind.INFORMATION_EVENING, Event.status == EventStatus.SCHEDULED,
        Event.starts_at > now, Event.booking_closes_at > now, Event.booked < Event.capacity,
        (Event.booking_opens_at.is_(None)) | (Event.booking_opens_at <= now),
    )
    if agency_id is None:
        query = query.where(Event.open_to_all_agencies.is_(True))
    else:
        query = query.where(Event.open_to_all_agencies.is_(True) | (Event.agency_id == agency_id))
    return session.scalar(query.options(joinedload(Event.agency)).order_by(Event.starts_at, Event.id).limit(1))


def upcoming_for_household(session: Session, household: Household, *, now: datetime, limit: int = 5) -> list[Event]:
    """Upcoming events this household may book and has not booked, soonest first: what its
    progress page suggests next (Prepare to Adopt in Stage 1, support groups later)."""
    already = select(Booking.event_id).where(
        Booking.household_id == household.id, Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.WAITING]))
    # A course is suggested once: not again when completed, nor another run of one already booked.
    booked_courses = select(Event.course_code).join(Booking, Booking.event_id == Event.id).where(
        Booking.household_id == household.id, Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.WAITING]),
        Event.course_code.is_not(None))
    completed_courses = select(TrainingCompletion.course_code).where(TrainingCompletion.household_id == household.id)
    candidates = session.scalars(
        select(Event).options(joinedload(Event.agency)).where(
            Event.status == EventStatus.SCHEDULED, Event.starts_at > now, Event.booking_closes_at > now,
            Event.kind != EventKind.INFORMATION_EVENING, Event.id.not_in(already),
            Event.course_code.is_(None) | (Event.course_code.not_in(booked_courses) & Event.course_code.not_in(completed_courses)),
            Event.open_to_all_agencies.is_(True) | (Event.agency_id == household.agency_id),
        ).order_by(Event.starts_at, Event.id).limit(200)
    ).all()
    chosen = [e for e in candidates if e.audience != Audience.PUBLIC and audience_allows(e, household)
              and window_problem(e, now) is None]
    return chosen[:limit]


def bookings_for_household(session: Session, household: Household) -> list[Booking]:
    """Every booking the household has made, soonest event first, events and attendees loaded."""
    return list(session.scalars(
        select(Booking).join(Event, Booking.event_id == Event.id)
        .options(joinedload(Booking.event).joinedload(Event.agency), selectinload(Booking.attendees))
        .where(Booking.household_id == household.id)
        .order_by(Event.starts_at, Booking.id)
    ).unique())


# A household's bookings ---------------------------------------------------------------------------

def can_cancel_online(booking: Booking, now: datetime) -> bool:
    """Households cancel online until the deadline; a waiting-list place can always be given up."""
    if not booking.is_active or booking.event.is_cancelled or booking.event.starts_at <= now:
        return False
    return booking.is_waiting or now < booking.event.cancellation_deadline_at


@dataclass
class MyBookings:
    """A household's bookings page, ready to show."""

    upcoming: list[Booking]  # booked or waiting, soonest first
    past: list[Booking]  # attended or not: the confirmed bookings of events that have ended
    positions: dict[int, int]  # waiting booking id -> place in its queue
    cancellable: set[int]  # ids of the bookings the household may cancel online now
    feed: CalendarFeed | None  # the private calendar, once the household has asked for one
    catch_ups: list[attendance.CatchUp]  # missed course days that can be made up


def my_bookings(session: Session, household: Household, *, now: datetime) -> MyBookings:
    # attendance books catch-up places through bookings, which reads this module.
    from portal.services import attendance

    everything = bookings_for_household(session, household)
    upcoming = [b for b in everything if b.is_active and b.event.ends_at > now]
    return MyBookings(
        upcoming=upcoming,
        past=[b for b in everything if b.is_confirmed and b.event.ends_at <= now],
        positions=waiting_positions(session, upcoming),
        cancellable={b.id for b in upcoming if can_cancel_online(b, now)},
        feed=calendars.feed_of(session, household),
        catch_ups=attendance.catch_ups_for(session, household, now=now),
    )
