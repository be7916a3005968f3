"""Closure days: days the region or one partner agency is closed, which move due dates."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portal.clock import utcnow
from portal.models import ClosureDay, Journey, JourneyStatus, StaffRole, User
from portal.services import audit, workdays
from portal.services.errors import DomainError
from portal.services.journey.deadlines import refresh_clocks
from portal.services.journey.writing import _flush, _fmt, _require_role


def add_closure_day(session: Session, actor: User | None, *, on: date, agency_id: int | None, reason: str = "",
                    now: datetime | None = None) -> ClosureDay:
    """A day the region (``agency_id`` None) or one partner agency is closed; due dates move to match."""
    now = now or utcnow()
    _require_role(actor, (StaffRole.HUB_ADMIN,), "record closure days")
    if on is None:
        raise DomainError("Enter the date", "on")
    if on.weekday() >= 5 or workdays.is_bank_holiday(on):
        raise DomainError("That day is already a weekend or a bank holiday", "on")
    duplicate = session.scalar(select(ClosureDay.id).where(
        ClosureDay.closed_on == on,
        ClosureDay.agency_id.is_(None) if agency_id is None else ClosureDay.agency_id == agency_id))
    if duplicate is not None:
        raise DomainError("That closure day is already recorded", "on")
    day = ClosureDay(agency_id=agency_id, closed_on=on, reason=(reason or "").strip()[:120], created_by_id=actor.id,
                     created_at=now)
    try:
        # Two administrators adding the same day at once: the unique constraints decide.
        with session.begin_nested():
            session.add(day)
            session.flush()
    except IntegrityError:
        raise DomainError("That closure day is already recorded", "on") from None
    audit.record(session, actor, "closure_day_added", day, summary=f"Closure day {_fmt(on)}", now=now)
    refresh_open_journeys(session, agency_id)
    return day


def remove_closure_day(session: Session, actor: User | None, day: ClosureDay, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    _require_role(actor, (StaffRole.HUB_ADMIN,), "remove closure days")
    agency_id = day.agency_id
    audit.record(session, actor, "closure_day_removed", day, summary=f"Closure day {_fmt(day.closed_on)} removed",
                 now=now)
    session.delete(day)
    _flush(session)
    refresh_open_journeys(session, agency_id)


def refresh_open_journeys(session: Session, agency_id: int | None) -> int:
    """Recompute the due dates of every open journey a closure day touches; returns how many moved."""
    query = select(Journey).where(or_(Journey.status == JourneyStatus.ACTIVE,
                                      Journey.status == JourneyStatus.NOT_APPROVED)) \
        .options(selectinload(Journey.pauses))
    if agency_id is not None:
        query = query.where(Journey.agency_id == agency_id)
    by_agency = workdays.closure_days_by_agency(session)
    moved = 0
    for journey in session.scalars(query):
        closures = by_agency.get(journey.agency_id, by_agency[None])
        refresh_clocks(journey, closures=closures)
        if session.is_modified(journey):
            moved += 1
    _flush(session)
    return moved
