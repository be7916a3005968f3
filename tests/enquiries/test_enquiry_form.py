"""The public enquiry form: what it asks, where it sends the enquiry, and how it resists abuse."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, inspect, select

from portal.models import (
    ApplyingAs, ContactMethod, ContactTime, DueKind, Enquiry, EnquiryActivity, EnquiryStatus, HeardFrom,
    OutboxMessage, StaffRole,
)
from portal.services import enquiries
from tests.factories import create_agency, create_staff, hub_agency
from tests.support import csrf_from

pytestmark = pytest.mark.usefixtures("enquiry_form_at_machine_speed")

GOOD = {
    "first_name": "Zoë", "last_name": "O'Brien-Ngũgĩ", "applying_as": "couple", "partner_first_name": "Kai",
    "partner_last_name": "Li", "email": "zoe@example.com", "phone": "07700 900 982", "contact_method": "either",
    "contact_time": "evening", "postcode": "", "area": "hub", "heard_from": "friend_or_family",
    "message": "Can we adopt if we rent?",
}


def count(db, model=Enquiry) -> int:
    return db.scalar(select(func.count()).select_from(model))


def outbox(db, address=None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if address:
        query = query.where(OutboxMessage.to_address == address)
    return list(db.scalars(query))


def form_page(client) -> str:
    return client.get("/enquire").get_data(as_text=True)


def post(client, page_html: str, data: dict):
    key = re.search(r'name="form_key"[^>]*value="([^"]+)"', page_html).group(1)
    return client.post("/enquire", data={"csrf_token": csrf_from(page_html), "form_key": key, **data})


def submit(client, **changes):
    return post(client, form_page(client), dict(GOOD, **changes))


def test_the_form_asks_exactly_what_the_issue_lists(client, db):
    hub_agency(db)
    html = form_page(client)
    names = set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html))
    assert names == {
        "csrf_token", "form_key", "nickname",  # the token, the double-click key and the honeypot
        "first_name", "last_name", "applying_as", "partner_first_name", "partner_last_name", "email", "phone",
        "contact_method", "contact_time", "postcode", "area", "heard_from", "message",
    }
    assert "novalidate" in html and "(optional)" in html


def test_the_enquiry_tables_hold_no_special_category_data(db):
    forbidden = ("health", "medical", "disab", "ethnic", "race", "religio", "faith", "sexual", "orientation",
                 "gender", "convict", "criminal", "offence", "dbs", "caution")
    inspector = inspect(db.get_bind())
    for table in ("enquiries", "enquiry_activities", "enquiry_tokens", "initial_visits"):
        columns = [c["name"] for c in inspector.get_columns(table)]
        assert columns, table
        assert not [c for c in columns if any(word in c for word in forbidden)], (table, columns)


def test_the_privacy_notice_is_on_the_form(client, db):
    hub_agency(db)
    html = form_page(client)
    assert "Who sees your enquiry, and for how long" in html
    assert "Only the staff of the partner agency for where you live see it" in html
    assert "2 years" in html and 'href="/privacy"' in html


def test_an_enquiry_is_stored_routed_and_acknowledged(client, db):
    hub = hub_agency(db)
    response = submit(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/enquire/sent")
    enquiry = db.scalar(select(Enquiry).where(Enquiry.email == "zoe@example.com"))
    assert (enquiry.first_name, enquiry.last_name) == ("Zoë", "O'Brien-Ngũgĩ")
    assert (enquiry.partner_first_name, enquiry.partner_last_name) == ("Kai", "Li")
    assert enquiry.applying_as == ApplyingAs.COUPLE and enquiry.phone == "07700900982"
    assert enquiry.contact_method == ContactMethod.EITHER and enquiry.contact_time == ContactTime.EVENING
    assert enquiry.heard_from == HeardFrom.FRIEND_OR_FAMILY and enquiry.message == "Can we adopt if we rent?"
    assert enquiry.agency_id == hub.id and enquiry.status == EnquiryStatus.NEW
    assert enquiry.due_kind == DueKind.FIRST_CONTACT and enquiry.due_on == enquiry.first_contact_due_on
    assert enquiry.reference.startswith("ENQ-")
    [ack] = outbox(db, "zoe@example.com")
    assert ack.subject == "We have received your enquiry about adopting"
    assert enquiry.reference in ack.body_text
    kinds = [a.kind.value for a in db.scalars(select(EnquiryActivity).where(EnquiryActivity.enquiry_id == enquiry.id))]
    assert kinds == ["created", "email"]
    assert "Enquiry sent" in client.get("/enquire/sent").get_data(as_text=True)


def test_the_acknowledgement_never_repeats_what_was_typed(client, db):
    hub_agency(db)
    spam = "WIN A PRIZE at http://spam.example.net"
    assert submit(client, first_name=spam, last_name="Victim", message=spam + " <b>now</b>",
                  email="victim@example.com").status_code == 303
    [ack] = outbox(db, "victim@example.com")
    for part in (ack.subject, ack.body_text, ack.body_html):
        assert "PRIZE" not in part and "spam.example.net" not in part and "Victim" not in part


def test_routing_follows_the_postcode_district(client, db):
    hub_agency(db)
    eastbridge = create_agency(db, areas=["Eastbridge test area"])
    eastbridge.areas[0].postcode_districts = "EB1 EB2 EB14"
    db.flush()
    assert submit(client, postcode="eb14 3xy", area="", email="a@example.com").status_code == 303
    enquiry = db.scalar(select(Enquiry).where(Enquiry.email == "a@example.com"))
    assert enquiry.agency_id == eastbridge.id and enquiry.postcode == "EB14 3XY"
    assert enquiry.area_id == eastbridge.areas[0].id
    # EB1 is not EB14's prefix match: districts are matched whole.
    assert submit(client, postcode="EB141AA", area="", email="b@example.com").status_code == 303
    assert db.scalar(select(Enquiry.agency_id).where(Enquiry.email == "b@example.com")) == eastbridge.id


def test_routing_by_area_to_the_hub_when_none_covers_it_or_when_asked(client, db):
    hub = hub_agency(db)
    partner = create_agency(db, areas=["Moorside test"])
    partner.areas[0].postcode_districts = "KM7"
    db.flush()
    submit(client, area=str(partner.areas[0].id), email="chose-area@example.com")
    submit(client, postcode="ZZ9 9ZZ", area="", email="unknown@example.com")
    submit(client, postcode="KM7 1AA", area="other", email="not-sure@example.com")
    submit(client, postcode="KM7 1AA", area="hub", email="asked-hub@example.com")
    agency_of = dict(db.execute(select(Enquiry.email, Enquiry.agency_id)).all())
    assert agency_of["chose-area@example.com"] == partner.id
    assert agency_of["unknown@example.com"] == hub.id
    assert agency_of["not-sure@example.com"] == partner.id
    assert agency_of["asked-hub@example.com"] == hub.id


def test_every_field_has_its_own_message_and_answers_are_kept(client, db):
    hub_agency(db)
    response = submit(client, first_name="", email="not-an-email", applying_as="", contact_method="",
                      contact_time="", postcode="", area="", phone="call me maybe")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in (
        "There is a problem", "Enter your first name", "Enter an email address in the correct format, like name@example.com",
        "Select whether you would apply on your own or as a couple", "Select how you would like us to contact you",
        "Select when is the best time to contact you", "Enter your postcode, or choose your local authority area",
        "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192",
    ):
        assert message in html, message
    assert 'value="O&#39;Brien-Ngũgĩ"' in html and "Can we adopt if we rent?" in html
    assert html.startswith("<!DOCTYPE html>") and "<title>Error: " in html
    assert count(db) == 0 and outbox(db) == []


def test_more_specific_messages(client, db):
    hub_agency(db)
    cases = [
        (dict(postcode="NOT A POSTCODE", area=""), "Enter a real postcode, like NV1 2AB"),
        (dict(contact_method="phone", phone=""), "Enter a phone number, or choose to be contacted by email"),
        (dict(first_name="x" * 101), "First name must be 100 characters or fewer"),
        (dict(message="y" * 2001), "must be 2000 characters or fewer"),
        (dict(last_name="12345"), "Last name must include at least one letter"),
        (dict(first_name="Eve\u202egnp.exe"), "First name must not contain line breaks or special characters"),
        (dict(message="nul\x00byte"), "must not contain special characters"),
        (dict(area="999999"), "Choose your local authority area from the list"),
    ]
    for changes, message in cases:
        response = submit(client, **changes)
        assert response.status_code == 422, changes
        assert message in response.get_data(as_text=True), changes
    assert count(db) == 0


def test_line_breaks_are_refused_at_the_field_so_no_header_can_be_injected(client, db):
    hub_agency(db)
    for field, value in (("email", "a@example.com\r\nBcc: victim@example.org"), ("first_name", "Sam\r\nBcc: x@example.org"),
                         ("phone", "0161\r\n496 0000")):
        response = submit(client, **{field: value})
        assert response.status_code == 422, field
        assert "must not contain line breaks" in response.get_data(as_text=True), field
    assert count(db) == 0 and outbox(db) == []


def test_names_from_any_script_are_welcome(client, db):
    hub_agency(db)
    for i, (first, last) in enumerate([("Siobhán", "Ní Bhriain"), ("Zhang", "伟"), ("Анна", "Ковалёва"),
                                       ("محمد", "الأحمد"), ("Ngũgĩ", "wa Thiong'o")]):
        assert submit(client, first_name=first, last_name=last, email=f"script{i}@example.com").status_code == 303, first
        assert db.scalar(select(Enquiry.last_name).where(Enquiry.email == f"script{i}@example.com")) == last


def test_the_honeypot_drops_bots_silently(client, db):
    hub_agency(db)
    response = submit(client, nickname="http://spam.example.net")
    assert response.status_code == 303 and response.headers["Location"].endswith("/enquire/sent")
    assert count(db) == 0 and outbox(db) == []


def test_a_form_sent_faster_than_a_person_could_is_dropped_silently(app, client, db):
    hub_agency(db)
    app.config["ENQUIRY_MIN_SECONDS"] = 60
    response = submit(client)
    assert response.status_code == 303
    assert count(db) == 0 and outbox(db) == []


def test_a_forged_form_key_is_refused(client, db):
    hub_agency(db)
    page = form_page(client)
    response = client.post("/enquire", data={"csrf_token": csrf_from(page), "form_key": "made-up", **GOOD})
    assert response.status_code == 422
    assert "could not be sent" in response.get_data(as_text=True)
    assert count(db) == 0


def test_a_double_click_creates_one_enquiry_and_one_email(client, db):
    hub_agency(db)
    page = form_page(client)
    first = post(client, page, GOOD)
    second = post(client, page, GOOD)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count(db) == 1 and len(outbox(db, "zoe@example.com")) == 1


def test_the_form_needs_its_csrf_token(client, db):
    hub_agency(db)
    response = client.post("/enquire", data=GOOD)
    assert response.status_code == 400 and count(db) == 0


def test_one_address_is_limited_to_three_enquiries_a_day(app, client, db):
    hub_agency(db)
    app.config["ENQUIRY_IP_LIMIT"] = "100 per hour"
    try:
        for _ in range(3):
            assert submit(client).status_code == 303
        assert submit(client).status_code == 429
        # Another address from the same place is still welcome.
        assert submit(client, email="someone-else@example.com").status_code == 303
    finally:
        app.config.pop("ENQUIRY_IP_LIMIT")
    assert len(outbox(db, "zoe@example.com")) == 3


def test_one_ip_is_limited(client, db):
    hub_agency(db)
    statuses = [submit(client, email=f"flood{i}@example.com").status_code for i in range(7)]
    assert statuses[:5] == [303] * 5 and statuses[5:] == [429, 429]
    assert count(db) == 5


def test_the_same_person_enquiring_again_is_linked_not_split(app, client, db):
    hub_agency(db)
    other_agency = create_agency(db, areas=["Linked test"])
    assert submit(client).status_code == 303
    assert submit(client, email="zoe.new@example.com", phone="+44 7700 900982",
                  area=str(other_agency.areas[0].id)).status_code == 303
    assert submit(client, email="ZOE@example.com ", phone="").status_code == 303
    first, second, third = db.scalars(select(Enquiry).order_by(Enquiry.id)).all()
    assert first.duplicate_of_id is None
    assert second.duplicate_of_id == first.id and third.duplicate_of_id == first.id
    assert second.agency_id == other_agency.id  # linked across the partnership
    hub = create_staff(db, agency=hub_agency(db), role=StaffRole.HUB_ADMIN)
    with app.app_context():
        assert [e.id for e in enquiries.duplicates_of(db, hub, second).enquiries] == [first.id, third.id]


def test_the_first_contact_clock_skips_weekends_and_bank_holidays(app, db):
    hub = hub_agency(db)
    answers = enquiries.EnquiryAnswers(first_name="Ann", last_name="Lee", applying_as=ApplyingAs.ALONE, email="ann@example.com",
                                       contact_method=ContactMethod.EMAIL, contact_time=ContactTime.ANY, wants_hub=True)
    cases = [
        (datetime(2026, 12, 24, 15, tzinfo=timezone.utc), date(2026, 12, 29)),  # Christmas and the Boxing Day substitute
        (datetime(2026, 4, 2, 10, tzinfo=timezone.utc), date(2026, 4, 7)),  # Good Friday and Easter Monday
        (datetime(2026, 3, 6, 22, 30, tzinfo=timezone.utc), date(2026, 3, 9)),  # Friday night: Monday
        (datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc), date(2026, 7, 2)),  # already 1 July in London
    ]
    with app.app_context():
        for i, (now, due) in enumerate(cases):
            answers.email = f"clock{i}@example.com"
            enquiry = enquiries.submit_enquiry(db, answers, now=now)
            assert enquiry.first_contact_due_on == due, now
        hub.first_contact_working_days = 2
        answers.email = "two-days@example.com"
        assert enquiries.submit_enquiry(db, answers, now=cases[0][0]).first_contact_due_on == date(2026, 12, 30)
