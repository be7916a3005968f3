"""A household's journey record as staff see it: the clocks, checks and timeline."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.clock import UTC
from portal.models import CaseNote, Household, HouseholdStage, Journey, JourneyStatus, OutboxMessage, StatutoryCheck
from portal.services import training, workdays
from portal.services.journey.caseload import _stage_days_quick
from portal.services.journey.deadlines import Clock, clocks
from portal.services.journey.steps import DATE_STEPS, stage_1_outstanding
from portal.services.workdays import Pause


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


def _booking_items(session: Session, household: Household) -> list[TimelineItem]:
    # Imported here: the events service imports this package (for ``has_reached``).
    from portal.services import events

    items = []
    for booking in events.bookings_for_household(session, household):
        status = booking.status.value.replace("_", " ").capitalize()
        items.append(TimelineItem(booking.created_at, f"Booked: {booking.event.title}",
                                  f"{status}, for {events.when(booking.event.starts_at)}", "booking"))
    return items


def timeline_for(session: Session, household: Household, journeys: list[Journey], *, include_bookings: bool = False
                 ) -> list[TimelineItem]:
    """Every step, check, visit, pause, note, email, training and (if asked for) booking, newest first."""
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
                                  training.course_title(completion.course_code), "training"))
    if include_bookings:
        items.extend(_booking_items(session, household))
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

    def step_open(self, step_key: str) -> bool:
        """Whether the dated step ``step_key`` can be recorded or changed now (the rules of
        ``steps.record_date_step``, for deciding whether to offer the link)."""
        step = DATE_STEPS[step_key]
        if step.phase == "stage_1":
            return self.stage_1_open
        if step.phase == "stage_2":
            # Once the panel has recommended, its date is history.
            return self.stage_2_open and not (step.attr == "panel_on" and self.journey.panel_recommendation is not None)
        return self.review_open


def stage_days(journey: Journey, today: date) -> dict[str, int]:
    """Calendar days spent in each stage so far (to today for the stage still open)."""
    out = _stage_days_quick(journey, today)
    paused = workdays.paused_days([Pause(p.started_on, p.ended_on) for p in journey.pauses],
                                  since=journey.stage1_started_on or journey.stage2_started_on,
                                  today=journey.closed_on or today)
    if paused:
        out["Paused"] = paused
    return out


def record_for(session: Session, household: Household, *, today: date, include_bookings: bool = False
               ) -> JourneyRecord:
    """Everything the journey record shows; ``include_bookings`` adds the household's event bookings
    to the timeline."""
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
        timeline_for(session, household, journeys, include_bookings=include_bookings),
        stage_days(journey, today) if journey else {}, today,
    )
