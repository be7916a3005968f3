"""Enquiries: the front door. Every way someone first makes contact ends up here.

An enquiry is routed to the partner agency covering the person's area (the hub where none
does, or where they ask for it), linked to any earlier enquiry from the same person, and
acknowledged by an email from a fixed template that never repeats what was typed: the form
would otherwise let anyone send their words to any address. Staff then move it through the
triage steps; each step, email and note goes on the enquiry's timeline and in the audit trail.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.clock import describe_datetime, today_in_london, utcnow
from portal.models import (
    ActivityKind, Agency, ApplyingAs, Area, CloseReason, ContactMethod, ContactTime, DueKind, Enquiry, EnquiryActivity,
    EnquirySource, EnquiryStatus, EnquiryToken, EnquiryTokenPurpose, HeardFrom, InitialVisit, User, VisitMethod,
    VisitOutcome,
)
from portal.services import access, audit, mail
from portal.services.accounts import agency_for_area, normalise_email
from portal.services.errors import DomainError, NotAllowed, flush_or_conflict
from portal.services.tokens import digest, new_token, reference
from portal.services.workdays import add_working_days, closure_days

# The initial visit is offered within 4 weeks of the information evening attended.
VISIT_OFFER_DAYS = 28
VISIT_REQUEST_LINK_DAYS = 56


# Intake ------------------------------------------------------------------------------------

@dataclass
class EnquiryAnswers:
    """What the public form collects, and nothing more (no special category data)."""

    first_name: str
    last_name: str
    applying_as: ApplyingAs
    email: str
    contact_method: ContactMethod
    contact_time: ContactTime
    partner_first_name: str | None = None
    partner_last_name: str | None = None
    phone: str | None = None
    postcode: str | None = None
    area_id: int | None = None
    wants_hub: bool = False
    heard_from: HeardFrom | None = None
    message: str | None = None


_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)(?: ?([0-9][A-Z]{2}))?$")


def normalise_postcode(raw: str | None) -> str | None:
    """'nv1 2ab' -> 'NV1 2AB'; an outward code alone ('NV1') is kept as it is. None if not a postcode."""
    if not raw:
        return None
    compact = re.sub(r"\s+", "", raw.upper())
    if len(compact) > 4 and _POSTCODE.match(compact[:-3] + " " + compact[-3:]):
        return compact[:-3] + " " + compact[-3:]
    if _POSTCODE.match(compact):
        return compact
    return None


def outward_code(postcode: str) -> str:
    return postcode.split(" ")[0]


def normalise_phone(raw: str | None) -> str | None:
    """Digits only, a UK +44 prefix turned into 0, so the same number matches however written."""
    if not raw:
        return None
    digits = re.sub(r"[^\d+]", "", raw)
    if digits.startswith("+44"):
        digits = "0" + digits[3:].lstrip("0")
    elif digits.startswith("0044"):
        digits = "0" + digits[4:].lstrip("0")
    return digits.lstrip("+") if digits.startswith("+") else digits


def route(session: Session, *, postcode: str | None, area_id: int | None, wants_hub: bool) -> tuple[Agency, Area | None]:
    """The agency for an enquiry: the hub if asked for; else the chosen area's agency; else
    the agency whose postcode districts include the postcode; else the hub."""
    hub = session.scalars(select(Agency).where(Agency.is_hub.is_(True))).one()
    area = session.get(Area, area_id) if area_id else None
    if area is None and postcode:
        district = outward_code(postcode)
        area = next((a for a in session.scalars(select(Area).order_by(Area.id))
                     if district in a.postcode_districts.upper().split()), None)
    if wants_hub:
        return hub, area
    return (area.agency if area is not None else hub), area


def first_contact_due(session: Session, agency: Agency, now: datetime) -> date:
    return add_working_days(today_in_london(now), agency.first_contact_working_days or 1,
                            closures=closure_days(session, agency.id))


def find_earlier(session: Session, email: str, phone: str | None = None) -> Enquiry | None:
    """The first enquiry from the same person (same email or phone) anywhere in the partnership."""
    conditions = [Enquiry.email == normalise_email(email)]
    if phone:
        conditions.append(Enquiry.phone == phone)
    return session.scalar(select(Enquiry).where(or_(*conditions)).order_by(Enquiry.created_at, Enquiry.id).limit(1))


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def submit_enquiry(session: Session, answers: EnquiryAnswers, *, submission_key: str | None = None,
                   now: datetime | None = None) -> Enquiry:
    """Record a public enquiry, route it and acknowledge it.

    ``submission_key`` is the form's one-time key: the same form sent twice (a double
    click, a resend after Back) gives back the first enquiry and sends nothing again.
    """
    now = now or utcnow()
    key_hash = digest(submission_key) if submission_key else None
    existing = _already_sent(session, key_hash)
    if existing is not None:
        return existing
    postcode = normalise_postcode(answers.postcode)
    phone = normalise_phone(answers.phone)
    agency, area = route(session, postcode=postcode, area_id=answers.area_id, wants_hub=answers.wants_hub)
    earlier = find_earlier(session, answers.email, phone)
    couple = answers.applying_as == ApplyingAs.COUPLE
    enquiry = Enquiry(
        reference=reference("ENQ"), agency=agency, source=EnquirySource.WEB_FORM, status=EnquiryStatus.NEW,
        first_name=answers.first_name.strip(), last_name=answers.last_name.strip(),
        partner_first_name=_clean(answers.partner_first_name) if couple else None,
        partner_last_name=_clean(answers.partner_last_name) if couple else None,
        applying_as=answers.applying_as, email=normalise_email(answers.email), phone=phone,
        contact_method=answers.contact_method, contact_time=answers.contact_time,
        area=area, postcode=postcode, heard_from=answers.heard_from, message=_clean(answers.message),
        created_at=now, updated_at=now, submission_key=key_hash,
        duplicate_of=(earlier.duplicate_of or earlier) if earlier is not None else None,
    )
    enquiry.first_contact_due_on = first_contact_due(session, agency, now)
    refresh_clock(enquiry)
    try:
        with session.begin_nested():
            session.add(enquiry)
            session.flush()
    except IntegrityError:
        # The same form, sent at the same moment by a second click that lost the race: the
        # unique key is the backstop when both looked before either wrote.
        existing = session.scalar(select(Enquiry).where(Enquiry.submission_key == key_hash)) if key_hash else None
        if existing is None:
            raise
        return existing
    audit.record(session, None, "created", enquiry, summary=f"Enquiry received online, routed to {agency.short_name}", now=now)
    log_activity(session, enquiry, ActivityKind.CREATED, f"Enquiry received online and routed to {agency.name}", now=now)
    if enquiry.duplicate_of is not None:
        _log_duplicate(session, enquiry, now)
    send_email(session, enquiry, "enquiries/acknowledgement", "We have received your enquiry about adopting",
               summary="Acknowledgement sent", now=now,
               reference=enquiry.reference, agency=agency, privacy_url=mail.external_url("public.privacy"))
    return enquiry


def _log_duplicate(session: Session, enquiry: Enquiry, now: datetime) -> None:
    """Both timelines note that the same person is back. Each is read by its own agency's
    staff, so another partner agency's reference is never named on it."""
    first = enquiry.duplicate_of
    same_agency = first.agency_id == enquiry.agency_id
    log_activity(session, enquiry, ActivityKind.DUPLICATE,
                 f"Same email or phone as enquiry {first.reference}" if same_agency
                 else "Same email or phone as an enquiry held by another partner agency", now=now)
    log_activity(session, first, ActivityKind.DUPLICATE,
                 f"The same person enquired again: {enquiry.reference}" if same_agency
                 else "The same person enquired again, with another partner agency", now=now)


def _already_sent(session: Session, key_hash: str | None) -> Enquiry | None:
    if not key_hash:
        return None
    return session.scalar(select(Enquiry).where(Enquiry.submission_key == key_hash))


@dataclass
class Duplicates:
    """The same person's other enquiries, as far as the actor may know of them."""

    enquiries: list[Enquiry]  # those the actor may open, oldest first
    has_enquiries_elsewhere: bool  # others held by agencies the actor cannot see: no count, no details

    def __bool__(self) -> bool:
        return bool(self.enquiries) or self.has_enquiries_elsewhere


def duplicates_of(session: Session, actor: User, enquiry: Enquiry) -> Duplicates:
    """Every other enquiry linked to this one (the first, and all later ones) within the
    actor's scope; of any beyond it (another partner agency's) only the fact that they exist."""
    root_id = enquiry.duplicate_of_id or enquiry.id
    linked = (or_(Enquiry.id == root_id, Enquiry.duplicate_of_id == root_id), Enquiry.id != enquiry.id)
    visible = list(session.scalars(access.enquiries_for(actor).where(*linked).order_by(Enquiry.created_at, Enquiry.id)))
    everywhere = session.scalar(select(func.count()).select_from(Enquiry).where(*linked))
    return Duplicates(visible, everywhere > len(visible))


# The timeline --------------------------------------------------------------------------------

def _who(actor: User | None) -> str:
    if actor is None:
        return "The enquirer or the portal"
    if actor.is_staff:
        return actor.full_name
    return f"{actor.full_name} (applicant)"


def log_activity(session: Session, enquiry: Enquiry, kind: ActivityKind, summary: str, *,
                 actor: User | None = None, body: str | None = None, now: datetime | None = None) -> EnquiryActivity:
    row = EnquiryActivity(enquiry=enquiry, kind=kind, summary=summary[:300], body=body, actor_id=actor.id if actor else None,
                          actor_label=_who(actor), occurred_at=now or utcnow())
    session.add(row)
    return row


def send_email(session: Session, enquiry: Enquiry, template: str, subject: str, *, summary: str,
               to: str | None = None, actor: User | None = None, now: datetime | None = None, **context) -> None:
    """Queue an email to the enquirer and put it on the timeline (the subject, not the body)."""
    mail.queue_email(session, to or enquiry.email, template, subject, household_id=enquiry.household_id, now=now, **context)
    log_activity(session, enquiry, ActivityKind.EMAIL, f"{summary}: “{subject}”", actor=actor, now=now)


def timeline(session: Session, enquiry: Enquiry) -> list[EnquiryActivity]:
    return list(session.scalars(
        select(EnquiryActivity).where(EnquiryActivity.enquiry_id == enquiry.id)
        .order_by(EnquiryActivity.occurred_at.desc(), EnquiryActivity.id.desc())
    ))


# Clocks ------------------------------------------------------------------------------------

def refresh_clock(enquiry: Enquiry) -> None:
    """Point ``due_on`` at the service clock that applies to the enquiry's current step."""
    status = enquiry.status
    visit = enquiry.visit
    offered = visit is not None and visit.offered_on is not None
    if status == EnquiryStatus.NEW:
        enquiry.due_on, enquiry.due_kind = enquiry.first_contact_due_on, DueKind.FIRST_CONTACT
    elif status in (EnquiryStatus.EVENING_ATTENDED, EnquiryStatus.VISIT_REQUESTED) and enquiry.visit_offer_due_on and not offered:
        enquiry.due_on, enquiry.due_kind = enquiry.visit_offer_due_on, DueKind.VISIT_OFFER
    elif status == EnquiryStatus.ROI_RECEIVED and enquiry.due_kind == DueKind.ROI_DECISION:
        pass  # set when the registration of interest arrived
    else:
        enquiry.due_on, enquiry.due_kind = None, None
    if enquiry.due_on is None:
        enquiry.due_kind = None


@dataclass
class Clock:
    """How an enquiry stands against its service clock, ready for a template."""

    kind: DueKind | None
    due_on: date | None
    state: str  # "overdue", "due-soon", "on-track" or "" when no clock runs

    @property
    def label(self) -> str:
        return {"overdue": "Overdue", "due-soon": "Due today", "on-track": "On track"}.get(self.state, "")


def clock_for(enquiry: Enquiry, today: date) -> Clock:
    if enquiry.due_on is None or enquiry.due_kind is None:
        return Clock(None, None, "")
    if enquiry.due_on < today:
        state = "overdue"
    elif enquiry.due_on == today:
        state = "due-soon"
    else:
        state = "on-track"
    return Clock(enquiry.due_kind, enquiry.due_on, state)


# Moving through triage ------------------------------------------------------------------------

# The order the triage steps come in: an event moves an enquiry forward, never back.
_PROGRESS = list(EnquiryStatus)

# Steps staff set by hand; the ROI steps follow from the invitation and the submission.
MANUAL_STATUSES = [s for s in EnquiryStatus if s not in (EnquiryStatus.ROI_INVITED, EnquiryStatus.ROI_RECEIVED)]


def _set_status(session: Session, enquiry: Enquiry, to: EnquiryStatus, actor: User | None, now: datetime,
                summary: str, *, changes: dict | None = None) -> None:
    old = enquiry.status
    if old == to and not changes:
        return
    enquiry.status = to
    enquiry.updated_at = now
    if old == EnquiryStatus.NEW and to != EnquiryStatus.NEW and enquiry.first_contacted_at is None:
        enquiry.first_contacted_at = now
    if to == EnquiryStatus.EVENING_ATTENDED and enquiry.evening_attended_on is None:
        enquiry.evening_attended_on = today_in_london(now)
    if enquiry.evening_attended_on and enquiry.visit_offer_due_on is None:
        enquiry.visit_offer_due_on = enquiry.evening_attended_on + timedelta(days=VISIT_OFFER_DAYS)
    if to != EnquiryStatus.CLOSED:
        enquiry.closed_reason = enquiry.closed_note = enquiry.closed_at = None
    refresh_clock(enquiry)
    flush_or_conflict(session)
    all_changes = {"status": [old.value, to.value], **(changes or {})}
    audit.record(session, actor, "status_changed", enquiry, summary=summary, changes=all_changes, now=now)
    log_activity(session, enquiry, ActivityKind.STATUS, summary, actor=actor, now=now)


def _advance(session: Session, enquiry: Enquiry, to: EnquiryStatus, actor: User | None, now: datetime, summary: str) -> bool:
    if enquiry.status == EnquiryStatus.CLOSED or _PROGRESS.index(enquiry.status) >= _PROGRESS.index(to):
        return False
    _set_status(session, enquiry, to, actor, now, summary)
    return True


def change_status(session: Session, actor: User, enquiry: Enquiry, to: EnquiryStatus, *,
                  reason: CloseReason | None = None, note: str | None = None, now: datetime | None = None) -> None:
    """Staff set the step by hand (a phone call, a booking taken over the phone); closing
    needs a reason."""
    now = now or utcnow()
    if to not in MANUAL_STATUSES:
        raise DomainError("Choose a status from the list", "status")
    if to == EnquiryStatus.CLOSED:
        if reason is None:
            raise DomainError("Select why you are closing this enquiry", "reason")
        _set_status(session, enquiry, to, actor, now, f"Closed: {reason.label}",
                    changes={"closed_reason": [None, reason.value]})
        enquiry.closed_reason, enquiry.closed_note, enquiry.closed_at = reason, _clean(note), now
        flush_or_conflict(session)
        return
    if to == enquiry.status:
        raise DomainError(f"This enquiry is already at “{to.label}”", "status")
    _set_status(session, enquiry, to, actor, now, f"Status changed to {to.label}")


def close(session: Session, actor: User | None, enquiry: Enquiry, reason: CloseReason, *, note: str | None = None,
          now: datetime | None = None) -> None:
    now = now or utcnow()
    if enquiry.status == EnquiryStatus.CLOSED:
        return
    _set_status(session, enquiry, EnquiryStatus.CLOSED, actor, now, f"Closed: {reason.label}",
                changes={"closed_reason": [None, reason.value]})
    enquiry.closed_reason, enquiry.closed_note, enquiry.closed_at = reason, _clean(note), now
    flush_or_conflict(session)


def mark_roi_received(session: Session, actor: User | None, enquiry: Enquiry, *, decision_due_on: date,
                      now: datetime | None = None) -> None:
    """The household sent its registration of interest: the 5-working-day decision clock starts."""
    now = now or utcnow()
    enquiry.due_kind, enquiry.due_on = DueKind.ROI_DECISION, decision_due_on
    if enquiry.status != EnquiryStatus.ROI_RECEIVED:
        _set_status(session, enquiry, EnquiryStatus.ROI_RECEIVED, actor, now, "Registration of interest received")
    flush_or_conflict(session)


def assignable_staff(session: Session, enquiry: Enquiry) -> list[User]:
    """Who an enquiry may be given to: active staff of the agency holding it."""
    from portal.models import UserKind

    return list(session.scalars(
        select(User).where(User.kind == UserKind.STAFF, User.agency_id == enquiry.agency_id, User.is_active.is_(True))
        .order_by(User.first_name, User.last_name)
    ))


def assign(session: Session, actor: User, enquiry: Enquiry, assignee: User | None, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    if assignee is not None and (not assignee.is_staff or assignee.agency_id != enquiry.agency_id or not assignee.is_active):
        raise DomainError("Choose someone from the agency that holds this enquiry", "assignee")
    old = enquiry.assigned_to
    if (old.id if old else None) == (assignee.id if assignee else None):
        return
    enquiry.assigned_to = assignee
    enquiry.updated_at = now
    flush_or_conflict(session)
    summary = f"Assigned to {assignee.full_name}" if assignee else "No longer assigned to anyone"
    audit.record(session, actor, "assigned", enquiry, summary=summary,
                 changes={"assigned_to_id": [old.id if old else None, assignee.id if assignee else None]}, now=now)
    log_activity(session, enquiry, ActivityKind.ASSIGNED, summary, actor=actor, now=now)


def add_note(session: Session, actor: User, enquiry: Enquiry, text: str, *, now: datetime | None = None) -> EnquiryActivity:
    now = now or utcnow()
    text = (text or "").strip()
    if not text:
        raise DomainError("Enter a note", "note")
    enquiry.updated_at = now
    flush_or_conflict(session)
    row = log_activity(session, enquiry, ActivityKind.NOTE, "Note added", actor=actor, body=text, now=now)
    audit.record(session, actor, "note_added", enquiry, summary="Note added to the enquiry", now=now)
    return row


def transfer(session: Session, actor: User, enquiry: Enquiry, to_agency: Agency, reason: str, *,
             now: datetime | None = None) -> None:
    """Hand the enquiry to another partner agency (or the hub). Both agencies' trails show it."""
    now = now or utcnow()
    if to_agency.id == enquiry.agency_id:
        raise DomainError("Choose a different agency from the one that holds it now", "agency")
    if enquiry.household_id is not None:
        raise NotAllowed("This enquiry is linked to a household account, so it cannot be transferred on its own. "
                         "Ask a hub administrator to move the household", "agency")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter why you are transferring this enquiry", "reason")
    old_agency = enquiry.agency
    # Worked out before anything changes: it reads the receiving agency's closure days.
    due = first_contact_due(session, to_agency, now) if enquiry.status == EnquiryStatus.NEW else None
    enquiry.agency = to_agency
    enquiry.assigned_to = None
    enquiry.updated_at = now
    if due is not None:
        # The receiving agency gets its own full service standard from today.
        enquiry.first_contact_due_on = due
        refresh_clock(enquiry)
    flush_or_conflict(session)
    summary = f"Transferred from {old_agency.short_name} to {to_agency.short_name}"
    changes = {"agency_id": [old_agency.id, to_agency.id]}
    for agency_id in (old_agency.id, to_agency.id):
        audit.record(session, actor, "transferred", enquiry, summary=summary, changes=changes, agency_id=agency_id, now=now)
    log_activity(session, enquiry, ActivityKind.TRANSFERRED, f"{summary}. Reason: {reason}"[:300], actor=actor, now=now)
    if to_agency.email:
        mail.queue_email(session, to_agency.email, "enquiries/transferred", "An enquiry has been transferred to you",
                         now=now, reference=enquiry.reference, from_agency=old_agency.name,
                         link=mail.external_url("triage.show", enquiry_id=enquiry.id))


# Links emailed to the enquirer -----------------------------------------------------------------

def issue_token(session: Session, enquiry: Enquiry, purpose: EnquiryTokenPurpose, *, days: int, now: datetime) -> str:
    raw = new_token()
    session.add(EnquiryToken(enquiry=enquiry, purpose=purpose, token_hash=digest(raw), created_at=now,
                             expires_at=now + timedelta(days=days)))
    return raw


def peek_token(session: Session, raw: str | None, purpose: EnquiryTokenPurpose, now: datetime | None = None) -> EnquiryToken | None:
    now = now or utcnow()
    token = session.scalar(select(EnquiryToken).where(EnquiryToken.token_hash == digest(raw or "")))
    if token is None or token.purpose != purpose or token.used_at is not None or token.expires_at <= now:
        return None
    return token


def spend_token(session: Session, raw: str | None, purpose: EnquiryTokenPurpose, now: datetime) -> Enquiry:
    """Use a single-use link; expired, used and unknown links all fail the same way."""
    token = peek_token(session, raw, purpose, now)
    if token is None:
        raise DomainError("This link has expired or has already been used")
    spent = session.execute(
        update(EnquiryToken).where(EnquiryToken.id == token.id, EnquiryToken.used_at.is_(None)).values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise DomainError("This link has expired or has already been used")
    return token.enquiry


# Information evenings (called by the booking engine) ---------------------------------------------

def enquiry_for_event_booking(
    session: Session, *, first_name: str, last_name: str, email: str, area_id: int | None,
    actor: User | None = None, now: datetime | None = None,
) -> Enquiry:
    """The enquiry behind a booking made without an account: the person's open enquiry if
    they have one, otherwise a new one routed to the agency covering the area given now.

    A closed enquiry is never reused: it cannot move on, so the new contact would reach no
    one's queue. The new enquiry is linked to the closed one instead, as a second form would be.
    """
    now = now or utcnow()
    address = normalise_email(email)
    open_enquiry = session.scalar(
        select(Enquiry).where(Enquiry.email == address, Enquiry.status != EnquiryStatus.CLOSED)
        .order_by(Enquiry.created_at, Enquiry.id).limit(1)
    )
    if open_enquiry is not None:
        return open_enquiry
    earlier = find_earlier(session, address)
    agency: Agency = agency_for_area(session, area_id)
    enquiry = Enquiry(
        reference=reference("ENQ"), agency=agency, source=EnquirySource.EVENT_BOOKING,
        first_name=first_name.strip(), last_name=last_name.strip(), email=address,
        area_id=area_id, created_at=now, updated_at=now,
        duplicate_of=(earlier.duplicate_of or earlier) if earlier is not None else None,
    )
    enquiry.first_contact_due_on = first_contact_due(session, agency, now)
    refresh_clock(enquiry)
    session.add(enquiry)
    flush_or_conflict(session)
    audit.record(session, actor, "created", enquiry, summary="Enquiry created from an information evening booking", now=now)
    how = "after an earlier enquiry was closed" if earlier is not None else "without enquiring first"
    log_activity(session, enquiry, ActivityKind.CREATED, f"Booked an information evening {how}; routed to {agency.name}",
                 actor=actor, now=now)
    if enquiry.duplicate_of is not None:
        _log_duplicate(session, enquiry, now)
    return enquiry


def on_information_evening_booked(session: Session, enquiry: Enquiry, *, actor: User | None = None, now: datetime | None = None) -> None:
    """Called by the booking engine: an enquiry that books an evening moves on by itself."""
    now = now or utcnow()
    if not _advance(session, enquiry, EnquiryStatus.EVENING_BOOKED, actor, now, "Booked an information evening"):
        log_activity(session, enquiry, ActivityKind.BOOKING, "Booked an information evening", actor=actor, now=now)
    flush_or_conflict(session)


def on_information_evening_attended(session: Session, enquiry: Enquiry, *, actor: User | None = None, now: datetime | None = None) -> None:
    """Called by the booking engine when attendance is recorded: the initial visit clock
    starts (offered within 4 weeks), and the person is sent a link to ask for the visit."""
    now = now or utcnow()
    if enquiry.evening_attended_on is None:
        enquiry.evening_attended_on = today_in_london(now)
        enquiry.visit_offer_due_on = enquiry.evening_attended_on + timedelta(days=VISIT_OFFER_DAYS)
    if not _advance(session, enquiry, EnquiryStatus.EVENING_ATTENDED, actor, now, "Attended an information evening"):
        log_activity(session, enquiry, ActivityKind.BOOKING, "Attended an information evening", actor=actor, now=now)
        refresh_clock(enquiry)
    flush_or_conflict(session)
    if enquiry.is_closed or (enquiry.visit is not None and enquiry.visit.requested_at is not None):
        return
    already_invited = session.scalar(select(EnquiryToken.id).where(
        EnquiryToken.enquiry_id == enquiry.id, EnquiryToken.purpose == EnquiryTokenPurpose.VISIT_REQUEST,
        EnquiryToken.used_at.is_(None), EnquiryToken.expires_at > now).limit(1))
    if already_invited is not None:
        return  # attendance recorded again: one invitation is enough
    raw = issue_token(session, enquiry, EnquiryTokenPurpose.VISIT_REQUEST, days=VISIT_REQUEST_LINK_DAYS, now=now)
    send_email(session, enquiry, "enquiries/after_evening", "Thank you for coming to our information evening",
               summary="Invitation to ask for an initial visit sent", now=now, reference=enquiry.reference,
               agency=enquiry.agency, link=mail.external_url("enquiries.visit_link", token=raw))


# The initial visit ---------------------------------------------------------------------------

def _visit(session: Session, enquiry: Enquiry) -> InitialVisit:
    if enquiry.visit is None:
        enquiry.visit = InitialVisit()
        session.add(enquiry.visit)
    return enquiry.visit


def request_initial_visit(session: Session, raw_token: str | None, *, method: VisitMethod,
                          now: datetime | None = None) -> Enquiry:
    """The person asks for an initial visit from the link in the post-evening email."""
    now = now or utcnow()
    enquiry = spend_token(session, raw_token, EnquiryTokenPurpose.VISIT_REQUEST, now)
    visit = _visit(session, enquiry)
    visit.requested_at = now
    visit.requested_method = method
    enquiry.updated_at = now
    summary = f"Asked for an initial visit ({method.label.lower()})"
    if not _advance(session, enquiry, EnquiryStatus.VISIT_REQUESTED, None, now, summary):
        log_activity(session, enquiry, ActivityKind.VISIT, summary, now=now)
    refresh_clock(enquiry)
    flush_or_conflict(session)
    audit.record(session, None, "visit_requested", enquiry, summary="The enquirer asked for an initial visit", now=now)
    send_email(session, enquiry, "enquiries/visit_requested", "We have your request for an initial visit",
               summary="Confirmation of the request sent", now=now, reference=enquiry.reference, agency=enquiry.agency)
    return enquiry


def record_visit_offer(session: Session, actor: User, enquiry: Enquiry, *, offered_on: date, now: datetime | None = None) -> None:
    """Staff offered an initial visit (by phone or email): the 4-week clock is met."""
    now = now or utcnow()
    _refuse_if_closed(enquiry)
    if offered_on > today_in_london(now):
        raise DomainError("The date the visit was offered must be today or in the past", "offered_on")
    visit = _visit(session, enquiry)
    visit.offered_on, visit.offered_at = offered_on, now
    enquiry.updated_at = now
    refresh_clock(enquiry)
    flush_or_conflict(session)
    summary = f"Initial visit offered on {offered_on.day} {offered_on.strftime('%B %Y')}"
    audit.record(session, actor, "visit_offered", enquiry, summary=summary, now=now)
    log_activity(session, enquiry, ActivityKind.VISIT, summary, actor=actor, now=now)


def book_visit(session: Session, actor: User, enquiry: Enquiry, *, visit_at: datetime, method: VisitMethod,
               social_worker: User | None, now: datetime | None = None) -> None:
    now = now or utcnow()
    _refuse_if_closed(enquiry)
    if social_worker is not None and (not social_worker.is_staff or social_worker.agency_id != enquiry.agency_id):
        raise DomainError("Choose a social worker from the agency that holds this enquiry", "social_worker")
    visit = _visit(session, enquiry)
    if visit.offered_on is None:
        visit.offered_on, visit.offered_at = today_in_london(now), now
    visit.visit_at, visit.method, visit.social_worker = visit_at, method, social_worker
    visit.outcome = visit.outcome_note = visit.outcome_recorded_at = None
    enquiry.updated_at = now
    flush_or_conflict(session)
    when = describe_datetime(visit_at)
    summary = f"Initial visit booked for {when} ({method.label.lower()})"
    if enquiry.status != EnquiryStatus.VISIT_BOOKED:
        _set_status(session, enquiry, EnquiryStatus.VISIT_BOOKED, actor, now, summary)
    else:
        log_activity(session, enquiry, ActivityKind.VISIT, summary, actor=actor, now=now)
        audit.record(session, actor, "visit_booked", enquiry, summary=summary, now=now)
    refresh_clock(enquiry)
    send_email(session, enquiry, "enquiries/visit_booked", "Your initial visit", summary="Visit confirmation sent",
               actor=actor, now=now, reference=enquiry.reference, agency=enquiry.agency, when=when, method=method)
    flush_or_conflict(session)


def record_visit_outcome(session: Session, actor: User, enquiry: Enquiry, *, outcome: VisitOutcome, note: str | None,
                         now: datetime | None = None) -> None:
    now = now or utcnow()
    _refuse_if_closed(enquiry)
    visit = enquiry.visit
    if visit is None or visit.visit_at is None:
        raise DomainError("Book the initial visit before you record how it went", "outcome")
    visit.outcome, visit.outcome_note, visit.outcome_recorded_at = outcome, _clean(note), now
    enquiry.updated_at = now
    flush_or_conflict(session)
    summary = f"Initial visit outcome: {outcome.label}"
    if outcome != VisitOutcome.DID_NOT_HAPPEN and enquiry.status != EnquiryStatus.VISIT_DONE:
        _set_status(session, enquiry, EnquiryStatus.VISIT_DONE, actor, now, summary)
    else:
        log_activity(session, enquiry, ActivityKind.VISIT, summary, actor=actor, now=now)
        audit.record(session, actor, "visit_outcome", enquiry, summary=summary, now=now)
    if outcome in (VisitOutcome.PROCEED, VisitOutcome.NOT_YET):
        # The person may ask to register their interest whenever they are ready.
        from portal.services import roi

        roi.send_invitation(session, actor, enquiry, asked_by_staff=False, now=now)
    flush_or_conflict(session)


def _refuse_if_closed(enquiry: Enquiry) -> None:
    if enquiry.is_closed:
        raise NotAllowed("This enquiry is closed. Change its status to reopen it first")


# Next information evening -------------------------------------------------------------------------

def invite_to_information_evening(session: Session, actor: User, enquiry: Enquiry, *, now: datetime | None = None):
    """Email the person the next information evening that has places, with a link to book it."""
    now = now or utcnow()
    _refuse_if_closed(enquiry)
    from portal.services import events

    evening = events.next_information_evening(session, now=now, agency_id=enquiry.agency_id)
    if evening is None:
        raise NotAllowed("There is no information evening with places left. Add one, or try again later")
    send_email(session, enquiry, "enquiries/evening_invitation", "Come to an information evening",
               summary="Invitation to the next information evening sent", actor=actor, now=now,
               reference=enquiry.reference, agency=enquiry.agency, evening=evening,
               when=describe_datetime(evening.starts_at), link=mail.external_url("events.show", event_id=evening.id))
    if enquiry.status == EnquiryStatus.NEW:
        _set_status(session, enquiry, EnquiryStatus.CONTACTED, actor, now, "Contacted: invited to an information evening")
    audit.record(session, actor, "invited_to_evening", enquiry, summary="Invited to the next information evening", now=now)
    flush_or_conflict(session)
    return evening
