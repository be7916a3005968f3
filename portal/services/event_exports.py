"""An event's roster as CSV for staff. Every cell that a spreadsheet would read as a formula
is made plain text, and each export is audited: rosters hold personal data."""
from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.clock import to_london, utcnow
from portal.models import Booking, BookingStatus, Event, Household, User
from portal.services import audit
from portal.services.attendance import marks_for
from portal.services.csv_cells import safe_cell

FILENAME = "event-roster.csv"


def roster_bookings(session: Session, event: Event) -> list[Booking]:
    return list(session.scalars(
        select(Booking).options(
            selectinload(Booking.attendees),
            selectinload(Booking.household).selectinload(Household.applicants),
            selectinload(Booking.household).selectinload(Household.agency),
        ).where(Booking.event_id == event.id).order_by(Booking.status, Booking.queued_at, Booking.id)
    ))


def roster_csv(session: Session, actor: User, event: Event, *, now: datetime | None = None) -> str:
    now = now or utcnow()
    bookings = roster_bookings(session, event)
    marks = marks_for(session, event)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    day_numbers = [d.day_number for d in event.days]
    writer.writerow(["Reference", "Status", "People", "Places", "Household", "Agency", "Email", "Booked on", "Catch-up day"]
                    + [f"Attended day {n}" for n in day_numbers])
    order = {BookingStatus.CONFIRMED: 0, BookingStatus.WAITING: 1, BookingStatus.CANCELLED: 2}
    for booking in sorted(bookings, key=lambda b: order[b.status]):
        household = booking.household
        people = ", ".join(a.name for a in booking.attendees) if booking.attendees else booking.contact_name
        email = "; ".join(u.email for u in household.applicants) if household else booking.contact_email
        attended = []
        for n in day_numbers:
            mark = marks.get((booking.id, n))
            attended.append("" if mark is None else ("Yes" if mark else "No"))
        row = [booking.reference, booking.status.label, people, booking.places,
               household.reference if household else "", household.agency.short_name if household else "",
               email, to_london(booking.created_at).strftime("%d/%m/%Y %H:%M"), booking.day_number or ""] + attended
        writer.writerow([safe_cell(value) for value in row])
    audit.record(session, actor, "exported", event, agency_id=event.agency_id, now=now,
                 summary=f"Exported the roster of {event.title[:150]} ({len(bookings)} bookings)")
    return out.getvalue()
