"""Inviting an enquirer to the next information evening with places, in one action; booking
it moves the enquiry on by itself."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portal.clock import utcnow
from portal.models import EnquiryActivity, EnquiryStatus, OutboxMessage
from tests.factories import PASSWORD, create_agency, create_enquiry, create_event, create_staff, hub_agency
from tests.support import post_form, sign_in


def invitations(db, address):
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address,
                                                       OutboxMessage.template == "enquiries/evening_invitation")))


def test_one_click_invites_to_the_next_evening_with_places_and_booking_moves_the_enquiry_on(app, client, db):
    hub = hub_agency(db)
    agency = create_agency(db)
    soon = (utcnow() + timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    create_event(db, agency=hub, title="Full evening", starts_at=soon, capacity=2, booked=2)
    create_event(db, agency=hub, title="Later evening", starts_at=soon + timedelta(days=30))
    evening = create_event(db, agency=hub, title="Information evening at the Corn Exchange", starts_at=soon + timedelta(days=2))
    enquiry = create_enquiry(db, agency=agency, first_name="Priya", last_name="Nair", email="priya@example.com")
    sign_in(client, create_staff(db, agency=agency).email, PASSWORD)
    url = f"/staff/enquiries/{enquiry.id}"
    assert post_form(client, url + "/invite-to-evening", {}, page=url).status_code == 303
    [email] = invitations(db, "priya@example.com")
    assert "Information evening at the Corn Exchange" in email.body_text
    link = re.search(r"https://portal\.example\.org(/events/\d+)", email.body_text).group(1)
    assert link == f"/events/{evening.id}"
    db.refresh(enquiry)
    assert enquiry.status == EnquiryStatus.CONTACTED and enquiry.first_contacted_at is not None
    assert "Invitation to the next information evening sent" in client.get(url).get_data(as_text=True)

    public = app.test_client()
    response = post_form(public, f"/events/{evening.id}/book", {
        "first_name": "Priya", "last_name": "Nair", "email": "priya@example.com", "area": "-1", "places": "1"})
    assert response.status_code == 303
    db.refresh(enquiry)
    assert enquiry.status == EnquiryStatus.EVENING_BOOKED
    summaries = [a.summary for a in db.scalars(select(EnquiryActivity).where(EnquiryActivity.enquiry_id == enquiry.id))]
    assert "Booked an information evening" in summaries


def test_with_no_evening_left_staff_are_told_and_nothing_is_sent(client, db):
    hub_agency(db)
    agency = create_agency(db)
    enquiry = create_enquiry(db, agency=agency)
    sign_in(client, create_staff(db, agency=agency).email, PASSWORD)
    url = f"/staff/enquiries/{enquiry.id}"
    response = post_form(client, url + "/invite-to-evening", {}, page=url)
    assert response.status_code == 303
    assert "There is no information evening with places left" in client.get(url).get_data(as_text=True)
    assert invitations(db, enquiry.email) == []
    db.refresh(enquiry)
    assert enquiry.status == EnquiryStatus.NEW


def test_booking_after_a_closed_enquiry_starts_a_new_linked_one_in_the_area_given_now(app, db):
    from portal.models import CloseReason, Enquiry, EnquirySource
    from portal.services import enquiries

    hub_agency(db)
    old_agency = create_agency(db)
    new_agency = create_agency(db, areas=["Moved to"])
    closed = create_enquiry(db, agency=old_agency, email="sam@example.com", status=EnquiryStatus.CLOSED,
                            closed_reason=CloseReason.NOT_READY)
    with app.app_context():
        enquiry = enquiries.enquiry_for_event_booking(db, first_name="Sam", last_name="Again", email="Sam@Example.com",
                                                      area_id=new_agency.areas[0].id)
        enquiries.on_information_evening_booked(db, enquiry)
    assert enquiry.id != closed.id and enquiry.duplicate_of_id == closed.id
    assert enquiry.agency_id == new_agency.id and enquiry.source == EnquirySource.EVENT_BOOKING
    assert enquiry.status == EnquiryStatus.EVENING_BOOKED
    from portal.services import triage

    queue = triage.queue(db, create_staff(db, agency=new_agency), triage.Filters())
    assert [row.enquiry.id for row in queue.rows] == [enquiry.id]  # in the new agency's queue, not lost
    db.refresh(closed)
    assert closed.status == EnquiryStatus.CLOSED
    # Another agency's reference is not written on either timeline.
    summaries = " ".join(a.summary for a in db.scalars(select(EnquiryActivity)))
    assert closed.reference not in summaries and enquiry.reference not in summaries
    assert "Same email or phone as an enquiry held by another partner agency" in summaries

    # The new enquiry is open, so the next booking reuses it rather than making a third.
    with app.app_context():
        again = enquiries.enquiry_for_event_booking(db, first_name="Sam", last_name="Again", email="sam@example.com",
                                                    area_id=None)
    assert again.id == enquiry.id
    assert len(db.scalars(select(Enquiry).where(Enquiry.email == "sam@example.com")).all()) == 2


def test_booking_reuses_an_open_enquiry_wherever_it_is(app, db):
    from portal.services import enquiries

    hub_agency(db)
    agency = create_agency(db)
    elsewhere = create_agency(db, areas=["Elsewhere"])
    open_one = create_enquiry(db, agency=agency, email="lee@example.com", status=EnquiryStatus.CONTACTED)
    with app.app_context():
        found = enquiries.enquiry_for_event_booking(db, first_name="Lee", last_name="Open", email="lee@example.com",
                                                    area_id=elsewhere.areas[0].id)
    assert found.id == open_one.id and found.agency_id == agency.id
