"""The one place that decides who may see what.

Every query for a household (and, as features arrive, an enquiry or a booking) is built
here: an applicant sees only their own household; staff see only their own agency's
records; hub staff see all. Loaders answer 404 for anything outside the actor's scope, so
another agency's records are not even confirmed to exist; the refusal is still audited.
"""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from portal.models import Agency, Household, StaffRole, User, UserKind


class RecordNotFound(NotFound):
    """404 for a record that does not exist or that the actor may not see.

    ``denied`` is set when it exists but is out of scope: the error handler audits that.
    """

    def __init__(self, object_type: str, object_id, denied: bool = False, agency_id=None, household_id=None):
        super().__init__()
        self.object_type = object_type
        self.object_id = object_id
        self.denied = denied
        self.agency_id = agency_id
        self.household_id = household_id


def is_staff(actor: User | None) -> bool:
    return actor is not None and actor.kind == UserKind.STAFF


def sees_all_agencies(actor: User | None) -> bool:
    return is_staff(actor) and actor.agency is not None and actor.agency.is_hub


def has_role(actor: User | None, *roles: StaffRole) -> bool:
    return is_staff(actor) and (not roles or actor.role in roles)


def agencies_for(actor: User | None) -> Select:
    """Agencies whose records the actor may see."""
    query = select(Agency).order_by(Agency.is_hub.desc(), Agency.name)
    if sees_all_agencies(actor):
        return query
    if is_staff(actor):
        return query.where(Agency.id == actor.agency_id)
    return query.where(Agency.id == -1)


def households_for(actor: User | None) -> Select:
    query = select(Household)
    if sees_all_agencies(actor):
        return query
    if is_staff(actor):
        return query.where(Household.agency_id == actor.agency_id)
    if actor is not None and actor.household_id is not None:
        return query.where(Household.id == actor.household_id)
    return query.where(Household.id == -1)


def staff_for(actor: User | None) -> Select:
    """Staff accounts the actor may see (e.g. to assign work to)."""
    query = select(User).where(User.kind == UserKind.STAFF).order_by(User.first_name, User.last_name)
    if sees_all_agencies(actor):
        return query
    if is_staff(actor):
        return query.where(User.agency_id == actor.agency_id)
    return query.where(User.id == -1)


def scoped_get(session: Session, actor: User | None, model, object_id, scope: Select):
    """Load ``model`` by id within ``scope``; 404 (audited if it exists) otherwise."""
    try:
        object_id = int(object_id)
    except (TypeError, ValueError):
        raise RecordNotFound(model.__name__, object_id) from None
    obj = session.scalars(scope.where(model.id == object_id)).first()
    if obj is not None:
        return obj
    existing = session.get(model, object_id)
    if existing is None:
        raise RecordNotFound(model.__name__, object_id)
    raise RecordNotFound(
        model.__name__,
        object_id,
        denied=True,
        agency_id=getattr(existing, "agency_id", None),
        household_id=getattr(existing, "household_id", None)
        or (existing.id if isinstance(existing, Household) else None),
    )


def get_household_for(session: Session, actor: User | None, household_id) -> Household:
    return scoped_get(session, actor, Household, household_id, households_for(actor))


def get_staff_member_for(session: Session, actor: User | None, user_id) -> User:
    return scoped_get(session, actor, User, user_id, staff_for(actor))
