"""The statutory clocks of a journey: their due dates and each one's status on a day.

==========================  =============================================  ==================
Clock                       Due                                            Stops when
==========================  =============================================  ==================
Stage 1                     2 months from its start (+ any extension)       Stage 1 decision
Stage 1 decision            5 working days after the end of Stage 1 meeting Stage 1 decision
Notice to start Stage 2     6 months from the start of the break            notice given
Stage 2                     4 months from the household's notice            agency decision
Comments on the report      10 working days after it is shared              comments received
Agency decision             N working days (7 by default) after the minutes agency decision
Ask for a review            40 working days after "not approved"            review asked for
==========================  =============================================  ==================

Paused time is added to every clock that was running, day for day. Each date has a status:
on track, due soon, overdue, paused (and, once met, done or done late). Working days come from
``services.workdays``.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from portal.models import AdmDecision, Journey, JourneyStatus
from portal.services.workdays import Pause, add_months, add_working_days, extend_for_pauses, next_working_day

STAGE_1_MONTHS = 2
STAGE_1_DECISION_WORKING_DAYS = 5
BREAK_MONTHS = 6
STAGE_2_MONTHS = 4
PAR_COMMENTS_WORKING_DAYS = 10
DEFAULT_ADM_WORKING_DAYS = 7
REVIEW_WORKING_DAYS = 40
# A due date this many calendar days away, or nearer, is "due soon".
DUE_SOON_DAYS = 14


class ClockStatus(str, enum.Enum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    PAUSED = "paused"
    DONE = "done"
    DONE_LATE = "done_late"
    STOPPED = "stopped"

    @property
    def label(self) -> str:
        return {"on_track": "On track", "due_soon": "Due soon", "overdue": "Overdue", "paused": "Paused",
                "done": "Done on time", "done_late": "Done late", "stopped": "Stopped"}[self.value]

    @property
    def tag_class(self) -> str:
        """The GOV.UK tag classes that show this status."""
        return {
            "on_track": "app-status--on-track", "due_soon": "app-status--due-soon", "overdue": "app-status--overdue",
            "paused": "app-status--paused", "done": "govuk-tag--green", "done_late": "govuk-tag--orange",
            "stopped": "govuk-tag--grey",
        }[self.value]


@dataclass(frozen=True)
class ClockDef:
    key: str
    label: str  # for staff
    household_label: str
    due_attr: str
    done_attr: str
    is_agency: bool  # the agency's own deadline (counts towards "overdue" in lists)
    pauses: bool = True


CLOCKS = [
    ClockDef("stage1", "Stage 1 finished", "Finish Stage 1", "stage1_due_on", "stage1_decided_on", True),
    ClockDef("stage1_decision", "Stage 1 decision", "Our decision after your end of Stage 1 meeting",
             "stage1_decision_due_on", "stage1_decided_on", True),
    ClockDef("notice", "Notice to start Stage 2", "Tell us you want to start Stage 2", "notice_due_on",
             "notice_given_on", True, pauses=False),
    ClockDef("stage2", "Stage 2 finished", "Finish Stage 2", "stage2_due_on", "adm_decided_on", True),
    ClockDef("par_comments", "Household's comments on the report", "Your comments on your report",
             "par_comments_due_on", "par_comments_on", False),
    ClockDef("adm", "Agency decision", "The agency's decision after panel", "adm_due_on", "adm_decided_on", True),
    ClockDef("review", "Last day to ask for a review", "Ask for an independent review by", "review_due_on",
             "review_requested_on", False, pauses=False),
]
CLOCKS_BY_KEY = {c.key: c for c in CLOCKS}


@dataclass
class Clock:
    key: str
    label: str
    household_label: str
    due_on: date
    done_on: date | None
    status: ClockStatus
    days_left: int  # calendar days from today to the due date (negative when overdue)
    is_agency: bool


def clock_status(due_on: date, done_on: date | None, today: date, *, paused: bool = False,
                 running: bool = True) -> ClockStatus:
    """The status of one due date on ``today``.

    >>> clock_status(date(2026, 3, 5), None, date(2026, 3, 6))
    <ClockStatus.OVERDUE: 'overdue'>
    >>> clock_status(date(2026, 3, 5), None, date(2026, 3, 1))
    <ClockStatus.DUE_SOON: 'due_soon'>
    """
    if done_on is not None:
        return ClockStatus.DONE if done_on <= due_on else ClockStatus.DONE_LATE
    if not running:
        return ClockStatus.STOPPED
    if paused:
        return ClockStatus.PAUSED
    if today > due_on:
        return ClockStatus.OVERDUE
    if (due_on - today).days <= DUE_SOON_DAYS:
        return ClockStatus.DUE_SOON
    return ClockStatus.ON_TRACK


def _on_the_clock(pauses: list[Pause], start: date) -> list[Pause]:
    """The part of each ended pause that fell after a clock started."""
    return [Pause(max(p.start, start), p.end) for p in pauses if p.end is not None and p.end > start]


def due_dates(journey: Journey, *, closures: frozenset[date] = frozenset()) -> dict[str, date | None]:
    """Every due date of a journey, with the ended pauses added in. Pure: reads only the row."""
    ended = [Pause(p.started_on, p.ended_on) for p in journey.pauses if p.ended_on is not None]

    def by_months(start: date | None, months: int, extra_days: int = 0) -> date | None:
        if start is None:
            return None
        due = add_months(start, months) + timedelta(days=extra_days)
        return extend_for_pauses(due, _on_the_clock(ended, start), today=start)

    def by_working_days(start: date | None, days: int, *, paused: bool = True) -> date | None:
        if start is None:
            return None
        due = add_working_days(start, days, closures=closures)
        if paused:
            moved = extend_for_pauses(due, _on_the_clock(ended, start), today=start)
            if moved != due:
                due = next_working_day(moved, closures=closures)
        return due

    return {
        "stage1_due_on": by_months(journey.stage1_started_on, STAGE_1_MONTHS, 7 * (journey.stage1_extension_weeks or 0)),
        "stage1_decision_due_on": by_working_days(journey.stage1_meeting_on, STAGE_1_DECISION_WORKING_DAYS),
        "notice_due_on": add_months(journey.break_started_on, BREAK_MONTHS) if journey.break_started_on else None,
        "stage2_due_on": by_months(journey.stage2_started_on, STAGE_2_MONTHS),
        "par_comments_due_on": by_working_days(journey.par_shared_on, PAR_COMMENTS_WORKING_DAYS),
        "adm_due_on": by_working_days(journey.panel_minutes_on, journey.adm_working_days or DEFAULT_ADM_WORKING_DAYS),
        "review_due_on": by_working_days(journey.adm_decided_on, REVIEW_WORKING_DAYS, paused=False)
        if journey.adm_decision == AdmDecision.NOT_APPROVED else None,
    }


def _is_running(journey: Journey, definition: ClockDef) -> bool:
    if definition.key == "review":
        return journey.status == JourneyStatus.NOT_APPROVED
    return journey.is_active


def refresh_clocks(journey: Journey, *, closures: frozenset[date] = frozenset()) -> None:
    """Store the journey's due dates and its next agency due date (for lists to sort and count)."""
    for attr, value in due_dates(journey, closures=closures).items():
        if getattr(journey, attr) != value:
            setattr(journey, attr, value)
    upcoming = []
    for definition in CLOCKS:
        due = getattr(journey, definition.due_attr)
        if definition.is_agency and due is not None and getattr(journey, definition.done_attr) is None \
                and _is_running(journey, definition):
            upcoming.append((due, definition.label))
    next_due = min(upcoming) if upcoming else (None, None)
    if (journey.next_due_on, journey.next_due_label) != next_due:
        journey.next_due_on, journey.next_due_label = next_due


def clocks(journey: Journey, *, today: date) -> list[Clock]:
    """Every due date the journey has so far, with its status on ``today``.

    While a pause is open the dates shown have moved on by the days paused so far.
    """
    open_days = (today - journey.paused_since).days if journey.paused_since else 0
    out = []
    for definition in CLOCKS:
        due = getattr(journey, definition.due_attr)
        if due is None:
            continue
        done = getattr(journey, definition.done_attr)
        paused = journey.is_paused and definition.pauses and done is None
        if paused and journey.paused_since <= due:
            due = due + timedelta(days=open_days)
        status = clock_status(due, done, today, paused=paused, running=_is_running(journey, definition))
        out.append(Clock(definition.key, definition.label, definition.household_label, due, done, status,
                         (due - today).days, definition.is_agency))
    return out
