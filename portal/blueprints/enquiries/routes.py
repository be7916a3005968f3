from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, redirect, render_template, session, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from portal.blueprints.enquiries import bp
from portal.blueprints.enquiries.forms import EnquiryForm, VisitRequestForm
from portal.clock import utcnow
from portal.db import get_db
from portal.extensions import limiter, submitted_email_key
from portal.models import Area, EnquiryTokenPurpose
from portal.services import enquiries
from portal.services.errors import DomainError
from portal.web import invalid, render_form, show_domain_error


def _ip_limit() -> str:
    return current_app.config.get("ENQUIRY_IP_LIMIT", "5 per hour")


def _address_limit() -> str:
    return current_app.config.get("ENQUIRY_ADDRESS_LIMIT", "3 per day")


def _accepted(response) -> bool:
    # Only sent enquiries count towards these limits: a form sent back with errors does not.
    return response.status_code == 303


def _form_keys() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="enquiry-form")


def _new_form_key() -> str:
    return _form_keys().dumps(secrets.token_urlsafe(24))


def _looks_automated(form: EnquiryForm, signed_at) -> bool:
    """The hidden box filled in, or the whole form completed faster than a person can."""
    minimum = timedelta(seconds=current_app.config.get("ENQUIRY_MIN_SECONDS", 2))
    return bool(form.nickname.data) or utcnow() - signed_at < minimum


@bp.route("/enquire", methods=["GET", "POST"])
@limiter.limit(_ip_limit, methods=["POST"], deduct_when=_accepted)
@limiter.limit(_address_limit, methods=["POST"], key_func=submitted_email_key, deduct_when=_accepted)
@limiter.limit("40 per hour", methods=["POST"])
def start():
    db = get_db()
    form = EnquiryForm()
    form.set_areas(db.scalars(select(Area).order_by(Area.name)))
    if not form.is_submitted() or not form.form_key.data:
        form.form_key.data = _new_form_key()
    if not form.validate_on_submit():
        return render_form("enquiries/start.html", form)
    try:
        nonce, signed_at = _form_keys().loads(form.form_key.data, return_timestamp=True)
    except BadSignature:
        form.form_key.data = _new_form_key()
        form.form_errors.append("Sorry, your enquiry could not be sent. Check your answers and send it again")
        return invalid("enquiries/start.html", form=form)
    if _looks_automated(form, signed_at):
        return redirect(url_for("enquiries.sent"), 303)  # nothing stored, nothing sent
    answers = enquiries.EnquiryAnswers(
        first_name=form.first_name.data, last_name=form.last_name.data, applying_as=form.applying_as.data,
        partner_first_name=form.partner_first_name.data, partner_last_name=form.partner_last_name.data,
        email=form.email.data, phone=form.phone.data, contact_method=form.contact_method.data,
        contact_time=form.contact_time.data, postcode=form.postcode.data, area_id=form.area_id,
        wants_hub=form.wants_hub, heard_from=form.heard_from.data, message=form.message.data,
    )
    try:
        enquiries.submit_enquiry(db, answers, submission_key=nonce)
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid("enquiries/start.html", form=form)
    db.commit()
    return redirect(url_for("enquiries.sent"), 303)


@bp.get("/enquire/sent")
def sent():
    return render_template("enquiries/sent.html")


@bp.get("/enquire/initial-visit/<token>")
def visit_link(token):
    # The token leaves the address bar (and logs, and Referer headers) at once.
    session["visit_token"] = token
    return redirect(url_for("enquiries.ask_for_visit"), 303)


@bp.route("/enquire/initial-visit", methods=["GET", "POST"])
def ask_for_visit():
    db = get_db()
    raw = session.get("visit_token")
    token = enquiries.peek_token(db, raw, EnquiryTokenPurpose.VISIT_REQUEST)
    if token is None or token.enquiry.is_closed:
        return render_template("enquiries/link_expired.html"), 400
    form = VisitRequestForm()
    if not form.validate_on_submit():
        return render_form("enquiries/visit_request.html", form, agency=token.enquiry.agency)
    try:
        enquiries.request_initial_visit(db, raw, method=form.method.data)
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid("enquiries/visit_request.html", form=form, agency=token.enquiry.agency)
    db.commit()
    session.pop("visit_token", None)
    return redirect(url_for("enquiries.visit_requested"), 303)


@bp.get("/enquire/initial-visit/requested")
def visit_requested():
    return render_template("enquiries/visit_requested.html")
