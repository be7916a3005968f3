"""The casework around the steps: the social worker, the statutory checks and case notes."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.models import CaseNote, CheckKind, CheckOutcome, Household, Journey, StaffRole, StatutoryCheck, User
from portal.services import access, audit
from portal.services.errors import DomainError, NotAllowed
from portal.services.journey.writing import (
    CASEWORK_ROLES, DECISION_ROLES, _check_date, _expect_version, _flush, _notify, _require_active, _require_role,
    _today,
)

STANDARD_CHECKS = [CheckKind.DBS, CheckKind.LOCAL_AUTHORITY, CheckKind.MEDICAL, CheckKind.REFERENCE,
                   CheckKind.REFERENCE, CheckKind.REFERENCE, CheckKind.EMPLOYER, CheckKind.EX_PARTNER,
                   CheckKind.FINANCIAL]


def create_checks(journey: Journey, household: Household) -> None:
    """The statutory checks for every applicant of the household."""
    for applicant in household.applicants:
        _add_standard_checks(journey, applicant.full_name, applicant.id)


def _add_standard_checks(journey: Journey, person_name: str, applicant_id: int | None) -> None:
    for kind in STANDARD_CHECKS:
        journey.checks.append(StatutoryCheck(household_id=journey.household_id, applicant_id=applicant_id,
                                             person_name=person_name, kind=kind))


def assign_social_worker(session: Session, actor: User | None, household: Household, *, social_worker_id: int | None,
                         expected_version: int | None = None, now: datetime | None = None) -> Household:
    now = now or utcnow()
    _require_role(actor, DECISION_ROLES, "allocate a social worker")
    _expect_version(household, expected_version)
    worker = None
    if social_worker_id:
        worker = session.scalar(access.staff_for(actor).where(User.id == social_worker_id))
        if worker is None or worker.role != StaffRole.SOCIAL_WORKER or not worker.is_active \
                or (worker.agency_id != household.agency_id and not worker.is_hub):
            raise DomainError("Choose a social worker from the household's agency", "social_worker")
    if household.social_worker_id == (worker.id if worker else None):
        return household
    household.social_worker = worker
    changes = audit.changes_of(household, ["social_worker_id"])
    _flush(session)
    audit.record(session, actor, "assigned_social_worker", household,
                 summary=f"Social worker: {worker.full_name if worker else 'none'}", changes=changes, now=now)
    if worker is not None:
        _notify(session, household, "Your social worker", f"{worker.full_name} is now your social worker.",
                next_step="They will be in touch to arrange the next steps with you.", now=now)
    return household


def update_check(session: Session, actor: User | None, journey: Journey, check: StatutoryCheck, *,
                 requested_on: date | None, received_on: date | None, outcome: CheckOutcome, detail: str = "",
                 expected_version: int | None = None, now: datetime | None = None) -> StatutoryCheck:
    now = now or utcnow()
    _require_role(actor, CASEWORK_ROLES, "record statutory checks")
    _expect_version(check, expected_version)
    _require_active(journey)
    if check.journey_id != journey.id:
        raise DomainError("That check belongs to another assessment")
    today = _today(now)
    if requested_on is not None:
        _check_date(requested_on, today, field="requested_on")
    if received_on is not None:
        _check_date(received_on, today, field="received_on", not_before=requested_on, not_before_text="the request")
        if requested_on is None:
            raise DomainError("Enter when the check was requested", "requested_on")
    if outcome in (CheckOutcome.SATISFACTORY, CheckOutcome.CONCERNS) and received_on is None:
        raise DomainError("Enter when the check came back before recording its outcome", "received_on")
    if outcome == CheckOutcome.PENDING and received_on is not None:
        # A check that has come back counts as done on the household's progress page: it
        # needs its result, or the date must go.
        raise DomainError("Select the outcome of the check that came back, or remove the date it came back", "outcome")
    check.requested_on, check.received_on, check.outcome = requested_on, received_on, outcome
    check.detail = (detail or "").strip()[:200] or None
    changes = audit.changes_of(check, ["requested_on", "received_on", "outcome", "detail"])
    if not changes:
        return check
    _flush(session)
    audit.record(session, actor, "check_updated", check, agency_id=journey.agency_id,
                 summary=f"{check.kind.label} for {check.person_name}: {outcome.label}", changes=changes, now=now)
    return check


def check_viewed(session: Session, actor: User | None, journey: Journey, check: StatutoryCheck, *,
                 now: datetime | None = None) -> None:
    """Record that the actor opened one check: it shows a named person's DBS or medical outcome."""
    audit.record(session, actor, "viewed", check, agency_id=journey.agency_id,
                 summary=f"Viewed the {check.kind.label.lower()} for {check.person_name}", now=now or utcnow())


def add_checks(session: Session, actor: User | None, journey: Journey, *, person_name: str,
               kind: CheckKind | None = None, now: datetime | None = None) -> None:
    """Add one check for an adult, or (``kind`` None) every statutory check for another adult in the household."""
    now = now or utcnow()
    _require_role(actor, CASEWORK_ROLES, "record statutory checks")
    _require_active(journey)
    person_name = (person_name or "").strip()
    if not person_name:
        raise DomainError("Enter the adult's name", "person_name")
    applicant_id = next((c.applicant_id for c in journey.checks if c.person_name == person_name), None)
    if kind is None:
        _add_standard_checks(journey, person_name[:200], applicant_id)
        summary = "Statutory checks added for another adult"
    else:
        journey.checks.append(StatutoryCheck(household_id=journey.household_id, applicant_id=applicant_id,
                                             person_name=person_name[:200], kind=kind))
        summary = f"{kind.label} added"
    _flush(session)
    audit.record(session, actor, "checks_added", journey, summary=summary, now=now)


def add_note(session: Session, actor: User | None, household: Household, *, body: str,
             now: datetime | None = None) -> CaseNote:
    now = now or utcnow()
    if not access.is_staff(actor):
        raise NotAllowed("Only staff can write case notes")
    body = (body or "").strip()
    if not body:
        raise DomainError("Enter the note", "body")
    note = CaseNote(household_id=household.id, author_id=actor.id, written_at=now, body=body[:5000])
    session.add(note)
    _flush(session)
    audit.record(session, actor, "note_added", note, agency_id=household.agency_id, summary="Case note added", now=now)
    return note
