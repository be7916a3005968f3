"""Statutory clocks: working days, calendar months and paused time.

A *working day* is a Monday to Friday that is not an English bank holiday (including the
substitute days given when a holiday falls at a weekend) and not a closure day of the agency
(many councils close between Christmas and New Year; the hub administrator records those).
Bank holidays come from the ``holidays`` package (``holidays.UK(subdiv="ENG")``), which is
kept up to date with royal proclamations, not from a hand-typed table.

Every function here is pure: give it dates (and the closure days you loaded once with
``closure_days``) and it gives dates back. Nothing reads the clock or the database, except
``closure_days``, which is the one loader.

Worked examples (England and Wales)::

    >>> from datetime import date
    >>> add_working_days(date(2026, 12, 24), 1)   # Thu -> Fri 25 Dec, Sat, Sun, Mon 28 Dec all off
    datetime.date(2026, 12, 29)
    >>> add_working_days(date(2027, 12, 24), 1)   # 27 and 28 Dec 2027 are both substitute days
    datetime.date(2027, 12, 29)
    >>> add_working_days(date(2026, 4, 2), 1)     # Good Friday 3 Apr and Easter Monday 6 Apr
    datetime.date(2026, 4, 7)
    >>> add_working_days(date(2026, 12, 29), 2, closures={date(2026, 12, 30), date(2026, 12, 31)})
    datetime.date(2027, 1, 5)
    >>> working_days_between(date(2026, 12, 24), date(2026, 12, 29))
    1
    >>> add_months(date(2026, 1, 31), 1), add_months(date(2028, 1, 31), 1)
    (datetime.date(2026, 2, 28), datetime.date(2028, 2, 29))
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

NO_CLOSURES: frozenset[date] = frozenset()


@lru_cache(maxsize=64)
def _bank_holidays_in(year: int) -> frozenset[date]:
    return frozenset(holidays.UK(subdiv="ENG", years=year).keys())


def bank_holidays(year: int) -> frozenset[date]:
    """English bank holidays of ``year``, substitute days included."""
    return _bank_holidays_in(year)


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays_in(day.year)


def is_working_day(day: date, *, closures: frozenset[date] | set[date] = NO_CLOSURES) -> bool:
    """Monday to Friday, not a bank holiday, not a closure day.

    >>> is_working_day(date(2026, 12, 28))  # Monday, substitute for Boxing Day
    False
    """
    return day.weekday() < 5 and not is_bank_holiday(day) and day not in closures


def add_working_days(
    start: date, days: int, *, closures: frozenset[date] | set[date] = NO_CLOSURES
) -> date:
    """The date ``days`` working days after ``start``; ``start`` itself is not counted.

    ``start`` may be any day, working or not. ``days`` = 0 gives ``start`` back unchanged;
    a negative ``days`` counts backwards (the working day ``-days`` working days before).

    >>> add_working_days(date(2026, 1, 2), 5)   # Fri -> the following Fri
    datetime.date(2026, 1, 9)
    >>> add_working_days(date(2026, 1, 3), 1)   # Saturday start: Monday is the first working day
    datetime.date(2026, 1, 5)
    >>> add_working_days(date(2026, 5, 1), 1)   # early May bank holiday, Mon 4 May
    datetime.date(2026, 5, 5)
    """
    if days == 0:
        return start
    step = timedelta(days=1 if days > 0 else -1)
    remaining = abs(days)
    day = start
    while remaining:
        day += step
        if is_working_day(day, closures=closures):
            remaining -= 1
    return day


def next_working_day(day: date, *, closures: frozenset[date] | set[date] = NO_CLOSURES) -> date:
    """``day`` itself if it is a working day, otherwise the first working day after it.

    >>> next_working_day(date(2026, 12, 25))   # Christmas Day, a Friday -> Tuesday 29 December
    datetime.date(2026, 12, 29)
    """
    while not is_working_day(day, closures=closures):
        day += timedelta(days=1)
    return day


def working_days_between(
    start: date, end: date, *, closures: frozenset[date] | set[date] = NO_CLOSURES
) -> int:
    """How many working days fall after ``start`` up to and including ``end``.

    The inverse of ``add_working_days``: ``working_days_between(s, add_working_days(s, n)) == n``
    for n >= 0. If ``end`` is before ``start`` the answer is negative (days remaining in the
    other direction), and 0 when they are the same day.

    >>> working_days_between(date(2026, 4, 2), date(2026, 4, 7))  # over Easter
    1
    >>> working_days_between(date(2026, 4, 7), date(2026, 4, 2))
    -1
    """
    if end < start:
        return -working_days_between(end, start, closures=closures)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, closures=closures):
            count += 1
    return count


def add_months(start: date, months: int) -> date:
    """The same day of the month ``months`` later, or the month's last day if it has fewer.

    >>> add_months(date(2026, 1, 31), 1)
    datetime.date(2026, 2, 28)
    >>> add_months(date(2027, 12, 31), 2)   # 2028 is a leap year
    datetime.date(2028, 2, 29)
    >>> add_months(date(2026, 8, 31), -6)
    datetime.date(2026, 2, 28)
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(start.day, last))


@dataclass(frozen=True)
class Pause:
    """A stretch of time the clock stood still: from ``start`` up to (not including) ``end``.

    ``end`` is None while the pause is still going on.
    """

    start: date
    end: date | None = None

    def days(self, today: date) -> int:
        """Calendar days paused; an open pause counts up to ``today``."""
        return max(0, ((self.end or today) - self.start).days)


def extend_for_pauses(due: date, pauses: Iterable[Pause], *, today: date) -> date:
    """Move a due date on by every calendar day the clock was paused before it fell due.

    A pause counts if it began on or before the due date as moved by the earlier pauses;
    a pause that begins after the date has passed cannot rescue it. An open pause counts up to
    ``today``, so the date keeps moving while the household stays paused.

    >>> due = date(2026, 3, 5)
    >>> extend_for_pauses(due, [Pause(date(2026, 2, 1), date(2026, 2, 15))], today=date(2026, 6, 1))
    datetime.date(2026, 3, 19)
    >>> extend_for_pauses(due, [Pause(date(2026, 3, 10), date(2026, 3, 20))], today=date(2026, 6, 1))
    datetime.date(2026, 3, 5)
    >>> extend_for_pauses(due, [Pause(date(2026, 3, 1))], today=date(2026, 3, 11))
    datetime.date(2026, 3, 15)
    """
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.start > due:
            break
        due += timedelta(days=pause.days(today))
    return due


def paused_days(pauses: Iterable[Pause], *, since: date, today: date) -> int:
    """Calendar days paused on or after ``since`` (up to ``today`` for an open pause)."""
    total = 0
    for pause in pauses:
        begin = max(pause.start, since)
        end = pause.end or today
        if end > begin:
            total += (end - begin).days
    return total


def closure_days(session, agency_id: int | None = None) -> frozenset[date]:
    """Closure days that stop the clock for a partner agency's households.

    Days the hub recorded for the whole region (no agency) apply to everyone; days recorded
    for one partner agency apply to that agency only. Load them once per request and pass
    them to the functions above as ``closures=``.
    """
    from sqlalchemy import or_, select

    from portal.models.journey import ClosureDay

    query = select(ClosureDay.closed_on)
    if agency_id is None:
        query = query.where(ClosureDay.agency_id.is_(None))
    else:
        query = query.where(or_(ClosureDay.agency_id.is_(None), ClosureDay.agency_id == agency_id))
    return frozenset(session.scalars(query))


def closure_days_by_agency(session) -> dict[int | None, frozenset[date]]:
    """Every agency's closure days in one query: ``{agency_id: days}``, region-wide days under
    ``None`` and already merged into each agency's set (for views across many agencies)."""
    from sqlalchemy import select

    from portal.models.journey import ClosureDay

    rows = session.execute(select(ClosureDay.agency_id, ClosureDay.closed_on)).all()
    regional = frozenset(day for agency_id, day in rows if agency_id is None)
    by_agency: dict[int | None, set[date]] = {}
    for agency_id, day in rows:
        if agency_id is not None:
            by_agency.setdefault(agency_id, set()).add(day)
    result: dict[int | None, frozenset[date]] = {None: regional}
    for agency_id, days in by_agency.items():
        result[agency_id] = regional | frozenset(days)
    return result
