"""Plain factory functions: sensible defaults, anything overridable with keywords."""
from __future__ import annotations

import itertools
from datetime import timedelta

from werkzeug.security import generate_password_hash

from portal.clock import utcnow
from portal.models import Agency, Area, Household, HouseholdStage, StaffRole, User, UserKind
from portal.services.tokens import reference

PASSWORD = "correct horse battery staple"
# Hashed once: scrypt is deliberately slow, and factories run thousands of times.
PASSWORD_HASH = generate_password_hash(PASSWORD)
_seq = itertools.count(1)


def create_agency(session, *, is_hub: bool = False, areas: list[str] | None = None, **overrides) -> Agency:
    n = next(_seq)
    values = dict(name=f"Agency {n}", short_name=f"Agency {n}", slug=f"agency-{n}", is_hub=is_hub,
                  email=f"adoption{n}@example.org", phone="0300 000 0000")
    values.update(overrides)
    agency = Agency(**values)
    agency.areas = [Area(name=f"{name}", postcode_districts=f"T{n}") for name in (areas or [])]
    session.add(agency)
    session.flush()
    return agency


def hub_agency(session) -> Agency:
    from sqlalchemy import select

    hub = session.scalar(select(Agency).where(Agency.is_hub.is_(True)))
    return hub or create_agency(session, is_hub=True, name="Test hub", short_name="Hub", slug="test-hub")


def create_staff(session, *, agency: Agency | None = None, role: StaffRole = StaffRole.RECRUITMENT_OFFICER, **overrides) -> User:
    n = next(_seq)
    if agency is None:
        agency = hub_agency(session) if role == StaffRole.HUB_ADMIN else create_agency(session)
    values = dict(email=f"staff{n}@example.org", first_name="Sam", last_name=f"Staff{n}", kind=UserKind.STAFF,
                  role=role, agency=agency, password_hash=PASSWORD_HASH, email_verified_at=utcnow())
    values.update(overrides)
    user = User(**values)
    session.add(user)
    session.flush()
    return user


def create_household(session, *, agency: Agency | None = None, applicants: int = 1,
                     stage: HouseholdStage = HouseholdStage.REGISTERED, verified: bool = True, **overrides) -> Household:
    agency = agency or create_agency(session)
    now = utcnow()
    values = dict(agency=agency, reference=reference("TST"), stage=stage, stage_entered_on=(now - timedelta(days=10)).date())
    values.update(overrides)
    household = Household(**values)
    session.add(household)
    for i in range(applicants):
        n = next(_seq)
        session.add(User(email=f"applicant{n}@example.com", first_name=("Alex", "Jo")[i], last_name=f"Applicant{n}",
                         kind=UserKind.APPLICANT, household=household, password_hash=PASSWORD_HASH,
                         email_verified_at=now if verified else None))
    session.flush()
    return household


def create_journey(session, *, household: Household | None = None, agency: Agency | None = None, applicants: int = 1,
                   stage1_started_on=None, household_stage: HouseholdStage = HouseholdStage.STAGE_1, checks: bool = True,
                   **overrides):
    """A household's journey (Stage 1 by default) with its due dates computed; sends no email."""
    from portal.models import Journey, JourneyStatus
    from portal.services import journey as journeys

    household = household or create_household(session, agency=agency, applicants=applicants, stage=household_stage)
    start = stage1_started_on if stage1_started_on is not None else utcnow().date() - timedelta(days=10)
    values = dict(household=household, household_id=household.id, agency_id=household.agency_id, is_current=True,
                  status=JourneyStatus.ACTIVE, stage1_started_on=start, stage1_extension_weeks=0)
    values.update(overrides)
    journey = Journey(**values)
    session.add(journey)
    if checks:
        journeys.create_checks(journey, household)
    journeys.refresh_clocks(journey)
    session.flush()
    return journey


def complete_checks(session, journey, *, on) -> None:
    """Every statutory check of a journey requested and back, satisfactory."""
    from portal.models import CheckOutcome

    for check in journey.checks:
        check.requested_on = on
        check.received_on = on
        check.outcome = CheckOutcome.SATISFACTORY
    session.flush()


def complete_preparation_training(session, household: Household, *, on) -> None:
    from portal.models import TrainingCompletion
    from portal.services.training import PREPARE_TO_ADOPT

    session.add(TrainingCompletion(household_id=household.id, course_code=PREPARE_TO_ADOPT, completed_on=on))
    session.flush()


def create_event(session, *, agency: Agency | None = None, starts_at=None, day_count: int = 1, hours: int = 2,
                 **overrides):
    """An event with its days: an in-person information evening in two weeks unless told otherwise."""
    import secrets

    from portal.models import Audience, Event, EventDay, EventFormat, EventKind

    n = next(_seq)
    now = utcnow()
    starts_at = starts_at or (now + timedelta(days=14)).replace(minute=0, second=0, microsecond=0)
    days = [EventDay(day_number=i + 1, starts_at=starts_at + timedelta(days=i),
                     ends_at=starts_at + timedelta(days=i, hours=hours)) for i in range(day_count)]
    values = dict(
        uid=f"{secrets.token_hex(8)}@test.example.org", agency=agency or hub_agency(session),
        kind=EventKind.INFORMATION_EVENING, format=EventFormat.IN_PERSON, audience=Audience.PUBLIC,
        open_to_all_agencies=True, title=f"Event {n}", description="", venue_name="Town Hall",
        venue_address="1 High Street", venue_town="Northvale", capacity=20, booked=0,
        starts_at=starts_at, ends_at=days[-1].ends_at, day_count=day_count,
        booking_closes_at=starts_at - timedelta(hours=1), cancellation_deadline_at=starts_at - timedelta(hours=48),
        created_at=now - timedelta(days=1), updated_at=now - timedelta(days=1),
    )
    values.update(overrides)
    event = Event(**values)
    event.days = days
    session.add(event)
    session.flush()
    return event


def create_enquiry(session, *, agency: Agency | None = None, **overrides):
    """A web-form enquiry, new and due for first contact tomorrow, unless told otherwise."""
    from portal.models import ApplyingAs, ContactMethod, ContactTime, DueKind, Enquiry, EnquiryStatus

    n = next(_seq)
    now = utcnow()
    due = overrides.pop("first_contact_due_on", now.date() + timedelta(days=1))
    status = overrides.get("status", EnquiryStatus.NEW)
    values = dict(
        reference=reference("ENQ"), agency=agency or create_agency(session), status=status,
        first_name="Robin", last_name=f"Enquirer{n}", email=f"enquirer{n}@example.com", phone=None,
        applying_as=ApplyingAs.ALONE, contact_method=ContactMethod.EMAIL, contact_time=ContactTime.ANY,
        created_at=now, updated_at=now, first_contact_due_on=due,
    )
    if status == EnquiryStatus.NEW:
        values.update(due_on=due, due_kind=DueKind.FIRST_CONTACT)
    values.update(overrides)
    enquiry = Enquiry(**values)
    session.add(enquiry)
    session.flush()
    return enquiry


def create_registration(session, household: Household, *, complete: bool = False, **overrides):
    """A registration of interest for a household: a bare draft, or every section complete."""
    from datetime import date

    from portal.models import RegistrationOfInterest, RoiApplicant

    now = utcnow()
    values = dict(household=household, created_at=now, updated_at=now)
    if complete:
        values.update(address_line_1="1 Test Street", town="Northvale", postcode="NV1 2AB", home_completed_at=now,
                      has_other_people=False, people_completed_at=now, has_previous_applications=False,
                      previous_completed_at=now)
        if len(household.applicants) > 1:
            from portal.models import RelationshipStatus

            values.update(relationship_status=RelationshipStatus.MARRIED, together_since_year=2015)
    values.update(overrides)
    registration = RegistrationOfInterest(**values)
    session.add(registration)
    if complete:
        for user in household.applicants:
            registration.applicants.append(RoiApplicant(
                user_id=user.id, first_name=user.first_name, last_name=user.last_name, date_of_birth=date(1985, 3, 27),
                phone="07700900982", details_completed_at=now, has_health_condition=False, has_convictions=False,
                background_completed_at=now, consents_to_checks=True, declares_true=True, consent_completed_at=now))
    session.flush()
    return registration
