"""Every URL that names a record, tried as the wrong person (RELIABILITY.md rows 1-2).

The table below says, for each rule with a record in its path, how to build a URL to a
record that belongs to *another* household or *another* agency. The completeness test
fails when a new rule appears that the table does not cover, so no page escapes the check.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, StaffRole
from tests.factories import PASSWORD, create_agency, create_household, create_staff
from tests.support import csrf_from, sign_in

# Path parameters that are not record ids: secrets carried by emailed links.
TOKEN_PARAMETERS = {"token", "filename"}


@dataclass
class World:
    agency_a: object
    agency_b: object
    household_a: object
    household_b: object
    staff_a: object
    staff_b: object
    hub: object


@pytest.fixture()
def world(db):
    hub_agency = create_agency(db, is_hub=True, slug="authz-hub")
    agency_a, agency_b = create_agency(db), create_agency(db)
    return World(
        agency_a=agency_a, agency_b=agency_b,
        household_a=create_household(db, agency=agency_a), household_b=create_household(db, agency=agency_b),
        staff_a=create_staff(db, agency=agency_a, role=StaffRole.TEAM_MANAGER),
        staff_b=create_staff(db, agency=agency_b, role=StaffRole.TEAM_MANAGER),
        hub=create_staff(db, agency=hub_agency, role=StaffRole.HUB_ADMIN),
    )


# rule -> function(db, world) giving the URL values of a record that household A and
# staff of agency A must not reach (it belongs to agency B / household B).
OTHER_RECORD = {
    "/staff/households/<int:household_id>": lambda db, w: {"household_id": w.household_b.id},
    # Development only: absent (404) in every other environment, whoever asks.
    "/dev/outbox/<int:message_id>": lambda db, w: {"message_id": 1},
    "/dev/outbox/<int:message_id>/html": lambda db, w: {"message_id": 1},
}

# The journey: every page of household B's record, and a closure day (the hub's alone).
OTHER_RECORD.update({
    f"/staff/households/<int:household_id>{tail}": lambda db, w: {"household_id": w.household_b.id, "step": "workbook"}
    for tail in ("/journey", "/journey/start", "/journey/fast-track", "/journey/start-again", "/journey/steps/<step>",
                 "/journey/extend-stage-1", "/journey/stage-1-decision", "/journey/notice", "/journey/panel-outcome",
                 "/journey/agency-decision", "/journey/pause", "/journey/resume", "/journey/withdraw",
                 "/journey/visits/new", "/social-worker", "/checks/new-adult", "/checks/new", "/notes/new")
})


def _other_check(db, w):
    from tests.factories import create_journey

    return {"household_id": w.household_b.id, "check_id": create_journey(db, household=w.household_b).checks[0].id}


def _closure_day(db, w):
    from datetime import date

    from portal.services import journey

    return {"closure_id": journey.add_closure_day(db, w.hub, on=date(2031, 12, 29), agency_id=w.agency_b.id).id}


OTHER_RECORD["/staff/households/<int:household_id>/checks/<int:check_id>"] = _other_check
OTHER_RECORD["/staff/closure-days/<int:closure_id>/delete"] = _closure_day


# Each feature keeps its own rows beside its tests.
from tests.enquiries.authorisation_records import OTHER_RECORD as ENQUIRY_RECORDS  # noqa: E402

from tests.events.authorisation_records import OTHER_RECORD as EVENT_RECORDS  # noqa: E402

OTHER_RECORD.update(ENQUIRY_RECORDS)
OTHER_RECORD.update(EVENT_RECORDS)


def _record_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        params = set(rule.arguments) - TOKEN_PARAMETERS
        if params:
            yield rule


def test_every_record_url_is_in_the_table(app):
    missing = sorted(rule.rule for rule in _record_rules(app) if rule.rule not in OTHER_RECORD)
    assert not missing, f"add these rules to OTHER_RECORD in {__file__}: {missing}"


def _urls(app, db, world):
    for rule in _record_rules(app):
        build = OTHER_RECORD.get(rule.rule)
        if build is None:
            continue
        values = build(db, world)
        url = rule.rule
        for key, value in values.items():
            url = url.replace(f"<int:{key}>", str(value)).replace(f"<{key}>", str(value))
        yield rule, url


def _snapshot(db) -> dict:
    """Every row of every table but the audit trail (where refusals are rightly written)."""
    from portal.db import Base

    db.expire_all()
    state = {}
    for table in Base.metadata.sorted_tables:
        if table.name == "audit_events":
            continue
        rows = db.execute(table.select().order_by(*table.primary_key.columns)).all()
        state[table.name] = [tuple(row) for row in rows]
    return state


@pytest.mark.parametrize("who", ["household_a", "staff_a"])
def test_wrong_person_gets_404_and_nothing_changes(app, client, db, world, who):
    sign_in(client, getattr(world, who).applicants[0].email if who.startswith("household") else world.staff_a.email, PASSWORD)
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    tried = 0
    for rule, url in _urls(app, db, world):
        before = _snapshot(db)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            if who == "household_a" and url.startswith("/staff"):
                assert response.status_code in (403, 404), (method, url, response.status_code)
            else:
                assert response.status_code == 404, (method, url, response.status_code)
            tried += 1
        after = _snapshot(db)
        changed = [name for name in before if before[name] != after[name]]
        assert not changed, f"{url} changed {changed} for the wrong person"
    assert tried > 0


def test_refused_access_is_audited(client, db, world):
    sign_in(client, world.staff_a.email, PASSWORD)
    assert client.get(f"/staff/households/{world.household_b.id}").status_code == 404
    denial = db.scalar(select(AuditEvent).where(AuditEvent.action == "denied", AuditEvent.actor_id == world.staff_a.id))
    assert denial.household_id == world.household_b.id and denial.agency_id == world.agency_b.id


def test_missing_and_forbidden_look_the_same(client, db, world):
    sign_in(client, world.staff_a.email, PASSWORD)
    forbidden = client.get(f"/staff/households/{world.household_b.id}")
    missing = client.get("/staff/households/987654321")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.get_data() == missing.get_data()


def test_own_agency_and_hub_can_see_the_household(client, db, world):
    sign_in(client, world.staff_b.email, PASSWORD)
    assert client.get(f"/staff/households/{world.household_b.id}").status_code == 200
    post = client.get("/staff/households")
    assert world.household_b.reference in post.get_data(as_text=True)
    assert world.household_a.reference not in post.get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_from(post.get_data(as_text=True))})
    sign_in(client, world.hub.email, PASSWORD)
    listing = client.get("/staff/households").get_data(as_text=True)
    assert world.household_a.reference in listing and world.household_b.reference in listing


def test_staff_home_counts_only_their_agency(client, db, world):
    for _ in range(3):
        create_household(db, agency=world.agency_b)
    sign_in(client, world.staff_a.email, PASSWORD)
    from portal.blueprints.staff import routes  # noqa: F401
    from portal.models import HouseholdStage
    from portal.services import households

    summary = {row.stage: row.count for row in households.stage_summary(db, world.staff_a)}
    assert summary[HouseholdStage.REGISTERED] == 1  # A's one household; B's four are not counted
    hub_summary = {row.stage: row.count for row in households.stage_summary(db, world.hub)}
    assert hub_summary[HouseholdStage.REGISTERED] >= 5
    html = client.get("/staff").get_data(as_text=True)
    registered_row = re.search(r"Registered</th>\s*<td[^>]*>(\d+)</td>", html)
    assert registered_row and registered_row.group(1) == "1"


def test_viewing_a_household_is_audited(client, db, world):
    sign_in(client, world.staff_a.email, PASSWORD)
    client.get(f"/staff/households/{world.household_a.id}")
    viewed = db.scalar(select(AuditEvent).where(AuditEvent.action == "viewed", AuditEvent.household_id == world.household_a.id))
    assert viewed.actor_id == world.staff_a.id


def test_audit_log_is_for_managers_and_scoped(client, db, world):
    officer = create_staff(db, agency=world.agency_a, role=StaffRole.RECRUITMENT_OFFICER)
    sign_in(client, officer.email, PASSWORD)
    assert client.get("/staff/audit").status_code == 403
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/staff").get_data(as_text=True))})
    sign_in(client, world.staff_b.email, PASSWORD)
    client.get(f"/staff/households/{world.household_b.id}")
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/staff").get_data(as_text=True))})
    sign_in(client, world.staff_a.email, PASSWORD)
    client.get(f"/staff/households/{world.household_a.id}")
    log = client.get("/staff/audit").get_data(as_text=True)
    assert world.staff_a.full_name in log
    assert world.staff_b.full_name not in log
