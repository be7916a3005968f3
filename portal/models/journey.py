"""The household's journey through Stage 1 and Stage 2, and the days the clocks stand still.

One ``Journey`` row is one attempt at approval: it holds each stage's start, due and end
dates and every step of the assessment. A household whose break outlasts six months starts
again with a new row; the old one is kept (``is_current`` false) for the record.

Due dates are stored as the clocks last computed them (``services.journey.refresh_clocks``):
pauses that have ended are already added in, so lists can sort and count them in SQL. While
a pause is open the household shows as paused and the dates move on when it ends.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import UTCDateTime, utcnow
from portal.db import Base
from portal.models.users import User, str_enum


class JourneyStatus(str, enum.Enum):
    ACTIVE = "active"
    APPROVED = "approved"
    NOT_APPROVED = "not_approved"  # the agency decision maker's decision, after panel
    NOT_PROGRESSED = "not_progressed"  # the decision at the end of Stage 1
    WITHDRAWN = "withdrawn"
    RESTARTED = "restarted"  # the break outlasted six months: a new journey replaced it

    @property
    def label(self) -> str:
        return {
            "active": "In progress", "approved": "Approved", "not_approved": "Not approved",
            "not_progressed": "Did not progress to Stage 2", "withdrawn": "Withdrawn",
            "restarted": "Started again at Stage 1",
        }[self.value]


class FastTrackReason(str, enum.Enum):
    PREVIOUS_ADOPTERS = "previous_adopters"
    FOSTER_CARERS = "foster_carers"

    @property
    def label(self) -> str:
        return {"previous_adopters": "Previous adopters", "foster_carers": "Approved foster carers"}[self.value]


class Stage1Decision(str, enum.Enum):
    PROGRESS = "progress"
    NOT_PROGRESS = "not_progress"

    @property
    def label(self) -> str:
        return {"progress": "Progress to Stage 2", "not_progress": "Not suitable to progress"}[self.value]


class PanelRecommendation(str, enum.Enum):
    APPROVE = "approve"
    NOT_APPROVE = "not_approve"

    @property
    def label(self) -> str:
        return {"approve": "Recommended for approval", "not_approve": "Not recommended for approval"}[self.value]


class AdmDecision(str, enum.Enum):
    APPROVED = "approved"
    NOT_APPROVED = "not_approved"

    @property
    def label(self) -> str:
        return {"approved": "Approved", "not_approved": "Not approved"}[self.value]


class Journey(Base):
    __tablename__ = "journeys"
    # Lists join each household to its current journey: one index serves that join (a lone
    # index on the flag would tempt SQLite's planner into scanning every journey per household).
    __table_args__ = (Index("ix_journeys_household_current", "household_id", "is_current"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    # The household's agency when the journey began: scoping and closure days.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[JourneyStatus] = mapped_column(str_enum(JourneyStatus), default=JourneyStatus.ACTIVE)
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_reason: Mapped[str | None] = mapped_column(String(300))
    is_fast_track: Mapped[bool] = mapped_column(Boolean, default=False)
    fast_track_reason: Mapped[FastTrackReason | None] = mapped_column(str_enum(FastTrackReason))

    # Stage 1: about two months, ended by the decision whether to progress.
    stage1_started_on: Mapped[date | None] = mapped_column(Date)
    stage1_due_on: Mapped[date | None] = mapped_column(Date)
    # Stage 1 may be extended for a legitimate reason: the weeks are added to the two months.
    stage1_extension_weeks: Mapped[int] = mapped_column(Integer, default=0)
    stage1_extension_reason: Mapped[str | None] = mapped_column(String(300))
    stage1_plan_agreed_on: Mapped[date | None] = mapped_column(Date)
    workbook_completed_on: Mapped[date | None] = mapped_column(Date)
    stage1_meeting_on: Mapped[date | None] = mapped_column(Date)
    stage1_decision_due_on: Mapped[date | None] = mapped_column(Date)
    stage1_decision: Mapped[Stage1Decision | None] = mapped_column(str_enum(Stage1Decision))
    stage1_decided_on: Mapped[date | None] = mapped_column(Date)

    # The break: up to six months, until the household tells the agency it wants to go on.
    break_started_on: Mapped[date | None] = mapped_column(Date)
    notice_due_on: Mapped[date | None] = mapped_column(Date)
    notice_given_on: Mapped[date | None] = mapped_column(Date)

    # Stage 2: about four months from the household's notice, ended by the agency's decision.
    stage2_started_on: Mapped[date | None] = mapped_column(Date)
    stage2_due_on: Mapped[date | None] = mapped_column(Date)
    stage2_agreement_on: Mapped[date | None] = mapped_column(Date)
    midway_meeting_on: Mapped[date | None] = mapped_column(Date)
    par_shared_on: Mapped[date | None] = mapped_column(Date)
    # The applicants have ten working days to comment on the report before panel.
    par_comments_due_on: Mapped[date | None] = mapped_column(Date)
    par_comments_on: Mapped[date | None] = mapped_column(Date)
    panel_on: Mapped[date | None] = mapped_column(Date)
    panel_recommendation: Mapped[PanelRecommendation | None] = mapped_column(str_enum(PanelRecommendation))
    panel_minutes_on: Mapped[date | None] = mapped_column(Date)
    adm_working_days: Mapped[int | None] = mapped_column(Integer)
    adm_due_on: Mapped[date | None] = mapped_column(Date)
    adm_decision: Mapped[AdmDecision | None] = mapped_column(str_enum(AdmDecision))
    adm_decided_on: Mapped[date | None] = mapped_column(Date)
    # Not approved: the household may ask for an independent review within 40 working days.
    review_due_on: Mapped[date | None] = mapped_column(Date)
    review_requested_on: Mapped[date | None] = mapped_column(Date)

    # Denormalised for lists: the open pause, and the agency's next due date.
    paused_since: Mapped[date | None] = mapped_column(Date)
    next_due_on: Mapped[date | None] = mapped_column(Date)
    next_due_label: Mapped[str | None] = mapped_column(String(80))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Optimistic locking: two staff recording steps at once cannot overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    household: Mapped["Household"] = relationship()  # noqa: F821
    checks: Mapped[list[StatutoryCheck]] = relationship(
        back_populates="journey", order_by="StatutoryCheck.id", cascade="all, delete-orphan"
    )
    visits: Mapped[list[HomeVisit]] = relationship(
        back_populates="journey", order_by="HomeVisit.visited_on", cascade="all, delete-orphan"
    )
    pauses: Mapped[list[JourneyPause]] = relationship(
        back_populates="journey", order_by="JourneyPause.started_on", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:
        return self.status == JourneyStatus.ACTIVE

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None


class CheckKind(str, enum.Enum):
    DBS = "dbs"
    LOCAL_AUTHORITY = "local_authority"
    MEDICAL = "medical"
    REFERENCE = "reference"
    EMPLOYER = "employer"
    EX_PARTNER = "ex_partner"
    FINANCIAL = "financial"

    @property
    def label(self) -> str:
        return CHECK_LABELS[self]


CHECK_LABELS = {
    CheckKind.DBS: "Enhanced DBS check",
    CheckKind.LOCAL_AUTHORITY: "Local authority checks",
    CheckKind.MEDICAL: "Medical (GP)",
    CheckKind.REFERENCE: "Personal reference",
    CheckKind.EMPLOYER: "Employer reference",
    CheckKind.EX_PARTNER: "Ex-partner check",
    CheckKind.FINANCIAL: "Financial check",
}


class CheckOutcome(str, enum.Enum):
    PENDING = "pending"
    SATISFACTORY = "satisfactory"
    CONCERNS = "concerns"  # to discuss with the applicant and the manager
    NOT_APPLICABLE = "not_applicable"  # e.g. no ex-partner, not employed

    @property
    def label(self) -> str:
        return {"pending": "Waiting", "satisfactory": "Satisfactory", "concerns": "Concerns to discuss",
                "not_applicable": "Does not apply"}[self.value]


class StatutoryCheck(Base):
    """One statutory check on one adult of the household.

    Only dates and an outcome are kept: the reports themselves live in the case file, not here.
    """

    __tablename__ = "statutory_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    # An applicant with an account, or another adult living in the household (named only).
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    person_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CheckKind] = mapped_column(str_enum(CheckKind))
    # Which referee, employer or bank: a name, not the content of the reference.
    detail: Mapped[str | None] = mapped_column(String(200))
    requested_on: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[CheckOutcome] = mapped_column(str_enum(CheckOutcome), default=CheckOutcome.PENDING)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    journey: Mapped[Journey] = relationship(back_populates="checks")

    @property
    def is_complete(self) -> bool:
        return self.outcome != CheckOutcome.PENDING and (
            self.received_on is not None or self.outcome == CheckOutcome.NOT_APPLICABLE
        )


class HomeVisit(Base):
    """A home study visit in Stage 2."""

    __tablename__ = "home_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    # A topic ("support network", "parenting capacity"), not the content of the session.
    topic: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    journey: Mapped[Journey] = relationship(back_populates="visits")


class PauseReason(str, enum.Enum):
    APPLICANTS_REQUEST = "applicants_request"
    EXCEPTIONAL_CIRCUMSTANCES = "exceptional_circumstances"

    @property
    def label(self) -> str:
        return {"applicants_request": "At the applicants' request",
                "exceptional_circumstances": "Exceptional circumstances"}[self.value]


class JourneyPause(Base):
    """A time the assessment stood still: from ``started_on`` up to (not including) ``ended_on``."""

    __tablename__ = "journey_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(ForeignKey("journeys.id", ondelete="CASCADE"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[PauseReason] = mapped_column(str_enum(PauseReason))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    journey: Mapped[Journey] = relationship(back_populates="pauses")


class CaseNote(Base):
    """A short note by staff on the household's record (never shown to the household)."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    body: Mapped[str] = mapped_column(Text)

    author: Mapped[User | None] = relationship()


class ClosureDay(Base):
    """A day the agency is closed (e.g. between Christmas and New Year): not a working day.

    ``agency_id`` None means the whole region (recorded by the hub for every partner).
    """

    __tablename__ = "closure_days"
    __table_args__ = (
        UniqueConstraint("agency_id", "closed_on"),
        # NULLs are distinct to a unique constraint, so region-wide days need an index of their own.
        Index("uq_closure_days_region_closed_on", "closed_on", unique=True,
              sqlite_where=text("agency_id IS NULL"), postgresql_where=text("agency_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    closed_on: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(String(120), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agency: Mapped["Agency | None"] = relationship()  # noqa: F821
