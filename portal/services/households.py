"""Households as staff see them: scoped listings and counts."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.models import Household, HouseholdStage, User
from portal.services import access


@dataclass
class StageCount:
    stage: HouseholdStage
    count: int


def stage_summary(session: Session, actor: User) -> list[StageCount]:
    scoped = access.households_for(actor).subquery()
    rows = dict(session.execute(select(scoped.c.stage, func.count()).group_by(scoped.c.stage)).all())
    return [StageCount(stage, rows.get(stage, 0)) for stage in HouseholdStage]


@dataclass
class Listing:
    households: list[Household]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def listing(session: Session, actor: User, *, page: int = 1, page_size: int = 50) -> Listing:
    query = access.households_for(actor)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.options(selectinload(Household.applicants), selectinload(Household.agency), selectinload(Household.social_worker))
        .order_by(Household.created_at.desc(), Household.id.desc())
        .offset((page - 1) * page_size).limit(page_size)
    ).all()
    return Listing(list(rows), total, page, page_size)


def email_recipients(household: Household) -> list[User]:
    """Who in a household is emailed about it: active applicants whose address is confirmed.
    A partner invited to join who has not accepted yet gets nothing but their invitation."""
    return [applicant for applicant in household.applicants if applicant.is_active and applicant.is_verified]
