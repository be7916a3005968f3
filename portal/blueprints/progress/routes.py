"""The household's own view of its journey: where it is, what is next and by when."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from portal.blueprints.accounts.forms import EmptyForm
from portal.blueprints.progress import bp
from portal.clock import today_in_london, utcnow
from portal.db import get_db
from portal.services import access
from portal.services import journey as journeys
from portal.services.errors import DomainError
from portal.services.progress import progress_for
from portal.web import applicant_required


def _training(db, household):
    """Bookings and what the household can book next (with a link to each), from the events feature."""
    from portal.services import events

    now = utcnow()
    bookable = []
    for event in events.upcoming_for_household(db, household, now=now):
        try:
            link = url_for("events.show", event_id=event.id)
        except BuildError:
            link = None
        bookable.append((event, link))
    # What is still to come: cancelled bookings and past events are not "booked".
    booked = [b for b in events.bookings_for_household(db, household) if b.is_active and b.event.ends_at > now]
    return booked, bookable


@bp.get("/progress")
@applicant_required
def show():
    db = get_db()
    household = access.get_household_for(db, current_user, current_user.household_id)
    progress = progress_for(db, household, today=today_in_london())
    bookings, bookable = _training(db, household)
    return render_template("progress/show.html", progress=progress, household=household, bookings=bookings,
                           bookable=bookable, today=today_in_london())


@bp.route("/progress/start-stage-2", methods=["GET", "POST"])
@applicant_required
def start_stage_2():
    db = get_db()
    household = access.get_household_for(db, current_user, current_user.household_id)
    journey = journeys.current_journey(db, household)
    form = EmptyForm()
    if not form.validate_on_submit():
        progress = progress_for(db, household, today=today_in_london())
        return render_template("progress/start_stage_2.html", form=form, progress=progress, journey=journey)
    try:
        if journey is None:
            raise DomainError("Stage 2 cannot start before the Stage 1 decision is recorded")
        journeys.give_notice(db, current_user, journey, on=today_in_london(), now=utcnow())
    except DomainError as error:
        db.rollback()
        flash(error.message, "info")
        return redirect(url_for("progress.show"), 303)
    db.commit()
    flash("Thank you: your Stage 2 has started. Your social worker will be in touch.", "success")
    return redirect(url_for("progress.show"), 303)
