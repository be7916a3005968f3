from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal.blueprints.accounts.forms import EmptyForm
from portal.blueprints.triage import bp
from portal.blueprints.triage.forms import (
    AssignForm, BulkForm, DecisionForm, FilterForm, NoteForm, StatusForm, TransferForm, VisitBookForm, VisitOfferForm,
    VisitOutcomeForm,
)
from portal.clock import NonexistentLocalTime, london_to_utc, today_in_london, utcnow
from portal.db import get_db
from portal.models import Agency, CloseReason, EnquiryStatus, RegistrationOfInterest, StaffRole, User
from portal.services import access, audit, enquiries, roi, triage
from portal.services.errors import DomainError
from portal.web import csv_download, page_arg, record_id, show_domain_error, staff_required


def _page() -> int:
    return page_arg()


def _staff_choices(people, empty_label: str) -> list[SelectChoice]:
    return [SelectChoice("", empty_label)] + [SelectChoice(str(p.id), p.full_name) for p in people]


# The queue -------------------------------------------------------------------------------------

def _filters(db) -> tuple[FilterForm, triage.Filters, list[User]]:
    form = FilterForm(request.args)
    agencies = db.scalars(access.agencies_for(current_user)).all()
    staff = db.scalars(access.staff_for(current_user)).all()
    form.agency.choices = [SelectChoice("", "All agencies")] + [SelectChoice(str(a.id), a.short_name) for a in agencies]
    form.assigned.choices = ([SelectChoice("", "Anyone or no one"), SelectChoice("me", "Me"), SelectChoice("none", "No one yet")]
                             + [SelectChoice(str(p.id), p.full_name) for p in staff])
    form.validate()
    statuses = [EnquiryStatus(v) for v in (form.status.data or []) if v in {s.value for s in EnquiryStatus}]
    agency_id = record_id(form.agency.data)
    filters = triage.Filters(
        q=(form.q.data or "")[:100] if not form.q.errors else "", statuses=statuses, agency_id=agency_id,
        assigned=form.assigned.data or "", overdue=bool(form.overdue.data),
        sort=form.sort.data if form.sort.data in triage.SORTS else "due",
    )
    return form, filters, staff


def _render_queue(db, bulk_form: BulkForm, status: int = 200):
    form, filters, staff = _filters(db)
    page = triage.queue(db, current_user, filters, page=_page())
    summary = triage.clock_summary(db, current_user)
    bulk_form.assignee.choices = _staff_choices(staff, "Choose a person")
    audit.record(db, current_user, "viewed", ("Enquiry", None), agency_id=current_user.agency_id,
                 summary=f"Viewed the enquiries queue (page {page.page}, {page.total} matching)")
    db.commit()
    return render_template("triage/queue.html", form=form, bulk_form=bulk_form, filters=filters, listing=page,
                           summary=summary, args=filters.as_args()), status


@bp.get("/staff/enquiries")
@staff_required()
def queue():
    return _render_queue(get_db(), BulkForm(formdata=None))


@bp.post("/staff/enquiries/bulk")
@staff_required()
def bulk():
    db = get_db()
    form = BulkForm()
    form.assignee.choices = _staff_choices(db.scalars(access.staff_for(current_user)), "Choose a person")
    ids = [i for i in map(record_id, request.form.getlist("ids")) if i is not None]
    if not form.validate_on_submit() or not ids:
        if form.is_submitted() and not ids:
            form.form_errors.append("Select at least one enquiry")
        return _render_queue(db, form, 422)
    assignee = access.get_staff_member_for(db, current_user, form.assignee.data) if form.action.data == "assign" else None
    try:
        changed = triage.bulk(db, current_user, ids, form.action.data, assignee=assignee,
                              reason=CloseReason(form.reason.data) if form.reason.data else None)
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return _render_queue(db, form, 422)
    db.commit()
    flash(f"{changed} enquir{'y' if changed == 1 else 'ies'} updated", "success")
    return redirect(url_for("triage.queue", **request.args.to_dict(flat=False)), 303)


@bp.get("/staff/enquiries/export.csv")
@staff_required()
def export():
    db = get_db()
    _form, filters, _staff = _filters(db)
    body = triage.export_csv(db, current_user, filters)
    db.commit()
    return csv_download(body, triage.EXPORT_FILENAME)


# One enquiry -------------------------------------------------------------------------------------

def _record_forms(db, enquiry, **overrides) -> dict:
    assign_form = overrides.get("assign_form") or AssignForm(formdata=None, assignee=str(enquiry.assigned_to_id or ""))
    assign_form.assignee.choices = _staff_choices(enquiries.assignable_staff(db, enquiry), "No one")
    return {"assign_form": assign_form, "note_form": overrides.get("note_form") or NoteForm(formdata=None)}


def _render_record(db, enquiry, status: int = 200, **overrides):
    today = today_in_london(utcnow())
    registration = None
    if enquiry.household_id is not None:
        registration = db.scalars(access.registrations_for(current_user)
                                  .where(RegistrationOfInterest.household_id == enquiry.household_id)).first()
    audit.record(db, current_user, "viewed", enquiry, summary="Viewed enquiry")
    context = dict(
        enquiry=enquiry, clock=enquiries.clock_for(enquiry, today), timeline=enquiries.timeline(db, enquiry),
        duplicates=enquiries.duplicates_of(db, current_user, enquiry),
        registration=registration, **_record_forms(db, enquiry, **overrides),
    )
    db.commit()
    return render_template("triage/show.html", has_errors=status == 422, **context), status


@bp.get("/staff/enquiries/<int:enquiry_id>")
@staff_required()
def show(enquiry_id: int):
    db = get_db()
    return _render_record(db, access.get_enquiry_for(db, current_user, enquiry_id))


@bp.post("/staff/enquiries/<int:enquiry_id>/assign")
@staff_required()
def assign(enquiry_id: int):
    db = get_db()
    enquiry = access.get_enquiry_for(db, current_user, enquiry_id)
    form = AssignForm()
    form.assignee.choices = _staff_choices(enquiries.assignable_staff(db, enquiry), "No one")
    if not form.validate_on_submit():
        return _render_record(db, enquiry, 422, assign_form=form)
    assignee = access.get_staff_member_for(db, current_user, form.assignee.data) if form.assignee.data else None
    try:
        enquiries.assign(db, current_user, enquiry, assignee)
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return _render_record(db, enquiry, 422, assign_form=form)
    db.commit()
    flash(f"Assigned to {assignee.full_name}" if assignee else "No longer assigned to anyone", "success")
    return redirect(url_for("triage.show", enquiry_id=enquiry.id), 303)


@bp.post("/staff/enquiries/<int:enquiry_id>/notes")
@staff_required()
def add_note(enquiry_id: int):
    db = get_db()
    enquiry = access.get_enquiry_for(db, current_user, enquiry_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_record(db, enquiry, 422, note_form=form)
    try:
        enquiries.add_note(db, current_user, enquiry, form.note.data)
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return _render_record(db, enquiry, 422, note_form=form)
    db.commit()
    flash("Note added", "success")
    return redirect(url_for("triage.show", enquiry_id=enquiry.id) + "#timeline", 303)


def _form_page(template: str, enquiry, form, status: int = 200, **context):
    if request.method == "GET":
        # The page shows the enquirer's name: it is a view of the enquiry, and audited as one.
        db = get_db()
        audit.record(db, current_user, "viewed", enquiry, summary=f"Viewed enquiry ({request.endpoint.split('.')[-1]})")
        db.commit()
    return render_template(template, enquiry=enquiry, form=form, **context), status


@bp.route("/staff/enquiries/<int:enquiry_id>/status", methods=["GET", "POST"])
@staff_required()
def change_status(enquiry_id: int):
    db = get_db()
    enquiry = access.get_enquiry_for(db, current_user, enquiry_id)
    form = StatusForm(data={"status": enquiry.status if enquiry.status in enquiries.MANUAL_STATUSES else None})
    if not form.validate_on_submit():
        return _form_page("triage/status.html", enquiry, form, 422 if form.is_submitted() else 200)
    try:
        enquiries.change_status(db, current_user, enquiry, form.status.data, reason=form.close_reason, note=form.note.data)
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return _form_page("triage/status.html", enquiry, form, 422)
    db.commit()
    flash(f"Status changed to {enquiry.status.label}", "success")
    return redirect(url_for("triage.show", enquiry_id=enquiry.id), 303)


@bp.route("/staff/enquiries/<int:enquiry_id>/transfer", methods=["GET", "POST"])
@staff_required()
def transfer(enquiry_id: int):
    db = get_db()
    enquiry = access.get_enquiry_for(db, current_user, enquiry_id)
    form = TransferForm()
    agencies = db.scalars(select(Agency).where(Agency.id != enquiry.agency_id).order_by(Agency.is_hub.desc(), Agency.name)).all()
    form.agency.choices = [SelectChoice("", "Choose an agency")] + [SelectChoice(str(a.id), a.name) for a in agencies]
    if not form.validate_on_submit():
        return _form_page("triage/transfer.html", enquiry, form, 422 if form.is_submitted() else 200)
    to_agency = db.get(Agency, int(form.agency.data))
    if to_agency is None:
        form.agency.errors = ["Choose the agency to transfer it to"]
        return _form_page("triage/transfer.html", enquiry, form, 422)
    try:
        enquiries.transfer(db, current_user, enquiry, to_agency, form.reason.data)
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return _form_page("triage/transfer.html", enquiry, form, 422)
    db.commit()
    flash(f"Enquiry {enquiry.reference} transferred to {to_agency.name}", "success")
    # It may now be out of this member of staff's sight: back to the queue.
    if enquiry.agency_id == current_user.agency_id or current_user.is_hub:
        return redirect(url_for("triage.show", enquiry_id=enquiry.id), 303)
    return redirect(url_for("triage.queue"), 303)


# The initial visit ----------------------------------------------------------------------------------

def _visit_page(db, enquiry, status: int = 200, **forms):
    visit = enquiry.visit
    offer = forms.get("offer_form") or VisitOfferForm(formdata=None, offered_on=visit.offered_on if visit else None)
    book = forms.get("book_form") or VisitBookForm(formdata=None)
    workers = db.scalars(access.staff_for(current_user).where(User.agency_id == enquiry.agency_id)).all()
    book.social_worker.choices = _staff_choices([w for w in workers if w.role == StaffRole.SOCIAL_WORKER] or workers,
                                               "Not decided yet")
    outcome = forms.get("outcome_form") or VisitOutcomeForm(formdata=None)
    audit.record(db, current_user, "viewed", enquiry, summary="Viewed enquiry (initial visit)")
    db.commit()
    return render_template("triage/visit.html", has_errors=status == 422, enquiry=enquiry, visit=visit, offer_form=offer, book_form=book,
                           outcome_form=outcome, clock=enquiries.clock_for(enquiry, today_in_london(utcnow()))), status


@bp.get("/staff/enquiries/<int:enquiry_id>/visit")
@staff_required()
def visit(enquiry_id: int):
    db = get_db()
    return _visit_page(db, access.get_enquiry_for(db, current_user, enquiry_id))


def _visit_action(enquiry_id: int, form_name: str, form, action, message: str):
    db = get_db()
    enquiry = access.get_enquiry_for(db, current_user, enquiry_id)
    if form_name == "book_form":
        workers = db.scalars(access.staff_for(current_user).where(User.agency_id == enquiry.agency_id)).all()
        form.social_worker.choices = _staff_choices(workers, "Not decided yet")
    if not form.validate_on_submit():
        return _visit_page(db, enquiry, 422, **{form_name: form})
    try:
        action(db, enquiry)
    except DomainError as error:
        db.rollback()
        show_domain_error(form, error)
        return _visit_page(db, enquiry, 422, **{form_name: form})
    db.commit()
    flash(message, "success")
    return redirect(url_for("triage.show", enquiry_id=enquiry.id), 303)


@bp.post("/staff/enquiries/<int:enquiry_id>/visit/offer")
@staff_required()
def visit_offer(enquiry_id: int):
    form = VisitOfferForm()
    return _visit_action(enquiry_id, "offer_form", form, lambda db, enquiry: enquiries.record_visit_offer(
        db, current_user, enquiry, offered_on=form.offered_on.data), "Initial visit offer recorded")


@bp.post("/staff/enquiries/<int:enquiry_id>/visit/book")
@staff_required()
def visit_book(enquiry_id: int):
    form = VisitBookForm()

    def book(db, enquiry):
        try:
            visit_at = london_to_utc(form.visit_on.data, form.time)
        except NonexistentLocalTime as error:
            raise DomainError(str(error), "visit_time") from None
        worker = access.get_staff_member_for(db, current_user, form.social_worker.data) if form.social_worker.data else None
        enquiries.book_visit(db, current_user, enquiry, visit_at=visit_at, method=form.method.data, social_worker=worker)

    return _visit_action(enquiry_id, "book_form", form, book, "Initial visit booked. We have emailed the enquirer the date")


@bp.post("/staff/enquiries/<int:enquiry_id>/visit/outcome")
@staff_required()
def visit_outcome(enquiry_id: int):
    form = VisitOutcomeForm()
    return _visit_action(enquiry_id, "outcome_form", form, lambda db, enquiry: enquiries.record_visit_outcome(
        db, current_user, enquiry, outcome=form.outcome.data, note=form.note.data), "Initial visit outcome recorded")


# Invitations ----------------------------------------------------------------------------------------

def _button_action(enquiry_id: int, action, message: str):
    db = get_db()
    enquiry = access.get_enquiry_for(db, current_user, enquiry_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        return redirect(url_for("triage.show", enquiry_id=enquiry.id), 303)
    try:
        action(db, enquiry)
    except DomainError as error:
        db.rollback()
        flash(error.message, "error")
        return redirect(url_for("triage.show", enquiry_id=enquiry.id), 303)
    db.commit()
    flash(message, "success")
    return redirect(url_for("triage.show", enquiry_id=enquiry.id), 303)


@bp.post("/staff/enquiries/<int:enquiry_id>/invite-to-register")
@staff_required()
def invite_roi(enquiry_id: int):
    return _button_action(enquiry_id, lambda db, enquiry: roi.send_invitation(db, current_user, enquiry),
                          "We have emailed them a link to register their interest")


@bp.post("/staff/enquiries/<int:enquiry_id>/invite-to-evening")
@staff_required()
def invite_evening(enquiry_id: int):
    return _button_action(enquiry_id, lambda db, enquiry: enquiries.invite_to_information_evening(db, current_user, enquiry),
                          "We have emailed them the next information evening with a link to book")


# Registrations of interest -----------------------------------------------------------------------

@bp.route("/staff/registrations/<int:roi_id>", methods=["GET", "POST"], endpoint="roi")
@staff_required()
def roi_decision(roi_id: int):
    db = get_db()
    registration = access.get_registration_for(db, current_user, roi_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            roi.decide(db, current_user, registration, accept=form.decision.data == "accept", reasons=form.reasons.data)
        except DomainError as error:
            db.rollback()
            show_domain_error(form, error)
        else:
            db.commit()
            flash("Decision recorded. We have emailed the household", "success")
            return redirect(url_for("triage.roi", roi_id=registration.id), 303)
    page = roi.decision_page(db, current_user, registration)
    db.commit()
    return render_template("triage/roi.html", page=page, form=form), 422 if form.is_submitted() else 200
