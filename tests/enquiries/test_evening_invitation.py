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
