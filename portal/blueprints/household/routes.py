from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portal.blueprints.household import bp
from portal.clock import today_in_london
from portal.db import get_db
from portal.services import access
from portal.services.progress import progress_for
from portal.web import applicant_required


@bp.get("/household")
@applicant_required
def home():
    db = get_db()
    household = access.get_household_for(db, current_user, current_user.household_id)
    progress = progress_for(db, household, today=today_in_london())
    return render_template("household/home.html", household=household, progress=progress)
