"""The recruitment team's queue and the enquiry record: scope, clocks, actions, export."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import event, func, select

from portal.clock import today_in_london, utcnow
from portal.models import (
    AuditEvent, CloseReason, DueKind, Enquiry, EnquiryActivity, EnquiryStatus, OutboxMessage, StaffRole,
)
from tests.factories import PASSWORD, create_agency, create_enquiry, create_staff, hub_agency
from tests.support import post_form, sign_in


def staff_client(client, db, *, agency=None, role=StaffRole.RECRUITMENT_OFFICER):
    user = create_staff(db, agency=agency, role=role)
    sign_in(client, user.email, PASSWORD)
    return user


def audit_rows(db, action: str, object_id=None):
    query = select(AuditEvent).where(AuditEvent.action == action)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    return list(db.scalars(query))


def test_staff_see_only_their_agencys_enquiries_and_the_hub_sees_all(app, client, db):
    hub = hub_agency(db)
    mine, theirs = create_agency(db), create_agency(db)
    own = create_enquiry(db, agency=mine, last_name="Ownagency")
    other = create_enquiry(db, agency=theirs, last_name="Otheragency")
    staff_client(client, db, agency=mine)
    html = client.get("/staff/enquiries").get_data(as_text=True)
    assert "Ownagency" in html and "Otheragency" not in html
    assert client.get(f"/staff/enquiries/{own.id}").status_code == 200
    for url in (f"/staff/enquiries/{other.id}", f"/staff/enquiries/{other.id}/status", f"/staff/enquiries/{other.id}/visit",
                f"/staff/enquiries/{other.id}/transfer"):
        assert client.get(url).status_code == 404, url
    denied = audit_rows(db, "denied", other.id)
    assert denied and denied[0].agency_id == theirs.id
    csv_text = client.get("/staff/enquiries/export.csv").get_data(as_text=True)
    assert "Ownagency" in csv_text and "Otheragency" not in csv_text
    hub_client = app.test_client()
    sign_in(hub_client, create_staff(db, agency=hub, role=StaffRole.HUB_ADMIN).email, PASSWORD)
    html = hub_client.get("/staff/enquiries").get_data(as_text=True)
    assert "Ownagency" in html and "Otheragency" in html


def test_households_and_the_public_cannot_reach_the_queue(app, client, db):
    from tests.factories import create_household

    enquiry = create_enquiry(db)
    assert client.get("/staff/enquiries").status_code == 302  # to sign in
    household = create_household(db)
    sign_in(client, household.applicants[0].email, PASSWORD)
    assert client.get("/staff/enquiries").status_code == 403
    assert client.get(f"/staff/enquiries/{enquiry.id}").status_code == 403


def test_overdue_enquiries_stand_out_and_come_first(client, db):
    agency = create_agency(db)
    today = today_in_london()
    create_enquiry(db, agency=agency, last_name="Ontrack", first_contact_due_on=today + timedelta(days=3))
    create_enquiry(db, agency=agency, last_name="Latecomer", first_contact_due_on=today - timedelta(days=2))
    create_enquiry(db, agency=agency, last_name="Todaysone", first_contact_due_on=today)
    create_enquiry(db, agency=agency, last_name="Contactedone", status=EnquiryStatus.CONTACTED)
    staff_client(client, db, agency=agency)
    html = client.get("/staff/enquiries").get_data(as_text=True)
    assert html.index("Latecomer") < html.index("Todaysone") < html.index("Ontrack") < html.index("Contactedone")
    assert "1 overdue, 1 due today" in html
    assert 'app-status--overdue">Overdue' in html and 'app-status--due-soon">Due today' in html
    overdue_only = client.get("/staff/enquiries?overdue=1").get_data(as_text=True)
    assert "Latecomer" in overdue_only and "Ontrack" not in overdue_only
    home = client.get("/staff").get_data(as_text=True)
    assert "1 overdue" in home and "First contact with a new enquirer" in home


def test_search_filters_sorting_and_pages(client, db):
    agency = create_agency(db)
    me = staff_client(client, db, agency=agency)
    create_enquiry(db, agency=agency, first_name="Aoife", last_name="Ó Súilleabháin", email="aoife@example.com",
                   phone="07700900111", postcode="NV1 2AB")
    create_enquiry(db, agency=agency, last_name="Zed", status=EnquiryStatus.CONTACTED, assigned_to=me)
    create_enquiry(db, agency=agency, last_name="Closedone", status=EnquiryStatus.CLOSED, closed_reason=CloseReason.NOT_READY)
    for i in range(55):
        create_enquiry(db, agency=agency, last_name=f"Bulk{i:02d}", created_at=utcnow() - timedelta(days=100 + i))

    def page(query: str) -> str:
        return client.get("/staff/enquiries" + query).get_data(as_text=True)

    assert "Ó Súilleabháin" in page("?q=aoife") and "Zed" not in page("?q=aoife")
    assert "Ó Súilleabháin" in page("?q=0770+090+0111")
    assert "Ó Súilleabháin" in page("?q=nv1")
    assert "Zed" in page("?status=contacted") and "Bulk00" not in page("?status=contacted")
    assert "Closedone" not in page("") and "Closedone" in page("?status=closed")
    assert "Zed" in page("?assigned=me") and "Bulk01" not in page("?assigned=me")
    assert "Zed" not in page("?assigned=none")
    first = page("?sort=name")
    assert first.index("Bulk00") < first.index("Bulk01")
    assert "Showing 1 to 50 of 57" in first and "Page 1 of 2" in first
    second = page("?sort=name&page=2")
    assert "Showing 51 to 57 of 57" in second and "Zed" in second
    assert "Bulk" not in page("?q=nobody-has-this-name")


def test_a_literal_percent_sign_in_a_search_matches_only_itself(client, db):
    agency = create_agency(db)
    staff_client(client, db, agency=agency)
    create_enquiry(db, agency=agency, last_name="Plain")
    html = client.get("/staff/enquiries?q=%25").get_data(as_text=True)
    assert "No enquiries match these filters" in html


def test_viewing_an_enquiry_is_audited_and_shows_its_timeline(client, db):
    agency = create_agency(db)
    staff = staff_client(client, db, agency=agency)
    enquiry = create_enquiry(db, agency=agency)
    html = client.get(f"/staff/enquiries/{enquiry.id}").get_data(as_text=True)
    assert enquiry.full_name in html and enquiry.reference in html
    [viewed] = audit_rows(db, "viewed", enquiry.id)
    assert viewed.actor_id == staff.id and viewed.agency_id == agency.id
    for tail in ("status", "transfer", "visit"):
        assert client.get(f"/staff/enquiries/{enquiry.id}/{tail}").status_code == 200
    assert len(audit_rows(db, "viewed", enquiry.id)) == 4


def test_assignment_notes_and_status_changes_go_on_the_timeline(client, db):
    agency = create_agency(db)
    staff = staff_client(client, db, agency=agency)
    colleague = create_staff(db, agency=agency, first_name="Kemi")
    enquiry = create_enquiry(db, agency=agency)
    url = f"/staff/enquiries/{enquiry.id}"
    assert post_form(client, url + "/assign", {"assignee": str(colleague.id)}, page=url).status_code == 303
    assert post_form(client, url + "/notes", {"note": "Rang at 10am.\r\nNo answer; left a message."}, page=url).status_code == 303
    assert post_form(client, url + "/status", {"status": "contacted"}).status_code == 303
    db.refresh(enquiry)
    assert enquiry.assigned_to_id == colleague.id and enquiry.status == EnquiryStatus.CONTACTED
    assert enquiry.first_contacted_at is not None and enquiry.due_on is None
    html = client.get(url).get_data(as_text=True)
    assert "Assigned to Kemi" in html and "Rang at 10am.<br>No answer; left a message." in html
    assert "Status changed to Contacted" in html
    actions = {row.action for row in db.scalars(select(AuditEvent).where(AuditEvent.object_id == enquiry.id))}
    assert {"assigned", "note_added", "status_changed", "viewed"} <= actions
    assert staff.id in {row.actor_id for row in audit_rows(db, "status_changed", enquiry.id)}


def test_assigning_to_someone_from_another_agency_is_refused(client, db):
    agency, other = create_agency(db), create_agency(db)
    staff_client(client, db, agency=agency)
    outsider = create_staff(db, agency=other)
    enquiry = create_enquiry(db, agency=agency)
    url = f"/staff/enquiries/{enquiry.id}"
    response = post_form(client, url + "/assign", {"assignee": str(outsider.id)}, page=url)
    assert response.status_code in (404, 422)
    db.refresh(enquiry)
    assert enquiry.assigned_to_id is None


def test_closing_needs_a_reason_and_keeps_it(client, db):
    agency = create_agency(db)
    staff_client(client, db, agency=agency)
    enquiry = create_enquiry(db, agency=agency)
    url = f"/staff/enquiries/{enquiry.id}/status"
    response = post_form(client, url, {"status": "closed"})
    assert response.status_code == 422
    assert "Select why you are closing this enquiry" in response.get_data(as_text=True)
    response = post_form(client, url, {"status": "closed", "reason": "moved_away", "note": "Moved to Wales"})
    assert response.status_code == 303
    db.refresh(enquiry)
    assert enquiry.status == EnquiryStatus.CLOSED and enquiry.closed_reason == CloseReason.MOVED_AWAY
    assert enquiry.closed_note == "Moved to Wales" and enquiry.due_on is None
    # Reopening clears the reason.
    assert post_form(client, url, {"status": "new"}).status_code == 303
    db.refresh(enquiry)
    assert enquiry.closed_reason is None and enquiry.status == EnquiryStatus.NEW


def test_transfer_moves_the_enquiry_and_is_audited_on_both_agencies(client, db):
    hub_agency(db)
    mine, theirs = create_agency(db), create_agency(db, email="adoption@theirs.example.org")
    staff = staff_client(client, db, agency=mine)
    enquiry = create_enquiry(db, agency=mine, assigned_to=staff)
    url = f"/staff/enquiries/{enquiry.id}/transfer"
    response = post_form(client, url, {"agency": str(theirs.id), "reason": ""})
    assert response.status_code == 422 and "Enter why you are transferring this enquiry" in response.get_data(as_text=True)
    response = post_form(client, url, {"agency": str(theirs.id), "reason": "Lives in their area"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/staff/enquiries")
    db.refresh(enquiry)
    assert enquiry.agency_id == theirs.id and enquiry.assigned_to_id is None
    transfers = audit_rows(db, "transferred", enquiry.id)
    assert {row.agency_id for row in transfers} == {mine.id, theirs.id}
    assert client.get(f"/staff/enquiries/{enquiry.id}").status_code == 404
    [notice] = db.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "adoption@theirs.example.org")).all()
    assert enquiry.reference in notice.body_text and enquiry.last_name not in notice.body_text


def test_bulk_assign_and_close(client, db):
    agency = create_agency(db)
    me = staff_client(client, db, agency=agency)
    rows = [create_enquiry(db, agency=agency) for _ in range(3)]
    ids = [str(e.id) for e in rows[:2]]
    response = post_form(client, "/staff/enquiries/bulk", {"ids": ids, "action": "assign", "assignee": str(me.id)},
                         page="/staff/enquiries")
    assert response.status_code == 303
    db.expire_all()
    assert [e.assigned_to_id for e in rows] == [me.id, me.id, None]
    response = post_form(client, "/staff/enquiries/bulk", {"ids": ids, "action": "close"}, page="/staff/enquiries")
    assert response.status_code == 422 and "Select why you are closing these enquiries" in response.get_data(as_text=True)
    response = post_form(client, "/staff/enquiries/bulk", {"ids": ids, "action": "close", "reason": "no_reply"},
                         page="/staff/enquiries")
    assert response.status_code == 303
    for e in rows[:2]:
        db.refresh(e)
        assert e.status == EnquiryStatus.CLOSED and e.closed_reason == CloseReason.NO_REPLY
    response = post_form(client, "/staff/enquiries/bulk", {"action": "contacted"}, page="/staff/enquiries")
    assert response.status_code == 422 and "Select at least one enquiry" in response.get_data(as_text=True)


def test_bulk_actions_on_another_agencys_enquiry_change_nothing(client, db):
    agency, other = create_agency(db), create_agency(db)
    staff_client(client, db, agency=agency)
    mine, theirs = create_enquiry(db, agency=agency), create_enquiry(db, agency=other)
    response = post_form(client, "/staff/enquiries/bulk", {"ids": [str(mine.id), str(theirs.id)], "action": "contacted"},
                         page="/staff/enquiries")
    assert response.status_code == 422
    db.expire_all()
    assert mine.status == EnquiryStatus.NEW and theirs.status == EnquiryStatus.NEW


def test_payloads_are_stored_as_text_and_escaped_everywhere(client, db):
    agency = create_agency(db)
    staff_client(client, db, agency=agency)
    enquiry = create_enquiry(db, agency=agency, first_name="<script>alert(1)</script>", last_name="=HYPERLINK(\"http://x\")",
                             message="line one\r\nBcc: victim@example.org\r\n\"><svg onload=alert(1)>")
    html = client.get(f"/staff/enquiries/{enquiry.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<svg onload" not in html and "&lt;svg onload=alert(1)&gt;" in html
    queue = client.get("/staff/enquiries").get_data(as_text=True)
    assert "<script>alert(1)" not in queue and "&lt;script&gt;" in queue
    rows = list(csv.reader(io.StringIO(client.get("/staff/enquiries/export.csv").get_data().decode("utf-8-sig"))))
    row = dict(zip(rows[0], rows[1]))
    assert row["First name"] == "<script>alert(1)</script>"
    assert row["Last name"] == "'=HYPERLINK(\"http://x\")"
    assert row["Message"] == "line one\r\nBcc: victim@example.org\r\n\"><svg onload=alert(1)>"


def test_the_export_is_formula_safe_rfc_4180_an_attachment_and_audited(client, db):
    agency = create_agency(db)
    staff = staff_client(client, db, agency=agency)
    for i, name in enumerate(["=1+1", "+44", "-2", "@SUM(A1)", "\tTabbed", "\rReturn", "Plain, with comma", 'Quote "me"']):
        create_enquiry(db, agency=agency, first_name=name, last_name=f"Row{i}")
    response = client.get("/staff/enquiries/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="enquiries.csv"'
    assert response.mimetype == "text/csv" and response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert body.count("\r\n") == 9 and '"Plain, with comma"' in body and '"Quote ""me"""' in body
    first_names = {row[5] for row in csv.reader(io.StringIO(body))}
    assert {"'=1+1", "'+44", "'-2", "'@SUM(A1)", "'\tTabbed", "'\rReturn", "Plain, with comma", 'Quote "me"'} <= first_names
    [exported] = audit_rows(db, "exported")
    assert exported.actor_id == staff.id and exported.agency_id == agency.id and "8 enquiries" in exported.summary


def test_the_queue_costs_the_same_statements_at_5_and_50_enquiries(app, client, db):
    hub = hub_agency(db)
    agency = create_agency(db)
    staff_client(client, db, agency=hub, role=StaffRole.HUB_ADMIN)
    colleague = create_staff(db, agency=agency)
    engine = app.extensions["db"].engine
    counts = []

    def count_statements():
        statements = []

        def listener(*_args):
            statements.append(1)

        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/staff/enquiries?sort=newest").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    for total in (5, 50):
        existing = db.scalar(select(func.count()).select_from(Enquiry))
        for i in range(total - existing):
            create_enquiry(db, agency=agency if i % 2 else hub, assigned_to=colleague if i % 3 else None)
        counts.append(count_statements())
    assert counts[0] == counts[1], counts


def test_clock_summary_counts_each_clock(app, db):
    from portal.services import triage

    agency = create_agency(db)
    staff = create_staff(db, agency=agency)
    today = today_in_london()
    create_enquiry(db, agency=agency, first_contact_due_on=today - timedelta(days=1))
    create_enquiry(db, agency=agency, status=EnquiryStatus.EVENING_ATTENDED, due_on=today, due_kind=DueKind.VISIT_OFFER)
    create_enquiry(db, agency=agency, status=EnquiryStatus.ROI_RECEIVED, due_on=today - timedelta(days=3),
                   due_kind=DueKind.ROI_DECISION)
    create_enquiry(db, agency=create_agency(db), first_contact_due_on=today - timedelta(days=1))  # not theirs
    summary = triage.clock_summary(db, staff)
    assert summary.overdue == {DueKind.FIRST_CONTACT: 1, DueKind.VISIT_OFFER: 0, DueKind.ROI_DECISION: 1}
    assert summary.due_today == {DueKind.FIRST_CONTACT: 0, DueKind.VISIT_OFFER: 1, DueKind.ROI_DECISION: 0}


def test_the_timeline_lists_emails_sent(client, db):
    hub_agency(db)
    agency = create_agency(db)
    staff_client(client, db, agency=agency)
    enquiry = create_enquiry(db, agency=agency)
    url = f"/staff/enquiries/{enquiry.id}"
    assert post_form(client, url + "/invite-to-register", {}, page=url).status_code == 303
    kinds = [a.kind.value for a in db.scalars(select(EnquiryActivity).where(EnquiryActivity.enquiry_id == enquiry.id))]
    assert "email" in kinds and "status" in kinds
    assert "Invitation to register interest sent" in client.get(url).get_data(as_text=True)


def test_two_people_changing_one_enquiry_at_once_get_a_message_not_a_lost_update(app, client, db):
    import pytest

    from portal.services import enquiries
    from portal.services.errors import Conflict

    agency = create_agency(db)
    staff_client(client, db, agency=agency)
    colleague = create_staff(db, agency=agency)
    enquiry = create_enquiry(db, agency=agency)
    assert enquiry.version == 1  # this session's copy, about to go stale
    assert post_form(client, f"/staff/enquiries/{enquiry.id}/status", {"status": "contacted"}).status_code == 303
    with app.app_context(), pytest.raises(Conflict) as caught:
        enquiries.assign(db, colleague, enquiry, colleague)
    # What the routes show instead of a server error: the service raises it, like any refusal.
    error = caught.value
    assert isinstance(error, Conflict) and "Reload the page and try again" in error.message


def test_staff_see_nothing_of_another_agencys_enquiry_from_the_same_person(app, client, db):
    from portal.models import ApplyingAs, ContactMethod, ContactTime
    from portal.services import enquiries

    hub = hub_agency(db)
    agency_x = create_agency(db, short_name="Xshire", areas=["X area"])
    agency_y = create_agency(db, short_name="Yborough", areas=["Y area"])

    def enquire(area, phone):
        answers = enquiries.EnquiryAnswers(
            first_name="Pat", last_name="Twice", applying_as=ApplyingAs.ALONE, email="pat@example.com", phone=phone,
            contact_method=ContactMethod.EMAIL, contact_time=ContactTime.ANY, area_id=area.id)
        with app.app_context():
            return enquiries.submit_enquiry(db, answers)

    at_y = enquire(agency_y.areas[0], "07700900555")
    at_y.status = EnquiryStatus.CONTACTED
    at_x = enquire(agency_x.areas[0], None)
    db.flush()
    assert at_x.agency_id == agency_x.id and at_x.duplicate_of_id == at_y.id

    staff_client(client, db, agency=agency_x)
    html = client.get(f"/staff/enquiries/{at_x.id}").get_data(as_text=True)
    assert "This person has also contacted another partner agency: ask the hub." in html
    for leak in (at_y.reference, "Yborough", "Contacted", "07700900555", "other enquiry"):
        assert leak not in html, leak
    rows = list(csv.reader(io.StringIO(client.get("/staff/enquiries/export.csv").get_data().decode("utf-8-sig"))))
    row = dict(zip(rows[0], rows[1]))
    assert row["Enquired before as"] == "Another partner agency" and at_y.reference not in str(rows)
    with app.app_context():
        duplicates = enquiries.duplicates_of(db, create_staff(db, agency=agency_x), at_x)
    assert duplicates.enquiries == [] and duplicates.has_enquiries_elsewhere is True

    # The hub sees and links both; nothing is hidden from it, so there is nothing "elsewhere".
    hub_client = app.test_client()
    sign_in(hub_client, create_staff(db, agency=hub, role=StaffRole.HUB_ADMIN).email, PASSWORD)
    html = hub_client.get(f"/staff/enquiries/{at_x.id}").get_data(as_text=True)
    assert f'href="/staff/enquiries/{at_y.id}">{at_y.reference}</a>' in html and "Yborough" in html
    assert "ask the hub" not in html


def test_a_same_agency_duplicate_is_listed_with_its_link(client, db):
    agency = create_agency(db)
    first = create_enquiry(db, agency=agency)
    again = create_enquiry(db, agency=agency, duplicate_of=first)
    staff_client(client, db, agency=agency)
    html = client.get(f"/staff/enquiries/{again.id}").get_data(as_text=True)
    assert f'href="/staff/enquiries/{first.id}">{first.reference}</a>' in html and "1 other enquiry" in html
    assert "ask the hub" not in html


def test_csv_cells_strip_nul_and_defuse_every_formula_start():
    from portal.services.csv_cells import safe_cell

    for raw, cell in [("=1+1", "'=1+1"), ("+44", "'+44"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tTab", "'\tTab"),
                      ("\rCR", "'\rCR"), ("\nLF", "'\nLF"), ("\x00=HYPERLINK(1)", "'=HYPERLINK(1)"), ("a\x00b", "ab"),
                      ("Plain", "Plain"), (None, ""), (42, "42")]:
        assert safe_cell(raw) == cell, raw


def test_the_export_defuses_a_value_starting_with_a_line_feed(client, db):
    agency = create_agency(db)
    staff_client(client, db, agency=agency)
    create_enquiry(db, agency=agency, first_name="\n=1+1", last_name="Linefeed")
    rows = list(csv.reader(io.StringIO(client.get("/staff/enquiries/export.csv").get_data().decode("utf-8-sig"))))
    row = dict(zip(rows[0], rows[1]))
    assert row["First name"] == "'\n=1+1"


def test_exports_open_as_utf8_in_a_spreadsheet(client, db):
    from tests.factories import create_staff
    from tests.support import sign_in
    from tests.factories import PASSWORD

    staff = create_staff(db)
    sign_in(client, staff.email, PASSWORD)
    body = client.get("/staff/enquiries/export.csv").get_data()
    assert body.startswith("\ufeff".encode("utf-8"))  # Excel reads the names as UTF-8


def test_a_failed_note_says_error_in_the_page_title(client, db):
    agency = create_agency(db)
    staff_client(client, db, agency=agency)
    enquiry = create_enquiry(db, agency=agency)
    url = f"/staff/enquiries/{enquiry.id}"
    response = post_form(client, url + "/notes", {"note": ""}, page=url)
    assert response.status_code == 422
    assert "<title>Error: " in response.get_data(as_text=True)
