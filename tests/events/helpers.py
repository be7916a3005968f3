"""Helpers for the events tests."""
from __future__ import annotations

import re

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


def manage_token_in(message: OutboxMessage) -> str:
    """The raw token of the manage link in an email (the database holds only its digest)."""
    return re.search(r"/bookings/manage/([A-Za-z0-9_-]+)", message.body_text).group(1)
