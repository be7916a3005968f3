from flask import Blueprint

bp = Blueprint("enquiries", __name__)

from portal.blueprints.enquiries import routes  # noqa: E402,F401
