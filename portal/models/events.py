"""Everything people attend: information evenings, training courses (a run may span several
days), support-group meetings (often in a series) and social events; the bookings made for
them, the waiting list, attendance per day and the reminders already sent.

Places count people. ``Event.booked`` is the number of places taken by confirmed bookings and
only ever changes through a conditional UPDATE in ``services.bookings``, so that two people
can never take the last place; the unique (household, event) constraint stops a household
from holding two bookings.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import UTCDateTime, utcnow
from portal.db import Base
from portal.models.users import str_enum


class EventKind(str, enum.Enum):
    INFORMATION_EVENING = "information_evening"
    TRAINING = "training"
    SUPPORT_GROUP = "support_group"
    SOCIAL = "social"

    @property
    def label(self) -> str:
        return {
            "information_evening": "Information evening", "training": "Training",
            "support_group": "Support group", "social": "Social event",
        }[self.value]

    @property
    def plural(self) -> str:
        return {
            "information_evening": "Information evenings", "training": "Training courses",
            "support_group": "Support groups", "social": "Social events",
        }[self.value]


class EventFormat(str, enum.Enum):
    ONLINE = "online"
    IN_PERSON = "in_person"

    @property
    def label(self) -> str:
        return {"online": "Online", "in_person": "In person"}[self.value]


class Audience(str, enum.Enum):
    """Who may book. Rules that read the household's journey live in ``services.events``."""

    PUBLIC = "public"  # anyone, without an account
    HOUSEHOLDS = "households"  # any household with an account
    PREPARATION = "preparation"  # Stage 1 onwards (a registration of interest accepted)
    STAGE_2 = "stage_2"  # Stage 2 onwards and approved adopters; kinship carers too
    APPROVED = "approved"  # approved adopters and adoptive families
    KINSHIP = "kinship"  # kinship carers and special guardians

    @property
    def label(self) -> str:
        return {
            "public": "Anyone thinking about adopting: no account needed",
            "households": "Households with an account",
            "preparation": "Households in Stage 1 or later",
            "stage_2": "Adopters from Stage 2, approved adopters and kinship carers",
            "approved": "Approved adopters and adoptive families",
            "kinship": "Kinship carers and special guardians",
        }[self.value]


class EventStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class BookingStatus(str, enum.Enum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"confirmed": "Booked", "waiting": "On the waiting list", "cancelled": "Cancelled"}[self.value]


class EventSeries(Base):
    """Meetings that belong together (monthly Stay and Play): made, listed and cancelled as one."""

    __tablename__ = "event_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    agency: Mapped["Agency"] = relationship()  # noqa: F821
    events: Mapped[list[Event]] = relationship(back_populates="series", order_by="Event.starts_at")


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("booked >= 0", name="booked_not_negative"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The iCalendar UID: fixed at creation, so calendars recognise the event after any change.
    uid: Mapped[str] = mapped_column(String(80), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("event_series.id", ondelete="SET NULL"), index=True)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind), index=True)
    format: Mapped[EventFormat] = mapped_column(str_enum(EventFormat))
    audience: Mapped[Audience] = mapped_column(str_enum(Audience))
    # False: only households of the organising agency may book.
    open_to_all_agencies: Mapped[bool] = mapped_column(Boolean, default=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str | None] = mapped_column(String(200))  # a support-group meeting's subject
    course_code: Mapped[str | None] = mapped_column(String(60), index=True)
    venue_name: Mapped[str | None] = mapped_column(String(200))
    venue_address: Mapped[str | None] = mapped_column(String(500))
    venue_town: Mapped[str | None] = mapped_column(String(100))
    # Children are present (Stay and Play): listings and feeds show the town only.
    hides_address: Mapped[bool] = mapped_column(Boolean, default=False)
    joining_link: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    # Family and Friends training: households may bring named members of their support network.
    allows_support_network: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)  # the first day's start
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the last day's end
    day_count: Mapped[int] = mapped_column(Integer, default=1)
    booking_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    booking_closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancellation_deadline_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[EventStatus] = mapped_column(str_enum(EventStatus), default=EventStatus.SCHEDULED, index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancellation_reason: Mapped[str | None] = mapped_column(String(500))
    # iCalendar SEQUENCE: raised on every change so that calendars replace their copy.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Raised by every change, places taken included: What's On knows from the sum of these
    # whether a page it has already drawn is still true.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    agency: Mapped["Agency"] = relationship()  # noqa: F821
    series: Mapped[EventSeries | None] = relationship(back_populates="events")
    days: Mapped[list[EventDay]] = relationship(
        back_populates="event", order_by="EventDay.day_number", cascade="all, delete-orphan"
    )

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.booked)

    @property
    def is_full(self) -> bool:
        return self.places_left == 0

    @property
    def is_online(self) -> bool:
        return self.format == EventFormat.ONLINE

    @property
    def full_venue(self) -> str:
        """Name, address and town, without saying the town twice when the address has it."""
        parts = [self.venue_name, self.venue_address]
        town = self.venue_town
        if town and not (self.venue_address and town.lower() in self.venue_address.lower()):
            parts.append(town)
        return ", ".join(part for part in parts if part)

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED

    @property
    def is_multi_day(self) -> bool:
        return self.day_count > 1

    @property
    def places_text(self) -> str:
        if self.is_cancelled:
            return "Cancelled"
        left = self.places_left
        if left == 0:
            return "Fully booked - join the waiting list"
        return f"{left} place left" if left == 1 else f"{left} places left"

    @property
    def display_title(self) -> str:
        return f"{self.title}: {self.topic}" if self.topic else self.title

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.kind.value}>"


class EventDay(Base):
    """One day (or session) of an event. Attendance is marked per day."""

    __tablename__ = "event_days"
    __table_args__ = (
        UniqueConstraint("event_id", "day_number"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    day_number: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship(back_populates="days")


class Booking(Base):
    """A household's (or, for information evenings, a person's) places at one event.

    A booking is atomic: all its places are confirmed together or it waits as a whole.
    ``day_number`` is set for a catch-up place: one day of a later run of the same course.
    """

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("household_id", "event_id"),
        UniqueConstraint("event_id", "contact_email"),
        CheckConstraint("places >= 1", name="places_positive"),
        CheckConstraint("household_id IS NOT NULL OR contact_email IS NOT NULL", name="booked_by_someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    enquiry_id: Mapped[int | None] = mapped_column(ForeignKey("enquiries.id", ondelete="SET NULL"), index=True)
    # Bookings made without an account: who to write to. Empty for household bookings.
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    places: Mapped[int] = mapped_column(Integer)
    day_number: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The waiting list is served in order of this time (then id): first come, first served.
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancellation_note: Mapped[str | None] = mapped_column(String(200))
    cancellation_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[Event] = relationship()
    household: Mapped["Household | None"] = relationship()  # noqa: F821
    enquiry: Mapped["Enquiry | None"] = relationship()  # noqa: F821
    attendees: Mapped[list[BookingAttendee]] = relationship(
        back_populates="booking", order_by="BookingAttendee.id", cascade="all, delete-orphan"
    )
    attendance: Mapped[list[Attendance]] = relationship(back_populates="booking", cascade="all, delete-orphan")
    manage_tokens: Mapped[list[BookingToken]] = relationship(back_populates="booking", cascade="all, delete-orphan")

    @property
    def is_confirmed(self) -> bool:
        return self.status == BookingStatus.CONFIRMED

    @property
    def is_waiting(self) -> bool:
        return self.status == BookingStatus.WAITING

    @property
    def is_active(self) -> bool:
        return self.status in (BookingStatus.CONFIRMED, BookingStatus.WAITING)

    @property
    def contact_name(self) -> str:
        return f"{self.first_name or ''} {self.last_name or ''}".strip()


class BookingToken(Base):
    """A link that manages a booking made without an account. Every email to the booker
    carries a token of its own and only its SHA-256 is stored, so a copy of the database opens
    no booking while every link already emailed keeps working."""

    __tablename__ = "booking_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    booking: Mapped[Booking] = relationship(back_populates="manage_tokens")


class BookingAttendee(Base):
    """A person a booking is for: an applicant (by account) or a named supporter."""

    __tablename__ = "booking_attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    is_supporter: Mapped[bool] = mapped_column(Boolean, default=False)

    booking: Mapped[Booking] = relationship(back_populates="attendees")


class Attendance(Base):
    """Whether a booking's people came on one day of the event."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("booking_id", "day_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("event_days.id", ondelete="CASCADE"), index=True)
    attended: Mapped[bool] = mapped_column(Boolean)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    booking: Mapped[Booking] = relationship(back_populates="attendance")
    day: Mapped[EventDay] = relationship()


class ReminderKind(str, enum.Enum):
    TWO_DAYS_BEFORE = "two_days_before"
    JOINING_LINK = "joining_link"  # online events, on the day
    CATCH_UP_OFFER = "catch_up_offer"  # a missed course day: the same day of the next run


class ReminderLog(Base):
    """A notice already sent about a booking: the unique key makes "never twice" hold even
    when two runs of the reminder job overlap."""

    __tablename__ = "reminder_logs"
    __table_args__ = (UniqueConstraint("booking_id", "kind", "day_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind))
    day_number: Mapped[int] = mapped_column(Integer, default=1)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CalendarFeed(Base):
    """A household's private calendar of its bookings, reached by an unguessable token.

    The token is kept as issued because the household's page shows the subscription address
    whenever asked; resetting it replaces the token and the old address stops working.
    """

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
