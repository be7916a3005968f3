"""The statutory clocks of a household's journey: due dates, pauses, statuses, emails."""
from datetime import date, datetime

import pytest
from sqlalchemy import select

from portal.clock import UTC
from portal.models import (
    AdmDecision, AuditEvent, CheckKind, ClosureDay, FastTrackReason, HouseholdStage, Journey, OutboxMessage,
    PanelRecommendation, PauseReason, Stage1Decision, StaffRole,
)
from portal.services import journey as journeys
from portal.services.errors import DomainError
from portal.services.journey import ClockStatus
from tests.factories import (
    complete_checks, complete_preparation_training, create_household, create_journey, create_staff,
)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


@pytest.fixture()
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture()
def manager(db):
    return create_staff(db, role=StaffRole.TEAM_MANAGER)


def statuses(journey, today):
    return {c.key: c.status for c in journeys.clocks(journey, today=today)}


def test_entering_stage_1_sets_the_two_month_clock_checks_and_emails(db, ctx, manager):
    household = create_household(db, agency=manager.agency, applicants=2, stage=HouseholdStage.ROI_SUBMITTED)
    journey = journeys.enter_stage_1(db, manager, household, on=date(2026, 1, 31), now=at(date(2026, 1, 31)))
    assert household.stage == HouseholdStage.STAGE_1 and household.stage_entered_on == date(2026, 1, 31)
    assert journey.stage1_due_on == date(2026, 3, 31)
    assert journey.next_due_on == date(2026, 3, 31) and journey.next_due_label == "Stage 1 finished"
    # Every adult has every statutory check, with at least three personal references each.
    assert len(journey.checks) == 2 * len(journeys.STANDARD_CHECKS)
    for applicant in household.applicants:
        kinds = [c.kind for c in journey.checks if c.applicant_id == applicant.id]
        assert kinds.count(CheckKind.REFERENCE) == 3
        assert {CheckKind.DBS, CheckKind.LOCAL_AUTHORITY, CheckKind.MEDICAL, CheckKind.EMPLOYER, CheckKind.EX_PARTNER,
                CheckKind.FINANCIAL} <= set(kinds)
    sent = db.scalars(select(OutboxMessage).where(OutboxMessage.household_id == household.id)).all()
    assert sorted(m.to_address for m in sent) == sorted(a.email for a in household.applicants)
    assert all("31 March 2026" in m.body_text for m in sent)
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "entered_stage_1",
                                              AuditEvent.household_id == household.id)) is not None


def test_stage_1_at_a_month_end_in_a_leap_year(db, ctx, manager):
    household = create_household(db, agency=manager.agency, stage=HouseholdStage.ROI_SUBMITTED)
    journey = journeys.enter_stage_1(db, manager, household, on=date(2027, 12, 31), now=at(date(2027, 12, 31)))
    assert journey.stage1_due_on == date(2028, 2, 29)


def test_decision_due_five_working_days_after_the_meeting_across_christmas(db, ctx, manager):
    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 10, 26))
    journeys.record_date_step(db, manager, journey, "stage-1-meeting", on=date(2026, 12, 22), now=at(date(2026, 12, 22)))
    # Wed 23, Thu 24, (Fri 25, Mon 28 bank holidays) Tue 29, Wed 30, Thu 31.
    assert journey.stage1_decision_due_on == date(2026, 12, 31)
    # The decision clock is now the earliest of the agency's open clocks.
    assert journey.next_due_on == date(2026, 12, 26) and journey.next_due_label == "Stage 1 finished"


def test_closure_days_added_by_the_hub_move_working_day_clocks(db, ctx, manager):
    hub_admin = create_staff(db, role=StaffRole.HUB_ADMIN)
    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 10, 26))
    journeys.record_date_step(db, manager, journey, "stage-1-meeting", on=date(2026, 12, 22), now=at(date(2026, 12, 22)))
    for day in (date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)):
        journeys.add_closure_day(db, hub_admin, on=day, agency_id=None, reason="Council closure", now=at(date(2026, 12, 1)))
    db.refresh(journey)
    # Wed 23, Thu 24, then closed until Mon 4 Jan (Fri 1 Jan is New Year's Day): Mon 4, Tue 5, Wed 6.
    assert journey.stage1_decision_due_on == date(2027, 1, 6)
    closure = db.scalar(select(ClosureDay).where(ClosureDay.closed_on == date(2026, 12, 31)))
    journeys.remove_closure_day(db, hub_admin, closure, now=at(date(2026, 12, 1)))
    db.refresh(journey)
    assert journey.stage1_decision_due_on == date(2027, 1, 5)


def test_a_closure_day_for_one_agency_does_not_move_another_agencys_clocks(db, ctx, manager):
    hub_admin = create_staff(db, role=StaffRole.HUB_ADMIN)
    other = create_journey(db, stage1_started_on=date(2026, 10, 26))
    journeys.record_date_step(db, create_staff(db, agency=other.household.agency, role=StaffRole.TEAM_MANAGER), other,
                              "stage-1-meeting", on=date(2026, 12, 22), now=at(date(2026, 12, 22)))
    journeys.add_closure_day(db, hub_admin, on=date(2026, 12, 29), agency_id=manager.agency_id, now=at(date(2026, 12, 1)))
    assert other.stage1_decision_due_on == date(2026, 12, 31)


def test_pausing_stops_the_clock_and_resuming_moves_every_due_date(db, ctx, manager):
    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 1, 5))
    assert journey.stage1_due_on == date(2026, 3, 5)
    journeys.pause(db, manager, journey, on=date(2026, 2, 1), reason=PauseReason.APPLICANTS_REQUEST,
                   now=at(date(2026, 2, 1)))
    # While paused the status is "paused", even past the old due date, and the date keeps moving.
    assert statuses(journey, date(2026, 3, 10))["stage1"] == ClockStatus.PAUSED
    [clock] = journeys.clocks(journey, today=date(2026, 2, 11))
    assert clock.due_on == date(2026, 3, 15)
    journeys.resume(db, manager, journey, on=date(2026, 2, 15), now=at(date(2026, 2, 15)))
    assert journey.stage1_due_on == date(2026, 3, 19)  # moved on by the 14 days paused
    assert statuses(journey, date(2026, 3, 10))["stage1"] == ClockStatus.DUE_SOON
    # A second pause adds to the first.
    journeys.pause(db, manager, journey, on=date(2026, 3, 1), reason=PauseReason.EXCEPTIONAL_CIRCUMSTANCES,
                   now=at(date(2026, 3, 1)))
    journeys.resume(db, manager, journey, on=date(2026, 3, 11), now=at(date(2026, 3, 11)))
    assert journey.stage1_due_on == date(2026, 3, 29)
    assert len(journey.pauses) == 2
    assert journeys.stage_days(journey, date(2026, 3, 20))["Paused"] == 24


def test_a_pause_moves_a_working_day_clock_onto_a_working_day(db, ctx, manager):
    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 10, 26))
    journeys.record_date_step(db, manager, journey, "stage-1-meeting", on=date(2026, 12, 14), now=at(date(2026, 12, 14)))
    assert journey.stage1_decision_due_on == date(2026, 12, 21)
    journeys.pause(db, manager, journey, on=date(2026, 12, 15), reason=PauseReason.EXCEPTIONAL_CIRCUMSTANCES,
                   now=at(date(2026, 12, 15)))
    journeys.resume(db, manager, journey, on=date(2026, 12, 19), now=at(date(2026, 12, 19)))
    # 21 Dec + 4 paused days = Fri 25 Dec, Christmas Day: the next working day is Tue 29 Dec.
    assert journey.stage1_decision_due_on == date(2026, 12, 29)


@pytest.mark.parametrize("today, expected", [
    (date(2026, 2, 1), ClockStatus.ON_TRACK),
    (date(2026, 2, 19), ClockStatus.ON_TRACK),
    (date(2026, 2, 20), ClockStatus.DUE_SOON),
    (date(2026, 3, 6), ClockStatus.DUE_SOON),
    (date(2026, 3, 7), ClockStatus.OVERDUE),
])
def test_status_on_track_due_soon_overdue(db, manager, today, expected):
    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 1, 6))
    assert journey.stage1_due_on == date(2026, 3, 6)
    assert statuses(journey, today)["stage1"] == expected


def _to_panel(db, manager, journey, *, stage2_on: date, panel_on: date):
    complete_checks(db, journey, on=journey.stage1_started_on)
    complete_preparation_training(db, journey.household, on=journey.stage1_started_on)
    journeys.record_date_step(db, manager, journey, "stage-1-meeting", on=journey.stage1_started_on, now=at(stage2_on))
    journeys.decide_stage_1(db, manager, journey, decision=Stage1Decision.PROGRESS, on=stage2_on, now=at(stage2_on))
    journeys.give_notice(db, manager, journey, on=stage2_on, now=at(stage2_on))
    journeys.record_date_step(db, manager, journey, "par-shared", on=stage2_on, now=at(stage2_on))
    journeys.record_date_step(db, manager, journey, "panel-date", on=panel_on, now=at(stage2_on))


def test_every_due_date_has_a_status_through_the_whole_journey(db, ctx, manager):
    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 1, 5))
    _to_panel(db, manager, journey, stage2_on=date(2026, 3, 2), panel_on=date(2026, 6, 25))
    assert journey.household.stage == HouseholdStage.STAGE_2
    assert journey.stage2_due_on == date(2026, 7, 2)
    # Comments on the report: 10 working days from Mon 2 March.
    assert journey.par_comments_due_on == date(2026, 3, 16)
    journeys.record_panel_outcome(db, manager, journey, recommendation=PanelRecommendation.APPROVE,
                                  minutes_on=date(2026, 6, 30), now=at(date(2026, 7, 1)))
    # Seven working days by default: Wed 1 .. Thu 9 July.
    assert journey.adm_working_days == 7 and journey.adm_due_on == date(2026, 7, 9)
    found = statuses(journey, date(2026, 7, 3))
    assert found["stage1"] == ClockStatus.DONE
    assert found["notice"] == ClockStatus.DONE
    assert found["par_comments"] == ClockStatus.OVERDUE
    assert found["stage2"] == ClockStatus.OVERDUE
    assert found["adm"] == ClockStatus.DUE_SOON
    journeys.decide_adm(db, manager, journey, decision=AdmDecision.APPROVED, on=date(2026, 7, 8), now=at(date(2026, 7, 8)))
    found = statuses(journey, date(2026, 7, 10))
    assert found["adm"] == ClockStatus.DONE and found["stage2"] == ClockStatus.DONE_LATE
    assert journey.household.stage == HouseholdStage.APPROVED
    assert journey.next_due_on is None


def test_adm_working_days_are_configurable(app, db, manager, monkeypatch):
    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 1, 5))
    # The caller reads ADM_DECISION_WORKING_DAYS from the config (see the panel outcome page's test):
    # the service takes the number and never reads the app's config itself.
    monkeypatch.setitem(app.config, "ADM_DECISION_WORKING_DAYS", 3)
    with app.app_context():
        _to_panel(db, manager, journey, stage2_on=date(2026, 3, 2), panel_on=date(2026, 6, 25))
        journeys.record_panel_outcome(db, manager, journey, recommendation=PanelRecommendation.APPROVE,
                                      minutes_on=date(2026, 6, 30), working_days=10, now=at(date(2026, 7, 1)))
    assert journey.adm_working_days == 10 and journey.adm_due_on == date(2026, 7, 14)


def test_not_approved_gives_forty_working_days_to_ask_for_a_review(db, ctx, manager):
    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 6, 1))
    _to_panel(db, manager, journey, stage2_on=date(2026, 8, 3), panel_on=date(2026, 11, 26))
    journeys.record_panel_outcome(db, manager, journey, recommendation=PanelRecommendation.NOT_APPROVE,
                                  minutes_on=date(2026, 11, 27), now=at(date(2026, 11, 30)))
    journeys.decide_adm(db, manager, journey, decision=AdmDecision.NOT_APPROVED, on=date(2026, 12, 1),
                        now=at(date(2026, 12, 1)))
    assert journey.household.stage == HouseholdStage.NOT_APPROVED
    assert journey.review_due_on == date(2027, 1, 29)
    assert statuses(journey, date(2027, 1, 20))["review"] == ClockStatus.DUE_SOON
    [letter] = [m for m in db.scalars(select(OutboxMessage).where(OutboxMessage.household_id == journey.household_id))
                if m.template == "journey/not_approved"]
    assert "29 January 2027" in letter.body_text and "40 working days" in letter.body_text
    with pytest.raises(DomainError, match="ended on 29 January 2027"):
        journeys.record_date_step(db, manager, journey, "review-requested", on=date(2027, 2, 1), now=at(date(2027, 2, 1)))
    journeys.record_date_step(db, manager, journey, "review-requested", on=date(2027, 1, 28), now=at(date(2027, 1, 28)))
    assert statuses(journey, date(2027, 2, 1))["review"] == ClockStatus.DONE


def test_fast_track_starts_straight_at_stage_2(db, ctx, manager):
    household = create_household(db, agency=manager.agency, stage=HouseholdStage.REGISTERED)
    journey = journeys.fast_track(db, manager, household, on=date(2026, 1, 31),
                                  reason=FastTrackReason.FOSTER_CARERS, now=at(date(2026, 2, 2)))
    assert household.stage == HouseholdStage.STAGE_2
    assert journey.stage1_started_on is None and journey.stage1_due_on is None
    assert journey.stage2_due_on == date(2026, 5, 31)
    assert journey.checks  # the statutory checks are still done, in Stage 2
    with pytest.raises(DomainError, match="fast tracked"):
        journeys.record_date_step(db, manager, journey, "workbook", on=date(2026, 2, 2), now=at(date(2026, 2, 2)))
    journeys.record_date_step(db, manager, journey, "stage-2-agreement", on=date(2026, 2, 2), now=at(date(2026, 2, 2)))
    assert journey.stage2_agreement_on == date(2026, 2, 2)


def test_stage_of_and_has_reached_follow_the_journey(db, ctx, manager):
    household = create_household(db, agency=manager.agency, stage=HouseholdStage.ROI_SUBMITTED)
    assert not journeys.has_reached(household, HouseholdStage.STAGE_1)
    journeys.enter_stage_1(db, manager, household, on=date(2026, 1, 5), now=at(date(2026, 1, 5)))
    assert journeys.stage_of(household) == HouseholdStage.STAGE_1
    assert journeys.has_reached(household, HouseholdStage.STAGE_1)
    assert not journeys.has_reached(household, HouseholdStage.STAGE_2)
    assert db.scalar(select(Journey).where(Journey.household_id == household.id)).is_current


def test_the_service_takes_the_working_days_and_ignores_the_app_config(app, db, manager, monkeypatch):
    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 1, 5))
    monkeypatch.setitem(app.config, "ADM_DECISION_WORKING_DAYS", 3)
    with app.app_context():
        _to_panel(db, manager, journey, stage2_on=date(2026, 3, 2), panel_on=date(2026, 6, 25))
        journeys.record_panel_outcome(db, manager, journey, recommendation=PanelRecommendation.APPROVE,
                                      minutes_on=date(2026, 6, 30), now=at(date(2026, 7, 1)))
    assert journey.adm_working_days == journeys.DEFAULT_ADM_WORKING_DAYS == 7
    assert journey.adm_due_on == date(2026, 7, 9)


def test_stage_days_are_the_lists_figures_plus_the_days_paused(db, ctx, manager):
    from portal.services.journey.caseload import _stage_days_quick

    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 1, 5))
    assert journeys.stage_days(journey, date(2026, 2, 5)) == _stage_days_quick(journey, date(2026, 2, 5)) == {"Stage 1": 31}
    journeys.pause(db, manager, journey, on=date(2026, 1, 10), reason=PauseReason.APPLICANTS_REQUEST,
                   now=at(date(2026, 1, 10)))
    journeys.resume(db, manager, journey, on=date(2026, 1, 20), now=at(date(2026, 1, 20)))
    assert journeys.stage_days(journey, date(2026, 2, 5)) == {"Stage 1": 31, "Paused": 10}


def test_the_package_keeps_its_public_names_for_every_caller():
    """``from portal.services import journey`` and ``journey.<name>`` work as before the split."""
    from portal.services import journey, progress
    from portal.services.journey import casework, caseload, closure_days, deadlines, record, stages, steps

    assert all(hasattr(journey, name) for name in journey.__all__)
    # No module of the package hides behind a function of the same name.
    assert {"casework", "caseload", "closure_days", "deadlines", "record", "stages", "steps", "writing"}.isdisjoint(
        journey.__all__)
    assert journey.enter_stage_1 is steps.enter_stage_1 and journey.has_reached is stages.has_reached
    assert journey.clocks is deadlines.clocks and journey.refresh_clocks is deadlines.refresh_clocks
    assert journey.create_checks is casework.create_checks and journey.add_closure_day is closure_days.add_closure_day
    assert journey.record_for is record.record_for and journey.overview is caseload.overview
    assert callable(progress.progress_for)
