import logging

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.config import ConfigError
from portal.models import AuditEvent, User
from portal.services.audit import AuditIsAppendOnly
from tests.factories import PASSWORD, create_agency, create_household, create_staff
from tests.support import csrf_from, post_form, sign_in

PAGES = ["/", "/sign-in", "/register", "/privacy", "/no-such-page", "/static/govuk/portal.css"]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "charset=utf-8" in headers["Content-Type"]


def test_no_inline_script_in_pages(client):
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html and "<script type=\"module\" src=" in html
    assert " onload=" not in html and " style=" not in html


def test_signed_in_pages_are_not_cached(client, db):
    staff = create_staff(db)
    sign_in(client, staff.email, PASSWORD)
    assert client.get("/staff").headers["Cache-Control"] == "no-store"


def test_error_pages_are_friendly(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert client.post("/").status_code == 405


def test_an_unexpected_error_shows_the_500_page_without_a_trace(database_url):
    app = create_app({"PORTAL_ENV": "test", "DATABASE_URL": database_url})

    @app.get("/__boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/__boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "secret internals" not in html and "Traceback" not in html
    app.extensions["db"].engine.dispose()


def test_oversized_body_gets_413_page(client, db):
    create_agency(db, is_hub=True, slug="hub-413")
    token = csrf_from(client.get("/register").get_data(as_text=True))
    response = client.post("/register", data={"csrf_token": token, "first_name": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_nul_bytes_and_line_breaks_are_refused_by_the_field(client, db):
    create_agency(db, is_hub=True, slug="hub-nul")
    response = post_form(client, "/register", {
        "first_name": "Ann\x00e", "last_name": "Smith\r\nBcc: victim@example.com", "email": "ann@example.com",
        "password": "tangerine lantern orbit", "area": "-1", "applying": "alone"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "First name must not contain line breaks or control characters" in html
    assert "Last name must not contain line breaks or control characters" in html
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_long_input_gets_a_field_message(client, db):
    create_agency(db, is_hub=True, slug="hub-long")
    response = post_form(client, "/register", {
        "first_name": "A" * 10000, "last_name": "B", "email": "ann@example.com",
        "password": "tangerine lantern orbit", "area": "-1", "applying": "alone"})
    assert response.status_code == 422
    assert "First name must be 100 characters or fewer" in response.get_data(as_text=True)


def test_stored_text_is_escaped(client, db):
    household = create_household(db)
    applicant = household.applicants[0]
    applicant.first_name = '<script>alert(1)</script>'
    applicant.last_name = '"><svg onload=alert(1)>'
    db.flush()
    sign_in(client, applicant.email, PASSWORD)
    html = client.get("/household").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<svg onload" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_audit_rows_cannot_be_changed_or_deleted(db):
    row = AuditEvent(actor_label="x", action="viewed", object_type="Household", object_id=1)
    db.add(row)
    db.flush()
    row.action = "edited"
    with pytest.raises(AuditIsAppendOnly):
        db.flush()
    db.rollback()
    row = AuditEvent(actor_label="x", action="viewed", object_type="Household", object_id=1)
    db.add(row)
    db.flush()
    db.delete(row)
    with pytest.raises(AuditIsAppendOnly):
        db.flush()


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"PORTAL_ENV": "production", "DATABASE_URL": "sqlite://"})


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-test-secret-that-is-long-enough-to-use")
    app = create_app({"PORTAL_ENV": "production", "DATABASE_URL": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["SHOW_DEV_OUTBOX"] is False
    assert app.debug is False


def test_no_personal_data_or_tokens_in_logs(app, client, db, caplog):
    """Canaries: a name, an address, a password and an emailed token must never be logged."""
    import re

    from portal.models import OutboxMessage
    caplog.set_level(logging.DEBUG)
    create_agency(db, is_hub=True, slug="hub-log")
    post_form(client, "/register", {"first_name": "Canaryfirst", "last_name": "Canarylast", "email": "canary@example.com",
                                    "password": "canary password secret", "area": "-1", "applying": "alone"})
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "canary@example.com"))
    token = re.search(r"/verify/(\S+)", message.body_text).group(1)
    client.get(f"/verify/{token}")
    post_form(client, "/sign-in", {"email": "canary@example.com", "password": "canary password secret"})
    logging.getLogger("werkzeug").info('127.0.0.1 - - "GET /verify/%s HTTP/1.1" 200 - canary@example.com', token)
    text = "\n".join(record.getMessage() for record in caplog.records)
    for canary in ("Canaryfirst", "Canarylast", "canary@example.com", "canary password secret", token):
        assert canary not in text


def test_csrf_is_required_on_every_form_post(client, db):
    user = create_household(db).applicants[0]
    for path in ("/sign-in", "/register", "/forgot-password", "/verify", "/reset", "/invite"):
        assert client.post(path, data={"email": user.email, "password": PASSWORD}).status_code in (400,), path


def test_invalid_utf8_is_not_a_500(client, db):
    create_agency(db, is_hub=True, slug="hub-utf")
    token = csrf_from(client.get("/register").get_data(as_text=True))
    body = b"csrf_token=" + token.encode() + b"&first_name=%FF%FE%FA&last_name=Smith&email=a%40example.com"
    response = client.post("/register", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 422)
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_tracebacks_in_logs_carry_no_personal_data(caplog, db):
    """A database error's message quotes the statement's values; the log must not."""
    from sqlalchemy.exc import IntegrityError

    from tests.factories import create_household
    caplog.set_level(logging.DEBUG)
    household = create_household(db)
    taken = household.applicants[0].email
    clash = User(email=taken, first_name="Secretname", last_name="Person", kind=household.applicants[0].kind,
                 household=household, password_hash="x")
    db.add(clash)
    try:
        with pytest.raises(IntegrityError) as raised:
            db.flush()
        logging.getLogger("portal.web").error("unhandled", exc_info=(raised.type, raised.value, raised.tb))
        health = "".join(["as", "thma"])  # built at run time: the source line itself is logged
        try:
            raise ValueError(f"bad address {taken} with health note: {health}")
        except ValueError:
            logging.getLogger("portal.web").exception("unhandled")
    finally:
        db.rollback()
    logged = "\n".join(caplog.text.splitlines())
    assert "IntegrityError" in logged and "ValueError" in logged
    for canary in (taken, "Secretname", "asthma"):
        assert canary not in logged


@pytest.mark.parametrize("path", [
    "/staff/households/99999999999999999999999", "/staff/households?page=1e20", "/staff/households?page=99999999999999999999",
    "/staff/audit?page=-1", "/dev/outbox/99999999999999999999999",
    "/staff/enquiries?assigned=99999999999999999999999&agency=99999999999999999999&page=1e20",
    "/staff/enquiries/99999999999999999999999", "/events/99999999999999999999999", "/events?page=99999999999999999999",
])
def test_absurd_ids_and_pages_are_not_errors(client, db, path):
    staff = create_staff(db, role=__import__("portal.models", fromlist=["StaffRole"]).StaffRole.TEAM_MANAGER)
    sign_in(client, staff.email, PASSWORD)
    assert client.get(path).status_code in (200, 404)


def test_record_id_parsing():
    from portal.web import record_id

    assert record_id("42") == 42
    for bad in ("", "0", "-1", "1e3", "99999999999999999999", "4 2", None):
        assert record_id(bad) is None
