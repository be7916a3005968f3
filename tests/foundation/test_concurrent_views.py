"""Audited views read and then write. Run at the same time on SQLite, a read transaction
that tries to write after another writer committed fails at once ("database is locked")
unless it took the write lock when it began."""
import threading

from portal.models import StaffRole
from tests.factories import PASSWORD, create_agency, create_household, create_staff
from tests.support import sign_in


def test_simultaneous_audited_views_never_fail(committed_app):
    database = committed_app.extensions["db"]
    with database.session() as session:
        agency = create_agency(session)
        household = create_household(session, agency=agency)
        staff = [create_staff(session, agency=agency, role=StaffRole.TEAM_MANAGER) for _ in range(3)]
        session.commit()
        household_id, emails = household.id, [s.email for s in staff]
    clients = []
    for email in emails:
        client = committed_app.test_client()
        sign_in(client, email, PASSWORD)
        clients.append(client)
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def view(client):
        start.wait()
        for _ in range(15):
            statuses.append(client.get(f"/staff/households/{household_id}").status_code)

    threads = [threading.Thread(target=view, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) == 45, statuses
