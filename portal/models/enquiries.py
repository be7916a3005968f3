from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
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


class Enquiry(Base):
    """Someone asking about adopting. Contact details, area and a message only: no special
    category data is collected before a registration of interest."""

    __tablename__ = "enquiries"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    status: Mapped[EnquiryStatus] = mapped_column(str_enum(EnquiryStatus), default=EnquiryStatus.NEW, index=True)
    source: Mapped[EnquirySource] = mapped_column(str_enum(EnquirySource), default=EnquirySource.WEB_FORM)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    postcode: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    first_contact_due_on: Mapped[date | None] = mapped_column(Date)
    # Another enquiry from the same person (same email or phone), anywhere in the partnership.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("enquiries.id", ondelete="SET NULL"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id", ondelete="SET NULL"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    agency: Mapped["Agency"] = relationship()  # noqa: F821
    area: Mapped["Area | None"] = relationship()  # noqa: F821
    duplicate_of: Mapped["Enquiry | None"] = relationship(remote_side=[id])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
