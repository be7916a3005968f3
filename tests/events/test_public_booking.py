"""Booking an information evening without an account."""
from datetime import timedelta

from sqlalchemy import func, select

from portal.clock import utcnow
from portal.models import Booking, BookingStatus, BookingToken, Enquiry, EnquirySource, EnquiryStatus
from portal.services.tokens import digest
from tests.events.helpers import manage_token_in, outbox, vevents
from tests.factories import create_agency, create_event, hub_agency
from tests.support import csrf_from, post_form

GOOD = {"first_name": "Priya", "last_name": "Nair", "email": "priya@example.com", "area": "-1", "places": "2"}


def _count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_booking_creates_an_enquiry_and_emails_a_calendar_file(client, db):
    partner = create_agency(db, areas=["Brightwater"])
    event = create_event(db, agency=hub_agency(db), title="Information evening", capacity=10)
    data = dict(GOOD, area=str(partner.areas[0].id))
    response = post_form(client, f"/events/{event.id}/book", data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/events/{event.id}/booked")
    booking = db.scalar(select(Booking).where(Booking.event_id == event.id))
    assert booking.status == BookingStatus.CONFIRMED and booking.places == 2
    assert booking.contact_email == "priya@example.com"
    enquiry = db.get(Enquiry, booking.enquiry_id)
    assert enquiry.agency_id == partner.id and enquiry.source == EnquirySource.EVENT_BOOKING
    assert enquiry.status == EnquiryStatus.EVENING_BOOKED
    db.refresh(event)
    assert event.booked == 2
    [message] = outbox(db, "priya@example.com")
    assert message.subject == "You are booked: Information evening"
    token = manage_token_in(message)
    assert f"https://portal.example.org/bookings/manage/{token}" in message.body_text
    assert [t.token_hash for t in booking.manage_tokens] == [digest(token)]
    [vevent] = vevents(message.ics)
    assert str(vevent["SUMMARY"]) == "Information evening"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Check your email" in page and "priya@example.com" in page


def test_full_evening_puts_the_booker_on_the_waiting_list(client, db):
    event = create_event(db, capacity=1)
    assert post_form(client, f"/events/{event.id}/book", dict(GOOD, places="1")).status_code == 303
    assert post_form(client, f"/events/{event.id}/book", dict(GOOD, email="sam@example.com", places="1")).status_code == 303
    waiting = db.scalar(select(Booking).where(Booking.contact_email == "sam@example.com"))
    assert waiting.status == BookingStatus.WAITING
    [message] = outbox(db, "sam@example.com")
    assert message.template == "events/waiting_list" and message.ics is None


def test_a_second_submission_makes_no_second_booking(client, db):
    event = create_event(db, capacity=10)
    for _ in range(2):
        assert post_form(client, f"/events/{event.id}/book", GOOD).status_code == 303
    assert db.scalar(select(func.count()).select_from(Booking).where(Booking.event_id == event.id)) == 1
    db.refresh(event)
    assert event.booked == 2
    assert len(outbox(db, "priya@example.com")) == 1  # a double click is not news


def test_missing_fields_are_shown_by_the_field_and_answers_kept(client, db):
    event = create_event(db)
    before = _count(db, Booking), _count(db, Enquiry)
    response = post_form(client, f"/events/{event.id}/book", dict(GOOD, first_name="", email="nope", area="0", places=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html
    for message in ("Enter your first name", "Enter an email address in the correct format", "Select where you live",
                    "Select how many people are coming"):
        assert message in html
    assert 'value="Nair"' in html
    assert (_count(db, Booking), _count(db, Enquiry)) == before


def test_nul_bytes_are_refused_with_a_message(client, db):
    event = create_event(db)
    response = post_form(client, f"/events/{event.id}/book", dict(GOOD, last_name="Nair\x00"))
    assert response.status_code == 422
    assert "must not contain line breaks or control characters" in response.get_data(as_text=True)
    assert _count(db, Booking) == 0


def test_a_ten_megabyte_body_gets_the_too_large_page(client, db):
    event = create_event(db)
    token = csrf_from(client.get(f"/events/{event.id}/book").get_data(as_text=True))
    response = client.post(f"/events/{event.id}/book", data={"csrf_token": token, **GOOD, "first_name": "x" * (10 * 1024 * 1024)})
    assert response.status_code == 413
    assert "What you sent was too large" in response.get_data(as_text=True)
    assert _count(db, Booking) == 0


def test_unknown_event_is_404(client, db):
    assert client.get("/events/999999").status_code == 404
    assert client.get("/events/999999/book").status_code == 404
    assert client.post("/events/999999/book", data=GOOD).status_code in (400, 404)


def test_past_and_closed_events_explain_why(client, db):
    now = utcnow()
    past = create_event(db, starts_at=now - timedelta(days=3))
    closed = create_event(db, starts_at=now + timedelta(hours=2), booking_closes_at=now - timedelta(hours=1))
    html = client.get(f"/events/{past.id}/book").get_data(as_text=True)
    assert "This event has already happened." in html
    open_event = create_event(db)
    response = post_form(client, f"/events/{closed.id}/book", GOOD, page=f"/events/{open_event.id}/book")
    assert response.status_code == 422
    assert "Booking closed on" in response.get_data(as_text=True)
    assert _count(db, Booking) == 0


def test_events_for_households_only_ask_the_public_to_sign_in(client, db):
    from portal.models import Audience, EventKind

    event = create_event(db, kind=EventKind.TRAINING, audience=Audience.PREPARATION, title="Prepare to Adopt")
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "This is for households in Stage 1 or later" in html
    assert "Sign in" in html
    open_event = create_event(db)
    response = post_form(client, f"/events/{event.id}/book", GOOD, page=f"/events/{open_event.id}/book")
    assert response.status_code == 422 and _count(db, Booking) == 0


def test_manage_link_cancels_only_by_post(client, db):
    event = create_event(db, capacity=1)
    post_form(client, f"/events/{event.id}/book", dict(GOOD, places="1"))
    post_form(client, f"/events/{event.id}/book", dict(GOOD, email="next@example.com", places="1"))
    booking = db.scalar(select(Booking).where(Booking.contact_email == "priya@example.com"))
    [message] = outbox(db, "priya@example.com")
    token = manage_token_in(message)
    landing = client.get(f"/bookings/manage/{token}")
    assert landing.status_code == 303 and token not in landing.headers["Location"]
    page = client.get("/bookings/manage").get_data(as_text=True)
    assert "Your booking for" in page and booking.reference in page
    assert client.get("/bookings/manage/cancel").status_code == 200  # a page with a button, not the change
    db.refresh(booking)
    assert booking.status == BookingStatus.CONFIRMED
    response = post_form(client, "/bookings/manage/cancel", {})
    assert response.status_code == 303
    db.refresh(booking)
    assert booking.status == BookingStatus.CANCELLED
    promoted = db.scalar(select(Booking).where(Booking.contact_email == "next@example.com"))
    assert promoted.status == BookingStatus.CONFIRMED
    assert outbox(db, "next@example.com", "events/promoted")
    db.refresh(event)
    assert event.booked == 1


def test_the_manage_token_is_stored_only_as_its_digest(client, db):
    event = create_event(db, capacity=10)
    post_form(client, f"/events/{event.id}/book", GOOD)
    token = manage_token_in(outbox(db, "priya@example.com")[0])
    booking = db.scalar(select(Booking).where(Booking.event_id == event.id))
    for table in (Booking.__table__, BookingToken.__table__):
        for row in db.execute(select(table)).all():
            assert not any(token in str(value) for value in row), table.name
    assert db.scalar(select(BookingToken.booking_id).where(BookingToken.token_hash == digest(token))) == booking.id
    assert client.get(f"/bookings/manage/{digest(token)}").status_code == 303
    assert client.get("/bookings/manage").status_code == 404  # the stored digest is not a key
    client.get(f"/bookings/manage/{token}")
    assert booking.reference in client.get("/bookings/manage").get_data(as_text=True)


def test_every_emailed_link_keeps_working(client, db, app):
    """A reminder or a second attempt to book sends a link of its own; the links in earlier
    emails still open the booking."""
    from portal.services import bookings
    from portal.services.reminders import send_reminders

    now = utcnow()
    event = create_event(db, capacity=10, starts_at=now + timedelta(days=1, hours=12))
    with app.app_context():
        result = bookings.book_without_account(db, event, first_name="Priya", last_name="Nair", email="priya@example.com",
                                               area_id=None, places=1, now=now - timedelta(days=5))
        send_reminders(db, now=now)
        again = bookings.book_without_account(db, event, first_name="Priya", last_name="Nair", email="priya@example.com",
                                              area_id=None, places=1, now=now)
    assert not again.created
    messages = outbox(db, "priya@example.com")
    assert [m.template for m in messages] == ["events/booking_confirmed", "events/reminder", "events/already_booked"]
    tokens = [manage_token_in(m) for m in messages]
    assert tokens[0] == result.manage_token and len(set(tokens)) == 3
    for token in tokens:
        client.get(f"/bookings/manage/{token}")
        assert result.booking.reference in client.get("/bookings/manage").get_data(as_text=True)


def test_a_wrong_manage_token_is_404(client, db):
    assert client.get("/bookings/manage/not-a-token").status_code == 303
    assert client.get("/bookings/manage").status_code == 404


def test_a_failure_part_way_leaves_nothing_half_written(client, db, monkeypatch):
    from portal.models import OutboxMessage
    from portal.services import booking_mail

    event = create_event(db, capacity=10)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the mail template could not be rendered")

    monkeypatch.setattr(booking_mail, "booking_made", broken)
    response = post_form(client, f"/events/{event.id}/book", GOOD)
    assert response.status_code == 500
    assert "Nothing you sent has been saved" in response.get_data(as_text=True)
    db.refresh(event)
    assert event.booked == 0
    assert (_count(db, Booking), _count(db, Enquiry), _count(db, OutboxMessage)) == (0, 0, 0)
