import re
from datetime import timedelta

from sqlalchemy import select

from portal.clock import utcnow
from portal.models import AuditEvent, OutboxMessage, UserSession
from tests.factories import PASSWORD, create_household, create_staff
from tests.support import csrf_from, post_form, sign_in


def test_applicant_signs_in_and_out(client, db):
    user = create_household(db).applicants[0]
    response = sign_in(client, user.email.upper(), PASSWORD)  # addresses are not case-sensitive
    assert response.headers["Location"].endswith("/household")
    home = client.get("/household")
    assert home.status_code == 200 and user.household.reference in home.get_data(as_text=True)
    assert home.headers["Cache-Control"] == "no-store"
    out = post_form(client, "/sign-out", {}, page="/household")
    assert out.status_code == 303
    assert client.get("/household").status_code == 302  # back to sign in


def test_sign_out_is_not_a_get(client, db):
    user = create_household(db).applicants[0]
    sign_in(client, user.email, PASSWORD)
    assert client.get("/sign-out").status_code == 405
    assert client.get("/household").status_code == 200


def test_sign_out_needs_csrf(client, db):
    user = create_household(db).applicants[0]
    sign_in(client, user.email, PASSWORD)
    assert client.post("/sign-out").status_code == 400
    assert client.get("/household").status_code == 200


def test_wrong_password_and_unknown_address_look_the_same(client, db):
    user = create_household(db).applicants[0]
    wrong = post_form(client, "/sign-in", {"email": user.email, "password": "not the right one at all"})
    unknown = post_form(client, "/sign-in", {"email": "nobody@example.com", "password": "not the right one at all"})
    assert wrong.status_code == unknown.status_code == 422
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731
    assert strip(wrong.get_data(as_text=True)) == strip(unknown.get_data(as_text=True)).replace("nobody@example.com", user.email)
    assert "Enter a correct email address and password" in wrong.get_data(as_text=True)


def test_unverified_applicant_is_sent_a_new_link(client, db):
    user = create_household(db, verified=False).applicants[0]
    response = post_form(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 422
    assert "confirm your email address" in response.get_data(as_text=True)
    assert db.scalar(select(OutboxMessage).where(OutboxMessage.to_address == user.email)) is not None


def test_replaying_a_cookie_after_sign_out_fails(client, db, app):
    user = create_household(db).applicants[0]
    sign_in(client, user.email, PASSWORD)
    stolen = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    post_form(client, "/sign-out", {}, page="/household")
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    assert client.get("/household").status_code == 302


def test_new_session_at_sign_in(client, db, app):
    user = create_household(db).applicants[0]
    client.get("/sign-in")
    before = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    sign_in(client, user.email, PASSWORD)
    after = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert before != after
    assert db.scalar(select(UserSession).where(UserSession.user_id == user.id)).revoked_at is None


def test_staff_session_ends_after_30_idle_minutes(client, db, app):
    staff = create_staff(db)
    sign_in(client, staff.email, PASSWORD)
    assert client.get("/staff").status_code == 200
    with client.session_transaction() as session:
        session["seen"] = (utcnow() - timedelta(minutes=31)).isoformat()
    assert client.get("/staff").status_code == 302


def test_household_session_survives_30_idle_minutes(client, db):
    user = create_household(db).applicants[0]
    sign_in(client, user.email, PASSWORD)
    with client.session_transaction() as session:
        session["seen"] = (utcnow() - timedelta(minutes=31)).isoformat()
    assert client.get("/household").status_code == 200


def test_staff_session_has_an_absolute_limit(client, db):
    staff = create_staff(db)
    sign_in(client, staff.email, PASSWORD)
    row = db.scalar(select(UserSession).where(UserSession.user_id == staff.id))
    row.created_at = utcnow() - timedelta(hours=13)
    db.flush()
    assert client.get("/staff").status_code == 302


def test_sign_in_is_throttled_per_account(client, db):
    user = create_household(db).applicants[0]
    for _ in range(10):
        assert post_form(client, "/sign-in", {"email": user.email, "password": "wrong password 123"}).status_code == 422
    limited = post_form(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    assert limited.status_code == 429
    assert "Too many attempts" in limited.get_data(as_text=True)
    # Another account from elsewhere is not locked out by it; the victim can still reset.
    assert post_form(client, "/forgot-password", {"email": user.email}).status_code == 303


def test_sign_in_is_throttled_per_address(client, db):
    for n in range(10):
        post_form(client, "/sign-in", {"email": f"guess{n}@example.com", "password": "wrong password 123"})
    assert post_form(client, "/sign-in", {"email": "other@example.com", "password": "x" * 12}).status_code == 429


def test_successful_sign_ins_do_not_count_towards_the_limit(client, db):
    user = create_household(db).applicants[0]
    for _ in range(12):
        sign_in(client, user.email, PASSWORD)
        post_form(client, "/sign-out", {}, page="/household")


def test_next_parameter_cannot_leave_the_site(client, db):
    user = create_household(db).applicants[0]
    page = client.get("/sign-in?next=https://evil.example.com/")
    response = client.post("/sign-in?next=https://evil.example.com/", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "email": user.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/household")
    assert "evil" not in response.headers["Location"]


def test_sign_in_is_audited(client, db):
    user = create_household(db).applicants[0]
    sign_in(client, user.email, PASSWORD)
    assert db.scalar(select(AuditEvent).where(AuditEvent.actor_id == user.id, AuditEvent.action == "signed_in"))


def test_staff_and_applicants_land_on_their_own_homes(client, db):
    staff = create_staff(db)
    assert sign_in(client, staff.email, PASSWORD).headers["Location"].endswith("/staff")
    assert client.get("/household").status_code == 403


def test_a_new_household_is_shown_what_to_do_next(client, db):
    user = create_household(db).applicants[0]
    sign_in(client, user.email, PASSWORD)
    html = client.get("/household").get_data(as_text=True)
    assert "What happens next" in html
    assert 'href="/register-interest"' in html
