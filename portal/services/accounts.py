"""Accounts: household registration, email verification, sign-in sessions, passwords.

Nothing here may reveal whether an address has an account: that alone would tell someone
that a person is thinking of adopting. Registration with a known address, and a reset for
an unknown one, answer exactly as the other case does; only the mailbox's owner learns more.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.clock import today_in_london, utcnow
from portal.models import (
    Agency, Area, Household, HouseholdStage, StaffRole, TokenPurpose, User, UserKind,
    UserSession, UserToken,
)
from portal.services import audit, mail, passwords
from portal.services.errors import DomainError
from portal.services.tokens import digest, new_token, reference


class SignInFailed(DomainError):
    GENERIC = "Enter a correct email address and password"

    def __init__(self):
        super().__init__(self.GENERIC, "email")


class EmailNotVerified(DomainError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def _issue_token(session: Session, user: User, purpose: TokenPurpose, lifetime: timedelta, now: datetime) -> str:
    raw = new_token()
    session.add(UserToken(user=user, purpose=purpose, token_hash=digest(raw), created_at=now, expires_at=now + lifetime))
    return raw


def _verification_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["EMAIL_VERIFY_HOURS"])


def _send_verification(session: Session, user: User, now: datetime) -> None:
    raw = _issue_token(session, user, TokenPurpose.VERIFY_EMAIL, _verification_lifetime(), now)
    mail.queue_email(
        session, user.email, "accounts/verify_email", "Confirm your email address",
        household_id=user.household_id, now=now,
        name=user.first_name, link=mail.external_url("accounts.verify_email", token=raw),
        hours=current_app.config["EMAIL_VERIFY_HOURS"],
    )


def _send_already_registered(session: Session, user: User, now: datetime) -> None:
    mail.queue_email(
        session, user.email, "accounts/already_registered", "Someone tried to register with your email address",
        household_id=user.household_id, now=now,
        name=user.first_name,
        sign_in_link=mail.external_url("accounts.sign_in"),
        reset_link=mail.external_url("accounts.forgot_password"),
    )


@dataclass
class Applicant:
    first_name: str
    last_name: str
    email: str


def agency_for_area(session: Session, area_id: int | None) -> Agency:
    """The partner agency covering an area, or the hub where none does."""
    if area_id:
        area = session.get(Area, area_id)
        if area is not None:
            return area.agency
    return session.scalars(select(Agency).where(Agency.is_hub.is_(True))).one()


def register_household(
    session: Session,
    applicant: Applicant,
    password: str,
    *,
    area_id: int | None,
    partner: Applicant | None = None,
    now: datetime | None = None,
    enquiry=None,
) -> Household | None:
    """Create a household and its first applicant, and email a verification link.

    Returns None (and emails the owner instead) when the address already has an account:
    the caller shows the same "check your email" page in both cases. Given the person's
    ``enquiry`` (an invitation to register interest), the household joins the agency that
    holds the enquiry, and the enquiry is linked to it.
    """
    now = now or utcnow()
    passwords.check_policy(password, email=applicant.email)
    if partner and normalise_email(partner.email) == normalise_email(applicant.email):
        raise DomainError("Enter a different email address for the second applicant: each applicant signs in with their own", "partner_email")
    password_hash = passwords.hash_password(password)  # on both paths: equal time
    existing = find_user_by_email(session, applicant.email)
    if existing is not None:
        _send_already_registered(session, existing, now)
        return None
    agency = enquiry.agency if enquiry is not None else agency_for_area(session, area_id)
    household = Household(agency=agency, reference=reference(agency.slug[:3].upper()), stage=HouseholdStage.REGISTERED, stage_entered_on=today_in_london(now), created_at=now)
    session.add(household)
    first = User(
        email=normalise_email(applicant.email), first_name=applicant.first_name.strip(), last_name=applicant.last_name.strip(),
        kind=UserKind.APPLICANT, household=household, password_hash=password_hash,
        password_changed_at=now, created_at=now,
    )
    session.add(first)
    session.flush()
    audit.record(session, first, "created", household, summary="Household registered online", now=now)
    if enquiry is not None:
        enquiry.household = household
    _send_verification(session, first, now)
    if partner:
        invite_partner(session, first, partner, now=now)
    return household


def invite_partner(session: Session, inviter: User, partner: Applicant, *, now: datetime | None = None) -> User | None:
    """Add the second applicant; they choose their own password from an emailed link."""
    now = now or utcnow()
    household = inviter.household
    if len(household.applicants) >= 2:
        raise DomainError("Your household already has two applicants", "email")
    existing = find_user_by_email(session, partner.email)
    if existing is not None:
        _send_already_registered(session, existing, now)
        return None
    second = User(
        email=normalise_email(partner.email), first_name=partner.first_name.strip(), last_name=partner.last_name.strip(),
        kind=UserKind.APPLICANT, household=household, created_at=now,
    )
    session.add(second)
    session.flush()
    raw = _issue_token(session, second, TokenPurpose.INVITE, timedelta(days=14), now)
    mail.queue_email(
        session, second.email, "accounts/partner_invite", f"{inviter.first_name} added you to your household's adoption account",
        household_id=household.id, now=now,
        name=second.first_name, inviter=inviter.first_name, link=mail.external_url("accounts.accept_invite", token=raw),
    )
    audit.record(session, inviter, "created", second, summary="Second applicant added", household_id=household.id, agency_id=household.agency_id, now=now)
    return second


def _use_token(session: Session, raw: str, purpose: TokenPurpose, now: datetime) -> User:
    """Spend a single-use token. Expired, used and unknown tokens all fail the same way."""
    token = session.scalar(select(UserToken).where(UserToken.token_hash == digest(raw or "")))
    if token is None or token.purpose != purpose or token.used_at is not None or token.expires_at <= now:
        raise DomainError("This link has expired or has already been used")
    spent = session.execute(
        update(UserToken).where(UserToken.id == token.id, UserToken.used_at.is_(None)).values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:  # used by a simultaneous request
        raise DomainError("This link has expired or has already been used")
    return token.user


def peek_token(session: Session, raw: str, purpose: TokenPurpose, now: datetime | None = None) -> User | None:
    """The user a token belongs to, if it can still be used, without spending it."""
    now = now or utcnow()
    token = session.scalar(select(UserToken).where(UserToken.token_hash == digest(raw or "")))
    if token is None or token.purpose != purpose or token.used_at is not None or token.expires_at <= now:
        return None
    return token.user


def verify_email(session: Session, raw: str, *, now: datetime | None = None) -> User:
    now = now or utcnow()
    user = _use_token(session, raw, TokenPurpose.VERIFY_EMAIL, now)
    if user.email_verified_at is None:
        user.email_verified_at = now
        audit.record(session, user, "verified_email", user, household_id=user.household_id, agency_id=_agency_id(user), now=now)
    return user


def accept_invite(session: Session, raw: str, password: str, *, now: datetime | None = None) -> User:
    now = now or utcnow()
    user = peek_token(session, raw, TokenPurpose.INVITE, now)
    if user is None:
        raise DomainError("This link has expired or has already been used")
    passwords.check_policy(password, email=user.email)
    user = _use_token(session, raw, TokenPurpose.INVITE, now)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = now
    user.email_verified_at = user.email_verified_at or now  # the link reached their mailbox
    audit.record(session, user, "accepted_invite", user, household_id=user.household_id, agency_id=_agency_id(user), now=now)
    return user


def _agency_id(user: User) -> int | None:
    return user.agency_id if user.is_staff else (user.household.agency_id if user.household else None)


def authenticate(session: Session, email: str, password: str, *, now: datetime | None = None) -> User:
    """The user, if the email and password match an active, verified account.

    The same error, after the same hashing work, whether the address is unknown or the
    password wrong.
    """
    now = now or utcnow()
    user = find_user_by_email(session, email)
    if user is None or not user.is_active:
        passwords.burn_equal_time(password)
        raise SignInFailed()
    if not passwords.verify_password(user.password_hash, password):
        raise SignInFailed()
    if user.email_verified_at is None:
        recent = session.scalar(
            select(func.count()).select_from(UserToken).where(
                UserToken.user_id == user.id, UserToken.purpose == TokenPurpose.VERIFY_EMAIL,
                UserToken.created_at > now - timedelta(minutes=10),
            )
        )
        if not recent:
            _send_verification(session, user, now)
        raise EmailNotVerified(
            "You need to confirm your email address before you can sign in. We have sent you an email with a link to do that",
            "email",
        )
    return user


def start_session(session: Session, user: User, *, now: datetime | None = None) -> str:
    """A new server-side session for a sign-in; the raw token goes in the signed cookie."""
    now = now or utcnow()
    raw = new_token()
    session.add(UserSession(user=user, token_hash=digest(raw), created_at=now))
    user.last_login_at = now
    user.login_token = raw
    audit.record(session, user, "signed_in", user, household_id=user.household_id, agency_id=_agency_id(user), now=now)
    return raw


def session_limits(user: User) -> tuple[timedelta, timedelta]:
    """(idle, absolute) lifetimes: staff sessions are short, as they see many households."""
    config = current_app.config
    if user.is_staff:
        return timedelta(minutes=config["STAFF_IDLE_MINUTES"]), timedelta(hours=config["STAFF_ABSOLUTE_HOURS"])
    return timedelta(minutes=config["HOUSEHOLD_IDLE_MINUTES"]), timedelta(hours=config["HOUSEHOLD_ABSOLUTE_HOURS"])


def load_session(session: Session, raw: str, *, last_seen: datetime | None, now: datetime | None = None) -> User | None:
    """The signed-in user for a cookie's token, or None if revoked, idle or too old."""
    now = now or utcnow()
    row = session.scalar(select(UserSession).where(UserSession.token_hash == digest(raw or "")))
    if row is None or row.revoked_at is not None or not row.user.is_active:
        return None
    idle, absolute = session_limits(row.user)
    if now - row.created_at > absolute or (last_seen is not None and now - last_seen > idle):
        row.revoked_at = now
        return None
    row.user.login_token = raw
    return row.user


def end_session(session: Session, raw: str, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    session.execute(
        update(UserSession).where(UserSession.token_hash == digest(raw or ""), UserSession.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False)
    )


def revoke_sessions(session: Session, user: User, *, keep: str | None = None, now: datetime | None = None) -> None:
    now = now or utcnow()
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep:
        query = query.where(UserSession.token_hash != digest(keep))
    session.execute(query.values(revoked_at=now).execution_options(synchronize_session=False))


def request_password_reset(session: Session, email: str, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    user = find_user_by_email(session, email)
    if user is None or not user.is_active:
        return
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    raw = _issue_token(session, user, TokenPurpose.RESET_PASSWORD, timedelta(minutes=minutes), now)
    mail.queue_email(
        session, user.email, "accounts/reset_password", "Reset your password",
        household_id=user.household_id, now=now,
        name=user.first_name, link=mail.external_url("accounts.reset_password", token=raw), minutes=minutes,
    )


def reset_password(session: Session, raw: str, password: str, *, now: datetime | None = None) -> User:
    now = now or utcnow()
    user = peek_token(session, raw, TokenPurpose.RESET_PASSWORD, now)
    if user is None:
        raise DomainError("This link has expired or has already been used")
    passwords.check_policy(password, email=user.email)
    user = _use_token(session, raw, TokenPurpose.RESET_PASSWORD, now)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = now
    user.email_verified_at = user.email_verified_at or now
    revoke_sessions(session, user, now=now)
    audit.record(session, user, "reset_password", user, household_id=user.household_id, agency_id=_agency_id(user), now=now)
    mail.queue_email(session, user.email, "accounts/password_changed", "Your password has been changed",
                     household_id=user.household_id, now=now, name=user.first_name,
                     reset_link=mail.external_url("accounts.forgot_password"))
    return user


def change_password(session: Session, user: User, current: str, new: str, *, keep_session: str | None, now: datetime | None = None) -> None:
    now = now or utcnow()
    if not passwords.verify_password(user.password_hash, current):
        raise DomainError("Your current password is not correct", "current_password")
    passwords.check_policy(new, email=user.email, field="new_password")
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = now
    revoke_sessions(session, user, keep=keep_session, now=now)
    audit.record(session, user, "changed_password", user, household_id=user.household_id, agency_id=_agency_id(user), now=now)
    mail.queue_email(session, user.email, "accounts/password_changed", "Your password has been changed",
                     household_id=user.household_id, now=now, name=user.first_name,
                     reset_link=mail.external_url("accounts.forgot_password"))


def create_staff(
    session: Session, *, email: str, first_name: str, last_name: str, role: StaffRole, agency: Agency,
    password: str, actor: User | None = None, now: datetime | None = None,
) -> User:
    now = now or utcnow()
    if find_user_by_email(session, email) is not None:
        raise DomainError("An account with this email address already exists", "email")
    passwords.check_policy(password, email=email)
    if role == StaffRole.HUB_ADMIN and not agency.is_hub:
        raise DomainError("Hub administrators belong to the hub", "agency")
    user = User(
        email=normalise_email(email), first_name=first_name, last_name=last_name, kind=UserKind.STAFF, role=role,
        agency=agency, password_hash=passwords.hash_password(password), password_changed_at=now,
        email_verified_at=now, created_at=now,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "created", user, summary=f"Staff account created ({role.label})", agency_id=agency.id, now=now)
    return user
