"""Signed-in households: booking for one or both applicants, audience rules, the waiting
list, cancelling, and nobody reaching another household's bookings."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.clock import utcnow
from portal.models import Audience, Booking, BookingStatus, EventKind, HouseholdStage
from portal.services import bookings
from tests.events.helpers import outbox
from tests.factories import PASSWORD, create_agency, create_event, create_household, create_staff
from tests.support import post_form, sign_in


def _sign_in(client, household, index=0):
    sign_in(client, household.applicants[index].email, PASSWORD)


def _book(client, event, applicants, **extra):
    # Any signed-in page carries the form token (the sign-out button): the booking page
    # itself redirects once the household has booked.
    return post_form(client, f"/events/{event.id}/book", {"applicants": [str(a.id) for a in applicants], **extra},
                     page="/events/bookings")


def test_a_couple_books_two_places_and_both_get_the_email(client, db):
    household = create_household(db, applicants=2, stage=HouseholdStage.STAGE_1)
    event = create_event(db, kind=EventKind.TRAINING, audience=Audience.PREPARATION, capacity=12, title="Prepare to Adopt",
                         day_count=3)
    _sign_in(client, household)
    form = client.get(f"/events/{event.id}/book").get_data(as_text=True)
    assert "Who is coming?" in form and household.applicants[1].first_name in form
    response = _book(client, event, household.applicants)
    assert response.status_code == 303 and response.headers["Location"].endswith("/events/bookings")
    booking = db.scalar(select(Booking).where(Booking.household_id == household.id))
    assert booking.status == BookingStatus.CONFIRMED and booking.places == 2
    assert [a.user_id for a in booking.attendees] == [a.id for a in household.applicants]
    for applicant in household.applicants:
        [message] = outbox(db, applicant.email)
        assert message.ics and "day 3 of 3" in message.ics
    page = client.get("/events/bookings").get_data(as_text=True)
    assert "Prepare to Adopt" in page and booking.reference in page


def test_household_may_book_once_per_event(client, db):
    household = create_household(db, applicants=2)
    event = create_event(db, capacity=10)
    _sign_in(client, household)
    assert _book(client, event, household.applicants[:1]).status_code == 303
    assert _book(client, event, household.applicants).status_code == 303
    assert db.scalar(select(func.count()).select_from(Booking).where(Booking.household_id == household.id)) == 1
    db.refresh(event)
    assert event.booked == 1


def test_the_unique_constraint_backs_the_check(db):
    from sqlalchemy.exc import IntegrityError

    household = create_household(db)
    event = create_event(db)
    for reference in ("BK-A", "BK-B"):
        db.add(Booking(reference=reference, event_id=event.id, household_id=household.id, places=1,
                       status=BookingStatus.CONFIRMED))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_nobody_selected_is_an_error_by_the_field(client, db):
    household = create_household(db, applicants=2)
    event = create_event(db)
    _sign_in(client, household)
    response = post_form(client, f"/events/{event.id}/book", {})
    assert response.status_code == 422
    assert "Select who is coming" in response.get_data(as_text=True)


@pytest.mark.parametrize("audience, stage, kinship, allowed, message", [
    (Audience.PREPARATION, HouseholdStage.REGISTERED, False, False, "once we have accepted your registration of interest"),
    (Audience.PREPARATION, HouseholdStage.STAGE_1, False, True, None),
    (Audience.STAGE_2, HouseholdStage.STAGE_1, False, False, "when your Stage 2 assessment begins"),
    (Audience.STAGE_2, HouseholdStage.APPROVED, False, True, None),
    (Audience.STAGE_2, HouseholdStage.REGISTERED, True, True, None),
    (Audience.KINSHIP, HouseholdStage.ADOPTED, False, False, "for kinship carers and special guardians"),
    (Audience.KINSHIP, HouseholdStage.REGISTERED, True, True, None),
    (Audience.APPROVED, HouseholdStage.WITHDRAWN, False, False, "once you are approved"),
])
def test_audience_rules_read_the_journey_and_say_why(client, db, audience, stage, kinship, allowed, message):
    household = create_household(db, stage=stage, is_kinship_carer=kinship)
    event = create_event(db, kind=EventKind.SUPPORT_GROUP, audience=audience)
    _sign_in(client, household)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    if allowed:
        assert "Book a place" in page
        assert _book(client, event, household.applicants).status_code == 303
    else:
        assert message in page
        other = create_event(db)
        response = post_form(client, f"/events/{event.id}/book", {"applicants": [str(household.applicants[0].id)]},
                             page=f"/events/{other.id}/book")
        assert response.status_code == 422 and message in response.get_data(as_text=True)
        assert db.scalar(select(func.count()).select_from(Booking).where(Booking.event_id == event.id)) == 0


def test_own_agency_only_events_say_whose_they_are(client, db):
    runner = create_agency(db, name="Hallam Borough Council")
    household = create_household(db, stage=HouseholdStage.STAGE_2)
    event = create_event(db, agency=runner, kind=EventKind.SUPPORT_GROUP, audience=Audience.STAGE_2, open_to_all_agencies=False)
    _sign_in(client, household)
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "This is for households supported by Hallam Borough Council" in page


def test_waiting_list_is_household_atomic_and_first_come_first_served(db, app_context):
    event = create_event(db, capacity=3)
    single_a = create_household(db)
    couple = create_household(db, applicants=2)
    single_b = create_household(db)
    now = utcnow()
    first = bookings.book_for_household(db, single_a.applicants[0], event, single_a,
                                        applicant_ids=[single_a.applicants[0].id], now=now)
    second = bookings.book_for_household(db, couple.applicants[0], event, couple,
                                         applicant_ids=[a.id for a in couple.applicants], now=now)
    assert first.confirmed and second.confirmed
    full = create_household(db, applicants=2)
    waiting_couple = bookings.book_for_household(db, full.applicants[0], event, full,
                                                 applicant_ids=[a.id for a in full.applicants], now=now + timedelta(seconds=1))
    waiting_single = bookings.book_for_household(db, single_b.applicants[0], event, single_b,
                                                 applicant_ids=[single_b.applicants[0].id], now=now + timedelta(seconds=2))
    assert not waiting_couple.confirmed and not waiting_single.confirmed
    # One place frees: the couple at the front cannot use it alone, so it keeps its place
    # at the front and the single behind takes the one place.
    promoted = bookings.cancel_booking(db, single_a.applicants[0], first.booking, now=now + timedelta(seconds=3))
    assert [b.id for b in promoted] == [waiting_single.booking.id]
    db.refresh(event)
    assert event.booked == 3
    assert waiting_couple.booking.status == BookingStatus.WAITING
    # Two places free at once: both go to the couple together.
    promoted = bookings.cancel_booking(db, couple.applicants[0], second.booking, now=now + timedelta(seconds=4))
    assert [b.id for b in promoted] == [waiting_couple.booking.id]
    db.refresh(event)
    assert event.booked == 3 and event.booked <= event.capacity
    assert outbox(db, full.applicants[1].email, "events/promoted")


def test_cancel_until_the_deadline_then_ask_staff(client, db):
    household = create_household(db)
    event = create_event(db, capacity=5, starts_at=utcnow() + timedelta(days=10))
    _sign_in(client, household)
    _book(client, event, household.applicants)
    booking = db.scalar(select(Booking).where(Booking.household_id == household.id))
    url = f"/events/{event.id}/bookings/{booking.id}/cancel"
    assert "Cancel your booking?" in client.get(url).get_data(as_text=True)
    db.refresh(booking)
    assert booking.status == BookingStatus.CONFIRMED  # looking is not cancelling
    event.cancellation_deadline_at = utcnow() - timedelta(hours=1)
    db.flush()
    page = client.get(url).get_data(as_text=True)
    assert "The deadline to cancel online was" in page
    response = post_form(client, url, {})
    assert response.status_code == 303
    db.refresh(booking)
    assert booking.status == BookingStatus.CONFIRMED
    response = post_form(client, f"/events/{event.id}/bookings/{booking.id}/request-cancellation", {}, page=url)
    assert response.status_code == 303
    db.refresh(booking)
    assert booking.cancellation_requested_at is not None
    assert outbox(db, event.agency.email, "events/cancellation_request")


def test_cancel_before_the_deadline_frees_the_place(client, db):
    household = create_household(db)
    event = create_event(db, capacity=5)
    _sign_in(client, household)
    _book(client, event, household.applicants)
    booking = db.scalar(select(Booking).where(Booking.household_id == household.id))
    url = f"/events/{event.id}/bookings/{booking.id}/cancel"
    assert post_form(client, url, {}).status_code == 303
    assert post_form(client, url, {}).status_code == 303  # a second press changes nothing
    db.refresh(booking)
    db.refresh(event)
    assert booking.status == BookingStatus.CANCELLED and event.booked == 0
    assert len(outbox(db, household.applicants[0].email, "events/booking_cancelled")) == 1
    page = client.get("/events/bookings").get_data(as_text=True)
    assert "This booking is already cancelled." in page and "is cancelled" not in page  # no second success
    # and the household may book again
    assert _book(client, event, household.applicants).status_code == 303
    db.refresh(booking)
    db.refresh(event)
    assert booking.status == BookingStatus.CONFIRMED and event.booked == 1


def _audit_actions(db, booking, action):
    from portal.models import AuditEvent

    return db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "Booking", AuditEvent.object_id == booking.id, AuditEvent.action == action))


def test_a_cancel_that_lost_the_race_changes_and_sends_nothing(db, app):
    """Two presses of Cancel that both read the booking before either wrote: the second finds
    it cancelled at the moment of writing, and nobody hears twice."""
    from sqlalchemy.orm.attributes import set_committed_value

    from portal.services.errors import NotAllowed

    household = create_household(db)
    event = create_event(db, capacity=5)
    applicant = household.applicants[0]
    with app.app_context():
        booking = bookings.book_for_household(db, applicant, event, household, applicant_ids=[applicant.id]).booking
        bookings.cancel_booking(db, applicant, booking)
        set_committed_value(booking, "status", BookingStatus.CONFIRMED)  # as the other request read it
        with pytest.raises(NotAllowed, match="already cancelled"):
            bookings.cancel_booking(db, applicant, booking)
    db.refresh(booking)
    db.refresh(event)
    assert booking.status == BookingStatus.CANCELLED and event.booked == 0
    assert len(outbox(db, applicant.email, "events/booking_cancelled")) == 1
    assert _audit_actions(db, booking, "cancelled") == 1


def test_asking_twice_to_cancel_asks_once(client, db, app):
    from sqlalchemy.orm.attributes import set_committed_value

    household = create_household(db)
    event = create_event(db, capacity=5, starts_at=utcnow() + timedelta(days=10))
    applicant = household.applicants[0]
    with app.app_context():
        booking = bookings.book_for_household(db, applicant, event, household, applicant_ids=[applicant.id]).booking
        assert bookings.request_cancellation(db, applicant, booking) is True
        set_committed_value(booking, "cancellation_requested_at", None)  # as a simultaneous request read it
        assert bookings.request_cancellation(db, applicant, booking) is False
    assert len(outbox(db, event.agency.email, "events/cancellation_request")) == 1
    assert _audit_actions(db, booking, "cancellation_requested") == 1
    _sign_in(client, household)
    url = f"/events/{event.id}/bookings/{booking.id}/request-cancellation"
    response = post_form(client, url, {}, page="/events/bookings")
    assert response.status_code == 303
    assert "You have already asked" in client.get("/events/bookings").get_data(as_text=True)
    assert len(outbox(db, event.agency.email, "events/cancellation_request")) == 1


def _statements(app, client, url) -> int:
    from sqlalchemy import event as sa_event

    engine = app.extensions["db"].engine
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_my_bookings_costs_the_same_queries_however_many_waiting_places(client, db, app):
    household = create_household(db)
    booked, in_front = create_household(db), create_household(db)

    def wait_on_one_more(title):
        event = create_event(db, title=title, capacity=1)
        with app.app_context():
            for home in (booked, in_front, household):  # the place, the front of the queue, then this household
                bookings.book_for_household(db, home.applicants[0], event, home, applicant_ids=[home.applicants[0].id])

    wait_on_one_more("First full course")
    _sign_in(client, household)
    few = _statements(app, client, "/events/bookings")
    wait_on_one_more("Second full course")
    wait_on_one_more("Third full course")
    many = _statements(app, client, "/events/bookings")
    assert few == many, (few, many)
    page = client.get("/events/bookings").get_data(as_text=True)
    assert page.count("Waiting list: number 2") == 3


def test_other_households_bookings_are_404(client, db, app):
    mine = create_household(db)
    theirs = create_household(db)
    event = create_event(db)
    other_event = create_event(db)
    with app.app_context():
        their_booking = bookings.book_for_household(db, theirs.applicants[0], event, theirs,
                                                    applicant_ids=[theirs.applicants[0].id]).booking
        my_booking = bookings.book_for_household(db, mine.applicants[0], event, mine,
                                                 applicant_ids=[mine.applicants[0].id]).booking
    _sign_in(client, mine)
    assert client.get(f"/events/{event.id}/bookings/{their_booking.id}/cancel").status_code == 404
    response = post_form(client, f"/events/{event.id}/bookings/{their_booking.id}/cancel", {},
                         page=f"/events/{event.id}/bookings/{my_booking.id}/cancel")
    assert response.status_code == 404
    # my own booking under the wrong event is not found either
    assert client.get(f"/events/{other_event.id}/bookings/{my_booking.id}/cancel").status_code == 404
    db.refresh(their_booking)
    assert their_booking.status == BookingStatus.CONFIRMED


def test_staff_cannot_book_but_see_why(client, db):
    staff = create_staff(db)
    event = create_event(db)
    sign_in(client, staff.email, PASSWORD)
    assert "Households book their own places" in client.get(f"/events/{event.id}").get_data(as_text=True)


def test_family_and_friends_training_takes_named_supporters(client, db):
    household = create_household(db, applicants=2, stage=HouseholdStage.STAGE_1)
    event = create_event(db, kind=EventKind.TRAINING, audience=Audience.PREPARATION, allows_support_network=True,
                         course_code="family-and-friends", capacity=10)
    _sign_in(client, household)
    response = _book(client, event, household.applicants, supporter_1="Grandma Rose", supporter_2="Uncle Ade")
    assert response.status_code == 303
    booking = db.scalar(select(Booking).where(Booking.household_id == household.id))
    assert booking.places == 4
    assert [a.name for a in booking.attendees if a.is_supporter] == ["Grandma Rose", "Uncle Ade"]


def test_supporters_are_refused_where_the_event_does_not_take_them(client, db):
    household = create_household(db)
    event = create_event(db)
    _sign_in(client, household)
    response = _book(client, event, household.applicants, supporter_1="A friend")
    assert response.status_code == 422
    assert "Only members of your household can come" in response.get_data(as_text=True)
