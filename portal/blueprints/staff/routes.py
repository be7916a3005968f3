from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from portal.blueprints.staff import bp
from portal.db import get_db
from portal.models import Household, RegistrationOfInterest, StaffRole
from portal.services import access, audit, households
from portal.web import page_arg, staff_required

PAGE_SIZE = 50


def _page() -> int:
    return page_arg()


@bp.get("/staff")
@staff_required()
def home():
    db = get_db()
    summary = households.stage_summary(db, current_user)
    from portal.services import triage

    enquiry_clocks = triage.clock_summary(db, current_user)
    return render_template("staff/home.html", summary=summary, enquiry_clocks=enquiry_clocks)


@bp.get("/staff/households")
@staff_required()
def household_list():
    db = get_db()
    page = _page()
    listing = households.listing(db, current_user, page=page, page_size=PAGE_SIZE)
    return render_template("staff/households.html", listing=listing)


@bp.get("/staff/households/<int:household_id>")
@staff_required()
def household(household_id: int):
    db = get_db()
    record = access.get_household_for(db, current_user, household_id)
    audit.record(db, current_user, "viewed", record, summary="Viewed household record")
    trail = db.scalars(
        audit.events_for(current_user).where(audit.AuditEvent.household_id == record.id).limit(50)
    ).all()
    registration = db.scalars(access.registrations_for(current_user)
                              .where(RegistrationOfInterest.household_id == record.id)
                              .order_by(RegistrationOfInterest.id.desc())).first()
    db.commit()
    return render_template("staff/household.html", household=record, trail=trail, registration=registration)


@bp.get("/staff/audit")
@staff_required(StaffRole.TEAM_MANAGER, StaffRole.HUB_ADMIN)
def audit_log():
    db = get_db()
    page = _page()
    query = audit.events_for(current_user)
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    events = db.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template("staff/audit.html", events=events, page=page, total=total, page_size=PAGE_SIZE)
