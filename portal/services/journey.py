"""The household's journey: Stage 1, the break, Stage 2, panel and the agency's decision.

Other features (event audiences, newsletters' audiences, reports) ask ``stage_of`` and
``has_reached`` rather than reading columns, so that what a stage means is decided here.
``household.stage`` and ``household.stage_entered_on`` stay the summary the rest of the
portal reads; the detail lives on the household's current ``Journey``.

The statutory clocks (see ``services.workdays``):

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
on track, due soon, overdue, paused (and, once met, done or done late).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app, has_app_context
from sqlalchemy import Date, Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.clock import UTC, today_in_london, utcnow
from portal.models import (
    AdmDecision, CaseNote, CheckKind, CheckOutcome, ClosureDay, FastTrackReason, HomeVisit, Household, HouseholdStage,
    Journey, JourneyPause, JourneyStatus, OutboxMessage, PanelRecommendation, PauseReason, StaffRole, Stage1Decision,
    StatutoryCheck, User,
)
from portal.services import access, audit, mail, training, workdays
from portal.services.errors import Conflict, DomainError, NotAllowed
from portal.services.workdays import Pause, add_months, add_working_days, extend_for_pauses, next_working_day

ORDER = [
    HouseholdStage.REGISTERED, HouseholdStage.ROI_SUBMITTED, HouseholdStage.STAGE_1, HouseholdStage.BREAK,
    HouseholdStage.STAGE_2, HouseholdStage.APPROVED, HouseholdStage.MATCHED, HouseholdStage.PLACED,
    HouseholdStage.ADOPTED,
]

STAGE_1_MONTHS = 2
STAGE_1_DECISION_WORKING_DAYS = 5
BREAK_MONTHS = 6
STAGE_2_MONTHS = 4
PAR_COMMENTS_WORKING_DAYS = 10
DEFAULT_ADM_WORKING_DAYS = 7
REVIEW_WORKING_DAYS = 40
MAX_EXTENSION_WEEKS = 26
# A due date this many calendar days away, or nearer, is "due soon".
DUE_SOON_DAYS = 14

CONFLICT_MESSAGE = ("Someone else changed this household's record while you were working on it. "
                    "Reload the page to see their changes, then make yours again.")
PAUSED_MESSAGE = "The assessment is paused. Resume it before recording this step."

STANDARD_CHECKS = [CheckKind.DBS, CheckKind.LOCAL_AUTHORITY, CheckKind.MEDICAL, CheckKind.REFERENCE,
                   CheckKind.REFERENCE, CheckKind.REFERENCE, CheckKind.EMPLOYER, CheckKind.EX_PARTNER,
                   CheckKind.FINANCIAL]
# Staff who record the steps of an assessment; decisions are the team manager's.
CASEWORK_ROLES = (StaffRole.SOCIAL_WORKER, StaffRole.TEAM_MANAGER)
DECISION_ROLES = (StaffRole.TEAM_MANAGER,)


# The stage, as the rest of the portal reads it ----------------------------------------------

def stage_of(household: Household) -> HouseholdStage:
    return household.stage


def has_reached(household: Household, stage: HouseholdStage) -> bool:
    """True if the household is at ``stage`` or further along (never for a closed household)."""
    current = stage_of(household)
    if current not in ORDER:
        return False
    return ORDER.index(current) >= ORDER.index(stage)


# Clocks -------------------------------------------------------------------------------------

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


# Loading -------------------------------------------------------------------------------------

def current_journey(session: Session, household: Household) -> Journey | None:
    return session.scalar(select(Journey).where(Journey.household_id == household.id, Journey.is_current.is_(True))
                          .order_by(Journey.id.desc()).limit(1))


def _adm_working_days() -> int:
    if has_app_context():
        return int(current_app.config.get("ADM_DECISION_WORKING_DAYS", DEFAULT_ADM_WORKING_DAYS))
    return DEFAULT_ADM_WORKING_DAYS


# Writing helpers -------------------------------------------------------------------------------

def _today(now: datetime | None) -> date:
    return today_in_london(now)


def _require_role(actor: User | None, roles: tuple[StaffRole, ...], what: str) -> None:
    if not access.has_role(actor, *roles):
        names = " or ".join(r.label.lower() for r in roles)
        raise NotAllowed(f"Only a {names} can {what}")


def _expect_version(obj, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(CONFLICT_MESSAGE)


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(CONFLICT_MESSAGE) from None


def _check_date(on: date | None, today: date, *, field: str = "on", allow_future: bool = False,
                not_before: date | None = None, not_before_text: str = "") -> date:
    if on is None:
        raise DomainError("Enter a date", field)
    if not allow_future and on > today:
        raise DomainError("The date must be today or in the past", field)
    if not_before is not None and on < not_before:
        raise DomainError(f"The date must be on or after {not_before_text} ({_fmt(not_before)})", field)
    return on


def _fmt(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def _set_stage(household: Household, stage: HouseholdStage, on: date) -> None:
    household.stage = stage
    household.stage_entered_on = on


def _save(session: Session, actor: User | None, journey: Journey, action: str, summary: str,
          changes: dict, now: datetime) -> None:
    journey.updated_at = now
    with session.no_autoflush:  # the version check belongs to the flush below, where it becomes a Conflict
        refresh_clocks(journey, closures=workdays.closure_days(session, journey.agency_id))
    _flush(session)
    audit.record(session, actor, action, journey, summary=summary, changes=changes, now=now)


def _notify(session: Session, household: Household, subject: str, headline: str, *, next_step: str | None = None,
            now: datetime, template: str = "journey/update", **context) -> None:
    """Email every confirmed applicant of the household (one message each)."""
    for applicant in household.applicants:
        if applicant.is_verified and applicant.is_active:
            mail.queue_email(session, applicant.email, template, subject, household_id=household.id, now=now,
                             name=applicant.first_name, headline=headline, next_step=next_step,
                             link=mail.external_url("progress.show"), **context)


def _require_active(journey: Journey) -> None:
    if not journey.is_active:
        raise DomainError(f"This household's assessment has ended ({journey.status.label.lower()}): it cannot change")


def _require_not_paused(journey: Journey) -> None:
    if journey.is_paused:
        raise DomainError(PAUSED_MESSAGE)


def _require_stage_1_open(journey: Journey) -> None:
    _require_active(journey)
    if journey.stage1_started_on is None:
        raise DomainError("This household was fast tracked straight to Stage 2: it has no Stage 1")
    if journey.stage1_decided_on is not None:
        raise DomainError("Stage 1 has been decided: its steps can no longer change")


def _require_stage_2_open(journey: Journey) -> None:
    _require_active(journey)
    if journey.stage2_started_on is None:
        if journey.stage1_decided_on is None:
            raise DomainError("Stage 2 cannot start before the Stage 1 decision is recorded")
        raise DomainError("Stage 2 has not started: record the household's notice to start Stage 2 first")
    if journey.adm_decided_on is not None:
        raise DomainError("The agency decision has been made: Stage 2 can no longer change")


def create_checks(journey: Journey, household: Household) -> None:
    """The statutory checks for every applicant of the household."""
    for applicant in household.applicants:
        _add_standard_checks(journey, applicant.full_name, applicant.id)


def _add_standard_checks(journey: Journey, person_name: str, applicant_id: int | None) -> None:
    for kind in STANDARD_CHECKS:
        journey.checks.append(StatutoryCheck(household_id=journey.household_id, applicant_id=applicant_id,
                                             person_name=person_name, kind=kind))


def _new_journey(session: Session, household: Household, now: datetime) -> Journey:
    for old in session.scalars(select(Journey).where(Journey.household_id == household.id, Journey.is_current.is_(True))):
        old.is_current = False
    journey = Journey(household=household, household_id=household.id, agency_id=household.agency_id, is_current=True,
                      status=JourneyStatus.ACTIVE, created_at=now, updated_at=now, stage1_extension_weeks=0,
                      pauses=[], checks=[], visits=[])
    session.add(journey)
    return journey


# Starting -------------------------------------------------------------------------------------

def enter_stage_1(session: Session, actor: User | None, household: Household, *, on: date,
                  now: datetime | None = None, notify: bool = True) -> Journey:
    """The household's registration of interest was accepted: Stage 1 starts ``on`` that date.

    Creates the journey with its Stage 1 due date (two months) and a set of statutory checks
    for every applicant, and emails the household (unless ``notify`` is false, for a caller
    whose own email already says so).
    """
    now = now or utcnow()
    if household.stage not in (HouseholdStage.REGISTERED, HouseholdStage.ROI_SUBMITTED):
        raise DomainError(f"This household cannot start Stage 1: it is at {household.stage.label}")
    old = household.stage
    journey = _new_journey(session, household, now)
    journey.stage1_started_on = on
    create_checks(journey, household)
    _set_stage(household, HouseholdStage.STAGE_1, on)
    _save(session, actor, journey, "entered_stage_1", "Registration of interest accepted: Stage 1 started",
          {"stage": [old.value, HouseholdStage.STAGE_1.value], "stage1_started_on": [None, on.isoformat()]}, now)
    if notify:
        _notify(session, household, "Your Stage 1 has started", f"Stage 1 of your assessment started on {_fmt(on)}.",
                next_step=f"Stage 1 usually takes about two months: we aim to finish it by {_fmt(journey.stage1_due_on)}. "
                          "Your social worker will agree a Stage 1 plan with you.", now=now)
    return journey


def fast_track(session: Session, actor: User | None, household: Household, *, on: date, reason: FastTrackReason,
               now: datetime | None = None) -> Journey:
    """Previous adopters and approved foster carers start straight at Stage 2."""
    now = now or utcnow()
    _require_role(actor, DECISION_ROLES, "fast track a household")
    if household.stage not in (HouseholdStage.REGISTERED, HouseholdStage.ROI_SUBMITTED):
        raise DomainError(f"Only a household that has not started Stage 1 can be fast tracked: this one is at "
                          f"{household.stage.label}")
    _check_date(on, _today(now))
    old = household.stage
    journey = _new_journey(session, household, now)
    journey.is_fast_track = True
    journey.fast_track_reason = reason
    journey.stage2_started_on = on
    create_checks(journey, household)
    _set_stage(household, HouseholdStage.STAGE_2, on)
    _save(session, actor, journey, "fast_tracked", f"Fast tracked to Stage 2 ({reason.label.lower()})",
          {"stage": [old.value, HouseholdStage.STAGE_2.value], "stage2_started_on": [None, on.isoformat()]}, now)
    _notify(session, household, "Your Stage 2 has started",
            f"As {reason.label.lower()}, you start your assessment at Stage 2, from {_fmt(on)}.",
            next_step=f"Stage 2 usually takes about four months: we aim to finish it by {_fmt(journey.stage2_due_on)}.",
            now=now)
    return journey


def start_again(session: Session, actor: User | None, household: Household, journey: Journey, *, on: date,
                expected_version: int | None = None, now: datetime | None = None) -> Journey:
    """The break outlasted six months: close this journey and start Stage 1 afresh ``on`` that date."""
    now = now or utcnow()
    _require_role(actor, DECISION_ROLES, "start a household's assessment again")
    _expect_version(journey, expected_version)
    _require_active(journey)
    today = _today(now)
    if journey.break_started_on is None or journey.notice_given_on is not None:
        raise DomainError("Only a household on a break between stages can start again at Stage 1")
    if journey.notice_due_on is not None and journey.notice_due_on >= today:
        raise DomainError(f"The break has not yet lasted 6 months: the household can start Stage 2 until "
                          f"{_fmt(journey.notice_due_on)}")
    _check_date(on, today, not_before=journey.notice_due_on, not_before_text="the end of the 6 months")
    journey.status = JourneyStatus.RESTARTED
    journey.closed_on = on
    journey.closed_reason = "The break lasted more than 6 months"
    _save(session, actor, journey, "restarted", "Break lasted more than 6 months: assessment closed to start again",
          {"status": [JourneyStatus.ACTIVE.value, JourneyStatus.RESTARTED.value]}, now)
    _set_stage(household, HouseholdStage.REGISTERED, on)
    return enter_stage_1(session, actor, household, on=on, now=now)


# Steps with a single date ----------------------------------------------------------------------

@dataclass(frozen=True)
class DateStep:
    key: str
    attr: str
    title: str  # the page's heading
    question: str  # the date field's legend
    phase: str  # stage_1, stage_2 or not_approved
    done_text: str  # for the audit trail and the timeline
    allow_future: bool = False
    after: str | None = None  # another step's attribute that must come first
    after_text: str = ""
    email_subject: str | None = None
    email_headline: str | None = None  # {date} is replaced


DATE_STEPS = {step.key: step for step in [
    DateStep("stage-1-plan", "stage1_plan_agreed_on", "Stage 1 agreement", "When was the Stage 1 agreement signed?",
             "stage_1", "Stage 1 agreement signed", email_subject="Your Stage 1 agreement",
             email_headline="Your Stage 1 agreement was signed on {date}."),
    DateStep("workbook", "workbook_completed_on", "Stage 1 workbook", "When did the household complete the workbook?",
             "stage_1", "Workbook completed"),
    DateStep("stage-1-meeting", "stage1_meeting_on", "End of Stage 1 meeting", "When is the end of Stage 1 meeting?",
             "stage_1", "End of Stage 1 meeting", allow_future=True, email_subject="Your end of Stage 1 meeting",
             email_headline="Your end of Stage 1 meeting is on {date}."),
    DateStep("stage-2-agreement", "stage2_agreement_on", "Stage 2 agreement", "When was the Stage 2 agreement signed?",
             "stage_2", "Stage 2 agreement signed", email_subject="Your Stage 2 agreement",
             email_headline="Your Stage 2 agreement was signed on {date}."),
    DateStep("midway-meeting", "midway_meeting_on", "Midway meeting", "When is the midway meeting?", "stage_2",
             "Midway meeting", allow_future=True, email_subject="Your midway meeting",
             email_headline="Your Stage 2 midway meeting is on {date}."),
    DateStep("par-shared", "par_shared_on", "Prospective adopter report shared",
             "When was the report shared with the household?", "stage_2", "Prospective adopter report shared",
             email_subject="Your prospective adopter report is ready to read",
             email_headline="Your social worker shared your prospective adopter report with you on {date}. "
                            "Please read it and send us your comments."),
    DateStep("par-comments", "par_comments_on", "Household's comments on the report",
             "When did the household send their comments?", "stage_2", "Household's comments on the report received",
             after="par_shared_on", after_text="the report was shared"),
    DateStep("panel-date", "panel_on", "Panel date", "When is the household's adoption panel?", "stage_2",
             "Panel date set", allow_future=True, email_subject="Your adoption panel date",
             email_headline="Your adoption panel is on {date}. Your social worker will tell you what to expect."),
    DateStep("review-requested", "review_requested_on", "Independent review requested",
             "When did the household ask for an independent review?", "not_approved",
             "Independent review requested"),
]}


def record_date_step(session: Session, actor: User | None, journey: Journey, step_key: str, *, on: date | None,
                     expected_version: int | None = None, now: datetime | None = None) -> Journey:
    """Record (or correct) the date of one step of the assessment."""
    now = now or utcnow()
    step = DATE_STEPS.get(step_key)
    if step is None:
        raise DomainError("There is no such step")
    _require_role(actor, CASEWORK_ROLES, "record steps of an assessment")
    _expect_version(journey, expected_version)
    today = _today(now)
    if step.phase == "stage_1":
        _require_stage_1_open(journey)
        not_before, not_before_text = journey.stage1_started_on, "the start of Stage 1"
    elif step.phase == "stage_2":
        _require_stage_2_open(journey)
        not_before, not_before_text = journey.stage2_started_on, "the start of Stage 2"
        if step.attr == "panel_on" and journey.panel_recommendation is not None:
            raise DomainError("The panel's recommendation is recorded: the panel date can no longer change")
    else:
        if journey.status != JourneyStatus.NOT_APPROVED:
            raise DomainError("A review can only be asked for after a decision not to approve")
        not_before, not_before_text = journey.adm_decided_on, "the decision"
        if on is not None and journey.review_due_on is not None and on > journey.review_due_on:
            raise DomainError(f"The 40 working days to ask for a review ended on {_fmt(journey.review_due_on)}", "on")
    if step.after:
        first = getattr(journey, step.after)
        if first is None:
            raise DomainError(f"Record when {step.after_text} first")
        not_before, not_before_text = max(not_before, first), step.after_text
    _check_date(on, today, allow_future=step.allow_future, not_before=not_before, not_before_text=not_before_text)
    old = getattr(journey, step.attr)
    if old == on:
        return journey
    setattr(journey, step.attr, on)
    changes = audit.changes_of(journey, [step.attr])
    _save(session, actor, journey, "journey_step", f"{step.done_text}: {_fmt(on)}", changes, now)
    if step.email_subject:
        _notify(session, journey.household, step.email_subject, step.email_headline.format(date=_fmt(on)), now=now)
    return journey


# Stage 1 ---------------------------------------------------------------------------------------

def extend_stage_1(session: Session, actor: User | None, journey: Journey, *, weeks: int, reason: str,
                   expected_version: int | None = None, now: datetime | None = None) -> Journey:
    now = now or utcnow()
    _require_role(actor, DECISION_ROLES, "extend Stage 1")
    _expect_version(journey, expected_version)
    _require_stage_1_open(journey)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter the reason for extending Stage 1", "reason")
    total = (journey.stage1_extension_weeks or 0) + weeks
    if weeks < 1 or total > MAX_EXTENSION_WEEKS:
        raise DomainError(f"Stage 1 can be extended by {MAX_EXTENSION_WEEKS} weeks at most in all", "weeks")
    journey.stage1_extension_weeks = total
    journey.stage1_extension_reason = reason[:300]
    changes = audit.changes_of(journey, ["stage1_extension_weeks", "stage1_extension_reason"])
    _save(session, actor, journey, "stage_1_extended", f"Stage 1 extended by {weeks} weeks", changes, now)
    _notify(session, journey.household, "Your Stage 1 has been extended",
            f"Your Stage 1 has been extended by {weeks} week{'s' if weeks != 1 else ''}.",
            next_step=f"We now aim to finish Stage 1 by {_fmt(journey.stage1_due_on)}.", now=now)
    return journey


def stage_1_outstanding(session: Session, journey: Journey) -> list[str]:
    """What still stands between Stage 1 and a decision to progress."""
    missing = []
    waiting = [c for c in journey.checks if not c.is_complete]
    if waiting:
        missing.append(f"{len(waiting)} statutory check{'s are' if len(waiting) != 1 else ' is'} still outstanding")
    if not training.has_completed(session, journey.household, training.PREPARE_TO_ADOPT):
        missing.append("the household has not completed preparation training")
    return missing


def decide_stage_1(session: Session, actor: User | None, journey: Journey, *, decision: Stage1Decision, on: date,
                   expected_version: int | None = None, now: datetime | None = None) -> Journey:
    """The decision at the end of Stage 1. To progress starts the break (which may last no time at all)."""
    now = now or utcnow()
    _require_role(actor, DECISION_ROLES, "make the Stage 1 decision")
    _expect_version(journey, expected_version)
    _require_stage_1_open(journey)
    _require_not_paused(journey)
    if journey.stage1_meeting_on is None:
        raise DomainError("Record the end of Stage 1 meeting before the decision")
    _check_date(on, _today(now), not_before=journey.stage1_meeting_on, not_before_text="the end of Stage 1 meeting")
    if decision == Stage1Decision.PROGRESS:
        missing = stage_1_outstanding(session, journey)
        if missing:
            raise DomainError("Stage 1 cannot be signed off yet: " + " and ".join(missing), "decision")
    household = journey.household
    journey.stage1_decision = decision
    journey.stage1_decided_on = on
    if decision == Stage1Decision.PROGRESS:
        journey.break_started_on = on
        _set_stage(household, HouseholdStage.BREAK, on)
    else:
        journey.status = JourneyStatus.NOT_PROGRESSED
        journey.closed_on = on
        _set_stage(household, HouseholdStage.NOT_APPROVED, on)
    changes = audit.changes_of(journey, ["stage1_decision", "stage1_decided_on", "status"])
    _save(session, actor, journey, "stage_1_decided", f"Stage 1 decision: {decision.label}", changes, now)
    if decision == Stage1Decision.PROGRESS:
        _notify(session, household, "You can go on to Stage 2",
                f"Good news: on {_fmt(on)} we decided that you can go on to Stage 2.",
                next_step=f"You can start Stage 2 straight away or take a break of up to 6 months. Tell us when you "
                          f"are ready, by {_fmt(journey.notice_due_on)}: you can do it from your progress page.",
                now=now)
    else:
        _notify(session, household, "Our decision at the end of Stage 1",
                f"On {_fmt(on)} we decided that your application will not go on to Stage 2.",
                next_step="Your social worker will explain the reasons and how to make a complaint if you disagree.",
                now=now)
    return journey


# The break and the start of Stage 2 -----------------------------------------------------------

def give_notice(session: Session, actor: User | None, journey: Journey, *, on: date,
                expected_version: int | None = None, now: datetime | None = None) -> Journey:
    """The household tells the agency it wants to go on: Stage 2 starts that day.

    The household itself may do this from its progress page, or staff may record it.
    """
    now = now or utcnow()
    if access.is_staff(actor):
        _require_role(actor, CASEWORK_ROLES, "record a household's notice")
    elif actor is None or actor.household_id != journey.household_id:
        raise NotAllowed("You cannot do this")
    _expect_version(journey, expected_version)
    _require_active(journey)
    if journey.stage1_decided_on is None and not journey.is_fast_track:
        raise DomainError("Stage 2 cannot start before the Stage 1 decision is recorded")
    if journey.stage1_decision != Stage1Decision.PROGRESS or journey.stage2_started_on is not None:
        raise DomainError("Stage 2 has already started")
    _require_not_paused(journey)
    _check_date(on, _today(now), not_before=journey.break_started_on, not_before_text="the Stage 1 decision")
    if on > journey.notice_due_on:
        raise DomainError(f"The break has lasted more than 6 months (it ended on {_fmt(journey.notice_due_on)}), "
                          "so the household must start again at Stage 1", "on")
    household = journey.household
    journey.notice_given_on = on
    journey.stage2_started_on = on
    _set_stage(household, HouseholdStage.STAGE_2, on)
    changes = audit.changes_of(journey, ["notice_given_on", "stage2_started_on"])
    _save(session, actor, journey, "entered_stage_2", "Notice given: Stage 2 started", changes, now)
    _notify(session, household, "Your Stage 2 has started", f"Stage 2 of your assessment started on {_fmt(on)}.",
            next_step=f"Stage 2 usually takes about four months: we aim to finish it by {_fmt(journey.stage2_due_on)}. "
                      "Your social worker will agree a Stage 2 plan with you and arrange home visits.", now=now)
    return journey


# Stage 2 ---------------------------------------------------------------------------------------

def add_visit(session: Session, actor: User | None, journey: Journey, *, on: date, topic: str = "",
              now: datetime | None = None) -> HomeVisit:
    now = now or utcnow()
    _require_role(actor, CASEWORK_ROLES, "record home visits")
    _require_stage_2_open(journey)
    _check_date(on, _today(now), allow_future=True, not_before=journey.stage2_started_on,
                not_before_text="the start of Stage 2")
    visit = HomeVisit(household_id=journey.household_id, visited_on=on, topic=(topic or "").strip()[:200],
                      recorded_by_id=actor.id, created_at=now)
    journey.visits.append(visit)
    _flush(session)
    audit.record(session, actor, "visit_recorded", visit, agency_id=journey.agency_id,
                 summary=f"Home study visit on {_fmt(on)}", now=now)
    return visit


def record_panel_outcome(session: Session, actor: User | None, journey: Journey, *,
                         recommendation: PanelRecommendation, minutes_on: date, working_days: int | None = None,
                         expected_version: int | None = None, now: datetime | None = None) -> Journey:
    """The panel's recommendation: the agency decision is due ``working_days`` after the minutes arrive."""
    now = now or utcnow()
    _require_role(actor, CASEWORK_ROLES, "record the panel's recommendation")
    _expect_version(journey, expected_version)
    _require_stage_2_open(journey)
    _require_not_paused(journey)
    if journey.panel_on is None:
        raise DomainError("Record the panel date before the panel's recommendation")
    if journey.par_shared_on is None:
        raise DomainError("The prospective adopter report must be shared with the household before panel")
    today = _today(now)
    if journey.panel_on > today:
        raise DomainError(f"The panel has not met yet: it meets on {_fmt(journey.panel_on)}")
    _check_date(minutes_on, today, field="minutes_on", not_before=journey.panel_on, not_before_text="the panel date")
    journey.panel_recommendation = recommendation
    journey.panel_minutes_on = minutes_on
    journey.adm_working_days = working_days or _adm_working_days()
    changes = audit.changes_of(journey, ["panel_recommendation", "panel_minutes_on", "adm_working_days"])
    _save(session, actor, journey, "panel_recommendation", f"Panel: {recommendation.label}", changes, now)
    _notify(session, journey.household, "After your adoption panel",
            f"The adoption panel met on {_fmt(journey.panel_on)} and made its recommendation to the agency.",
            next_step=f"The agency decision maker will make the decision by {_fmt(journey.adm_due_on)}. "
                      "We will tell you as soon as they have.", now=now)
    return journey


def decide_adm(session: Session, actor: User | None, journey: Journey, *, decision: AdmDecision, on: date,
               expected_version: int | None = None, now: datetime | None = None) -> Journey:
    """The agency decision maker's decision: approved, or not approved (40 working days to ask for a review)."""
    now = now or utcnow()
    _require_role(actor, DECISION_ROLES, "record the agency decision")
    _expect_version(journey, expected_version)
    _require_stage_2_open(journey)
    _require_not_paused(journey)
    if journey.panel_on is None:
        raise DomainError("A household cannot be approved without a panel date: record the panel first", "decision")
    if journey.panel_recommendation is None:
        raise DomainError("Record the panel's recommendation before the agency decision", "decision")
    _check_date(on, _today(now), not_before=journey.panel_on, not_before_text="the panel")
    household = journey.household
    journey.adm_decision = decision
    journey.adm_decided_on = on
    journey.closed_on = on
    if decision == AdmDecision.APPROVED:
        journey.status = JourneyStatus.APPROVED
        _set_stage(household, HouseholdStage.APPROVED, on)
    else:
        journey.status = JourneyStatus.NOT_APPROVED
        _set_stage(household, HouseholdStage.NOT_APPROVED, on)
    changes = audit.changes_of(journey, ["adm_decision", "adm_decided_on", "status"])
    _save(session, actor, journey, "adm_decision", f"Agency decision: {decision.label}", changes, now)
    if decision == AdmDecision.APPROVED:
        _notify(session, household, "You are approved to adopt",
                f"Congratulations: on {_fmt(on)} the agency decision maker approved you as adopters.",
                next_step="Your social worker will talk to you about family finding and the support open to you.",
                now=now)
    else:
        _notify(session, household, "The agency's decision", f"On {_fmt(on)} the agency decision maker decided "
                "not to approve you as adopters.", now=now, template="journey/not_approved",
                review_due_on=_fmt(journey.review_due_on), working_days=REVIEW_WORKING_DAYS)
    return journey


# Pauses, withdrawal --------------------------------------------------------------------------

def pause(session: Session, actor: User | None, journey: Journey, *, on: date, reason: PauseReason, note: str = "",
          expected_version: int | None = None, now: datetime | None = None) -> JourneyPause:
    """Stop the clocks from ``on``: at the applicants' request or in exceptional circumstances."""
    now = now or utcnow()
    _require_role(actor, CASEWORK_ROLES, "pause an assessment")
    _expect_version(journey, expected_version)
    _require_active(journey)
    if journey.is_paused:
        raise DomainError(f"The assessment has been paused since {_fmt(journey.paused_since)}")
    if journey.break_started_on is not None and journey.stage2_started_on is None:
        raise DomainError("The household is on a break between stages: there is no clock to pause")
    started = journey.stage2_started_on or journey.stage1_started_on
    latest_pause_end = max((p.ended_on for p in journey.pauses if p.ended_on), default=started)
    _check_date(on, _today(now), not_before=max(started, latest_pause_end), not_before_text="the last step")
    record = JourneyPause(household_id=journey.household_id, started_on=on, reason=reason,
                          note=(note or "").strip()[:300], created_at=now)
    journey.pauses.append(record)
    journey.paused_since = on
    changes = audit.changes_of(journey, ["paused_since"])
    _save(session, actor, journey, "paused", f"Assessment paused ({reason.label.lower()})", changes, now)
    _notify(session, journey.household, "Your assessment is paused", f"Your assessment was paused on {_fmt(on)}.",
            next_step="While it is paused, the time does not count towards your deadlines. Your social worker will "
                      "talk to you about when to start again.", now=now)
    return record


def resume(session: Session, actor: User | None, journey: Journey, *, on: date, expected_version: int | None = None,
           now: datetime | None = None) -> Journey:
    """Restart the clocks: every due date moves on by the days paused."""
    now = now or utcnow()
    _require_role(actor, CASEWORK_ROLES, "resume an assessment")
    _expect_version(journey, expected_version)
    _require_active(journey)
    if not journey.is_paused:
        raise DomainError("The assessment is not paused")
    _check_date(on, _today(now), not_before=journey.paused_since, not_before_text="the day it was paused")
    open_pause = next(p for p in journey.pauses if p.ended_on is None)
    open_pause.ended_on = on
    journey.paused_since = None
    changes = audit.changes_of(journey, ["paused_since"])
    days = (on - open_pause.started_on).days
    _save(session, actor, journey, "resumed", f"Assessment resumed after {days} days", changes, now)
    upcoming = [c for c in clocks(journey, today=_today(now)) if c.status not in (ClockStatus.DONE, ClockStatus.DONE_LATE)]
    _notify(session, journey.household, "Your assessment has started again",
            f"Your assessment started again on {_fmt(on)}, after a pause of {days} day{'s' if days != 1 else ''}.",
            next_step=(f"{upcoming[0].household_label}: by {_fmt(upcoming[0].due_on)}." if upcoming else None), now=now)
    return journey


def withdraw(session: Session, actor: User | None, journey: Journey, *, on: date, reason: str,
             expected_version: int | None = None, now: datetime | None = None) -> Journey:
    now = now or utcnow()
    _require_role(actor, CASEWORK_ROLES, "record a withdrawal")
    _expect_version(journey, expected_version)
    _require_active(journey)
    start = journey.stage1_started_on or journey.stage2_started_on
    _check_date(on, _today(now), not_before=start, not_before_text="the start of the assessment")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter the reason the household withdrew", "reason")
    for open_pause in journey.pauses:
        if open_pause.ended_on is None:
            open_pause.ended_on = on
    journey.paused_since = None
    journey.status = JourneyStatus.WITHDRAWN
    journey.closed_on = on
    journey.closed_reason = reason[:300]
    _set_stage(journey.household, HouseholdStage.WITHDRAWN, on)
    changes = audit.changes_of(journey, ["status", "closed_on"])
    _save(session, actor, journey, "withdrawn", "Household withdrew", changes, now)
    _notify(session, journey.household, "You have withdrawn your application",
            f"We have recorded that you withdrew your application on {_fmt(on)}.",
            next_step="If you would like to talk about applying again in future, contact your agency.", now=now)
    return journey


# Social worker, checks, notes ---------------------------------------------------------------------

def assign_social_worker(session: Session, actor: User | None, household: Household, *, social_worker_id: int | None,
                         expected_version: int | None = None, now: datetime | None = None) -> Household:
    now = now or utcnow()
    _require_role(actor, DECISION_ROLES, "allocate a social worker")
    _expect_version(household, expected_version)
    worker = None
    if social_worker_id:
        worker = session.scalar(access.staff_for(actor).where(User.id == social_worker_id))
        if worker is None or worker.role != StaffRole.SOCIAL_WORKER or not worker.is_active \
                or (worker.agency_id != household.agency_id and not worker.is_hub):
            raise DomainError("Choose a social worker from the household's agency", "social_worker")
    if household.social_worker_id == (worker.id if worker else None):
        return household
    household.social_worker = worker
    changes = audit.changes_of(household, ["social_worker_id"])
    _flush(session)
    audit.record(session, actor, "assigned_social_worker", household,
                 summary=f"Social worker: {worker.full_name if worker else 'none'}", changes=changes, now=now)
    if worker is not None:
        _notify(session, household, "Your social worker", f"{worker.full_name} is now your social worker.",
                next_step="They will be in touch to arrange the next steps with you.", now=now)
    return household


def update_check(session: Session, actor: User | None, journey: Journey, check: StatutoryCheck, *,
                 requested_on: date | None, received_on: date | None, outcome: CheckOutcome, detail: str = "",
                 expected_version: int | None = None, now: datetime | None = None) -> StatutoryCheck:
    now = now or utcnow()
    _require_role(actor, CASEWORK_ROLES, "record statutory checks")
    _expect_version(check, expected_version)
    _require_active(journey)
    if check.journey_id != journey.id:
        raise DomainError("That check belongs to another assessment")
    today = _today(now)
    if requested_on is not None:
        _check_date(requested_on, today, field="requested_on")
    if received_on is not None:
        _check_date(received_on, today, field="received_on", not_before=requested_on, not_before_text="the request")
        if requested_on is None:
            raise DomainError("Enter when the check was requested", "requested_on")
    if outcome in (CheckOutcome.SATISFACTORY, CheckOutcome.CONCERNS) and received_on is None:
        raise DomainError("Enter when the check came back before recording its outcome", "received_on")
    check.requested_on, check.received_on, check.outcome = requested_on, received_on, outcome
    check.detail = (detail or "").strip()[:200] or None
    changes = audit.changes_of(check, ["requested_on", "received_on", "outcome", "detail"])
    if not changes:
        return check
    _flush(session)
    audit.record(session, actor, "check_updated", check, agency_id=journey.agency_id,
                 summary=f"{check.kind.label} for {check.person_name}: {outcome.label}", changes=changes, now=now)
    return check


def add_checks(session: Session, actor: User | None, journey: Journey, *, person_name: str,
               kind: CheckKind | None = None, now: datetime | None = None) -> None:
    """Add one check for an adult, or (``kind`` None) every statutory check for another adult in the household."""
    now = now or utcnow()
    _require_role(actor, CASEWORK_ROLES, "record statutory checks")
    _require_active(journey)
    person_name = (person_name or "").strip()
    if not person_name:
        raise DomainError("Enter the adult's name", "person_name")
    applicant_id = next((c.applicant_id for c in journey.checks if c.person_name == person_name), None)
    if kind is None:
        _add_standard_checks(journey, person_name[:200], applicant_id)
        summary = "Statutory checks added for another adult"
    else:
        journey.checks.append(StatutoryCheck(household_id=journey.household_id, applicant_id=applicant_id,
                                             person_name=person_name[:200], kind=kind))
        summary = f"{kind.label} added"
    _flush(session)
    audit.record(session, actor, "checks_added", journey, summary=summary, now=now)


def add_note(session: Session, actor: User | None, household: Household, *, body: str,
             now: datetime | None = None) -> CaseNote:
    now = now or utcnow()
    if not access.is_staff(actor):
        raise NotAllowed("Only staff can write case notes")
    body = (body or "").strip()
    if not body:
        raise DomainError("Enter the note", "body")
    note = CaseNote(household_id=household.id, author_id=actor.id, written_at=now, body=body[:5000])
    session.add(note)
    _flush(session)
    audit.record(session, actor, "note_added", note, agency_id=household.agency_id, summary="Case note added", now=now)
    return note


# Closure days -------------------------------------------------------------------------------------

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
    session.add(day)
    _flush(session)
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


# What the household sees ---------------------------------------------------------------------------

@dataclass
class ProgressItem:
    text: str
    done: bool
    when: date | None = None


@dataclass
class ProgressStep:
    number: int
    title: str
    state: str  # done, current or todo
    summary: str
    items: list[ProgressItem] = field(default_factory=list)
    clock: Clock | None = None


@dataclass
class Progress:
    household: Household
    journey: Journey | None
    steps: list[ProgressStep]
    clocks: list[Clock]
    next_step: str
    checks_done: int
    checks_total: int
    can_give_notice: bool
    completions: list


def _clock(clock_list: list[Clock], key: str) -> Clock | None:
    return next((c for c in clock_list if c.key == key), None)


def _state(done: bool, current: bool) -> str:
    return "done" if done else ("current" if current else "todo")


def progress_for(session: Session, household: Household, *, today: date) -> Progress:
    """Where the household is, what is done, what is next and by when."""
    journey = current_journey(session, household)
    completions = training.completions_for(session, household)
    trained = any(c.course_code == training.PREPARE_TO_ADOPT for c in completions)
    clock_list = clocks(journey, today=today) if journey else []
    if journey is None:
        closed = household.stage in (HouseholdStage.WITHDRAWN, HouseholdStage.NOT_APPROVED)
        steps = [ProgressStep(1, "Registration of interest", "current" if not closed else "todo",
                              "Your registration of interest starts your assessment. Once we accept it, Stage 1 begins.")]
        for number, title in enumerate(["Stage 1", "Stage 2", "Panel", "Agency decision"], start=2):
            steps.append(ProgressStep(number, title, "todo", ""))
        next_step = ("Send us your registration of interest when you are ready."
                     if household.stage == HouseholdStage.REGISTERED else
                     "We are looking at your registration of interest and will tell you our decision.")
        return Progress(household, None, steps, [], next_step, 0, 0, False, completions)

    checks_done = sum(1 for c in journey.checks if c.is_complete)
    checks_total = len(journey.checks)
    steps = [ProgressStep(1, "Registration of interest", "done", "Accepted" if not journey.is_fast_track else
                          f"Fast tracked ({journey.fast_track_reason.label.lower()})")]
    stage2_open = journey.stage2_started_on is not None
    if journey.is_fast_track:
        steps.append(ProgressStep(2, "Stage 1", "done", "Not needed: you start at Stage 2"))
    else:
        s1_done = journey.stage1_decided_on is not None
        steps.append(ProgressStep(
            2, "Stage 1", _state(s1_done, not s1_done),
            f"Started {_fmt(journey.stage1_started_on)}" + (f", decided {_fmt(journey.stage1_decided_on)}" if s1_done else ""),
            [ProgressItem("Stage 1 agreement signed", journey.stage1_plan_agreed_on is not None, journey.stage1_plan_agreed_on),
             ProgressItem(f"Checks and references: {checks_done} of {checks_total} back", checks_done == checks_total),
             ProgressItem("Preparation training completed", trained),
             ProgressItem("Workbook completed", journey.workbook_completed_on is not None, journey.workbook_completed_on),
             ProgressItem("End of Stage 1 meeting", journey.stage1_meeting_on is not None and journey.stage1_meeting_on <= today,
                          journey.stage1_meeting_on),
             ProgressItem("Decision to go on to Stage 2", s1_done, journey.stage1_decided_on)],
            _clock(clock_list, "stage1_decision") or _clock(clock_list, "stage1")))
        if journey.break_started_on is not None:
            steps.append(ProgressStep(
                len(steps) + 1, "Break before Stage 2 (if you want one)", _state(stage2_open, not stage2_open),
                f"You can take up to 6 months. Tell us you are ready by {_fmt(journey.notice_due_on)}."
                if not stage2_open else f"You told us you were ready on {_fmt(journey.notice_given_on)}",
                clock=_clock(clock_list, "notice")))
    decided = journey.adm_decided_on is not None
    panel_done = journey.panel_recommendation is not None
    steps.append(ProgressStep(
        len(steps) + 1, "Stage 2", _state(panel_done or decided, stage2_open and not panel_done),
        f"Started {_fmt(journey.stage2_started_on)}" if stage2_open else "About four months from when you tell us you are ready",
        [ProgressItem("Stage 2 agreement signed", journey.stage2_agreement_on is not None, journey.stage2_agreement_on),
         ProgressItem(f"Home study visits: {len(journey.visits)}", bool(journey.visits)),
         ProgressItem("Midway meeting", journey.midway_meeting_on is not None and journey.midway_meeting_on <= today,
                      journey.midway_meeting_on),
         ProgressItem("Your prospective adopter report shared with you", journey.par_shared_on is not None, journey.par_shared_on),
         ProgressItem("Your comments on the report", journey.par_comments_on is not None, journey.par_comments_on)]
        if stage2_open else [],
        _clock(clock_list, "par_comments") if journey.par_shared_on and not journey.par_comments_on
        else _clock(clock_list, "stage2")))
    steps.append(ProgressStep(
        len(steps) + 1, "Adoption panel", _state(panel_done, journey.panel_on is not None and not panel_done),
        f"Your panel is on {_fmt(journey.panel_on)}" if journey.panel_on else "We will book your panel towards the end of Stage 2"))
    outcome = journey.adm_decision.label if decided else ""
    steps.append(ProgressStep(
        len(steps) + 1, "Agency decision", _state(decided, panel_done and not decided),
        f"{outcome}, {_fmt(journey.adm_decided_on)}" if decided else
        "The agency decision maker decides after reading the panel's recommendation",
        clock=_clock(clock_list, "review") if journey.status == JourneyStatus.NOT_APPROVED else _clock(clock_list, "adm")))

    can_give_notice = (journey.is_active and journey.break_started_on is not None and not stage2_open
                       and not journey.is_paused and journey.notice_due_on >= today)
    return Progress(household, journey, steps, clock_list, _next_step_text(journey, clock_list, today, trained),
                    checks_done, checks_total, can_give_notice, completions)


def _next_step_text(journey: Journey, clock_list: list[Clock], today: date, trained: bool) -> str:
    if journey.is_paused:
        return f"Your assessment has been paused since {_fmt(journey.paused_since)}. Your deadlines move on while it is paused."
    if journey.status == JourneyStatus.APPROVED:
        return "You are approved. Your social worker will talk to you about family finding."
    if journey.status == JourneyStatus.NOT_APPROVED:
        if journey.review_requested_on:
            return "You have asked for an independent review. The review panel will contact you."
        return (f"If you disagree, you can ask for an independent review by {_fmt(journey.review_due_on)}, "
                "or make representations to the agency.")
    if not journey.is_active:
        return f"Your assessment has ended ({journey.status.label.lower()})."
    if journey.break_started_on and not journey.stage2_started_on:
        if journey.notice_due_on < today:
            return "Your break has lasted more than 6 months. Talk to your social worker about starting again."
        return f"Tell us when you are ready to start Stage 2, by {_fmt(journey.notice_due_on)}."
    if journey.stage1_started_on and not journey.stage1_decided_on:
        if not trained:
            return "Book and complete the Prepare to Adopt preparation training."
        if journey.stage1_meeting_on is None:
            return "Your social worker will arrange your end of Stage 1 meeting once your checks are back."
    open_clocks = [c for c in clock_list if c.status not in (ClockStatus.DONE, ClockStatus.DONE_LATE, ClockStatus.STOPPED)]
    if open_clocks:
        first = min(open_clocks, key=lambda c: c.due_on)
        return f"{first.household_label}: by {_fmt(first.due_on)}."
    return "Your social worker will tell you what happens next."


# What staff see ---------------------------------------------------------------------------------------

@dataclass
class TimelineItem:
    at: datetime
    title: str
    body: str = ""
    kind: str = "step"  # step, check, visit, pause, note, email, training, booking

    @property
    def show_time(self) -> bool:
        return self.kind in ("note", "email")


def _at(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


JOURNEY_EVENTS = [
    ("stage1_started_on", "Stage 1 started"), ("stage1_plan_agreed_on", "Stage 1 agreement signed"),
    ("workbook_completed_on", "Workbook completed"), ("stage1_meeting_on", "End of Stage 1 meeting"),
    ("stage1_decided_on", "Stage 1 decision"), ("notice_given_on", "Notice given: Stage 2 started"),
    ("stage2_agreement_on", "Stage 2 agreement signed"), ("midway_meeting_on", "Midway meeting"),
    ("par_shared_on", "Prospective adopter report shared"), ("par_comments_on", "Comments on the report received"),
    ("panel_on", "Adoption panel"), ("panel_minutes_on", "Panel minutes received"),
    ("adm_decided_on", "Agency decision"), ("review_requested_on", "Independent review requested"),
    ("closed_on", "Assessment closed"),
]


def timeline_for(session: Session, household: Household, journeys: list[Journey], *, bookings: list | None = None
                 ) -> list[TimelineItem]:
    """Every step, check, visit, pause, note, email, training and booking, newest first."""
    items: list[TimelineItem] = []
    for journey in journeys:
        if journey.is_fast_track and journey.stage2_started_on:
            items.append(TimelineItem(_at(journey.stage2_started_on), "Fast tracked: Stage 2 started",
                                      journey.fast_track_reason.label if journey.fast_track_reason else ""))
        for attr, title in JOURNEY_EVENTS:
            day = getattr(journey, attr)
            if day is None or (attr == "closed_on" and journey.status in (JourneyStatus.APPROVED,
                                                                         JourneyStatus.NOT_APPROVED)):
                continue
            body = ""
            if attr == "stage1_decided_on" and journey.stage1_decision:
                body = journey.stage1_decision.label
            elif attr == "panel_minutes_on" and journey.panel_recommendation:
                body = journey.panel_recommendation.label
            elif attr == "adm_decided_on" and journey.adm_decision:
                body = journey.adm_decision.label
            elif attr == "closed_on":
                body = f"{journey.status.label}: {journey.closed_reason or ''}".rstrip(": ")
            items.append(TimelineItem(_at(day), title, body))
        for check in journey.checks:
            if check.received_on:
                items.append(TimelineItem(_at(check.received_on), f"{check.kind.label} back for {check.person_name}",
                                          check.outcome.label, "check"))
        for visit in journey.visits:
            items.append(TimelineItem(_at(visit.visited_on), "Home study visit", visit.topic, "visit"))
        for record in journey.pauses:
            items.append(TimelineItem(_at(record.started_on), "Paused", record.reason.label, "pause"))
            if record.ended_on:
                items.append(TimelineItem(_at(record.ended_on), "Resumed",
                                          f"After {(record.ended_on - record.started_on).days} days", "pause"))
    notes = session.scalars(select(CaseNote).where(CaseNote.household_id == household.id)
                            .options(selectinload(CaseNote.author))).all()
    for note in notes:
        items.append(TimelineItem(note.written_at, f"Note by {note.author.full_name if note.author else 'staff'}",
                                  note.body, "note"))
    emails = session.execute(select(OutboxMessage.created_at, OutboxMessage.subject, OutboxMessage.status)
                             .where(OutboxMessage.household_id == household.id)).all()
    for created_at, subject, status in emails:
        items.append(TimelineItem(created_at, f"Email: {subject}", status.value.capitalize(), "email"))
    for completion in training.completions_for(session, household):
        items.append(TimelineItem(_at(completion.completed_on), "Training completed",
                                  completion.course_code.replace("-", " ").capitalize(), "training"))
    for booking in bookings or []:
        items.append(booking)
    items.sort(key=lambda item: item.at, reverse=True)
    return items


@dataclass
class JourneyRecord:
    household: Household
    journey: Journey | None
    earlier: list[Journey]
    clocks: list[Clock]
    checks_by_person: list[tuple[str, list[StatutoryCheck]]]
    stage_1_outstanding: list[str]
    trained: bool
    timeline: list[TimelineItem]
    stage_days: dict[str, int]
    today: date

    @property
    def can_start(self) -> bool:
        return self.household.stage in (HouseholdStage.REGISTERED, HouseholdStage.ROI_SUBMITTED)

    @property
    def stage_1_open(self) -> bool:
        j = self.journey
        return bool(j and j.is_active and j.stage1_started_on and not j.stage1_decided_on)

    @property
    def in_break(self) -> bool:
        j = self.journey
        return bool(j and j.is_active and j.break_started_on and not j.stage2_started_on)

    @property
    def break_too_long(self) -> bool:
        return self.in_break and self.journey.notice_due_on < self.today

    @property
    def stage_2_open(self) -> bool:
        j = self.journey
        return bool(j and j.is_active and j.stage2_started_on and not j.adm_decided_on)

    @property
    def can_pause(self) -> bool:
        return bool(self.journey and self.journey.is_active and not self.journey.is_paused and not self.in_break)

    @property
    def review_open(self) -> bool:
        j = self.journey
        return bool(j and j.status == JourneyStatus.NOT_APPROVED and not j.review_requested_on)


def stage_days(journey: Journey, today: date) -> dict[str, int]:
    """Calendar days spent in each stage so far (to today for the stage still open)."""
    out: dict[str, int] = {}
    end = journey.closed_on or today
    if journey.stage1_started_on:
        out["Stage 1"] = ((journey.stage1_decided_on or end) - journey.stage1_started_on).days
    if journey.break_started_on:
        out["Break"] = ((journey.notice_given_on or end) - journey.break_started_on).days
    if journey.stage2_started_on:
        out["Stage 2"] = ((journey.adm_decided_on or end) - journey.stage2_started_on).days
    paused = workdays.paused_days([Pause(p.started_on, p.ended_on) for p in journey.pauses],
                                  since=journey.stage1_started_on or journey.stage2_started_on, today=end)
    if paused:
        out["Paused"] = paused
    return out


def record_for(session: Session, household: Household, *, today: date, bookings: list | None = None) -> JourneyRecord:
    journeys = list(session.scalars(
        select(Journey).where(Journey.household_id == household.id).order_by(Journey.id.desc())
        .options(selectinload(Journey.checks), selectinload(Journey.visits), selectinload(Journey.pauses))))
    journey = next((j for j in journeys if j.is_current), None)
    by_person: dict[str, list[StatutoryCheck]] = {}
    for check in journey.checks if journey else []:
        by_person.setdefault(check.person_name, []).append(check)
    trained = training.has_completed(session, household, training.PREPARE_TO_ADOPT)
    outstanding = stage_1_outstanding(session, journey) if journey and journey.stage1_started_on \
        and not journey.stage1_decided_on else []
    return JourneyRecord(
        household, journey, [j for j in journeys if j is not journey],
        clocks(journey, today=today) if journey else [], list(by_person.items()), outstanding, trained,
        timeline_for(session, household, journeys, bookings=bookings),
        stage_days(journey, today) if journey else {}, today,
    )


# The manager's view and the caseload ------------------------------------------------------------------------

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
             page: int = 1, page_size: int = 50) -> Overview:
    """Every household the actor may see, most urgent first: a fixed number of queries at any size."""
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
