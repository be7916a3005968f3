"""Enquiries not pursued are deleted after two years, with every copy of the person's details."""
from datetime import timedelta

from sqlalchemy import func, select

from portal.clock import utcnow
from portal.db import Base
from portal.models import (
    Attendance, AuditEvent, Booking, BookingAttendee, BookingStatus, Enquiry, EnquiryActivity, EnquiryTokenPurpose,
    InitialVisit, OutboxMessage, ReminderKind, ReminderLog, VisitMethod,
)
from portal.services import bookings, enquiries, retention
from tests.factories import create_enquiry, create_event, create_household, hub_agency

EMAIL = "morwenna.tregothnan@example.com"
SURNAME = "Tregothnan"


def _old_enquiry_with_everything(app, db, now):
    """An enquiry made 800 days ago through an information evening booking, with an initial
    visit asked for, attendance marked and a reminder sent: every table that can hold the
    person's details has a row."""
    then = now - timedelta(days=800)
    hub_agency(db)
    event = create_event(db, starts_at=(then + timedelta(days=14)).replace(minute=0, second=0, microsecond=0),
                         created_at=then, updated_at=then)
    with app.app_context():
        result = bookings.book_without_account(db, event, first_name="Morwenna", last_name=SURNAME, email=EMAIL,
                                               area_id=None, places=2, now=then)
        booking = result.booking
        enquiry = booking.enquiry
        raw = enquiries.issue_token(db, enquiry, EnquiryTokenPurpose.VISIT_REQUEST, days=30, now=then + timedelta(days=15))
        enquiries.request_initial_visit(db, raw, method=VisitMethod.HOME, now=then + timedelta(days=16))
        enquiries.issue_token(db, enquiry, EnquiryTokenPurpose.ROI_INVITE, days=30, now=then + timedelta(days=17))
    db.add(BookingAttendee(booking_id=booking.id, name=f"Morwenna {SURNAME}"))
    db.add(Attendance(booking_id=booking.id, day_id=event.days[0].id, attended=True, marked_at=then + timedelta(days=14)))
    db.add(ReminderLog(booking_id=booking.id, kind=ReminderKind.TWO_DAYS_BEFORE, sent_at=then + timedelta(days=12)))
    db.flush()
    return enquiry, booking, event


def _rows_holding(db, *needles):
    """Every row of every table whose values mention one of the needles."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in db.execute(select(table)):
            text = " ".join(str(value) for value in row if value is not None).lower()
            if any(needle.lower() in text for needle in needles):
                found.append((table.name, row))
    return found


def test_an_old_unpursued_enquiry_is_deleted_with_every_copy_of_the_person(app, db):
    now = utcnow()
    enquiry, booking, event = _old_enquiry_with_everything(app, db, now)
    enquiry_id, booking_id = enquiry.id, booking.id
    assert event.booked == 2
    assert db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to_address == EMAIL)) >= 2
    assert db.scalar(select(InitialVisit).where(InitialVisit.enquiry_id == enquiry_id)) is not None
    # The same person enquired again last month: that enquiry is kept and loses its link.
    again = create_enquiry(db, email="someone.else@example.com", duplicate_of_id=enquiry_id)
    assert _rows_holding(db, EMAIL, SURNAME)

    report = retention.purge_enquiries(db, now=now)

    assert report.enquiries == 1
    assert report.bookings == 1 and report.booking_tokens == 1 and report.booking_attendees == 1
    assert report.attendances == 1 and report.reminder_logs == 1
    assert report.enquiry_tokens == 2 and report.initial_visits == 1
    assert report.enquiry_activities >= 3 and report.outbox_messages >= 2
    assert report.duplicate_links_cleared == 1
    assert _rows_holding(db, EMAIL, SURNAME) == []
    assert db.get(Enquiry, enquiry_id) is None and db.get(Booking, booking_id) is None
    db.refresh(again)
    assert again.duplicate_of_id is None
    db.refresh(event)
    assert event.booked == 0  # the places held by the deleted booking are given back
    [trail] = db.scalars(select(AuditEvent).where(AuditEvent.action == "purged")).all()
    assert trail.actor_id is None and trail.object_type == "Enquiry" and trail.object_id is None
    assert trail.summary == "Deleted 1 enquiry not pursued for 2 years"


def test_recent_household_and_future_booking_enquiries_are_kept(app, db):
    now = utcnow()
    old = now - timedelta(days=800)
    recent = create_enquiry(db, created_at=now - timedelta(days=700), updated_at=now - timedelta(days=700))
    lately_active = create_enquiry(db, created_at=old, updated_at=old)
    db.add(EnquiryActivity(enquiry_id=lately_active.id, occurred_at=now - timedelta(days=30), actor_label="Staff",
                           kind="note", summary="Rang again"))
    household = create_household(db)
    of_household = create_enquiry(db, created_at=old, updated_at=old, household_id=household.id)
    future_event = create_event(db, starts_at=(now + timedelta(days=10)).replace(microsecond=0))
    with_future_booking = create_enquiry(db, created_at=old, updated_at=old)
    db.add(Booking(reference="BKG-FUTURE1", event_id=future_event.id, enquiry_id=with_future_booking.id,
                   first_name="Sam", last_name="Future", contact_email=with_future_booking.email, places=1,
                   status=BookingStatus.CONFIRMED, created_at=old))
    # A booking a household made is the household's record: kept, only its link goes.
    past_event = create_event(db, starts_at=(old + timedelta(days=5)).replace(microsecond=0))
    unpursued = create_enquiry(db, created_at=old, updated_at=old)
    household_booking = Booking(reference="BKG-HOUSE1", event_id=past_event.id, household_id=household.id,
                                enquiry_id=unpursued.id, places=1, status=BookingStatus.CONFIRMED, created_at=old)
    db.add(household_booking)
    db.flush()
    kept = [recent.id, lately_active.id, of_household.id, with_future_booking.id]
    unpursued_id = unpursued.id

    report = retention.purge_enquiries(db, now=now)

    assert report.enquiries == 1 and report.bookings == 0
    assert db.get(Enquiry, unpursued_id) is None
    assert [e.id for e in db.scalars(select(Enquiry).where(Enquiry.id.in_(kept)).order_by(Enquiry.id))] == sorted(kept)
    db.refresh(household_booking)
    assert household_booking.enquiry_id is None
    assert db.scalar(select(func.count()).select_from(Booking).where(Booking.reference == "BKG-FUTURE1")) == 1


def _counts(db):
    return {table.name: db.scalar(select(func.count()).select_from(table)) for table in Base.metadata.sorted_tables}


def test_a_dry_run_counts_and_changes_nothing(app, db):
    now = utcnow()
    _old_enquiry_with_everything(app, db, now)
    before = _counts(db)

    report = retention.purge_enquiries(db, now=now, dry_run=True)

    assert report.enquiries == 1 and report.bookings == 1 and report.outbox_messages >= 2
    assert _counts(db) == before
    assert _rows_holding(db, EMAIL)
    assert retention.purge_enquiries(db, now=now) == report


def test_the_command_purges_and_its_dry_run_leaves_everything(app, db):
    now = utcnow()
    enquiry, _booking, _event = _old_enquiry_with_everything(app, db, now)
    enquiry_id = enquiry.id
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["purge-enquiries", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing deleted" in dry.output and "enquiries: 1" in dry.output
    assert db.scalar(select(func.count()).select_from(Enquiry).where(Enquiry.id == enquiry_id)) == 1

    kept_longer = runner.invoke(args=["purge-enquiries", "--keep-days", "1000"])
    assert kept_longer.exit_code == 0 and "enquiries: 0" in kept_longer.output
    assert db.scalar(select(func.count()).select_from(Enquiry).where(Enquiry.id == enquiry_id)) == 1

    done = runner.invoke(args=["purge-enquiries"])
    assert done.exit_code == 0, done.output
    assert "Deleted:" in done.output and "enquiries: 1" in done.output
    assert db.scalar(select(func.count()).select_from(Enquiry).where(Enquiry.id == enquiry_id)) == 0
    assert _rows_holding(db, EMAIL, SURNAME) == []

    refused = runner.invoke(args=["purge-enquiries", "--keep-days", "0"])
    assert refused.exit_code != 0
