"""The registration of interest: invitation, the household's pages, submission and decision."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from portal.clock import today_in_london, utcnow
from portal.models import (
    ApplyingAs, AuditEvent, CloseReason, DueKind, Enquiry, EnquiryStatus, HouseholdStage, OutboxMessage,
    RegistrationOfInterest, RoiStatus, StaffRole, User,
)
from portal.services.workdays import add_working_days
from tests.factories import (
    PASSWORD, create_agency, create_enquiry, create_household, create_registration, create_staff,
    hub_agency,
)
from tests.support import post_form, sign_in


def emails(db, address=None, template=None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if address:
        query = query.where(OutboxMessage.to_address == address)
    if template:
        query = query.where(OutboxMessage.template == template)
    return list(db.scalars(query))


def link_in(message: OutboxMessage) -> str:
    return re.search(r"https://portal\.example\.org(/\S+)", message.body_text).group(1)


def fill_own_part(client, *, dob=("27", "3", "1985"), health="no", convictions="no"):
    assert post_form(client, "/register-interest/your-details", {
        "first_name": "Alex", "last_name": "Applicant", "other_names": "", "date_of_birth": list(dob),
        "phone": "07700 900 982", "occupation": "Teacher"}).status_code == 303
    data = {"has_health_condition": health, "has_convictions": convictions}
    if health == "yes":
        data["health_details"] = "Type 1 diabetes, well controlled"
    if convictions == "yes":
        data["convictions_details"] = "Caution for shoplifting, 2004"
    assert post_form(client, "/register-interest/health-and-background", data).status_code == 303
    assert post_form(client, "/register-interest/consent", {"consents": "y", "declares": "y"}).status_code == 303


def fill_household_part(client, *, couple=False):
    data = {"address_line_1": "1 Elm Road", "address_line_2": "", "town": "Northvale", "postcode": "nv1 2ab"}
    if couple:
        data.update(relationship_status="married", together_since_year="2015")
    assert post_form(client, "/register-interest/home", data).status_code == 303
    assert post_form(client, "/register-interest/people", {"anyone_else": "no"}).status_code == 303
    assert post_form(client, "/register-interest/previous-applications", {"any_previous": "no"}).status_code == 303


def signed_in(app, db, user):
    other = app.test_client()
    sign_in(other, user.email, PASSWORD)
    return other


# The invitation -------------------------------------------------------------------------------

def test_an_invitation_leads_to_a_new_account_linked_to_the_enquiry(client, app, db):
    hub_agency(db)
    agency = create_agency(db)
    staff = create_staff(db, agency=agency)
    enquiry = create_enquiry(db, agency=agency, first_name="Zoë", last_name="O'Brien", email="zoe@example.com",
                             partner_first_name="Kai", partner_last_name="Li",
                             applying_as=ApplyingAs.COUPLE)
    staff_client = signed_in(app, db, staff)
    url = f"/staff/enquiries/{enquiry.id}"
    assert post_form(staff_client, url + "/invite-to-register", {}, page=url).status_code == 303
    db.refresh(enquiry)
    assert enquiry.status == EnquiryStatus.ROI_INVITED and enquiry.roi_invited_at is not None
    [invitation] = emails(db, "zoe@example.com", "roi/invitation")

    response = client.get(link_in(invitation))
    assert response.status_code == 303 and response.headers["Location"].endswith("/register-interest/invitation")
    assert "roi_invite=" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    assert "Path=/register-interest" in response.headers["Set-Cookie"]
    assert "Create an account" in client.get("/register-interest/invitation").get_data(as_text=True)
    form = client.get("/register-interest/create-account").get_data(as_text=True)
    assert 'value="Zoë"' in form and 'value="zoe@example.com"' in form and 'value="Kai"' in form
    response = post_form(client, "/register-interest/create-account", {
        "first_name": "Zoë", "last_name": "O'Brien", "email": "zoe@example.com", "password": "tangerine lantern orbit",
        "applying": "couple", "partner_first_name": "Kai", "partner_last_name": "Li", "partner_email": "kai@example.com"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/register/check-your-email")
    household = db.scalar(select(User).where(User.email == "zoe@example.com")).household
    db.refresh(enquiry)
    assert household.agency_id == agency.id and enquiry.household_id == household.id
    assert len(household.applicants) == 2
    assert emails(db, "kai@example.com", "accounts/partner_invite")
    # The invitation is spent.
    client.get(link_in(invitation))
    assert client.get("/register-interest/invitation").status_code == 400


def test_an_invitation_survives_signing_in(app, client, db):
    hub_agency(db)
    agency = create_agency(db)
    household = create_household(db, agency=agency)
    enquiry = create_enquiry(db, agency=agency, email="different@example.com")
    with app.app_context():
        from portal.services import roi

        roi.send_invitation(db, create_staff(db, agency=agency), enquiry)
    [invitation] = emails(db, "different@example.com", "roi/invitation")
    client.get(link_in(invitation))
    page = client.get("/register-interest/invitation").get_data(as_text=True)
    assert "/sign-in?next=/register-interest/invitation" in page
    response = post_form(client, "/sign-in?next=/register-interest/invitation",
                         {"email": household.applicants[0].email, "password": PASSWORD}, page="/sign-in")
    assert response.headers["Location"].endswith("/register-interest/invitation")
    page = client.get("/register-interest/invitation").get_data(as_text=True)
    assert "Continue to link your enquiry" in page
    assert post_form(client, "/register-interest/invitation", {}).status_code == 303
    db.refresh(enquiry)
    assert enquiry.household_id == household.id


def test_staff_cannot_use_an_invitation(app, client, db):
    hub_agency(db)
    agency = create_agency(db)
    enquiry = create_enquiry(db, agency=agency)
    staff = create_staff(db, agency=agency)
    with app.app_context():
        from portal.services import roi

        roi.send_invitation(db, staff, enquiry)
    sign_in(client, staff.email, PASSWORD)
    client.get(link_in(emails(db, enquiry.email, "roi/invitation")[0]))
    assert client.get("/register-interest/invitation").status_code == 403


# Filling it in ----------------------------------------------------------------------------------

def test_the_pages_save_as_they_go_and_show_specific_messages(client, db):
    household = create_household(db)
    sign_in(client, household.applicants[0].email, PASSWORD)
    assert "Start your registration of interest" in client.get("/register-interest").get_data(as_text=True)
    assert post_form(client, "/register-interest/start", {}, page="/register-interest").status_code == 303
    assert post_form(client, "/register-interest/start", {}, page="/register-interest").status_code == 303
    assert db.scalar(select(func.count()).select_from(RegistrationOfInterest)) == 1  # a second click finds the first
    overview = client.get("/register-interest").get_data(as_text=True)
    assert "You have completed 0 of 6 sections" in overview

    young = today_in_london() - timedelta(days=365 * 20)
    response = post_form(client, "/register-interest/your-details", {
        "first_name": "Alex", "last_name": "", "date_of_birth": [str(young.day), str(young.month), str(young.year)],
        "phone": "12"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter your last name" in html and "PHONE" not in html and "Enter a phone number, like 01632 960 001" in html
    response = post_form(client, "/register-interest/your-details", {
        "first_name": "Alex", "last_name": "Ng", "date_of_birth": [str(young.day), str(young.month), str(young.year)],
        "phone": "07700 900 982"})
    assert response.status_code == 422 and "You must be 21 or over to adopt" in response.get_data(as_text=True)
    response = post_form(client, "/register-interest/your-details", {
        "first_name": "Alex", "last_name": "Ng", "date_of_birth": ["", "3", "1985"], "phone": "07700 900 982"})
    assert response.status_code == 422 and "Date of birth must include a day" in response.get_data(as_text=True)
    response = post_form(client, "/register-interest/health-and-background", {"has_health_condition": "yes",
                                                                               "has_convictions": "no"})
    assert response.status_code == 422 and "Tell us about your health condition or disability" in response.get_data(as_text=True)
    registration = db.scalar(select(RegistrationOfInterest))
    assert registration.applicants == [] or registration.applicants[0].details_completed_at is None  # nothing half-written

    fill_own_part(client, health="yes")
    assert "You have completed 3 of 6 sections" in client.get("/register-interest").get_data(as_text=True)
    # Saved answers come back when the page is opened again.
    details = client.get("/register-interest/your-details").get_data(as_text=True)
    assert 'value="Teacher"' in details and 'value="1985"' in details

    response = post_form(client, "/register-interest/people", {"anyone_else": "yes"})
    assert response.headers["Location"].endswith("/register-interest/people/add")
    assert post_form(client, "/register-interest/people/add", {
        "kind": "child_at_home", "full_name": "Sam Ng", "date_of_birth": ["1", "6", "2015"],
        "relationship_to_you": "Son"}).status_code == 303
    people = client.get("/register-interest/people").get_data(as_text=True)
    assert "Sam Ng" in people and "I have added everyone" in people
    assert post_form(client, "/register-interest/people", {"anyone_else": "yes"}).status_code == 303
    assert post_form(client, "/register-interest/previous-applications", {"any_previous": "yes"}).headers["Location"].endswith("/add")
    response = post_form(client, "/register-interest/previous-applications/add", {
        "kind": "foster", "agency_name": "Eastbridge Council", "year": "20x5", "outcome": "Withdrew"})
    assert response.status_code == 422 and "Year you applied must be a real year, like 2015" in response.get_data(as_text=True)
    assert post_form(client, "/register-interest/previous-applications/add", {
        "kind": "foster", "agency_name": "Eastbridge Council", "year": "2015", "outcome": "Withdrew"}).status_code == 303
    assert post_form(client, "/register-interest/previous-applications", {"any_previous": "yes"}).status_code == 303
    assert post_form(client, "/register-interest/home", {"address_line_1": "1 Elm Road", "town": "Northvale",
                                                         "postcode": "NV1"}).status_code == 422
    assert post_form(client, "/register-interest/home", {
        "address_line_1": "1 Elm Road", "town": "Northvale", "postcode": "nv1 2ab"}).status_code == 303
    overview = client.get("/register-interest").get_data(as_text=True)
    assert "You have completed 6 of 6 sections" in overview and "Check your answers and send" in overview
    answers = client.get("/register-interest/check-your-answers").get_data(as_text=True)
    assert "Type 1 diabetes, well controlled" in answers and "Sam Ng" in answers and "NV1 2AB" in answers


def test_each_applicant_completes_their_own_part_and_cannot_read_the_others(app, db):
    household = create_household(db, applicants=2)
    first, second = household.applicants
    create_registration(db, household)
    one, two = signed_in(app, db, first), signed_in(app, db, second)
    fill_own_part(one, health="yes", convictions="yes")
    fill_household_part(one, couple=True)
    answers = one.get("/register-interest/check-your-answers").get_data(as_text=True)
    assert f"{second.first_name} has not finished their details, consent and declaration" in answers
    assert "Send registration of interest" not in answers
    assert post_form(one, "/register-interest/check-your-answers", {}).status_code == 422
    theirs = two.get("/register-interest/check-your-answers").get_data(as_text=True)
    assert "Type 1 diabetes" not in theirs and "shoplifting" not in theirs
    assert f"{first.first_name}&#39;s details, consent and declaration" in theirs
    fill_own_part(two)
    registration = db.scalar(select(RegistrationOfInterest).where(RegistrationOfInterest.household_id == household.id))
    db.refresh(registration)
    assert {part.user_id for part in registration.applicants} == {first.id, second.id}
    assert "Send registration of interest" in two.get("/register-interest/check-your-answers").get_data(as_text=True)


def test_a_partner_who_has_not_accepted_their_invitation_holds_up_sending(app, db):
    household = create_household(db, applicants=2)
    household.applicants[1].password_hash = None
    create_registration(db, household)
    one = signed_in(app, db, household.applicants[0])
    overview = one.get("/register-interest").get_data(as_text=True)
    assert "Waiting for Jo to accept their invitation" in overview


# Sending it ----------------------------------------------------------------------------------

def test_sending_starts_the_5_working_day_clock_and_makes_it_read_only(app, client, db):
    hub_agency(db)
    agency = create_agency(db, email="team@agency.example.org")
    household = create_household(db, agency=agency)
    enquiry = create_enquiry(db, agency=agency, status=EnquiryStatus.ROI_INVITED, household=household)
    registration = create_registration(db, household, complete=True)
    sign_in(client, household.applicants[0].email, PASSWORD)
    response = post_form(client, "/register-interest/check-your-answers", {})
    assert response.status_code == 303
    db.expire_all()
    today = today_in_london()
    assert registration.status == RoiStatus.SUBMITTED
    assert registration.decision_due_on == add_working_days(today, 5)
    assert household.stage == HouseholdStage.ROI_SUBMITTED
    assert enquiry.status == EnquiryStatus.ROI_RECEIVED
    assert (enquiry.due_on, enquiry.due_kind) == (registration.decision_due_on, DueKind.ROI_DECISION)
    assert emails(db, household.applicants[0].email, "roi/received")
    [notice] = emails(db, "team@agency.example.org", "roi/for_decision")
    assert household.reference in notice.body_text and household.applicants[0].last_name not in notice.body_text
    overview = client.get("/register-interest").get_data(as_text=True)
    assert "We will decide by" in overview and "Start your registration" not in overview

    # Read-only: pages send the household back, and posts change nothing.
    assert client.get("/register-interest/your-details").headers["Location"].endswith("/register-interest")
    post_form(client, "/register-interest/your-details", {"first_name": "Changed", "last_name": "Name",
                                                         "date_of_birth": ["1", "1", "1980"], "phone": "07700900982"},
              page="/register-interest")
    post_form(client, "/register-interest/people/add", {"kind": "adult_at_home", "full_name": "Late Addition",
                                                       "date_of_birth": ["1", "1", "1990"], "relationship_to_you": "Lodger"},
              page="/register-interest")
    db.refresh(registration)
    assert registration.applicants[0].first_name != "Changed" and registration.people == []
    assert post_form(client, "/register-interest/check-your-answers", {}, page="/register-interest").status_code == 303
    assert db.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.template == "roi/received")) == 1


def test_a_household_that_never_enquired_is_put_in_the_queue_when_it_sends(client, db):
    hub_agency(db)
    agency = create_agency(db)
    household = create_household(db, agency=agency)
    create_registration(db, household, complete=True)
    sign_in(client, household.applicants[0].email, PASSWORD)
    assert post_form(client, "/register-interest/check-your-answers", {}).status_code == 303
    enquiry = db.scalar(select(Enquiry).where(Enquiry.household_id == household.id))
    assert enquiry.agency_id == agency.id and enquiry.status == EnquiryStatus.ROI_RECEIVED


def test_a_confirmed_email_links_an_enquiry_made_before_the_account(client, db):
    hub_agency(db)
    agency = create_agency(db)
    household = create_household(db, agency=agency)
    enquiry = create_enquiry(db, agency=agency, email=household.applicants[0].email, status=EnquiryStatus.VISIT_DONE)
    sign_in(client, household.applicants[0].email, PASSWORD)
    assert post_form(client, "/register-interest/start", {}, page="/register-interest").status_code == 303
    db.refresh(enquiry)
    assert enquiry.household_id == household.id and enquiry.status == EnquiryStatus.ROI_INVITED


# The decision ----------------------------------------------------------------------------------

def submitted(db, agency, *, applicants=1):
    household = create_household(db, agency=agency, applicants=applicants, stage=HouseholdStage.ROI_SUBMITTED)
    enquiry = create_enquiry(db, agency=agency, household=household, status=EnquiryStatus.ROI_RECEIVED,
                             due_on=today_in_london() + timedelta(days=5), due_kind=DueKind.ROI_DECISION)
    registration = create_registration(db, household, complete=True, status=RoiStatus.SUBMITTED, submitted_at=utcnow(),
                                       decision_due_on=today_in_london() + timedelta(days=5))
    return household, enquiry, registration


def test_accepting_starts_stage_1_today_and_tells_the_household(app, client, db):
    hub_agency(db)
    agency = create_agency(db)
    household, enquiry, registration = submitted(db, agency, applicants=2)
    manager = create_staff(db, agency=agency, role=StaffRole.TEAM_MANAGER)
    sign_in(client, manager.email, PASSWORD)
    url = f"/staff/registrations/{registration.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Type 1" not in page and "Decision due" in page and household.applicants[1].first_name in page
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "viewed", AuditEvent.object_type == "RegistrationOfInterest")).first()
    assert post_form(client, url, {"decision": "accept"}).status_code == 303
    db.refresh(registration)
    db.refresh(household)
    db.refresh(enquiry)
    today = today_in_london()
    assert registration.status == RoiStatus.ACCEPTED and registration.decided_on == today
    assert household.stage == HouseholdStage.STAGE_1 and household.stage_entered_on == today
    assert enquiry.status == EnquiryStatus.CLOSED and enquiry.closed_reason == CloseReason.ROI_ACCEPTED and enquiry.due_on is None
    for applicant in household.applicants:
        [accepted] = emails(db, applicant.email, "roi/accepted")
        assert accepted.subject == "Your registration of interest has been accepted"
    applicant_client = signed_in(app, db, household.applicants[0])
    assert "Your Stage 1 started on" in applicant_client.get("/register-interest").get_data(as_text=True)


def test_declining_needs_reasons_which_the_household_reads_in_the_portal(app, client, db):
    hub_agency(db)
    agency = create_agency(db)
    household, enquiry, registration = submitted(db, agency)
    sign_in(client, create_staff(db, agency=agency, role=StaffRole.TEAM_MANAGER).email, PASSWORD)
    url = f"/staff/registrations/{registration.id}"
    response = post_form(client, url, {"decision": "decline", "reasons": ""})
    assert response.status_code == 422
    assert "Enter the reasons for not accepting it: the household will read them" in response.get_data(as_text=True)
    reasons = "Your home has no room for a child yet.\r\nWe would welcome you back <when> you move."
    assert post_form(client, url, {"decision": "decline", "reasons": reasons}).status_code == 303
    db.refresh(registration)
    db.refresh(household)
    assert registration.status == RoiStatus.DECLINED and household.stage == HouseholdStage.REGISTERED
    [declined] = emails(db, household.applicants[0].email, "roi/declined")
    assert "no room" not in declined.body_text  # the reasons stay in the portal
    page = signed_in(app, db, household.applicants[0]).get("/register-interest").get_data(as_text=True)
    assert "Your home has no room for a child yet.<br>We would welcome you back &lt;when&gt; you move." in page
    # A second decision is refused.
    response = post_form(client, url, {"decision": "accept"}, page=url)
    assert response.status_code == 422
    assert "A decision has already been made on this registration of interest" in response.get_data(as_text=True)
    db.refresh(registration)
    assert registration.status == RoiStatus.DECLINED


def test_staff_see_only_their_agencys_submitted_registrations(app, client, db):
    hub_agency(db)
    agency, other = create_agency(db), create_agency(db)
    _household, _enquiry, theirs = submitted(db, other)
    draft = create_registration(db, create_household(db, agency=agency))
    sign_in(client, create_staff(db, agency=agency).email, PASSWORD)
    assert client.get(f"/staff/registrations/{theirs.id}").status_code == 404
    assert client.get(f"/staff/registrations/{draft.id}").status_code == 404  # a draft is the household's
    assert post_form(client, f"/staff/registrations/{theirs.id}", {"decision": "accept"}, page="/staff").status_code == 404
    db.refresh(theirs)
    assert theirs.status == RoiStatus.SUBMITTED


def test_a_household_sees_only_its_own_registration(app, db):
    first, second = create_household(db), create_household(db)
    create_registration(db, first, complete=True, address_line_1="1 First Street")
    create_registration(db, second, complete=True, address_line_1="2 Second Street")
    page = signed_in(app, db, second.applicants[0]).get("/register-interest/check-your-answers").get_data(as_text=True)
    assert "2 Second Street" in page and "1 First Street" not in page


def test_names_in_emails_are_escaped(app, db):
    household = create_household(db, applicants=2)
    first, second = household.applicants
    first.first_name = "<b>Zed</b> & co"
    db.flush()
    with app.app_context():
        from portal.services import roi

        roi.start(db, first)
    [started] = emails(db, second.email, "roi/started")
    assert "&lt;b&gt;Zed&lt;/b&gt; &amp; co" in started.body_html and "<b>Zed</b>" not in started.body_html
    assert "<b>Zed</b> & co has started" in started.body_text  # plain text is plain text


def test_only_team_managers_and_hub_administrators_decide(app, client, db):
    hub = hub_agency(db)
    agency = create_agency(db)
    household, enquiry, registration = submitted(db, agency)
    url = f"/staff/registrations/{registration.id}"
    for role in (StaffRole.RECRUITMENT_OFFICER, StaffRole.SOCIAL_WORKER):
        other = signed_in(app, db, create_staff(db, agency=agency, role=role))
        page = other.get(url)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and 'name="decision"' not in html
        assert "A team manager or hub administrator decides whether to accept this registration of interest." in html
        response = post_form(other, url, {"decision": "accept"})
        assert response.status_code == 422
        assert ("Only a team manager or hub administrator can accept or decline a registration of interest"
                in response.get_data(as_text=True))
        db.refresh(registration)
        db.refresh(household)
        assert registration.status == RoiStatus.SUBMITTED and household.stage == HouseholdStage.ROI_SUBMITTED
    assert not emails(db, household.applicants[0].email, "roi/accepted")

    hub_admin = signed_in(app, db, create_staff(db, agency=hub, role=StaffRole.HUB_ADMIN))
    assert 'name="decision"' in hub_admin.get(url).get_data(as_text=True)
    assert post_form(hub_admin, url, {"decision": "accept"}).status_code == 303
    db.refresh(registration)
    db.refresh(household)
    assert registration.status == RoiStatus.ACCEPTED and household.stage == HouseholdStage.STAGE_1


def test_the_service_refuses_a_decision_from_another_role(app, db):
    import pytest

    from portal.services import roi
    from portal.services.errors import NotAllowed

    agency = create_agency(db)
    _household, _enquiry, registration = submitted(db, agency)
    worker = create_staff(db, agency=agency, role=StaffRole.SOCIAL_WORKER)
    with app.app_context(), pytest.raises(NotAllowed):
        roi.decide(db, worker, registration, accept=True, reasons=None)
    assert registration.status == RoiStatus.SUBMITTED


def test_a_decision_made_meanwhile_by_someone_else_is_a_message_not_a_server_error(app, client, db):
    import pytest

    from portal.services import roi
    from portal.services.errors import CONFLICT_MESSAGE, Conflict

    hub_agency(db)
    agency = create_agency(db)
    household, _enquiry, registration = submitted(db, agency)
    late = create_staff(db, agency=agency, role=StaffRole.TEAM_MANAGER)
    assert (registration.version, household.version) == (1, 1)  # this session's copies, about to go stale
    sign_in(client, create_staff(db, agency=agency, role=StaffRole.TEAM_MANAGER).email, PASSWORD)
    assert post_form(client, f"/staff/registrations/{registration.id}", {"decision": "decline", "reasons": "Not now"}).status_code == 303
    with app.app_context(), pytest.raises(Conflict) as caught:
        roi.decide(db, late, registration, accept=False, reasons="Also no")
    assert caught.value.message == CONFLICT_MESSAGE


def test_emails_go_only_to_applicants_who_confirmed_their_address(app, client, db):
    from portal.services.households import email_recipients

    hub_agency(db)
    agency = create_agency(db)
    household = create_household(db, agency=agency, applicants=2)
    first, invited = household.applicants
    invited.password_hash, invited.email_verified_at = None, None  # invited, not accepted yet
    db.flush()
    assert email_recipients(household) == [first]
    create_registration(db, household, complete=True)
    sign_in(client, first.email, PASSWORD)
    assert post_form(client, "/register-interest/check-your-answers", {}).status_code == 303
    registration = db.scalar(select(RegistrationOfInterest).where(RegistrationOfInterest.household_id == household.id))
    manager = signed_in(app, db, create_staff(db, agency=agency, role=StaffRole.TEAM_MANAGER))
    assert post_form(manager, f"/staff/registrations/{registration.id}", {"decision": "decline", "reasons": "No"}).status_code == 303
    assert emails(db, first.email, "roi/received") and emails(db, first.email, "roi/declined")
    assert emails(db, invited.email) == []
