"""The events rules for the wrong-person check.

``tests/foundation/test_authorisation.py`` owns the table and merges ``OTHER_RECORD`` into
its own. Each function gets the test session and its ``World`` (two agencies, a household in
each) and gives the URL values of a record that belongs to agency B / household B.

What's On is public, so an event's own pages are asked for with an event that does not
exist: they answer 404 to everyone. A booking belongs to household B, on an event of
agency B; the staff pages are agency B's event and series.
"""
from __future__ import annotations

from datetime import timedelta

MISSING = 987654321


def _event(db, w):
    from tests.factories import create_event

    return create_event(db, agency=w.agency_b, title="Agency B's group", day_count=2,
                        starts_at=(_now() - timedelta(days=1)).replace(microsecond=0))


def _now():
    from portal.clock import utcnow

    return utcnow()


def _booking(db, w):
    from portal.models import Booking, BookingStatus

    event = _event(db, w)
    booking = Booking(reference=f"BK-B{event.id:05d}", event_id=event.id, household_id=w.household_b.id, places=1,
                      status=BookingStatus.CONFIRMED)
    db.add(booking)
    db.flush()
    return booking


def _booking_values(db, w) -> dict:
    booking = _booking(db, w)
    return {"event_id": booking.event_id, "booking_id": booking.id, "day_number": 2}


def _event_values(db, w) -> dict:
    return {"event_id": _event(db, w).id, "day_number": 1}


def _series_values(db, w) -> dict:
    from portal.models import EventKind, EventSeries

    series = EventSeries(agency_id=w.agency_b.id, kind=EventKind.SUPPORT_GROUP, title="Agency B's Stay and Play")
    db.add(series)
    db.flush()
    return {"series_id": series.id}


OTHER_RECORD = {
    **{f"/events/<int:event_id>{tail}": (lambda db, w: {"event_id": MISSING})
       for tail in ("", "/book", "/booked", "/event.ics")},
    "/events/agencies/<slug>/support-groups.ics": lambda db, w: {"slug": "no-such-agency"},
    **{f"/events/<int:event_id>/bookings/<int:booking_id>{tail}": _booking_values
       for tail in ("/cancel", "/request-cancellation", "/catch-up/<int:day_number>")},
    **{f"/staff/events/<int:event_id>{tail}": _event_values
       for tail in ("", "/edit", "/cancel", "/roster.csv", "/attendance/<int:day_number>")},
    "/staff/events/<int:event_id>/bookings/<int:booking_id>/cancel": _booking_values,
    **{f"/staff/events/series/<int:series_id>{tail}": _series_values for tail in ("", "/cancel")},
}
