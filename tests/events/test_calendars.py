"""iCalendar: valid RFC 5545 that no title can break, stable identities, cancellations that
calendars understand, conditional requests, private household feeds and what feeds leave out."""
from datetime import datetime, time, timedelta

from sqlalchemy import select

from portal.clock import UTC, london_to_utc, utcnow
from portal.models import Audience, EventFormat, EventKind, HouseholdStage
from portal.services import bookings, calendars, event_admin
from tests.events.helpers import parse_calendar, vevents
from tests.factories import PASSWORD, create_event, create_household, create_staff, hub_agency
from tests.support import post_form, sign_in

HOSTILE = "Coffee\r\nBEGIN:VALARM\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nATTENDEE:mailto:x@example.com; a,b\\c"


def _ics(client, url, **headers):
    response = client.get(url, headers=headers)
    return response, response.get_data(as_text=True)


def test_hostile_titles_cannot_inject_properties_or_components(client, db):
    # Forms refuse NUL (and PostgreSQL cannot store it); other control characters are stripped here.
    event = create_event(db, title=HOSTILE, description="Line one\nLine two; with, commas\\ and \x07 a bell")
    response, text = _ics(client, f"/events/{event.id}/event.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="event.ics"'
    calendar = parse_calendar(text)
    [vevent] = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert [c.name for c in calendar.walk()].count("VALARM") == 0
    assert "ATTENDEE" not in vevent
    assert str(vevent["SUMMARY"]) == HOSTILE.replace("\r\n", "\n")
    assert str(vevent["DESCRIPTION"]).startswith("Line one\nLine two; with, commas\\ and  a bell")
    lines = text.split("\r\n")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in lines)


def test_long_unicode_lines_fold_without_splitting_characters(client, db):
    title = "Café gathering for families 👨‍👩‍👧 " * 4
    event = create_event(db, title=title)
    _, text = _ics(client, f"/events/{event.id}/event.ics")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    [vevent] = vevents(text)
    assert str(vevent["SUMMARY"]) == title


def test_times_are_london_with_a_vtimezone_and_survive_the_clock_change(client, db):
    starts = london_to_utc(datetime(2027, 3, 27).date(), time(19, 0))  # the night before the clocks go forward
    event = create_event(db, starts_at=starts, booking_closes_at=starts - timedelta(hours=1))
    _, text = _ics(client, f"/events/{event.id}/event.ics")
    calendar = parse_calendar(text)
    [timezone] = [c for c in calendar.walk() if c.name == "VTIMEZONE"]
    assert str(timezone["TZID"]) == "Europe/London"
    [vevent] = vevents(text)
    start = vevent["DTSTART"].dt
    assert start.astimezone(UTC) == starts
    assert (start.hour, start.minute) == (19, 0)
    assert "DTSTART;TZID=Europe/London:20270327T190000" in text
    assert vevent["DTSTAMP"].dt.tzinfo is not None


def test_uid_is_stable_and_sequence_rises_on_change_and_cancellation(client, db, app):
    staff = create_staff(db, agency=hub_agency(db))
    event = create_event(db, title="Information evening", agency=staff.agency)
    _, before = _ics(client, f"/events/{event.id}/event.ics")
    [first] = vevents(before)
    assert int(first["SEQUENCE"]) == 0 and str(first["STATUS"]) == "CONFIRMED"
    with app.app_context():
        details = event_admin.EventDetails(
            kind=event.kind, title="Information evening (new room)", description="", audience=event.audience,
            open_to_all_agencies=True, format=EventFormat.IN_PERSON, capacity=20, venue_town="Northvale")
        start = event.starts_at + timedelta(days=1)
        from portal.clock import to_london
        local = to_london(start)
        event_admin.update_event(db, staff, event, details,
                                 event_admin.Schedule(local.date(), local.time(), (local + timedelta(hours=2)).time()),
                                 now=utcnow())
    _, after = _ics(client, f"/events/{event.id}/event.ics")
    [second] = vevents(after)
    assert str(second["UID"]) == str(first["UID"])
    assert int(second["SEQUENCE"]) == 1
    with app.app_context():
        event_admin.cancel_event(db, staff, event, reason="The venue flooded", now=utcnow())
    _, cancelled = _ics(client, f"/events/{event.id}/event.ics")
    [third] = vevents(cancelled)
    assert str(third["UID"]) == str(first["UID"])
    assert str(third["STATUS"]) == "CANCELLED" and int(third["SEQUENCE"]) == 2
    # and the public feed says so too
    _, feed = _ics(client, "/events/calendar.ics")
    [in_feed] = [v for v in vevents(feed) if str(v["UID"]) == str(first["UID"])]
    assert str(in_feed["STATUS"]) == "CANCELLED"


def test_a_multi_day_course_is_one_vevent_a_day(client, db):
    event = create_event(db, title="Prepare to Adopt", kind=EventKind.TRAINING, day_count=3)
    _, text = _ics(client, f"/events/{event.id}/event.ics")
    days = vevents(text)
    assert [str(v["SUMMARY"]) for v in days] == [f"Prepare to Adopt (day {n} of 3)" for n in (1, 2, 3)]
    assert len({str(v["UID"]) for v in days}) == 3


def test_etag_and_last_modified_answer_304(client, db):
    create_event(db, title="One")
    first = client.get("/events/calendar.ics")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.status_code == 200 and etag
    again = client.get("/events/calendar.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    assert client.get("/events/calendar.ics", headers={"If-Modified-Since": modified}).status_code == 304
    create_event(db, title="Two")
    changed = client.get("/events/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_feeds_hold_no_names_or_emails_and_hide_stay_and_play_addresses(client, db, app):
    household = create_household(db, stage=HouseholdStage.STAGE_2)
    applicant = household.applicants[0]
    event = create_event(db, title="Stay and Play", kind=EventKind.SUPPORT_GROUP, audience=Audience.STAGE_2,
                         hides_address=True, venue_name="Little Acorns", venue_address="12 Secret Lane", venue_town="Eastbridge")
    with app.app_context():
        bookings.book_for_household(db, applicant, event, household, applicant_ids=[applicant.id])
    for url in ("/events/calendar.ics", f"/events/agencies/{event.agency.slug}/support-groups.ics", f"/events/{event.id}/event.ics"):
        _, text = _ics(client, url)
        assert "12 Secret Lane" not in text and "Little Acorns" not in text, url
        assert applicant.email not in text and applicant.last_name not in text, url
        assert "Eastbridge" in text
    sign_in(client, applicant.email, PASSWORD)
    post_form(client, "/events/bookings/calendar", {}, page="/events/bookings")
    page = client.get("/events/bookings").get_data(as_text=True)
    feed_url = page.split('id="feed-address" type="text" value="')[1].split('"')[0]
    assert feed_url.startswith("https://") or feed_url.startswith("http://")
    _, private = _ics(client, feed_url.split("localhost", 1)[-1])
    [vevent] = vevents(private)
    assert "12 Secret Lane" in str(vevent["LOCATION"])  # a booked household sees where to go
    assert applicant.email not in private and applicant.last_name not in private
    assert "12 Secret Lane" in client.get(f"/events/{event.id}").get_data(as_text=True)


def test_private_feed_token_is_long_random_and_resettable(client, db, app):
    household = create_household(db)
    event = create_event(db)
    with app.app_context():
        bookings.book_for_household(db, household.applicants[0], event, household,
                                    applicant_ids=[household.applicants[0].id])
    sign_in(client, household.applicants[0].email, PASSWORD)
    post_form(client, "/events/bookings/calendar", {}, page="/events/bookings")
    feed = calendars.feed_of(db, household)
    old = feed.token
    assert len(old) >= 43  # 32 random bytes
    assert client.get(f"/calendars/{old}.ics").status_code == 200
    assert client.get(f"/calendars/{old[:-1]}x.ics").status_code == 404
    response = post_form(client, "/events/bookings/calendar/reset", {}, page="/events/bookings")
    assert response.status_code == 303
    db.refresh(feed)
    assert feed.token != old
    assert client.get(f"/calendars/{old}.ics").status_code == 404
    private = client.get(f"/calendars/{feed.token}.ics")
    assert private.status_code == 200 and private.headers["Cache-Control"] == "private, no-cache"
    assert client.get(f"/calendars/{feed.token}.ics", headers={"If-None-Match": private.headers["ETag"]}).status_code == 304


def test_my_bookings_makes_no_calendar_address_until_asked(client, db):
    """Looking at the page changes nothing; the address is made by a button, once, and audited
    like its reset."""
    from sqlalchemy import func

    from portal.models import AuditEvent, CalendarFeed

    household = create_household(db)
    sign_in(client, household.applicants[0].email, PASSWORD)
    for _ in range(2):
        page = client.get("/events/bookings").get_data(as_text=True)
        assert "Create a private calendar address" in page and 'id="feed-address"' not in page
        assert 'type="text/calendar"' not in page
    assert calendars.feed_of(db, household) is None
    for _ in range(2):  # two tabs: one address
        response = post_form(client, "/events/bookings/calendar", {}, page="/events/bookings")
        assert response.status_code == 303
    assert db.scalar(select(func.count()).select_from(CalendarFeed).where(CalendarFeed.household_id == household.id)) == 1
    feed = calendars.feed_of(db, household)
    page = client.get("/events/bookings").get_data(as_text=True)
    assert f"/calendars/{feed.token}.ics" in page and "Create a private calendar address" not in page
    post_form(client, "/events/bookings/calendar/reset", {}, page="/events/bookings")
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "CalendarFeed",
                                                         AuditEvent.household_id == household.id)
                         .order_by(AuditEvent.id)).all()
    assert actions == ["feed_created", "feed_reset"]
    summaries = " ".join(db.scalars(select(AuditEvent.summary).where(AuditEvent.object_type == "CalendarFeed")))
    assert feed.token not in summaries


def test_a_feed_made_at_once_by_another_request_is_reused(db, monkeypatch):
    """The unique household key refuses a second feed; the loser reads the winner's."""
    from portal.models import CalendarFeed

    household = create_household(db)
    applicant = household.applicants[0]
    first = calendars.create_feed(db, applicant, household)
    original = calendars.feed_of
    looks = []

    def first_look_misses(session, h):
        # The other request's row was not there yet when this one looked.
        looks.append(h.id)
        return None if len(looks) == 1 else original(session, h)

    monkeypatch.setattr(calendars, "feed_of", first_look_misses)
    second = calendars.create_feed(db, applicant, household)
    assert len(looks) == 2
    assert second.id == first.id and second.token == first.token
    assert db.scalar(select(CalendarFeed.id).where(CalendarFeed.household_id == household.id)) == first.id


def test_a_feed_of_five_hundred_events_is_valid(db):
    """Not a timing assertion (that is the benchmark's job): the feed for 500 events is valid."""
    now = utcnow()
    for i in range(500):
        create_event(db, title=f"Event {i}", starts_at=now + timedelta(days=1 + i % 300, hours=i % 7))
    events = calendars.events_feed_events(db, select(calendars.Event), now=now)
    text = calendars.calendar(events, name="Everything", url_for=lambda e: f"https://example.org/events/{e.id}",
                              include_address=lambda e: True)
    assert len(vevents(text)) >= 500
