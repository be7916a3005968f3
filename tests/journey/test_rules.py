"""Illegal steps are refused with a clear message; two staff at once never overwrite each other."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.clock import UTC, today_in_london
from portal.models import (
    AdmDecision, HouseholdStage, Journey, JourneyStatus, PanelRecommendation, PauseReason, Stage1Decision, StaffRole,
)
from portal.services import journey as journeys
from portal.services.errors import Conflict, DomainError, NotAllowed
from tests.factories import (
    PASSWORD, complete_checks, complete_preparation_training, create_journey, create_staff,
)
from tests.support import csrf_from, post_form, sign_in


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


@pytest.fixture()
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture()
def manager(db):
    return create_staff(db, role=StaffRole.TEAM_MANAGER)


def signed_off(db, manager, *, started: date, decided: date) -> Journey:
    journey = create_journey(db, agency=manager.agency, stage1_started_on=started)
    complete_checks(db, journey, on=started)
    complete_preparation_training(db, journey.household, on=started)
    journeys.record_date_step(db, manager, journey, "stage-1-meeting", on=decided, now=at(decided))
    journeys.decide_stage_1(db, manager, journey, decision=Stage1Decision.PROGRESS, on=decided, now=at(decided))
    return journey


def test_stage_2_cannot_start_before_stage_1_is_decided(db, ctx, manager):
    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 1, 5))
    message = "Stage 2 cannot start before the Stage 1 decision is recorded"
    with pytest.raises(DomainError, match=message):
        journeys.give_notice(db, manager, journey, on=date(2026, 2, 1), now=at(date(2026, 2, 1)))
    with pytest.raises(DomainError, match=message):
        journeys.record_date_step(db, manager, journey, "stage-2-agreement", on=date(2026, 2, 1), now=at(date(2026, 2, 1)))
    assert journey.stage2_started_on is None and journey.household.stage == HouseholdStage.STAGE_1


def test_approval_needs_a_panel_date_and_a_recommendation(db, ctx, manager):
    journey = signed_off(db, manager, started=date(2026, 1, 5), decided=date(2026, 3, 2))
    journeys.give_notice(db, manager, journey, on=date(2026, 3, 2), now=at(date(2026, 3, 2)))
    with pytest.raises(DomainError, match="cannot be approved without a panel date"):
        journeys.decide_adm(db, manager, journey, decision=AdmDecision.APPROVED, on=date(2026, 6, 1), now=at(date(2026, 6, 1)))
    with pytest.raises(DomainError, match="Record the panel date before"):
        journeys.record_panel_outcome(db, manager, journey, recommendation=PanelRecommendation.APPROVE,
                                      minutes_on=date(2026, 6, 1), now=at(date(2026, 6, 1)))
    journeys.record_date_step(db, manager, journey, "panel-date", on=date(2026, 6, 4), now=at(date(2026, 5, 1)))
    with pytest.raises(DomainError, match="report must be shared with the household before panel"):
        journeys.record_panel_outcome(db, manager, journey, recommendation=PanelRecommendation.APPROVE,
                                      minutes_on=date(2026, 6, 5), now=at(date(2026, 6, 5)))
    with pytest.raises(DomainError, match="Record the panel's recommendation before the agency decision"):
        journeys.decide_adm(db, manager, journey, decision=AdmDecision.APPROVED, on=date(2026, 6, 5), now=at(date(2026, 6, 5)))
    assert journey.household.stage == HouseholdStage.STAGE_2


def test_a_break_longer_than_six_months_means_starting_again(db, ctx, manager):
    journey = signed_off(db, manager, started=date(2026, 1, 5), decided=date(2026, 1, 30))
    assert journey.household.stage == HouseholdStage.BREAK
    assert journey.notice_due_on == date(2026, 7, 30)
    with pytest.raises(DomainError, match="must start again at Stage 1"):
        journeys.give_notice(db, manager, journey, on=date(2026, 8, 3), now=at(date(2026, 8, 3)))
    with pytest.raises(DomainError, match="has not yet lasted 6 months"):
        journeys.start_again(db, manager, journey.household, journey, on=date(2026, 7, 1), now=at(date(2026, 7, 1)))
    fresh = journeys.start_again(db, manager, journey.household, journey, on=date(2026, 8, 3), now=at(date(2026, 8, 3)))
    assert journey.status == JourneyStatus.RESTARTED and not journey.is_current
    assert fresh.is_current and fresh.stage1_started_on == date(2026, 8, 3) and fresh.stage1_due_on == date(2026, 10, 3)
    assert fresh.household.stage == HouseholdStage.STAGE_1
    assert journeys.current_journey(db, fresh.household) is fresh


def test_notice_on_the_last_day_of_the_break_is_in_time(db, ctx, manager):
    journey = signed_off(db, manager, started=date(2026, 1, 5), decided=date(2026, 1, 30))
    journeys.give_notice(db, manager, journey, on=date(2026, 7, 30), now=at(date(2026, 7, 30)))
    assert journey.household.stage == HouseholdStage.STAGE_2 and journey.stage2_due_on == date(2026, 11, 30)


def test_stage_1_cannot_be_signed_off_with_checks_or_training_outstanding(db, ctx, manager):
    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 1, 5))
    with pytest.raises(DomainError, match="Record the end of Stage 1 meeting before the decision"):
        journeys.decide_stage_1(db, manager, journey, decision=Stage1Decision.PROGRESS, on=date(2026, 3, 2),
                                now=at(date(2026, 3, 2)))
    journeys.record_date_step(db, manager, journey, "stage-1-meeting", on=date(2026, 3, 2), now=at(date(2026, 3, 2)))
    with pytest.raises(DomainError, match="9 statutory checks are still outstanding and the household has not completed"):
        journeys.decide_stage_1(db, manager, journey, decision=Stage1Decision.PROGRESS, on=date(2026, 3, 3),
                                now=at(date(2026, 3, 3)))
    # A decision not to progress needs neither, and closes the assessment.
    journeys.decide_stage_1(db, manager, journey, decision=Stage1Decision.NOT_PROGRESS, on=date(2026, 3, 3),
                            now=at(date(2026, 3, 3)))
    assert journey.status == JourneyStatus.NOT_PROGRESSED and journey.household.stage == HouseholdStage.NOT_APPROVED
    with pytest.raises(DomainError, match="assessment has ended"):
        journeys.pause(db, manager, journey, on=date(2026, 3, 4), reason=PauseReason.APPLICANTS_REQUEST,
                       now=at(date(2026, 3, 4)))


def test_decisions_belong_to_the_team_manager(db, ctx, manager):
    social_worker = create_staff(db, agency=manager.agency, role=StaffRole.SOCIAL_WORKER)
    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 1, 5))
    journeys.record_date_step(db, social_worker, journey, "stage-1-meeting", on=date(2026, 3, 2), now=at(date(2026, 3, 2)))
    with pytest.raises(NotAllowed, match="Only a team manager"):
        journeys.decide_stage_1(db, social_worker, journey, decision=Stage1Decision.NOT_PROGRESS, on=date(2026, 3, 2),
                                now=at(date(2026, 3, 2)))


def test_dates_in_the_future_and_before_the_stage_are_refused(db, ctx, manager):
    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 1, 5))
    with pytest.raises(DomainError, match="today or in the past"):
        journeys.record_date_step(db, manager, journey, "workbook", on=date(2026, 2, 2), now=at(date(2026, 2, 1)))
    with pytest.raises(DomainError, match="on or after the start of Stage 1"):
        journeys.record_date_step(db, manager, journey, "workbook", on=date(2026, 1, 2), now=at(date(2026, 2, 1)))
    # A meeting may be booked ahead.
    journeys.record_date_step(db, manager, journey, "stage-1-meeting", on=date(2026, 3, 2), now=at(date(2026, 2, 1)))


def test_a_paused_assessment_takes_no_decisions(db, ctx, manager):
    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 1, 5))
    journeys.record_date_step(db, manager, journey, "stage-1-meeting", on=date(2026, 2, 2), now=at(date(2026, 2, 2)))
    journeys.pause(db, manager, journey, on=date(2026, 2, 3), reason=PauseReason.APPLICANTS_REQUEST, now=at(date(2026, 2, 3)))
    with pytest.raises(DomainError, match="paused"):
        journeys.decide_stage_1(db, manager, journey, decision=Stage1Decision.NOT_PROGRESS, on=date(2026, 2, 4),
                                now=at(date(2026, 2, 4)))
    with pytest.raises(DomainError, match="paused since 3 February 2026"):
        journeys.pause(db, manager, journey, on=date(2026, 2, 4), reason=PauseReason.APPLICANTS_REQUEST,
                       now=at(date(2026, 2, 4)))


def test_a_stale_version_is_refused(db, ctx, manager):
    journey = create_journey(db, agency=manager.agency, stage1_started_on=date(2026, 1, 5))
    seen = journey.version
    journeys.record_date_step(db, manager, journey, "workbook", on=date(2026, 2, 2), expected_version=seen,
                              now=at(date(2026, 2, 2)))
    with pytest.raises(Conflict, match="Someone else changed this household's record"):
        journeys.record_date_step(db, manager, journey, "stage-1-plan", on=date(2026, 1, 9), expected_version=seen,
                                  now=at(date(2026, 2, 2)))


def test_two_staff_saving_at_once_do_not_overwrite_each_other(committed_app):
    """Both load the record; the first saves; the second's save fails at the database, not silently."""
    database = committed_app.extensions["db"]
    with committed_app.app_context(), database.session() as setup:
        manager = create_staff(setup, role=StaffRole.TEAM_MANAGER)
        journey = create_journey(setup, agency=manager.agency, stage1_started_on=date(2026, 1, 5))
        setup.commit()
        journey_id, manager_id = journey.id, manager.id
    with committed_app.app_context():
        first, second = database.session(), database.session()
        try:
            mine = first.get(Journey, journey_id)
            theirs = second.get(Journey, journey_id)
            assert mine.version == theirs.version
            second.commit()  # each page load is a request of its own: nothing is held open between them
            journeys.record_date_step(first, first.get(type(manager), manager_id), mine, "workbook",
                                      on=date(2026, 2, 2), now=at(date(2026, 2, 2)))
            first.commit()
            with pytest.raises(Conflict):
                journeys.record_date_step(second, second.get(type(manager), manager_id), theirs, "stage-1-plan",
                                          on=date(2026, 1, 9), now=at(date(2026, 2, 2)))
            second.rollback()
        finally:
            first.close()
            second.close()
    with database.session() as check:
        saved = check.get(Journey, journey_id)
        assert saved.workbook_completed_on == date(2026, 2, 2) and saved.stage1_plan_agreed_on is None


def test_the_second_of_two_forms_gets_a_reload_message(client, db):
    manager = create_staff(db, role=StaffRole.TEAM_MANAGER)
    journey = create_journey(db, agency=manager.agency)
    other = create_staff(db, role=StaffRole.TEAM_MANAGER, agency=manager.agency)
    second_client = client.application.test_client()
    sign_in(client, manager.email, PASSWORD)
    sign_in(second_client, other.email, PASSWORD)
    url = f"/staff/households/{journey.household_id}/journey/steps/workbook"
    today = today_in_london()
    day = {"on": [str(today.day), str(today.month), str(today.year)]}
    page_one = client.get(url).get_data(as_text=True)
    page_two = second_client.get(url).get_data(as_text=True)
    version = str(journey.version)
    assert f'name="version" type="hidden" value="{version}"' in page_one or f'value="{version}"' in page_one
    first = client.post(url, data={"csrf_token": csrf_from(page_one), "version": version, **day})
    assert first.status_code == 303
    yesterday = today - timedelta(days=1)
    second = second_client.post(url, data={"csrf_token": csrf_from(page_two), "version": version,
                                           "on": [str(yesterday.day), str(yesterday.month), str(yesterday.year)]})
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "Someone else changed this household&#39;s record while you were working on it" in html
    assert "Reload the page" in html
    db.expire_all()
    assert db.get(Journey, journey.id).workbook_completed_on == today


def test_illegal_step_through_the_page_shows_the_message(client, db):
    manager = create_staff(db, role=StaffRole.TEAM_MANAGER)
    journey = create_journey(db, agency=manager.agency)
    sign_in(client, manager.email, PASSWORD)
    today = today_in_london()
    url = f"/staff/households/{journey.household_id}/journey/notice"
    response = post_form(client, url, {"version": str(journey.version), "on": [str(today.day), str(today.month), str(today.year)]})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Stage 2 cannot start before the Stage 1 decision is recorded" in html
    assert "govuk-error-summary" in html
    assert f'value="{today.year}"' in html  # the answers are kept
    assert db.scalar(select(Journey.stage2_started_on).where(Journey.id == journey.id)) is None


@pytest.mark.parametrize("role", [StaffRole.SOCIAL_WORKER, StaffRole.RECRUITMENT_OFFICER])
def test_only_team_managers_and_hub_staff_start_stage_1(db, ctx, role):
    from tests.factories import create_household, hub_agency

    household = create_household(db, stage=HouseholdStage.ROI_SUBMITTED)
    staff = create_staff(db, agency=household.agency, role=role)
    with pytest.raises(NotAllowed, match="Only a team manager or hub administrator can start Stage 1"):
        journeys.enter_stage_1(db, staff, household, on=date(2026, 1, 5), now=at(date(2026, 1, 5)))
    with pytest.raises(NotAllowed):
        journeys.enter_stage_1(db, None, household, on=date(2026, 1, 5), now=at(date(2026, 1, 5)))
    assert household.stage == HouseholdStage.ROI_SUBMITTED
    assert journeys.current_journey(db, household) is None
    hub_admin = create_staff(db, agency=hub_agency(db), role=StaffRole.HUB_ADMIN)
    journey = journeys.enter_stage_1(db, hub_admin, household, on=date(2026, 1, 5), now=at(date(2026, 1, 5)))
    assert household.stage == HouseholdStage.STAGE_1 and journey.stage1_started_on == date(2026, 1, 5)


@pytest.mark.parametrize("version", [None, "", "abc", "3.0", " "])
def test_a_missing_or_altered_version_is_a_conflict_not_a_silent_save(client, db, version):
    manager = create_staff(db, role=StaffRole.TEAM_MANAGER)
    journey = create_journey(db, agency=manager.agency)
    sign_in(client, manager.email, PASSWORD)
    today = today_in_london()
    data = {"on": [str(today.day), str(today.month), str(today.year)]}
    if version is not None:
        data["version"] = version
    response = post_form(client, f"/staff/households/{journey.household_id}/journey/steps/workbook", data)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "We could not tell which version of this record the page showed" in html
    assert "govuk-error-summary" in html
    assert db.scalar(select(Journey.workbook_completed_on).where(Journey.id == journey.id)) is None


def test_region_wide_closure_days_are_unique_in_the_database(db):
    from sqlalchemy.exc import IntegrityError

    from portal.models import ClosureDay
    from tests.factories import create_agency

    agency = create_agency(db)
    # One region-wide day and one for an agency on the same date may live side by side.
    db.add_all([ClosureDay(agency_id=None, closed_on=date(2026, 12, 29), reason=""),
                ClosureDay(agency_id=agency.id, closed_on=date(2026, 12, 29), reason="")])
    db.flush()
    with pytest.raises(IntegrityError):
        with db.begin_nested():
            db.add(ClosureDay(agency_id=None, closed_on=date(2026, 12, 29), reason=""))
            db.flush()


@pytest.mark.parametrize("for_one_agency", [False, True])
def test_a_closure_day_added_twice_at_once_is_refused_cleanly(db, ctx, for_one_agency):
    """The other administrator's row lands between this one's check and its insert: the
    database's constraint refuses it and the administrator sees the usual message."""
    from sqlalchemy import event, insert

    from portal.models import ClosureDay
    from tests.factories import create_agency, hub_agency

    hub_admin = create_staff(db, agency=hub_agency(db), role=StaffRole.HUB_ADMIN)
    agency_id = create_agency(db).id if for_one_agency else None
    day = date(2026, 12, 29)

    def the_other_administrator(state):
        if state.is_select and "closure_days" in str(state.statement):
            event.remove(db, "do_orm_execute", the_other_administrator)
            result = state.invoke_statement()
            state.session.connection().execute(insert(ClosureDay).values(agency_id=agency_id, closed_on=day, reason=""))
            return result
        return None

    event.listen(db, "do_orm_execute", the_other_administrator)
    with pytest.raises(DomainError, match="That closure day is already recorded"):
        journeys.add_closure_day(db, hub_admin, on=day, agency_id=agency_id, now=at(date(2026, 12, 1)))
    # The session is still usable, and only the other administrator's row exists.
    assert len(db.scalars(select(ClosureDay).where(ClosureDay.closed_on == day)).all()) == 1
