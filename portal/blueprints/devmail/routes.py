"""The development outbox: where no SMTP server is configured, read the emails the portal
would have sent. It does not exist in production or when real mail is configured."""
from __future__ import annotations

from flask import abort, current_app, make_response, render_template
from sqlalchemy import select

from portal.blueprints.devmail import bp
from portal.db import get_db
from portal.models import OutboxMessage


@bp.before_request
def _only_in_development():
    if not current_app.config["SHOW_DEV_OUTBOX"]:
        abort(404)


@bp.get("/dev/outbox")
def outbox():
    messages = get_db().scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(100)).all()
    return render_template("devmail/outbox.html", messages=messages)


@bp.get("/dev/outbox/<int:message_id>")
def message(message_id: int):
    row = get_db().get(OutboxMessage, message_id) or abort(404)
    return render_template("devmail/message.html", message=row)


@bp.get("/dev/outbox/<int:message_id>/html")
def message_html(message_id: int):
    row = get_db().get(OutboxMessage, message_id) or abort(404)
    response = make_response(row.body_html)
    # The email's own HTML, shown as a page of its own with nothing allowed to run.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
    return response
