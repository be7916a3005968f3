"""Password policy and hashing.

At least 12 characters, up to 256; no composition rules (they make passwords worse);
common and breached passwords refused from an offline list, including the usual disguises
("Password1234!", "qwertyqwerty"). Hashes are scrypt, salted per user (Werkzeug's default).
"""
from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from portal.services.errors import DomainError

MIN_LENGTH = 12
MAX_LENGTH = 256
LIST_PATH = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt.gz"

# A hash to check against when no account matches, so that an unknown address costs the
# same time as a known one and the response time reveals nothing.
_DUMMY_HASH = generate_password_hash("not-a-real-password-but-the-same-cost")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(LIST_PATH, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


def _is_repetition(text: str) -> str | None:
    """'abcabcabc' -> 'abc'; None if the text is not one unit repeated."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return None


def is_common(password: str) -> bool:
    lowered = password.lower()
    common = common_passwords()
    candidates = {lowered, lowered.strip(), re.sub(r"[\d\W_]+$", "", lowered), re.sub(r"^[\d\W_]+", "", lowered)}
    for candidate in list(candidates):
        unit = _is_repetition(candidate)
        if unit:
            candidates.add(unit)
    if any(c in common for c in candidates if c):
        return True
    # One character repeated, or a run of the keyboard's digits: not in every list.
    if len(set(lowered)) <= 2:
        return True
    return lowered in "1234567890123456789012345678901234567890" or lowered in "09876543210987654321"


def check_policy(password: str, *, email: str | None = None, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise DomainError(f"Password must be {MIN_LENGTH} characters or more", field)
    if len(password) > MAX_LENGTH:
        raise DomainError(f"Password must be {MAX_LENGTH} characters or fewer", field)
    if is_common(password):
        raise DomainError(
            "This password is too common and easy to guess. Try three or four random words", field
        )
    if email and password.strip().lower() in {email.lower(), email.split("@")[0].lower()}:
        raise DomainError("Your password must not be your email address", field)


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, random salt


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)


def burn_equal_time(password: str) -> None:
    check_password_hash(_DUMMY_HASH, password)
