"""The household's progress page and the staff pages of the journey, through HTTP."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.clock import today_in_london
from portal.models import (
    AuditEvent, CaseNote, CheckOutcome, ClosureDay, HouseholdStage, Journey, OutboxMessage, Stage1Decision, StaffRole,
    StatutoryCheck,
)
from portal.services import journey as journeys
from tests.factories import (
    PASSWORD, complete_checks, complete_preparation_training, create_agency, create_household, create_journey,
    create_staff,
)
from tests.support import post_form, sign_in


def date_fields(day: date, name: str = "on") -> dict:
    return {name: [str(day.day), str(day.month), str(day.year)]}


@pytest.fixture()
def agency(db):
    return create_agency(db)


@pytest.fixture()
def manager(db, agency):
    return create_staff(db, agency=agency, role=StaffRole.TEAM_MANAGER)


@pytest.fixture()
def worker(db, agency):
    return create_staff(db, agency=agency, role=StaffRole.SOCIAL_WORKER, first_name="Grace", last_name="Adeyemi")


def test_household_sees_its_progress(client, db, worker):
    today = today_in_london()
    journey = create_journey(db, agency=worker.agency, applicants=2, stage1_started_on=today - timedelta(days=20))
    journey.household.social_worker = worker
    journey.stage1_plan_agreed_on = today - timedelta(days=15)
    db.flush()
    sign_in(client, journey.household.applicants[0].email, PASSWORD)
    html = client.get("/progress").get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-l\">Your progress</h1>" in html
    assert "Grace Adeyemi" in html
    assert 'class="app-journey"' in html and "app-journey__item--current" in html and "app-journey__item--done" in html
    assert "Checks and references: 0 of 18 back" in html
    assert "Stage 1 agreement signed" in html
    assert "Book and complete the Prepare to Adopt preparation training" in html
    due = journey.stage1_due_on
    assert f"Finish Stage 1</th>" in html and f"{due.day} {due.strftime('%B %Y')}" in html
    assert "app-status--on-track" in html
    assert 'href="/progress"' in html  # "Your progress" in the household's menu
    # Nothing of the staff side: no check outcomes, no notes.
    assert "Satisfactory" not in html


def test_household_without_a_journey_sees_what_comes_first(client, db):
    household = create_household(db, stage=HouseholdStage.REGISTERED)
    sign_in(client, household.applicants[0].email, PASSWORD)
    html = client.get("/progress").get_data(as_text=True)
    assert "Send us your registration of interest" in html


def test_household_tells_the_agency_it_is_ready_for_stage_2(client, db, manager):
    today = today_in_london()
    journey = create_journey(db, agency=manager.agency, stage1_started_on=today - timedelta(days=70))
    complete_checks(db, journey, on=today - timedelta(days=30))
    complete_preparation_training(db, journey.household, on=today - timedelta(days=30))
    journey.stage1_meeting_on = journey.stage1_decided_on = journey.break_started_on = today - timedelta(days=10)
    journey.stage1_decision = Stage1Decision.PROGRESS
    journey.household.stage = HouseholdStage.BREAK
    journeys.refresh_clocks(journey)
    db.flush()
    sign_in(client, journey.household.applicants[0].email, PASSWORD)
    assert "Tell us you are ready to start Stage 2" in client.get("/progress").get_data(as_text=True)
    page = client.get("/progress/start-stage-2").get_data(as_text=True)
    assert "Are you ready to start Stage 2?" in page
    response = post_form(client, "/progress/start-stage-2", {})
    assert response.status_code == 303
    db.expire_all()
    saved = db.get(Journey, journey.id)
    assert saved.notice_given_on == today and saved.stage2_started_on == today
    assert saved.household.stage == HouseholdStage.STAGE_2
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.household_id == journey.household_id,
                                                 OutboxMessage.subject == "Your Stage 2 has started")) is not None
    assert client.post("/progress/start-stage-2").status_code == 400  # no CSRF token: refused


def test_households_cannot_reach_staff_pages(client, db, manager):
    journey = create_journey(db, agency=manager.agency)
    sign_in(client, journey.household.applicants[0].email, PASSWORD)
    hid = journey.household_id
    for url in (f"/staff/households/{hid}/journey", "/staff/caseload", "/staff/journeys",
                f"/staff/households/{hid}/journey/steps/workbook"):
        assert client.get(url).status_code == 403, url


def test_staff_of_another_agency_get_404_and_the_refusal_is_audited(client, db, manager):
    journey = create_journey(db)  # another agency's household
    check = journey.checks[0]
    sign_in(client, manager.email, PASSWORD)
    hid = journey.household_id
    for url in (f"/staff/households/{hid}/journey", f"/staff/households/{hid}/journey/steps/workbook",
                f"/staff/households/{hid}/journey/pause", f"/staff/households/{hid}/checks/{check.id}",
                f"/staff/households/{hid}/social-worker", f"/staff/households/{hid}/notes/new"):
        assert client.get(url).status_code == 404, url
    denied = db.scalars(select(AuditEvent).where(AuditEvent.action == "denied", AuditEvent.household_id == hid)).all()
    assert denied
    response = post_form(client, f"/staff/households/{hid}/journey/steps/workbook",
                         {"version": "1", **date_fields(today_in_london())},
                         page="/staff/caseload")
    assert response.status_code == 404
    assert db.get(Journey, journey.id).workbook_completed_on is None


def test_a_check_of_another_household_is_not_found_under_this_one(client, db, manager):
    mine = create_journey(db, agency=manager.agency)
    theirs = create_journey(db, agency=manager.agency)
    sign_in(client, manager.email, PASSWORD)
    assert client.get(f"/staff/households/{mine.household_id}/checks/{theirs.checks[0].id}").status_code == 404
    assert client.get(f"/staff/households/{mine.household_id}/checks/{mine.checks[0].id}").status_code == 200


def test_hub_staff_see_every_agencys_record(client, db):
    journey = create_journey(db)
    hub_manager = create_staff(db, role=StaffRole.TEAM_MANAGER, agency=create_agency(db, is_hub=True, slug="hub-j"))
    sign_in(client, hub_manager.email, PASSWORD)
    assert client.get(f"/staff/households/{journey.household_id}/journey").status_code == 200


def test_the_journey_record_shows_every_part_and_is_audited(client, db, manager):
    journey = create_journey(db, agency=manager.agency, applicants=2)
    db.add(CaseNote(household_id=journey.household_id, author_id=manager.id, body="Called about <b>references</b>"))
    db.flush()
    sign_in(client, manager.email, PASSWORD)
    html = client.get(f"/staff/households/{journey.household_id}/journey").get_data(as_text=True)
    for text in ("Due dates", "Stage 1 finished", "app-status--", "Statutory checks", "Enhanced DBS check",
                 "Personal reference", "Timeline", "Audit trail", "Pause the assessment", "Record a withdrawal",
                 "Called about &lt;b&gt;references&lt;/b&gt;"):
        assert text in html, text
    assert "<b>references</b>" not in html
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "viewed", AuditEvent.household_id == journey.household_id))


def test_recording_a_step_saves_audits_and_emails(client, db, worker):
    today = today_in_london()
    journey = create_journey(db, agency=worker.agency, stage1_started_on=today - timedelta(days=5))
    sign_in(client, worker.email, PASSWORD)
    url = f"/staff/households/{journey.household_id}/journey/steps/stage-1-plan"
    response = post_form(client, url, {"version": str(journey.version), **date_fields(today), "stage": "approved"})
    assert response.status_code == 303
    db.expire_all()
    saved = db.get(Journey, journey.id)
    assert saved.stage1_plan_agreed_on == today
    assert saved.household.stage == HouseholdStage.STAGE_1  # extra fields are ignored
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "journey_step", AuditEvent.household_id == journey.household_id))
    assert event.changes == {"stage1_plan_agreed_on": [None, today.isoformat()]}
    [message] = db.scalars(select(OutboxMessage).where(OutboxMessage.household_id == journey.household_id)).all()
    assert message.subject == "Your Stage 1 agreement" and "/progress" in message.body_text
    assert "Stage 1 agreement: saved" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("fields, message", [
    ({}, "Enter the date"),
    ({"on": ["31", "2", "2026"]}, "must be a real date"),
    ({"on": ["3", "", "2026"]}, "must include a day, month and year"),
    ({"on": ["3", "2", "26"]}, "Year must include 4 numbers"),
])
def test_date_errors_are_shown_with_the_answers_kept(client, db, worker, fields, message):
    journey = create_journey(db, agency=worker.agency)
    sign_in(client, worker.email, PASSWORD)
    url = f"/staff/households/{journey.household_id}/journey/steps/workbook"
    response = post_form(client, url, {"version": str(journey.version), **fields})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "There is a problem" in html
    if fields.get("on"):
        assert f'value="{fields["on"][2]}"' in html


def test_step_without_csrf_is_refused(client, db, worker):
    journey = create_journey(db, agency=worker.agency)
    sign_in(client, worker.email, PASSWORD)
    url = f"/staff/households/{journey.household_id}/journey/steps/workbook"
    response = client.post(url, data={"version": str(journey.version), **date_fields(today_in_london())})
    assert response.status_code == 400
    assert db.get(Journey, journey.id).workbook_completed_on is None


def test_social_workers_cannot_take_decisions_through_the_pages(client, db, worker):
    journey = create_journey(db, agency=worker.agency)
    sign_in(client, worker.email, PASSWORD)
    hid = journey.household_id
    for url in (f"/staff/households/{hid}/journey/stage-1-decision", f"/staff/households/{hid}/journey/agency-decision",
                f"/staff/households/{hid}/social-worker", f"/staff/households/{hid}/journey/fast-track"):
        assert client.get(url).status_code == 403, url


def test_manager_allocates_a_social_worker_from_the_agency(client, db, manager, worker):
    household = create_household(db, agency=manager.agency)
    outsider = create_staff(db, role=StaffRole.SOCIAL_WORKER)
    sign_in(client, manager.email, PASSWORD)
    url = f"/staff/households/{household.id}/social-worker"
    refused = post_form(client, url, {"version": str(household.version), "social_worker": str(outsider.id)})
    assert refused.status_code == 422 and "Not a valid choice" in refused.get_data(as_text=True)
    response = post_form(client, url, {"version": str(household.version), "social_worker": str(worker.id)})
    assert response.status_code == 303
    db.expire_all()
    assert household.social_worker_id == worker.id
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.household_id == household.id,
                                                 OutboxMessage.subject == "Your social worker"))


def test_manager_starts_stage_1_and_fast_tracks(client, db, manager):
    first = create_household(db, agency=manager.agency, stage=HouseholdStage.ROI_SUBMITTED)
    second = create_household(db, agency=manager.agency)
    sign_in(client, manager.email, PASSWORD)
    today = today_in_london()
    assert post_form(client, f"/staff/households/{first.id}/journey/start", date_fields(today)).status_code == 303
    response = post_form(client, f"/staff/households/{second.id}/journey/fast-track",
                         {"reason": "previous_adopters", **date_fields(today)})
    assert response.status_code == 303
    db.expire_all()
    assert first.stage == HouseholdStage.STAGE_1 and second.stage == HouseholdStage.STAGE_2
    again = post_form(client, f"/staff/households/{first.id}/journey/fast-track", {"reason": "foster_carers", **date_fields(today)})
    assert again.status_code == 422 and "has not started Stage 1 can be fast tracked" in again.get_data(as_text=True)


def test_updating_a_check(client, db, worker):
    journey = create_journey(db, agency=worker.agency)
    check = journey.checks[0]
    sign_in(client, worker.email, PASSWORD)
    url = f"/staff/households/{journey.household_id}/checks/{check.id}"
    today = today_in_london()
    early = post_form(client, url, {"version": str(check.version), "outcome": "satisfactory", **date_fields(today, "requested_on")})
    assert early.status_code == 422 and "Enter when the check came back" in early.get_data(as_text=True)
    response = post_form(client, url, {"version": str(check.version), "outcome": "satisfactory", "detail": "Mrs Example",
                                       **date_fields(today - timedelta(days=3), "requested_on"),
                                       **date_fields(today, "received_on")})
    assert response.status_code == 303
    db.expire_all()
    saved = db.get(StatutoryCheck, check.id)
    assert saved.outcome == CheckOutcome.SATISFACTORY and saved.received_on == today and saved.detail == "Mrs Example"


def test_caseload_and_managers_view(client, db, manager, worker):
    today = today_in_london()
    overdue = create_journey(db, agency=manager.agency, stage1_started_on=today - timedelta(days=90))
    on_track = create_journey(db, agency=manager.agency, stage1_started_on=today - timedelta(days=5))
    overdue.household.social_worker = worker
    db.flush()
    other_agency = create_journey(db, stage1_started_on=today - timedelta(days=90))
    sign_in(client, worker.email, PASSWORD)
    mine = client.get("/staff/caseload").get_data(as_text=True)
    assert overdue.household.reference in mine and on_track.household.reference not in mine
    assert "Overdue: 1" in mine
    client = client.application.test_client()
    sign_in(client, manager.email, PASSWORD)
    everyone = client.get("/staff/journeys").get_data(as_text=True)
    assert overdue.household.reference in everyone and on_track.household.reference in everyone
    assert other_agency.household.reference not in everyone
    assert everyone.index(overdue.household.reference) < everyone.index(on_track.household.reference)
    assert "app-status--overdue" in everyone and "Stage 1: 90" in everyone
    filtered = client.get("/staff/journeys?status=on_track").get_data(as_text=True)
    assert on_track.household.reference in filtered and overdue.household.reference not in filtered
    assert client.get("/staff/journeys?status=nonsense&stage=zzz&social_worker=abc").status_code == 200


def test_hub_administrator_records_closure_days(client, db):
    hub_admin = create_staff(db, role=StaffRole.HUB_ADMIN)
    sign_in(client, hub_admin.email, PASSWORD)
    next_year = today_in_london().year + 1
    day = date(next_year, 12, 29) if date(next_year, 12, 29).weekday() < 5 else date(next_year, 12, 30)
    response = post_form(client, "/staff/closure-days", {"agency": "0", "reason": "Council closure", **date_fields(day)})
    assert response.status_code == 303
    closure = db.scalar(select(ClosureDay).where(ClosureDay.closed_on == day))
    assert closure is not None and closure.agency_id is None
    duplicate = post_form(client, "/staff/closure-days", {"agency": "0", **date_fields(day)})
    assert duplicate.status_code == 422 and "already recorded" in duplicate.get_data(as_text=True)
    christmas = post_form(client, "/staff/closure-days", {"agency": "0", **date_fields(date(next_year, 12, 25))})
    assert christmas.status_code == 422
    assert post_form(client, f"/staff/closure-days/{closure.id}/delete", {}, page="/staff/closure-days").status_code == 303
    assert db.scalar(select(ClosureDay).where(ClosureDay.closed_on == day)) is None


def test_only_hub_administrators_manage_closure_days(client, db, manager):
    sign_in(client, manager.email, PASSWORD)
    assert client.get("/staff/closure-days").status_code == 403


def test_timeline_lists_steps_emails_and_notes(client, db, app, manager):
    today = today_in_london()
    journey = create_journey(db, agency=manager.agency, stage1_started_on=today - timedelta(days=5))
    sign_in(client, manager.email, PASSWORD)
    hid = journey.household_id
    assert post_form(client, f"/staff/households/{hid}/notes/new", {"body": "Spoke to both applicants"}).status_code == 303
    assert post_form(client, f"/staff/households/{hid}/journey/steps/stage-1-plan",
                     {"version": str(journey.version), **date_fields(today)}).status_code == 303
    html = client.get(f"/staff/households/{hid}/journey").get_data(as_text=True)
    timeline = html.split("<h2 class=\"govuk-heading-m\">Timeline</h2>")[1].split("Audit trail")[0]
    for text in ("Stage 1 started", "Stage 1 agreement signed", "Email: Your Stage 1 agreement", "Spoke to both applicants"):
        assert text in timeline, text


def test_panel_outcome_page_uses_the_configured_working_days(client, db, app, worker, monkeypatch):
    today = today_in_london()
    journey = create_journey(db, agency=worker.agency, household_stage=HouseholdStage.STAGE_2,
                             stage1_started_on=today - timedelta(days=150), stage2_started_on=today - timedelta(days=60),
                             par_shared_on=today - timedelta(days=40), panel_on=today - timedelta(days=2))
    sign_in(client, worker.email, PASSWORD)
    monkeypatch.setitem(app.config, "ADM_DECISION_WORKING_DAYS", 12)
    response = post_form(client, f"/staff/households/{journey.household_id}/journey/panel-outcome",
                         {"version": str(journey.version), "recommendation": "approve",
                          **date_fields(today - timedelta(days=1), "minutes_on")})
    assert response.status_code == 303
    db.expire_all()
    saved = db.get(Journey, journey.id)
    assert saved.adm_working_days == 12
    assert saved.adm_due_on == journeys.due_dates(saved)["adm_due_on"]


def test_opening_a_check_is_audited(client, db, worker):
    journey = create_journey(db, agency=worker.agency)
    check = journey.checks[0]
    sign_in(client, worker.email, PASSWORD)
    page = client.get(f"/staff/households/{journey.household_id}/checks/{check.id}")
    assert page.status_code == 200
    viewed = db.scalars(select(AuditEvent).where(AuditEvent.action == "viewed", AuditEvent.object_type == "StatutoryCheck",
                                                 AuditEvent.object_id == check.id)).all()
    assert len(viewed) == 1
    assert viewed[0].actor_id == worker.id and viewed[0].household_id == journey.household_id
    assert viewed[0].agency_id == worker.agency_id and check.kind.label.lower() in viewed[0].summary


def test_the_caseload_and_the_managers_view_are_audited(client, db, manager, worker):
    create_journey(db, agency=manager.agency)
    sign_in(client, worker.email, PASSWORD)
    assert client.get("/staff/caseload").status_code == 200
    manager_client = client.application.test_client()
    sign_in(manager_client, manager.email, PASSWORD)
    assert manager_client.get("/staff/journeys?status=on_track").status_code == 200
    rows = db.scalars(select(AuditEvent).where(AuditEvent.action == "viewed", AuditEvent.object_type == "Household",
                                               AuditEvent.object_id.is_(None))).all()
    by_actor = {row.actor_id: row for row in rows}
    assert set(by_actor) == {worker.id, manager.id}
    assert "caseload" in by_actor[worker.id].summary
    assert "journeys overview" in by_actor[manager.id].summary and "1 matching" in by_actor[manager.id].summary
    assert by_actor[manager.id].agency_id == manager.agency_id


def test_the_record_timeline_includes_the_households_bookings(client, db, app, manager):
    from portal.models import Booking, BookingStatus
    from tests.factories import create_event

    journey = create_journey(db, agency=manager.agency)
    event = create_event(db, title="Prepare to Adopt, day one")
    db.add(Booking(reference="BK-TL0001", event_id=event.id, household_id=journey.household_id, places=1,
                   status=BookingStatus.WAITING))
    db.flush()
    titles = [item.title for item in journeys.record_for(db, journey.household, today=today_in_london()).timeline]
    assert "Booked: Prepare to Adopt, day one" not in titles
    record = journeys.record_for(db, journey.household, today=today_in_london(), include_bookings=True)
    [item] = [item for item in record.timeline if item.kind == "booking"]
    assert item.title == "Booked: Prepare to Adopt, day one" and item.body.startswith("Waiting, for ")
    sign_in(client, manager.email, PASSWORD)
    html = client.get(f"/staff/households/{journey.household_id}/journey").get_data(as_text=True)
    timeline = html.split("<h2 class=\"govuk-heading-m\">Timeline</h2>")[1].split("Audit trail")[0]
    assert "Booked: Prepare to Adopt, day one" in timeline


def test_date_steps_are_offered_only_while_the_service_would_accept_them(client, db, manager):
    today = today_in_london()
    journey = create_journey(db, agency=manager.agency, household_stage=HouseholdStage.STAGE_2,
                             stage1_started_on=today - timedelta(days=150), stage1_decided_on=today - timedelta(days=90),
                             stage1_decision=Stage1Decision.PROGRESS, break_started_on=today - timedelta(days=90),
                             notice_given_on=today - timedelta(days=60), stage2_started_on=today - timedelta(days=60),
                             par_shared_on=today - timedelta(days=40), panel_on=today - timedelta(days=2))
    record = journeys.record_for(db, journey.household, today=today)
    assert not record.step_open("workbook")  # Stage 1 is decided
    assert record.step_open("midway-meeting") and record.step_open("panel-date")
    assert not record.step_open("review-requested")
    hid = journey.household_id
    sign_in(client, manager.email, PASSWORD)
    html = client.get(f"/staff/households/{hid}/journey").get_data(as_text=True)
    assert f"/staff/households/{hid}/journey/steps/panel-date" in html
    assert f"/staff/households/{hid}/journey/steps/workbook" not in html
    assert post_form(client, f"/staff/households/{hid}/journey/panel-outcome",
                     {"version": str(journey.version), "recommendation": "approve",
                      **date_fields(today - timedelta(days=1), "minutes_on")}).status_code == 303
    db.expire_all()
    record = journeys.record_for(db, db.get(Journey, journey.id).household, today=today)
    # The panel has recommended: its date is history, and the service refuses to change it.
    assert not record.step_open("panel-date") and record.step_open("midway-meeting")
    html = client.get(f"/staff/households/{hid}/journey").get_data(as_text=True)
    assert f"/staff/households/{hid}/journey/steps/panel-date" not in html
    refused = post_form(client, f"/staff/households/{hid}/journey/steps/panel-date",
                        {"version": str(record.journey.version), **date_fields(today)})
    assert refused.status_code == 422 and "the panel date can no longer change" in refused.get_data(as_text=True)


def test_a_check_that_came_back_needs_its_outcome(client, db, worker):
    journey = create_journey(db, agency=worker.agency)
    check = journey.checks[0]
    sign_in(client, worker.email, PASSWORD)
    url = f"/staff/households/{journey.household_id}/checks/{check.id}"
    today = today_in_london()
    response = post_form(client, url, {"version": str(check.version), "outcome": "pending",
                                       **date_fields(today - timedelta(days=3), "requested_on"),
                                       **date_fields(today, "received_on")})
    assert response.status_code == 422
    assert "Select the outcome of the check that came back" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(StatutoryCheck, check.id).received_on is None
