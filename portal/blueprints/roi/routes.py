from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.blueprints.roi import bp
from portal.blueprints.roi.forms import (
    AnyoneElseForm, AnyPreviousForm, BackgroundForm, ConfirmForm, ConsentForm, CreateAccountForm, DetailsForm, HomeForm,
    PersonForm, PreviousForm,
)
from portal.db import get_db
from portal.extensions import limiter
from portal.models import ApplyingAs
from portal.services import access, accounts, roi
from portal.services.errors import DomainError
from portal.web import applicant_required, invalid, render_form, show_domain_error

# The invitation's token leaves the address bar at once for a cookie of its own, sent only to
# these pages, so that it survives signing in (which starts a fresh session).
INVITE_COOKIE = "roi_invite"
COOKIE_PATH = "/register-interest"


def _raw_invite() -> str | None:
    return request.cookies.get(INVITE_COOKIE)


def _forget_invite(response):
    response.delete_cookie(INVITE_COOKIE, path=COOKIE_PATH, secure=current_app.config["SESSION_COOKIE_SECURE"],
                           httponly=True, samesite="Lax")
    return response


# The invitation ---------------------------------------------------------------------------------

@bp.get("/register-interest/invitation/<token>")
def invitation_link(token):
    response = redirect(url_for("roi.invitation"), 303)
    response.set_cookie(INVITE_COOKIE, token, max_age=roi.INVITATION_DAYS * 86400, path=COOKIE_PATH,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    return response


@bp.route("/register-interest/invitation", methods=["GET", "POST"])
def invitation():
    db = get_db()
    enquiry = roi.invitation(db, _raw_invite())
    if enquiry is None:
        return _forget_invite(current_app.make_response((render_template("roi/invitation_expired.html"), 400)))
    if current_user.is_authenticated and current_user.is_staff:
        abort(403)
    form = ConfirmForm()
    if current_user.is_authenticated and form.validate_on_submit():
        try:
            roi.accept_invitation(db, current_user, _raw_invite())
        except DomainError as error:
            db.rollback()
            return render_template("roi/invitation_expired.html", message=error.message), 400
        db.commit()
        flash("Your enquiry is now linked to your household's account", "success")
        return _forget_invite(redirect(url_for("roi.overview"), 303))
    return render_template("roi/invitation.html", form=form, agency=enquiry.agency)


@bp.route("/register-interest/create-account", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def create_account():
    db = get_db()
    raw = _raw_invite()
    enquiry = roi.invitation(db, raw)
    if enquiry is None:
        return _forget_invite(current_app.make_response((render_template("roi/invitation_expired.html"), 400)))
    if current_user.is_authenticated:
        return redirect(url_for("roi.invitation"), 303)
    data = None
    if request.method == "GET":
        data = {"first_name": enquiry.first_name, "last_name": enquiry.last_name, "email": enquiry.email,
                "applying": "couple" if enquiry.applying_as == ApplyingAs.COUPLE else None,
                "partner_first_name": enquiry.partner_first_name, "partner_last_name": enquiry.partner_last_name}
    form = CreateAccountForm(data=data)
    if not form.validate_on_submit():
        return render_form("roi/create_account.html", form, agency=enquiry.agency)
    partner = None
    if form.applying.data == "couple":
        partner = accounts.Applicant(form.partner_first_name.data, form.partner_last_name.data, form.partner_email.data)
    try:
        household = roi.register_from_invitation(
            db, raw, accounts.Applicant(form.first_name.data, form.last_name.data, form.email.data), form.password.data,
            partner=partner)
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid("roi/create_account.html", form=form, agency=enquiry.agency)
    db.commit()
    response = redirect(url_for("accounts.check_email"), 303)
    # An address that already had an account keeps the invitation for after signing in.
    return _forget_invite(response) if household is not None else response


# The household's pages ----------------------------------------------------------------------------

def _own():
    return access.own_registration(get_db(), current_user)


def _editable_or_redirect():
    registration = _own()
    if registration is None:
        return None, redirect(url_for("roi.overview"), 303)
    if not registration.is_editable:
        flash("Your registration of interest has been sent, so it can no longer be changed", "info")
        return None, redirect(url_for("roi.overview"), 303)
    return registration, None


@bp.get("/register-interest")
@applicant_required
def overview():
    db = get_db()
    registration = _own()
    household = access.get_household_for(db, current_user, current_user.household_id)
    context = {"registration": registration, "household": household, "form": ConfirmForm(formdata=None)}
    if registration is not None:
        context.update(sections=roi.sections(registration, current_user), missing=roi.missing(registration),
                       mine=registration.applicant_for(current_user.id))
    return render_template("roi/overview.html", **context)


@bp.post("/register-interest/start")
@applicant_required
def start():
    db = get_db()
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            roi.start(db, current_user)
        except DomainError as error:
            db.rollback()
            flash(error.message, "info")
            return redirect(url_for("roi.overview"), 303)
        db.commit()
    return redirect(url_for("roi.overview"), 303)


def _section(template: str, form_class, save, *, data=None, next_endpoint: str = "roi.overview", **context):
    """One page of the ROI: shown with the saved answers, saved only when all are valid.

    ``save`` may name another page to go to instead of saving (answering yes to "anyone
    else?" before adding anyone goes on to add the first person)."""
    registration, away = _editable_or_redirect()
    if away:
        return away
    db = get_db()
    # A change made from the check-your-answers page goes back there, not to the task list.
    checking = request.args.get("checking") == "1"
    context["form_args"] = {"checking": "1"} if checking else {}
    form = form_class(data=data(registration) if (data and request.method == "GET") else None)
    if not form.validate_on_submit():
        return render_form(template, form, registration=registration, **context)
    try:
        elsewhere = save(db, registration, form)
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid(template, form=form, registration=registration, **context)
    db.commit()
    return redirect(url_for(elsewhere or ("roi.check_answers" if checking else next_endpoint)), 303)


@bp.route("/register-interest/your-details", methods=["GET", "POST"])
@applicant_required
def details():
    def data(registration):
        part = registration.applicant_for(current_user.id)
        if part is None:
            return {"first_name": current_user.first_name, "last_name": current_user.last_name}
        return {"first_name": part.first_name, "last_name": part.last_name, "other_names": part.other_names,
                "date_of_birth": part.date_of_birth, "phone": part.phone, "occupation": part.occupation}

    def save(db, registration, form):
        roi.save_details(db, current_user, registration, roi.Details(
            first_name=form.first_name.data, last_name=form.last_name.data, other_names=form.other_names.data,
            date_of_birth=form.date_of_birth.data, phone=form.phone.data, occupation=form.occupation.data))

    return _section("roi/details.html", DetailsForm, save, data=data)


@bp.route("/register-interest/health-and-background", methods=["GET", "POST"])
@applicant_required
def background():
    def data(registration):
        part = registration.applicant_for(current_user.id)
        if part is None or part.background_completed_at is None:
            return {}
        return {"has_health_condition": "yes" if part.has_health_condition else "no", "health_details": part.health_details,
                "has_convictions": "yes" if part.has_convictions else "no", "convictions_details": part.convictions_details}

    def save(db, registration, form):
        roi.save_background(db, current_user, registration, roi.Background(
            has_health_condition=form.has_health_condition.data == "yes", health_details=form.health_details.data,
            has_convictions=form.has_convictions.data == "yes", convictions_details=form.convictions_details.data))

    return _section("roi/background.html", BackgroundForm, save, data=data)


@bp.route("/register-interest/consent", methods=["GET", "POST"])
@applicant_required
def consent():
    def data(registration):
        part = registration.applicant_for(current_user.id)
        return {"consents": bool(part and part.consents_to_checks), "declares": bool(part and part.declares_true)}

    def save(db, registration, form):
        roi.save_consent(db, current_user, registration, consents=form.consents.data, declares=form.declares.data)

    return _section("roi/consent.html", ConsentForm, save, data=data)


@bp.route("/register-interest/home", methods=["GET", "POST"])
@applicant_required
def home():
    def data(registration):
        return {"address_line_1": registration.address_line_1, "address_line_2": registration.address_line_2,
                "town": registration.town, "postcode": registration.postcode,
                "relationship_status": registration.relationship_status,
                "together_since_year": registration.together_since_year}

    def save(db, registration, form):
        roi.save_home(db, current_user, registration, roi.Home(
            address_line_1=form.address_line_1.data, address_line_2=form.address_line_2.data, town=form.town.data,
            postcode=form.postcode.data, relationship_status=form.relationship_status.data,
            together_since_year=form.together_since_year.data))

    registration = _own()
    return _section("roi/home.html", HomeForm, save, data=data,
                    couple=registration is not None and roi.is_couple(registration))


@bp.route("/register-interest/people", methods=["GET", "POST"])
@applicant_required
def people():
    def save(db, registration, form):
        if form.anyone_else.data == "yes" and not registration.people:
            return "roi.add_person"
        roi.complete_people(db, current_user, registration, anyone_else=form.anyone_else.data == "yes")
        return None

    def data(registration):
        if registration.people:
            return {"anyone_else": "yes"}
        return {"anyone_else": {True: "yes", False: "no"}.get(registration.has_other_people)}

    return _section("roi/people.html", AnyoneElseForm, save, data=data)


@bp.route("/register-interest/people/add", methods=["GET", "POST"])
@applicant_required
def add_person():
    def save(db, registration, form):
        roi.add_person(db, current_user, registration, kind=form.kind.data, full_name=form.full_name.data,
                       date_of_birth=form.date_of_birth.data, relationship_to_you=form.relationship_to_you.data)

    return _section("roi/person.html", PersonForm, save, next_endpoint="roi.people")


@bp.post("/register-interest/people/<int:person_id>/remove")
@login_required
def remove_person(person_id: int):
    person = access.get_roi_person_for(get_db(), current_user, person_id)
    return _remove(lambda db, registration: roi.remove_person(db, current_user, registration, person.id), "roi.people")


@bp.route("/register-interest/previous-applications", methods=["GET", "POST"])
@applicant_required
def previous():
    def save(db, registration, form):
        if form.any_previous.data == "yes" and not registration.previous_applications:
            return "roi.add_previous"
        roi.complete_previous(db, current_user, registration, any_previous=form.any_previous.data == "yes")
        return None

    def data(registration):
        if registration.previous_applications:
            return {"any_previous": "yes"}
        return {"any_previous": {True: "yes", False: "no"}.get(registration.has_previous_applications)}

    return _section("roi/previous.html", AnyPreviousForm, save, data=data)


@bp.route("/register-interest/previous-applications/add", methods=["GET", "POST"])
@applicant_required
def add_previous():
    def save(db, registration, form):
        roi.add_previous(db, current_user, registration, kind=form.kind.data, agency_name=form.agency_name.data,
                         year=form.year.data, outcome=form.outcome.data)

    return _section("roi/previous_add.html", PreviousForm, save, next_endpoint="roi.previous")


@bp.post("/register-interest/previous-applications/<int:previous_id>/remove")
@login_required
def remove_previous(previous_id: int):
    previous = access.get_roi_previous_for(get_db(), current_user, previous_id)
    return _remove(lambda db, registration: roi.remove_previous(db, current_user, registration, previous.id), "roi.previous")


def _remove(action, back: str):
    registration, away = _editable_or_redirect()
    if away:
        return away
    db = get_db()
    if ConfirmForm().validate_on_submit():
        try:
            action(db, registration)
        except DomainError:
            db.rollback()
            abort(404)
        db.commit()
        flash("Removed", "success")
    return redirect(url_for(back), 303)


@bp.route("/register-interest/check-your-answers", methods=["GET", "POST"])
@applicant_required
def check_answers():
    db = get_db()
    registration = _own()
    if registration is None:
        return redirect(url_for("roi.overview"), 303)
    form = ConfirmForm()
    context = {"registration": registration, "mine": registration.applicant_for(current_user.id),
               "sections": roi.sections(registration, current_user), "missing": roi.missing(registration)}
    if not registration.is_editable:
        return redirect(url_for("roi.overview"), 303)
    if not form.validate_on_submit():
        return render_template("roi/check_answers.html", form=form, **context), (422 if form.is_submitted() else 200)
    try:
        roi.submit(db, current_user, registration)
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return invalid("roi/check_answers.html", form=form, **context)
    db.commit()
    flash("Registration of interest sent. We have emailed you a confirmation", "success")
    return redirect(url_for("roi.overview"), 303)
