"""The HTTP layer shared by every blueprint: sign-in, CSRF, rate limits, security headers,
error pages, template helpers and the decorators routes use to require a kind of user."""
from __future__ import annotations

import functools
import logging
import re
from datetime import datetime
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from portal import clock
from portal.db import get_db
from portal.extensions import csrf, limiter, login_manager
from portal.models import StaffRole
from portal.services import accounts, audit
from portal.services.access import RecordNotFound
from portal.services.errors import DomainError

log = logging.getLogger(__name__)

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to see this page"
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # our server-side sessions do this job
    login_manager.user_loader(_load_user)
    csrf.init_app(app)
    limiter.init_app(app)

    app.after_request(_security_headers)
    app.before_request(_touch_session)
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(RecordNotFound, _record_not_found)
    app.register_error_handler(Exception, _unexpected_error)

    app.jinja_env.filters["london_datetime"] = format_datetime
    app.jinja_env.filters["london_date"] = format_date
    app.jinja_env.filters["london_time"] = format_time
    app.jinja_env.filters["linkify"] = linkify
    from portal.services.training import course_title
    app.jinja_env.filters["course_title"] = course_title
    app.context_processor(_template_globals)
    from govuk_frontend_wtf.main import WTFormsHelpers
    WTFormsHelpers(app)


# Sign-in ---------------------------------------------------------------------------------

def _load_user(token: str):
    seen = session.get("seen")
    last_seen = datetime.fromisoformat(seen) if seen else None
    return accounts.load_session(get_db(), token, last_seen=last_seen, now=clock.utcnow())


def _touch_session():
    # The idle clock: the signed cookie carries when this browser was last seen.
    if request.endpoint and request.endpoint != "static" and "_user_id" in session:
        if current_user.is_authenticated:
            session["seen"] = clock.utcnow().isoformat()
        else:
            session.clear()


def staff_required(*roles: StaffRole):
    """Only staff (optionally only these roles) may use the view."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not current_user.is_staff or (roles and current_user.role not in roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def applicant_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not current_user.is_applicant:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def actor():
    """The signed-in user, or None for the public: what services are given."""
    return current_user if current_user.is_authenticated else None


MAX_ID = 2**63 - 1  # the largest id a database column can hold
MAX_PAGE = 10_000


class RecordIdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def record_id(raw) -> int | None:
    """A query-string or form value as a record id, or None if it cannot be one."""
    text = str(raw or "").strip()
    if not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def page_arg(name: str = "page") -> int:
    """The ?page= number: 1 for anything that is not a sensible page number."""
    text = request.args.get(name, "")
    if not text.isdigit() or len(text) > 5:
        return 1
    return min(max(1, int(text)), MAX_PAGE)


def safe_next(default_endpoint: str) -> str:
    """A local redirect target from ?next=, or the default: never another site."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc and "\\" not in target:
        return target
    return url_for(default_endpoint)


def show_domain_error(form, error: DomainError) -> None:
    """Put a service's refusal beside its field (or in the summary when it has none)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)
        g.form_level_errors = getattr(g, "form_level_errors", []) + [error.message]


def invalid(template: str, **context):
    """Re-render a form with its errors and the person's answers: 422, not a redirect."""
    context.setdefault("has_errors", True)  # "Error:" in the page title, whatever the form is called
    return render_template(template, **context), 422


def render_form(template: str, form, **context):
    """Show a form: 200 when first shown, 422 when sent back with errors (answers kept)."""
    return render_template(template, form=form, **context), (422 if form.is_submitted() else 200)


def csv_download(text: str, filename: str) -> Response:
    """A spreadsheet download. The byte-order mark tells Excel the file is UTF-8, so names
    such as Wiśniewski or Ó Súilleabháin open as written; the filename is ours, never the
    user's."""
    return Response("\ufeff" + text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# Responses -------------------------------------------------------------------------------

def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint != "static" and "Cache-Control" not in headers:
        # Pages hold personal data or a form token: nothing may keep a copy.
        headers["Cache-Control"] = "no-store"
    if response.mimetype and response.mimetype.startswith("text/") and "charset" not in (response.content_type or ""):
        response.content_type = f"{response.mimetype}; charset=utf-8"
    return response


ERROR_TITLES = {
    400: "Sorry, there is a problem with what was sent",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "Sorry, that did not work",
    413: "What you sent was too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}


def _error_page(error):
    code = error.code if isinstance(error, HTTPException) else 500
    return render_template("errors/error.html", code=code, title=ERROR_TITLES.get(code, "Sorry, there is a problem")), code


def _csrf_error(error):
    return render_template(
        "errors/error.html", code=400, title="Your form timed out",
        message="For your security, the form could not be sent. Go back, refresh the page and try again.",
    ), 400


def _record_not_found(error: RecordNotFound):
    if error.denied:
        # The request's own work is discarded; the refusal itself is kept.
        db_session = get_db()
        db_session.rollback()
        audit.record(
            db_session, actor(), "denied", (error.object_type, error.object_id),
            summary=f"Refused access to {error.object_type} {error.object_id} ({request.method} {request.url_rule})",
            household_id=error.household_id, agency_id=error.agency_id,
        )
        db_session.commit()
    return _error_page(error)


def _unexpected_error(error):
    if isinstance(error, HTTPException):
        return _error_page(error)
    # The type and where: never the request's data.
    log.exception("unhandled %s on %s %s", type(error).__name__, request.method, request.url_rule)
    return _error_page(error)


# Templates -------------------------------------------------------------------------------

def format_datetime(value: datetime | None) -> str:
    return clock.describe_datetime(value) if value is not None else ""


def format_date(value) -> str:
    return clock.describe_date(value) if value is not None else ""


def format_time(value: datetime | None) -> str:
    return clock.describe_time(value) if value is not None else ""


_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(text: str) -> Markup:
    """Plain text with its web addresses as links; everything else escaped."""
    out, last = [], 0
    for match in _URL.finditer(text or ""):
        out.append(escape(text[last:match.start()]))
        url = match.group(0)
        out.append(Markup('<a class="govuk-link" href="{0}">{0}</a>').format(url))
        last = match.end()
    out.append(escape((text or "")[last:]))
    return Markup("").join(out)


def _template_globals():
    return {
        "agency_name": current_app.config["AGENCY_NAME"],
        "show_dev_outbox": current_app.config["SHOW_DEV_OUTBOX"],
        "form_level_errors": getattr(g, "form_level_errors", []),
    }
