"""The registration of interest (ROI): invitation, the household's pages, submission, decision.

Staff invite someone from their enquiry (or the person follows the link sent after their
initial visit); they create the household's account, or sign in, and the enquiry is linked
to the household. The household then completes the ROI page by page. Each applicant fills in
their own details, health and background, consent and declaration, and sees only that their
partner's part is done, not what it says. Once sent it is read-only, and the agency decides
within 5 working days: acceptance starts Stage 1 on that day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.clock import today_in_london, utcnow
from portal.models import (
    ActivityKind, CloseReason, Enquiry, EnquirySource, EnquiryStatus, EnquiryTokenPurpose, Household, HouseholdStage,
    PersonKind, PreviousKind, RegistrationOfInterest, RelationshipStatus, RoiApplicant, RoiPerson,
    RoiPreviousApplication, RoiStatus, StaffRole, User,
)
from portal.services import access, accounts, audit, enquiries, journey, mail
from portal.services.errors import DomainError, NotAllowed, flush_or_conflict
from portal.services.households import email_recipients
from portal.services.tokens import reference
from portal.services.workdays import add_working_days, closure_days

INVITATION_DAYS = 30
DECISION_WORKING_DAYS = 5
MINIMUM_AGE = 21  # the law's minimum age to adopt in England
# Accepting a registration of interest starts Stage 1: a manager's decision, or the hub's.
DECISION_ROLES = (StaffRole.TEAM_MANAGER, StaffRole.HUB_ADMIN)


# Invitation ------------------------------------------------------------------------------------

def send_invitation(session: Session, actor: User | None, enquiry: Enquiry, *, asked_by_staff: bool = True,
                    now: datetime | None = None) -> None:
    """Email the enquirer a link to register their interest.

    From staff it moves the enquiry to "ROI invited"; after an initial visit it is an open
    door the person may use when they are ready (the enquiry moves on when they do).
    """
    now = now or utcnow()
    if enquiry.is_closed:
        raise NotAllowed("This enquiry is closed. Change its status to reopen it first")
    if enquiry.status == EnquiryStatus.ROI_RECEIVED:
        raise NotAllowed("This household has already sent its registration of interest")
    raw = enquiries.issue_token(session, enquiry, EnquiryTokenPurpose.ROI_INVITE, days=INVITATION_DAYS, now=now)
    enquiries.send_email(
        session, enquiry, "roi/invitation", "Register your interest in adopting", actor=actor, now=now,
        summary="Invitation to register interest sent", reference=enquiry.reference, agency=enquiry.agency,
        after_visit=not asked_by_staff, days=INVITATION_DAYS, link=mail.external_url("roi.invitation_link", token=raw),
    )
    if asked_by_staff:
        enquiry.roi_invited_at = now
        if enquiry.status != EnquiryStatus.ROI_INVITED:
            enquiries._set_status(session, enquiry, EnquiryStatus.ROI_INVITED, actor, now, "Invited to register interest")
        flush_or_conflict(session)
        audit.record(session, actor, "roi_invited", enquiry, summary="Invited to register interest", now=now)
    flush_or_conflict(session)


def invitation(session: Session, raw: str | None, now: datetime | None = None) -> Enquiry | None:
    """The enquiry an invitation link belongs to, if the link can still be used."""
    token = enquiries.peek_token(session, raw, EnquiryTokenPurpose.ROI_INVITE, now)
    if token is None or token.enquiry.is_closed:
        return None
    return token.enquiry


def _linked(session: Session, actor: User | None, enquiry: Enquiry, household: Household, now: datetime, how: str) -> None:
    enquiry.household = household
    enquiry.updated_at = now
    if enquiry.roi_invited_at is None:
        enquiry.roi_invited_at = now
    flush_or_conflict(session)
    audit.record(session, actor, "linked", enquiry, summary=f"Linked to household {household.reference} ({how})",
                 changes={"household_id": [None, household.id]}, now=now)
    enquiries.log_activity(session, enquiry, ActivityKind.ROI, f"Linked to household account {household.reference} ({how})",
                           actor=actor, now=now)
    enquiries._advance(session, enquiry, EnquiryStatus.ROI_INVITED, actor, now, "Ready to register interest")
    flush_or_conflict(session)


def accept_invitation(session: Session, actor: User, raw: str | None, *, now: datetime | None = None) -> Enquiry:
    """A signed-in applicant follows their invitation: the enquiry joins their household."""
    now = now or utcnow()
    enquiry = invitation(session, raw, now)
    if enquiry is None:
        raise DomainError("This link has expired or has already been used")
    if enquiry.household_id not in (None, actor.household_id):
        raise DomainError("This invitation has already been used by another household account")
    enquiries.spend_token(session, raw, EnquiryTokenPurpose.ROI_INVITE, now)
    if enquiry.household_id is None:
        _linked(session, actor, enquiry, actor.household, now, "invitation accepted after signing in")
    return enquiry


def register_from_invitation(session: Session, raw: str | None, applicant: accounts.Applicant, password: str, *,
                             partner: accounts.Applicant | None = None, now: datetime | None = None) -> Household | None:
    """Create the household's account from an invitation: it belongs to the enquiry's agency.

    As with ordinary registration, an address that already has an account gets an email
    instead and None comes back; the invitation then still works after signing in.
    """
    now = now or utcnow()
    enquiry = invitation(session, raw, now)
    if enquiry is None:
        raise DomainError("This link has expired or has already been used")
    if enquiry.household_id is not None:
        raise DomainError("This invitation has already been used by another household account")
    household = accounts.register_household(session, applicant, password, area_id=enquiry.area_id, partner=partner,
                                            now=now, enquiry=enquiry)
    if household is None:
        return None
    enquiries.spend_token(session, raw, EnquiryTokenPurpose.ROI_INVITE, now)
    _linked(session, None, enquiry, household, now, "account created from the invitation")
    return household


# Starting and filling in --------------------------------------------------------------------------

def start(session: Session, actor: User, *, now: datetime | None = None) -> RegistrationOfInterest:
    """Begin the household's ROI (or return the one already begun: a second click finds it)."""
    now = now or utcnow()
    household = actor.household
    existing = _for_household(session, household.id)
    if existing is not None:
        return existing
    if household.stage != HouseholdStage.REGISTERED:
        raise NotAllowed(f"Your household is at {household.stage.label}, so there is no registration of interest to fill in")
    roi = RegistrationOfInterest(household=household, started_by_id=actor.id, created_at=now, updated_at=now)
    try:
        with session.begin_nested():
            session.add(roi)
            session.flush()
    except IntegrityError:
        existing = _for_household(session, household.id)
        if existing is None:
            raise
        return existing
    _link_by_email(session, actor, household, now)
    audit.record(session, actor, "started", roi, summary="Registration of interest started", household_id=household.id,
                 agency_id=household.agency_id, now=now)
    for other in email_recipients(household):
        if other.id != actor.id:
            mail.queue_email(session, other.email, "roi/started", "Your household has started its registration of interest",
                             household_id=household.id, now=now, name=other.first_name, starter=actor.first_name,
                             link=mail.external_url("roi.overview"))
    return roi


def _for_household(session: Session, household_id: int) -> RegistrationOfInterest | None:
    return session.scalar(select(RegistrationOfInterest).where(RegistrationOfInterest.household_id == household_id))


def _link_by_email(session: Session, actor: User, household: Household, now: datetime) -> None:
    """Someone who signed in without their invitation link: their own open enquiry, found by
    an email address they have proved is theirs, joins the household."""
    if session.scalar(select(Enquiry.id).where(Enquiry.household_id == household.id).limit(1)) is not None:
        return
    emails = [a.email for a in household.applicants if a.is_verified]
    if not emails:
        return
    enquiry = session.scalar(
        select(Enquiry).where(Enquiry.email.in_(emails), Enquiry.household_id.is_(None), Enquiry.status != EnquiryStatus.CLOSED)
        .order_by(Enquiry.created_at.desc(), Enquiry.id.desc()).limit(1)
    )
    if enquiry is not None:
        _linked(session, actor, enquiry, household, now, "same confirmed email address")


def _check_editable(roi: RegistrationOfInterest, actor: User) -> None:
    if actor.household_id != roi.household_id:
        raise NotAllowed("This is not your household's registration of interest")
    if not roi.is_editable:
        raise NotAllowed("Your registration of interest has been sent, so it can no longer be changed")


def own_part(roi: RegistrationOfInterest, actor: User) -> RoiApplicant:
    """The actor's own part (created, with their account's name, the first time they save)."""
    part = roi.applicant_for(actor.id)
    if part is None:
        part = RoiApplicant(user_id=actor.id, user=actor, first_name=actor.first_name, last_name=actor.last_name)
        roi.applicants.append(part)
    return part


def _touched(session: Session, actor: User, roi: RegistrationOfInterest, section: str, now: datetime) -> None:
    roi.updated_at = now
    flush_or_conflict(session)
    audit.record(session, actor, "updated", roi, summary=f"Registration of interest: {section} saved",
                 household_id=roi.household_id, agency_id=roi.household.agency_id, now=now)


@dataclass
class Details:
    first_name: str
    last_name: str
    other_names: str | None
    date_of_birth: date
    phone: str
    occupation: str | None


def save_details(session: Session, actor: User, roi: RegistrationOfInterest, answers: Details, *,
                 now: datetime | None = None) -> None:
    now = now or utcnow()
    _check_editable(roi, actor)
    today = today_in_london(now)
    if answers.date_of_birth >= today:
        raise DomainError("Date of birth must be in the past", "date_of_birth")
    age = today.year - answers.date_of_birth.year - ((today.month, today.day) < (answers.date_of_birth.month, answers.date_of_birth.day))
    if age > 120:
        raise DomainError("Enter a real date of birth", "date_of_birth")
    if age < MINIMUM_AGE:
        raise DomainError(f"You must be {MINIMUM_AGE} or over to adopt", "date_of_birth")
    part = own_part(roi, actor)
    part.first_name, part.last_name = answers.first_name.strip(), answers.last_name.strip()
    part.other_names = (answers.other_names or "").strip() or None
    part.date_of_birth = answers.date_of_birth
    part.phone = enquiries.normalise_phone(answers.phone) or answers.phone.strip()
    part.occupation = (answers.occupation or "").strip() or None
    part.details_completed_at = now
    _touched(session, actor, roi, "applicant's details", now)


@dataclass
class Background:
    has_health_condition: bool
    health_details: str | None
    has_convictions: bool
    convictions_details: str | None


def save_background(session: Session, actor: User, roi: RegistrationOfInterest, answers: Background, *,
                    now: datetime | None = None) -> None:
    now = now or utcnow()
    _check_editable(roi, actor)
    health = (answers.health_details or "").strip() if answers.has_health_condition else None
    convictions = (answers.convictions_details or "").strip() if answers.has_convictions else None
    if answers.has_health_condition and not health:
        raise DomainError("Tell us about your health condition or disability", "health_details")
    if answers.has_convictions and not convictions:
        raise DomainError("Tell us about the conviction, caution or warning", "convictions_details")
    part = own_part(roi, actor)
    part.has_health_condition, part.health_details = answers.has_health_condition, health
    part.has_convictions, part.convictions_details = answers.has_convictions, convictions
    part.background_completed_at = now
    _touched(session, actor, roi, "applicant's health and background", now)


def save_consent(session: Session, actor: User, roi: RegistrationOfInterest, *, consents: bool, declares: bool,
                 now: datetime | None = None) -> None:
    now = now or utcnow()
    _check_editable(roi, actor)
    if not consents:
        raise DomainError("Confirm that you agree to the checks: we cannot go ahead without them", "consents")
    if not declares:
        raise DomainError("Confirm that what you have told us is true and complete", "declares")
    part = own_part(roi, actor)
    part.consents_to_checks, part.declares_true, part.consent_completed_at = True, True, now
    _touched(session, actor, roi, "applicant's consent and declaration", now)


@dataclass
class Home:
    address_line_1: str
    address_line_2: str | None
    town: str
    postcode: str
    relationship_status: RelationshipStatus | None
    together_since_year: int | None


def is_couple(roi: RegistrationOfInterest) -> bool:
    return len(roi.household.applicants) >= 2


def save_home(session: Session, actor: User, roi: RegistrationOfInterest, answers: Home, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    _check_editable(roi, actor)
    postcode = enquiries.normalise_postcode(answers.postcode)
    if postcode is None or " " not in postcode:
        raise DomainError("Enter a full postcode, like NV1 2AB", "postcode")
    if is_couple(roi):
        if answers.relationship_status is None:
            raise DomainError("Select your relationship", "relationship_status")
        year = answers.together_since_year
        if year is None:
            raise DomainError("Enter the year you started living together", "together_since_year")
        if year > today_in_london(now).year or year < 1900:
            raise DomainError("The year you started living together must be a real year, not in the future", "together_since_year")
    roi.address_line_1, roi.address_line_2 = answers.address_line_1.strip(), (answers.address_line_2 or "").strip() or None
    roi.town, roi.postcode = answers.town.strip(), postcode
    if is_couple(roi):
        roi.relationship_status, roi.together_since_year = answers.relationship_status, answers.together_since_year
    else:
        roi.relationship_status = roi.together_since_year = None
    roi.home_completed_at = now
    _touched(session, actor, roi, "your home", now)


def add_person(session: Session, actor: User, roi: RegistrationOfInterest, *, kind: PersonKind, full_name: str,
               date_of_birth: date, relationship_to_you: str, now: datetime | None = None) -> RoiPerson:
    now = now or utcnow()
    _check_editable(roi, actor)
    if date_of_birth > today_in_london(now):
        raise DomainError("Date of birth must be today or in the past", "date_of_birth")
    person = RoiPerson(kind=kind, full_name=full_name.strip(), date_of_birth=date_of_birth,
                       relationship_to_you=relationship_to_you.strip())
    roi.people.append(person)
    roi.has_other_people = True
    roi.people_completed_at = None  # until they say they have added everyone
    _touched(session, actor, roi, "a person added", now)
    return person


def remove_person(session: Session, actor: User, roi: RegistrationOfInterest, person_id: int, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    _check_editable(roi, actor)
    person = next((p for p in roi.people if p.id == person_id), None)
    if person is None:
        raise DomainError("That person is not on your registration of interest")
    roi.people.remove(person)
    roi.people_completed_at = None
    _touched(session, actor, roi, "a person removed", now)


def complete_people(session: Session, actor: User, roi: RegistrationOfInterest, *, anyone_else: bool,
                    now: datetime | None = None) -> None:
    """Close the section: either there is no one else, or everyone has been added."""
    now = now or utcnow()
    _check_editable(roi, actor)
    if anyone_else and not roi.people:
        raise DomainError("Add the people who live with you, or your children who live elsewhere", "anyone_else")
    if not anyone_else and roi.people:
        raise DomainError("Remove the people you have added first, or answer yes", "anyone_else")
    roi.has_other_people = anyone_else
    roi.people_completed_at = now
    _touched(session, actor, roi, "people in your household", now)


def add_previous(session: Session, actor: User, roi: RegistrationOfInterest, *, kind: PreviousKind, agency_name: str,
                 year: int, outcome: str, now: datetime | None = None) -> RoiPreviousApplication:
    now = now or utcnow()
    _check_editable(roi, actor)
    if year > today_in_london(now).year or year < 1900:
        raise DomainError("The year must be a real year, not in the future", "year")
    row = RoiPreviousApplication(kind=kind, agency_name=agency_name.strip(), year=year, outcome=outcome.strip())
    roi.previous_applications.append(row)
    roi.has_previous_applications = True
    roi.previous_completed_at = None
    _touched(session, actor, roi, "a previous application added", now)
    return row


def remove_previous(session: Session, actor: User, roi: RegistrationOfInterest, previous_id: int, *,
                    now: datetime | None = None) -> None:
    now = now or utcnow()
    _check_editable(roi, actor)
    row = next((p for p in roi.previous_applications if p.id == previous_id), None)
    if row is None:
        raise DomainError("That application is not on your registration of interest")
    roi.previous_applications.remove(row)
    roi.previous_completed_at = None
    _touched(session, actor, roi, "a previous application removed", now)


def complete_previous(session: Session, actor: User, roi: RegistrationOfInterest, *, any_previous: bool,
                      now: datetime | None = None) -> None:
    now = now or utcnow()
    _check_editable(roi, actor)
    if any_previous and not roi.previous_applications:
        raise DomainError("Add your previous applications, or answer no", "any_previous")
    if not any_previous and roi.previous_applications:
        raise DomainError("Remove the applications you have added first, or answer yes", "any_previous")
    roi.has_previous_applications = any_previous
    roi.previous_completed_at = now
    _touched(session, actor, roi, "previous applications", now)


# Where the household has got to ------------------------------------------------------------------

@dataclass
class Section:
    key: str
    title: str
    endpoint: str | None  # None: not the actor's to fill in
    status: str  # "Completed", "In progress", "Not started", or who it is waiting for

    @property
    def is_complete(self) -> bool:
        return self.status == "Completed"


def sections(roi: RegistrationOfInterest, actor: User) -> list[Section]:
    """The task list: the actor's own three parts, their partner's (status only) and the
    household's three shared parts."""
    out: list[Section] = []
    mine = roi.applicant_for(actor.id)
    for key, title, endpoint, done in (
        ("details", "Your details", "roi.details", mine and mine.details_completed_at),
        ("background", "Your health and background", "roi.background", mine and mine.background_completed_at),
        ("consent", "Your consent and declaration", "roi.consent", mine and mine.consent_completed_at),
    ):
        out.append(Section(key, title, endpoint, "Completed" if done else "Not started"))
    for other in roi.household.applicants:
        if other.id == actor.id:
            continue
        part = roi.applicant_for(other.id)
        if part is not None and part.is_complete:
            status = "Completed"
        elif other.password_hash is None:
            status = f"Waiting for {other.first_name} to accept their invitation"
        else:
            status = f"Waiting for {other.first_name}"
        out.append(Section(f"partner-{other.id}", f"{other.first_name}'s details, consent and declaration", None, status))
    couple = is_couple(roi)
    for key, title, endpoint, done, started in (
        ("home", "Your home" + (" and relationship" if couple else ""), "roi.home", roi.home_completed_at, roi.address_line_1),
        ("people", "People in your household and your children", "roi.people", roi.people_completed_at, roi.people),
        ("previous", "Previous applications to adopt or foster", "roi.previous", roi.previous_completed_at,
         roi.previous_applications),
    ):
        out.append(Section(key, title, endpoint, "Completed" if done else ("In progress" if started else "Not started")))
    return out


def missing(roi: RegistrationOfInterest) -> list[str]:
    """What still has to be done before the ROI can be sent, in words for the household."""
    gaps = []
    for applicant in roi.household.applicants:
        part = roi.applicant_for(applicant.id)
        if part is None or not part.is_complete:
            gaps.append(f"{applicant.first_name} has not finished their details, consent and declaration")
    if roi.home_completed_at is None:
        gaps.append("Your home is not finished")
    if roi.people_completed_at is None:
        gaps.append("People in your household is not finished")
    if roi.previous_completed_at is None:
        gaps.append("Previous applications is not finished")
    return gaps


# Sending it -------------------------------------------------------------------------------------

def submit(session: Session, actor: User, roi: RegistrationOfInterest, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    _check_editable(roi, actor)
    gaps = missing(roi)
    if gaps:
        raise DomainError(gaps[0])
    household = roi.household
    today = today_in_london(now)
    due_on = add_working_days(today, DECISION_WORKING_DAYS, closures=closure_days(session, household.agency_id))
    roi.status = RoiStatus.SUBMITTED
    roi.submitted_at, roi.submitted_by_id, roi.updated_at = now, actor.id, now
    roi.decision_due_on = due_on
    if household.stage == HouseholdStage.REGISTERED:
        household.stage, household.stage_entered_on = HouseholdStage.ROI_SUBMITTED, today
    flush_or_conflict(session)
    audit.record(session, actor, "submitted", roi, summary="Registration of interest sent", household_id=household.id,
                 agency_id=household.agency_id, changes={"status": ["draft", "submitted"]}, now=now)
    enquiry = _enquiry_for(session, actor, household, now)
    enquiries.mark_roi_received(session, actor, enquiry, decision_due_on=roi.decision_due_on, now=now)
    for applicant in email_recipients(household):
        mail.queue_email(session, applicant.email, "roi/received", "We have received your registration of interest",
                         household_id=household.id, now=now, name=applicant.first_name, due_on=roi.decision_due_on,
                         agency=household.agency, link=mail.external_url("roi.overview"))
    enquiries.log_activity(session, enquiry, ActivityKind.EMAIL,
                           "Confirmation sent to the household: “We have received your registration of interest”", now=now)
    if household.agency.email:
        mail.queue_email(session, household.agency.email, "roi/for_decision", "A registration of interest needs a decision",
                         now=now, reference=household.reference, due_on=roi.decision_due_on,
                         link=mail.external_url("triage.roi", roi_id=roi.id))
    flush_or_conflict(session)


def _enquiry_for(session: Session, actor: User, household: Household, now: datetime) -> Enquiry:
    """The enquiry that the decision clock runs on: the household's own, or a new one for a
    household that registered without enquiring first (so every ROI is in the queue)."""
    _link_by_email(session, actor, household, now)
    enquiry = session.scalar(select(Enquiry).where(Enquiry.household_id == household.id)
                             .order_by(Enquiry.created_at.desc(), Enquiry.id.desc()).limit(1))
    if enquiry is not None:
        return enquiry
    first = household.applicants[0]
    enquiry = Enquiry(reference=reference("ENQ"), agency_id=household.agency_id, source=EnquirySource.ACCOUNT,
                      first_name=first.first_name, last_name=first.last_name, email=first.email, household=household,
                      status=EnquiryStatus.ROI_INVITED, created_at=now, updated_at=now, roi_invited_at=now)
    session.add(enquiry)
    session.flush()
    audit.record(session, actor, "created", enquiry, summary="Enquiry created for a registration of interest sent without one",
                 now=now)
    enquiries.log_activity(session, enquiry, ActivityKind.CREATED,
                           f"Household {household.reference} registered interest without enquiring first", actor=actor, now=now)
    return enquiry


def decide(session: Session, actor: User, roi: RegistrationOfInterest, *, accept: bool, reasons: str | None,
           now: datetime | None = None) -> None:
    """Accept (Stage 1 starts today) or decline with reasons; the household is told by email."""
    now = now or utcnow()
    if not can_decide(actor):
        raise NotAllowed("Only a team manager or hub administrator can accept or decline a registration of interest")
    if roi.status != RoiStatus.SUBMITTED:
        raise NotAllowed("A decision has already been made on this registration of interest")
    reasons = (reasons or "").strip() or None
    if not accept and not reasons:
        raise DomainError("Enter the reasons for not accepting it: the household will read them", "reasons")
    household = roi.household
    today = today_in_london(now)
    if accept:
        # The acceptance email below says Stage 1 has started: one email, not two.
        journey.enter_stage_1(session, actor, household, on=today, now=now, notify=False)
    elif household.stage == HouseholdStage.ROI_SUBMITTED:
        household.stage, household.stage_entered_on = HouseholdStage.REGISTERED, today
    roi.status = RoiStatus.ACCEPTED if accept else RoiStatus.DECLINED
    roi.decided_at, roi.decided_on, roi.decided_by_id, roi.decision_reasons = now, today, actor.id, reasons
    roi.updated_at = now
    flush_or_conflict(session)
    word = "accepted" if accept else "declined"
    audit.record(session, actor, word, roi, summary=f"Registration of interest {word}", household_id=household.id,
                 agency_id=household.agency_id, changes={"status": ["submitted", roi.status.value]}, now=now)
    enquiry = session.scalar(select(Enquiry).where(Enquiry.household_id == household.id)
                             .order_by(Enquiry.created_at.desc(), Enquiry.id.desc()).limit(1))
    if enquiry is not None:
        enquiries.close(session, actor, enquiry, CloseReason.ROI_ACCEPTED if accept else CloseReason.ROI_DECLINED, now=now)
    subject = ("Your registration of interest has been accepted" if accept
               else "A decision on your registration of interest")
    for applicant in email_recipients(household):
        mail.queue_email(session, applicant.email, f"roi/{word}", subject, household_id=household.id, now=now,
                         name=applicant.first_name, agency=household.agency, decided_on=today,
                         # Accepted: what happens next is on "Your progress"; declined: the reasons are with the ROI.
                         link=mail.external_url("progress.show" if accept else "roi.overview"))
    if enquiry is not None:
        enquiries.log_activity(session, enquiry, ActivityKind.EMAIL, f"Decision sent to the household: “{subject}”", now=now)
    flush_or_conflict(session)


def can_decide(actor: User | None) -> bool:
    return access.has_role(actor, *DECISION_ROLES)


@dataclass
class DecisionPage:
    """A registration of interest as staff read it, with whether this person may decide it."""

    registration: RegistrationOfInterest
    enquiry: Enquiry | None  # the enquiry it came from, if the actor may see it
    can_decide: bool
    today: date


def decision_page(session: Session, actor: User, roi: RegistrationOfInterest, *, now: datetime | None = None) -> DecisionPage:
    """The staff page for one registration of interest. Reading it is a view of the
    household's record, and audited as one."""
    now = now or utcnow()
    enquiry = session.scalars(access.enquiries_for(actor).where(Enquiry.household_id == roi.household_id)
                              .order_by(Enquiry.created_at.desc(), Enquiry.id.desc())).first()
    audit.record(session, actor, "viewed", roi, summary="Viewed registration of interest", household_id=roi.household_id,
                 agency_id=roi.household.agency_id, now=now)
    return DecisionPage(roi, enquiry, can_decide(actor), today_in_london(now))
