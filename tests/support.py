"""Helpers shared by the tests: databases, CSRF tokens, sign-in, skipping rules."""
from __future__ import annotations

import os
import re
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_unless_ci(reason: str) -> None:
    """Skip on a laptop that lacks a tool; under CI a missing tool fails the run."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: nothing may be skipped)")
    pytest.skip(reason)


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_form(client, url: str, data: dict, *, page: str | None = None, **kwargs):
    """GET the form's page for a CSRF token, then POST like a browser would."""
    response = client.get(page or url)
    payload = {"csrf_token": csrf_from(response.get_data(as_text=True)), **data}
    return client.post(url, data=payload, **kwargs)


def sign_in(client, email: str, password: str):
    response = post_form(client, "/sign-in", {"email": email, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response


def fresh_database(base_url: str, label: str) -> str:
    """A new, empty database of the same kind as ``base_url``: a file for SQLite, a new
    database on the same server for PostgreSQL."""
    url = make_url(base_url)
    if url.get_backend_name() == "sqlite":
        import tempfile

        directory = tempfile.mkdtemp(prefix=f"portal-{label}-")
        return f"sqlite:///{directory}/portal.db"
    name = f"portal_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(url_string: str) -> None:
    url = make_url(url_string)
    if url.get_backend_name() == "sqlite":
        import shutil
        from pathlib import Path

        folder = Path(url.database).parent
        if folder.name.startswith("portal-"):  # made by fresh_database: nothing else lives there
            shutil.rmtree(folder, ignore_errors=True)
        return
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()
