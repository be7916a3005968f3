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
