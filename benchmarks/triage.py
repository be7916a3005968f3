"""The recruitment team's enquiry queue at 100 and at 10,000 enquiries.

Target: the same number of SQL statements per page at both sizes (no N+1), and server time at
10,000 no more than twice the time at 100. Measured for a hub administrator (who sees every
agency's enquiries) in the default "due soonest" order, newest first and by last name. Run with ``.venv/bin/python -m benchmarks.triage``.
"""
from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta

from sqlalchemy import event, insert
from werkzeug.security import generate_password_hash

from portal import create_app
from portal.clock import today_in_london, utcnow
from portal.migrate import upgrade
from portal.models import (
    Agency, ApplyingAs, ContactMethod, ContactTime, DueKind, Enquiry, EnquirySource, EnquiryStatus, StaffRole, User,
    UserKind,
)

PASSWORD = "benchmark triage passphrase"
RUNS = 15
SIZES = (100, 10_000)
TARGET_RATIO = 2.0
# Full pages (50 rows) at both sizes, so the comparison is of the database's work, not of
# how many rows the page shows.
PAGES = {
    "due soonest": "/staff/enquiries",
    "newest first": "/staff/enquiries?sort=newest",
    "by last name": "/staff/enquiries?sort=name",
}
STATUSES = list(EnquiryStatus)


def _seed(session, agencies: list[Agency], staff: list[User], start: int, count: int) -> None:
    """Enquiries spread over agencies, statuses and a year, inserted in bulk."""
    now = utcnow()
    today = today_in_london(now)
    rows = []
    for n in range(start, start + count):
        status = STATUSES[n % len(STATUSES)]
        created = now - timedelta(minutes=37 * n)
        due = today + timedelta(days=(n % 9) - 4)
        row = dict(
            reference=f"ENQ-B{n:06d}", agency_id=agencies[n % len(agencies)].id, status=status,
            source=EnquirySource.WEB_FORM, first_name="Robin", last_name=f"Bench{n:05d}", email=f"bench{n}@example.com",
            phone=f"07700{n:06d}", applying_as=ApplyingAs.ALONE, contact_method=ContactMethod.EMAIL,
            contact_time=ContactTime.ANY, created_at=created, updated_at=created, first_contact_due_on=due,
            assigned_to_id=staff[n % len(staff)].id if n % 3 else None, version=1,
            due_on=None, due_kind=None,
        )
        if status == EnquiryStatus.NEW:
            row.update(due_on=due, due_kind=DueKind.FIRST_CONTACT)
        elif status == EnquiryStatus.EVENING_ATTENDED:
            row.update(due_on=due + timedelta(days=20), due_kind=DueKind.VISIT_OFFER)
        elif status == EnquiryStatus.ROI_RECEIVED:
            row.update(due_on=due, due_kind=DueKind.ROI_DECISION)
        rows.append(row)
    session.execute(insert(Enquiry), rows)


def _sign_in(client, email: str) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/sign-in", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert response.status_code == 303, response.status_code


def _measure(app, client, path: str) -> tuple[int, float]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = app.extensions["db"].engine
    client.get(path)  # warm the caches once
    timings = []
    for _ in range(RUNS):
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        response = client.get(path)
        timings.append(time.perf_counter() - started)
        event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, response.status_code
    return len(statements), statistics.median(timings)


def main() -> None:
    directory = tempfile.mkdtemp(prefix="portal-bench-triage-")
    url = f"sqlite:///{directory}/bench.db"
    upgrade(url)
    app = create_app({"PORTAL_ENV": "test", "TESTING": True, "DATABASE_URL": url, "RATELIMIT_ENABLED": False,
                      "BASE_URL": "http://127.0.0.1"})
    password_hash = generate_password_hash(PASSWORD)
    database = app.extensions["db"]
    with app.app_context(), database.session() as session:
        hub = Agency(name="Benchmark hub", short_name="Hub", slug="hub", is_hub=True)
        partners = [Agency(name=f"Benchmark Council {i}", short_name=f"Council {i}", slug=f"council-{i}") for i in range(6)]
        session.add_all([hub, *partners])
        session.flush()
        admin = User(email="hub@bench.example.org", first_name="Hana", last_name="Hub", kind=UserKind.STAFF,
                     role=StaffRole.HUB_ADMIN, agency=hub, password_hash=password_hash, email_verified_at=utcnow())
        officers = [User(email=f"officer{i}@bench.example.org", first_name="Tom", last_name=f"Officer{i}",
                         kind=UserKind.STAFF, role=StaffRole.RECRUITMENT_OFFICER, agency=partners[i % 6],
                         password_hash=password_hash, email_verified_at=utcnow()) for i in range(12)]
        session.add_all([admin, *officers])
        session.flush()
        agencies, staff = [hub, *partners], officers
        _seed(session, agencies, staff, 0, SIZES[0])
        session.commit()
        agency_ids, staff_ids = [a.id for a in agencies], [s.id for s in staff]

    client = app.test_client()
    _sign_in(client, "hub@bench.example.org")
    results: dict[str, dict[int, tuple[int, float]]] = {name: {} for name in PAGES}
    seeded = SIZES[0]
    for size in SIZES:
        if size > seeded:
            with app.app_context(), database.session() as session:
                agencies = [session.get(Agency, i) for i in agency_ids]
                staff = [session.get(User, i) for i in staff_ids]
                _seed(session, agencies, staff, seeded, size - seeded)
                session.commit()
            seeded = size
        for name, path in PAGES.items():
            results[name][size] = _measure(app, client, path)

    small, large = SIZES
    missed = False
    print(f"{'page':<14} {'enquiries':>9}  {'statements':>10}  {'median time':>12}")
    for name in PAGES:
        for size in SIZES:
            count, seconds = results[name][size]
            print(f"{name:<14} {size:>9}  {count:>10}  {seconds * 1000:>9.1f} ms")
        ratio = results[name][large][1] / results[name][small][1]
        same = results[name][large][0] == results[name][small][0]
        print(f"{'':<14} time ratio {large} / {small}: {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x); "
              f"statements {'the same' if same else 'DIFFER'} at both sizes")
        missed = missed or not same or ratio > TARGET_RATIO
    if missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
