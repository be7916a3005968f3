from datetime import timedelta

from sqlalchemy import select

from portal import create_app
from portal.clock import utcnow
from portal.models import OutboxMessage, OutboxStatus
from portal.services import mail


def _queue(app, db, to, **kwargs):
    with app.app_context():
        message = mail.queue_email(db, to, "accounts/reset_password", "Reset your password",
                                   name="Sam", link="https://portal.example.org/reset/abc", minutes=60, **kwargs)
    db.flush()
    return message


def test_each_message_goes_to_one_recipient_with_text_and_html(app, db, smtp_server, mail_config):
    addresses = ["one@example.com", "two@example.com", "three@example.com"]
    for address in addresses:
        _queue(app, db, address)
    report = mail.deliver_outbox(db, mail_config)
    assert report.sent == 3
    assert len(smtp_server.messages) == 3
    for envelope, message in zip(smtp_server.envelopes, smtp_server.messages):
        assert len(envelope.rcpt_tos) == 1
        assert message["To"] == envelope.rcpt_tos[0]
        assert message["Cc"] is None and message["Bcc"] is None
        others = set(addresses) - {envelope.rcpt_tos[0]}
        assert not any(other.encode() in envelope.content for other in others)
        assert message.get_body(("plain",)).get_content().startswith("Hello Sam")
        assert "<html" in message.get_body(("html",)).get_content()
    assert {m.status for m in db.scalars(select(OutboxMessage))} == {OutboxStatus.SENT}


def test_a_second_run_sends_nothing_twice(app, db, smtp_server, mail_config):
    _queue(app, db, "one@example.com")
    mail.deliver_outbox(db, mail_config)
    mail.deliver_outbox(db, mail_config)
    assert len(smtp_server.messages) == 1


def test_failed_delivery_is_retried_later_then_sent(app, db, smtp_server, mail_config):
    row = _queue(app, db, "one@example.com")
    smtp_server.fail_next = 1
    first = mail.deliver_outbox(db, mail_config)
    assert first.retried == 1 and smtp_server.messages == []
    assert row.status == OutboxStatus.PENDING and row.next_attempt_at > utcnow()
    # Not due yet: nothing happens.
    assert mail.deliver_outbox(db, mail_config).sent == 0
    later = lambda: utcnow() + timedelta(minutes=2)  # noqa: E731
    assert mail.deliver_outbox(db, mail_config, now_fn=later).sent == 1
    assert row.attempts == 2 and row.status == OutboxStatus.SENT


def test_gives_up_after_the_last_attempt(app, db, mail_config):
    config = dict(mail_config, MAIL_PORT=1, MAIL_MAX_ATTEMPTS=2)  # nothing listens there
    row = _queue(app, db, "one@example.com")
    mail.deliver_outbox(db, config)
    mail.deliver_outbox(db, config, now_fn=lambda: utcnow() + timedelta(hours=1))
    assert row.status == OutboxStatus.FAILED and row.attempts == 2
    assert row.last_error and "one@example.com" not in row.last_error


def test_a_message_left_sending_by_a_crashed_run_is_picked_up(app, db, smtp_server, mail_config):
    row = _queue(app, db, "one@example.com")
    row.status, row.claimed_at, row.attempts = OutboxStatus.SENDING, utcnow() - timedelta(minutes=11), 1
    db.flush()
    assert mail.deliver_outbox(db, mail_config).sent == 1
    # One claimed a moment ago belongs to a run still going: left alone.
    other = _queue(app, db, "two@example.com")
    other.status, other.claimed_at = OutboxStatus.SENDING, utcnow()
    db.flush()
    assert mail.deliver_outbox(db, mail_config).sent == 0


def test_calendar_attachment(app, db, smtp_server, mail_config):
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"
    _queue(app, db, "one@example.com", ics=ics, ics_filename="evening.ics")
    mail.deliver_outbox(db, mail_config)
    [message] = smtp_server.messages
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "evening.ics"
    assert attachment.get_param("method") == "PUBLISH"


def test_headers_cannot_be_injected_through_the_subject(app, db, smtp_server, mail_config):
    with app.app_context():
        mail.queue_email(db, "one@example.com", "accounts/reset_password", "Hi\r\nBcc: victim@example.com",
                         name="Sam", link="https://x.example.org", minutes=60)
    mail.deliver_outbox(db, mail_config)
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["one@example.com"]
    assert smtp_server.messages[0]["Bcc"] is None


def test_send_outbox_command(app, db, smtp_server, mail_config):
    _queue(app, db, "one@example.com")
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    try:
        result = app.test_cli_runner().invoke(args=["send-outbox"])
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25)
    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output
    assert len(smtp_server.messages) == 1


def test_development_outbox_shows_queued_mail(database_url):
    dev = create_app({"PORTAL_ENV": "development", "DATABASE_URL": database_url, "MAIL_SERVER": None})
    test = create_app({"PORTAL_ENV": "test", "DATABASE_URL": database_url})
    session = dev.extensions["db"].session()
    with dev.app_context():
        row = mail.queue_email(session, "dev@example.com", "accounts/reset_password", "Reset your password",
                               name="Sam", link="https://portal.example.org/reset/xyz", minutes=60)
    session.commit()
    try:
        client = dev.test_client()
        listing = client.get("/dev/outbox").get_data(as_text=True)
        assert "Reset your password" in listing and "dev@example.com" in listing
        page = client.get(f"/dev/outbox/{row.id}").get_data(as_text=True)
        assert 'href="https://portal.example.org/reset/xyz"' in page
        raw = client.get(f"/dev/outbox/{row.id}/html")
        assert "sandbox" in raw.headers["Content-Security-Policy"]
        assert test.test_client().get("/dev/outbox").status_code == 404
    finally:
        session.delete(session.get(OutboxMessage, row.id))
        session.commit()
        session.close()
        dev.extensions["db"].engine.dispose()
        test.extensions["db"].engine.dispose()


def test_linkify_escapes_everything_but_the_links():
    from portal.web import linkify

    html = str(linkify('Hi <script>x</script> see https://portal.example.org/a?b=1&c=2 or "https://e.example.org/"onmouseover=1'))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a class="govuk-link" href="https://portal.example.org/a?b=1&amp;c=2">' in html
    assert "onmouseover=1" in html and 'href="https://e.example.org/"onmouseover' not in html
