"""Attendance, marked by staff day by day, and what follows from it: an information evening
attended moves the enquiry on; a course is complete only when every one of its days has
been attended (a missed day may be made up on the same day of the next run)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portal.clock import today_in_london, utcnow
from portal.models import (
    Attendance, Booking, BookingStatus, Event, EventDay, EventKind, EventStatus, Household, ReminderKind, ReminderLog,
    User,
)
from portal.services import audit, booking_mail, bookings, enquiries, training
from portal.services.errors import DomainError


def bookings_for_day(session: Session, event: Event, day: EventDay) -> list[Booking]:
    """Confirmed bookings that cover ``day``: the whole run, or a catch-up place for that day."""
    return list(session.scalars(
        select(Booking).options(selectinload(Booking.attendees))
        .where(Booking.event_id == event.id, Booking.status == BookingStatus.CONFIRMED,
               (Booking.day_number.is_(None)) | (Booking.day_number == day.day_number))
        .order_by(Booking.id)
    ))


def marks_for(session: Session, event: Event) -> dict[tuple[int, int], bool]:
    """(booking id, day number) -> attended, for the roster."""
    rows = session.execute(
        select(Attendance.booking_id, EventDay.day_number, Attendance.attended)
        .join(EventDay, Attendance.day_id == EventDay.id).where(EventDay.event_id == event.id)
    ).all()
    return {(booking_id, number): attended for booking_id, number, attended in rows}


@dataclass
class AttendanceResult:
    attended: int
    absent: int
    completed: list[Household]


def mark_attendance(session: Session, actor: User, event: Event, day: EventDay, attended_ids: set[int], *,
                    now: datetime | None = None) -> AttendanceResult:
    """Record who came on ``day``: every booking covering the day is marked, ticked or not."""
    now = now or utcnow()
    if day.event_id != event.id:
        raise DomainError("That day is not part of this event")
    if event.status == EventStatus.CANCELLED:
        raise DomainError("This event was cancelled")
    if day.starts_at > now:
        raise DomainError("You can mark attendance once the day has started")
    covering = bookings_for_day(session, event, day)
    existing = {a.booking_id: a for a in session.scalars(select(Attendance).where(Attendance.day_id == day.id))}
    result = AttendanceResult(0, 0, [])
    for booking in covering:
        came = booking.id in attended_ids
        mark = existing.get(booking.id)
        if mark is None:
            session.add(Attendance(booking_id=booking.id, day_id=day.id, attended=came, marked_at=now, marked_by_id=actor.id))
        elif mark.attended != came:
            mark.attended, mark.marked_at, mark.marked_by_id = came, now, actor.id
        result.attended += came
        result.absent += not came
    session.flush()
    for booking in covering:
        if booking.id in attended_ids:
            _after_attended(session, actor, booking, day, result, now=now)
        else:
            _offer_catch_up(session, booking, day, now=now)
    audit.record(session, actor, "marked_attendance", event, agency_id=event.agency_id, now=now,
                 summary=f"Attendance for day {day.day_number} of {event.title[:150]}: "
                         f"{result.attended} attended, {result.absent} did not")
    return result


def _after_attended(session: Session, actor: User, booking: Booking, day: EventDay, result: AttendanceResult, *,
                    now: datetime) -> None:
    event = booking.event
    if event.kind == EventKind.INFORMATION_EVENING and booking.enquiry is not None:
        enquiries.on_information_evening_attended(session, booking.enquiry, actor=actor, now=now)
    if event.course_code and booking.household is not None and _has_attended_every_day(session, booking):
        if not training.has_completed(session, booking.household, event.course_code):
            result.completed.append(booking.household)
        training.record_completion(session, actor, booking.household, event.course_code,
                                   completed_on=today_in_london(day.starts_at), event_id=event.id, now=now)


def attended_day_numbers(session: Session, household_id: int, course_code: str) -> set[int]:
    """The day numbers of a course the household has attended, on any run of it."""
    return set(session.scalars(
        select(EventDay.day_number)
        .join(Attendance, Attendance.day_id == EventDay.id)
        .join(Booking, Attendance.booking_id == Booking.id)
        .join(Event, EventDay.event_id == Event.id)
        .where(Booking.household_id == household_id, Event.course_code == course_code,
               Attendance.attended.is_(True), Booking.status == BookingStatus.CONFIRMED)
    ))


def _has_attended_every_day(session: Session, booking: Booking) -> bool:
    event = booking.event
    needed = set(range(1, event.day_count + 1))
    return needed <= attended_day_numbers(session, booking.household_id, event.course_code)


# Catching up a missed day ---------------------------------------------------------------------

def next_run_day(session: Session, event: Event, day_number: int, *, now: datetime) -> tuple[Event, EventDay] | None:
    """The same day of the next run of the same course that can still be booked."""
    if not event.course_code or event.day_count < 2:
        return None
    candidates = session.scalars(
        select(Event).options(selectinload(Event.days)).where(
            Event.course_code == event.course_code, Event.id != event.id, Event.status == EventStatus.SCHEDULED,
            Event.starts_at > event.starts_at, Event.starts_at > now, Event.booking_closes_at > now,
            Event.day_count >= day_number,
        ).order_by(Event.starts_at).limit(5)
    ).all()
    for run in candidates:
        for run_day in run.days:
            if run_day.day_number == day_number:
                return run, run_day
    return None


def _offer_catch_up(session: Session, booking: Booking, day: EventDay, *, now: datetime) -> None:
    """Tell a household that missed a day of a course where it can make it up: once per day."""
    event = booking.event
    if booking.household_id is None or not event.course_code or event.day_count < 2:
        return
    if day.day_number in attended_day_numbers(session, booking.household_id, event.course_code):
        return
    found = next_run_day(session, event, day.day_number, now=now)
    if found is None:
        return
    try:
        with session.begin_nested():
            session.add(ReminderLog(booking_id=booking.id, kind=ReminderKind.CATCH_UP_OFFER, day_number=day.day_number,
                                    sent_at=now))
            session.flush()
    except IntegrityError:
        return  # offered already
    booking_mail.catch_up_offer(session, booking, day.day_number, found[0], found[1], now=now)


@dataclass
class CatchUp:
    booking: Booking  # the booking on which a day was missed
    day_number: int
    next_event: Event
    next_day: EventDay


def catch_ups_for(session: Session, household: Household, *, now: datetime) -> list[CatchUp]:
    """Missed course days the household can still make up, with where."""
    missed = session.execute(
        select(Booking, EventDay.day_number)
        .join(Attendance, Attendance.booking_id == Booking.id)
        .join(EventDay, Attendance.day_id == EventDay.id)
        .where(Booking.household_id == household.id, Attendance.attended.is_(False),
               Booking.status == BookingStatus.CONFIRMED)
    ).all()
    offers: list[CatchUp] = []
    seen: set[tuple[str, int]] = set()
    for booking, day_number in missed:
        code = booking.event.course_code
        if not code or (code, day_number) in seen:
            continue
        seen.add((code, day_number))
        if day_number in attended_day_numbers(session, household.id, code):
            continue
        found = next_run_day(session, booking.event, day_number, now=now)
        if found is None:
            continue
        already = session.scalar(select(Booking.id).where(
            Booking.household_id == household.id, Booking.event_id == found[0].id,
            Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.WAITING])))
        if already is None:
            offers.append(CatchUp(booking, day_number, found[0], found[1]))
    return offers


def book_catch_up(session: Session, actor: User, household: Household, missed: Booking, day_number: int, *,
                  now: datetime | None = None) -> bookings.BookingResult:
    """Book the missed day on the next run, for the same people."""
    now = now or utcnow()
    offer = next((o for o in catch_ups_for(session, household, now=now)
                  if o.booking.id == missed.id and o.day_number == day_number), None)
    if offer is None:
        raise DomainError("There is no later run of this course to make up that day on. Contact your agency.")
    applicant_ids = [a.user_id for a in missed.attendees if a.user_id is not None]
    supporters = [a.name for a in missed.attendees if a.is_supporter]
    return bookings.book_for_household(
        session, actor, offer.next_event, household, applicant_ids=applicant_ids or [u.id for u in household.applicants],
        supporters=supporters, now=now, day_number=day_number, skip_audience=True,
    )
