"""Retention: enquiries that never led to a registration of interest are deleted after a
period (two years, as the privacy notice promises).

An enquiry linked to a household is kept: the household's records are held by law and the
enquiry is part of them. Everything else that holds the enquirer's name or address goes with
it: the timeline, the emailed links, the initial visit, bookings made without an account and
the emails sent to them. Audit rows stay: they hold ids, not personal data.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.orm import Session

from portal.models import (
    Attendance, Booking, BookingAttendee, BookingStatus, BookingToken, Enquiry, EnquiryActivity, EnquiryToken, Event,
    InitialVisit, OutboxMessage, ReminderLog,
)
from portal.services import audit
from portal.services.errors import DomainError

DEFAULT_KEEP_DAYS = 730
# Enough ids per statement to be quick, few enough for every database's parameter limit.
_BATCH = 500


@dataclass
class PurgeReport:
    """Rows deleted (or, in a dry run, that would be), per table."""

    enquiries: int = 0
    enquiry_activities: int = 0
    enquiry_tokens: int = 0
    initial_visits: int = 0
    bookings: int = 0
    booking_tokens: int = 0
    booking_attendees: int = 0
    attendances: int = 0
    reminder_logs: int = 0
    outbox_messages: int = 0
    duplicate_links_cleared: int = 0

    def add(self, other: PurgeReport) -> None:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    def lines(self) -> list[str]:
        return [f"{field.name.replace('_', ' ')}: {getattr(self, field.name)}" for field in fields(self)]


def _period(keep_days: int) -> str:
    if keep_days % 365 == 0:
        years = keep_days // 365
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{keep_days} day{'s' if keep_days != 1 else ''}"


def due_for_deletion(session: Session, *, now: datetime, keep_days: int = DEFAULT_KEEP_DAYS) -> list[int]:
    """The ids of enquiries with no household whose last activity is older than ``keep_days``.

    Last activity is the newest of when it arrived, its timeline and the end of any event it
    booked. A booking for an event that has not ended is always newer than the cut-off (which
    is never after ``now``), so an enquiry with a future booking is never due.
    """
    cutoff = now - timedelta(days=keep_days)
    recent_activity = exists().where(EnquiryActivity.enquiry_id == Enquiry.id, EnquiryActivity.occurred_at >= cutoff)
    recent_booking = exists().where(
        Booking.enquiry_id == Enquiry.id, Booking.event_id == Event.id, Event.ends_at >= cutoff,
    )
    query = (
        select(Enquiry.id)
        .where(Enquiry.household_id.is_(None), Enquiry.created_at < cutoff, ~recent_activity, ~recent_booking)
        .order_by(Enquiry.id)
    )
    return list(session.scalars(query))


def purge_enquiries(
    session: Session, *, now: datetime, keep_days: int = DEFAULT_KEEP_DAYS, dry_run: bool = False,
) -> PurgeReport:
    """Delete every enquiry due for deletion with what hangs off it, in the caller's
    transaction (this flushes; the caller commits). A dry run counts and changes nothing."""
    if keep_days < 1:
        raise DomainError("Keep enquiries for at least one day", "keep_days")
    ids = due_for_deletion(session, now=now, keep_days=keep_days)
    report = PurgeReport()
    for start in range(0, len(ids), _BATCH):
        report.add(_purge_batch(session, ids[start:start + _BATCH], now=now, dry_run=dry_run))
    if not dry_run:
        count = report.enquiries
        audit.record(
            session, None, "purged", ("Enquiry", None), now=now,
            summary=f"Deleted {count} enquir{'ies' if count != 1 else 'y'} not pursued for {_period(keep_days)}",
        )
        session.flush()
        # Rows deleted in bulk may still sit in the identity map; nothing should find them there.
        session.expire_all()
    return report


def _purge_batch(session: Session, ids: list[int], *, now: datetime, dry_run: bool) -> PurgeReport:
    report = PurgeReport()

    def remove(model, *criteria) -> int:
        count = session.scalar(select(func.count()).select_from(model).where(*criteria)) or 0
        if count and not dry_run:
            session.execute(delete(model).where(*criteria).execution_options(synchronize_session=False))
        return count

    emails = sorted({email.strip().lower() for email in session.scalars(select(Enquiry.email).where(Enquiry.id.in_(ids)))})
    # Bookings made without an account for events that have ended. Household bookings that
    # point at the enquiry belong to the household and are kept (their link is cleared below).
    booking_ids = list(session.scalars(
        select(Booking.id).join(Event, Event.id == Booking.event_id)
        .where(Booking.enquiry_id.in_(ids), Booking.household_id.is_(None), Event.ends_at <= now)
    ))

    if booking_ids:
        if not dry_run:
            _release_places(session, booking_ids)
        report.booking_tokens = remove(BookingToken, BookingToken.booking_id.in_(booking_ids))
        report.booking_attendees = remove(BookingAttendee, BookingAttendee.booking_id.in_(booking_ids))
        report.attendances = remove(Attendance, Attendance.booking_id.in_(booking_ids))
        report.reminder_logs = remove(ReminderLog, ReminderLog.booking_id.in_(booking_ids))
        report.bookings = remove(Booking, Booking.id.in_(booking_ids))
    if not dry_run:
        session.execute(
            update(Booking).where(Booking.enquiry_id.in_(ids)).values(enquiry_id=None)
            .execution_options(synchronize_session=False)
        )

    report.enquiry_tokens = remove(EnquiryToken, EnquiryToken.enquiry_id.in_(ids))
    report.enquiry_activities = remove(EnquiryActivity, EnquiryActivity.enquiry_id.in_(ids))
    report.initial_visits = remove(InitialVisit, InitialVisit.enquiry_id.in_(ids))
    if emails:
        # Emails to the enquirer's address outside any household: copies of their name and
        # details. Messages to a household are the household's records and stay.
        report.outbox_messages = remove(
            OutboxMessage, func.lower(OutboxMessage.to_address).in_(emails), OutboxMessage.household_id.is_(None),
        )

    # Another enquiry from the same person (kept, or newer) loses its link to this one. The
    # version is raised so that an edit of it begun before the purge is refused, not merged.
    pointing = (Enquiry.duplicate_of_id.in_(ids),)
    report.duplicate_links_cleared = session.scalar(select(func.count()).select_from(Enquiry).where(*pointing)) or 0
    if report.duplicate_links_cleared and not dry_run:
        session.execute(
            update(Enquiry).where(*pointing).values(duplicate_of_id=None, version=Enquiry.version + 1)
            .execution_options(synchronize_session=False)
        )
    report.enquiries = remove(Enquiry, Enquiry.id.in_(ids))
    return report


def _release_places(session: Session, booking_ids: list[int]) -> None:
    """Keep ``Event.booked`` equal to the places of the confirmed bookings that remain."""
    taken = session.execute(
        select(Booking.event_id, func.sum(Booking.places))
        .where(Booking.id.in_(booking_ids), Booking.status == BookingStatus.CONFIRMED)
        .group_by(Booking.event_id)
    ).all()
    for event_id, places in taken:
        session.execute(
            update(Event).where(Event.id == event_id)
            .values(booked=Event.booked - places, revision=Event.revision + 1)
            .execution_options(synchronize_session=False)
        )
