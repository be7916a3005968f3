"""The caseload and the manager's view: every household the actor may see, most urgent first."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Integer, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session, selectinload

from portal.clock import utcnow
from portal.models import Household, HouseholdStage, Journey, JourneyStatus, User
from portal.services import access, audit
from portal.services.journey.deadlines import DUE_SOON_DAYS, Clock, ClockStatus, clocks

LIST_STATUSES = {
    "overdue": "Overdue", "due_soon": "Due soon", "on_track": "On track", "paused": "Paused",
    "closed": "Finished", "not_started": "Not started",
}


def _status_expression(today: date):
    soon = today + timedelta(days=DUE_SOON_DAYS)
    return case(
        (Journey.id.is_(None), literal("not_started")),
        (Journey.status != JourneyStatus.ACTIVE, literal("closed")),
        (Journey.paused_since.is_not(None), literal("paused")),
        (Journey.next_due_on.is_(None), literal("on_track")),
        (Journey.next_due_on < today, literal("overdue")),
        (Journey.next_due_on <= soon, literal("due_soon")),
        else_=literal("on_track"),
    )


_STATUS_RANK = {"overdue": 0, "due_soon": 1, "paused": 2, "on_track": 3, "not_started": 4, "closed": 5}


@dataclass
class OverviewRow:
    household: Household
    journey: Journey | None
    status: str
    days_in_stage: int | None
    stage_days: dict[str, int]
    next_due: Clock | None

    @property
    def status_label(self) -> str:
        return LIST_STATUSES[self.status]

    @property
    def status_class(self) -> str:
        return {"overdue": "app-status--overdue", "due_soon": "app-status--due-soon", "on_track": "app-status--on-track",
                "paused": "app-status--paused", "closed": "govuk-tag--grey", "not_started": "govuk-tag--grey"}[self.status]


@dataclass
class Overview:
    rows: list[OverviewRow]
    counts: dict[str, int]
    total: int
    page: int
    page_size: int
    averages: dict[str, int | None]
    stage2_on_time: int | None  # percent of finished Stage 2s decided by their due date

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _day_difference(session: Session, later, earlier):
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return cast(later, Date) - cast(earlier, Date)


def overview(session: Session, actor: User, *, today: date, status: str | None = None,
             stage: HouseholdStage | None = None, social_worker_id: int | None = None, mine: bool = False,
             page: int = 1, page_size: int = 50, now: datetime | None = None) -> Overview:
    """Every household the actor may see, most urgent first: a fixed number of queries at any size.

    The list names households and their progress, so reading it is audited (as the enquiries queue is).
    """
    status_expr = _status_expression(today).label("list_status")
    base = (access.households_for(actor)
            .outerjoin(Journey, and_(Journey.household_id == Household.id, Journey.is_current.is_(True))))
    if stage is not None:
        base = base.where(Household.stage == stage)
    if mine:
        base = base.where(Household.social_worker_id == actor.id)
    elif social_worker_id:
        base = base.where(Household.social_worker_id == social_worker_id)

    # Grouped in an outer query: PostgreSQL will not match a GROUP BY expression with bound
    # parameters to the same expression in the SELECT list.
    statuses = base.with_only_columns(status_expr).subquery()
    counted = select(statuses.c.list_status, func.count()).group_by(statuses.c.list_status)
    counts = {key: 0 for key in LIST_STATUSES}
    counts.update(dict(session.execute(counted).all()))

    finished = base.where(Journey.id.is_not(None))
    s1 = _day_difference(session, Journey.stage1_decided_on, Journey.stage1_started_on)
    s2 = _day_difference(session, Journey.adm_decided_on, Journey.stage2_started_on)
    total_days = _day_difference(session, Journey.adm_decided_on, Journey.stage1_started_on)
    averages_row = session.execute(finished.with_only_columns(
        func.avg(s1), func.avg(s2), func.avg(total_days),
        func.count(Journey.adm_decided_on),
        func.sum(case((and_(Journey.adm_decided_on.is_not(None), Journey.adm_decided_on <= Journey.stage2_due_on), 1),
                      else_=0)),
    )).one()
    avg_s1, avg_s2, avg_total, decided, on_time = averages_row
    averages = {"Stage 1": _round(avg_s1), "Stage 2": _round(avg_s2), "Stage 1 start to decision": _round(avg_total)}
    stage2_on_time = round(100 * (on_time or 0) / decided) if decided else None

    listed = base
    if status in LIST_STATUSES:
        listed = listed.where(status_expr == status)
    total = counts.get(status, 0) if status in LIST_STATUSES else sum(counts.values())
    rank = case(*[(status_expr == key, value) for key, value in _STATUS_RANK.items()], else_=9)
    rows = session.execute(
        listed.add_columns(Journey, status_expr)
        .options(selectinload(Household.applicants), selectinload(Household.social_worker),
                 selectinload(Household.agency))
        .order_by(rank, Journey.next_due_on.is_(None), Journey.next_due_on, Household.id)
        .offset((max(page, 1) - 1) * page_size).limit(page_size)
    ).all()
    out = []
    for household, journey, list_status in rows:
        next_due = None
        if journey is not None and journey.next_due_on is not None and list_status != "closed":
            next_due = next((c for c in clocks(journey, today=today)
                             if c.is_agency and c.status not in (ClockStatus.DONE, ClockStatus.DONE_LATE)
                             and c.label == journey.next_due_label), None)
        days = (today - household.stage_entered_on).days if household.stage_entered_on else None
        out.append(OverviewRow(household, journey, list_status, days,
                               _stage_days_quick(journey, today) if journey else {}, next_due))
    audit.record(session, actor, "viewed", ("Household", None), agency_id=actor.agency_id, now=now or utcnow(),
                 summary=f"Viewed {'their caseload' if mine else 'the journeys overview'} (page {page}, {total} matching)")
    return Overview(out, counts, total, page, page_size, averages, stage2_on_time)


def _stage_days_quick(journey: Journey, today: date) -> dict[str, int]:
    """Days in each stage without loading pauses (the list shows elapsed time)."""
    end = journey.closed_on or today
    out = {}
    if journey.stage1_started_on:
        out["Stage 1"] = ((journey.stage1_decided_on or end) - journey.stage1_started_on).days
    if journey.break_started_on:
        out["Break"] = ((journey.notice_given_on or end) - journey.break_started_on).days
    if journey.stage2_started_on:
        out["Stage 2"] = ((journey.adm_decided_on or end) - journey.stage2_started_on).days
    return out


def _round(value) -> int | None:
    return None if value is None else round(float(value))
