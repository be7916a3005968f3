"""What's On: everything upcoming, filtered, with places left, in a fixed number of queries."""
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event

from portal.clock import to_london, utcnow
from portal.models import Audience, BookingStatus, EventFormat, EventKind, EventStatus, HouseholdStage
from portal.services import bookings, event_admin
from tests.factories import PASSWORD, create_agency, create_event, create_household, create_staff, hub_agency
from tests.support import sign_in


def test_lists_upcoming_events_with_places_left(client, db):
    now = utcnow()
    create_event(db, title="Past evening", starts_at=now - timedelta(days=2))
    create_event(db, title="Cancelled evening", status=EventStatus.CANCELLED)
    create_event(db, title="Three left", capacity=10, booked=7)
    create_event(db, title="One left", capacity=10, booked=9)
    create_event(db, title="Full course", capacity=10, booked=10)
    html = client.get("/events").get_data(as_text=True)
    assert "Past evening" not in html and "Cancelled evening" not in html
    assert "3 places left" in html and "1 place left" in html
    assert "Fully booked - join the waiting list" in html
    assert '<link rel="alternate" type="text/calendar"' in html


def test_filters_by_kind_agency_format_and_month(client, db):
    hub = hub_agency(db)
    partner = create_agency(db, name="Kingsmoor Council", short_name="Kingsmoor", slug="kingsmoor-f")
    now = utcnow()
    create_event(db, agency=hub, title="Online evening", format=EventFormat.ONLINE, venue_town=None)
    create_event(db, agency=partner, title="Stay and Play", kind=EventKind.SUPPORT_GROUP, audience=Audience.STAGE_2)
    create_event(db, agency=hub, title="Far off course", kind=EventKind.TRAINING,
                 starts_at=(now + timedelta(days=95)).replace(hour=10, minute=0, second=0, microsecond=0))

    def titles(query):
        html = client.get("/events" + query).get_data(as_text=True)
        return {t for t in ("Online evening", "Stay and Play", "Far off course") if t in html}

    assert titles("?kind=support_group") == {"Stay and Play"}
    assert titles("?agency=kingsmoor-f") == {"Stay and Play"}
    assert titles("?format=online") == {"Online evening"}
    far = (now + timedelta(days=95)).strftime("%Y-%m")
    assert titles(f"?month={far}") == {"Far off course"}
    assert titles("?kind=nonsense&month=2020-99") == {"Online evening", "Stay and Play", "Far off course"}
    html = client.get("/events?kind=support_group").get_data(as_text=True)
    assert '<option value="support_group" selected>' in html
    assert "1 event match your filters" in html
    assert "/events/calendar.ics?kind=support_group" in html  # the calendar follows the filters


def test_households_see_what_they_have_booked(client, db, app):
    household = create_household(db, stage=HouseholdStage.STAGE_1)
    booked = create_event(db, title="Booked one")
    full = create_event(db, title="Waiting one", capacity=1, booked=1)
    with app.app_context():
        bookings.book_for_household(db, household.applicants[0], booked, household, applicant_ids=[household.applicants[0].id])
        result = bookings.book_for_household(db, household.applicants[0], full, household,
                                             applicant_ids=[household.applicants[0].id])
    assert result.booking.status == BookingStatus.WAITING
    sign_in(client, household.applicants[0].email, PASSWORD)
    html = client.get("/events").get_data(as_text=True)
    assert "You have booked" in html and "You are on the waiting list" in html
    assert "What&#39;s on" in html or "What's on" in html  # in the household's navigation


def test_the_public_listing_hides_stay_and_play_addresses(client, db):
    create_event(db, title="Stay and Play", kind=EventKind.SUPPORT_GROUP, audience=Audience.STAGE_2, hides_address=True,
                 venue_name="Little Acorns Children's Centre", venue_address="12 Secret Lane", venue_town="Eastbridge")
    html = client.get("/events").get_data(as_text=True)
    assert "Eastbridge" in html
    assert "12 Secret Lane" not in html and "Little Acorns" not in html


def _statements(app, client, url):
    engine = app.extensions["db"].engine
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    return len(seen)


@pytest.mark.parametrize("signed_in", [False, True])
def test_query_count_does_not_grow_with_the_number_of_events(client, db, app, signed_in):
    hub = hub_agency(db)
    partners = [create_agency(db) for _ in range(3)]
    household = create_household(db, stage=HouseholdStage.STAGE_2)
    if signed_in:
        sign_in(client, household.applicants[0].email, PASSWORD)
    now = utcnow()

    def add(n):
        for i in range(n):
            create_event(db, agency=[hub, *partners][i % 4], starts_at=now + timedelta(days=2 + i % 60, hours=i % 5),
                         kind=list(EventKind)[i % 4], capacity=10, booked=i % 11)

    add(5)
    few = _statements(app, client, "/events")
    add(45)
    many = _statements(app, client, "/events")
    many_page_2 = _statements(app, client, "/events?page=2")
    assert few == many == many_page_2, (few, many, many_page_2)


def test_event_page_and_calendar_links(client, db):
    event = create_event(db, title="Information evening", kind=EventKind.INFORMATION_EVENING)
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Book a place" in html
    assert f"/events/{event.id}/event.ics" in html
    assert "webcal://" in html
    assert '<link rel="alternate" type="text/calendar"' in html


def test_next_information_evening_contract(db):
    from portal.services.events import next_information_evening

    now = utcnow()
    hub = hub_agency(db)
    partner = create_agency(db)
    create_event(db, agency=hub, title="Full", capacity=5, booked=5, starts_at=now + timedelta(days=3))
    create_event(db, agency=hub, title="Closed", starts_at=now + timedelta(days=4), booking_closes_at=now - timedelta(hours=1))
    own = create_event(db, agency=partner, title="Partner only", open_to_all_agencies=False, starts_at=now + timedelta(days=5))
    open_one = create_event(db, agency=hub, title="Open", starts_at=now + timedelta(days=6))
    create_event(db, agency=hub, title="Course", kind=EventKind.TRAINING, starts_at=now + timedelta(days=1))
    assert next_information_evening(db, now=now) == open_one
    assert next_information_evening(db, now=now, agency_id=partner.id) == own


def test_upcoming_for_household_suggests_what_it_may_book(db, app_context):
    from portal.services.events import bookings_for_household, upcoming_for_household

    household = create_household(db, stage=HouseholdStage.STAGE_1)
    prep = create_event(db, kind=EventKind.TRAINING, audience=Audience.PREPARATION, title="Prepare to Adopt")
    create_event(db, kind=EventKind.SUPPORT_GROUP, audience=Audience.STAGE_2, title="Support group")
    create_event(db, kind=EventKind.INFORMATION_EVENING, title="Evening")
    assert [e.title for e in upcoming_for_household(db, household, now=utcnow())] == ["Prepare to Adopt"]
    bookings.book_for_household(db, household.applicants[0], prep, household, applicant_ids=[household.applicants[0].id])
    assert upcoming_for_household(db, household, now=utcnow()) == []
    assert [b.event.title for b in bookings_for_household(db, household)] == ["Prepare to Adopt"]


def test_a_course_is_not_suggested_again_once_booked_or_completed(db, app_context):
    from portal.services import training
    from portal.services.events import upcoming_for_household

    household = create_household(db, stage=HouseholdStage.STAGE_1)
    first = create_event(db, kind=EventKind.TRAINING, audience=Audience.PREPARATION, title="Prepare to Adopt",
                         course_code=training.PREPARE_TO_ADOPT)
    create_event(db, kind=EventKind.TRAINING, audience=Audience.PREPARATION, title="Prepare to Adopt",
                 course_code=training.PREPARE_TO_ADOPT, starts_at=utcnow() + timedelta(days=40))
    assert len(upcoming_for_household(db, household, now=utcnow())) == 2
    bookings.book_for_household(db, household.applicants[0], first, household, applicant_ids=[household.applicants[0].id])
    assert upcoming_for_household(db, household, now=utcnow()) == []  # not the next run too
    other = create_household(db, stage=HouseholdStage.STAGE_1)
    training.record_completion(db, None, other, training.PREPARE_TO_ADOPT, completed_on=utcnow().date())
    assert upcoming_for_household(db, other, now=utcnow()) == []


def test_the_drawn_page_is_never_stale(client, db, app):
    event = create_event(db, title="Information evening", capacity=4, booked=1)
    assert "3 places left" in client.get("/events").get_data(as_text=True)
    assert "3 places left" in client.get("/events").get_data(as_text=True)  # drawn once, served again
    household = create_household(db)
    with app.app_context():
        bookings.book_for_household(db, household.applicants[0], event, household, applicant_ids=[household.applicants[0].id])
    assert "2 places left" in client.get("/events").get_data(as_text=True)
    staff = create_staff(db, agency=event.agency)
    local = to_london(event.starts_at)
    details = event_admin.EventDetails(kind=event.kind, title="Information evening, new room", description="",
                                       audience=event.audience, open_to_all_agencies=True, format=EventFormat.IN_PERSON,
                                       capacity=event.capacity, venue_town="Northvale")
    with app.app_context():
        event_admin.update_event(db, staff, event, details,
                                 event_admin.Schedule(local.date(), local.time(), to_london(event.ends_at).time()))
    assert "Information evening, new room" in client.get("/events").get_data(as_text=True)


def test_a_busy_page_is_served_without_queries_for_a_moment(client, db, app):
    event = create_event(db, title="Information evening", capacity=4, booked=1)
    app.config["WHATS_ON_RECHECK_SECONDS"] = 60
    assert "3 places left" in client.get("/events").get_data(as_text=True)
    assert _statements(app, client, "/events") == 0
    household = create_household(db)
    with app.app_context():
        bookings.book_for_household(db, household.applicants[0], event, household, applicant_ids=[household.applicants[0].id])
    assert "3 places left" in client.get("/events").get_data(as_text=True)  # within the moment
    app.config["WHATS_ON_RECHECK_SECONDS"] = 0
    assert "2 places left" in client.get("/events").get_data(as_text=True)  # checked again: redrawn


def test_the_page_cache_serves_a_page_only_while_its_version_holds():
    from portal.services.whats_on_cache import PageCache

    cache = PageCache(size=2)
    version, drawn, looked = [1], [], []

    def serve(key, recheck=0.0):
        def current():
            looked.append(key)
            return (version[0],)

        def draw():
            drawn.append(key)
            return f"{key} v{version[0]}"
        return cache.serve(key, version=current, draw=draw, recheck_seconds=recheck)

    assert serve("a") == "a v1" and serve("a") == "a v1"
    assert drawn == ["a"] and looked == ["a", "a"]
    version[0] = 2
    assert serve("a", recheck=60) == "a v1"  # checked a moment ago: not asked again
    assert looked == ["a", "a"]
    assert serve("a") == "a v2" and drawn == ["a", "a"]
    serve("b")
    serve("c")  # the least recently used page ("a") makes room
    assert serve("a") == "a v2" and drawn == ["a", "a", "b", "c", "a"]
