"""Changing an answer from the check-your-answers page comes back to it, and the acceptance
email sends the household to where it can see what happens next."""
from __future__ import annotations

import re

from portal.models import StaffRole
from tests.factories import PASSWORD, create_agency, create_household, create_staff, hub_agency
from tests.roi.test_registration_of_interest import emails, fill_household_part, fill_own_part, link_in, submitted
from tests.support import post_form, sign_in


def test_a_change_made_from_check_your_answers_returns_there(client, db):
    household = create_household(db)
    sign_in(client, household.applicants[0].email, PASSWORD)
    post_form(client, "/register-interest/start", {}, page="/register-interest")
    fill_own_part(client)
    fill_household_part(client)
    answers = client.get("/register-interest/check-your-answers").get_data(as_text=True)
    change_links = set(re.findall(r'href="(/register-interest/[a-z-]+\?checking=1)">Change', answers))
    assert "/register-interest/your-details?checking=1" in change_links
    assert "/register-interest/home?checking=1" in change_links

    page = client.get("/register-interest/your-details?checking=1").get_data(as_text=True)
    assert 'action="/register-interest/your-details?checking=1"' in page
    assert 'href="/register-interest/check-your-answers" class="govuk-back-link"' in page
    response = post_form(client, "/register-interest/your-details?checking=1", {
        "first_name": "Alex", "last_name": "Applicant", "date_of_birth": ["27", "3", "1985"],
        "phone": "07700 900 982", "occupation": "Nurse"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/register-interest/check-your-answers")
    assert "Nurse" in client.get("/register-interest/check-your-answers").get_data(as_text=True)

    # Filling a section in from the task list still goes back to the task list.
    response = post_form(client, "/register-interest/consent", {"consents": "y", "declares": "y"})
    assert response.headers["Location"].endswith("/register-interest")


def test_the_acceptance_email_links_to_your_progress(client, db):
    hub_agency(db)
    agency = create_agency(db)
    household, _enquiry, registration = submitted(db, agency)
    sign_in(client, create_staff(db, agency=agency, role=StaffRole.TEAM_MANAGER).email, PASSWORD)
    assert post_form(client, f"/staff/registrations/{registration.id}", {"decision": "accept"}).status_code == 303
    [accepted] = emails(db, household.applicants[0].email, "roi/accepted")
    assert link_in(accepted) == "/progress"


def test_the_household_record_and_its_registration_link_to_each_other(client, db):
    hub_agency(db)
    agency = create_agency(db)
    household, _enquiry, registration = submitted(db, agency)
    sign_in(client, create_staff(db, agency=agency, role=StaffRole.TEAM_MANAGER).email, PASSWORD)
    record = client.get(f"/staff/households/{household.id}").get_data(as_text=True)
    assert f'href="/staff/registrations/{registration.id}">See the registration of interest' in record
    page = client.get(f"/staff/registrations/{registration.id}").get_data(as_text=True)
    assert f'href="/staff/households/{household.id}">See the household' in page


def test_a_draft_registration_is_not_linked_from_the_household_record(client, db):
    from portal.models import RoiStatus
    from tests.factories import create_registration

    agency = create_agency(db)
    household = create_household(db, agency=agency)
    create_registration(db, household, status=RoiStatus.DRAFT)
    sign_in(client, create_staff(db, agency=agency, role=StaffRole.TEAM_MANAGER).email, PASSWORD)
    assert "See the registration of interest" not in client.get(f"/staff/households/{household.id}").get_data(as_text=True)
