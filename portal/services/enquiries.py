"""Enquiries: the front door. Every way someone first makes contact ends up here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.models import Agency, Enquiry, EnquirySource, EnquiryStatus, User
from portal.services import audit
from portal.services.accounts import agency_for_area, normalise_email
from portal.services.tokens import reference


def find_earlier(session: Session, email: str, phone: str | None = None) -> Enquiry | None:
    """The first enquiry from the same person (same email or phone) anywhere in the partnership."""
    conditions = [Enquiry.email == normalise_email(email)]
    if phone:
        conditions.append(Enquiry.phone == phone)
    return session.scalar(select(Enquiry).where(or_(*conditions)).order_by(Enquiry.created_at, Enquiry.id).limit(1))


def enquiry_for_event_booking(
    session: Session, *, first_name: str, last_name: str, email: str, area_id: int | None,
    actor: User | None = None, now: datetime | None = None,
) -> Enquiry:
    """The enquiry behind a booking made without an account: the person's open enquiry if
    they have one, otherwise a new one routed to the agency covering their area."""
    now = now or utcnow()
    earlier = find_earlier(session, email)
    if earlier is not None:
        return earlier.duplicate_of or earlier
    agency: Agency = agency_for_area(session, area_id)
    enquiry = Enquiry(
        reference=reference("ENQ"), agency=agency, source=EnquirySource.EVENT_BOOKING,
        first_name=first_name.strip(), last_name=last_name.strip(), email=normalise_email(email),
        area_id=area_id, created_at=now,
    )
    session.add(enquiry)
    session.flush()
    audit.record(session, actor, "created", enquiry, summary="Enquiry created from an information evening booking", now=now)
    return enquiry


# The order the triage steps come in: an event moves an enquiry forward, never back.
_PROGRESS = list(EnquiryStatus)


def _advance(session: Session, enquiry: Enquiry, to: EnquiryStatus, actor: User | None, now: datetime, summary: str) -> None:
    if enquiry.status == EnquiryStatus.CLOSED or _PROGRESS.index(enquiry.status) >= _PROGRESS.index(to):
        return
    old = enquiry.status
    enquiry.status = to
    audit.record(session, actor, "status_changed", enquiry, summary=summary,
                 changes={"status": [old.value, to.value]}, now=now)


def on_information_evening_booked(session: Session, enquiry: Enquiry, *, actor: User | None = None, now: datetime | None = None) -> None:
    """Called by the booking engine: an enquiry that books an evening moves on by itself."""
    _advance(session, enquiry, EnquiryStatus.EVENING_BOOKED, actor, now or utcnow(), "Booked an information evening")


def on_information_evening_attended(session: Session, enquiry: Enquiry, *, actor: User | None = None, now: datetime | None = None) -> None:
    _advance(session, enquiry, EnquiryStatus.EVENING_ATTENDED, actor, now or utcnow(), "Attended an information evening")
