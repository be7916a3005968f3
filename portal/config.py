"""Configuration: defaults, overridden from the environment.

The portal refuses to start outside development and tests without a SECRET_KEY: a
guessable key would let anyone forge a signed-in session.
"""
from __future__ import annotations

import os
from pathlib import Path

ENVIRONMENTS = ("development", "test", "production")


class ConfigError(RuntimeError):
    pass


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def default_database_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "portal.db")


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the configuration dictionary from the environment plus explicit overrides."""
    overrides = dict(overrides or {})
    env = overrides.get("PORTAL_ENV") or os.environ.get("PORTAL_ENV", "production")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    production = env == "production"

    config: dict = {
        "PORTAL_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or default_database_url(instance_path),
        # Links in emails are built from this, never from the request's Host header.
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "AGENCY_NAME": os.environ.get("PORTAL_AGENCY_NAME", "Adopt Northvale"),
        # Mail
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool(os.environ.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(os.environ.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Adopt Northvale <no-reply@example.org>"),
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 30),
        "MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", 6),
        # Sessions and cookies
        "SESSION_COOKIE_NAME": "__Host-portal" if production else "portal",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "STAFF_IDLE_MINUTES": _int("STAFF_IDLE_MINUTES", 30),
        "STAFF_ABSOLUTE_HOURS": _int("STAFF_ABSOLUTE_HOURS", 12),
        "HOUSEHOLD_IDLE_MINUTES": _int("HOUSEHOLD_IDLE_MINUTES", 120),
        "HOUSEHOLD_ABSOLUTE_HOURS": _int("HOUSEHOLD_ABSOLUTE_HOURS", 24),
        "PASSWORD_RESET_MINUTES": _int("PASSWORD_RESET_MINUTES", 60),
        "EMAIL_VERIFY_HOURS": _int("EMAIL_VERIFY_HOURS", 72),
        # Forms and requests
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "MAX_CONTENT_LENGTH": 1024 * 1024,  # 1 MB: forms here are small
        "MAX_FORM_MEMORY_SIZE": 500 * 1024,
        # Rate limits
        "RATELIMIT_ENABLED": _bool(os.environ.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": False,
        "LOGIN_LIMIT": os.environ.get("LOGIN_LIMIT", "10 per 15 minutes"),
        # Working days the agency decision maker has after receiving the panel's minutes.
        "ADM_DECISION_WORKING_DAYS": _int("ADM_DECISION_WORKING_DAYS", 7),
        "SHOW_DEV_OUTBOX": False,
        "PROXY_FIX": _bool(os.environ.get("PROXY_FIX")),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
    }
    config.update(overrides)

    if not config["SECRET_KEY"]:
        if config["PORTAL_ENV"] == "production":
            raise ConfigError(
                "SECRET_KEY is not set. Set it in the environment to a long random value, "
                "for example: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        # Development and tests get a fresh random key each start: never a fixed literal.
        config["SECRET_KEY"] = os.urandom(32).hex()
    # The development outbox page only exists where no real mail is sent.
    config["SHOW_DEV_OUTBOX"] = config.get("SHOW_DEV_OUTBOX") or (
        config["PORTAL_ENV"] == "development" and not config["MAIL_SERVER"]
    )
    return config
