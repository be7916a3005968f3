"""What staff read on the journey pages: every group of inputs has its question, and the
record says plainly when an assessment is paused."""
import re

import pytest

from portal.clock import today_in_london
from portal.models import StaffRole
from tests.factories import PASSWORD, create_agency, create_journey, create_staff
from tests.support import sign_in


def _legends(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r'<legend class="govuk-fieldset__legend[^"]*">(.*?)</legend>', html, re.S)]


@pytest.fixture()
def manager(db):
    return create_staff(db, agency=create_agency(db), role=StaffRole.TEAM_MANAGER)


def test_a_check_page_names_its_dates_and_outcome(client, db, manager):
    journey = create_journey(db, agency=manager.agency)
    sign_in(client, manager.email, PASSWORD)
    html = client.get(f"/staff/households/{journey.household_id}/checks/{journey.checks[0].id}").get_data(as_text=True)
    assert _legends(html) == ["Date requested", "Date received", "Outcome"]


def test_the_pause_page_asks_its_questions(client, db, manager):
    journey = create_journey(db, agency=manager.agency)
    sign_in(client, manager.email, PASSWORD)
    html = client.get(f"/staff/households/{journey.household_id}/journey/pause").get_data(as_text=True)
    assert _legends(html) == ["Why is the assessment paused?", "From when?"]


def test_the_closure_day_date_has_a_legend(client, db):
    sign_in(client, create_staff(db, role=StaffRole.HUB_ADMIN).email, PASSWORD)
    assert "Date" in _legends(client.get("/staff/closure-days").get_data(as_text=True))


def test_a_paused_assessment_does_not_read_as_in_progress(client, db, manager):
    journey = create_journey(db, agency=manager.agency, paused_since=today_in_london())
    sign_in(client, manager.email, PASSWORD)
    html = client.get(f"/staff/households/{journey.household_id}/journey").get_data(as_text=True)
    row = re.search(r"Assessment</dt>\s*<dd[^>]*>(.*?)</dd>", html, re.S)
    assert row and row.group(1).strip() == "Paused"


def test_a_household_yet_to_register_interest_is_linked_to_the_form(client, db):
    from portal.models import HouseholdStage
    from tests.factories import create_household

    household = create_household(db, stage=HouseholdStage.REGISTERED)
    sign_in(client, household.applicants[0].email, PASSWORD)
    html = client.get("/progress").get_data(as_text=True)
    assert '<a class="govuk-link" href="/register-interest">Go to your registration of interest</a>' in html


def test_progress_lists_only_bookings_still_to_come_in_plain_words(client, db, app, manager):
    from portal.services import bookings
    from tests.factories import create_event

    journey = create_journey(db, agency=manager.agency)
    household = journey.household
    kept, dropped = create_event(db, title="Kept course"), create_event(db, title="Dropped course")
    with app.app_context():
        made = [bookings.book_for_household(db, household.applicants[0], event, household,
                                            applicant_ids=[household.applicants[0].id]).booking for event in (kept, dropped)]
        bookings.cancel_booking(db, household.applicants[0], made[1])
    sign_in(client, household.applicants[0].email, PASSWORD)
    html = client.get("/progress").get_data(as_text=True)
    assert "Kept course" in html and "(booked)" in html and "(confirmed)" not in html
    assert "Dropped course" not in html
    assert 'href="/events/bookings">See or cancel your bookings</a>' in html
