"""Errors the domain raises, each with a message that is safe to show the person."""
from __future__ import annotations

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError


class DomainError(Exception):
    """A rule refused the request. ``field`` names the form field it belongs to, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The actor may not do this to a record they can see (e.g. cancel after the deadline)."""


class Conflict(DomainError):
    """Someone else changed the record first; reload and try again."""


CONFLICT_MESSAGE = "Someone else changed this record while you were working on it. Reload the page and try again."


def flush_or_conflict(session: Session, message: str = CONFLICT_MESSAGE) -> None:
    """Flush the service's changes; a lost race (a versioned row moved on since it was read)
    becomes a Conflict the route shows like any other refusal, not a server error."""
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(message) from None
