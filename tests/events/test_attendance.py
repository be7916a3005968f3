"""Attendance per day, course completion, catching up a missed day, and reminders."""
from datetime import timedelta

from sqlalchemy import func, select

from portal.clock import utcnow
from portal.models import (
    Attendance, Audience, Booking, BookingStatus, EnquiryStatus, EventFormat, EventKind, HouseholdStage, ReminderLog,
    StaffRole,
)
from portal.services import attendance, bookings, training
from portal.services.reminders import send_reminders
from portal.services.training import PREPARE_TO_ADOPT
from tests.events.helpers import outbox
from tests.factories import PASSWORD, create_event, create_household, create_staff, hub_agency
from tests.support import post_form, sign_in


def _course(db, *, starts_at, **overrides):
    values = dict(kind=EventKind.TRAINING, audience=Audience.PREPARATION, course_code=PREPARE_TO_ADOPT,
                  title="Prepare to Adopt", day_count=3, capacity=12, starts_at=starts_at,
                  booking_closes_at=starts_at - timedelta(hours=1), cancellation_deadline_at=starts_at - timedelta(days=2))
    values.update(overrides)
    return create_event(db, **values)


def _book(db, event, household, **kwargs):
    return bookings.book_for_household(db, household.applicants[0], event, household,
                                       applicant_ids=[a.id for a in household.applicants], **kwargs).booking


def test_completion_only_when_every_day_is_attended(db, app_context):
    staff = create_staff(db, agency=hub_agency(db), role=StaffRole.HUB_ADMIN)
    household = create_household(db, stage=HouseholdStage.STAGE_1)
    now = utcnow()
    run = _course(db, starts_at=now + timedelta(days=3))
    booking = _book(db, run, household, now=now)
    later = now + timedelta(days=6)
    for day in run.days[:2]:
        attendance.mark_attendance(db, staff, run, day, {booking.id}, now=later)
    assert not training.has_completed(db, household, PREPARE_TO_ADOPT)
    result = attendance.mark_attendance(db, staff, run, run.days[2], {booking.id}, now=later)
    assert result.completed == [household]
    assert training.has_completed(db, household, PREPARE_TO_ADOPT)
    [completion] = training.completions_for(db, household)
    assert completion.event_id == run.id


def test_a_missed_day_is_offered_on_the_next_run_and_completes_the_course(client, db, app):
    staff = create_staff(db, agency=hub_agency(db), role=StaffRole.HUB_ADMIN)
    household = create_household(db, stage=HouseholdStage.STAGE_1)
    now = utcnow()
    first_run = _course(db, starts_at=now - timedelta(days=5))
    next_run = _course(db, starts_at=now + timedelta(days=20))
    # Booked before the first run began (its booking window is in the past now).
    booking = Booking(reference="BK-PAST01", event_id=first_run.id, household_id=household.id, places=1,
                      status=BookingStatus.CONFIRMED, confirmed_at=now - timedelta(days=30))
    db.add(booking)
    first_run.booked = 1
    db.flush()
    with app.app_context():
        attendance.mark_attendance(db, staff, first_run, first_run.days[0], {booking.id}, now=now)
        attendance.mark_attendance(db, staff, first_run, first_run.days[1], set(), now=now)
        attendance.mark_attendance(db, staff, first_run, first_run.days[2], {booking.id}, now=now)
        attendance.mark_attendance(db, staff, first_run, first_run.days[1], set(), now=now)  # saved again: one offer
    assert not training.has_completed(db, household, PREPARE_TO_ADOPT)
    [offer_email] = outbox(db, household.applicants[0].email, "events/catch_up_offer")
    assert "day 2" in offer_email.body_text
    sign_in(client, household.applicants[0].email, PASSWORD)
    page = client.get("/events/bookings").get_data(as_text=True)
    assert "You missed day 2 of Prepare to Adopt" in page
    response = post_form(client, f"/events/{first_run.id}/bookings/{booking.id}/catch-up/2", {}, page="/events/bookings")
    assert response.status_code == 303
    catch_up = db.scalar(select(Booking).where(Booking.event_id == next_run.id, Booking.household_id == household.id))
    assert catch_up.status == BookingStatus.CONFIRMED and catch_up.day_number == 2
    # The next run's day 2 comes: marking it completes the course.
    with app.app_context():
        result = attendance.mark_attendance(db, staff, next_run, next_run.days[1], {catch_up.id},
                                            now=next_run.days[1].starts_at + timedelta(minutes=5))
    assert result.completed == [household]
    assert training.has_completed(db, household, PREPARE_TO_ADOPT)
    # A catch-up place covers its own day only.
    assert [b.id for b in attendance.bookings_for_day(db, next_run, next_run.days[0])] == []


def test_staff_mark_attendance_through_the_roster(client, db, app):
    staff = create_staff(db, agency=hub_agency(db), role=StaffRole.HUB_ADMIN)
    now = utcnow()
    evening = create_event(db, agency=staff.agency, title="Information evening", starts_at=now - timedelta(hours=1))
    with app.app_context():
        from portal.services.enquiries import enquiry_for_event_booking

        came = Booking(reference="BK-CAME01", event_id=evening.id, contact_email="came@example.com", first_name="Ann",
                       last_name="Came", places=1, status=BookingStatus.CONFIRMED)
        stayed_away = Booking(reference="BK-AWAY01", event_id=evening.id, contact_email="away@example.com",
                              first_name="Bo", last_name="Away", places=1, status=BookingStatus.CONFIRMED)
        enquiry = enquiry_for_event_booking(db, first_name="Ann", last_name="Came", email="came@example.com", area_id=None)
        came.enquiry_id = enquiry.id
        db.add_all([came, stayed_away])
        db.flush()
    sign_in(client, staff.email, PASSWORD)
    html = client.get(f"/staff/events/{evening.id}").get_data(as_text=True)
    assert "Tick everyone who came" in html
    response = post_form(client, f"/staff/events/{evening.id}/attendance/1", {"attended": [str(came.id), "junk"]},
                         page=f"/staff/events/{evening.id}")
    assert response.status_code == 303
    marks = dict(db.execute(select(Attendance.booking_id, Attendance.attended)).all())
    assert marks == {came.id: True, stayed_away.id: False}
    db.refresh(enquiry)
    assert enquiry.status == EnquiryStatus.EVENING_ATTENDED


def test_attendance_cannot_be_marked_before_the_day(client, db):
    staff = create_staff(db, agency=hub_agency(db))
    event = create_event(db, agency=staff.agency)
    sign_in(client, staff.email, PASSWORD)
    response = post_form(client, f"/staff/events/{event.id}/attendance/1", {"attended": []}, page=f"/staff/events/{event.id}")
    assert response.status_code == 303
    assert db.scalar(select(func.count()).select_from(Attendance)) == 0
    assert post_form(client, f"/staff/events/{event.id}/attendance/9", {}, page=f"/staff/events/{event.id}").status_code == 404


def test_reminders_two_days_before_and_the_joining_link_on_the_day(db, app_context):
    now = utcnow().replace(hour=8, minute=0, second=0, microsecond=0)
    household = create_household(db, applicants=2)
    soon = create_event(db, title="In two days", starts_at=now + timedelta(days=1, hours=20))
    online_today = create_event(db, title="Online tonight", format=EventFormat.ONLINE, joining_link="https://meet.example.org/x",
                                starts_at=now + timedelta(hours=11))
    later = create_event(db, title="Next week", starts_at=now + timedelta(days=7))
    for event in (soon, online_today, later):
        _book(db, event, household, now=now - timedelta(days=10))
    report = send_reminders(db, now=now)
    assert (report.reminders, report.joining_links) == (2, 1)
    for applicant in household.applicants:
        templates = sorted(m.template for m in outbox(db, applicant.email) if m.template in ("events/reminder", "events/joining_link"))
        assert templates == ["events/joining_link", "events/reminder", "events/reminder"]
    [link] = outbox(db, household.applicants[0].email, "events/joining_link")
    assert "https://meet.example.org/x" in link.body_text
    again = send_reminders(db, now=now + timedelta(hours=1))
    assert (again.reminders, again.joining_links) == (0, 0)
    assert db.scalar(select(func.count()).select_from(ReminderLog)) == 3


def test_booked_within_two_days_gets_no_separate_reminder(db, app_context):
    now = utcnow()
    household = create_household(db)
    event = create_event(db, starts_at=now + timedelta(days=1))
    _book(db, event, household, now=now)
    assert send_reminders(db, now=now + timedelta(minutes=5)).reminders == 0


def test_send_reminders_command(app, db):
    now = utcnow()
    household = create_household(db)
    event = create_event(db, starts_at=now + timedelta(days=1, hours=12))
    db.add(Booking(reference="BK-CLI001", event_id=event.id, household_id=household.id, places=1,
                   status=BookingStatus.CONFIRMED, confirmed_at=now - timedelta(days=10)))
    db.flush()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 reminders and 0 joining links." in result.output
    assert runner.invoke(args=["send-reminders"]).output.startswith("Queued 0 reminders")
    assert len(outbox(db, household.applicants[0].email, "events/reminder")) == 1
