"""How the accessibility check reaches the enquiry, triage and registration of interest pages.

``tests/browser/pages.py`` owns the table of pages; it calls ``register`` with its own
``PAGES``, ``FORMS_WITH_ERRORS`` and ``Page`` so that these rows live beside the feature.
The demo data (``portal/demo_enquiries.py``) gives the ids: Ben Ashworth's enquiry at
Northvale, Chloe Evans's registration of interest waiting for a decision, and Amira Hassan's
registration of interest being filled in.
"""
from __future__ import annotations

from sqlalchemy import select

from portal import demo
from portal.clock import utcnow

OFFICER = demo.staff_email("Tom", "Lewis")              # recruitment officer, Northvale
MANAGER = demo.staff_email("Ruth", "Bennett")            # team manager, Northvale
ROI_IN_PROGRESS = demo.applicant_email("Amira", "Hassan")
ROI_SENT = demo.applicant_email("Chloe", "Evans")


def enquiry_id(live, last_name: str = "Ashworth") -> int:
    from portal.models import Enquiry

    return live.run(lambda session: session.scalar(select(Enquiry.id).where(Enquiry.last_name == last_name).limit(1)))


def registration_id(live) -> int:
    from portal.models import RegistrationOfInterest, User

    def work(session):
        household = session.scalar(select(User.household_id).where(User.email == ROI_SENT))
        return session.scalar(select(RegistrationOfInterest.id).where(RegistrationOfInterest.household_id == household))
    return live.run(work)


def emailed_link(live, purpose: str) -> str:
    """A fresh link of the kind the enquirer is emailed (to ask for a visit; to register interest)."""
    from portal.models import Enquiry, EnquiryTokenPurpose
    from portal.services import enquiries

    kind = EnquiryTokenPurpose(purpose)

    def work(session):
        enquiry = session.scalar(select(Enquiry).where(Enquiry.last_name == "Kapoor").limit(1))
        return enquiries.issue_token(session, enquiry, kind, days=7, now=utcnow())
    raw = live.run(work)
    prefix = "/enquire/initial-visit/" if kind == EnquiryTokenPurpose.VISIT_REQUEST else "/register-interest/invitation/"
    return prefix + raw


def register(pages: dict, forms_with_errors: list, Page) -> None:  # noqa: N803 - the table's own class
    visit = Page(url=lambda live: emailed_link(live, "visit_request"), lands_on="/enquire/initial-visit")
    invitation = Page(url=lambda live: emailed_link(live, "roi_invite"), lands_on="/register-interest/invitation")
    pages.update({
        "/enquire/initial-visit/<token>": visit,
        "/enquire/initial-visit": visit,
        "/register-interest/invitation/<token>": invitation,
        "/register-interest/invitation": invitation,
        # Without an invitation in this browser, the page explains that the link has expired.
        "/register-interest/create-account": Page(status=400),
        "/staff/enquiries": Page(user=OFFICER),
        "/staff/enquiries/<int:enquiry_id>": Page(user=OFFICER, url=lambda live: f"/staff/enquiries/{enquiry_id(live)}"),
        **{f"/staff/enquiries/<int:enquiry_id>/{tail}": Page(
            user=OFFICER, url=lambda live, tail=tail, who=who: f"/staff/enquiries/{enquiry_id(live, who)}/{tail}")
           for tail, who in [("status", "Ashworth"), ("transfer", "Ashworth"), ("visit", "Osei")]},
        "/staff/registrations/<int:roi_id>": Page(user=MANAGER, url=lambda live: f"/staff/registrations/{registration_id(live)}"),
        "/register-interest": Page(user=ROI_IN_PROGRESS),
        **{f"/register-interest/{tail}": Page(user=ROI_IN_PROGRESS) for tail in (
            "your-details", "health-and-background", "consent", "home", "people", "people/add",
            "previous-applications", "previous-applications/add", "check-your-answers")},
    })
    forms_with_errors.extend([
        "/enquire",
        "/staff/enquiries/<int:enquiry_id>/status",
        "/staff/enquiries/<int:enquiry_id>/transfer",
        "/register-interest/people/add",
        "/register-interest/previous-applications/add",
    ])
