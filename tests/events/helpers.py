"""Helpers for the events tests."""
from __future__ import annotations

from icalendar import Calendar
from sqlalchemy import select

from portal.models import OutboxMessage


def outbox(db, address: str | None = None, template: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if address:
        query = query.where(OutboxMessage.to_address == address)
    if template:
        query = query.where(OutboxMessage.template == template)
    return list(db.scalars(query))


def parse_calendar(text: str) -> Calendar:
    return Calendar.from_ical(text)


def vevents(text: str) -> list:
    return [c for c in parse_calendar(text).walk() if c.name == "VEVENT"]
