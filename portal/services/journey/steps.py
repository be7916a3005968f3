"""The steps of an assessment: starting it, each dated step, the Stage 1 decision, the
household's notice, panel and the agency decision, pauses and withdrawal."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.models import (
    AdmDecision, FastTrackReason, HomeVisit, Household, HouseholdStage, Journey, JourneyPause, JourneyStatus,
    PanelRecommendation, PauseReason, Stage1Decision, User,
)
from portal.services import access, audit, training
from portal.services.errors import DomainError, NotAllowed
from portal.services.journey.casework import create_checks
from portal.services.journey.deadlines import DEFAULT_ADM_WORKING_DAYS, REVIEW_WORKING_DAYS, ClockStatus, clocks
from portal.services.journey.writing import (
    CASEWORK_ROLES, DECISION_ROLES, START_ROLES, _check_date, _expect_version, _flush, _fmt, _notify, _require_active,
    _require_not_paused, _require_role, _require_stage_1_open, _require_stage_2_open, _save, _set_stage, _today,
)

MAX_EXTENSION_WEEKS = 26


def current_journey(session: Session, household: Household) -> Journey | None:
    return session.scalar(select(Journey).where(Journey.household_id == household.id, Journey.is_current.is_(True))
                          .order_by(Journey.id.desc()).limit(1))



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
    _require_role(actor, START_ROLES, "start Stage 1")
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
    journey.adm_working_days = working_days or DEFAULT_ADM_WORKING_DAYS
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
