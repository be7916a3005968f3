"""Demo journeys: every demo household gets a believable record of Stage 1 and Stage 2.

Some are on time and some overdue; Sophie and Ben Turner are paused, Dev and Anjali Patel
were fast tracked as foster carers, and the Mehtas' break has outlasted six months.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import demo
from portal.clock import today_in_london
from portal.models import (
    AdmDecision, Agency, CaseNote, CheckOutcome, ClosureDay, FastTrackReason, HomeVisit, Household, HouseholdStage,
    Journey, JourneyPause, JourneyStatus, PanelRecommendation, PauseReason, Stage1Decision, User, UserKind,
)
from portal.services import journey as journeys
from portal.services import passwords, training, workdays
from portal.services.tokens import reference

TOPICS = ["Your own childhood", "Relationships and support network", "Parenting capacity", "Home and health",
          "Understanding a child's needs", "Contact with birth family"]


def _household(session: Session, first: str, last: str) -> Household | None:
    """A demo household, unless it is missing or another loader already started its journey."""
    user = session.scalar(select(User).where(User.email == demo.applicant_email(first, last)))
    if user is None or user.household is None:
        return None
    if session.scalar(select(Journey.id).where(Journey.household_id == user.household_id)) is not None:
        return None
    return user.household


def _journey(household: Household, **values) -> Journey:
    journey = Journey(household=household, household_id=household.id, agency_id=household.agency_id, is_current=True,
                      status=JourneyStatus.ACTIVE, stage1_extension_weeks=0, pauses=[], checks=[], visits=[], **values)
    journeys.create_checks(journey, household)
    return journey


def _checks(journey: Journey, started: date, *, done: int | None = None, today: date) -> None:
    """Request every check a week in; the first ``done`` (all, by default) are back and satisfactory."""
    for index, check in enumerate(journey.checks):
        check.requested_on = min(started + timedelta(days=7), today)
        if done is None or index < done:
            check.received_on = min(started + timedelta(days=21 + index * 2), today)
            check.outcome = CheckOutcome.SATISFACTORY
        if check.kind.value == "ex_partner" and (done is None or index < done):
            check.outcome = CheckOutcome.NOT_APPLICABLE
    for check in journey.checks:
        if check.kind.value == "reference" and check.received_on:
            check.detail = "Personal referee"


def _stage_1_done(journey: Journey, started: date, decided: date, today: date) -> None:
    journey.stage1_started_on = started
    journey.stage1_plan_agreed_on = started + timedelta(days=6)
    journey.workbook_completed_on = decided - timedelta(days=12)
    journey.stage1_meeting_on = decided - timedelta(days=3)
    journey.stage1_decision = Stage1Decision.PROGRESS
    journey.stage1_decided_on = decided
    journey.break_started_on = decided
    _checks(journey, started, today=today)


def _stage_2(journey: Journey, began: date, today: date, *, visits: int) -> None:
    journey.notice_given_on = journey.notice_given_on or (began if journey.stage1_started_on else None)
    journey.stage2_started_on = began
    journey.stage2_agreement_on = began + timedelta(days=7)
    for n in range(visits):
        day = began + timedelta(days=14 + 12 * n)
        if day <= today:
            journey.visits.append(HomeVisit(household_id=journey.household_id, visited_on=day, topic=TOPICS[n % len(TOPICS)]))


def _approved(journey: Journey, approved: date, today: date, *, decision=AdmDecision.APPROVED) -> None:
    panel = approved - timedelta(days=6)
    began = panel - timedelta(days=105)
    decided = began - timedelta(days=21)
    _stage_1_done(journey, decided - timedelta(days=62), decided, today)
    journey.notice_given_on = began
    _stage_2(journey, began, today, visits=6)
    journey.midway_meeting_on = began + timedelta(days=55)
    journey.par_shared_on = panel - timedelta(days=28)
    journey.par_comments_on = panel - timedelta(days=19)
    journey.panel_on = panel
    journey.panel_recommendation = (PanelRecommendation.APPROVE if decision == AdmDecision.APPROVED
                                    else PanelRecommendation.NOT_APPROVE)
    journey.panel_minutes_on = panel + timedelta(days=2)
    journey.adm_working_days = journeys.DEFAULT_ADM_WORKING_DAYS
    journey.adm_decision = decision
    journey.adm_decided_on = approved
    journey.closed_on = approved
    journey.status = JourneyStatus.APPROVED if decision == AdmDecision.APPROVED else JourneyStatus.NOT_APPROVED


def _note(session: Session, household: Household, text: str, when: datetime) -> None:
    author = household.social_worker
    session.add(CaseNote(household_id=household.id, author_id=author.id if author else None, body=text, written_at=when))


def _trained(session: Session, household: Household, on: date, now: datetime) -> None:
    training.record_completion(session, None, household, training.PREPARE_TO_ADOPT, completed_on=on, now=now)


def _mehtas(session: Session, agencies: dict[str, Agency], now: datetime) -> Household:
    """An extra Northvale household whose break has lasted more than six months."""
    agency = agencies["northvale"]
    worker = session.scalar(select(User).where(User.email == demo.staff_email("Owen", "Price")))
    entered = today_in_london(now) - timedelta(days=200)
    household = Household(agency=agency, reference=reference("NOR"), stage=HouseholdStage.BREAK, stage_entered_on=entered,
                          social_worker=worker, created_at=now - timedelta(days=300))
    session.add(household)
    password_hash = passwords.hash_password(demo.DEMO_PASSWORD)
    for first in ("Priya", "Arjun"):
        session.add(User(email=demo.applicant_email(first, "Mehta"), first_name=first, last_name="Mehta",
                         kind=UserKind.APPLICANT, household=household, password_hash=password_hash,
                         email_verified_at=now - timedelta(days=299), created_at=now - timedelta(days=300)))
    session.flush()
    return household


def load(session: Session, agencies: dict[str, Agency], now: datetime) -> None:
    today = today_in_london(now)
    built: list[Journey] = []

    def entered(household: Household) -> date:
        return household.stage_entered_on or today

    # Northvale -------------------------------------------------------------------------------
    if (h := _household(session, "Liam", "O'Connor")) is not None:  # Stage 1, on track
        start = entered(h)
        j = _journey(h, stage1_started_on=start, stage1_plan_agreed_on=start + timedelta(days=5))
        _checks(j, start, done=5, today=today)
        _trained(session, h, start - timedelta(days=20), now)
        _note(session, h, "Stage 1 plan agreed at home. Both applicants keen to book Prepare to Adopt dates.",
              now - timedelta(days=14))
        built.append(j)
    if (h := _household(session, "Zofia", "Nowak")) is not None:  # Stage 1, overdue: references slow
        start = entered(h)
        j = _journey(h, stage1_started_on=start, stage1_plan_agreed_on=start + timedelta(days=8),
                     workbook_completed_on=start + timedelta(days=50))
        _checks(j, start, done=14, today=today)
        _trained(session, h, start + timedelta(days=30), now)
        _note(session, h, "Two personal references still outstanding; chased by phone.", now - timedelta(days=6))
        built.append(j)
    if (h := _household(session, "Rachel", "Green")) is not None:  # on a break
        decided = entered(h)
        j = _journey(h)
        _stage_1_done(j, decided - timedelta(days=58), decided, today)
        _trained(session, h, decided - timedelta(days=40), now)
        built.append(j)
    if (h := _household(session, "Kwame", "Boateng")) is not None:  # Stage 2, on track
        began = entered(h)
        j = _journey(h)
        _stage_1_done(j, began - timedelta(days=80), began - timedelta(days=14), today)
        _trained(session, h, began - timedelta(days=60), now)
        _stage_2(j, began, today, visits=4)
        j.midway_meeting_on = today + timedelta(days=9)
        built.append(j)
    if (h := _household(session, "Helen", "Ward")) is not None:  # approved
        j = _journey(h)
        _approved(j, entered(h), today)
        _trained(session, h, j.stage1_started_on + timedelta(days=20), now)
        built.append(j)
    if (h := _mehtas(session, agencies, now)) is not None:  # break longer than six months
        j = _journey(h)
        _stage_1_done(j, entered(h) - timedelta(days=61), entered(h), today)
        _trained(session, h, entered(h) - timedelta(days=30), now)
        _note(session, h, "Left a message about returning for Stage 2; no reply yet.", now - timedelta(days=25))
        built.append(j)

    # Eastbridge ------------------------------------------------------------------------------
    if (h := _household(session, "Sophie", "Turner")) is not None:  # Stage 1, paused
        start = entered(h)
        paused = today - timedelta(days=10)
        j = _journey(h, stage1_started_on=start, stage1_plan_agreed_on=start + timedelta(days=4), paused_since=paused)
        _checks(j, start, done=9, today=today)
        j.pauses.append(JourneyPause(household_id=h.id, started_on=paused, reason=PauseReason.APPLICANTS_REQUEST,
                                     note="Family bereavement"))
        built.append(j)
    if (h := _household(session, "Mei", "Chen")) is not None:  # Stage 2, overdue, panel booked
        began = entered(h)
        j = _journey(h)
        _stage_1_done(j, began - timedelta(days=75), began - timedelta(days=10), today)
        _trained(session, h, began - timedelta(days=50), now)
        _stage_2(j, began, today, visits=7)
        j.midway_meeting_on = began + timedelta(days=60)
        j.par_shared_on = today - timedelta(days=12)
        j.panel_on = today + timedelta(days=16)
        built.append(j)
    for first, last in (("Fatima", "Begum"), ("Jack", "Robinson"), ("Olivia", "Bailey")):
        if (h := _household(session, first, last)) is not None:  # approved, then matched, placed, adopted
            j = _journey(h)
            _approved(j, entered(h) - timedelta(days=120), today)
            _trained(session, h, j.stage1_started_on + timedelta(days=20), now)
            built.append(j)

    # Kingsmoor ---------------------------------------------------------------------------------
    if (h := _household(session, "Margaret", "Finch")) is not None:
        j = _journey(h)
        _approved(j, entered(h), today)
        built.append(j)
    if (h := _household(session, "Dev", "Patel")) is not None:  # fast tracked foster carers
        began = entered(h)
        j = _journey(h, is_fast_track=True, fast_track_reason=FastTrackReason.FOSTER_CARERS)
        _stage_2(j, began, today, visits=1)
        _checks(j, began, done=10, today=today)
        built.append(j)

    # Westbrook -------------------------------------------------------------------------------
    if (h := _household(session, "Gareth", "Jones")) is not None:  # Stage 1, just started
        start = entered(h)
        built.append(_journey(h, stage1_started_on=start))
    if (h := _household(session, "Siobhan", "Kelly")) is not None:  # withdrew in Stage 1
        j = _journey(h, stage1_started_on=entered(h) - timedelta(days=35))
        _checks(j, j.stage1_started_on, done=4, today=today)
        j.status, j.closed_on, j.closed_reason = JourneyStatus.WITHDRAWN, entered(h), "Decided the time is not right"
        built.append(j)

    # Family Bridges ---------------------------------------------------------------------------
    if (h := _household(session, "Andre", "Silva")) is not None:  # after panel, agency decision due
        began = entered(h)
        j = _journey(h)
        _stage_1_done(j, began - timedelta(days=70), began - timedelta(days=7), today)
        _trained(session, h, began - timedelta(days=40), now)
        _stage_2(j, began, today, visits=6)
        j.midway_meeting_on = began + timedelta(days=50)
        j.par_shared_on = today - timedelta(days=35)
        j.par_comments_on = today - timedelta(days=27)
        j.panel_on = today - timedelta(days=4)
        j.panel_recommendation = PanelRecommendation.APPROVE
        j.panel_minutes_on = today - timedelta(days=2)
        j.adm_working_days = journeys.DEFAULT_ADM_WORKING_DAYS
        built.append(j)
    if (h := _household(session, "Ruth", "Abbott")) is not None:  # not approved: review window open
        j = _journey(h)
        _approved(j, entered(h), today, decision=AdmDecision.NOT_APPROVED)
        _trained(session, h, j.stage1_started_on + timedelta(days=20), now)
        built.append(j)

    closures = _closure_days(session, today, now)
    for journey in built:
        session.add(journey)
        journeys.refresh_clocks(journey, closures=closures)
    session.flush()


def _closure_days(session: Session, today: date, now: datetime) -> frozenset[date]:
    """The region closes between Christmas and New Year, on the days that are not bank holidays."""
    days = set()
    for year in (today.year - 1, today.year, today.year + 1):
        day = date(year, 12, 24)
        while day <= date(year, 12, 31):
            if workdays.is_working_day(day):
                session.add(ClosureDay(agency_id=None, closed_on=day, reason="Council closure between Christmas and New Year",
                                       created_at=now))
                days.add(day)
            day += timedelta(days=1)
    return frozenset(days)
