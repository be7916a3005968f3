"""Test harness.

The real migrations run once per session against a fresh database: SQLite by default,
PostgreSQL when TEST_DATABASE_URL points at a server. Each test then runs inside a
transaction that is rolled back at the end; the app's sessions join it through savepoints,
so a route's ``commit()`` is real to the code under test and gone for the next test.
Tests that need real commits from several threads (concurrency, the live browser server)
use ``committed_app``, which gets a database of its own.
"""
from __future__ import annotations

import os
import socket
import threading
from email import message_from_bytes, policy

import pytest
from sqlalchemy.orm import Session, sessionmaker

from portal import create_app
from portal.extensions import limiter
from portal.migrate import upgrade
from tests import support
from tests.factories import PASSWORD  # noqa: F401  (re-exported for tests)


@pytest.fixture(scope="session")
def database_url():
    base = os.environ.get("TEST_DATABASE_URL")
    url = support.fresh_database(base or "sqlite://", "test")
    upgrade(url)
    yield url
    support.drop_database(url)


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app({
        "PORTAL_ENV": "test",
        "TESTING": True,
        "DATABASE_URL": database_url,
        "BASE_URL": "https://portal.example.org",
        "SERVER_NAME": None,
    })
    yield app
    app.extensions["db"].engine.dispose()


@pytest.fixture()
def connection(app):
    database = app.extensions["db"]
    conn = database.engine.connect()
    outer = conn.begin()
    original = database.sessionmaker
    database.sessionmaker = sessionmaker(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint")
    try:
        yield conn
    finally:
        database.sessionmaker = original
        if outer.is_active:
            outer.rollback()
        conn.close()


@pytest.fixture()
def db(app, connection) -> Session:
    """A session in the test's transaction.

    It deliberately pushes no app context: Flask reuses an active one for test-client
    requests, which would share ``g`` (the signed-in user, the CSRF token) between them.
    Tests that call a service needing one (to render an email) wrap the call in
    ``with app.app_context():``.
    """
    session = app.extensions["db"].session()
    yield session
    session.close()


@pytest.fixture()
def client(app, connection):
    limiter.reset()
    # Not ``with app.test_client()``: that keeps the last request's context pushed, and a
    # second client in the same test would then share its ``g``.
    return app.test_client()


@pytest.fixture()
def committed_app(request):
    """An app on a database of its own where commits are real: for threads and browsers."""
    base = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    url = support.fresh_database(base, "live")
    upgrade(url)
    overrides = {"PORTAL_ENV": "test", "TESTING": True, "DATABASE_URL": url, "BASE_URL": "http://127.0.0.1"}
    overrides.update(getattr(request, "param", {}) or {})
    live = create_app(overrides)
    yield live
    live.extensions["db"].engine.dispose()
    support.drop_database(url)


@pytest.fixture()
def enquiry_form_at_machine_speed(app):
    """For tests that post the enquiry form straight after fetching it: switch off the
    'faster than a person' bot check, except where a test turns it back on."""
    before = app.config.get("ENQUIRY_MIN_SECONDS")
    app.config["ENQUIRY_MIN_SECONDS"] = 0
    yield
    if before is None:
        app.config.pop("ENQUIRY_MIN_SECONDS", None)
    else:
        app.config["ENQUIRY_MIN_SECONDS"] = before


# Email ----------------------------------------------------------------------------------

class _Collector:
    def __init__(self):
        self.messages = []
        self.envelopes = []
        self.fail_next = 0

    async def handle_DATA(self, server, session, envelope):
        if self.fail_next:
            self.fail_next -= 1
            return "451 Try again later"
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def smtp_server():
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""
    from aiosmtpd.controller import Controller

    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    collector.port = controller.port
    try:
        yield collector
    finally:
        controller.stop()


@pytest.fixture()
def mail_config(app, smtp_server):
    config = dict(app.config)
    config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False, MAIL_USE_SSL=False,
                  MAIL_USERNAME=None, MAIL_PASSWORD=None)
    return config

