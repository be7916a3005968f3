"""Events: What's On under load, simultaneous bookings, and a large calendar feed.

    .venv/bin/python -m benchmarks.events

1. What's On with a year of events (the demo programme) against a bare Flask + SQLAlchemy
   page that renders 20 rows of the same table with a file template, both under gunicorn
   (2 workers) and measured with wrk in the same run. Target: at least 0.7x the bare page.
2. 50 simultaneous bookings for 10 places: exactly 10 booked and 40 waiting; p95 latency.
3. A 500-event feed: how long it takes to build (target under 25 ms), and a conditional
   request answered 304.

Everything runs against a fresh SQLite file in a temporary folder; load goes only to
127.0.0.1 and each wrk run lasts a few seconds.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRK = shutil.which("wrk") or "/usr/bin/wrk"
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
TARGET_RATIO = 0.7
TARGET_FEED_MS = 25.0


# The apps gunicorn serves ------------------------------------------------------------------

def portal_app():
    from portal import create_app

    return create_app()


def bare_app():
    """The baseline: Flask, one SQLAlchemy query for 20 rows, a file template."""
    from flask import Flask, render_template
    from sqlalchemy import create_engine, text

    app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
    engine = create_engine(os.environ["DATABASE_URL"])

    @app.get("/")
    def index():
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT id, title, starts_at, capacity, booked FROM events ORDER BY starts_at LIMIT 20")).all()
        return render_template("events_bare.html", rows=rows)

    return app


# Helpers --------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, timeout: float = 20.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def _serve(target: str, env: dict) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = subprocess.Popen(
        [GUNICORN, "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", target],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    return process, f"http://127.0.0.1:{port}"


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def _wrk(url: str) -> float:
    subprocess.run([WRK, "-t2", "-c8", "-d1s", url], capture_output=True, check=True)  # warm up
    out = subprocess.run([WRK, "-t2", "-c8", f"-d{WRK_SECONDS}s", url], capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} error responses under load")
    return float(match.group(1))


# The benchmark -------------------------------------------------------------------------------

def _prepare(url: str):
    from portal import create_app, demo
    from portal.db import write_lock
    from portal.migrate import upgrade

    upgrade(url)
    app = create_app({"PORTAL_ENV": "test", "DATABASE_URL": url, "BASE_URL": "http://127.0.0.1"})
    with app.app_context(), write_lock(), app.extensions["db"].session() as session:
        demo.load(session)
        session.commit()
    return app


def bench_whats_on(env: dict) -> bool:
    portal, portal_url = _serve("benchmarks.events:portal_app()", env)
    bare, bare_url = _serve("benchmarks.events:bare_app()", env)
    try:
        _wait_for(portal_url + "/events")
        _wait_for(bare_url + "/")
        # Alternate the two, round after round: other load on the machine then falls on both.
        portal_runs, bare_runs = [], []
        for _ in range(ROUNDS):
            portal_runs.append(_wrk(portal_url + "/events"))
            bare_runs.append(_wrk(bare_url + "/"))
    finally:
        _stop(portal)
        _stop(bare)
    portal_rps, bare_rps = statistics.median(portal_runs), statistics.median(bare_runs)
    ratio = portal_rps / bare_rps
    print(f"What's On (a year of events): {portal_rps:,.0f} requests/s "
          f"(median of {ROUNDS} runs: {', '.join(f'{r:,.0f}' for r in portal_runs)})")
    print(f"Bare Flask + SQLAlchemy, 20 rows: {bare_rps:,.0f} requests/s "
          f"(median of {ROUNDS} runs: {', '.join(f'{r:,.0f}' for r in bare_runs)})")
    print(f"Ratio: {ratio:.2f} (target >= {TARGET_RATIO})")
    return ratio >= TARGET_RATIO


def bench_bookings(app, *, bookers: int = 50, places: int = 10) -> bool:
    from sqlalchemy import func, select

    from portal.clock import utcnow
    from portal.db import write_lock
    from portal.models import (
        Agency, Audience, Booking, BookingStatus, Event, EventDay, EventFormat, EventKind, Household, HouseholdStage, User,
        UserKind,
    )
    from portal.services import bookings

    with app.app_context(), app.extensions["db"].session() as session:
        agency = session.scalar(select(Agency).where(Agency.is_hub.is_(True)))
        now = utcnow()
        start = (now + timedelta(days=20)).replace(microsecond=0)
        event = Event(uid="bench-bookings@example.org", agency=agency, kind=EventKind.TRAINING, format=EventFormat.IN_PERSON,
                      audience=Audience.HOUSEHOLDS, title="Benchmark course", capacity=places, booked=0, venue_town="Northvale",
                      starts_at=start, ends_at=start + timedelta(hours=3), booking_closes_at=start - timedelta(hours=1),
                      cancellation_deadline_at=start - timedelta(days=2), created_at=now, updated_at=now,
                      days=[EventDay(day_number=1, starts_at=start, ends_at=start + timedelta(hours=3))])
        session.add(event)
        households = []
        for n in range(bookers):
            household = Household(agency=agency, reference=f"BENCH-{n:03d}", stage=HouseholdStage.STAGE_2)
            session.add(household)
            session.add(User(email=f"bench{n}@example.com", first_name="Bench", last_name=str(n), kind=UserKind.APPLICANT,
                             household=household))
            households.append(household)
        session.commit()
        event_id, household_ids = event.id, [h.id for h in households]

    barrier = threading.Barrier(bookers)
    latencies, errors = [], []

    def book(household_id):
        with app.app_context():
            session = app.extensions["db"].session()
            try:
                event = session.get(Event, event_id)
                household = session.get(Household, household_id)
                user = household.applicants[0]
                _ = event.agency, household.agency
                session.commit()
                barrier.wait(timeout=60)
                began = time.perf_counter()
                with write_lock():
                    bookings.book_for_household(session, user, event, household, applicant_ids=[user.id])
                    session.commit()
                latencies.append((time.perf_counter() - began) * 1000)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))
            finally:
                session.close()

    threads = [threading.Thread(target=book, args=(h,)) for h in household_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context(), app.extensions["db"].session() as session:
        counts = dict(session.execute(select(Booking.status, func.count()).where(Booking.event_id == event_id)
                                      .group_by(Booking.status)).all())
        booked = session.scalar(select(Event.booked).where(Event.id == event_id))
    confirmed, waiting = counts.get(BookingStatus.CONFIRMED, 0), counts.get(BookingStatus.WAITING, 0)
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) >= 2 else float("nan")
    print(f"{bookers} simultaneous bookings for {places} places: {confirmed} booked, {waiting} waiting, "
          f"places taken {booked}, errors {len(errors)}")
    print(f"Booking latency: median {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms")
    return confirmed == places and waiting == bookers - places and booked == places and not errors


def bench_feed(app, env: dict, *, size: int = 500) -> bool:
    from sqlalchemy import select

    from portal.clock import utcnow
    from portal.models import Agency, Audience, Event, EventDay, EventFormat, EventKind
    from portal.services import calendars

    with app.app_context(), app.extensions["db"].session() as session:
        agency = Agency(name="Benchmark agency", short_name="Bench", slug="bench")
        session.add(agency)
        now = utcnow()
        for n in range(size):
            start = (now + timedelta(days=1 + n % 360, hours=n % 9)).replace(microsecond=0)
            session.add(Event(
                uid=f"bench-{n}@example.org", agency=agency, kind=EventKind.SUPPORT_GROUP, format=EventFormat.IN_PERSON,
                audience=Audience.STAGE_2, title=f"Support group; meeting, number {n}", description="Tea, cake\nand talk",
                topic="Facing fears and phobias", capacity=20, booked=n % 21, venue_name="Hall", venue_address="1 Road",
                venue_town="Northvale", hides_address=n % 2 == 0, starts_at=start, ends_at=start + timedelta(hours=2),
                booking_closes_at=start - timedelta(hours=1), cancellation_deadline_at=start - timedelta(days=2),
                created_at=now, updated_at=now, days=[EventDay(day_number=1, starts_at=start, ends_at=start + timedelta(hours=2))],
            ))
        session.commit()
        query = calendars.support_groups_query(agency.id)
        events = calendars.events_feed_events(session, query, now=now)
        timings = []
        for _ in range(20):
            began = time.perf_counter()
            text = calendars.calendar(events, name="Benchmark", url_for=lambda e: f"https://example.org/events/{e.id}",
                                      include_address=lambda e: not e.hides_address)
            timings.append((time.perf_counter() - began) * 1000)
        with_query = []
        for _ in range(10):
            began = time.perf_counter()
            calendars.calendar(calendars.events_feed_events(session, query, now=now), name="Benchmark",
                               url_for=lambda e: f"https://example.org/events/{e.id}", include_address=lambda e: True)
            with_query.append((time.perf_counter() - began) * 1000)
        assert text.count("BEGIN:VEVENT") == size
    built_ms = statistics.median(timings)
    print(f"Feed of {size} events built in {built_ms:.1f} ms (median of 20; target < {TARGET_FEED_MS:.0f} ms); "
          f"{statistics.median(with_query):.1f} ms with its query")

    portal, url = _serve("benchmarks.events:portal_app()", env)
    try:
        _wait_for(url + "/events")
        feed_url = url + "/events/agencies/bench/support-groups.ics"
        began = time.perf_counter()
        with urllib.request.urlopen(feed_url) as response:
            etag, body = response.headers["ETag"], response.read()
        fetched_ms = (time.perf_counter() - began) * 1000
        request = urllib.request.Request(feed_url, headers={"If-None-Match": etag})
        try:
            urllib.request.urlopen(request)
            status = 200
        except urllib.error.HTTPError as answer:
            status = answer.code
    finally:
        _stop(portal)
    print(f"Feed over HTTP: {len(body):,} bytes in {fetched_ms:.1f} ms; the same request with If-None-Match answered {status}")
    return built_ms < TARGET_FEED_MS and status == 304


def main() -> None:
    for tool in (WRK, GUNICORN):
        if not Path(tool).exists():
            print(f"{tool} is missing: install wrk (apt-get install wrk) and the bench extras (make install-test)")
            raise SystemExit(1)
    folder = tempfile.mkdtemp(prefix="bench-events-")
    url = f"sqlite:///{folder}/events.db"
    try:
        app = _prepare(url)
        env = {**os.environ, "DATABASE_URL": url, "PORTAL_ENV": "production", "SECRET_KEY": "benchmark-only-" + "x" * 32,
               "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
        results = [bench_whats_on(env), bench_bookings(app), bench_feed(app, env)]
        app.extensions["db"].engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not all(results):
        print("Missed a target.")
        raise SystemExit(1)
    print("All targets met.")


if __name__ == "__main__":
    sys.exit(main())
