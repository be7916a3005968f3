"""Reminders, sent by ``flask --app portal send-reminders`` from cron: one two days before a
booked day, and for online events the joining link on the day. Each is logged under a
unique key before its email is queued, so re-runs and overlapping runs never send twice."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from portal.clock import london_to_utc, today_in_london
from portal.models import Booking, BookingStatus, Event, EventDay, EventFormat, EventStatus, ReminderKind, ReminderLog
from portal.services import booking_mail

REMINDER_BEFORE = timedelta(days=2)


@dataclass
class ReminderReport:
    reminders: int = 0
    joining_links: int = 0


def _covered_days(query):
    """Booked days: every day of a whole booking, or the one day of a catch-up place."""
    return query.join(EventDay, and_(
        EventDay.event_id == Booking.event_id,
        (Booking.day_number.is_(None)) | (EventDay.day_number == Booking.day_number),
    ))


def _not_logged(kind: ReminderKind):
    return ~select(ReminderLog.id).where(
        ReminderLog.booking_id == Booking.id, ReminderLog.kind == kind, ReminderLog.day_number == EventDay.day_number,
    ).exists()


def _log(session: Session, booking: Booking, kind: ReminderKind, day: EventDay, now: datetime) -> bool:
    try:
        with session.begin_nested():
            session.add(ReminderLog(booking_id=booking.id, kind=kind, day_number=day.day_number, sent_at=now))
            session.flush()
    except IntegrityError:
        return False  # another run got there first
    return True


def send_reminders(session: Session, *, now: datetime) -> ReminderReport:
    report = ReminderReport()
    base = (select(Booking, EventDay).join(Event, Booking.event_id == Event.id)
            .options(joinedload(Booking.event))
            .where(Booking.status == BookingStatus.CONFIRMED, Event.status == EventStatus.SCHEDULED))

    # Two days before: only the first booked day of a run (each day of a catch-up place is its own).
    due = _covered_days(base).where(
        EventDay.starts_at > now, EventDay.starts_at <= now + REMINDER_BEFORE,
        (Booking.day_number.is_not(None)) | (EventDay.day_number == 1),
        _not_logged(ReminderKind.TWO_DAYS_BEFORE),
    )
    for booking, day in session.execute(due).all():
        if booking.confirmed_at and booking.confirmed_at > day.starts_at - REMINDER_BEFORE:
            continue  # booked within the two days: the confirmation was the reminder
        if _log(session, booking, ReminderKind.TWO_DAYS_BEFORE, day, now):
            booking_mail.reminder(session, booking, day, now=now)
            report.reminders += 1

    # On the day of an online event: how to join.
    today = today_in_london(now)
    day_start = london_to_utc(today, time(0, 0))
    day_end = london_to_utc(today + timedelta(days=1), time(0, 0))
    joining = _covered_days(base).where(
        Event.format == EventFormat.ONLINE, EventDay.starts_at >= day_start, EventDay.starts_at < day_end,
        EventDay.ends_at > now, _not_logged(ReminderKind.JOINING_LINK),
    )
    for booking, day in session.execute(joining).all():
        if _log(session, booking, ReminderKind.JOINING_LINK, day, now):
            booking_mail.joining_link(session, booking, day, now=now)
            report.joining_links += 1
    return report
