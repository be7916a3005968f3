"""After the information evening: the link to ask for an initial visit, and staff recording
the offer, the date and the outcome against the 4-week clock."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from portal.clock import today_in_london
from portal.models import DueKind, EnquiryStatus, EnquiryTokenPurpose, OutboxMessage, StaffRole, VisitMethod, VisitOutcome
from portal.services import enquiries
from tests.factories import PASSWORD, create_agency, create_enquiry, create_staff, hub_agency
from tests.support import post_form, sign_in


def emails_to(db, address, template=None):
    query = select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)
    if template:
        query = query.where(OutboxMessage.template == template)
    return list(db.scalars(query))


def link_in(message: OutboxMessage) -> str:
    return re.search(r"https://portal\.example\.org(/\S+)", message.body_text).group(1)


def attended(app, db, enquiry, *, now=None):
    with app.app_context():
        enquiries.on_information_evening_booked(db, enquiry, now=now)
        enquiries.on_information_evening_attended(db, enquiry, now=now)
    db.flush()


def test_booking_and_attending_move_the_enquiry_on_and_start_the_visit_clock(app, db):
    enquiry = create_enquiry(db)
    attended(app, db, enquiry, now=datetime(2026, 3, 10, 20, tzinfo=timezone.utc))
    assert enquiry.status == EnquiryStatus.EVENING_ATTENDED
    assert enquiry.evening_attended_on == date(2026, 3, 10)
    assert enquiry.visit_offer_due_on == date(2026, 4, 7)  # 4 weeks
    assert (enquiry.due_on, enquiry.due_kind) == (date(2026, 4, 7), DueKind.VISIT_OFFER)
    [email] = emails_to(db, enquiry.email, "enquiries/after_evening")
    assert "/enquire/initial-visit/" in email.body_text


def test_attendance_recorded_twice_sends_one_invitation(app, db):
    enquiry = create_enquiry(db)
    attended(app, db, enquiry)
    attended(app, db, enquiry)
    assert len(emails_to(db, enquiry.email, "enquiries/after_evening")) == 1


def test_the_hooks_never_move_an_enquiry_backwards(app, db):
    enquiry = create_enquiry(db, status=EnquiryStatus.VISIT_BOOKED)
    with app.app_context():
        enquiries.on_information_evening_booked(db, enquiry)
    assert enquiry.status == EnquiryStatus.VISIT_BOOKED


def test_the_person_asks_for_a_visit_from_the_emailed_link(app, client, db):
    hub_agency(db)
    enquiry = create_enquiry(db)
    attended(app, db, enquiry)
    link = link_in(emails_to(db, enquiry.email, "enquiries/after_evening")[0])
    response = client.get(link)
    assert response.status_code == 303 and response.headers["Location"].endswith("/enquire/initial-visit")
    page = client.get("/enquire/initial-visit").get_data(as_text=True)
    assert "Ask for an initial visit" in page and enquiry.agency.name in page
    response = post_form(client, "/enquire/initial-visit", {})
    assert response.status_code == 422 and "Select how you would like to meet" in response.get_data(as_text=True)
    response = post_form(client, "/enquire/initial-visit", {"method": "call"})
    assert response.status_code == 303
    db.refresh(enquiry)
    assert enquiry.status == EnquiryStatus.VISIT_REQUESTED
    assert enquiry.visit.requested_method == VisitMethod.CALL
    assert enquiry.due_kind == DueKind.VISIT_OFFER  # still to be offered
    assert emails_to(db, enquiry.email, "enquiries/visit_requested")
    # The link works once.
    client.get(link)
    assert client.get("/enquire/initial-visit").status_code == 400


def test_a_made_up_visit_link_gets_the_expired_page(client, db):
    client.get("/enquire/initial-visit/not-a-real-token")
    response = client.get("/enquire/initial-visit")
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_staff_record_the_offer_the_date_and_the_outcome(app, client, db):
    hub_agency(db)
    agency = create_agency(db)
    staff = create_staff(db, agency=agency)
    worker = create_staff(db, agency=agency, role=StaffRole.SOCIAL_WORKER)
    enquiry = create_enquiry(db, agency=agency)
    attended(app, db, enquiry)
    sign_in(client, staff.email, PASSWORD)
    base = f"/staff/enquiries/{enquiry.id}/visit"
    assert client.get(base).status_code == 200

    today = today_in_london()
    future = today + timedelta(days=3)
    response = post_form(client, base + "/offer", {"offered_on": [str(future.day), str(future.month), str(future.year)]}, page=base)
    assert response.status_code == 422 and "must be today or in the past" in response.get_data(as_text=True)
    response = post_form(client, base + "/offer", {"offered_on": ["31", "2", "2026"]}, page=base)
    assert response.status_code == 422
    assert "The date the visit was offered must be a real date" in response.get_data(as_text=True)
    response = post_form(client, base + "/offer", {"offered_on": [str(today.day), str(today.month), str(today.year)]}, page=base)
    assert response.status_code == 303
    db.refresh(enquiry)
    assert enquiry.visit.offered_on == today and enquiry.due_on is None  # the clock is met

    visit_day = today + timedelta(days=10)
    form = {"visit_on": [str(visit_day.day), str(visit_day.month), str(visit_day.year)], "visit_time": "2:30pm",
            "method": "home", "social_worker": str(worker.id)}
    response = post_form(client, base + "/book", dict(form, visit_time="half two"), page=base)
    assert response.status_code == 422 and "Enter a time, like 10am or 2:30pm" in response.get_data(as_text=True)
    assert post_form(client, base + "/book", form, page=base).status_code == 303
    db.refresh(enquiry)
    assert enquiry.status == EnquiryStatus.VISIT_BOOKED
    assert enquiry.visit.social_worker_id == worker.id and enquiry.visit.method == VisitMethod.HOME
    [booked] = emails_to(db, enquiry.email, "enquiries/visit_booked")
    assert "at 2:30pm" in booked.body_text

    response = post_form(client, base + "/outcome", {"outcome": "proceed", "note": "Keen; <b>rents</b> a 3-bed house"}, page=base)
    assert response.status_code == 303
    db.refresh(enquiry)
    assert enquiry.status == EnquiryStatus.VISIT_DONE and enquiry.visit.outcome == VisitOutcome.PROCEED
    # After a good visit the person gets a link to register interest when they are ready.
    [invite] = emails_to(db, enquiry.email, "roi/invitation")
    assert "Thank you for meeting us" in invite.body_text
    html = client.get(f"/staff/enquiries/{enquiry.id}").get_data(as_text=True)
    assert "Outcome: Ready to register their interest" in html


def test_the_outcome_waits_for_a_booked_visit(client, db):
    agency = create_agency(db)
    staff = create_staff(db, agency=agency)
    enquiry = create_enquiry(db, agency=agency)
    sign_in(client, staff.email, PASSWORD)
    base = f"/staff/enquiries/{enquiry.id}/visit"
    response = post_form(client, base + "/outcome", {"outcome": "proceed"}, page=base)
    assert response.status_code == 422
    assert "Book the initial visit before you record how it went" in response.get_data(as_text=True)


def test_a_visit_booked_in_the_spring_forward_gap_is_refused(client, db):
    agency = create_agency(db)
    staff = create_staff(db, agency=agency)
    enquiry = create_enquiry(db, agency=agency)
    sign_in(client, staff.email, PASSWORD)
    base = f"/staff/enquiries/{enquiry.id}/visit"
    response = post_form(client, base + "/book", {"visit_on": ["29", "3", "2026"], "visit_time": "1:30am", "method": "call"},
                         page=base)
    assert response.status_code == 422 and "does not exist in the UK" in response.get_data(as_text=True)


def test_visit_request_tokens_are_stored_hashed(app, db):
    from portal.models import EnquiryToken

    enquiry = create_enquiry(db)
    attended(app, db, enquiry)
    raw = link_in(emails_to(db, enquiry.email, "enquiries/after_evening")[0]).rsplit("/", 1)[1]
    [token] = db.scalars(select(EnquiryToken).where(EnquiryToken.enquiry_id == enquiry.id)).all()
    assert token.purpose == EnquiryTokenPurpose.VISIT_REQUEST and raw not in token.token_hash and len(token.token_hash) == 64
