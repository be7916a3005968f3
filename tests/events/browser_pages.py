"""How the accessibility check reaches the events pages.

``tests/browser/pages.py`` owns the table of pages; it calls ``register`` with its own
``PAGES``, ``FORMS_WITH_ERRORS`` and ``Page`` so that these rows live beside the feature.
The demo programme (``portal/demo_events.py``) gives the ids: the next information evening,
the first Prepare to Adopt run, the first Stay and Play meeting (Kwame Boateng's household
is booked on it) and its series.
"""
from __future__ import annotations

from sqlalchemy import select

from portal import demo

HUB_ADMIN = demo.staff_email("Hana", "Okafor")
BOOKED_HOUSEHOLD = demo.applicant_email("Kwame", "Boateng")  # Stage 2, Northvale: booked on Stay and Play


def event_id(live, kind: str = "information_evening") -> int:
    from portal.models import Event, EventKind, EventStatus

    return live.run(lambda session: session.scalar(
        select(Event.id).where(Event.kind == EventKind(kind), Event.status == EventStatus.SCHEDULED)
        .order_by(Event.starts_at).limit(1)))


def series_id(live) -> int:
    from portal.models import EventSeries

    return live.run(lambda session: session.scalar(select(EventSeries.id).order_by(EventSeries.id).limit(1)))


def household_booking(live) -> str:
    from portal.models import Booking, User

    def work(session):
        household = session.scalar(select(User.household_id).where(User.email == BOOKED_HOUSEHOLD))
        booking = session.scalar(select(Booking).where(Booking.household_id == household).order_by(Booking.id).limit(1))
        return f"/events/{booking.event_id}/bookings/{booking.id}/cancel"
    return live.run(work)


def manage_link(live) -> str:
    """A booking made without an account, opened from its emailed link."""
    import uuid

    from portal.models import Event
    from portal.services import bookings

    def work(session):
        event = session.get(Event, event_id(live))
        result = bookings.book_without_account(
            session, event, first_name="Alex", last_name="Check", email=f"axe-{uuid.uuid4().hex[:8]}@example.com",
            area_id=None, places=1)
        return result.manage_token
    return f"/bookings/manage/{live.run(work)}"


def register(pages: dict, forms_with_errors: list, Page) -> None:  # noqa: N803 - the table's own class
    manage = Page(url=manage_link, lands_on="/bookings/manage")
    pages.update({
        "/events/<int:event_id>": Page(url=lambda live: f"/events/{event_id(live)}"),
        "/events/<int:event_id>/book": Page(url=lambda live: f"/events/{event_id(live)}/book"),
        "/events/<int:event_id>/booked": Page(url=lambda live: f"/events/{event_id(live)}/booked"),
        "/events/bookings": Page(user=BOOKED_HOUSEHOLD),
        "/events/<int:event_id>/bookings/<int:booking_id>/cancel": Page(user=BOOKED_HOUSEHOLD, url=household_booking),
        "/bookings/manage/<token>": manage,
        "/bookings/manage": manage,
        # Read from this browser's session, which the emailed link (visited just before, in
        # the table's order) has set.
        "/bookings/manage/cancel": Page(),
        "/staff/events": Page(user=HUB_ADMIN),
        "/staff/events/new": Page(user=HUB_ADMIN),
        "/staff/events/series/new": Page(user=HUB_ADMIN),
        **{f"/staff/events/<int:event_id>{tail}": Page(
            user=HUB_ADMIN, url=lambda live, tail=tail, kind=kind: f"/staff/events/{event_id(live, kind)}{tail}")
           for tail, kind in [("", "training"), ("/edit", "information_evening"), ("/cancel", "social")]},
        "/staff/events/series/<int:series_id>": Page(user=HUB_ADMIN, url=lambda live: f"/staff/events/series/{series_id(live)}"),
        "/staff/events/series/<int:series_id>/cancel": Page(
            user=HUB_ADMIN, url=lambda live: f"/staff/events/series/{series_id(live)}/cancel"),
    })
    forms_with_errors.extend([
        "/events/<int:event_id>/book",
        "/staff/events/new",
        "/staff/events/series/new",
        "/staff/events/<int:event_id>/cancel",
    ])

