from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from portal.blueprints.accounts import bp
from portal.blueprints.accounts.forms import (
    AddPartnerForm, ChangePasswordForm, EmptyForm, ForgotPasswordForm, NewPasswordForm, RegisterForm, SignInForm,
)
from portal.clock import utcnow
from portal.db import get_db
from portal.extensions import limiter, submitted_email_key
from portal.models import Area, TokenPurpose
from portal.services import accounts
from portal.services.errors import DomainError
from portal.web import applicant_required, invalid, render_form, safe_next, show_domain_error


def _login_limit():
    return current_app.config["LOGIN_LIMIT"]


def _failed(response):
    # Only failed attempts count towards the limit; a successful sign-in redirects.
    return response.status_code != 303


def _home_for(user) -> str:
    return url_for("staff.home") if user.is_staff else url_for("household.home")


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], key_func=submitted_email_key, deduct_when=_failed)
def sign_in():
    form = SignInForm()
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_home_for(current_user))
    if not form.validate_on_submit():
        return render_form("accounts/sign_in.html", form)
    db = get_db()
    try:
        user = accounts.authenticate(db, form.email.data, form.password.data)
    except DomainError as error:
        db.commit()  # a fresh verification email may have been queued
        show_domain_error(form, error)
        form.password.data = ""
        return invalid("accounts/sign_in.html", form=form)
    token = accounts.start_session(db, user, now=utcnow())
    db.commit()
    session.clear()  # a new session at sign-in: nothing carried over from before
    login_user(user)
    session["seen"] = utcnow().isoformat()
    return redirect(safe_next("staff.home" if user.is_staff else "household.home"), 303)


@bp.post("/sign-out")
@login_required
def sign_out():
    form = EmptyForm()
    if form.validate_on_submit():
        db = get_db()
        accounts.end_session(db, current_user.get_id())
        db.commit()
    logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect(url_for("accounts.sign_in"), 303)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register():
    db = get_db()
    form = RegisterForm()
    form.area.choices = [(0, "Select where you live")] + [
        (area.id, area.name) for area in db.scalars(select(Area).order_by(Area.name))
    ] + [(-1, "Somewhere else, or I'm not sure")]
    if not form.validate_on_submit() or form.area.data == 0:
        if form.is_submitted() and form.area.data == 0:
            form.area.errors = list(form.area.errors) + ["Select where you live"]
        return render_form("accounts/register.html", form)
    partner = None
    if form.applying.data == "couple":
        partner = accounts.Applicant(form.partner_first_name.data, form.partner_last_name.data, form.partner_email.data)
    try:
        accounts.register_household(
            db, accounts.Applicant(form.first_name.data, form.last_name.data, form.email.data), form.password.data,
            area_id=form.area.data if form.area.data > 0 else None, partner=partner,
        )
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid("accounts/register.html", form=form)
    db.commit()
    return redirect(url_for("accounts.check_email"), 303)


@bp.get("/register/check-your-email")
def check_email():
    return render_template("accounts/check_email.html")


@bp.get("/verify/<token>")
def verify_email(token):
    # The token moves into the session and out of the address bar (and out of logs and
    # Referer headers) before anything else happens.
    session["verify_token"] = token
    return redirect(url_for("accounts.confirm_email"), 303)


@bp.route("/verify", methods=["GET", "POST"])
def confirm_email():
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        db = get_db()
        try:
            accounts.verify_email(db, session.pop("verify_token", ""))
        except DomainError as error:
            return render_template("accounts/link_expired.html", message=error.message), 400
        db.commit()
        flash("Your email address is confirmed. You can now sign in.", "success")
        return redirect(url_for("accounts.sign_in"), 303)
    if not session.get("verify_token"):
        return render_template("accounts/link_expired.html"), 400
    # Confirming is a button, not the link itself: mail scanners follow links.
    return render_template("accounts/confirm_email.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@limiter.limit("5 per hour", methods=["POST"], key_func=submitted_email_key)
def forgot_password():
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_form("accounts/forgot_password.html", form)
    db = get_db()
    accounts.request_password_reset(db, form.email.data)
    db.commit()
    return redirect(url_for("accounts.reset_sent"), 303)


@bp.get("/forgot-password/sent")
def reset_sent():
    return render_template("accounts/reset_sent.html")


@bp.get("/reset/<token>")
def reset_password(token):
    session["reset_token"] = token
    return redirect(url_for("accounts.choose_password"), 303)


@bp.route("/reset", methods=["GET", "POST"])
def choose_password():
    db = get_db()
    raw = session.get("reset_token", "")
    if accounts.peek_token(db, raw, TokenPurpose.RESET_PASSWORD) is None:
        return render_template("accounts/link_expired.html"), 400
    form = NewPasswordForm()
    if not form.validate_on_submit():
        return render_form("accounts/new_password.html", form, title="Choose a new password")
    try:
        accounts.reset_password(db, raw, form.password.data)
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid("accounts/new_password.html", form=form, title="Choose a new password")
    db.commit()
    session.clear()
    flash("Your password has been changed. Sign in with your new password.", "success")
    return redirect(url_for("accounts.sign_in"), 303)


@bp.get("/invite/<token>")
def accept_invite(token):
    session["invite_token"] = token
    return redirect(url_for("accounts.join_household"), 303)


@bp.route("/invite", methods=["GET", "POST"])
def join_household():
    db = get_db()
    raw = session.get("invite_token", "")
    user = accounts.peek_token(db, raw, TokenPurpose.INVITE)
    if user is None:
        return render_template("accounts/link_expired.html"), 400
    form = NewPasswordForm()
    title = f"Welcome, {user.first_name}: create your password"
    if not form.validate_on_submit():
        return render_form("accounts/new_password.html", form, title=title)
    try:
        accounts.accept_invite(db, raw, form.password.data)
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid("accounts/new_password.html", form=form, title=title)
    db.commit()
    session.pop("invite_token", None)
    flash("Your password is saved. Sign in to see your household's account.", "success")
    return redirect(url_for("accounts.sign_in"), 303)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return render_form("accounts/change_password.html", form)
    db = get_db()
    try:
        accounts.change_password(db, current_user, form.current_password.data, form.new_password.data, keep_session=current_user.get_id())
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid("accounts/change_password.html", form=form)
    db.commit()
    flash("Your password has been changed. You have been signed out everywhere else.", "success")
    return redirect(url_for("staff.home" if current_user.is_staff else "household.home"), 303)


@bp.route("/account/partner", methods=["GET", "POST"])
@applicant_required
def add_partner():
    form = AddPartnerForm()
    if not form.validate_on_submit():
        return render_form("accounts/add_partner.html", form)
    db = get_db()
    try:
        accounts.invite_partner(db, current_user, accounts.Applicant(form.first_name.data, form.last_name.data, form.email.data))
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid("accounts/add_partner.html", form=form)
    db.commit()
    flash("We have emailed them a link to create their password.", "success")
    return redirect(url_for("household.home"), 303)
