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
        return True


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
