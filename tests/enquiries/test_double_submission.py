"""A double click, for real: the same form sent by several threads at once makes one enquiry."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.db import write_lock
from portal.models import Agency, ApplyingAs, ContactMethod, ContactTime, Enquiry, OutboxMessage
from portal.services import enquiries

THREADS = 6


def _answers() -> enquiries.EnquiryAnswers:
    return enquiries.EnquiryAnswers(first_name="Zoë", last_name="O'Brien", applying_as=ApplyingAs.ALONE,
                                    email="zoe@example.com", contact_method=ContactMethod.EMAIL,
                                    contact_time=ContactTime.ANY, wants_hub=True)


def _send_together(app, key: str | None) -> list[BaseException]:
    with app.app_context(), write_lock(), app.extensions["db"].session() as session:
        session.add(Agency(name="Hub", short_name="Hub", slug="hub", is_hub=True))
        session.commit()
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def send():
        try:
            barrier.wait(timeout=10)
            with app.app_context(), write_lock(), app.extensions["db"].session() as session:
                enquiries.submit_enquiry(session, _answers(), submission_key=key)
                session.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def _counts(app) -> tuple[int, int]:
    with app.app_context(), app.extensions["db"].session() as session:
        return (session.scalar(select(func.count()).select_from(Enquiry)),
                session.scalar(select(func.count()).select_from(OutboxMessage)))


@pytest.mark.concurrency
def test_the_same_form_sent_at_once_makes_one_enquiry_and_one_email(committed_app):
    assert _send_together(committed_app, "one-form-key") == []
    assert _counts(committed_app) == (1, 1)


@pytest.mark.concurrency
def test_the_unique_key_holds_even_when_every_sender_looks_before_any_writes(committed_app, monkeypatch):
    monkeypatch.setattr(enquiries, "_already_sent", lambda _session, _key: None)
    assert _send_together(committed_app, "one-form-key") == []
    assert _counts(committed_app) == (1, 1)


@pytest.mark.concurrency
def test_the_control_without_a_form_key_makes_one_enquiry_per_sender(committed_app):
    assert _send_together(committed_app, None) == []
    assert _counts(committed_app) == (THREADS, THREADS)
