from flask import Blueprint

bp = Blueprint("events_staff", __name__)

from portal.blueprints.events_staff import routes  # noqa: E402,F401
