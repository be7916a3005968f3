"""Messages that read as sentences, emails whose paragraphs stay apart, and the way from an
enquiry to the information evenings."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.clock import today_in_london, utcnow
from portal.models import EventFormat, StaffRole
from tests.enquiries.test_enquiry_form import submit
from tests.enquiries.test_initial_visits import attended, emails_to
from tests.factories import PASSWORD, create_agency, create_enquiry, create_event, create_staff, hub_agency
from tests.support import post_form, sign_in


@pytest.mark.usefixtures("enquiry_form_at_machine_speed")
def test_a_long_message_is_named_in_the_error(client, db):
    hub_agency(db)
    html = submit(client, message="y" * 2001).get_data(as_text=True)
    assert "Your message must be 2000 characters or fewer" in html
    assert "tell us? must be" not in html


def test_a_long_transfer_reason_is_named_in_the_error(client, db):
    hub_agency(db)
    agency, other = create_agency(db), create_agency(db)
    enquiry = create_enquiry(db, agency=agency)
    sign_in(client, create_staff(db, agency=agency).email, PASSWORD)
    response = post_form(client, f"/staff/enquiries/{enquiry.id}/transfer", {"agency": str(other.id), "reason": "z" * 251})
    assert response.status_code == 422
    assert "The reason must be 250 characters or fewer" in response.get_data(as_text=True)


def test_the_enquiry_sent_page_and_the_home_page_link_to_the_information_evenings(client, db):
    evenings = 'href="/events?kind=information_evening"'
    assert evenings in client.get("/enquire/sent").get_data(as_text=True)
    assert evenings in client.get("/").get_data(as_text=True)


def test_the_evening_invitation_keeps_its_paragraphs_apart_and_tells_when_the_link_comes(client, db):
    hub = hub_agency(db)
    agency = create_agency(db)
    create_event(db, agency=hub, format=EventFormat.ONLINE, starts_at=(utcnow() + timedelta(days=5)).replace(minute=0))
    enquiry = create_enquiry(db, agency=agency, email="priya@example.com")
    sign_in(client, create_staff(db, agency=agency).email, PASSWORD)
    url = f"/staff/enquiries/{enquiry.id}"
    assert post_form(client, url + "/invite-to-evening", {}, page=url).status_code == 303
    [email] = emails_to(db, "priya@example.com", "enquiries/evening_invitation")
    assert "Online: when you book, we email you the joining link on the day.\n\nThere are places left." in email.body_text


def test_the_visit_emails_keep_their_paragraphs_apart(app, client, db):
    hub_agency(db)
    agency = create_agency(db)
    enquiry = create_enquiry(db, agency=agency)
    attended(app, db, enquiry)
    sign_in(client, create_staff(db, agency=agency).email, PASSWORD)
    worker = create_staff(db, agency=agency, role=StaffRole.SOCIAL_WORKER)
    base = f"/staff/enquiries/{enquiry.id}/visit"
    day = today_in_london() + timedelta(days=10)
    assert post_form(client, base + "/book", {"visit_on": [str(day.day), str(day.month), str(day.year)], "visit_time": "2pm",
                                              "method": "home", "social_worker": str(worker.id)}, page=base).status_code == 303
    [booked] = emails_to(db, enquiry.email, "enquiries/visit_booked")
    assert "A social worker will visit you at home.\n\nIf the time no longer suits you" in booked.body_text
    assert post_form(client, base + "/outcome", {"outcome": "proceed"}, page=base).status_code == 303
    [invitation] = emails_to(db, enquiry.email, "roi/invitation")
    assert "register your interest in adopting online.\n\nFirst you create" in invitation.body_text
