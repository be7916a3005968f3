"""The manager's view costs the same number of SQL statements at any number of households."""
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from portal.clock import today_in_london
from portal.models import JourneyPause, PauseReason, StaffRole
from portal.services import journey as journeys
from tests.factories import PASSWORD, create_agency, create_journey, create_staff
from tests.support import sign_in


@contextmanager
def counting(engine):
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def add_households(db, agency, workers, count: int) -> None:
    today = today_in_london()
    for n in range(count):
        journey = create_journey(db, agency=agency, applicants=1 + n % 2, checks=False,
                                 stage1_started_on=today - timedelta(days=5 + 7 * n))
        journey.household.social_worker = workers[n % len(workers)]
        if n % 5 == 0:
            journey.paused_since = today - timedelta(days=3)
            journey.pauses.append(JourneyPause(household_id=journey.household_id, started_on=today - timedelta(days=3),
                                                        reason=PauseReason.APPLICANTS_REQUEST))
    db.flush()


def statements_for(client, app, url: str) -> int:
    with counting(app.extensions["db"].engine) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_managers_view_runs_a_fixed_number_of_queries(client, app, db):
    agency = create_agency(db)
    manager = create_staff(db, agency=agency, role=StaffRole.TEAM_MANAGER)
    workers = [create_staff(db, agency=agency, role=StaffRole.SOCIAL_WORKER) for _ in range(3)]
    add_households(db, agency, workers, 5)
    sign_in(client, manager.email, PASSWORD)
    client.get("/staff/journeys")  # warm up: first-request work is not the view's
    at_five = statements_for(client, app, "/staff/journeys")
    add_households(db, agency, workers, 45)
    at_fifty = statements_for(client, app, "/staff/journeys")
    html = client.get("/staff/journeys").get_data(as_text=True)
    assert "50 households" in html and "Paused: 10" in html
    assert at_five == at_fifty, (at_five, at_fifty)
    # The caseload is the same view, filtered.
    worker_client = client.application.test_client()
    sign_in(worker_client, workers[0].email, PASSWORD)
    worker_client.get("/staff/caseload")
    assert statements_for(worker_client, app, "/staff/caseload") <= at_fifty
