from flask import Blueprint

bp = Blueprint("devmail", __name__)

from portal.blueprints.devmail import routes  # noqa: E402,F401
