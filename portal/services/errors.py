"""Errors the domain raises, each with a message that is safe to show the person."""
from __future__ import annotations


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
