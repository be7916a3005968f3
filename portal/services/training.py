"""Training a household has completed: written by event attendance, read by Stage 1."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.models import Household, TrainingCompletion, User
from portal.services import audit

PREPARE_TO_ADOPT = "prepare-to-adopt"


def course_title(course_code: str) -> str:
    """The course's name as people know it ("Prepare to Adopt"), from the training calendar."""
    from portal.services.events import COURSES  # events imports this module

    course = COURSES.get(course_code)
    return course.title if course else course_code.replace("-", " ").capitalize()


def record_completion(
    session: Session, actor: User | None, household: Household, course_code: str, *,
    completed_on: date, event_id: int | None = None, now: datetime | None = None,
) -> TrainingCompletion:
    """Record that the household completed a course; recording it again changes nothing."""
    existing = session.scalar(select(TrainingCompletion).where(
        TrainingCompletion.household_id == household.id, TrainingCompletion.course_code == course_code))
    if existing is not None:
        return existing
    completion = TrainingCompletion(household_id=household.id, course_code=course_code, completed_on=completed_on,
                                    event_id=event_id, recorded_at=now or utcnow())
    session.add(completion)
    audit.record(session, actor, "completed_training", completion, household_id=household.id,
                 agency_id=household.agency_id, summary=f"Completed {course_code}", now=now)
    return completion


def completions_for(session: Session, household: Household) -> list[TrainingCompletion]:
    return list(session.scalars(select(TrainingCompletion).where(TrainingCompletion.household_id == household.id)
                                .order_by(TrainingCompletion.completed_on)))


def has_completed(session: Session, household: Household, course_code: str) -> bool:
    return session.scalar(select(TrainingCompletion.id).where(
        TrainingCompletion.household_id == household.id, TrainingCompletion.course_code == course_code)) is not None
