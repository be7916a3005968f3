"""The emails a booking sends: confirmations with a calendar file, waiting-list news,
cancellations, reminders and catch-up offers. One message per person, queued in the
transaction of the change that caused it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.models import Booking, BookingStatus, Event, EventDay
from portal.services import calendars, mail


@dataclass
class Recipient:
    address: str
    name: str


def recipients(booking: Booking) -> list[Recipient]:
    if booking.household_id is not None:
        return [Recipient(u.email, u.first_name) for u in booking.household.applicants if u.is_active]
    return [Recipient(booking.contact_email, booking.first_name or "")]


def manage_url(booking: Booking) -> str:
    if booking.household_id is not None:
        return mail.external_url("events.my_bookings")
    return mail.external_url("events.manage_link", token=booking.manage_token)


def event_url(event: Event) -> str:
    return mail.external_url("events.show", event_id=event.id)


def _ics(event: Event) -> str:
    return calendars.event_calendar(event, url=event_url(event), include_address=True)


def _send(booking: Booking, template: str, subject: str, *, now: datetime, ics: str | None = None, **context) -> None:
    from sqlalchemy.orm import object_session

    session = object_session(booking)
    event = booking.event
    for person in recipients(booking):
        mail.queue_email(
            session, person.address, f"events/{template}", subject, household_id=booking.household_id,
            ics=ics, ics_filename="event.ics" if ics else None, now=now,
            name=person.name, event=event, booking=booking, manage_url=manage_url(booking), event_url=event_url(event),
            shows_address=booking.status == BookingStatus.CONFIRMED or not event.hides_address, **context,
        )


def booking_made(session, booking: Booking, *, now: datetime) -> None:
    event = booking.event
    if booking.status == BookingStatus.CONFIRMED:
        _send(booking, "booking_confirmed", f"You are booked: {event.display_title}", now=now, ics=_ics(event))
    else:
        _send(booking, "waiting_list", f"You are on the waiting list: {event.display_title}", now=now)


def already_booked(session, booking: Booking, *, now: datetime) -> None:
    # A second press of the button is not news: only a later attempt gets a reminder of the booking.
    if now - booking.created_at < timedelta(minutes=10):
        return
    _send(booking, "already_booked", f"You already have a booking: {booking.event.display_title}", now=now)


def promoted(session, booking: Booking, *, now: datetime) -> None:
    event = booking.event
    _send(booking, "promoted", f"A place has come up for you: {event.display_title}", now=now, ics=_ics(event))


def booking_cancelled(session, booking: Booking, *, now: datetime, by_staff: bool = False) -> None:
    _send(booking, "booking_cancelled", f"Booking cancelled: {booking.event.display_title}", now=now, by_staff=by_staff)


def cancellation_requested(session, booking: Booking, *, now: datetime) -> None:
    event = booking.event
    agency = event.agency
    if not agency.email:
        return
    mail.queue_email(
        session, agency.email, "events/cancellation_request", f"Request to cancel booking {booking.reference}",
        household_id=booking.household_id, now=now, event=event, booking=booking,
        staff_url=mail.external_url("events_staff.show", event_id=event.id),
    )


def event_cancelled(session, event: Event, bookings: list[Booking], *, now: datetime) -> None:
    ics = _ics(event)
    for booking in bookings:
        _send(booking, "event_cancelled", f"Cancelled: {event.display_title}", now=now, ics=ics)


def event_changed(session, event: Event, bookings: list[Booking], *, changes: list[str], now: datetime) -> None:
    ics = _ics(event)
    for booking in bookings:
        _send(booking, "event_changed", f"Changed: {event.display_title}", now=now,
              ics=ics if booking.status == BookingStatus.CONFIRMED else None, changes=changes)


def reminder(session, booking: Booking, day: EventDay, *, now: datetime) -> None:
    _send(booking, "reminder", f"Reminder: {booking.event.display_title}, {_short_day(day)}", now=now, day=day)


def joining_link(session, booking: Booking, day: EventDay, *, now: datetime) -> None:
    _send(booking, "joining_link", f"Today: how to join {booking.event.display_title}", now=now, day=day)


def catch_up_offer(session, booking: Booking, missed_day: int, next_event: Event, next_day: EventDay, *,
                   now: datetime) -> None:
    _send(booking, "catch_up_offer", f"You missed day {missed_day}: book it on the next course", now=now,
          missed_day=missed_day, next_event=next_event, next_day=next_day,
          next_url=mail.external_url("events.my_bookings"))


def _short_day(day: EventDay) -> str:
    from portal.clock import to_london

    local = to_london(day.starts_at)
    return f"{local.strftime('%A')} {local.day} {local.strftime('%B')}"
