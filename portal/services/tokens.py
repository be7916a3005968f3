"""Random tokens for links and sessions: 256 bits from the CSPRNG; only hashes are stored."""
from __future__ import annotations

import hashlib
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read out on the phone


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def reference(prefix: str, length: int = 6) -> str:
    return prefix + "-" + "".join(secrets.choice(ALPHABET) for _ in range(length))
