"""Staff work on events: create, change, copy and cancel events and series of meetings.

Staff enter local dates and times; each day is turned into UTC on its own date, so a
monthly 8pm group stays at 8pm through the clock changes, and a time the clocks skip is
refused with a message by the field.
"""
from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from portal.clock import NonexistentLocalTime, london_to_utc, utcnow
from portal.models import (
    Attendance, Audience, Booking, BookingStatus, Event, EventDay, EventFormat, EventKind, EventSeries, EventStatus, User,
)
from portal.services import access, audit, booking_mail, bookings
from portal.services.errors import DomainError
from portal.services.events import COURSES

MAX_DAYS = 10
MAX_SERIES_MEETINGS = 24


@dataclass
class EventDetails:
    """What staff say about an event, field by field (never a request's whole form)."""

    kind: EventKind
    title: str
    description: str
    audience: Audience
    open_to_all_agencies: bool
    format: EventFormat
    capacity: int
    topic: str | None = None
    course_code: str | None = None
    venue_name: str | None = None
    venue_address: str | None = None
    venue_town: str | None = None
    hides_address: bool = False
    joining_link: str | None = None
    allows_support_network: bool = False
    booking_closes_hours: int = 24
    cancellation_hours: int = 48


@dataclass
class Schedule:
    first_day: date
    start: time
    end: time
    day_count: int = 1
    days_apart: int = 1  # 1: consecutive days; 7: the same day each week


def _check(details: EventDetails) -> None:
    if not details.title.strip():
        raise DomainError("Enter a title", "title")
    if details.capacity < 1:
        raise DomainError("Places must be 1 or more", "capacity")
    if details.course_code and details.course_code not in COURSES:
        raise DomainError("Select a course from the list", "course_code")
    if details.format == EventFormat.IN_PERSON and not (details.venue_town or "").strip():
        raise DomainError("Enter the town or area of the venue", "venue_town")
    link = (details.joining_link or "").strip()
    if link and not link.lower().startswith("https://"):
        raise DomainError("Enter a joining link that starts with https://", "joining_link")
    if details.booking_closes_hours < 0 or details.cancellation_hours < 0:
        raise DomainError("Enter a number of hours of 0 or more", "booking_closes_hours")


def _days(schedule: Schedule) -> list[tuple[datetime, datetime]]:
    if not 1 <= schedule.day_count <= MAX_DAYS:
        raise DomainError(f"An event has between 1 and {MAX_DAYS} days", "day_count")
    if schedule.end <= schedule.start:
        raise DomainError("The end time must be after the start time", "end_time")
    out = []
    for n in range(schedule.day_count):
        day = schedule.first_day + timedelta(days=n * schedule.days_apart)
        times = []
        for field, at in (("start_time", schedule.start), ("end_time", schedule.end)):
            try:
                times.append(london_to_utc(day, at))
            except NonexistentLocalTime as error:
                raise DomainError(str(error), field) from None
        out.append((times[0], times[1]))
    return out


def _apply(event: Event, details: EventDetails, days: list[tuple[datetime, datetime]]) -> None:
    event.kind = details.kind
    event.title = details.title.strip()
    event.description = (details.description or "").strip()
    event.topic = (details.topic or "").strip() or None
    event.course_code = details.course_code or None
    event.audience = details.audience
    event.open_to_all_agencies = details.open_to_all_agencies
    event.format = details.format
    in_person = details.format == EventFormat.IN_PERSON
    event.venue_name = ((details.venue_name or "").strip() or None) if in_person else None
    event.venue_address = ((details.venue_address or "").strip() or None) if in_person else None
    event.venue_town = ((details.venue_town or "").strip() or None) if in_person else None
    event.hides_address = details.hides_address and in_person
    event.joining_link = None if in_person else ((details.joining_link or "").strip() or None)
    event.capacity = details.capacity
    event.allows_support_network = details.allows_support_network
    event.starts_at = days[0][0]
    event.ends_at = days[-1][1]
    event.day_count = len(days)
    event.booking_closes_at = event.starts_at - timedelta(hours=details.booking_closes_hours)
    event.cancellation_deadline_at = event.starts_at - timedelta(hours=details.cancellation_hours)


def _set_days(event: Event, days: list[tuple[datetime, datetime]]) -> None:
    existing = {d.day_number: d for d in event.days}
    for number, (start, end) in enumerate(days, start=1):
        if number in existing:
            existing[number].starts_at, existing[number].ends_at = start, end
        else:
            event.days.append(EventDay(day_number=number, starts_at=start, ends_at=end))
    for number, day in existing.items():
        if number > len(days):
            event.days.remove(day)


def new_uid() -> str:
    return f"{secrets.token_hex(12)}@events.adopter-portal"


def create_event(session: Session, actor: User, details: EventDetails, schedule: Schedule, *,
                 series: EventSeries | None = None, copied_from: Event | None = None, now: datetime | None = None) -> Event:
    now = now or utcnow()
    _check(details)
    days = _days(schedule)
    if days[0][0] <= now:
        raise DomainError("The event must start in the future", "first_day")
    event = Event(uid=new_uid(), agency_id=actor.agency_id, series=series, created_at=now, updated_at=now,
                  created_by_id=actor.id, booked=0, sequence=0, revision=0, status=EventStatus.SCHEDULED)
    _apply(event, details, days)
    _set_days(event, days)
    session.add(event)
    session.flush()
    summary = f"Created {event.kind.label.lower()} {event.title[:150]}"
    if copied_from is not None:
        summary += f" (a copy of event {copied_from.id})"
    audit.record(session, actor, "created", event, agency_id=event.agency_id, now=now, summary=summary)
    return event


def _active_bookings(session: Session, event: Event) -> list[Booking]:
    return list(session.scalars(select(Booking).where(
        Booking.event_id == event.id, Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.WAITING]))
        .order_by(Booking.id)))


class CapacityBelowBooked(DomainError):
    pass


def update_event(session: Session, actor: User, event: Event, details: EventDetails, schedule: Schedule, *,
                 confirm_capacity: bool = False, now: datetime | None = None) -> list[str]:
    """Change an event. Booked households hear about changes to when and where; returns
    what changed, in words."""
    now = now or utcnow()
    if event.is_cancelled:
        raise DomainError("This event is cancelled and can no longer be changed")
    _check(details)
    days = _days(schedule)
    booked = event.booked
    if details.capacity < booked and not confirm_capacity:
        raise CapacityBelowBooked(
            f"{booked} places are already booked. If you reduce the places to {details.capacity}, nobody loses their "
            f"place, but nobody on the waiting list is offered one until fewer than {details.capacity} are booked. "
            "Tick the box to confirm.", "capacity")
    if len(days) < event.day_count and _has_attendance(session, event.days[len(days):]):
        raise DomainError("Attendance is already marked on the days you are removing", "day_count")
    before = {
        "when": [(d.starts_at, d.ends_at) for d in event.days],
        "where": (event.format, event.venue_name, event.venue_address, event.venue_town, event.joining_link),
        "title": event.display_title,
    }
    old_capacity = event.capacity
    _apply(event, details, days)
    _set_days(event, days)
    changes = audit.changes_of(event, [
        "kind", "title", "description", "topic", "course_code", "audience", "open_to_all_agencies", "format",
        "venue_name", "venue_address", "venue_town", "hides_address", "joining_link", "capacity",
        "allows_support_network", "starts_at", "ends_at", "day_count", "booking_closes_at", "cancellation_deadline_at",
    ])
    told: list[str] = []
    if before["when"] != [(s, e) for s, e in days]:
        told.append("the date or time")
    if before["where"] != (event.format, event.venue_name, event.venue_address, event.venue_town, event.joining_link):
        told.append("where it takes place")
    if before["title"] != event.display_title:
        told.append("its title")
    if changes or told:
        event.sequence += 1
        event.revision += 1
        event.updated_at = now
        session.flush()
        audit.record(session, actor, "updated", event, agency_id=event.agency_id, now=now, changes=changes,
                     summary=f"Changed {event.title[:200]}")
    if told:
        booking_mail.event_changed(session, event, _active_bookings(session, event), changes=told, now=now)
    if event.capacity > old_capacity:
        bookings.promote_waiting(session, event, now=now, actor=actor)
    return told


def _has_attendance(session: Session, days: list[EventDay]) -> bool:
    return session.scalar(select(Attendance.id).where(Attendance.day_id.in_([d.id for d in days])).limit(1)) is not None


def cancel_event(session: Session, actor: User, event: Event, *, reason: str, now: datetime | None = None) -> int:
    """Cancel an event: everyone booked or waiting is told, and calendars show it cancelled.
    Returns how many bookings were told."""
    now = now or utcnow()
    if event.is_cancelled:
        raise DomainError("This event is already cancelled")
    if event.ends_at <= now:
        raise DomainError("This event has already happened")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter the reason, so that people know why", "reason")
    event.status = EventStatus.CANCELLED
    event.cancelled_at = now
    event.cancellation_reason = reason[:500]
    event.sequence += 1
    event.revision += 1
    event.updated_at = now
    session.flush()
    affected = _active_bookings(session, event)
    audit.record(session, actor, "cancelled", event, agency_id=event.agency_id, now=now,
                 summary=f"Cancelled {event.title[:150]} ({len(affected)} bookings told)")
    booking_mail.event_cancelled(session, event, affected, now=now)
    return len(affected)


# Series -----------------------------------------------------------------------------------------

MONTHLY_WEEKDAY = "weekday"  # e.g. the second Tuesday of every month
MONTHLY_DATE = "date"  # e.g. the 14th of every month


def monthly_dates(first: date, count: int, rule: str) -> list[date]:
    """``count`` dates a month apart, starting with ``first``."""
    out = []
    nth = (first.day - 1) // 7  # 0 for the first such weekday of the month
    is_last = first.day + 7 > calendar.monthrange(first.year, first.month)[1]
    year, month = first.year, first.month
    for _ in range(count):
        last_day = calendar.monthrange(year, month)[1]
        if rule == MONTHLY_DATE:
            out.append(date(year, month, min(first.day, last_day)))
        else:
            weekdays = [d for d in range(1, last_day + 1) if date(year, month, d).weekday() == first.weekday()]
            out.append(date(year, month, weekdays[-1] if is_last and nth >= 3 else weekdays[min(nth, len(weekdays) - 1)]))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def create_series(session: Session, actor: User, details: EventDetails, *, first_day: date, start: time, end: time,
                  count: int, rule: str = MONTHLY_WEEKDAY, topics: list[str] | None = None,
                  now: datetime | None = None) -> EventSeries:
    """Monthly meetings of one group, each its own event (so each can be booked, changed or
    cancelled), kept together as a series. ``topics`` gives meetings their subjects in order."""
    now = now or utcnow()
    if not 1 <= count <= MAX_SERIES_MEETINGS:
        raise DomainError(f"A series has between 1 and {MAX_SERIES_MEETINGS} meetings", "count")
    topics = [t.strip() for t in (topics or []) if t.strip()]
    if len(topics) > count:
        raise DomainError(f"There are {len(topics)} topics for {count} meetings: add meetings or remove topics", "topics")
    _check(details)
    series = EventSeries(agency_id=actor.agency_id, kind=details.kind, title=details.title.strip(), created_at=now,
                         created_by_id=actor.id)
    session.add(series)
    for index, day in enumerate(monthly_dates(first_day, count, rule)):
        meeting = EventDetails(**{**details.__dict__, "topic": topics[index] if index < len(topics) else details.topic})
        create_event(session, actor, meeting, Schedule(day, start, end), series=series, now=now)
    session.flush()
    audit.record(session, actor, "created", series, agency_id=series.agency_id, now=now,
                 summary=f"Created a series of {count} meetings: {series.title[:150]}")
    return series


def cancel_series(session: Session, actor: User, series: EventSeries, *, reason: str, now: datetime | None = None) -> int:
    """Cancel every meeting still to come. Returns how many were cancelled."""
    now = now or utcnow()
    if not (reason or "").strip():
        raise DomainError("Enter the reason, so that people know why", "reason")
    cancelled = 0
    for meeting in series.events:
        if meeting.status == EventStatus.SCHEDULED and meeting.starts_at > now:
            cancel_event(session, actor, meeting, reason=reason, now=now)
            cancelled += 1
    if not cancelled:
        raise DomainError("There are no meetings still to come in this series")
    return cancelled


# Listing for staff ------------------------------------------------------------------------------

@dataclass
class StaffListing:
    events: list[Event]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def staff_listing(session: Session, actor: User, *, past: bool, now: datetime, page: int = 1,
                  page_size: int = 50) -> StaffListing:
    """The events the actor's agency runs (all, for the hub): upcoming soonest first, or past."""
    query = access.events_for(actor)
    query = query.where(Event.ends_at <= now) if past else query.where(Event.ends_at > now)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    order = (Event.starts_at.desc(), Event.id.desc()) if past else (Event.starts_at, Event.id)
    rows = session.scalars(query.options(joinedload(Event.agency)).order_by(*order)
                           .offset((page - 1) * page_size).limit(page_size)).all()
    return StaffListing(list(rows), total, page, page_size)
