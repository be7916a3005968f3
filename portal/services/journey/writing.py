"""What every write to a journey shares: who may make it, the version check, the date
rules, saving (with fresh due dates and an audit row) and emailing the household."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from portal.clock import today_in_london
from portal.models import Household, HouseholdStage, Journey, StaffRole, User
from portal.services import access, audit, mail, workdays
from portal.services.errors import Conflict, DomainError, NotAllowed, flush_or_conflict
from portal.services.journey.deadlines import refresh_clocks

CONFLICT_MESSAGE = ("Someone else changed this household's record while you were working on it. "
                    "Reload the page to see their changes, then make yours again.")
PAUSED_MESSAGE = "The assessment is paused. Resume it before recording this step."

# Staff who record the steps of an assessment; decisions are the team manager's.
CASEWORK_ROLES = (StaffRole.SOCIAL_WORKER, StaffRole.TEAM_MANAGER)
DECISION_ROLES = (StaffRole.TEAM_MANAGER,)
# Accepting a registration of interest (which starts Stage 1) is for team managers and hub staff.
START_ROLES = (StaffRole.TEAM_MANAGER, StaffRole.HUB_ADMIN)


def _today(now: datetime | None) -> date:
    return today_in_london(now)


def _require_role(actor: User | None, roles: tuple[StaffRole, ...], what: str) -> None:
    if not access.has_role(actor, *roles):
        names = " or ".join(r.label.lower() for r in roles)
        raise NotAllowed(f"Only a {names} can {what}")


def _expect_version(obj, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(CONFLICT_MESSAGE)


def _flush(session: Session) -> None:
    flush_or_conflict(session, CONFLICT_MESSAGE)


def _check_date(on: date | None, today: date, *, field: str = "on", allow_future: bool = False,
                not_before: date | None = None, not_before_text: str = "") -> date:
    if on is None:
        raise DomainError("Enter a date", field)
    if not allow_future and on > today:
        raise DomainError("The date must be today or in the past", field)
    if not_before is not None and on < not_before:
        raise DomainError(f"The date must be on or after {not_before_text} ({_fmt(not_before)})", field)
    return on


def _fmt(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def _set_stage(household: Household, stage: HouseholdStage, on: date) -> None:
    household.stage = stage
    household.stage_entered_on = on


def _save(session: Session, actor: User | None, journey: Journey, action: str, summary: str,
          changes: dict, now: datetime) -> None:
    journey.updated_at = now
    with session.no_autoflush:  # the version check belongs to the flush below, where it becomes a Conflict
        refresh_clocks(journey, closures=workdays.closure_days(session, journey.agency_id))
    _flush(session)
    audit.record(session, actor, action, journey, summary=summary, changes=changes, now=now)


def _notify(session: Session, household: Household, subject: str, headline: str, *, next_step: str | None = None,
            now: datetime, template: str = "journey/update", **context) -> None:
    """Email every confirmed applicant of the household (one message each)."""
    for applicant in household.applicants:
        if applicant.is_verified and applicant.is_active:
            mail.queue_email(session, applicant.email, template, subject, household_id=household.id, now=now,
                             name=applicant.first_name, headline=headline, next_step=next_step,
                             link=mail.external_url("progress.show"), **context)


def _require_active(journey: Journey) -> None:
    if not journey.is_active:
        raise DomainError(f"This household's assessment has ended ({journey.status.label.lower()}): it cannot change")


def _require_not_paused(journey: Journey) -> None:
    if journey.is_paused:
        raise DomainError(PAUSED_MESSAGE)


def _require_stage_1_open(journey: Journey) -> None:
    _require_active(journey)
    if journey.stage1_started_on is None:
        raise DomainError("This household was fast tracked straight to Stage 2: it has no Stage 1")
    if journey.stage1_decided_on is not None:
        raise DomainError("Stage 1 has been decided: its steps can no longer change")


def _require_stage_2_open(journey: Journey) -> None:
    _require_active(journey)
    if journey.stage2_started_on is None:
        if journey.stage1_decided_on is None:
            raise DomainError("Stage 2 cannot start before the Stage 1 decision is recorded")
        raise DomainError("Stage 2 has not started: record the household's notice to start Stage 2 first")
    if journey.adm_decided_on is not None:
        raise DomainError("The agency decision has been made: Stage 2 can no longer change")
