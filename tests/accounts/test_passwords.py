import re

import pytest
from sqlalchemy import select

from portal.models import OutboxMessage, UserSession
from portal.services import passwords
from portal.services.errors import DomainError
from tests.factories import PASSWORD, create_household, create_staff
from tests.support import post_form, sign_in


def _link(db, address, path):
    message = db.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id.desc())).first()
    match = re.search(r"https://portal\.example\.org(/%s/\S+)" % path, message.body_text)
    return match.group(1)


def test_reset_password_end_to_end(client, db):
    user = create_household(db).applicants[0]
    assert post_form(client, "/forgot-password", {"email": user.email}).status_code == 303
    link = _link(db, user.email, "reset")
    landing = client.get(link)
    assert landing.status_code == 303 and landing.headers["Location"].endswith("/reset")  # token leaves the URL
    response = post_form(client, "/reset", {"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert response.status_code == 303
    sign_in(client, user.email, "a brand new passphrase")
    # Single use: the same link does not work twice.
    client.get(link)
    assert client.get("/reset").status_code == 400


def test_reset_for_unknown_address_looks_the_same(client, db):
    user = create_household(db).applicants[0]
    known = post_form(client, "/forgot-password", {"email": user.email})
    unknown = post_form(client, "/forgot-password", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "nobody@example.com")) is None


def test_expired_reset_link_is_refused(client, db, app):
    from datetime import timedelta

    from portal.models import UserToken
    user = create_household(db).applicants[0]
    post_form(client, "/forgot-password", {"email": user.email})
    link = _link(db, user.email, "reset")
    token = db.scalar(select(UserToken).where(UserToken.user_id == user.id))
    token.expires_at = token.created_at - timedelta(seconds=1)
    db.flush()
    client.get(link)
    response = client.get("/reset")
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_reset_revokes_every_session(client, db, app):
    user = create_household(db).applicants[0]
    sign_in(client, user.email, PASSWORD)
    other = app.test_client()
    sign_in(other, user.email, PASSWORD)
    post_form(client, "/forgot-password", {"email": user.email}, page="/household")
    client.get(_link(db, user.email, "reset"))
    post_form(client, "/reset", {"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    assert other.get("/household").status_code == 302


def test_change_password_keeps_this_session_and_revokes_others(client, db, app):
    user = create_household(db).applicants[0]
    sign_in(client, user.email, PASSWORD)
    other = app.test_client()
    sign_in(other, user.email, PASSWORD)
    response = post_form(client, "/account/password", {"current_password": PASSWORD, "new_password": "violet harbour kettle"})
    assert response.status_code == 303
    assert client.get("/household").status_code == 200
    assert other.get("/household").status_code == 302
    live = db.scalars(select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))).all()
    assert len(live) == 1
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.to_address == user.email, OutboxMessage.subject == "Your password has been changed"))


def test_change_password_with_wrong_current_password(client, db):
    staff = create_staff(db)
    sign_in(client, staff.email, PASSWORD)
    response = post_form(client, "/account/password", {"current_password": "not my password", "new_password": "violet harbour kettle"})
    assert response.status_code == 422
    assert "Your current password is not correct" in response.get_data(as_text=True)


@pytest.mark.parametrize("password", ["password123456", "1234567890123", "aaaaaaaaaaaaaa", "Password1234!", "letmeinletmein"])
def test_common_passwords_refused(password):
    with pytest.raises(DomainError):
        passwords.check_policy(password)


def test_hashes_are_salted_scrypt():
    first, second = passwords.hash_password(PASSWORD), passwords.hash_password(PASSWORD)
    assert first.startswith("scrypt:") and first != second
    assert passwords.verify_password(first, PASSWORD) and not passwords.verify_password(first, PASSWORD + "x")


def test_verification_link_confirms_with_a_button(client, db):
    from portal.models import User
    from tests.factories import create_agency

    create_agency(db, is_hub=True, slug="hub-v")
    post_form(client, "/register", {"first_name": "Ana", "last_name": "Lee", "email": "ana@example.com",
                                    "password": "tangerine lantern orbit", "area": "-1", "applying": "alone"})
    link = _link(db, "ana@example.com", "verify")
    assert client.get(link).status_code == 303
    page = client.get("/verify")
    assert "Confirm my email address" in page.get_data(as_text=True)
    user = db.scalar(select(User).where(User.email == "ana@example.com"))
    assert user.email_verified_at is None  # following the link alone changes nothing
    assert post_form(client, "/verify", {}).status_code == 303
    db.refresh(user)
    assert user.email_verified_at is not None
    sign_in(client, "ana@example.com", "tangerine lantern orbit")


def test_partner_accepts_invitation_and_signs_in(client, db):
    household = create_household(db)
    first = household.applicants[0]
    sign_in(client, first.email, PASSWORD)
    assert post_form(client, "/account/partner", {"first_name": "Jo", "last_name": "Ng", "email": "jo@example.com"}).status_code == 303
    post_form(client, "/sign-out", {}, page="/household")
    client.get(_link(db, "jo@example.com", "invite"))
    assert post_form(client, "/invite", {"password": "maple cinder voyage", "confirm": "maple cinder voyage"}).status_code == 303
    sign_in(client, "jo@example.com", "maple cinder voyage")
    assert household.reference in client.get("/household").get_data(as_text=True)
