"""Guards on the test environment itself, so that CI cannot pass by testing less.

Under CI (CI=true) a PostgreSQL server that was asked for must answer, and Chromium must be
there for the browser tests: a missing tool fails the run rather than skipping tests.
"""
from __future__ import annotations

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests import support
from tests.browser.conftest import CHROMIUM


def test_the_requested_database_server_answers():
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return  # SQLite: nothing to reach
    url = make_url(base)
    assert url.get_backend_name() == "postgresql", f"TEST_DATABASE_URL must be a PostgreSQL URL, not {url.get_backend_name()}"
    engine = create_engine(url.set(database="postgres"), connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
    except Exception as error:  # any failure to connect is the finding
        raise AssertionError(
            f"TEST_DATABASE_URL is set but the server at {url.host}:{url.port} does not answer "
            f"({type(error).__name__}). Start one with scripts/start-postgres.sh"
        ) from None
    finally:
        engine.dispose()
    assert int(version.split(".")[0]) >= 15, f"PostgreSQL {version} is older than the 15 the portal is built for"


def test_chromium_is_installed_for_the_browser_tests():
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        support.skip_unless_ci("Chromium is not installed (apt-get install -y chromium chromium-driver)")
    import playwright  # noqa: F401  (the browser tests need it as much as the browser)


def test_ci_runs_the_browser_tests(pytestconfig):
    """CI must not deselect the browser tests."""
    if not support.IN_CI:
        return
    markexpr = pytestconfig.getoption("markexpr") or ""
    assert "browser" not in markexpr, f"CI=true but the browser tests are deselected (-m {markexpr!r})"
