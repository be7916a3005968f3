"""Email: an outbox written in the caller's transaction, delivered later over SMTP.

Each message has exactly one recipient (a newsletter to 900 people is 900 messages), a
plain-text and an HTML part, and optionally an iCalendar attachment. ``deliver_outbox``
claims messages one at a time and commits after each, so a crash part-way sends nothing
twice that it had marked sent, and a retry picks up where it stopped.
"""
from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from portal.clock import utcnow
from portal.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

# Backoff after a failed attempt: 1 minute, 5, 30, 2 hours, 12 hours.
RETRY_DELAYS = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                timedelta(hours=2), timedelta(hours=12)]
# A message left "sending" this long was claimed by a run that died: try it again.
CLAIM_TIMEOUT = timedelta(minutes=10)


def external_url(endpoint: str, **values) -> str:
    """An absolute link for an email, built from BASE_URL (never from a request's Host)."""
    parts = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def _clean_header(value: str) -> str:
    # No header may carry a line break: that is how header injection works.
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def queue_email(
    session: Session,
    to: str,
    template: str,
    subject: str,
    *,
    household_id: int | None = None,
    ics: str | None = None,
    ics_filename: str | None = None,
    headers: dict | None = None,
    now: datetime | None = None,
    **context,
) -> OutboxMessage:
    """Render ``email/<template>.txt`` and ``.html`` and put the message in the outbox."""
    _, address = parseaddr(to)
    if not address or "\n" in to or "\r" in to:
        raise ValueError("one plain email address per message")
    context.setdefault("agency_name", current_app.config["AGENCY_NAME"])
    context.setdefault("home_url", external_url("public.home"))
    context["subject"] = subject
    domain = current_app.config["BASE_URL"].split("//")[-1].split("/")[0].split(":")[0] or "portal"
    message = OutboxMessage(
        created_at=now or utcnow(),
        next_attempt_at=now or utcnow(),
        message_id=make_msgid(idstring=secrets.token_hex(8), domain=domain),
        template=template,
        to_address=address,
        subject=_clean_header(subject),
        body_text=render_template(f"email/{template}.txt", **context),
        body_html=render_template(f"email/{template}.html", **context),
        ics=ics,
        ics_filename=ics_filename,
        headers=headers,
        household_id=household_id,
    )
    session.add(message)
    return message


def build_message(row: OutboxMessage, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Message-ID"] = row.message_id
    msg["Date"] = format_datetime(row.created_at)
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in (row.headers or {}).items():
        msg[name] = _clean_header(str(value))
    msg.set_content(row.body_text)
    msg.add_alternative(row.body_html, subtype="html")
    if row.ics:
        msg.add_attachment(
            row.ics.encode("utf-8"),
            maintype="text",
            subtype="calendar",
            filename=row.ics_filename or "event.ics",
            params={"method": "PUBLISH", "charset": "utf-8"},
        )
    return msg


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _claim_next(session: Session, now: datetime) -> OutboxMessage | None:
    """Claim one due message with a conditional update, so two senders never share one."""
    due = (
        select(OutboxMessage.id)
        .where(
            or_(
                (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == OutboxStatus.SENDING)
                & (OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
            )
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
    )
    message_id = session.scalar(due)
    if message_id is None:
        return None
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
        .where(or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_TIMEOUT))
        .values(status=OutboxStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if claimed.rowcount != 1:
        return _claim_next(session, now)
    return session.get(OutboxMessage, message_id, populate_existing=True)


def smtp_connection(config: dict) -> smtplib.SMTP:
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return smtp


def deliver_outbox(session: Session, config: dict, now_fn=utcnow, limit: int | None = None) -> DeliveryReport:
    """Send due messages. Commits after each message: call it outside a request."""
    if not config.get("MAIL_SERVER"):
        raise RuntimeError("MAIL_SERVER is not set: nothing can be delivered")
    report = DeliveryReport()
    sender = config["MAIL_DEFAULT_SENDER"]
    max_attempts = config["MAIL_MAX_ATTEMPTS"]
    smtp = None
    try:
        while limit is None or report.sent + report.retried + report.failed < limit:
            row = _claim_next(session, now_fn())
            if row is None:
                break
            try:
                if smtp is None:
                    smtp = smtp_connection(config)
                smtp.send_message(build_message(row, sender), to_addrs=[row.to_address])
            except (smtplib.SMTPException, OSError) as exc:
                smtp = _close_quietly(smtp)
                error = f"{type(exc).__name__}: {getattr(exc, 'smtp_code', '')}".strip(": ")
                row.last_error = error[:500]
                row.claimed_at = None
                if row.attempts >= max_attempts:
                    row.status = OutboxStatus.FAILED
                    report.failed += 1
                else:
                    row.status = OutboxStatus.PENDING
                    delay = RETRY_DELAYS[min(row.attempts - 1, len(RETRY_DELAYS) - 1)]
                    row.next_attempt_at = now_fn() + delay
                    report.retried += 1
                # The message id, never the address: logs carry no personal data.
                log.warning("outbox message %s not sent (%s)", row.id, error)
            else:
                row.status = OutboxStatus.SENT
                row.sent_at = now_fn()
                row.last_error = None
                report.sent += 1
            session.commit()
    finally:
        _close_quietly(smtp)
    return report


def _close_quietly(smtp):
    if smtp is not None:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    return None
