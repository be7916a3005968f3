from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import UTCDateTime, utcnow
from portal.db import Base
from portal.models.users import User, str_enum


class HouseholdStage(str, enum.Enum):
    """Where a household is in the adoption journey, in order."""

    REGISTERED = "registered"  # has an account; no registration of interest yet
    ROI_SUBMITTED = "roi_submitted"
    STAGE_1 = "stage_1"
    BREAK = "break"  # between Stage 1 and Stage 2 (up to 6 months)
    STAGE_2 = "stage_2"
    APPROVED = "approved"
    MATCHED = "matched"
    PLACED = "placed"
    ADOPTED = "adopted"  # adoption order made: post-order support
    NOT_APPROVED = "not_approved"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    HouseholdStage.REGISTERED: "Registered",
    HouseholdStage.ROI_SUBMITTED: "Registration of interest submitted",
    HouseholdStage.STAGE_1: "Stage 1",
    HouseholdStage.BREAK: "Break between stages",
    HouseholdStage.STAGE_2: "Stage 2",
    HouseholdStage.APPROVED: "Approved",
    HouseholdStage.MATCHED: "Matched",
    HouseholdStage.PLACED: "Child placed",
    HouseholdStage.ADOPTED: "Adoptive family",
    HouseholdStage.NOT_APPROVED: "Not approved",
    HouseholdStage.WITHDRAWN: "Withdrawn",
}


class Household(Base):
    """One or two applicants applying together, held by one partner agency."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    stage: Mapped[HouseholdStage] = mapped_column(
        str_enum(HouseholdStage), default=HouseholdStage.REGISTERED, index=True
    )
    stage_entered_on: Mapped[date | None] = mapped_column(Date)
    # Special guardians and kinship carers use part of the support offer.
    is_kinship_carer: Mapped[bool] = mapped_column(Boolean, default=False)
    social_worker_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", use_alter=True), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Optimistic locking: two staff saving at once cannot silently overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    agency: Mapped["Agency"] = relationship()  # noqa: F821
    applicants: Mapped[list[User]] = relationship(
        back_populates="household", foreign_keys=[User.household_id], order_by=User.id
    )
    social_worker: Mapped[User | None] = relationship(foreign_keys=[social_worker_id])

    @property
    def display_name(self) -> str:
        names = [a.full_name for a in self.applicants]
        return " and ".join(names) if names else self.reference

    def __repr__(self) -> str:
        return f"<Household {self.reference}>"
