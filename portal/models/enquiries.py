from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import UTCDateTime, utcnow
from portal.db import Base
from portal.models.users import str_enum


class EnquiryStatus(str, enum.Enum):
    """The triage steps, in order; CLOSED always carries a reason."""

    NEW = "new"
    CONTACTED = "contacted"
    EVENING_BOOKED = "evening_booked"
    EVENING_ATTENDED = "evening_attended"
    VISIT_REQUESTED = "visit_requested"
    VISIT_BOOKED = "visit_booked"
    VISIT_DONE = "visit_done"
    ROI_INVITED = "roi_invited"
    ROI_RECEIVED = "roi_received"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "new": "New", "contacted": "Contacted", "evening_booked": "Information evening booked",
            "evening_attended": "Attended information evening", "visit_requested": "Initial visit requested",
            "visit_booked": "Initial visit booked", "visit_done": "Initial visit done", "roi_invited": "ROI invited",
            "roi_received": "ROI received", "closed": "Closed",
        }[self.value]


class EnquirySource(str, enum.Enum):
    WEB_FORM = "web_form"
    PHONE = "phone"
    EVENT_BOOKING = "event_booking"  # booked an information evening without enquiring first
    STAFF = "staff"
    ACCOUNT = "account"  # created an account and registered interest without enquiring first

    @property
    def label(self) -> str:
        return {
            "web_form": "Online enquiry form", "phone": "Phone call", "event_booking": "Information evening booking",
            "staff": "Recorded by staff", "account": "Household account",
        }[self.value]


class ApplyingAs(str, enum.Enum):
    ALONE = "alone"
    COUPLE = "couple"

    @property
    def label(self) -> str:
        return {"alone": "On their own", "couple": "As a couple"}[self.value]


class ContactMethod(str, enum.Enum):
    EMAIL = "email"
    PHONE = "phone"
    EITHER = "either"

    @property
    def label(self) -> str:
        return {"email": "Email", "phone": "Phone call", "either": "Email or phone call"}[self.value]


class ContactTime(str, enum.Enum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    ANY = "any"

    @property
    def label(self) -> str:
        return {
            "morning": "Morning (9am to midday)", "afternoon": "Afternoon (midday to 5pm)",
            "evening": "Early evening (5pm to 7pm)", "any": "Any time",
        }[self.value]


class HeardFrom(str, enum.Enum):
    SEARCH = "search"
    SOCIAL_MEDIA = "social_media"
    FRIEND_OR_FAMILY = "friend_or_family"
    ADOPTER = "adopter"
    EVENT = "event"
    PRESS = "press"
    POSTER = "poster"
    COUNCIL = "council"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "search": "Searching online", "social_media": "Social media", "friend_or_family": "A friend or family member",
            "adopter": "Someone who has adopted", "event": "A local event", "press": "Radio, TV or a newspaper",
            "poster": "A poster or leaflet", "council": "My council's website", "other": "Somewhere else",
        }[self.value]


class CloseReason(str, enum.Enum):
    NOT_READY = "not_ready"
    NO_REPLY = "no_reply"
    ANOTHER_AGENCY = "another_agency"
    MOVED_AWAY = "moved_away"
    NOT_ABLE = "not_able"
    DUPLICATE = "duplicate"
    ROI_ACCEPTED = "roi_accepted"
    ROI_DECLINED = "roi_declined"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "not_ready": "Not ready to go ahead now", "no_reply": "No reply after several attempts",
            "another_agency": "Chose another adoption agency", "moved_away": "Moved out of the partnership's area",
            "not_able": "Not able to adopt at present", "duplicate": "Duplicate of another enquiry",
            "roi_accepted": "Registration of interest accepted", "roi_declined": "Registration of interest declined",
            "other": "Another reason",
        }[self.value]


class DueKind(str, enum.Enum):
    """Which service clock an enquiry's ``due_on`` belongs to."""

    FIRST_CONTACT = "first_contact"
    VISIT_OFFER = "visit_offer"
    ROI_DECISION = "roi_decision"

    @property
    def label(self) -> str:
        return {
            "first_contact": "First contact", "visit_offer": "Offer an initial visit",
            "roi_decision": "Decide on the registration of interest",
        }[self.value]

    @property
    def due_by(self) -> str:
        """What is due, for a short table cell: "Contact by 3 Mar"."""
        return {"first_contact": "Contact by", "visit_offer": "Offer a visit by", "roi_decision": "Decide by"}[self.value]


class Enquiry(Base):
    """Someone asking about adopting. Contact details, area and a message only: no special
    category data is collected before a registration of interest."""

    __tablename__ = "enquiries"
    __table_args__ = (
        # The queue's common shapes: one agency's open work by due date, or newest first.
        Index("ix_enquiries_agency_status_due", "agency_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    status: Mapped[EnquiryStatus] = mapped_column(str_enum(EnquiryStatus), default=EnquiryStatus.NEW, index=True)
    source: Mapped[EnquirySource] = mapped_column(str_enum(EnquirySource), default=EnquirySource.WEB_FORM)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    partner_first_name: Mapped[str | None] = mapped_column(String(100))
    partner_last_name: Mapped[str | None] = mapped_column(String(100))
    applying_as: Mapped[ApplyingAs | None] = mapped_column(str_enum(ApplyingAs))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    contact_method: Mapped[ContactMethod | None] = mapped_column(str_enum(ContactMethod))
    contact_time: Mapped[ContactTime | None] = mapped_column(str_enum(ContactTime))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    postcode: Mapped[str | None] = mapped_column(String(10))
    heard_from: Mapped[HeardFrom | None] = mapped_column(str_enum(HeardFrom))
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # The hash of the form's one-time key: a second click of the same form finds this row.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    first_contact_due_on: Mapped[date | None] = mapped_column(Date)
    first_contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    evening_attended_on: Mapped[date | None] = mapped_column(Date)
    visit_offer_due_on: Mapped[date | None] = mapped_column(Date)
    # The clock that applies now (set whenever the status changes), so the queue can sort
    # and filter on it in SQL.
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    due_kind: Mapped[DueKind | None] = mapped_column(str_enum(DueKind))
    roi_invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_reason: Mapped[CloseReason | None] = mapped_column(str_enum(CloseReason))
    closed_note: Mapped[str | None] = mapped_column(String(500))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Another enquiry from the same person (same email or phone), anywhere in the partnership.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("enquiries.id", ondelete="SET NULL"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="SET NULL"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    agency: Mapped["Agency"] = relationship()  # noqa: F821
    area: Mapped["Area | None"] = relationship()  # noqa: F821
    duplicate_of: Mapped["Enquiry | None"] = relationship(remote_side=[id])
    assigned_to: Mapped["User | None"] = relationship(foreign_keys=[assigned_to_id])  # noqa: F821
    household: Mapped["Household | None"] = relationship(foreign_keys=[household_id])  # noqa: F821
    visit: Mapped["InitialVisit | None"] = relationship(back_populates="enquiry", uselist=False)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def partner_name(self) -> str:
        return f"{self.partner_first_name or ''} {self.partner_last_name or ''}".strip()

    @property
    def is_closed(self) -> bool:
        return self.status == EnquiryStatus.CLOSED

    @property
    def received_on(self) -> date:
        """The day it arrived, in London."""
        from portal.clock import today_in_london

        return today_in_london(self.created_at)


class VisitMethod(str, enum.Enum):
    HOME = "home"
    CALL = "call"

    @property
    def label(self) -> str:
        return {"home": "A visit at home", "call": "A phone or video call"}[self.value]


class VisitOutcome(str, enum.Enum):
    PROCEED = "proceed"
    NOT_YET = "not_yet"
    NOT_PROCEEDING = "not_proceeding"
    DID_NOT_HAPPEN = "did_not_happen"

    @property
    def label(self) -> str:
        return {
            "proceed": "Ready to register their interest", "not_yet": "Not ready yet: keep in touch",
            "not_proceeding": "Not going ahead", "did_not_happen": "The visit did not take place",
        }[self.value]


class InitialVisit(Base):
    """The initial visit: asked for by the person (after an information evening) or offered
    by staff, booked for a date, and its outcome recorded. One per enquiry."""

    __tablename__ = "initial_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id", ondelete="CASCADE"), unique=True)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    requested_method: Mapped[VisitMethod | None] = mapped_column(str_enum(VisitMethod))
    offered_on: Mapped[date | None] = mapped_column(Date)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    method: Mapped[VisitMethod | None] = mapped_column(str_enum(VisitMethod))
    social_worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[VisitOutcome | None] = mapped_column(str_enum(VisitOutcome))
    outcome_note: Mapped[str | None] = mapped_column(String(1000))
    outcome_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    enquiry: Mapped[Enquiry] = relationship(back_populates="visit")
    social_worker: Mapped["User | None"] = relationship(foreign_keys=[social_worker_id])  # noqa: F821


class ActivityKind(str, enum.Enum):
    CREATED = "created"
    EMAIL = "email"
    STATUS = "status"
    ASSIGNED = "assigned"
    NOTE = "note"
    TRANSFERRED = "transferred"
    BOOKING = "booking"
    VISIT = "visit"
    ROI = "roi"
    DUPLICATE = "duplicate"

    @property
    def label(self) -> str:
        return {
            "created": "Enquiry received", "email": "Email sent", "status": "Status changed", "assigned": "Assigned",
            "note": "Note", "transferred": "Transferred", "booking": "Information evening", "visit": "Initial visit",
            "roi": "Registration of interest", "duplicate": "Same person enquired again",
        }[self.value]


class EnquiryActivity(Base):
    """One line of an enquiry's timeline: emails sent, bookings, status changes and notes."""

    __tablename__ = "enquiry_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind))
    summary: Mapped[str] = mapped_column(String(300))
    # A member of staff's note, kept exactly as typed (and escaped wherever it is shown).
    body: Mapped[str | None] = mapped_column(Text)

    enquiry: Mapped[Enquiry] = relationship()


class EnquiryTokenPurpose(str, enum.Enum):
    VISIT_REQUEST = "visit_request"
    ROI_INVITE = "roi_invite"


class EnquiryToken(Base):
    """A link emailed to an enquirer (ask for an initial visit; register interest).
    Only its SHA-256 is stored."""

    __tablename__ = "enquiry_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    enquiry_id: Mapped[int] = mapped_column(ForeignKey("enquiries.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[EnquiryTokenPurpose] = mapped_column(str_enum(EnquiryTokenPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    enquiry: Mapped[Enquiry] = relationship()
