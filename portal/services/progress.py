"""What the household sees of its journey: where it is, what is done, what is next and by when."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from portal.models import Household, HouseholdStage, Journey, JourneyStatus
from portal.services import training
from portal.services.journey import Clock, ClockStatus, clocks, current_journey
from portal.services.journey.writing import _fmt


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
