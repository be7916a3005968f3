"""The audit trail: who viewed or changed which record, when, and what changed.

Rows are append-only (the ORM refuses to update or delete them) and are written in the
same transaction as the change they describe. Anonymous feedback is never audited against
a person, by design.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.models import AuditEvent, User


class AuditIsAppendOnly(RuntimeError):
    pass


def _actor_label(actor: User | None) -> str:
    if actor is None:
        return "Public (not signed in)"
    if actor.is_staff:
        return f"{actor.full_name} ({actor.role.label})"
    return f"{actor.full_name} (applicant)"


def record(
    session: Session,
    actor: User | None,
    action: str,
    obj,
    *,
    summary: str = "",
    changes: dict | None = None,
    household_id: int | None = None,
    agency_id: int | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Record one action on one object. ``obj`` is a model instance or a ``(type, id)`` pair."""
    if isinstance(obj, tuple):
        object_type, object_id = obj
    else:
        session.flush()  # a new object needs its id
        object_type, object_id = type(obj).__name__, getattr(obj, "id", None)
        if household_id is None:
            household_id = getattr(obj, "household_id", None) or (
                obj.id if object_type == "Household" else None
            )
        if agency_id is None:
            agency_id = getattr(obj, "agency_id", None)
    event_row = AuditEvent(
        occurred_at=now or utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_label=_actor_label(actor),
        action=action,
        object_type=object_type,
        object_id=object_id,
        household_id=household_id,
        agency_id=agency_id,
        summary=summary[:300],
        changes=changes,
    )
    session.add(event_row)
    return event_row


def changes_of(obj, fields: list[str] | None = None) -> dict:
    """The pending changes of a model instance as ``{field: [old, new]}``, for the trail."""
    state = inspect(obj)
    out: dict = {}
    for attr in state.attrs:
        if fields is not None and attr.key not in fields:
            continue
        hist = attr.history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            out[attr.key] = [_plain(old), _plain(new)]
    return out


def _plain(value):
    if hasattr(value, "value"):  # enums
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def events_for(actor: User):
    """The audit events a member of staff may read: their agency's, or all for the hub."""
    query = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if not actor.is_hub:
        query = query.where(AuditEvent.agency_id == actor.agency_id)
    return query


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, _flush_context, _instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditIsAppendOnly("audit events cannot be changed or deleted")
