from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.blueprints.events import bp
from portal.blueprints.events.forms import ConfirmForm, HouseholdBookingForm, PublicBookingForm
from portal.clock import today_in_london, utcnow
from portal.db import get_db
from portal.extensions import limiter
from portal.models import Agency, Area, Event, EventFormat, EventKind
from portal.services import access, attendance, bookings, calendars, events, whats_on_cache
from portal.services.errors import DomainError
from portal.web import actor, applicant_required, invalid, page_arg, render_form, show_domain_error


def _page() -> int:
    return page_arg()


def _household():
    user = actor()
    if user is None or not user.is_applicant:
        return None
    return access.get_household_for(get_db(), user, user.household_id)


def _event_url_maker():
    """Absolute event links for a feed, built once: a feed may hold hundreds of events."""
    marker = "2147483647"
    pattern = url_for("events.show", event_id=int(marker), _external=True)
    return lambda event: pattern.replace(marker, str(event.id))


def _calendar_response(version: calendars.FeedVersion, build, *, private: bool, filename: str | None = None):
    """A calendar, or 304 when the client's copy is current: the feed is built only if needed."""
    current = request.if_none_match.contains(version.etag) if request.if_none_match else (
        request.if_modified_since is not None and version.last_modified is not None
        and version.last_modified <= request.if_modified_since)
    response = Response(status=304) if current else Response(build(), mimetype="text/calendar")
    response.set_etag(version.etag)
    if version.last_modified is not None:
        response.last_modified = version.last_modified
    response.headers["Cache-Control"] = "private, no-cache" if private else "public, max-age=300"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _own_booking(event_id: int, booking_id: int):
    """A household's own booking from the address: 404 for anyone's it is not (staff of
    another agency included), and a household page even for staff who may see it."""
    booking = access.get_booking_for(get_db(), current_user, booking_id, event_id=event_id)
    if not current_user.is_applicant:
        abort(403)
    return booking


def _flash_cancellation_requested(booking, asked: bool) -> None:
    if asked:
        flash(f"We have asked {booking.event.agency.name} to cancel your booking. They will be in touch.", "success")
    else:
        flash(f"You have already asked {booking.event.agency.name} to cancel this booking. They will be in touch.", "info")


def _webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[-1]


# What's On ---------------------------------------------------------------------------------------

def _whats_on_pages() -> whats_on_cache.PageCache:
    return current_app.extensions.setdefault("whats_on_pages", whats_on_cache.PageCache())


@bp.get("/events")
@limiter.exempt  # a read-only listing with no limits of its own: skip the limiter's bookkeeping
def whats_on():
    now = utcnow()
    filters = events.Filters.parse(request.args, now=now)
    page = _page()
    if current_user.is_authenticated or session.get("_flashes"):
        return _draw_whats_on(get_db(), filters, page, now, household=_household())
    # The page holds absolute calendar links, so the host is part of what it shows.
    key = (request.host, tuple(sorted(filters.as_args().items())), page, today_in_london(now))
    return _whats_on_pages().serve(
        key, version=lambda: events.listing_version(get_db(), filters, now=now),
        draw=lambda: _draw_whats_on(get_db(), filters, page, now, household=None),
        recheck_seconds=current_app.config.get("WHATS_ON_RECHECK_SECONDS", 1.0),
    )


def _draw_whats_on(db, filters, page, now, *, household):
    listing = events.whats_on(db, filters, household=household, now=now, page=page)
    feed_url = url_for("events.feed", _external=True, **filters.as_args())
    return render_template(
        "events/whats_on.html", listing=listing, filters=filters, agencies=events.listed_agencies(db), kinds=list(EventKind),
        formats=list(EventFormat), months=events.months_ahead(now), feed_url=feed_url, webcal_url=_webcal(feed_url),
    )


@bp.get("/events/calendar.ics")
def feed():
    db = get_db()
    now = utcnow()
    filters = events.Filters.parse(request.args, now=now)
    query = events.filtered(select(Event), filters)
    label = "public:" + "&".join(f"{k}={v}" for k, v in sorted(filters.as_args().items()))
    version = calendars.events_feed_version(db, query, label=label, now=now)
    event_url = _event_url_maker()
    name = f"{current_app.config['AGENCY_NAME']}: what's on"

    def build():
        return calendars.calendar(calendars.events_feed_events(db, query, now=now), name=name, url_for=event_url,
                                  include_address=lambda e: not e.hides_address)
    return _calendar_response(version, build, private=False)


@bp.get("/events/agencies/<slug>/support-groups.ics")
def agency_feed(slug: str):
    db = get_db()
    now = utcnow()
    agency = db.scalar(select(Agency).where(Agency.slug == slug))
    if agency is None:
        raise access.RecordNotFound("Agency", slug)
    query = calendars.support_groups_query(agency.id)
    version = calendars.events_feed_version(db, query, label=f"groups:{agency.id}", now=now)
    event_url = _event_url_maker()

    def build():
        return calendars.calendar(calendars.events_feed_events(db, query, now=now), name=f"{agency.name}: support groups",
                                  url_for=event_url, include_address=lambda e: not e.hides_address)
    return _calendar_response(version, build, private=False)


# One event ----------------------------------------------------------------------------------------

@bp.get("/events/<int:event_id>")
def show(event_id: int):
    db = get_db()
    event = access.get_listed_event(db, event_id)
    page = events.event_page(db, event, actor(), _household(), now=utcnow())
    ics_url = url_for("events.download", event_id=event.id, _external=True)
    groups_feed = url_for("events.agency_feed", slug=event.agency.slug, _external=True) \
        if event.kind == EventKind.SUPPORT_GROUP else None
    return render_template("events/show.html", page=page, event=event, ics_url=ics_url,
                           feed_url=groups_feed or url_for("events.feed", _external=True),
                           webcal_url=_webcal(groups_feed or url_for("events.feed", _external=True)))


@bp.get("/events/<int:event_id>/event.ics")
def download(event_id: int):
    db = get_db()
    event = access.get_listed_event(db, event_id)
    household = _household()
    booking = events.booking_of(db, event, household)
    shows_address = events.shows_address_to(event, actor(), booking if booking and booking.is_active else None)
    version = calendars.version_of(f"event:{event.id}:{int(shows_address)}", 1, event.updated_at)
    url = url_for("events.show", event_id=event.id, _external=True)
    return _calendar_response(
        version, lambda: calendars.event_calendar(event, url=url, include_address=shows_address),
        private=household is not None, filename="event.ics",
    )


@bp.route("/events/<int:event_id>/book", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def book(event_id: int):
    db = get_db()
    now = utcnow()
    event = access.get_listed_event(db, event_id)
    household = _household()
    page = events.event_page(db, event, actor(), household, now=now)
    if page.booking is not None:
        flash(f"You have already booked {event.display_title}", "info")
        return redirect(url_for("events.my_bookings"), 303)
    if not page.eligibility.can_book:
        status = 422 if request.method == "POST" else 200
        return render_template("events/cannot_book.html", page=page, event=event), status
    if household is not None:
        return _book_for_household(db, event, household, now)
    return _book_without_account(db, event, now)


def _area_choices(db) -> list[tuple[int, str]]:
    return [(0, "Select where you live")] + [(a.id, a.name) for a in db.scalars(select(Area).order_by(Area.name))] + \
        [(-1, "Somewhere else, or I'm not sure")]


def _book_without_account(db, event, now):
    form = PublicBookingForm()
    form.area.choices = _area_choices(db)
    submitted = form.validate_on_submit()
    if form.is_submitted() and form.area.data == 0 and not form.area.errors:
        form.area.errors = list(form.area.errors) + ["Select where you live"]
        submitted = False
    if not submitted:
        return render_form("events/book_public.html", form, event=event)
    try:
        bookings.book_without_account(
            db, event, first_name=form.first_name.data, last_name=form.last_name.data, email=form.email.data,
            area_id=form.area.data if form.area.data > 0 else None, places=int(form.places.data), now=now,
        )
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid("events/book_public.html", form=form, event=event)
    db.commit()
    session["booked_email"] = form.email.data
    return redirect(url_for("events.booked", event_id=event.id), 303)


def _book_for_household(db, event, household, now):
    form = HouseholdBookingForm()
    form.applicants.choices = [(a.id, a.full_name) for a in household.applicants]
    if not form.is_submitted():
        form.applicants.data = [a.id for a in household.applicants]
    if not form.validate_on_submit():
        return render_form("events/book_household.html", form, event=event, household=household)
    try:
        result = bookings.book_for_household(db, current_user, event, household, applicant_ids=form.applicants.data,
                                             supporters=form.supporter_names(), now=now)
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid("events/book_household.html", form=form, event=event, household=household)
    db.commit()
    if not result.created:
        flash(f"You had already booked {event.display_title}: nothing has changed", "info")
    elif result.confirmed:
        flash(f"You are booked on {event.display_title}. We have emailed you the details.", "success")
    else:
        position = events.waiting_position(db, result.booking)
        flash(f"{event.display_title} is fully booked, so you are number {position} on the waiting list. "
              "We will email you if a place comes up.", "success")
    return redirect(url_for("events.my_bookings"), 303)


@bp.get("/events/<int:event_id>/booked")
def booked(event_id: int):
    event = access.get_listed_event(get_db(), event_id)
    return render_template("events/booked.html", event=event, email=session.get("booked_email"))


# A household's bookings -----------------------------------------------------------------------------

@bp.get("/events/bookings")
@applicant_required
def my_bookings():
    db = get_db()
    now = utcnow()
    household = access.get_household_for(db, current_user, current_user.household_id)
    mine = events.my_bookings(db, household, now=now)
    feed_url = url_for("events.household_feed", token=mine.feed.token, _external=True) if mine.feed else None
    return render_template("events/my_bookings.html", mine=mine, feed_url=feed_url,
                           webcal_url=_webcal(feed_url) if feed_url else None, form=ConfirmForm())


@bp.route("/events/<int:event_id>/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_booking(event_id: int, booking_id: int):
    db = get_db()
    now = utcnow()
    booking = _own_booking(event_id, booking_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            promoted = bookings.cancel_booking(db, current_user, booking, now=now)
        except DomainError as error:
            db.rollback()
            flash(error.message, "info")
            return redirect(url_for("events.my_bookings"), 303)
        db.commit()
        flash(f"Your booking for {booking.event.display_title} is cancelled"
              + (": your places have gone to people on the waiting list" if promoted else ""), "success")
        return redirect(url_for("events.my_bookings"), 303)
    return render_template("events/cancel.html", booking=booking, event=booking.event, form=form,
                           can_cancel=bookings.can_cancel_online(booking, now),
                           action=url_for("events.cancel_booking", event_id=event_id, booking_id=booking_id),
                           request_action=url_for("events.request_cancellation", event_id=event_id, booking_id=booking_id),
                           back_url=url_for("events.my_bookings"))


@bp.post("/events/<int:event_id>/bookings/<int:booking_id>/request-cancellation")
@login_required
def request_cancellation(event_id: int, booking_id: int):
    db = get_db()
    booking = _own_booking(event_id, booking_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            asked = bookings.request_cancellation(db, current_user, booking, now=utcnow())
        except DomainError as error:
            db.rollback()
            flash(error.message, "info")
            return redirect(url_for("events.my_bookings"), 303)
        db.commit()
        _flash_cancellation_requested(booking, asked)
    return redirect(url_for("events.my_bookings"), 303)


@bp.post("/events/<int:event_id>/bookings/<int:booking_id>/catch-up/<int:day_number>")
@login_required
def catch_up(event_id: int, booking_id: int, day_number: int):
    db = get_db()
    missed = _own_booking(event_id, booking_id)
    household = access.get_household_for(db, current_user, current_user.household_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            result = attendance.book_catch_up(db, current_user, household, missed, day_number, now=utcnow())
        except DomainError as error:
            db.rollback()
            flash(error.message, "info")
            return redirect(url_for("events.my_bookings"), 303)
        db.commit()
        if result.confirmed:
            flash(f"You are booked on day {day_number} of {result.booking.event.display_title}", "success")
        else:
            flash(f"Day {day_number} of the next course is full, so you are on its waiting list", "success")
    return redirect(url_for("events.my_bookings"), 303)


@bp.post("/events/bookings/calendar")
@applicant_required
def create_feed():
    db = get_db()
    household = access.get_household_for(db, current_user, current_user.household_id)
    if ConfirmForm().validate_on_submit():
        calendars.create_feed(db, current_user, household, now=utcnow())
        db.commit()
        flash("Your private calendar address is below. Subscribe to it in your calendar app.", "success")
    return redirect(url_for("events.my_bookings", _anchor="calendar"), 303)


@bp.post("/events/bookings/calendar/reset")
@applicant_required
def reset_feed():
    db = get_db()
    household = access.get_household_for(db, current_user, current_user.household_id)
    if ConfirmForm().validate_on_submit():
        calendars.reset_feed(db, current_user, household, now=utcnow())
        db.commit()
        flash("Your calendar has a new address. Subscribe to it again: the old one no longer works.", "success")
    return redirect(url_for("events.my_bookings"), 303)


@bp.get("/calendars/<token>.ics")
def household_feed(token: str):
    db = get_db()
    now = utcnow()
    feed = calendars.feed_by_token(db, token)
    if feed is None:
        raise access.RecordNotFound("CalendarFeed", None)
    version = calendars.household_feed_version(db, feed, now=now)
    event_url = _event_url_maker()

    def build():
        return calendars.calendar(calendars.household_feed_events(db, feed, now=now), name="Our adoption events",
                                  url_for=event_url, include_address=lambda e: True)
    return _calendar_response(version, build, private=True)


# Managing a booking made without an account ------------------------------------------------------

@bp.get("/bookings/manage/<token>")
def manage_link(token: str):
    # The token leaves the address bar (and logs and Referer headers) before anything else.
    session["booking_token"] = token
    return redirect(url_for("events.manage"), 303)


@bp.get("/bookings/manage")
def manage():
    db = get_db()
    now = utcnow()
    booking = access.get_booking_by_token(db, session.get("booking_token"))
    return render_template("events/manage.html", booking=booking, event=booking.event, form=ConfirmForm(),
                           can_cancel=bookings.can_cancel_online(booking, now),
                           position=events.waiting_position(db, booking) if booking.is_waiting else None,
                           shows_address=events.shows_address_to(booking.event, None, booking))


@bp.route("/bookings/manage/cancel", methods=["GET", "POST"])
def manage_cancel():
    db = get_db()
    now = utcnow()
    booking = access.get_booking_by_token(db, session.get("booking_token"))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            bookings.cancel_booking(db, None, booking, now=now)
        except DomainError as error:
            db.rollback()
            flash(error.message, "info")
            return redirect(url_for("events.manage"), 303)
        db.commit()
        flash(f"Your booking for {booking.event.display_title} is cancelled", "success")
        return redirect(url_for("events.manage"), 303)
    return render_template("events/cancel.html", booking=booking, event=booking.event, form=form,
                           can_cancel=bookings.can_cancel_online(booking, now), action=url_for("events.manage_cancel"),
                           request_action=url_for("events.manage_request_cancellation"), back_url=url_for("events.manage"))


@bp.post("/bookings/manage/request-cancellation")
def manage_request_cancellation():
    db = get_db()
    booking = access.get_booking_by_token(db, session.get("booking_token"))
    if ConfirmForm().validate_on_submit():
        try:
            asked = bookings.request_cancellation(db, None, booking, now=utcnow())
        except DomainError as error:
            db.rollback()
            flash(error.message, "info")
            return redirect(url_for("events.manage"), 303)
        db.commit()
        _flash_cancellation_requested(booking, asked)
    return redirect(url_for("events.manage"), 303)
