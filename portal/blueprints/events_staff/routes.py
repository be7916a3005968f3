from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from portal.blueprints.events_staff import bp
from portal.blueprints.events_staff.forms import CancelForm, ConfirmForm, EventForm, SeriesForm
from portal.clock import to_london, utcnow
from portal.db import get_db
from portal.models import Audience, EventFormat, EventKind
from portal.services import access, attendance, audit, bookings, event_admin, event_exports
from portal.services.errors import DomainError
from portal.web import csv_download, invalid, page_arg, record_id, render_form, show_domain_error, staff_required


def _page() -> int:
    return page_arg()


def _details(form) -> event_admin.EventDetails:
    return event_admin.EventDetails(
        kind=EventKind(form.kind.data), title=form.title.data or "", description=form.description.data or "",
        audience=Audience(form.audience.data), open_to_all_agencies=form.open_to_all.data == "yes",
        format=EventFormat(form.format.data), capacity=form.capacity.data,
        topic=form.topic.data if getattr(form, "topic", None) is not None else None,
        course_code=form.course_code.data or None, venue_name=form.venue_name.data, venue_address=form.venue_address.data,
        venue_town=form.venue_town.data, hides_address=bool(form.hides_address.data), joining_link=form.joining_link.data,
        allows_support_network=bool(form.allows_support_network.data),
        booking_closes_hours=form.booking_closes_hours.data, cancellation_hours=form.cancellation_hours.data,
    )


def _schedule(form) -> event_admin.Schedule:
    return event_admin.Schedule(first_day=form.first_day.data, start=form.start_time.time, end=form.end_time.time,
                                day_count=form.day_count.data, days_apart=int(form.days_apart.data))


def _fill(form: EventForm, event, *, with_dates: bool) -> None:
    """Put an event's details in the form (to edit it, or to start a copy)."""
    form.kind.data = event.kind.value
    form.title.data = event.title
    form.topic.data = event.topic
    form.description.data = event.description
    form.course_code.data = event.course_code or ""
    form.audience.data = event.audience.value
    form.open_to_all.data = "yes" if event.open_to_all_agencies else "no"
    form.format.data = event.format.value
    form.venue_name.data = event.venue_name
    form.venue_address.data = event.venue_address
    form.venue_town.data = event.venue_town
    form.hides_address.data = event.hides_address
    form.joining_link.data = event.joining_link
    form.capacity.data = event.capacity
    form.allows_support_network.data = event.allows_support_network
    form.day_count.data = event.day_count
    first = event.days[0] if event.days else None
    second = event.days[1] if len(event.days) > 1 else None
    form.days_apart.data = "7" if first and second and (second.starts_at - first.starts_at).days >= 7 else "1"
    form.booking_closes_hours.data = int((event.starts_at - event.booking_closes_at).total_seconds() // 3600)
    form.cancellation_hours.data = int((event.starts_at - event.cancellation_deadline_at).total_seconds() // 3600)
    if first is not None:
        form.start_time.data = to_london(first.starts_at).strftime("%H:%M")
        form.end_time.data = to_london(first.ends_at).strftime("%H:%M")
    if with_dates and first is not None:
        form.first_day.data = to_london(first.starts_at).date()


@bp.get("/staff/events")
@staff_required()
def index():
    db = get_db()
    past = request.args.get("show") == "past"
    listing = event_admin.staff_listing(db, current_user, past=past, now=utcnow(), page=_page())
    return render_template("events_staff/index.html", listing=listing, past=past)


@bp.route("/staff/events/new", methods=["GET", "POST"])
@staff_required()
def create():
    db = get_db()
    form = EventForm()
    source = access.get_event_for(db, current_user, request.args["copy"]) if request.args.get("copy") else None
    if source is not None and not form.is_submitted():
        _fill(form, source, with_dates=False)
    if not form.validate_on_submit():
        return render_form("events_staff/form.html", form, event=None, source=source)
    try:
        event = event_admin.create_event(db, current_user, _details(form), _schedule(form), copied_from=source, now=utcnow())
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid("events_staff/form.html", form=form, event=None, source=source)
    db.commit()
    flash(f"{event.title} is on What's On", "success")
    return redirect(url_for("events_staff.show", event_id=event.id), 303)


@bp.route("/staff/events/<int:event_id>/edit", methods=["GET", "POST"])
@staff_required()
def edit(event_id: int):
    db = get_db()
    event = access.get_event_for(db, current_user, event_id)
    if event.is_cancelled:
        flash("This event is cancelled and can no longer be changed", "info")
        return redirect(url_for("events_staff.show", event_id=event.id), 303)
    form = EventForm()
    if not form.is_submitted():
        _fill(form, event, with_dates=True)
    if not form.validate_on_submit():
        return render_form("events_staff/form.html", form, event=event, source=None)
    try:
        told = event_admin.update_event(db, current_user, event, _details(form), _schedule(form),
                                        confirm_capacity=bool(form.confirm_capacity.data), now=utcnow())
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        g.capacity_warning = isinstance(error, event_admin.CapacityBelowBooked)
        return invalid("events_staff/form.html", form=form, event=event, source=None)
    db.commit()
    flash("Changes saved" + (f": everyone booked has been told about {' and '.join(told)}" if told else ""), "success")
    return redirect(url_for("events_staff.show", event_id=event.id), 303)


@bp.get("/staff/events/<int:event_id>")
@staff_required()
def show(event_id: int):
    db = get_db()
    event = access.get_event_for(db, current_user, event_id)
    roster = event_exports.roster_bookings(db, event)
    marks = attendance.marks_for(db, event)
    audit.record(db, current_user, "viewed", event, agency_id=event.agency_id, summary=f"Viewed the roster of {event.title[:150]}")
    db.commit()
    confirmed = [b for b in roster if b.is_confirmed]
    waiting = sorted((b for b in roster if b.is_waiting), key=lambda b: (b.queued_at, b.id))
    cancelled = [b for b in roster if not b.is_active]
    now = utcnow()
    sheets = [
        (day, day.starts_at <= now, [(b, marks.get((b.id, day.day_number))) for b in confirmed
                                     if b.day_number in (None, day.day_number)])
        for day in event.days
    ]
    requests = [b for b in confirmed + waiting if b.cancellation_requested_at]
    return render_template("events_staff/show.html", event=event, confirmed=confirmed, waiting=waiting,
                           cancelled=cancelled, sheets=sheets, requests=requests, form=ConfirmForm())


@bp.post("/staff/events/<int:event_id>/attendance/<int:day_number>")
@staff_required()
def mark_attendance(event_id: int, day_number: int):
    db = get_db()
    event = access.get_event_for(db, current_user, event_id)
    day = next((d for d in event.days if d.day_number == day_number), None)
    if day is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        attended = {i for i in map(record_id, request.form.getlist("attended")) if i is not None}
        try:
            result = attendance.mark_attendance(db, current_user, event, day, attended, now=utcnow())
        except DomainError as error:
            db.rollback()
            flash(error.message, "info")
            return redirect(url_for("events_staff.show", event_id=event.id), 303)
        db.commit()
        message = f"Attendance saved for day {day_number}: {result.attended} attended, {result.absent} did not"
        if result.completed:
            message += f". {len(result.completed)} household{'s' if len(result.completed) != 1 else ''} completed the course"
        flash(message, "success")
    return redirect(url_for("events_staff.show", event_id=event.id, _anchor=f"day-{day_number}"), 303)


@bp.get("/staff/events/<int:event_id>/roster.csv")
@staff_required()
def roster_csv(event_id: int):
    db = get_db()
    event = access.get_event_for(db, current_user, event_id)
    text = event_exports.roster_csv(db, current_user, event, now=utcnow())
    db.commit()
    return csv_download(text, event_exports.FILENAME)


@bp.route("/staff/events/<int:event_id>/cancel", methods=["GET", "POST"])
@staff_required()
def cancel(event_id: int):
    db = get_db()
    event = access.get_event_for(db, current_user, event_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return render_form("events_staff/cancel.html", form, event=event)
    try:
        told = event_admin.cancel_event(db, current_user, event, reason=form.reason.data, now=utcnow())
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid("events_staff/cancel.html", form=form, event=event)
    db.commit()
    flash(f"{event.title} is cancelled. We are emailing the {told} booking{'s' if told != 1 else ''} "
          "and calendars will show it cancelled.", "success")
    return redirect(url_for("events_staff.show", event_id=event.id), 303)


@bp.post("/staff/events/<int:event_id>/bookings/<int:booking_id>/cancel")
@staff_required()
def cancel_booking(event_id: int, booking_id: int):
    db = get_db()
    booking = access.get_booking_for(db, current_user, booking_id, event_id=event_id)
    access.get_event_for(db, current_user, event_id)  # the roster's own agency, not only the household's
    if ConfirmForm().validate_on_submit():
        try:
            promoted = bookings.cancel_by_staff(db, current_user, booking, now=utcnow())
        except DomainError as error:
            db.rollback()
            flash(error.message, "info")
            return redirect(url_for("events_staff.show", event_id=event_id), 303)
        db.commit()
        flash(f"Booking {booking.reference} is cancelled" +
              (f"; {len(promoted)} waiting booking{'s' if len(promoted) != 1 else ''} now ha{'ve' if len(promoted) != 1 else 's'} a place"
               if promoted else ""), "success")
    return redirect(url_for("events_staff.show", event_id=event_id), 303)


# Series ------------------------------------------------------------------------------------------

@bp.route("/staff/events/series/new", methods=["GET", "POST"])
@staff_required()
def create_series():
    db = get_db()
    form = SeriesForm()
    if not form.is_submitted():
        form.kind.data = EventKind.SUPPORT_GROUP.value
        form.audience.data = Audience.STAGE_2.value
    if not form.validate_on_submit():
        return render_form("events_staff/series_form.html", form)
    try:
        series = event_admin.create_series(
            db, current_user, _details(form), first_day=form.first_day.data, start=form.start_time.time,
            end=form.end_time.time, count=form.count.data, rule=form.rule.data,
            topics=(form.topics.data or "").splitlines(), now=utcnow(),
        )
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid("events_staff/series_form.html", form=form)
    db.commit()
    flash(f"{len(series.events)} meetings of {series.title} are on What's On", "success")
    return redirect(url_for("events_staff.series", series_id=series.id), 303)


@bp.get("/staff/events/series/<int:series_id>")
@staff_required()
def series(series_id: int):
    db = get_db()
    record = access.get_series_for(db, current_user, series_id)
    return render_template("events_staff/series.html", series=record, now=utcnow())


@bp.route("/staff/events/series/<int:series_id>/cancel", methods=["GET", "POST"])
@staff_required()
def cancel_series(series_id: int):
    db = get_db()
    record = access.get_series_for(db, current_user, series_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return render_form("events_staff/cancel.html", form, series=record, event=None)
    try:
        count = event_admin.cancel_series(db, current_user, record, reason=form.reason.data, now=utcnow())
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid("events_staff/cancel.html", form=form, series=record, event=None)
    db.commit()
    flash(f"{count} meeting{'s' if count != 1 else ''} of {record.title} cancelled; everyone booked is being told", "success")
    return redirect(url_for("events_staff.series", series_id=record.id), 303)
