"""Staff: create, change, copy and cancel events and series; rosters and CSV, scoped by agency."""
import csv
import io
from datetime import date, time, timedelta

from sqlalchemy import func, select

from portal.clock import london_to_utc, to_london, utcnow
from portal.models import (
    AuditEvent, Audience, BookingStatus, Event, EventFormat, EventKind, EventSeries, EventStatus, StaffRole,
)
from portal.services import bookings, event_admin
from tests.events.helpers import outbox, vevents
from tests.factories import PASSWORD, create_agency, create_event, create_household, create_staff, hub_agency
from tests.support import post_form, sign_in

NEXT_YEAR = utcnow().year + 1


def _form(**overrides):
    data = {
        "kind": "information_evening", "title": "Information evening", "description": "Come and ask anything.",
        "course_code": "", "audience": "public", "open_to_all": "yes", "format": "in_person",
        "venue_name": "Town Hall", "venue_address": "1 High Street", "venue_town": "Northvale", "capacity": "30",
        "first_day": ["14", "1", str(NEXT_YEAR)], "start_time": "19:00", "end_time": "21:00", "day_count": "1",
        "days_apart": "1", "booking_closes_hours": "24", "cancellation_hours": "48",
    }
    data.update(overrides)
    return data


def _staff_client(client, db, **kwargs):
    staff = create_staff(db, **kwargs)
    sign_in(client, staff.email, PASSWORD)
    return staff


def test_staff_create_an_event_in_local_time(client, db):
    staff = _staff_client(client, db, agency=hub_agency(db), role=StaffRole.HUB_ADMIN)
    response = post_form(client, "/staff/events/new", _form(start_time="7pm", end_time="9pm"))
    assert response.status_code == 303, response.get_data(as_text=True)
    event = db.scalar(select(Event).where(Event.title == "Information evening"))
    assert event.agency_id == staff.agency_id
    assert event.starts_at == london_to_utc(date(NEXT_YEAR, 1, 14), time(19, 0))
    assert event.booking_closes_at == event.starts_at - timedelta(hours=24)
    assert [d.day_number for d in event.days] == [1]
    assert db.scalar(select(AuditEvent).where(AuditEvent.object_type == "Event", AuditEvent.action == "created"))
    assert "Information evening" in client.get("/events").get_data(as_text=True)


def test_the_spring_forward_gap_is_refused_by_the_field(client, db):
    _staff_client(client, db, agency=hub_agency(db))
    response = post_form(client, "/staff/events/new", _form(first_day=["28", "3", "2027"], start_time="01:30", end_time="03:00"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "01:30 on 28 March 2027 does not exist in the UK" in html
    assert 'href="#start_time"' in html
    assert db.scalar(select(func.count()).select_from(Event)) == 0


def test_form_errors_keep_the_answers(client, db):
    _staff_client(client, db, agency=hub_agency(db))
    response = post_form(client, "/staff/events/new", _form(title="Kept title", capacity="lots", first_day=["31", "2", "2027"],
                                                             start_time="25:00"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Places must be a whole number, like 20" in html
    assert "Date must be a real date" in html
    assert "Enter start time like 19:00 or 7pm" in html
    assert 'value="Kept title"' in html


def test_a_multi_day_course_a_week_apart(client, db):
    _staff_client(client, db, agency=hub_agency(db))
    response = post_form(client, "/staff/events/new", _form(
        kind="training", title="Prepare to Adopt", course_code="prepare-to-adopt", audience="preparation",
        day_count="3", days_apart="7", start_time="09:30", end_time="16:00"))
    assert response.status_code == 303
    event = db.scalar(select(Event).where(Event.title == "Prepare to Adopt"))
    assert event.day_count == 3 and event.course_code == "prepare-to-adopt"
    assert [to_london(d.starts_at).date() for d in event.days] == [date(NEXT_YEAR, 1, 14) + timedelta(days=7 * i) for i in range(3)]


def test_reducing_places_below_those_booked_needs_confirmation(client, db, app):
    staff = _staff_client(client, db, agency=hub_agency(db))
    event = create_event(db, agency=staff.agency, capacity=4)
    with app.app_context():
        for _ in range(3):
            household = create_household(db)
            bookings.book_for_household(db, household.applicants[0], event, household,
                                        applicant_ids=[household.applicants[0].id])
    local = to_london(event.starts_at)
    data = _form(capacity="2", first_day=[str(local.day), str(local.month), str(local.year)],
                 start_time=local.strftime("%H:%M"), end_time=to_london(event.ends_at).strftime("%H:%M"))
    response = post_form(client, f"/staff/events/{event.id}/edit", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "3 places are already booked" in html and "Reduce the places anyway" in html
    db.refresh(event)
    assert event.capacity == 4
    response = post_form(client, f"/staff/events/{event.id}/edit", dict(data, confirm_capacity="y"))
    assert response.status_code == 303
    db.refresh(event)
    assert event.capacity == 2 and event.booked == 3
    # nobody lost a place, and nobody new gets one until below the new number
    newcomer = create_household(db)
    with app.app_context():
        result = bookings.book_for_household(db, newcomer.applicants[0], event, newcomer,
                                             applicant_ids=[newcomer.applicants[0].id])
    assert result.booking.status == BookingStatus.WAITING


def test_raising_places_promotes_the_waiting_list(db, app_context):
    staff = create_staff(db, agency=hub_agency(db))
    event = create_event(db, agency=staff.agency, capacity=1)
    households = [create_household(db) for _ in range(3)]
    results = [bookings.book_for_household(db, h.applicants[0], event, h, applicant_ids=[h.applicants[0].id])
               for h in households]
    assert [r.confirmed for r in results] == [True, False, False]
    local = to_london(event.starts_at)
    details = event_admin.EventDetails(kind=event.kind, title=event.title, description="", audience=event.audience,
                                       open_to_all_agencies=True, format=EventFormat.IN_PERSON, capacity=2, venue_town="Northvale")
    event_admin.update_event(db, staff, event, details,
                             event_admin.Schedule(local.date(), local.time(), to_london(event.ends_at).time()), now=utcnow())
    db.refresh(results[1].booking)
    db.refresh(results[2].booking)
    assert results[1].booking.status == BookingStatus.CONFIRMED
    assert results[2].booking.status == BookingStatus.WAITING


def test_cancelling_an_event_tells_everyone(client, db, app):
    staff = _staff_client(client, db, agency=hub_agency(db))
    event = create_event(db, agency=staff.agency, capacity=1, title="Summer picnic", kind=EventKind.SOCIAL)
    booked, waiting = create_household(db, applicants=2), create_household(db)
    with app.app_context():
        bookings.book_for_household(db, booked.applicants[0], event, booked, applicant_ids=[booked.applicants[0].id])
        bookings.book_for_household(db, waiting.applicants[0], event, waiting, applicant_ids=[waiting.applicants[0].id])
    response = post_form(client, f"/staff/events/{event.id}/cancel", {"reason": "Heavy rain forecast"})
    assert response.status_code == 303
    db.refresh(event)
    assert event.status == EventStatus.CANCELLED and event.sequence == 1
    for person in booked.applicants:
        [message] = outbox(db, person.email, "events/event_cancelled")
        assert "Heavy rain forecast" in message.body_text
        [vevent] = vevents(message.ics)
        assert str(vevent["STATUS"]) == "CANCELLED"
    # The waiting household never had it in their calendar: told plainly, no calendar file.
    [message] = outbox(db, waiting.applicants[0].email, "events/event_cancelled")
    assert "Heavy rain forecast" in message.body_text
    assert "You were on the waiting list" in message.body_text and "Your booking" not in message.body_text
    assert message.ics is None


def test_cancel_needs_a_reason(client, db):
    staff = _staff_client(client, db, agency=hub_agency(db))
    event = create_event(db, agency=staff.agency)
    response = post_form(client, f"/staff/events/{event.id}/cancel", {"reason": ""})
    assert response.status_code == 422
    assert "Enter the reason" in response.get_data(as_text=True)


def test_a_monthly_group_keeps_its_local_time_across_the_clock_change(db, app_context):
    staff = create_staff(db, agency=create_agency(db))
    details = event_admin.EventDetails(
        kind=EventKind.SUPPORT_GROUP, title="Evening support group", description="", audience=Audience.STAGE_2,
        open_to_all_agencies=True, format=EventFormat.ONLINE, capacity=20, joining_link="https://meet.example.org/abc")
    series = event_admin.create_series(db, staff, details, first_day=date(NEXT_YEAR, 1, 12), start=time(20, 0),
                                       end=time(21, 0), count=12, topics=["Facing fears and phobias", "Sleep"],
                                       now=utcnow())
    meetings = series.events
    assert len(meetings) == 12
    assert {to_london(m.starts_at).strftime("%H:%M") for m in meetings} == {"20:00"}
    assert {m.starts_at.hour for m in meetings} == {19, 20}  # UTC moves with British Summer Time
    assert all(to_london(m.starts_at).weekday() == date(NEXT_YEAR, 1, 12).weekday() for m in meetings)
    assert [m.topic for m in meetings[:3]] == ["Facing fears and phobias", "Sleep", None]


def test_series_pages_and_cancelling_what_is_left(client, db):
    staff = _staff_client(client, db, agency=create_agency(db))
    response = post_form(client, "/staff/events/series/new", _form(
        kind="support_group", title="Stay and Play", audience="stage_2", hides_address="y", count="6",
        rule="weekday", topics="", start_time="10:00", end_time="11:30", first_day=["6", "1", str(NEXT_YEAR)]))
    assert response.status_code == 303, response.get_data(as_text=True)
    series = db.scalar(select(EventSeries))
    assert len(series.events) == 6 and all(m.hides_address for m in series.events)
    assert "Stay and Play" in client.get(f"/staff/events/series/{series.id}").get_data(as_text=True)
    response = post_form(client, f"/staff/events/series/{series.id}/cancel", {"reason": "The centre is closing"})
    assert response.status_code == 303
    db.expire_all()
    assert all(m.status == EventStatus.CANCELLED for m in series.events)
    assert staff.agency_id == series.agency_id


def test_copy_starts_from_the_original(client, db):
    staff = _staff_client(client, db, agency=hub_agency(db))
    original = create_event(db, agency=staff.agency, title="Therapeutic Parenting", kind=EventKind.TRAINING,
                            course_code="therapeutic-parenting", audience=Audience.STAGE_2, capacity=16)
    html = client.get(f"/staff/events/new?copy={original.id}").get_data(as_text=True)
    assert 'value="Therapeutic Parenting"' in html and 'value="16"' in html
    response = post_form(client, f"/staff/events/new?copy={original.id}", _form(
        kind="training", title="Therapeutic Parenting", course_code="therapeutic-parenting", audience="stage_2", capacity="16"))
    assert response.status_code == 303
    assert db.scalar(select(func.count()).select_from(Event).where(Event.title == "Therapeutic Parenting")) == 2


def test_staff_see_only_their_own_agencys_events(client, db):
    mine, theirs = create_agency(db), create_agency(db)
    staff = _staff_client(client, db, agency=mine)
    own = create_event(db, agency=mine, title="Ours")
    other = create_event(db, agency=theirs, title="Theirs")
    listing = client.get("/staff/events").get_data(as_text=True)
    assert "Ours" in listing and "Theirs" not in listing
    assert client.get(f"/staff/events/{own.id}").status_code == 200
    for url in (f"/staff/events/{other.id}", f"/staff/events/{other.id}/edit", f"/staff/events/{other.id}/roster.csv",
                f"/staff/events/{other.id}/cancel", f"/staff/events/new?copy={other.id}"):
        assert client.get(url).status_code == 404, url
    response = post_form(client, f"/staff/events/{other.id}/cancel", {"reason": "x"}, page="/staff/events")
    assert response.status_code == 404
    db.refresh(other)
    assert other.status == EventStatus.SCHEDULED
    denied = db.scalar(select(AuditEvent).where(AuditEvent.action == "denied", AuditEvent.object_id == other.id))
    assert denied is not None and denied.actor_id == staff.id


def test_hub_staff_see_every_agency(client, db):
    _staff_client(client, db, agency=hub_agency(db), role=StaffRole.HUB_ADMIN)
    other = create_event(db, agency=create_agency(db), title="A partner's group")
    assert client.get(f"/staff/events/{other.id}").status_code == 200


def test_roster_csv_is_formula_safe_attached_and_audited(client, db, app):
    staff = _staff_client(client, db, agency=hub_agency(db))
    event = create_event(db, agency=staff.agency, capacity=10)
    household = create_household(db, applicants=2)
    household.applicants[0].first_name = "=HYPERLINK(\"http://evil.example\")"
    household.applicants[1].first_name = "@SUM(1+1)"
    with app.app_context():
        bookings.book_for_household(db, household.applicants[0], event, household,
                                    applicant_ids=[a.id for a in household.applicants])
        bookings.book_without_account(db, event, first_name="+44", last_name="-Minus", email="tab@example.com",
                                      area_id=None, places=1)
    response = client.get(f"/staff/events/{event.id}/roster.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="event-roster.csv"'
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:4] == ["Reference", "Status", "People", "Places"]
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    assert "'+44 -Minus" in cells
    exported = db.scalar(select(AuditEvent).where(AuditEvent.action == "exported", AuditEvent.object_id == event.id))
    assert exported.actor_id == staff.id


def test_roster_shows_bookings_and_the_waiting_list_in_order(client, db, app):
    staff = _staff_client(client, db, agency=hub_agency(db))
    event = create_event(db, agency=staff.agency, capacity=1)
    households = [create_household(db) for _ in range(3)]
    now = utcnow()
    with app.app_context():
        for i, h in enumerate(households):
            bookings.book_for_household(db, h.applicants[0], event, h, applicant_ids=[h.applicants[0].id],
                                        now=now + timedelta(seconds=i))
    html = client.get(f"/staff/events/{event.id}").get_data(as_text=True)
    names = [h.applicants[0].full_name for h in households]
    assert html.index(names[0]) < html.index("Waiting list") < html.index(names[1]) < html.index(names[2])
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "viewed", AuditEvent.object_id == event.id))


def test_staff_cancel_a_booking_and_the_next_is_promoted(client, db, app):
    staff = _staff_client(client, db, agency=hub_agency(db))
    event = create_event(db, agency=staff.agency, capacity=1)
    first, second = create_household(db), create_household(db)
    with app.app_context():
        kept = bookings.book_for_household(db, first.applicants[0], event, first, applicant_ids=[first.applicants[0].id]).booking
        waiting = bookings.book_for_household(db, second.applicants[0], event, second,
                                              applicant_ids=[second.applicants[0].id]).booking
    response = post_form(client, f"/staff/events/{event.id}/bookings/{kept.id}/cancel", {}, page=f"/staff/events/{event.id}")
    assert response.status_code == 303
    db.refresh(kept)
    db.refresh(waiting)
    assert kept.status == BookingStatus.CANCELLED and waiting.status == BookingStatus.CONFIRMED
    assert outbox(db, second.applicants[0].email, "events/promoted")
