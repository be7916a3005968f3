"""Every enquiry, triage and registration of interest URL that names a record, tried as the
wrong person: staff of another agency and another household get 404 and change nothing."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, StaffRole
from tests.enquiries.authorisation_records import OTHER_RECORD
from tests.factories import PASSWORD, create_agency, create_household, create_staff, hub_agency
from tests.support import csrf_from, sign_in


@pytest.fixture()
def world(db):
    hub_agency(db)
    agency_a, agency_b = create_agency(db), create_agency(db)
    return SimpleNamespace(
        agency_a=agency_a, agency_b=agency_b,
        household_a=create_household(db, agency=agency_a), household_b=create_household(db, agency=agency_b),
        staff_a=create_staff(db, agency=agency_a, role=StaffRole.TEAM_MANAGER),
    )


def test_the_table_covers_every_record_rule_of_the_feature(app):
    prefixes = ("/staff/enquiries/<", "/staff/registrations/<", "/register-interest/")
    rules = {rule.rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith(prefixes) and set(rule.arguments) - {"token"}}
    assert rules == set(OTHER_RECORD)


@pytest.mark.parametrize("who", ["household_a", "staff_a"])
def test_wrong_person_gets_404_and_nothing_changes(app, client, db, world, who):
    user = world.household_a.applicants[0] if who == "household_a" else world.staff_a
    sign_in(client, user.email, PASSWORD)
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    tried = 0
    for rule in app.url_map.iter_rules():
        build = OTHER_RECORD.get(rule.rule)
        if build is None:
            continue
        url = rule.rule
        for key, value in build(db, world).items():
            url = url.replace(f"<int:{key}>", str(value))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            before = db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "denied"))
            response = client.open(url, method=method, data={"csrf_token": token})
            expected = (403, 404) if who == "household_a" and url.startswith("/staff") else (404,)
            assert response.status_code in expected, (method, url, response.status_code)
            after = db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "denied"))
            assert after == before, f"{method} {url} changed something for the wrong person"
            tried += 1
    assert tried >= 16
