"""Demo enquiries: about forty across the partnership at every triage step, some overdue, some
from people who enquired twice, a registration of interest waiting for a decision (Chloe Evans)
and one being filled in (Amira and Joe Hassan)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.clock import london_to_utc, today_in_london
from portal.demo import applicant_email
from portal.models import (
    ActivityKind, Agency, ApplyingAs, CloseReason, ContactMethod, ContactTime, DueKind, Enquiry, EnquiryActivity,
    EnquirySource, EnquiryStatus, HeardFrom, Household, InitialVisit, RegistrationOfInterest, RelationshipStatus,
    RoiApplicant, RoiStatus, User, VisitMethod, VisitOutcome,
)
from portal.services.tokens import reference
from portal.services.workdays import add_working_days

S = EnquiryStatus


@dataclass
class Row:
    first: str
    last: str
    agency: str
    status: EnquiryStatus
    days_ago: int
    couple: bool = False
    partner: tuple[str, str] | None = None
    phone: str | None = None
    postcode: str | None = None
    message: str | None = None
    assigned: str | None = None  # staff email's first.last
    email: str | None = None
    overdue: bool = False  # the clock for its step has run out
    reason: CloseReason | None = None


ROWS = [
    # New: waiting for first contact
    Row("Aoife", "Ó Súilleabháin", "northvale", S.NEW, 0, phone="07700 900101", postcode="NV2 4QT",
        message="We're not sure if we can adopt as we both work full time. Could someone call us?"),
    Row("Tomasz", "Wiśniewski", "northvale", S.NEW, 4, couple=True, partner=("Ewa", "Wiśniewska"), overdue=True,
        postcode="NV3 1AB"),
    Row("Grace", "Okonkwo-Bell", "northvale", S.NEW, 6, overdue=True, phone="07700 900103"),
    Row("Li", "Wei", "eastbridge", S.NEW, 1, postcode="EB2 7HX", message="我们想了解收养 (we would like to know about adopting)."),
    Row("Fatou", "Diallo", "eastbridge", S.NEW, 5, overdue=True, couple=True, partner=("Moussa", "Diallo")),
    Row("Jamie", "McAllister", "hub", S.NEW, 0, message="I live just outside your area. Can I still enquire?"),
    Row("Priyanka", "Nair", "hallam", S.NEW, 3, overdue=True, postcode="HL1 2CD"),
    Row("Owen", "Pritchard", "westbrook", S.NEW, 0),
    # Contacted
    Row("Hannah", "Levi", "northvale", S.CONTACTED, 8, assigned="tom.lewis"),
    Row("Marcus", "D'Souza", "northvale", S.CONTACTED, 10, couple=True, partner=("Leon", "D'Souza"), assigned="tom.lewis"),
    Row("Bethany", "Clarke", "eastbridge", S.CONTACTED, 9, assigned="aisha.khan"),
    Row("Niamh", "Byrne", "kingsmoor", S.CONTACTED, 12),
    Row("Yusuf", "Adeyemi", "hub", S.CONTACTED, 7, assigned="priya.shah"),
    # Information evening booked
    Row("Chidi", "Eze", "northvale", S.EVENING_BOOKED, 15, couple=True, partner=("Ngozi", "Eze"), assigned="tom.lewis"),
    Row("Rosa", "García-López", "northvale", S.EVENING_BOOKED, 18, assigned="tom.lewis"),
    Row("Ifan", "Llewellyn", "westbrook", S.EVENING_BOOKED, 20),
    Row("Mariam", "Siddiqui", "eastbridge", S.EVENING_BOOKED, 16, assigned="aisha.khan"),
    Row("Kerry-Ann", "Thompson", "family-bridges", S.EVENING_BOOKED, 21),
    # Attended an information evening: the initial visit is to be offered within 4 weeks
    Row("Ben", "Ashworth", "northvale", S.EVENING_ATTENDED, 45, couple=True, partner=("Will", "Ashworth"), overdue=True,
        assigned="tom.lewis"),
    Row("Sanjay", "Kapoor", "northvale", S.EVENING_ATTENDED, 25, assigned="tom.lewis"),
    Row("Eilidh", "MacLeod", "hallam", S.EVENING_ATTENDED, 40, overdue=True),
    Row("Oluwaseun", "Bakare", "eastbridge", S.EVENING_ATTENDED, 22),
    # Initial visit requested, booked, done
    Row("Carys", "Evans", "northvale", S.VISIT_REQUESTED, 35, assigned="tom.lewis"),
    Row("Jonah", "Whitfield", "kingsmoor", S.VISIT_REQUESTED, 50, overdue=True, couple=True, partner=("Amy", "Whitfield")),
    Row("Ayesha", "Malik", "eastbridge", S.VISIT_REQUESTED, 30),
    Row("Daniel", "Osei", "northvale", S.VISIT_BOOKED, 40, couple=True, partner=("Esi", "Osei"), assigned="tom.lewis"),
    Row("Freya", "Lindqvist", "westbrook", S.VISIT_BOOKED, 38),
    Row("Mohammed", "Al-Rashid", "hub", S.VISIT_BOOKED, 42, assigned="priya.shah"),
    Row("Sophie", "Brennan", "northvale", S.VISIT_DONE, 60, assigned="tom.lewis"),
    Row("Kofi", "Mensah-Brown", "eastbridge", S.VISIT_DONE, 55, couple=True, partner=("Abena", "Mensah-Brown")),
    Row("Zara", "Hughes", "family-bridges", S.VISIT_DONE, 58),
    # Invited to register interest
    Row("Imogen", "Fairweather", "northvale", S.ROI_INVITED, 70, assigned="tom.lewis"),
    Row("Raj", "Chauhan", "eastbridge", S.ROI_INVITED, 65, couple=True, partner=("Meera", "Chauhan")),
    # Closed
    Row("Paul", "Jenkins", "northvale", S.CLOSED, 90, reason=CloseReason.NOT_READY),
    Row("Olga", "Petrova", "eastbridge", S.CLOSED, 80, reason=CloseReason.NO_REPLY),
    Row("Tariq", "Hussain", "hallam", S.CLOSED, 100, reason=CloseReason.ANOTHER_AGENCY),
    Row("Emma", "Fitzgerald", "hub", S.CLOSED, 75, reason=CloseReason.MOVED_AWAY),
    # The same people enquiring again: linked to their first enquiry, not split from it
    Row("Hannah", "Levi", "northvale", S.NEW, 1, email="hannah.levi@example.com", assigned="tom.lewis",
        message="Sorry, I enquired before but I think my email went to spam."),
    Row("Grace", "Okonkwo-Bell", "eastbridge", S.NEW, 2, phone="+44 7700 900103", email="g.okonkwo.bell@example.com",
        message="Moved to Eastbridge last month."),
]

HEARD = list(HeardFrom)
TIMES = list(ContactTime)


def _email(row: Row) -> str:
    return row.email or f"{row.first}.{row.last}".lower().replace("'", "").replace(" ", "") + "@example.com"


def _phone(raw: str | None) -> str | None:
    from portal.services.enquiries import normalise_phone

    return normalise_phone(raw)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return london_to_utc(day, time(hour, minute))


def _log(session: Session, enquiry: Enquiry, kind: ActivityKind, summary: str, when: datetime, who: User | None = None,
         body: str | None = None) -> None:
    session.add(EnquiryActivity(enquiry=enquiry, kind=kind, summary=summary, body=body, occurred_at=when,
                                actor_id=who.id if who else None,
                                actor_label=who.full_name if who else "The enquirer or the portal"))


def _enquiry(session: Session, row: Row, index: int, agency: Agency, staff: dict[str, User], today: date) -> Enquiry:
    received_on = today - timedelta(days=row.days_ago)
    created = _at(received_on, 9 + index % 9, (index * 7) % 60)
    due = add_working_days(received_on, agency.first_contact_working_days or 1)
    if row.status == S.NEW and row.overdue and due >= today:
        due = today - timedelta(days=1)
    if row.status == S.NEW and not row.overdue and due < today:
        due = today
    postcode = row.postcode
    area = None
    if postcode:
        district = postcode.split()[0]
        area = next((a for a in agency.areas if district in a.postcode_districts.split()), None)
    elif agency.areas:
        area = agency.areas[index % len(agency.areas)]
    enquiry = Enquiry(
        reference=reference("ENQ"), agency=agency, source=EnquirySource.WEB_FORM, status=row.status,
        first_name=row.first, last_name=row.last,
        applying_as=ApplyingAs.COUPLE if row.couple else ApplyingAs.ALONE,
        partner_first_name=row.partner[0] if row.partner else None, partner_last_name=row.partner[1] if row.partner else None,
        email=_email(row), phone=_phone(row.phone), postcode=postcode, area=area,
        contact_method=ContactMethod.PHONE if row.phone else ContactMethod.EITHER, contact_time=TIMES[index % len(TIMES)],
        heard_from=HEARD[index % len(HEARD)], message=row.message, created_at=created, updated_at=created,
        first_contact_due_on=due, assigned_to=staff.get(row.assigned) if row.assigned else None,
    )
    session.add(enquiry)
    _log(session, enquiry, ActivityKind.CREATED, f"Enquiry received online and routed to {agency.name}", created)
    _log(session, enquiry, ActivityKind.EMAIL, "Acknowledgement sent: “We have received your enquiry about adopting”",
         created + timedelta(seconds=5))
    return enquiry


def _progress(session: Session, enquiry: Enquiry, row: Row, agency: Agency, staff: dict[str, User], today: date,
              workers: list[User]) -> None:
    """Fill in what happened to reach the enquiry's step, with its timeline."""
    officer = enquiry.assigned_to or next((u for u in staff.values() if u.agency_id == agency.id), None)
    step = list(S).index(row.status)
    received = enquiry.created_at
    if row.status == S.NEW:
        enquiry.due_on, enquiry.due_kind = enquiry.first_contact_due_on, DueKind.FIRST_CONTACT
        return
    if row.status == S.CLOSED:
        enquiry.first_contacted_at = received + timedelta(hours=20)
        enquiry.closed_reason, enquiry.closed_at = row.reason, received + timedelta(days=30)
        _log(session, enquiry, ActivityKind.STATUS, f"Closed: {row.reason.label}", enquiry.closed_at, officer)
        return
    enquiry.first_contacted_at = received + timedelta(hours=6 + step)
    _log(session, enquiry, ActivityKind.STATUS, "Status changed to Contacted", enquiry.first_contacted_at, officer)
    _log(session, enquiry, ActivityKind.NOTE, "Note added", enquiry.first_contacted_at + timedelta(minutes=5), officer,
         body="Spoke on the phone. Sent the information pack and dates of the next evenings.")
    if step >= list(S).index(S.EVENING_BOOKED):
        _log(session, enquiry, ActivityKind.STATUS, "Booked an information evening", received + timedelta(days=3))
    if step >= list(S).index(S.EVENING_ATTENDED):
        attended = (received + timedelta(days=12)).date()
        if row.overdue:
            attended = today - timedelta(days=32)
        enquiry.evening_attended_on = attended
        enquiry.visit_offer_due_on = attended + timedelta(days=28)
        _log(session, enquiry, ActivityKind.STATUS, "Attended an information evening", _at(attended, 21))
        _log(session, enquiry, ActivityKind.EMAIL, "Invitation to ask for an initial visit sent: “Thank you for coming to our information evening”",
             _at(attended + timedelta(days=1), 9))
    visit = None
    if step >= list(S).index(S.VISIT_REQUESTED):
        requested = _at(enquiry.evening_attended_on + timedelta(days=2), 19, 30)
        visit = InitialVisit(enquiry=enquiry, requested_at=requested, requested_method=VisitMethod.HOME)
        session.add(visit)
        _log(session, enquiry, ActivityKind.STATUS, "Asked for an initial visit (a visit at home)", requested)
    if step >= list(S).index(S.VISIT_BOOKED):
        visit.offered_on = enquiry.evening_attended_on + timedelta(days=6)
        visit.offered_at = _at(visit.offered_on, 11)
        visit_day = max(today + timedelta(days=5), visit.offered_on + timedelta(days=10)) if row.status == S.VISIT_BOOKED \
            else visit.offered_on + timedelta(days=10)
        visit.visit_at, visit.method = _at(visit_day, 14), VisitMethod.HOME
        visit.social_worker = workers[0] if workers else None
        _log(session, enquiry, ActivityKind.STATUS, f"Initial visit booked for {visit_day.day} {visit_day.strftime('%B %Y')} at 2pm",
             visit.offered_at, officer)
        _log(session, enquiry, ActivityKind.EMAIL, "Visit confirmation sent: “Your initial visit”", visit.offered_at, officer)
    if step >= list(S).index(S.VISIT_DONE):
        visit.outcome, visit.outcome_recorded_at = VisitOutcome.PROCEED, visit.visit_at + timedelta(hours=3)
        visit.outcome_note = "Warm, thoughtful couple; good support network. Ready to register interest."
        _log(session, enquiry, ActivityKind.STATUS, "Initial visit outcome: Ready to register their interest",
             visit.outcome_recorded_at, officer)
    if step >= list(S).index(S.ROI_INVITED):
        enquiry.roi_invited_at = visit.outcome_recorded_at + timedelta(days=1)
        _log(session, enquiry, ActivityKind.EMAIL, "Invitation to register interest sent: “Register your interest in adopting”",
             enquiry.roi_invited_at, officer)
    if row.status in (S.EVENING_ATTENDED, S.VISIT_REQUESTED):
        enquiry.due_on, enquiry.due_kind = enquiry.visit_offer_due_on, DueKind.VISIT_OFFER


def load(session: Session, agencies: dict[str, Agency], now: datetime) -> None:
    today = today_in_london(now)
    staff = {u.email.split("@")[0]: u for u in session.scalars(select(User).where(User.role.is_not(None)))}
    by_agency_workers: dict[int, list[User]] = {}
    for user in staff.values():
        if user.role.value == "social_worker":
            by_agency_workers.setdefault(user.agency_id, []).append(user)
    first_by_person: dict[str, Enquiry] = {}
    for index, row in enumerate(ROWS):
        agency = agencies[row.agency]
        enquiry = _enquiry(session, row, index, agency, staff, today)
        earlier = first_by_person.get(f"{row.first} {row.last}")
        if earlier is not None:
            enquiry.duplicate_of = earlier
            _log(session, enquiry, ActivityKind.DUPLICATE, f"Same email or phone as enquiry {earlier.reference}",
                 enquiry.created_at + timedelta(seconds=1))
            if row.phone is None:
                enquiry.phone = earlier.phone
            if row.email and earlier.email != row.email and earlier.phone:
                enquiry.phone = earlier.phone
        else:
            first_by_person[f"{row.first} {row.last}"] = enquiry
        _progress(session, enquiry, row, agency, staff, today, by_agency_workers.get(agency.id, []))
    session.flush()
    _roi_in_progress(session, agencies, staff, today)
    _roi_awaiting_decision(session, agencies, staff, today)
    session.flush()


def _household_of(session: Session, first: str, last: str) -> Household:
    return session.scalar(select(User).where(User.email == applicant_email(first, last))).household


def _linked_enquiry(session: Session, household: Household, agencies, staff, status: EnquiryStatus, days_ago: int,
                    today: date) -> Enquiry:
    first = household.applicants[0]
    partner = household.applicants[1] if len(household.applicants) > 1 else None
    row = Row(first.first_name, first.last_name, household.agency.slug, S.ROI_INVITED, days_ago,
              couple=partner is not None, partner=(partner.first_name, partner.last_name) if partner else None,
              email=first.email, assigned="tom.lewis", phone="07700 900 2%02d" % (first.id % 100))
    enquiry = _enquiry(session, row, first.id, household.agency, staff, today)
    enquiry.household = household
    _progress(session, enquiry, row, household.agency, staff, today, [])
    enquiry.status = status
    return enquiry


def _roi_in_progress(session: Session, agencies, staff, today: date) -> None:
    household = _household_of(session, "Amira", "Hassan")
    enquiry = _linked_enquiry(session, household, agencies, staff, S.ROI_INVITED, 75, today)
    started = enquiry.roi_invited_at + timedelta(days=2)
    _log(session, enquiry, ActivityKind.ROI, f"Linked to household account {household.reference} (account created from the invitation)",
         started)
    amira = household.applicants[0]
    roi = RegistrationOfInterest(household=household, status=RoiStatus.DRAFT, started_by_id=amira.id, created_at=started,
                                 updated_at=started + timedelta(days=1), address_line_1="14 Larch Avenue", town="Northvale",
                                 postcode="NV1 4LR", relationship_status=RelationshipStatus.MARRIED, together_since_year=2014,
                                 home_completed_at=started)
    roi.applicants.append(RoiApplicant(
        user_id=amira.id, first_name=amira.first_name, last_name=amira.last_name, date_of_birth=date(1988, 5, 14),
        phone="07700900301", occupation="Pharmacist", details_completed_at=started, has_health_condition=False,
        has_convictions=False, background_completed_at=started + timedelta(hours=1)))
    session.add(roi)


def _roi_awaiting_decision(session: Session, agencies, staff, today: date) -> None:
    household = _household_of(session, "Chloe", "Evans")
    enquiry = _linked_enquiry(session, household, agencies, staff, S.ROI_RECEIVED, 60, today)
    chloe = household.applicants[0]
    submitted_on = add_working_days(today, -2)
    submitted = _at(submitted_on, 20, 15)
    roi = RegistrationOfInterest(
        household=household, status=RoiStatus.SUBMITTED, started_by_id=chloe.id, created_at=submitted - timedelta(days=4),
        updated_at=submitted, address_line_1="3 Willow Court", address_line_2="Flat 2", town="Northvale", postcode="NV4 9PL",
        home_completed_at=submitted - timedelta(days=3), has_other_people=False, people_completed_at=submitted - timedelta(days=3),
        has_previous_applications=False, previous_completed_at=submitted - timedelta(days=3), submitted_at=submitted,
        submitted_by_id=chloe.id, decision_due_on=add_working_days(submitted_on, 5),
    )
    roi.applicants.append(RoiApplicant(
        user_id=chloe.id, first_name=chloe.first_name, last_name=chloe.last_name, other_names="Chloe Morgan",
        date_of_birth=date(1983, 11, 2), phone="07700900302", occupation="Nurse",
        details_completed_at=submitted - timedelta(days=4), has_health_condition=False, has_convictions=False,
        background_completed_at=submitted - timedelta(days=4), consents_to_checks=True, declares_true=True,
        consent_completed_at=submitted - timedelta(days=1)))
    session.add(roi)
    enquiry.due_on, enquiry.due_kind = roi.decision_due_on, DueKind.ROI_DECISION
    _log(session, enquiry, ActivityKind.ROI, f"Linked to household account {household.reference} (account created from the invitation)",
         roi.created_at)
    _log(session, enquiry, ActivityKind.STATUS, "Registration of interest received", submitted)
