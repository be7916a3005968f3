"""The plain-text emails keep their lines and paragraphs apart."""
import re
from datetime import timedelta

from portal.clock import utcnow
from portal.models import EventFormat
from portal.services import bookings
from portal.services.reminders import send_reminders
from tests.events.helpers import outbox
from tests.factories import create_event, create_household
from tests.support import post_form

GOOD = {"first_name": "Priya", "last_name": "Nair", "email": "priya@example.com", "area": "-1", "places": "1"}


def test_the_booking_email_keeps_the_where_and_reference_lines_and_paragraphs_apart(client, db):
    event = create_event(db, title="Information evening", format=EventFormat.ONLINE, capacity=10)
    assert post_form(client, f"/events/{event.id}/book", GOOD).status_code == 303
    [message] = outbox(db, "priya@example.com")
    assert re.search(r"\nWhere: Online \(we email the joining link on the day\)\nBooking reference: BK-\w+\n\n"
                     r"The attached file", message.body_text), message.body_text


def test_the_joining_link_email_keeps_its_last_paragraph_apart(db, app_context):
    now = utcnow().replace(hour=8, minute=0, second=0, microsecond=0)
    household = create_household(db)
    event = create_event(db, format=EventFormat.ONLINE, joining_link="https://meet.example.org/x", starts_at=now + timedelta(hours=11))
    bookings.book_for_household(db, household.applicants[0], event, household,
                                applicant_ids=[household.applicants[0].id], now=now - timedelta(days=10))
    send_reminders(db, now=now)
    [message] = outbox(db, household.applicants[0].email, "events/joining_link")
    assert "check your sound and camera.\n\nBooking reference: " in message.body_text, message.body_text
