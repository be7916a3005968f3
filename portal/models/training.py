from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import UTCDateTime, utcnow
from portal.db import Base


class TrainingCompletion(Base):
    """A household has completed a course (every day of one run attended, or recorded by
    staff). Stage 1 reads preparation training from here."""

    __tablename__ = "training_completions"
    __table_args__ = (UniqueConstraint("household_id", "course_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    course_code: Mapped[str] = mapped_column(String(60))
    completed_on: Mapped[date] = mapped_column(Date)
    # The event run whose attendance completed it, if any (plain id: events may be archived).
    event_id: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
