"""iCalendar (RFC 5545) for events: one event's download, public and agency feeds, and each
household's private feed of its own bookings.

The text is written here rather than by a library so that a 500-event feed takes a few
milliseconds: every TEXT value is escaped (backslash, semicolon, comma, line breaks) and
stripped of control characters, so no title can start a property or a component of its
own; lines end in CRLF and are folded at 75 octets without splitting a UTF-8 character.
Times are local to Europe/London with its VTIMEZONE, so a 7pm meeting stays at 7pm in
every calendar across the clock changes.

Feeds carry no attendee names or email addresses, and never the joining link of an online
event (that is emailed on the day). A venue's address is left out where children are
present unless the feed belongs to a household booked on it.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portal.clock import UTC, to_london, utcnow
from portal.models import Booking, BookingStatus, CalendarFeed, Event, EventKind, EventStatus, Household, User
from portal.services import audit

PRODID = "-//Adopter portal//Events//EN"
# How long feeds keep past events, so that a subscriber's calendar does not lose them at once.
FEED_HISTORY_DAYS = 90

VTIMEZONE_LONDON = "\r\n".join([
    "BEGIN:VTIMEZONE",
    "TZID:Europe/London",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19810329T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19961027T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
])

# Control characters other than tab and line feed have no place in TEXT (section 3.1).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def escape_text(value: str | None) -> str:
    """A TEXT value (RFC 5545 section 3.3.11): nothing in it can end the line it is on."""
    if not value:
        return ""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not value.isprintable():
        value = _CONTROL.sub("", value)
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if ";" in value:
        value = value.replace(";", "\\;")
    if "," in value:
        value = value.replace(",", "\\,")
    if "\n" in value:
        value = value.replace("\n", "\\n")
    return value


def fold(line: str) -> str:
    """Fold a content line at 75 octets (section 3.1), never inside a UTF-8 sequence."""
    if len(line) <= 75 and line.isascii():
        return line
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, 74  # a continuation line starts with one space
    return "\r\n ".join(parts)


def _stamp(value: datetime) -> str:
    # strftime is the slow part of a large feed: the fields are formatted directly.
    return f"{value.year:04d}{value.month:02d}{value.day:02d}T{value.hour:02d}{value.minute:02d}{value.second:02d}"


def _utc_stamp(value: datetime) -> str:
    return _stamp(value.astimezone(UTC)) + "Z"


def _local_stamp(value: datetime) -> str:
    return _stamp(to_london(value))


def uid_for(event: Event, day_number: int) -> str:
    return event.uid if day_number == 1 else f"day{day_number}-{event.uid}"


def location_of(event: Event, include_address: bool) -> str:
    if event.is_online:
        return "Online"
    parts = [event.full_venue] if include_address else [event.venue_town]
    text = ", ".join(p.strip() for p in parts if p and p.strip())
    if not include_address and event.hides_address:
        text = f"{text} (the address is sent to booked families)" if text else "The address is sent to booked families"
    return text


def _vevents(event: Event, *, url: str, include_address: bool) -> list[str]:
    lines: list[str] = []
    status = "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED"
    description = event.description or ""
    if event.is_cancelled and event.cancellation_reason:
        description = f"Cancelled: {event.cancellation_reason}\n\n{description}"
    description = f"{description}\n\n{url}".strip()
    location = fold(f"LOCATION:{escape_text(location_of(event, include_address))}")
    description = fold(f"DESCRIPTION:{escape_text(description)}")
    title = event.display_title
    if event.is_cancelled:
        title = f"Cancelled: {title}"
    updated = _utc_stamp(event.updated_at)
    created = _utc_stamp(event.created_at)
    day_count = event.day_count
    for day in event.days:
        number = day.day_number
        summary = f"{title} (day {number} of {day_count})" if day_count > 1 else title
        lines += [
            "BEGIN:VEVENT",
            fold(f"UID:{escape_text(uid_for(event, number))}"),
            f"DTSTAMP:{updated}",
            f"DTSTART;TZID=Europe/London:{_local_stamp(day.starts_at)}",
            f"DTEND;TZID=Europe/London:{_local_stamp(day.ends_at)}",
            fold(f"SUMMARY:{escape_text(summary)}"),
            description,
            location,
            fold(f"URL:{url}"),
            f"STATUS:{status}",
            f"SEQUENCE:{event.sequence}",
            f"CREATED:{created}",
            f"LAST-MODIFIED:{updated}",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    return lines


def calendar(events: Iterable[Event], *, name: str, url_for: Callable[[Event], str],
             include_address: Callable[[Event], bool]) -> str:
    """A VCALENDAR holding every day of every event given (their days must be loaded)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        fold(f"X-WR-CALNAME:{escape_text(name)}"),
        fold(f"NAME:{escape_text(name)}"),
        "REFRESH-INTERVAL;VALUE=DURATION:PT6H",
        "X-PUBLISHED-TTL:PT6H",
        VTIMEZONE_LONDON,
    ]
    for event in events:
        lines += _vevents(event, url=url_for(event), include_address=include_address(event))
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def event_calendar(event: Event, *, url: str, include_address: bool) -> str:
    return calendar([event], name=event.display_title, url_for=lambda _e: url, include_address=lambda _e: include_address)


# Feeds -------------------------------------------------------------------------------------------

@dataclass
class FeedVersion:
    """What a conditional request is answered from, without building the feed."""

    etag: str
    last_modified: datetime | None


def version_of(label: str, count: int, latest: datetime | None) -> FeedVersion:
    if latest is not None and latest.tzinfo is None:
        latest = latest.replace(tzinfo=UTC)
    digest = hashlib.sha256(f"v1|{label}|{count}|{latest.isoformat() if latest else ''}".encode()).hexdigest()[:32]
    return FeedVersion(etag=digest, last_modified=latest.replace(microsecond=0) if latest else None)


def feed_window(query, *, now: datetime):
    return query.where(Event.ends_at > now - timedelta(days=FEED_HISTORY_DAYS))


def events_feed_version(session: Session, query, *, label: str, now: datetime) -> FeedVersion:
    scoped = feed_window(query, now=now).order_by(None).subquery()
    count, latest = session.execute(select(func.count(), func.max(scoped.c.updated_at))).one()
    return version_of(label, count, latest)


def events_feed_events(session: Session, query, *, now: datetime) -> list[Event]:
    return list(session.scalars(
        feed_window(query, now=now).options(selectinload(Event.days)).order_by(Event.starts_at, Event.id)
    ))


def support_groups_query(agency_id: int):
    return select(Event).where(Event.agency_id == agency_id, Event.kind == EventKind.SUPPORT_GROUP)


# A household's private feed -----------------------------------------------------------------------

def feed_of(session: Session, household: Household) -> CalendarFeed | None:
    """The household's feed, if it has asked for one."""
    return session.scalar(select(CalendarFeed).where(CalendarFeed.household_id == household.id))


def create_feed(session: Session, actor: User, household: Household, *, now: datetime | None = None) -> CalendarFeed:
    """The household's feed, made if it has none. Two requests at once (two tabs) make one:
    the unique household key refuses the second, which then reads the first's."""
    now = now or utcnow()
    feed = feed_of(session, household)
    if feed is not None:
        return feed
    feed = CalendarFeed(household_id=household.id, token=secrets.token_urlsafe(32), created_at=now)
    try:
        with session.begin_nested():
            session.add(feed)
            session.flush()
    except IntegrityError:
        existing = feed_of(session, household)
        if existing is None:
            raise
        return existing
    audit.record(session, actor, "feed_created", feed, household_id=household.id, now=now,
                 summary="Made a private calendar address for the household's bookings")
    return feed


def reset_feed(session: Session, actor: User, household: Household, *, now: datetime | None = None) -> CalendarFeed:
    """A new address for the household's feed: the old one stops working at once."""
    now = now or utcnow()
    feed = feed_of(session, household)
    if feed is None:
        return create_feed(session, actor, household, now=now)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = now
    session.flush()
    audit.record(session, actor, "feed_reset", feed, household_id=household.id, now=now,
                 summary="Made a new private calendar address: the old one no longer works")
    return feed


def feed_by_token(session: Session, token: str) -> CalendarFeed | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(CalendarFeed).where(CalendarFeed.token == token))


def _household_bookings(household_id: int):
    return select(Booking).join(Event, Booking.event_id == Event.id).where(
        Booking.household_id == household_id, Booking.status == BookingStatus.CONFIRMED)


def household_feed_version(session: Session, feed: CalendarFeed, *, now: datetime) -> FeedVersion:
    query = _household_bookings(feed.household_id).where(Event.ends_at > now - timedelta(days=FEED_HISTORY_DAYS))
    scoped = query.with_only_columns(Booking.id, Event.updated_at.label("event_updated"),
                                     Booking.updated_at.label("booking_updated")).subquery()
    count, event_latest, booking_latest = session.execute(
        select(func.count(), func.max(scoped.c.event_updated), func.max(scoped.c.booking_updated))).one()
    latest = max([v for v in (event_latest, booking_latest) if v is not None], default=None)
    return version_of(f"household:{feed.id}:{feed.token}", count, latest)


def household_feed_events(session: Session, feed: CalendarFeed, *, now: datetime) -> list[Event]:
    bookings = session.scalars(
        _household_bookings(feed.household_id)
        .where(Event.ends_at > now - timedelta(days=FEED_HISTORY_DAYS))
        .options(selectinload(Booking.event).selectinload(Event.days))
        .order_by(Event.starts_at)
    ).all()
    return [b.event for b in bookings]
