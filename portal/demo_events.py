"""Demo events: a year of information evenings, the regional training calendar, a support-group
programme like a real partnership's, two parties, and bookings by the demo households (some
events nearly full, one full with a waiting list)."""
from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.clock import today_in_london
from portal.models import Agency, Audience, EventFormat, EventKind, Household, HouseholdStage, User, UserKind
from portal.services import bookings, event_admin
from portal.services.events import COURSES
from portal.services.training import PREPARE_TO_ADOPT

HUB_VENUE = dict(venue_name="Northvale House training rooms", venue_address="4 Market Street, Northvale NV1 2AB",
                 venue_town="Northvale")

EVENING_TOPICS = [
    "Facing fears and phobias", "Sleep and bedtime", "Contact with birth family", "Starting school",
    "Big feelings and meltdowns", "Looking after yourself", "Brothers and sisters", "Christmas and celebrations",
    "Life story work", "Teenagers and identity", "Food and mealtimes", "Endings and changes",
]

COURSE_DESCRIPTIONS = {
    PREPARE_TO_ADOPT: "Three days of preparation training with other people who are adopting: how children come into "
                      "care, the effects of early trauma, attachment, and what the first months at home are like. "
                      "Adopters share their own stories. Come to all three days: the course counts only when it is complete.",
    "early-permanence": "Fostering to adopt and concurrent planning: what early permanence asks of you and gives a child.",
    "non-violent-resistance": "A practical approach for parents of children whose behaviour is aggressive or controlling.",
    "fasd": "What Foetal Alcohol Spectrum Disorder is, how it shows itself and how to parent a child who has it.",
    "sensory-world": "How children who have had a difficult start experience the world through their senses.",
    "adopting-siblings": "What it is like to adopt brothers and sisters together, from adopters who have.",
    "therapeutic-parenting": "Two sessions on parenting with curiosity, empathy and structure (PACE).",
    "talking-about-adoption": "Telling your child their story, at every age, and answering other people's questions.",
    "family-and-friends": "For the family and friends who will support you: bring them along. Each person takes a place.",
}


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1) if date(year, month, d).weekday() == weekday]
    return date(year, month, days[min(nth, len(days)) - 1])


def _months(start: date, count: int) -> list[tuple[int, int]]:
    out, year, month = [], start.year, start.month
    for _ in range(count):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _staff(session: Session, agency: Agency) -> User:
    return session.scalar(select(User).where(User.agency_id == agency.id, User.kind == UserKind.STAFF).order_by(User.id))


def _details(kind, title, audience, *, capacity, description="", online=False, venue=None, **extra):
    venue = venue or {}
    return event_admin.EventDetails(
        kind=kind, title=title, description=description, audience=audience, open_to_all_agencies=extra.pop("open_to_all", True),
        format=EventFormat.ONLINE if online else EventFormat.IN_PERSON, capacity=capacity,
        joining_link="https://meet.example.org/adopt-northvale" if online else None,
        venue_name=venue.get("venue_name"), venue_address=venue.get("venue_address"), venue_town=venue.get("venue_town"),
        **extra,
    )


def load(session: Session, agencies: dict[str, Agency], now: datetime) -> None:
    today = today_in_london(now)
    soon = today + timedelta(days=2)
    hub = _staff(session, agencies["hub"])
    made: dict[str, list] = {}

    def event(actor, details, day: date, start: time, end: time, **schedule):
        if day < soon:
            return None
        created = event_admin.create_event(session, actor, details, event_admin.Schedule(day, start, end, **schedule), now=now)
        made.setdefault(details.course_code or details.title, []).append(created)
        return created

    # A year of information evenings, alternately online and at the hub.
    for index, (year, month) in enumerate(_months(today, 13)):
        online = index % 2 == 1
        event(hub, _details(
            EventKind.INFORMATION_EVENING, "Information evening", Audience.PUBLIC, capacity=60 if online else 24,
            online=online, venue=None if online else HUB_VENUE,
            description="Social workers and adopters explain what adoption is really like, from the first question to "
                        "life after a child comes home, and answer your questions. You do not need to have decided anything.",
        ), _nth_weekday(year, month, 2, 2), time(19, 0), time(21, 0))

    # The regional training calendar.
    months = _months(today, 12)
    for index, (year, month) in enumerate(months):
        if index % 2 == 0:
            event(hub, _details(EventKind.TRAINING, "Prepare to Adopt", Audience.PREPARATION, capacity=16, venue=HUB_VENUE,
                                course_code=PREPARE_TO_ADOPT, description=COURSE_DESCRIPTIONS[PREPARE_TO_ADOPT]),
                  _nth_weekday(year, month, 1, 1), time(9, 30), time(15, 30), day_count=3)
    rota = [code for code in COURSES if code != PREPARE_TO_ADOPT]
    for index, (year, month) in enumerate(months):
        for offset, code in enumerate((rota[index % len(rota)], rota[(index + 4) % len(rota)])):
            course = COURSES[code]
            online = code in ("fasd", "talking-about-adoption", "early-permanence")
            evening = code in ("fasd", "sensory-world")
            saturday = code == "family-and-friends"
            day = _nth_weekday(year, month, 5 if saturday else 3, 3 - offset if not saturday else 2)
            event(hub, _details(EventKind.TRAINING, course.title, course.audience, capacity=20, online=online,
                                venue=None if online else HUB_VENUE, course_code=code,
                                description=COURSE_DESCRIPTIONS[code], allows_support_network=course.allows_support_network),
                  day, time(18, 30) if evening else time(10, 0), time(20, 30) if evening else time(15, 0),
                  day_count=course.days, days_apart=7)

    # Support groups: monthly Stay and Play, the evening online group with a topic each month,
    # kinship coffee mornings.
    first_month = _months(today, 2)[1]
    for slug, town, venue_name, address in [
        ("northvale", "Ashby Vale", "Little Acorns Children's Centre", "12 Orchard Lane, Ashby Vale NV10 4QT"),
        ("eastbridge", "Eastbridge", "Riverside Family Hub", "3 Quay Street, Eastbridge EB2 7HL"),
    ]:
        event_admin.create_series(
            session, _staff(session, agencies[slug]),
            _details(EventKind.SUPPORT_GROUP, "Stay and Play", Audience.STAGE_2, capacity=12, hides_address=True,
                     venue=dict(venue_name=venue_name, venue_address=address, venue_town=town),
                     description="A relaxed morning for adoptive families and children under five: toys, snacks and "
                                 "other adopters to talk to. Children welcome, so we share the address with booked families."),
            first_day=_nth_weekday(*first_month, 1, 1), start=time(10, 0), end=time(11, 30), count=12, now=now)
    event_admin.create_series(
        session, _staff(session, agencies["family-bridges"]),
        _details(EventKind.SUPPORT_GROUP, "Evening support group", Audience.STAGE_2, capacity=25, online=True,
                 description="An hour online with other adopters and a social worker. The topic is emailed to the "
                             "mailing list the week before; come to talk or just to listen."),
        first_day=_nth_weekday(*first_month, 3, 4), start=time(20, 0), end=time(21, 0), count=12, topics=EVENING_TOPICS,
        now=now)
    event_admin.create_series(
        session, _staff(session, agencies["kingsmoor"]),
        _details(EventKind.SUPPORT_GROUP, "Kinship coffee morning", Audience.KINSHIP, capacity=15,
                 venue=dict(venue_name="Moorside Community Café", venue_address="27 Station Road, Moorside KM7 1DD",
                            venue_town="Moorside"),
                 description="Coffee, cake and company for special guardians and kinship carers."),
        first_day=_nth_weekday(*first_month, 4, 2), start=time(10, 0), end=time(11, 30), count=12, now=now)

    # Get-togethers.
    for title, month_number, day_time in [("Summer picnic", 7, (time(11, 0), time(15, 0))),
                                          ("Christmas party", 12, (time(13, 0), time(16, 0)))]:
        year = today.year if (today.month, today.day) < (month_number, 10) else today.year + 1
        event(hub, _details(EventKind.SOCIAL, title, Audience.HOUSEHOLDS, capacity=150, hides_address=True,
                            venue=dict(venue_name="Northvale Country Park", venue_address="Lakeside Pavilion, Park Road, NV3 9LP",
                                       venue_town="Northvale"),
                            description="For every family we work with, at any stage, and their children."),
              _nth_weekday(year, month_number, 5, 2), *day_time)

    _book_demo_places(session, made, now)


def _book_demo_places(session: Session, made: dict[str, list], now: datetime) -> None:
    households = list(session.scalars(select(Household).order_by(Household.id)))
    at = now - timedelta(days=3)

    def book(event, household, minutes):
        bookings.book_for_household(session, household.applicants[0], event, household,
                                    applicant_ids=[a.id for a in household.applicants], now=at + timedelta(minutes=minutes))

    # Stage 1 households on the first Prepare to Adopt run, which becomes nearly full.
    first_prep = made.get(PREPARE_TO_ADOPT, [None])[0]
    if first_prep is not None:
        first_prep.capacity = 10
        stage_1 = [h for h in households if h.stage == HouseholdStage.STAGE_1]
        for minutes, household in enumerate(stage_1):
            book(first_prep, household, minutes)

    # The next Stay and Play fills up and has a waiting list.
    later = [h for h in households if h.stage in (HouseholdStage.STAGE_2, HouseholdStage.APPROVED, HouseholdStage.MATCHED,
                                                  HouseholdStage.PLACED, HouseholdStage.ADOPTED)]
    from portal.models import Event, EventSeries

    stay_and_play = session.scalar(select(Event).join(EventSeries, Event.series_id == EventSeries.id)
                                   .where(EventSeries.title == "Stay and Play").order_by(Event.starts_at))
    if stay_and_play is not None:
        stay_and_play.capacity = 8
        for minutes, household in enumerate(later):
            book(stay_and_play, household, minutes)

    # The next information evening is nearly full, booked by people without accounts.
    evenings = made.get("Information evening", [])
    if evenings:
        evening = evenings[0]
        evening.capacity = 16
        guests = [("Aaliyah", "Brooks"), ("Tomasz", "Wiśniewski"), ("Grace", "Owusu"), ("Callum", "Reid"),
                  ("Hannah", "Lloyd"), ("Ravi", "Menon"), ("Ellie", "Marsh"), ("Kofi", "Asante"), ("Niamh", "Byrne"),
                  ("Zara", "Ahmed")]
        for index, (first, last) in enumerate(guests):
            bookings.book_without_account(
                session, evening, first_name=first, last_name=last,
                email=f"{first}.{last}".lower().replace("ś", "s") + "@example.net", area_id=None,
                places=2 if index % 3 == 0 else 1, now=at + timedelta(hours=index))
