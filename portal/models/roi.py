"""The registration of interest (ROI): the formal application that, once accepted, starts Stage 1.

The household fills it in over several pages and may stop and come back: each page is saved
only when its answers are complete and valid, so nothing half-written is kept. Each applicant
completes their own details, health and background, consent and declaration; either applicant
completes the household's pages. Once submitted it is read-only.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import UTCDateTime, utcnow
from portal.db import Base
from portal.models.users import str_enum


class RoiStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {
            "draft": "In progress", "submitted": "Submitted: waiting for a decision", "accepted": "Accepted",
            "declined": "Not accepted",
        }[self.value]


class RelationshipStatus(str, enum.Enum):
    MARRIED = "married"
    CIVIL_PARTNERSHIP = "civil_partnership"
    LIVING_TOGETHER = "living_together"

    @property
    def label(self) -> str:
        return {
            "married": "Married", "civil_partnership": "In a civil partnership",
            "living_together": "Living together, not married or in a civil partnership",
        }[self.value]


class PersonKind(str, enum.Enum):
    ADULT_AT_HOME = "adult_at_home"
    CHILD_AT_HOME = "child_at_home"
    CHILD_ELSEWHERE = "child_elsewhere"

    @property
    def label(self) -> str:
        return {
            # Read by the household and by staff alike: words that suit both.
            "adult_at_home": "Adult living in the home", "child_at_home": "Child living in the home",
            "child_elsewhere": "Child of an applicant, living somewhere else",
        }[self.value]


class PreviousKind(str, enum.Enum):
    ADOPT = "adopt"
    FOSTER = "foster"

    @property
    def label(self) -> str:
        return {"adopt": "To adopt", "foster": "To foster"}[self.value]


class RegistrationOfInterest(Base):
    __tablename__ = "registrations_of_interest"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), unique=True)
    status: Mapped[RoiStatus] = mapped_column(str_enum(RoiStatus), default=RoiStatus.DRAFT, index=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Your home
    address_line_1: Mapped[str | None] = mapped_column(String(100))
    address_line_2: Mapped[str | None] = mapped_column(String(100))
    town: Mapped[str | None] = mapped_column(String(60))
    postcode: Mapped[str | None] = mapped_column(String(10))
    relationship_status: Mapped[RelationshipStatus | None] = mapped_column(str_enum(RelationshipStatus))
    together_since_year: Mapped[int | None] = mapped_column(Integer)
    home_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # People in your household and your children
    has_other_people: Mapped[bool | None] = mapped_column(Boolean)
    people_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Previous applications to adopt or foster
    has_previous_applications: Mapped[bool | None] = mapped_column(Boolean)
    previous_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Submission and decision
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    household: Mapped["Household"] = relationship()  # noqa: F821
    submitted_by: Mapped["User | None"] = relationship(foreign_keys=[submitted_by_id])  # noqa: F821
    decided_by: Mapped["User | None"] = relationship(foreign_keys=[decided_by_id])  # noqa: F821
    applicants: Mapped[list[RoiApplicant]] = relationship(
        back_populates="roi", cascade="all, delete-orphan", order_by="RoiApplicant.id")
    people: Mapped[list[RoiPerson]] = relationship(
        back_populates="roi", cascade="all, delete-orphan", order_by="RoiPerson.id")
    previous_applications: Mapped[list[RoiPreviousApplication]] = relationship(
        back_populates="roi", cascade="all, delete-orphan", order_by="RoiPreviousApplication.id")

    @property
    def agency_id(self) -> int:
        return self.household.agency_id

    @property
    def is_editable(self) -> bool:
        return self.status == RoiStatus.DRAFT

    def applicant_for(self, user_id: int) -> RoiApplicant | None:
        return next((a for a in self.applicants if a.user_id == user_id), None)


class RoiApplicant(Base):
    """One applicant's own part of the ROI: only they can fill it in."""

    __tablename__ = "roi_applicants"
    __table_args__ = (UniqueConstraint("roi_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roi_id: Mapped[int] = mapped_column(ForeignKey("registrations_of_interest.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Your details
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    other_names: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(40))
    occupation: Mapped[str | None] = mapped_column(String(100))
    details_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Your health and background
    has_health_condition: Mapped[bool | None] = mapped_column(Boolean)
    health_details: Mapped[str | None] = mapped_column(Text)
    has_convictions: Mapped[bool | None] = mapped_column(Boolean)
    convictions_details: Mapped[str | None] = mapped_column(Text)
    background_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Consent to statutory checks and declaration
    consents_to_checks: Mapped[bool] = mapped_column(Boolean, default=False)
    declares_true: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    roi: Mapped[RegistrationOfInterest] = relationship(back_populates="applicants")
    user: Mapped["User"] = relationship()  # noqa: F821

    @property
    def full_name(self) -> str:
        return f"{self.first_name or ''} {self.last_name or ''}".strip()

    @property
    def is_complete(self) -> bool:
        return bool(self.details_completed_at and self.background_completed_at and self.consent_completed_at)


class RoiPerson(Base):
    """Someone else in the household, or an applicant's child living elsewhere."""

    __tablename__ = "roi_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    roi_id: Mapped[int] = mapped_column(ForeignKey("registrations_of_interest.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PersonKind] = mapped_column(str_enum(PersonKind))
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date] = mapped_column(Date)
    relationship_to_you: Mapped[str] = mapped_column(String(100))

    roi: Mapped[RegistrationOfInterest] = relationship(back_populates="people")

    @property
    def household_id(self) -> int:
        return self.roi.household_id

    @property
    def agency_id(self) -> int:
        return self.roi.household.agency_id


class RoiPreviousApplication(Base):
    """An earlier application to adopt or to foster, by either applicant."""

    __tablename__ = "roi_previous_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    roi_id: Mapped[int] = mapped_column(ForeignKey("registrations_of_interest.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PreviousKind] = mapped_column(str_enum(PreviousKind))
    agency_name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(300))

    roi: Mapped[RegistrationOfInterest] = relationship(back_populates="previous_applications")

    @property
    def household_id(self) -> int:
        return self.roi.household_id

    @property
    def agency_id(self) -> int:
        return self.roi.household.agency_id
