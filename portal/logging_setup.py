"""Logging that carries no personal data: addresses and link tokens are redacted.

Request lines from the development server include the path, and paths of emailed links
carry tokens; messages from libraries may include addresses. Both are masked before any
handler sees them.
"""
from __future__ import annotations

import logging
import re

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+")
# Path segments and query values that look like tokens (22+ URL-safe characters).
TOKEN = re.compile(r"(?<=[/=])[A-Za-z0-9_\-]{22,}")


def redact(text: str) -> str:
    return TOKEN.sub("[redacted]", EMAIL.sub("[email]", text))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call should not take the request down
            message = str(record.msg)
        record.msg = redact(message)
        record.args = ()
        if record.exc_info:
            # A traceback quotes exception messages, which can carry a person's details
            # (an address in a validation error, a value in a database error). Keep the
            # shape of the failure (types and where), never the values.
            record.exc_text = redact(_traceback_without_values(record.exc_info))
            record.exc_info = None
        return True


def _traceback_without_values(exc_info) -> str:
    import traceback

    exc_type, exc, tb = exc_info
    frames = "".join(traceback.format_tb(tb))
    chain = []
    while exc is not None:
        chain.append(f"{type(exc).__module__}.{type(exc).__qualname__}")
        exc = exc.__cause__ or exc.__context__
    return f"Traceback (most recent call last):\n{frames}" + " <- ".join(chain) + " (message withheld: may hold personal data)"


def configure(level: str = "INFO") -> None:
    redactor = RedactingFilter()
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redactor)
    for name in ("werkzeug", "portal", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(redactor)
