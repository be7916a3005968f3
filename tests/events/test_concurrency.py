"""Never overbooked, proved the way pretix proves it: many real, simultaneous bookings for the
last places on a database of their own (SQLite here, PostgreSQL in CI), exact counts after,
and a control run with the guard replaced by a plain check-then-write that must overbook,
showing that the check can fail.

Each thread books as a request does: its reads are done and committed, then it books inside
``write_lock()`` (what every POST request runs in) and commits.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.clock import utcnow
from portal.db import write_lock
from portal.models import Booking, BookingStatus, Event, Household
from portal.services import bookings
from tests.factories import create_agency, create_event, create_household
from tests.support import csrf_from, sign_in

pytestmark = pytest.mark.concurrency

BOOKERS = 20
PLACES = 5


def _setup(app, *, households: int, capacity: int, applicants: int = 1):
    with app.app_context():
        with app.extensions["db"].session() as session:
            agency = create_agency(session, is_hub=True, slug="hub", name="Hub")
            homes = [create_household(session, agency=agency, applicants=applicants) for _ in range(households)]
            event = create_event(session, agency=agency, capacity=capacity)
            session.commit()
            return event.id, [h.id for h in homes]


def _run(app, event_id: int, household_ids: list[int], seen: dict | None = None) -> tuple[list, list[str]]:
    """Everyone presses Book at the same moment: each reads the event (as its page did), and
    only when all have read does anyone write. Returns (statuses, errors); ``seen`` collects
    the places each booker saw taken, by thread."""
    barrier = threading.Barrier(len(household_ids))
    statuses, errors = [], []

    def book(household_id: int):
        with app.app_context():
            session = app.extensions["db"].session()
            try:
                event = session.get(Event, event_id)
                household = session.get(Household, household_id)
                user = household.applicants[0]
                _ = event.agency, household.agency
                if seen is not None:
                    seen[threading.get_ident()] = event.booked
                session.commit()
                barrier.wait(timeout=30)
                with write_lock():
                    result = bookings.book_for_household(session, user, event, household,
                                                         applicant_ids=[a.id for a in household.applicants], now=utcnow())
                    session.commit()
                statuses.append(result.booking.status)
            except Exception as error:  # noqa: BLE001 - every failure is a finding here
                session.rollback()
                errors.append(f"{type(error).__name__}: {error}")
            finally:
                session.close()

    threads = [threading.Thread(target=book, args=(h,)) for h in household_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses, errors


def _counts(app, event_id: int):
    with app.app_context(), app.extensions["db"].session() as session:
        rows = dict(session.execute(select(Booking.status, func.count()).where(Booking.event_id == event_id)
                                    .group_by(Booking.status)).all())
        booked = session.scalar(select(Event.booked).where(Event.id == event_id))
        confirmed_places = session.scalar(select(func.coalesce(func.sum(Booking.places), 0)).where(
            Booking.event_id == event_id, Booking.status == BookingStatus.CONFIRMED))
        return rows.get(BookingStatus.CONFIRMED, 0), rows.get(BookingStatus.WAITING, 0), booked, confirmed_places


def test_twenty_bookers_for_five_places_never_overbook(committed_app):
    app = committed_app
    event_id, households = _setup(app, households=BOOKERS, capacity=PLACES)
    statuses, errors = _run(app, event_id, households)
    assert errors == []
    assert statuses.count(BookingStatus.CONFIRMED) == PLACES
    assert statuses.count(BookingStatus.WAITING) == BOOKERS - PLACES
    assert _counts(app, event_id) == (PLACES, BOOKERS - PLACES, PLACES, PLACES)

    # The waiting list is an order: when a place frees, the first in it is promoted, and
    # nobody beyond the freed place.
    with app.app_context(), app.extensions["db"].session() as session:
        event = session.get(Event, event_id)
        queue = bookings.waiting_list(session, event)
        assert len(queue) == BOOKERS - PLACES
        assert len({(b.queued_at, b.id) for b in queue}) == len(queue)
        leaver = session.scalar(select(Booking).where(Booking.event_id == event_id,
                                                      Booking.status == BookingStatus.CONFIRMED).limit(1))
        with write_lock():
            promoted = bookings.cancel_booking(session, None, leaver, now=utcnow())
            session.commit()
        assert [b.id for b in promoted] == [queue[0].id]
    assert _counts(app, event_id)[2:] == (PLACES, PLACES)


def test_the_control_without_the_guard_overbooks(committed_app, monkeypatch):
    """With the conditional UPDATE replaced by a check-then-write (the count checked is the one
    each booker read before the barrier; the write has no condition), the same run overbooks:
    the test above is able to fail. The check sits before the barrier rather than inside the
    claim because SQLite runs one writing transaction at a time: a barrier inside it would
    wait for threads that cannot get in."""
    app = committed_app
    seen: dict[int, int] = {}
    claims = []

    def check_then_write(session, event, places):
        looked = seen[threading.get_ident()]
        claims.append(looked)
        if looked + places > event.capacity:
            return False
        session.execute(update(Event).where(Event.id == event.id)
                        .values(booked=Event.booked + places, revision=Event.revision + 1)
                        .execution_options(synchronize_session=False))
        session.expire(event, ["booked", "revision"])
        return True

    monkeypatch.setattr(bookings, "_claim_places", check_then_write)
    event_id, households = _setup(app, households=BOOKERS, capacity=PLACES)
    statuses, errors = _run(app, event_id, households, seen=seen)
    assert errors == [] and len(claims) == BOOKERS
    confirmed, _waiting, booked, confirmed_places = _counts(app, event_id)
    assert confirmed > PLACES and booked > PLACES and confirmed_places > PLACES


def test_couples_waiting_for_the_last_place_get_both_or_neither(committed_app):
    app = committed_app
    event_id, households = _setup(app, households=8, capacity=5, applicants=2)
    statuses, errors = _run(app, event_id, households)
    assert errors == []
    confirmed, waiting, booked, confirmed_places = _counts(app, event_id)
    assert (confirmed, waiting) == (2, 6)
    assert booked == confirmed_places == 4  # the fifth place cannot seat a couple


def test_simultaneous_cancellations_promote_exactly_the_freed_places(committed_app):
    app = committed_app
    event_id, households = _setup(app, households=9, capacity=5)
    statuses, errors = _run(app, event_id, households[:8])
    assert errors == [] and statuses.count(BookingStatus.CONFIRMED) == 5

    with app.app_context(), app.extensions["db"].session() as session:
        leavers = [b.id for b in session.scalars(select(Booking).where(
            Booking.event_id == event_id, Booking.status == BookingStatus.CONFIRMED).order_by(Booking.id).limit(2))]
    barrier = threading.Barrier(3)
    errors = []

    def cancel(booking_id):
        with app.app_context():
            session = app.extensions["db"].session()
            try:
                booking = session.get(Booking, booking_id)
                _ = booking.event.agency
                session.commit()
                barrier.wait(timeout=30)
                with write_lock():
                    bookings.cancel_booking(session, None, booking, now=utcnow())
                    session.commit()
            except Exception as error:  # noqa: BLE001
                session.rollback()
                errors.append(repr(error))
            finally:
                session.close()

    def newcomer():
        barrier.wait(timeout=30)
        statuses_new, errors_new = _run(app, event_id, households[8:])
        errors.extend(errors_new)

    threads = [threading.Thread(target=cancel, args=(b,)) for b in leavers] + [threading.Thread(target=newcomer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    confirmed, waiting, booked, confirmed_places = _counts(app, event_id)
    assert booked == confirmed_places == confirmed == 5
    assert waiting == 2  # three waited and two were promoted; the newcomer waits behind the third


def test_a_double_click_makes_one_booking(committed_app):
    """Two identical POSTs from one signed-in browser, at the same moment, over HTTP."""
    app = committed_app
    event_id, households = _setup(app, households=1, capacity=10, applicants=2)
    with app.app_context(), app.extensions["db"].session() as session:
        household = session.get(Household, households[0])
        email, applicant_ids = household.applicants[0].email, [str(a.id) for a in household.applicants]
    first = app.test_client()
    from tests.factories import PASSWORD

    sign_in(first, email, PASSWORD)
    token = csrf_from(first.get(f"/events/{event_id}/book").get_data(as_text=True))
    cookie = first.get_cookie(app.config["SESSION_COOKIE_NAME"])
    clients = [first, app.test_client()]
    clients[1].set_cookie(cookie.key, cookie.value)
    barrier = threading.Barrier(2)
    codes = []

    def press(client):
        barrier.wait(timeout=30)
        codes.append(client.post(f"/events/{event_id}/book", data={"csrf_token": token, "applicants": applicant_ids}).status_code)

    threads = [threading.Thread(target=press, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert codes == [303, 303]
    confirmed, waiting, booked, _ = _counts(app, event_id)
    assert (confirmed, waiting, booked) == (1, 0, 2)


def _press_twice_at_once(app, email: str, page: str, url: str) -> list[int]:
    """Two POSTs from one signed-in browser (two tabs, or a double click) at the same moment."""
    from tests.factories import PASSWORD

    first = app.test_client()
    sign_in(first, email, PASSWORD)
    token = csrf_from(first.get(page).get_data(as_text=True))
    cookie = first.get_cookie(app.config["SESSION_COOKIE_NAME"])
    second = app.test_client()
    second.set_cookie(cookie.key, cookie.value)
    barrier = threading.Barrier(2)
    codes = []

    def press(client):
        barrier.wait(timeout=30)
        codes.append(client.post(url, data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=press, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return codes


def test_a_double_click_on_cancel_cancels_and_tells_once(committed_app):
    from portal.models import AuditEvent, OutboxMessage

    app = committed_app
    event_id, households = _setup(app, households=1, capacity=10)
    with app.app_context(), app.extensions["db"].session() as session:
        household = session.get(Household, households[0])
        email = household.applicants[0].email
        with write_lock():
            booking_id = bookings.book_for_household(session, household.applicants[0], session.get(Event, event_id),
                                                     household, applicant_ids=[household.applicants[0].id]).booking.id
            session.commit()
    url = f"/events/{event_id}/bookings/{booking_id}/cancel"
    assert _press_twice_at_once(app, email, url, url) == [303, 303]
    with app.app_context(), app.extensions["db"].session() as session:
        assert session.get(Booking, booking_id).status == BookingStatus.CANCELLED
        assert session.scalar(select(Event.booked).where(Event.id == event_id)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.template == "events/booking_cancelled")) == 1
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "cancelled", AuditEvent.object_id == booking_id)) == 1


def test_two_tabs_making_the_calendar_address_make_one(committed_app):
    from portal.models import CalendarFeed

    app = committed_app
    _event_id, households = _setup(app, households=1, capacity=1)
    with app.app_context(), app.extensions["db"].session() as session:
        email = session.get(Household, households[0]).applicants[0].email
    assert _press_twice_at_once(app, email, "/events/bookings", "/events/bookings/calendar") == [303, 303]
    with app.app_context(), app.extensions["db"].session() as session:
        assert session.scalar(select(func.count()).select_from(CalendarFeed)) == 1


def test_reminders_run_twice_at_once_send_once(committed_app):
    from portal.models import OutboxMessage, ReminderLog
    from portal.services.reminders import send_reminders

    app = committed_app
    with app.app_context(), app.extensions["db"].session() as session:
        agency = create_agency(session, is_hub=True, slug="hub", name="Hub")
        household = create_household(session, agency=agency)
        now = utcnow()
        event = create_event(session, agency=agency, starts_at=now + timedelta(days=1, hours=12))
        with write_lock():
            bookings.book_for_household(session, household.applicants[0], event, household,
                                        applicant_ids=[household.applicants[0].id], now=now - timedelta(days=5))
            session.commit()
    barrier = threading.Barrier(2)
    errors = []

    def run():
        with app.app_context():
            session = app.extensions["db"].session()
            try:
                barrier.wait(timeout=30)
                with write_lock():
                    send_reminders(session, now=utcnow())
                    session.commit()
            except Exception as error:  # noqa: BLE001
                errors.append(repr(error))
            finally:
                session.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with app.app_context(), app.extensions["db"].session() as session:
        assert session.scalar(select(func.count()).select_from(ReminderLog)) == 1
        assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.template == "events/reminder")) == 1
