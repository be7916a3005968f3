from sqlalchemy import func, select

from portal.models import Household, OutboxMessage, User
from tests.factories import PASSWORD, create_agency, create_household
from tests.support import csrf_from, post_form

GOOD = {
    "first_name": "Zoë", "last_name": "O'Brien-Ngũgĩ", "email": "zoe@example.com",
    "password": "tangerine lantern orbit", "area": "-1", "applying": "alone",
}


def outbox_for(db, address):
    return db.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)).all()


def test_register_creates_household_and_sends_verification(client, db):
    create_agency(db, is_hub=True, slug="hub-r")
    response = post_form(client, "/register", GOOD)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/register/check-your-email")
    user = db.scalar(select(User).where(User.email == "zoe@example.com"))
    assert user.first_name == "Zoë" and user.last_name == "O'Brien-Ngũgĩ"
    assert user.email_verified_at is None
    assert user.household.agency.is_hub
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
    [message] = outbox_for(db, "zoe@example.com")
    assert message.subject == "Confirm your email address"
    assert "https://portal.example.org/verify/" in message.body_text


def test_register_routes_to_the_agency_covering_the_area(client, db):
    create_agency(db, is_hub=True, slug="hub-a")
    partner = create_agency(db, areas=["Brightwater"])
    data = dict(GOOD, area=str(partner.areas[0].id))
    assert post_form(client, "/register", data).status_code == 303
    user = db.scalar(select(User).where(User.email == "zoe@example.com"))
    assert user.household.agency_id == partner.id


def test_register_as_a_couple_invites_the_partner(client, db):
    create_agency(db, is_hub=True, slug="hub-c")
    data = dict(GOOD, applying="couple", partner_first_name="Kai", partner_last_name="Li", partner_email="kai@example.com")
    assert post_form(client, "/register", data).status_code == 303
    partner = db.scalar(select(User).where(User.email == "kai@example.com"))
    assert partner.password_hash is None
    [invite] = outbox_for(db, "kai@example.com")
    assert "/invite/" in invite.body_text
    assert len(partner.household.applicants) == 2


def test_errors_are_shown_by_the_field_and_answers_kept(client, db):
    create_agency(db, is_hub=True, slug="hub-e")
    before = db.scalar(select(func.count()).select_from(Household))
    data = dict(GOOD, email="not-an-email", password="short", first_name="")
    response = post_form(client, "/register", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html
    assert "Enter an email address in the correct format, like name@example.com" in html
    assert "Enter your first name" in html
    assert 'value="O&#39;Brien-Ngũgĩ"' in html  # the other answers are kept
    assert db.scalar(select(func.count()).select_from(Household)) == before


def test_weak_and_common_passwords_are_refused(client, db):
    create_agency(db, is_hub=True, slug="hub-p")
    for password, message in [
        ("elevenchars", "Password must be 12 characters or more"),
        ("password1234", "This password is too common"),
        ("qwertyqwerty", "This password is too common"),
    ]:
        html = post_form(client, "/register", dict(GOOD, password=password)).get_data(as_text=True)
        assert message in html, password
    assert db.scalar(select(User).where(User.email == "zoe@example.com")) is None


def test_long_and_unicode_passwords_are_accepted(client, db):
    create_agency(db, is_hub=True, slug="hub-l")
    long_password = "ünïcödé pässwörd " * 8
    assert post_form(client, "/register", dict(GOOD, password=long_password)).status_code == 303


def test_registering_a_known_address_reveals_nothing(client, db):
    create_agency(db, is_hub=True, slug="hub-k")
    existing = create_household(db).applicants[0]
    unknown = post_form(client, "/register", dict(GOOD, email="brand-new@example.com"))
    known = post_form(client, "/register", dict(GOOD, email=existing.email))
    assert unknown.status_code == known.status_code == 303
    assert unknown.headers["Location"] == known.headers["Location"]
    # Only the mailbox's owner learns that the address has an account.
    [notice] = outbox_for(db, existing.email)
    assert notice.subject == "Someone tried to register with your email address"


def test_partner_fields_required_only_for_couples(client, db):
    create_agency(db, is_hub=True, slug="hub-q")
    response = post_form(client, "/register", dict(GOOD, applying="couple"))
    assert response.status_code == 422
    assert "Enter your partner&#39;s email address" in response.get_data(as_text=True)


def test_register_without_csrf_token_is_refused(client, db):
    create_agency(db, is_hub=True, slug="hub-x")
    response = client.post("/register", data=GOOD)
    assert response.status_code == 400
    assert db.scalar(select(User).where(User.email == "zoe@example.com")) is None
