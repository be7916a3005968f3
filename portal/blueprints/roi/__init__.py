from flask import Blueprint

bp = Blueprint("roi", __name__)

from portal.blueprints.roi import routes  # noqa: E402,F401
