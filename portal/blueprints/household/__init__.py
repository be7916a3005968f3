from flask import Blueprint

bp = Blueprint("household", __name__)

from portal.blueprints.household import routes  # noqa: E402,F401
