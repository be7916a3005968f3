"""What someone who has booked reads about their booking: no invitation to join a waiting list
for a place they already hold, a way back from the cancel page, nothing to add to a calendar
once cancelled, and no promise of changes the page does not offer."""
from sqlalchemy import select

from portal.models import Booking
from tests.events.helpers import manage_token_in, outbox
from tests.factories import PASSWORD, create_event, create_household
from tests.support import post_form, sign_in

GOOD = {"first_name": "Priya", "last_name": "Nair", "email": "priya@example.com", "area": "-1", "places": "1"}


def _open_manage_page(client, db):
    client.get(f"/bookings/manage/{manage_token_in(outbox(db, 'priya@example.com')[0])}")


def test_the_manage_page_of_a_booking_on_a_full_event_does_not_offer_the_waiting_list(client, db):
    event = create_event(db, capacity=1)
    post_form(client, f"/events/{event.id}/book", GOOD)
    _open_manage_page(client, db)
    page = client.get("/bookings/manage").get_data(as_text=True)
    assert "Fully booked" in page and "join the waiting list" not in page


def test_a_household_booked_on_a_full_event_is_not_offered_its_waiting_list(client, db):
    household = create_household(db)
    event = create_event(db, capacity=1)
    sign_in(client, household.applicants[0].email, PASSWORD)
    post_form(client, f"/events/{event.id}/book", {"applicants": [str(household.applicants[0].id)]})
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "You have booked 1 place" in page and "join the waiting list" not in page


def test_the_cancel_pages_offer_a_way_back(client, db):
    event = create_event(db, capacity=5)
    post_form(client, f"/events/{event.id}/book", GOOD)
    _open_manage_page(client, db)
    page = client.get("/bookings/manage/cancel").get_data(as_text=True)
    assert '<a class="govuk-link" href="/bookings/manage">Keep my booking</a>' in page

    household = create_household(db)
    sign_in(client, household.applicants[0].email, PASSWORD)
    post_form(client, f"/events/{event.id}/book", {"applicants": [str(household.applicants[0].id)]})
    booking = db.scalar(select(Booking).where(Booking.household_id == household.id))
    page = client.get(f"/events/{event.id}/bookings/{booking.id}/cancel").get_data(as_text=True)
    assert '<a class="govuk-link" href="/events/bookings">Keep my booking</a>' in page


def test_a_cancelled_booking_offers_no_calendar_file_and_promises_no_changes(client, db):
    event = create_event(db, capacity=5)
    form = client.get(f"/events/{event.id}/book").get_data(as_text=True)
    assert "change or cancel" not in form
    post_form(client, f"/events/{event.id}/book", GOOD)
    assert "change or cancel" not in outbox(db, "priya@example.com")[0].body_text
    _open_manage_page(client, db)
    assert "Add it to your calendar" in client.get("/bookings/manage").get_data(as_text=True)
    post_form(client, "/bookings/manage/cancel", {})
    page = client.get("/bookings/manage").get_data(as_text=True)
    assert "Cancelled" in page and "Add it to your calendar" not in page


def test_the_venue_names_the_town_once():
    from portal.models import Event

    event = Event(venue_name="Hallam Family Centre", venue_address="2 Mill Lane, Hallam HL1 2AB", venue_town="Hallam")
    assert event.full_venue == "Hallam Family Centre, 2 Mill Lane, Hallam HL1 2AB"
    event.venue_address = "2 Mill Lane"
    assert event.full_venue == "Hallam Family Centre, 2 Mill Lane, Hallam"
