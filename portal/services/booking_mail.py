"""The emails a booking sends: confirmations with a calendar file, waiting-list news,
cancellations, reminders and catch-up offers. One message per person, queued in the
transaction of the change that caused it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, object_session

from portal.models import Booking, BookingStatus, BookingToken, Event, EventDay
from portal.services import calendars, mail
from portal.services.tokens import digest, new_token


@dataclass
class Recipient:
    address: str
    name: str


def recipients(booking: Booking) -> list[Recipient]:
    if booking.household_id is not None:
        return [Recipient(u.email, u.first_name) for u in booking.household.applicants if u.is_active]
    return [Recipient(booking.contact_email, booking.first_name or "")]


# The emails whose text links to the booking: only these are given a token, so that no
# usable link is made that nobody was sent.
_WITH_MANAGE_LINK = frozenset({"booking_confirmed", "waiting_list", "already_booked", "promoted", "reminder",
                               "event_changed"})


def new_manage_token(session: Session, booking: Booking, *, now: datetime) -> str:
    """A token for one email's link to manage a booking made without an account. Only its
    digest is kept; the tokens in earlier emails stay valid."""
    raw = new_token()
    session.add(BookingToken(booking_id=booking.id, token_hash=digest(raw), created_at=now))
    return raw


def manage_url(booking: Booking, *, now: datetime, token: str | None = None) -> str:
    if booking.household_id is not None:
        return mail.external_url("events.my_bookings")
    token = token or new_manage_token(object_session(booking), booking, now=now)
    return mail.external_url("events.manage_link", token=token)


def event_url(event: Event) -> str:
    return mail.external_url("events.show", event_id=event.id)


def _ics(event: Event) -> str:
    return calendars.event_calendar(event, url=event_url(event), include_address=True)


def _send(booking: Booking, template: str, subject: str, *, now: datetime, ics: str | None = None,
          manage_token: str | None = None, **context) -> None:
    session = object_session(booking)
    event = booking.event
    link = manage_url(booking, now=now, token=manage_token) if template in _WITH_MANAGE_LINK else None
    for person in recipients(booking):
        mail.queue_email(
            session, person.address, f"events/{template}", subject, household_id=booking.household_id,
            ics=ics, ics_filename="event.ics" if ics else None, now=now,
            name=person.name, event=event, booking=booking, manage_url=link, event_url=event_url(event),
            shows_address=booking.status == BookingStatus.CONFIRMED or not event.hides_address, **context,
        )


def booking_made(session, booking: Booking, *, now: datetime, manage_token: str | None = None) -> None:
    """``manage_token``: the raw token issued with a booking made without an account."""
    event = booking.event
    if booking.status == BookingStatus.CONFIRMED:
        _send(booking, "booking_confirmed", f"You are booked: {event.display_title}", now=now, ics=_ics(event),
              manage_token=manage_token)
    else:
        _send(booking, "waiting_list", f"You are on the waiting list: {event.display_title}", now=now,
              manage_token=manage_token)


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
        # Only a held place is in someone's calendar; a waiting place gets no calendar file.
        held = booking.status == BookingStatus.CONFIRMED
        _send(booking, "event_cancelled", f"Cancelled: {event.display_title}", now=now,
              ics=ics if held else None, held_place=held)


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
