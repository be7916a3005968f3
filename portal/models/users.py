from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import UTCDateTime, utcnow
from portal.db import Base


def str_enum(enum_cls, length: int = 30) -> Enum:
    """Enums stored as their string values in a VARCHAR: portable and easy to extend."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class UserKind(str, enum.Enum):
    APPLICANT = "applicant"
    STAFF = "staff"


class StaffRole(str, enum.Enum):
    RECRUITMENT_OFFICER = "recruitment_officer"
    SOCIAL_WORKER = "social_worker"
    TEAM_MANAGER = "team_manager"
    HUB_ADMIN = "hub_admin"

    @property
    def label(self) -> str:
        return {
            "recruitment_officer": "Recruitment officer",
            "social_worker": "Social worker",
            "team_manager": "Team manager",
            "hub_admin": "Hub administrator",
        }[self.value]


class User(Base):
    """A person who signs in: an applicant of a household, or a member of staff."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'staff' AND role IS NOT NULL AND agency_id IS NOT NULL AND household_id IS NULL)"
            " OR (kind = 'applicant' AND role IS NULL AND household_id IS NOT NULL)",
            name="kind_fields",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[UserKind] = mapped_column(str_enum(UserKind))
    role: Mapped[StaffRole | None] = mapped_column(str_enum(StaffRole))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    agency: Mapped["Agency | None"] = relationship(foreign_keys=[agency_id])  # noqa: F821
    household: Mapped["Household | None"] = relationship(  # noqa: F821
        back_populates="applicants", foreign_keys=[household_id]
    )

    # Flask-Login: the id kept in the cookie is the server-side session's token, set at
    # sign-in and on each load, so that signing out or changing a password can revoke it.
    login_token = None  # not mapped: set at sign-in and on each load

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.login_token

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_staff(self) -> bool:
        return self.kind == UserKind.STAFF

    @property
    def is_applicant(self) -> bool:
        return self.kind == UserKind.APPLICANT

    @property
    def is_hub(self) -> bool:
        return self.is_staff and self.agency is not None and self.agency.is_hub

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.kind.value}>"


class UserSession(Base):
    """A signed-in browser. The cookie holds only a random token; its hash is kept here."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class TokenPurpose(str, enum.Enum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"
    INVITE = "invite"  # a second applicant, or staff, choosing a first password


class UserToken(Base):
    """A single-use, expiring token sent by email. Only its SHA-256 is stored."""

    __tablename__ = "user_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
