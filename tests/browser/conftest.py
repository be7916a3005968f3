"""Browser tests: the portal served for real, driven by Debian's Chromium through Playwright.

One live server for the whole run: a fresh migrated database of the run's kind (SQLite or
PostgreSQL), the demo partnership loaded, the app served by werkzeug in a thread with the
rate limits on, as in production. The development outbox is switched on so that the
walkthroughs can read the emails the portal sends.

Playwright never downloads a browser here: it launches /usr/bin/chromium.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from werkzeug.serving import WSGIRequestHandler, make_server

from portal import create_app, demo
from portal.db import write_lock
from portal.migrate import upgrade
from portal.models import OutboxMessage
from tests import support

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE = Path(__file__).with_name("axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
TIMEOUT_MS = 15_000
LINK_RE = re.compile(r"https?://\S+")


class _QuietHandler(WSGIRequestHandler):
    # Request lines carry emailed tokens (/verify/<token>): they stay out of the output.
    def log_request(self, *args, **kwargs):
        pass


@dataclass
class LiveServer:
    app: object
    url: str
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def session(self):
        """A session on the live database (use it in a ``with`` block)."""
        return self.app.extensions["db"].session()

    def emails_to(self, address: str) -> list[OutboxMessage]:
        with self.session() as session:
            return list(session.scalars(
                select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)
            ))

    def link_in(self, message: OutboxMessage) -> str:
        """The first link in an email that points into the portal."""
        for link in LINK_RE.findall(message.body_text):
            if link.startswith(self.url + "/") and link.rstrip("/") != self.url:
                return link
        raise AssertionError(f"no portal link in the email {message.subject!r}")

    def run(self, work):
        """Run ``work(session)`` in the app's context, commit, and return what it returns."""
        with self._lock, self.app.app_context(), write_lock():
            session = self.session()
            try:
                result = work(session)
                session.commit()
                return result
            finally:
                session.close()


@pytest.fixture(scope="session")
def live_server():
    base = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    url = support.fresh_database(base, "browser")
    upgrade(url)
    app = create_app({
        "PORTAL_ENV": "test",
        "DATABASE_URL": url,
        "SHOW_DEV_OUTBOX": True,
        "BASE_URL": "http://127.0.0.1",
    })
    with app.app_context(), write_lock():
        session = app.extensions["db"].session()
        demo.load(session)
        session.commit()
        session.close()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    live_url = f"http://127.0.0.1:{server.port}"
    # Links in emails must lead back to this server.
    app.config["BASE_URL"] = live_url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=live_url)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["db"].engine.dispose()
        support.drop_database(url)
        _remove_sqlite_directory(url)


def _remove_sqlite_directory(url: str) -> None:
    """support.fresh_database gives SQLite a temporary directory of its own: remove it."""
    database = make_url(url).database
    if make_url(url).get_backend_name() == "sqlite" and database:
        directory = Path(database).parent
        if directory.name.startswith("portal-browser-") and directory.parent == Path(tempfile.gettempdir()):
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless."""
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        support.skip_unless_ci("Chromium is not installed (apt-get install -y chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class BrowserProblems:
    """Script errors and Content Security Policy refusals seen by a browser context."""

    def __init__(self):
        self.seen: list[str] = []

    def watch(self, context) -> None:
        context.on("weberror", lambda error: self.seen.append(f"script error: {error.error}"))
        context.on("console", self._console)

    def _console(self, message) -> None:
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
            self.seen.append(f"console: {text}")


@pytest.fixture()
def new_browser_context(chromium, live_server):
    """Make browser contexts on the live server (closed after the test). Contexts check
    that no script fails and nothing breaks the Content Security Policy."""
    contexts = []
    problems = BrowserProblems()

    def make(**options):
        context = chromium.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        problems.watch(context)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not problems.seen, "\n".join(problems.seen)


def sign_in(page, email: str, password: str = demo.DEMO_PASSWORD) -> None:
    """Sign in through the real form, as a person would."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert "/sign-in" not in page.url, f"sign-in as {email} failed"


AXE_RUN = """
tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'], iframes: false}).then(result =>
  result.violations.map(violation => ({
    id: violation.id, impact: violation.impact, help: violation.help, helpUrl: violation.helpUrl,
    targets: violation.nodes.map(node => node.target.join(' ')),
  }))
)
"""


def run_axe(page) -> list[dict]:
    """Run axe-core on the page as it is now; return its violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(AXE_RUN, AXE_TAGS)


def describe_violations(where: str, violations: list[dict]) -> str:
    lines = [f"{where}: {len(violations)} axe-core violation(s)"]
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for target in violation["targets"][:10]:
            lines.append(f"      at {target}")
    return "\n".join(lines)
