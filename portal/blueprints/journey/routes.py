"""Staff pages for a household's journey: caseload, the manager's view, the journey record,
each step of Stage 1 and Stage 2, and the hub's closure days."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from portal.blueprints.journey import bp
from portal.blueprints.journey.forms import (
    AddAdultForm, AddCheckForm, AdmDecisionForm, AssignForm, CheckForm, ClosureDayForm, DateStepForm, ExtendStage1Form,
    FastTrackForm, NoteForm, NoticeForm, OverviewFilterForm, PanelOutcomeForm, PauseForm, ResumeForm, StartAgainForm,
    StartStage1Form, Stage1DecisionForm, VisitForm, WithdrawForm,
)
from portal.clock import today_in_london, utcnow
from portal.db import get_db
from portal.models import (
    AdmDecision, CheckKind, CheckOutcome, ClosureDay, FastTrackReason, HouseholdStage, PanelRecommendation, PauseReason, StaffRole,
    Stage1Decision, User,
)
from portal.services import access, audit
from portal.services import journey as journeys
from portal.services.errors import Conflict, DomainError, flush_or_conflict
from portal.web import render_form, show_domain_error, staff_required, page_arg

CASEWORK = journeys.CASEWORK_ROLES
DECIDERS = journeys.DECISION_ROLES
PAGE_SIZE = 50


def _page() -> int:
    return page_arg()


def _household(household_id: int):
    db = get_db()
    return db, access.get_household_for(db, current_user, household_id)


def _journey(db, household):
    journey = journeys.current_journey(db, household)
    if journey is None:
        abort(404)
    return journey


def _back(household) -> str:
    return url_for("journey.record", household_id=household.id)


def _submit(form, household, call, success: str, *, title: str, intro: str | None = None, template: str = "journey/form.html",
            **context):
    """Validate, call one service, commit and go back to the record; or show the form again."""
    context.update(household=household, title=title, intro=intro, back=_back(household))
    if not form.validate_on_submit():
        return render_form(template, form, **context)
    db = get_db()
    try:
        call(db)
        flush_or_conflict(db, journeys.CONFLICT_MESSAGE)  # a race the service did not flush itself
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        status = 409 if isinstance(error, Conflict) else 422
        return render_template(template, form=form, **context), status
    db.commit()
    flash(success, "success")
    return redirect(_back(household), 303)


# Lists -----------------------------------------------------------------------------------------

def _overview_page(*, mine: bool, template: str, endpoint: str):
    db = get_db()
    form = OverviewFilterForm(request.args)
    form.status.choices = [("", "Any status")] + list(journeys.LIST_STATUSES.items())
    form.stage.choices = [("", "Any stage")] + [(stage.value, stage.label) for stage in HouseholdStage]
    workers = db.scalars(access.staff_for(current_user).where(User.role == StaffRole.SOCIAL_WORKER)).all()
    form.social_worker.choices = [("", "Anyone")] + [(str(w.id), w.full_name) for w in workers]
    if mine:
        del form.social_worker
    # Not validated: a filter with an unknown value is simply ignored below.
    stage = HouseholdStage(form.stage.data) if form.stage.data in {s.value for s in HouseholdStage} else None
    worker_id = None
    if not mine and form.social_worker.data and form.social_worker.data.isdigit():
        worker_id = int(form.social_worker.data)
    status = form.status.data if form.status.data in journeys.LIST_STATUSES else None
    overview = journeys.overview(db, current_user, today=today_in_london(), status=status, stage=stage,
                                 social_worker_id=worker_id, mine=mine, page=_page(), page_size=PAGE_SIZE, now=utcnow())
    db.commit()
    filters = {key: value for key, value in request.args.items() if key in ("status", "stage", "social_worker") and value}
    return render_template(template, overview=overview, form=form, filters=filters, endpoint=endpoint)


@bp.get("/staff/caseload")
@staff_required()
def caseload():
    return _overview_page(mine=True, template="journey/caseload.html", endpoint="journey.caseload")


@bp.get("/staff/journeys")
@staff_required(StaffRole.TEAM_MANAGER)
def overview():
    return _overview_page(mine=False, template="journey/overview.html", endpoint="journey.overview")


# The record --------------------------------------------------------------------------------------

@bp.get("/staff/households/<int:household_id>/journey")
@staff_required()
def record(household_id: int):
    db, household = _household(household_id)
    audit.record(db, current_user, "viewed", household, summary="Viewed the household's journey record")
    data = journeys.record_for(db, household, today=today_in_london(), include_bookings=True)
    trail = db.scalars(audit.events_for(current_user).where(audit.AuditEvent.household_id == household.id).limit(100)).all()
    db.commit()
    return render_template(
        "journey/record.html", record=data, household=household, journey=data.journey, trail=trail,
        can_record=access.has_role(current_user, *CASEWORK), can_decide=access.has_role(current_user, *DECIDERS),
        date_steps=journeys.DATE_STEPS, today=today_in_london(),
    )


# Starting ----------------------------------------------------------------------------------------

@bp.route("/staff/households/<int:household_id>/journey/start", methods=["GET", "POST"])
@staff_required(*DECIDERS)
def start_stage_1(household_id: int):
    db, household = _household(household_id)
    form = StartStage1Form()
    return _submit(form, household,
                   lambda db: journeys.enter_stage_1(db, current_user, household, on=form.on.data, now=utcnow()),
                   "Stage 1 has started", title="Start Stage 1",
                   intro="Use this when the household's registration of interest has been accepted outside the portal.")


@bp.route("/staff/households/<int:household_id>/journey/fast-track", methods=["GET", "POST"])
@staff_required(*DECIDERS)
def fast_track(household_id: int):
    db, household = _household(household_id)
    form = FastTrackForm()
    return _submit(form, household,
                   lambda db: journeys.fast_track(db, current_user, household, on=form.on.data,
                                                  reason=FastTrackReason(form.reason.data), now=utcnow()),
                   "The household is fast tracked to Stage 2", title="Fast track to Stage 2",
                   intro="Previous adopters and approved foster carers can start their assessment at Stage 2.")


@bp.route("/staff/households/<int:household_id>/journey/start-again", methods=["GET", "POST"])
@staff_required(*DECIDERS)
def start_again(household_id: int):
    db, household = _household(household_id)
    journey = _journey(db, household)
    form = StartAgainForm(data={"version": journey.version})
    return _submit(form, household,
                   lambda db: journeys.start_again(db, current_user, household, journey, on=form.on.data,
                                                   expected_version=form.expected_version(), now=utcnow()),
                   "A new Stage 1 has started", title="Start again at Stage 1",
                   intro="The break lasted more than 6 months. The old assessment is kept on the record.")


# Steps ---------------------------------------------------------------------------------------------

@bp.route("/staff/households/<int:household_id>/journey/steps/<step>", methods=["GET", "POST"])
@staff_required(*CASEWORK)
def date_step(household_id: int, step: str):
    definition = journeys.DATE_STEPS.get(step)
    if definition is None:
        abort(404)
    db, household = _household(household_id)
    journey = _journey(db, household)
    form = DateStepForm(data={"on": getattr(journey, definition.attr), "version": journey.version})
    form.on.label.text = definition.question
    form.on.required_message = "Enter the date"
    return _submit(form, household,
                   lambda db: journeys.record_date_step(db, current_user, journey, step, on=form.on.data,
                                                        expected_version=form.expected_version(), now=utcnow()),
                   f"{definition.title}: saved", title=definition.title)


@bp.route("/staff/households/<int:household_id>/journey/extend-stage-1", methods=["GET", "POST"])
@staff_required(*DECIDERS)
def extend_stage_1(household_id: int):
    db, household = _household(household_id)
    journey = _journey(db, household)
    form = ExtendStage1Form(data={"version": journey.version})
    return _submit(form, household,
                   lambda db: journeys.extend_stage_1(db, current_user, journey, weeks=form.weeks.data, reason=form.reason.data,
                                                      expected_version=form.expected_version(), now=utcnow()),
                   "Stage 1 is extended", title="Extend Stage 1",
                   intro="Stage 1 may be extended for a legitimate reason, such as waiting for a check outside the agency's control.")


@bp.route("/staff/households/<int:household_id>/journey/stage-1-decision", methods=["GET", "POST"])
@staff_required(*DECIDERS)
def stage_1_decision(household_id: int):
    db, household = _household(household_id)
    journey = _journey(db, household)
    form = Stage1DecisionForm(data={"version": journey.version})
    return _submit(form, household,
                   lambda db: journeys.decide_stage_1(db, current_user, journey, decision=Stage1Decision(form.decision.data),
                                                      on=form.on.data, expected_version=form.expected_version(), now=utcnow()),
                   "The Stage 1 decision is recorded", title="Stage 1 decision",
                   intro="The decision is due within 5 working days of the end of Stage 1 meeting.")


@bp.route("/staff/households/<int:household_id>/journey/notice", methods=["GET", "POST"])
@staff_required(*CASEWORK)
def notice(household_id: int):
    db, household = _household(household_id)
    journey = _journey(db, household)
    form = NoticeForm(data={"version": journey.version})
    return _submit(form, household,
                   lambda db: journeys.give_notice(db, current_user, journey, on=form.on.data,
                                                   expected_version=form.expected_version(), now=utcnow()),
                   "Stage 2 has started", title="The household wants to start Stage 2",
                   intro="Households may take a break of up to 6 months after Stage 1. After that they must start again.")


@bp.route("/staff/households/<int:household_id>/journey/panel-outcome", methods=["GET", "POST"])
@staff_required(*CASEWORK)
def panel_outcome(household_id: int):
    db, household = _household(household_id)
    journey = _journey(db, household)
    form = PanelOutcomeForm(data={"version": journey.version})
    return _submit(form, household,
                   lambda db: journeys.record_panel_outcome(
                       db, current_user, journey, recommendation=PanelRecommendation(form.recommendation.data),
                       minutes_on=form.minutes_on.data, working_days=current_app.config.get("ADM_DECISION_WORKING_DAYS"),
                       expected_version=form.expected_version(), now=utcnow()),
                   "The panel's recommendation is recorded", title="Panel recommendation")


@bp.route("/staff/households/<int:household_id>/journey/agency-decision", methods=["GET", "POST"])
@staff_required(*DECIDERS)
def adm_decision(household_id: int):
    db, household = _household(household_id)
    journey = _journey(db, household)
    form = AdmDecisionForm(data={"version": journey.version})
    return _submit(form, household,
                   lambda db: journeys.decide_adm(db, current_user, journey, decision=AdmDecision(form.decision.data),
                                                  on=form.on.data, expected_version=form.expected_version(), now=utcnow()),
                   "The agency decision is recorded", title="Agency decision")


@bp.route("/staff/households/<int:household_id>/journey/pause", methods=["GET", "POST"])
@staff_required(*CASEWORK)
def pause(household_id: int):
    db, household = _household(household_id)
    journey = _journey(db, household)
    form = PauseForm(data={"version": journey.version})
    return _submit(form, household,
                   lambda db: journeys.pause(db, current_user, journey, on=form.on.data, reason=PauseReason(form.reason.data),
                                             note=form.note.data, expected_version=form.expected_version(), now=utcnow()),
                   "The assessment is paused", title="Pause the assessment",
                   intro="While it is paused the clocks stop: every due date moves on by the days paused.")


@bp.route("/staff/households/<int:household_id>/journey/resume", methods=["GET", "POST"])
@staff_required(*CASEWORK)
def resume(household_id: int):
    db, household = _household(household_id)
    journey = _journey(db, household)
    form = ResumeForm(data={"version": journey.version})
    return _submit(form, household,
                   lambda db: journeys.resume(db, current_user, journey, on=form.on.data,
                                              expected_version=form.expected_version(), now=utcnow()),
                   "The assessment has started again", title="Resume the assessment")


@bp.route("/staff/households/<int:household_id>/journey/withdraw", methods=["GET", "POST"])
@staff_required(*CASEWORK)
def withdraw(household_id: int):
    db, household = _household(household_id)
    journey = _journey(db, household)
    form = WithdrawForm(data={"version": journey.version})
    return _submit(form, household,
                   lambda db: journeys.withdraw(db, current_user, journey, on=form.on.data, reason=form.reason.data,
                                                expected_version=form.expected_version(), now=utcnow()),
                   "The withdrawal is recorded", title="The household has withdrawn")


@bp.route("/staff/households/<int:household_id>/journey/visits/new", methods=["GET", "POST"])
@staff_required(*CASEWORK)
def add_visit(household_id: int):
    db, household = _household(household_id)
    journey = _journey(db, household)
    form = VisitForm()
    return _submit(form, household,
                   lambda db: journeys.add_visit(db, current_user, journey, on=form.on.data, topic=form.topic.data, now=utcnow()),
                   "The home study visit is recorded", title="Record a home study visit")


# Social worker, checks, notes ---------------------------------------------------------------------------

@bp.route("/staff/households/<int:household_id>/social-worker", methods=["GET", "POST"])
@staff_required(*DECIDERS)
def assign(household_id: int):
    db, household = _household(household_id)
    form = AssignForm(data={"version": household.version, "social_worker": household.social_worker_id or 0})
    workers = db.scalars(access.staff_for(current_user).where(
        User.role == StaffRole.SOCIAL_WORKER, User.is_active.is_(True),
        User.agency_id == household.agency_id)).all()
    form.social_worker.choices = [(0, "Not allocated")] + [(w.id, w.full_name) for w in workers]
    return _submit(form, household,
                   lambda db: journeys.assign_social_worker(db, current_user, household,
                                                            social_worker_id=form.social_worker.data or None,
                                                            expected_version=form.expected_version(), now=utcnow()),
                   "The social worker is saved", title="Allocate a social worker")


@bp.route("/staff/households/<int:household_id>/checks/<int:check_id>", methods=["GET", "POST"])
@staff_required(*CASEWORK)
def check(household_id: int, check_id: int):
    db, household = _household(household_id)
    item = access.get_statutory_check_for(db, current_user, household, check_id)
    journey = _journey(db, household)
    form = CheckForm(data={"version": item.version, "requested_on": item.requested_on, "received_on": item.received_on,
                           "outcome": item.outcome.value, "detail": item.detail})
    if request.method == "GET":
        journeys.check_viewed(db, current_user, journey, item, now=utcnow())
        db.commit()
    return _submit(form, household,
                   lambda db: journeys.update_check(
                       db, current_user, journey, item, requested_on=form.requested_on.data, received_on=form.received_on.data,
                       outcome=CheckOutcome(form.outcome.data), detail=form.detail.data,
                       expected_version=form.expected_version(), now=utcnow()),
                   f"{item.kind.label} for {item.person_name}: saved", title=f"{item.kind.label}: {item.person_name}")


@bp.route("/staff/households/<int:household_id>/checks/new-adult", methods=["GET", "POST"])
@staff_required(*CASEWORK)
def add_adult(household_id: int):
    db, household = _household(household_id)
    journey = _journey(db, household)
    form = AddAdultForm()
    return _submit(form, household,
                   lambda db: journeys.add_checks(db, current_user, journey, person_name=form.person_name.data, now=utcnow()),
                   "Statutory checks added", title="Add checks for another adult")


@bp.route("/staff/households/<int:household_id>/checks/new", methods=["GET", "POST"])
@staff_required(*CASEWORK)
def add_check(household_id: int):
    db, household = _household(household_id)
    journey = _journey(db, household)
    form = AddCheckForm()
    people = list(dict.fromkeys(c.person_name for c in journey.checks))
    form.person_name.choices = [(name, name) for name in people]
    return _submit(form, household,
                   lambda db: journeys.add_checks(db, current_user, journey, person_name=form.person_name.data,
                                                  kind=CheckKind(form.kind.data), now=utcnow()),
                   "The check is added", title="Add a check", intro="For example, a fourth personal reference.")


@bp.route("/staff/households/<int:household_id>/notes/new", methods=["GET", "POST"])
@staff_required()
def add_note(household_id: int):
    db, household = _household(household_id)
    form = NoteForm()
    return _submit(form, household,
                   lambda db: journeys.add_note(db, current_user, household, body=form.body.data, now=utcnow()),
                   "The note is saved", title="Add a case note",
                   intro="Notes are for staff only: the household does not see them.")


# Closure days (hub administrators) -------------------------------------------------------------------

def _closure_agencies(db):
    return db.scalars(access.agencies_for(current_user)).all()


@bp.route("/staff/closure-days", methods=["GET", "POST"])
@staff_required(StaffRole.HUB_ADMIN)
def closure_days():
    db = get_db()
    if not current_user.is_hub:
        abort(403)
    form = ClosureDayForm()
    agencies = [a for a in _closure_agencies(db) if not a.is_hub]
    form.agency.choices = [(0, "Every partner agency (the whole region)")] + [(a.id, a.name) for a in agencies]
    days = db.scalars(access.closure_days_for(current_user).where(
        ClosureDay.closed_on >= today_in_london().replace(month=1, day=1))).all()
    names = {a.id: a.name for a in agencies}
    context = {"days": days, "agency_names": names}
    if not form.validate_on_submit():
        return render_form("journey/closure_days.html", form, **context)
    try:
        journeys.add_closure_day(db, current_user, on=form.on.data, agency_id=form.agency.data or None,
                                 reason=form.reason.data, now=utcnow())
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return render_template("journey/closure_days.html", form=form, **context), 422
    db.commit()
    flash("The closure day is added and due dates are updated", "success")
    return redirect(url_for("journey.closure_days"), 303)


@bp.post("/staff/closure-days/<int:closure_id>/delete")
@staff_required()  # anyone but a hub administrator gets the loader's 404, not a hint that it exists
def remove_closure_day(closure_id: int):
    from portal.blueprints.accounts.forms import EmptyForm

    db = get_db()
    day = access.get_closure_day_for(db, current_user, closure_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    journeys.remove_closure_day(db, current_user, day, now=utcnow())
    db.commit()
    flash("The closure day is removed and due dates are updated", "success")
    return redirect(url_for("journey.closure_days"), 303)
