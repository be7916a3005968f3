"""A team manager's view of every household in the agency, at 50 and at 2,000 households.

Target: the same number of SQL statements at both sizes, and no more than twice the time.
Run with ``.venv/bin/python -m benchmarks.journey``.
"""
from __future__ import annotations

import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta

from sqlalchemy import event
from werkzeug.security import generate_password_hash

from portal import create_app
from portal.clock import today_in_london, utcnow
from portal.migrate import upgrade
from portal.models import (
    Agency, Household, HouseholdStage, Journey, JourneyStatus, StaffRole, User, UserKind,
)
from portal.services import journey as journeys
from portal.services.tokens import reference

PASSWORD = "benchmark journey passphrase"
RUNS = 15
SIZES = (50, 2000)
TARGET_RATIO = 2.0


def _seed_households(session, agency: Agency, workers: list[User], start: int, count: int, password_hash: str) -> None:
    today = today_in_london()
    stages = [HouseholdStage.STAGE_1, HouseholdStage.BREAK, HouseholdStage.STAGE_2, HouseholdStage.APPROVED]
    for n in range(start, start + count):
        stage = stages[n % len(stages)]
        begun = today - timedelta(days=10 + n % 300)
        household = Household(agency=agency, reference=reference("BEN"), stage=stage, stage_entered_on=begun,
                              social_worker=workers[n % len(workers)])
        session.add(household)
        for i in range(1 + n % 2):
            session.add(User(email=f"bench{n}-{i}@example.com", first_name=("Alex", "Jo")[i], last_name=f"Bench{n}",
                             kind=UserKind.APPLICANT, household=household, password_hash=password_hash))
        journey = Journey(household=household, agency_id=agency.id, is_current=True, status=JourneyStatus.ACTIVE,
                          stage1_started_on=begun, stage1_extension_weeks=0, pauses=[], checks=[], visits=[])
        if stage in (HouseholdStage.BREAK, HouseholdStage.STAGE_2, HouseholdStage.APPROVED):
            journey.stage1_decided_on = journey.break_started_on = begun + timedelta(days=60)
        if stage in (HouseholdStage.STAGE_2, HouseholdStage.APPROVED):
            journey.notice_given_on = journey.stage2_started_on = begun + timedelta(days=70)
        if stage == HouseholdStage.APPROVED:
            journey.adm_decided_on = journey.closed_on = begun + timedelta(days=200)
            journey.status = JourneyStatus.APPROVED
        if n % 9 == 0:
            journey.paused_since = today - timedelta(days=4)
        journeys.refresh_clocks(journey)
        session.add(journey)
    session.flush()


def _sign_in(client, email: str) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert response.status_code == 303, response.status_code


def _measure(app, client) -> tuple[int, float]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = app.extensions["db"].engine
    client.get("/staff/journeys")  # warm the caches once
    timings = []
    for _ in range(RUNS):
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        response = client.get("/staff/journeys")
        timings.append(time.perf_counter() - started)
        event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200
    return len(statements), statistics.median(timings)


def main() -> None:
    directory = tempfile.mkdtemp(prefix="portal-bench-journey-")
    try:
        _run(f"sqlite:///{directory}/bench.db")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _run(url: str) -> None:
    upgrade(url)
    app = create_app({"PORTAL_ENV": "test", "TESTING": True, "DATABASE_URL": url, "RATELIMIT_ENABLED": False,
                      "BASE_URL": "http://127.0.0.1"})
    password_hash = generate_password_hash(PASSWORD)
    database = app.extensions["db"]
    with app.app_context(), database.session() as session:
        agency = Agency(name="Benchmark Council", short_name="Benchmark", slug="benchmark")
        session.add(agency)
        session.flush()
        manager = User(email="manager@bench.example.org", first_name="Maya", last_name="Manager", kind=UserKind.STAFF,
                       role=StaffRole.TEAM_MANAGER, agency=agency, password_hash=password_hash, email_verified_at=utcnow())
        workers = [User(email=f"worker{i}@bench.example.org", first_name="Sam", last_name=f"Worker{i}",
                        kind=UserKind.STAFF, role=StaffRole.SOCIAL_WORKER, agency=agency, password_hash=password_hash,
                        email_verified_at=utcnow()) for i in range(12)]
        session.add_all([manager, *workers])
        session.flush()
        _seed_households(session, agency, workers, 0, SIZES[0], password_hash)
        session.commit()
        agency_id, worker_ids = agency.id, [w.id for w in workers]

    client = app.test_client()
    _sign_in(client, "manager@bench.example.org")
    results = {}
    seeded = SIZES[0]
    for size in SIZES:
        if size > seeded:
            with app.app_context(), database.session() as session:
                agency = session.get(Agency, agency_id)
                workers = [session.get(User, wid) for wid in worker_ids]
                _seed_households(session, agency, workers, seeded, size - seeded, password_hash)
                session.commit()
            seeded = size
        results[size] = _measure(app, client)

    small, large = SIZES
    print(f"{'households':>10}  {'statements':>10}  {'median time':>12}")
    for size in SIZES:
        count, seconds = results[size]
        print(f"{size:>10}  {count:>10}  {seconds * 1000:>9.1f} ms")
    ratio = results[large][1] / results[small][1]
    same = results[large][0] == results[small][0]
    print(f"time ratio {large} / {small}: {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x); "
          f"statements {'the same' if same else 'DIFFER'} at both sizes")
    app.extensions["db"].engine.dispose()
    if not same or ratio > TARGET_RATIO:
        sys.exit(1)


if __name__ == "__main__":
    main()
