"""Demo data: a believable partnership, so that a newcomer sees a living portal.

A hub and six partner agencies, staff in every role, and households at every step of the
journey. Every demo account shares one password, printed when the portal starts.
Feature modules add their own demo data through ``DEMO_LOADERS``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.models import Agency, Area, Household, HouseholdStage, StaffRole, User, UserKind
from portal.services import passwords
from portal.services.tokens import reference

DEMO_PASSWORD = "northvale-demo-2026"

AGENCIES = [
    # (name, short name, slug, is_hub, phone, areas with postcode districts)
    ("Adopt Northvale (hub)", "Hub", "hub", True, "0300 123 4000", []),
    ("Northvale County Council", "Northvale", "northvale", False, "0300 123 4101",
     [("Northvale", "NV1 NV2 NV3 NV4 NV5"), ("Ashby Vale", "NV10 NV11")]),
    ("Eastbridge City Council", "Eastbridge", "eastbridge", False, "0300 123 4102",
     [("Eastbridge", "EB1 EB2 EB3 EB4")]),
    ("Hallam Borough Council", "Hallam", "hallam", False, "0300 123 4103",
     [("Hallam", "HL1 HL2 HL3")]),
    ("Kingsmoor Council", "Kingsmoor", "kingsmoor", False, "0300 123 4104",
     [("Kingsmoor", "KM1 KM2"), ("Moorside", "KM7 KM8")]),
    ("Westbrook Council", "Westbrook", "westbrook", False, "0300 123 4105",
     [("Westbrook", "WB1 WB2 WB3")]),
    ("Family Bridges Adoption", "Family Bridges", "family-bridges", False, "0300 123 4106", []),
]

STAFF = [
    # (first, last, role, agency slug)
    ("Hana", "Okafor", StaffRole.HUB_ADMIN, "hub"),
    ("Marcus", "Reid", StaffRole.TEAM_MANAGER, "hub"),
    ("Priya", "Shah", StaffRole.RECRUITMENT_OFFICER, "hub"),
    ("Tom", "Lewis", StaffRole.RECRUITMENT_OFFICER, "northvale"),
    ("Grace", "Adeyemi", StaffRole.SOCIAL_WORKER, "northvale"),
    ("Owen", "Price", StaffRole.SOCIAL_WORKER, "northvale"),
    ("Ruth", "Bennett", StaffRole.TEAM_MANAGER, "northvale"),
    ("Aisha", "Khan", StaffRole.RECRUITMENT_OFFICER, "eastbridge"),
    ("Daniel", "Murphy", StaffRole.SOCIAL_WORKER, "eastbridge"),
    ("Sofia", "Rossi", StaffRole.TEAM_MANAGER, "eastbridge"),
    ("Ewan", "Campbell", StaffRole.SOCIAL_WORKER, "hallam"),
    ("Joy", "Mensah", StaffRole.TEAM_MANAGER, "hallam"),
    ("Nia", "Hughes", StaffRole.SOCIAL_WORKER, "kingsmoor"),
    ("Leon", "Walsh", StaffRole.TEAM_MANAGER, "kingsmoor"),
    ("Beth", "Carter", StaffRole.SOCIAL_WORKER, "westbrook"),
    ("Imran", "Ali", StaffRole.TEAM_MANAGER, "westbrook"),
    ("Clare", "Doyle", StaffRole.SOCIAL_WORKER, "family-bridges"),
    ("Sam", "Ibrahim", StaffRole.TEAM_MANAGER, "family-bridges"),
]

HOUSEHOLDS = [
    # (applicants, agency slug, stage, days in stage, kinship)
    ([("Amira", "Hassan"), ("Joe", "Hassan")], "northvale", HouseholdStage.REGISTERED, 3, False),
    ([("Chloe", "Evans")], "northvale", HouseholdStage.ROI_SUBMITTED, 2, False),
    ([("Liam", "O'Connor"), ("Sean", "O'Connor")], "northvale", HouseholdStage.STAGE_1, 20, False),
    ([("Zofia", "Nowak"), ("Piotr", "Nowak")], "northvale", HouseholdStage.STAGE_1, 75, False),
    ([("Rachel", "Green")], "northvale", HouseholdStage.BREAK, 40, False),
    ([("Kwame", "Boateng"), ("Efua", "Boateng")], "northvale", HouseholdStage.STAGE_2, 60, False),
    ([("Helen", "Ward"), ("Mark", "Ward")], "northvale", HouseholdStage.APPROVED, 90, False),
    ([("Sophie", "Turner"), ("Ben", "Turner")], "eastbridge", HouseholdStage.STAGE_1, 30, False),
    ([("Mei", "Chen")], "eastbridge", HouseholdStage.STAGE_2, 130, False),
    ([("Fatima", "Begum"), ("Yusuf", "Begum")], "eastbridge", HouseholdStage.MATCHED, 20, False),
    ([("Jack", "Robinson"), ("Emily", "Robinson")], "hallam", HouseholdStage.PLACED, 50, False),
    ([("Olivia", "Bailey"), ("Nathan", "Bailey")], "hallam", HouseholdStage.ADOPTED, 400, False),
    ([("Margaret", "Finch")], "kingsmoor", HouseholdStage.APPROVED, 30, True),
    ([("Dev", "Patel"), ("Anjali", "Patel")], "kingsmoor", HouseholdStage.STAGE_2, 15, False),
    ([("Gareth", "Jones"), ("Rhys", "Morgan")], "westbrook", HouseholdStage.STAGE_1, 10, False),
    ([("Siobhan", "Kelly")], "westbrook", HouseholdStage.WITHDRAWN, 60, False),
    ([("Andre", "Silva"), ("Lucia", "Silva")], "family-bridges", HouseholdStage.STAGE_2, 100, False),
    ([("Ruth", "Abbott"), ("Peter", "Abbott")], "family-bridges", HouseholdStage.NOT_APPROVED, 25, False),
]


@dataclass
class DemoLogin:
    email: str
    description: str


# Feature modules append loaders: fn(session, agencies_by_slug, now) -> None.
DEMO_LOADERS: list[Callable[[Session, dict[str, Agency], datetime], None]] = []


def staff_email(first: str, last: str) -> str:
    return f"{first}.{last}".lower().replace("'", "") + "@staff.example.org"


def applicant_email(first: str, last: str) -> str:
    return f"{first}.{last}".lower().replace("'", "") + "@example.com"


def is_loaded(session: Session) -> bool:
    return session.scalar(select(Agency.id).limit(1)) is not None


def load(session: Session, now: datetime | None = None) -> None:
    now = now or utcnow()
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    agencies: dict[str, Agency] = {}
    for name, short, slug, is_hub, phone, areas in AGENCIES:
        agency = Agency(name=name, short_name=short, slug=slug, is_hub=is_hub, phone=phone,
                        email=f"adoption@{slug}.example.org")
        agency.areas = [Area(name=area, postcode_districts=districts) for area, districts in areas]
        session.add(agency)
        agencies[slug] = agency
    session.flush()

    social_workers: dict[str, list[User]] = {}
    for first, last, role, slug in STAFF:
        user = User(email=staff_email(first, last), first_name=first, last_name=last, kind=UserKind.STAFF,
                    role=role, agency=agencies[slug], password_hash=password_hash, email_verified_at=now,
                    created_at=now - timedelta(days=400))
        session.add(user)
        if role == StaffRole.SOCIAL_WORKER:
            social_workers.setdefault(slug, []).append(user)

    for index, (people, slug, stage, days, kinship) in enumerate(HOUSEHOLDS):
        agency = agencies[slug]
        allocated = stage not in (HouseholdStage.REGISTERED, HouseholdStage.ROI_SUBMITTED)
        workers = social_workers.get(slug, [])
        household = Household(
            agency=agency, reference=reference(slug[:3].upper()), stage=stage,
            stage_entered_on=(now - timedelta(days=days)).date(), is_kinship_carer=kinship,
            social_worker=workers[index % len(workers)] if allocated and workers else None,
            created_at=now - timedelta(days=days + 30),
        )
        session.add(household)
        for first, last in people:
            session.add(User(email=applicant_email(first, last), first_name=first, last_name=last,
                             kind=UserKind.APPLICANT, household=household, password_hash=password_hash,
                             email_verified_at=now - timedelta(days=days + 29), created_at=now - timedelta(days=days + 30)))
    session.flush()
    for loader in DEMO_LOADERS:
        loader(session, agencies, now)
    session.flush()


def logins() -> list[DemoLogin]:
    out = [DemoLogin(staff_email(first, last), f"{role.label}, {slug}") for first, last, role, slug in STAFF]
    for people, slug, stage, _days, _kinship in HOUSEHOLDS[:7]:
        first, last = people[0]
        out.append(DemoLogin(applicant_email(first, last), f"Applicant, {stage.label}, {slug}"))
    return out


# Feature loaders, imported last: they use the helpers above.
from portal import demo_journey  # noqa: E402

DEMO_LOADERS.append(demo_journey.load)

from portal import demo_enquiries  # noqa: E402

DEMO_LOADERS.append(demo_enquiries.load)

from portal import demo_events  # noqa: E402

DEMO_LOADERS.append(demo_events.load)
