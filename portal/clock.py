"""Time: stored in UTC, shown in Europe/London.

Every timestamp column uses ``UTCDateTime``: aware UTC datetimes in Python, naive UTC in
the database, so SQLite (which keeps no zone) and PostgreSQL agree.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_in_london(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(LONDON).date()


def to_london(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LONDON)


def describe_time(value: datetime) -> str:
    """GOV.UK style, in London time: 7pm, 7:30pm, midday, midnight."""
    local = to_london(value)
    if (local.hour, local.minute) == (12, 0):
        return "midday"
    if (local.hour, local.minute) == (0, 0):
        return "midnight"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def describe_date(value: date | datetime) -> str:
    """'3 March 2026' (a datetime is read in London time)."""
    if isinstance(value, datetime):
        value = to_london(value).date()
    return f"{value.day} {value.strftime('%B %Y')}"


def describe_datetime(value: datetime) -> str:
    """'Tuesday 3 March 2026 at 7pm' in London time: pages, emails and messages all say it so."""
    local = to_london(value)
    return f"{local.strftime('%A')} {describe_date(local.date())} at {describe_time(value)}"


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped when the clocks go forward (01:30 on 29 March 2026)."""


def london_to_utc(day: date, at: time) -> datetime:
    """Turn a wall-clock time in London into UTC.

    A time that does not exist (the spring-forward gap) is refused: ``zoneinfo`` would
    silently move it an hour. A time that happens twice (the autumn overlap) is taken as the
    first occurrence, in British Summer Time, which is what people mean by "01:30 that night".
    """
    local = datetime.combine(day, at).replace(tzinfo=LONDON, fold=0)
    round_trip = local.astimezone(UTC).astimezone(LONDON)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(
            f"{at.strftime('%H:%M')} on {day.strftime('%-d %B %Y')} does not exist in the UK: "
            "the clocks go forward that night. Choose another time."
        )
    return local.astimezone(UTC)


class UTCDateTime(TypeDecorator):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)
