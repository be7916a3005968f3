"""Every page of the portal, and how the accessibility check reaches it.

``test_accessibility`` visits every GET rule in ``app.url_map``. A rule without URL
parameters that the public may see needs nothing here. Every other rule must be in
``PAGES``: which demo user to sign in as (see ``portal/demo.py``; all share
``DEMO_PASSWORD``) and how to build a working address from the live database. Rules that
are not pages (files, feeds, the raw email view) are in ``NOT_PAGES`` with the reason.
A GET rule in neither place fails the check, so a new page cannot miss it.

Each ``url`` function gets the live server (``tests.browser.conftest.LiveServer``) and
returns the path to open; it may create what it needs through the services (an emailed
link, say), since the live database is the browser tests' own.

Features may keep their rows beside their own tests, in ``tests/<feature>/browser_pages.py``
with ``register(PAGES, FORMS_WITH_ERRORS, Page)``, listed at the end of this module.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select

from portal import demo
from portal.models import User
from portal.services import accounts

# Demo sign-ins, by what they are for.
APPLICANT = demo.applicant_email("Amira", "Hassan")          # couple, registered, Northvale, ROI being filled in
SINGLE_APPLICANT = demo.applicant_email("Chloe", "Evans")    # alone, ROI sent, Northvale
OTHER_AGENCY_APPLICANT = demo.applicant_email("Mei", "Chen")  # alone, Stage 2, Eastbridge
RESET_USER = demo.applicant_email("Rachel", "Green")         # asks for reset links, never uses them
OFFICER = demo.staff_email("Tom", "Lewis")                   # recruitment officer, Northvale
SOCIAL_WORKER = demo.staff_email("Grace", "Adeyemi")         # social worker, Northvale
MANAGER = demo.staff_email("Ruth", "Bennett")                # team manager, Northvale
HUB_ADMIN = demo.staff_email("Hana", "Okafor")               # hub administrator

# Households with a journey record, by where they are (see portal/demo_journey.py).
JOURNEY_STAGE_1 = demo.applicant_email("Liam", "O'Connor")      # Stage 1, Northvale
JOURNEY_STAGE_2 = demo.applicant_email("Kwame", "Boateng")      # Stage 2, Northvale
JOURNEY_BREAK_TOO_LONG = demo.applicant_email("Priya", "Mehta")  # break past 6 months, Northvale

# Addresses that end like a file are downloads, not pages.
FILE_RULE = re.compile(r"\.(ics|csv|pdf|svg|png|xml|json|txt)$")
PASSPHRASE = "lantern orbit tangerine harbour"


@dataclass(frozen=True)
class Page:
    user: str | None = None                          # demo login to sign in as; None: the public
    url: Callable[[object], str] | None = None       # path to open; None: the rule itself
    lands_on: str | None = None                      # path shown after a redirect the rule makes by design
    status: int = 200
    then: str | None = None                          # a path to open next, in the same browser (for session state)


def ways_to_entry(entry: Page | tuple[Page, ...]) -> tuple[Page, ...]:
    """A rule's row is one Page, or several when one rule shows different pages to different people."""
    return entry if isinstance(entry, tuple) else (entry,)


# Helpers that find or make what a page needs -------------------------------------------

def _path(live, link: str) -> str:
    assert link.startswith(live.url), link
    return link[len(live.url):]


def user_id(live, email: str) -> int:
    return live.run(lambda session: session.scalar(select(User.id).where(User.email == email)))


def household_id(live, email: str) -> int:
    return live.run(lambda session: session.scalar(select(User.household_id).where(User.email == email)))


def newest_email_to(live, address: str, subject: str):
    messages = [m for m in live.emails_to(address) if m.subject == subject]
    assert messages, f"no email {subject!r}"
    return messages[-1]


def register_household(live, *, couple: bool = False) -> tuple[str, str | None]:
    """A new household registered through the service, as the form would: (email, partner's)."""
    tag = uuid.uuid4().hex[:8]
    email = f"axe-{tag}@example.com"
    partner = f"axe-{tag}-partner@example.com" if couple else None

    def work(session):
        accounts.register_household(
            session, accounts.Applicant("Alex", "Check", email), PASSPHRASE, area_id=None,
            partner=accounts.Applicant("Sam", "Check", partner) if partner else None,
        )
    live.run(work)
    return email, partner


def verify_link(live) -> str:
    email, _ = register_household(live)
    return _path(live, live.link_in(newest_email_to(live, email, "Confirm your email address")))


def invite_link(live) -> str:
    _, partner = register_household(live, couple=True)
    [invite] = live.emails_to(partner)
    return _path(live, live.link_in(invite))


def reset_link(live) -> str:
    live.run(lambda session: accounts.request_password_reset(session, RESET_USER))
    return _path(live, live.link_in(newest_email_to(live, RESET_USER, "Reset your password")))


def check_page(live) -> str:
    """A statutory check of a Stage 1 household, as its update form."""
    from portal.models import StatutoryCheck

    household = household_id(live, JOURNEY_STAGE_1)
    check = live.run(lambda session: session.scalar(
        select(StatutoryCheck.id).where(StatutoryCheck.household_id == household).order_by(StatutoryCheck.id).limit(1)))
    return f"/staff/households/{household}/checks/{check}"


def _manage_link(live) -> str:
    from tests.events.browser_pages import manage_link

    return manage_link(live)


def _roi_invitation(live) -> str:
    from tests.enquiries.browser_pages import emailed_link

    return emailed_link(live, "roi_invite")


def _information_evening(live) -> int:
    from tests.events.browser_pages import event_id

    return event_id(live)


def outbox_message(live) -> str:
    reset_link(live)
    return f"/dev/outbox/{newest_email_to(live, RESET_USER, 'Reset your password').id}"


# The table -----------------------------------------------------------------------------

PAGES: dict[str, Page | tuple[Page, ...]] = {
    # Accounts
    "/account/password": Page(user=APPLICANT),
    "/account/partner": Page(user=SINGLE_APPLICANT),
    "/verify/<token>": Page(url=verify_link, lands_on="/verify"),
    "/verify": Page(url=verify_link, lands_on="/verify"),
    "/reset/<token>": Page(url=reset_link, lands_on="/reset"),
    "/reset": Page(url=reset_link, lands_on="/reset"),
    "/invite/<token>": Page(url=invite_link, lands_on="/invite"),
    "/invite": Page(url=invite_link, lands_on="/invite"),
    # Households
    "/household": Page(user=APPLICANT),
    # Staff
    "/staff": Page(user=OFFICER),
    "/staff/households": Page(user=SOCIAL_WORKER),
    "/staff/households/<int:household_id>": Page(
        user=MANAGER, url=lambda live: f"/staff/households/{household_id(live, APPLICANT)}"),
    "/staff/audit": Page(user=HUB_ADMIN),
    # The journey (Stage 1 and Stage 2)
    "/progress": Page(user=OTHER_AGENCY_APPLICANT),
    "/progress/start-stage-2": Page(user=RESET_USER),
    "/staff/caseload": Page(user=SOCIAL_WORKER),
    "/staff/journeys": Page(user=MANAGER),
    "/staff/closure-days": Page(user=HUB_ADMIN),
    **{rule: Page(user=MANAGER, url=lambda live, tail=tail, who=who: f"/staff/households/{household_id(live, who)}{tail}")
       for rule, tail, who in [
           ("/staff/households/<int:household_id>/journey", "/journey", JOURNEY_STAGE_2),
           ("/staff/households/<int:household_id>/journey/start", "/journey/start", APPLICANT),
           ("/staff/households/<int:household_id>/journey/fast-track", "/journey/fast-track", APPLICANT),
           ("/staff/households/<int:household_id>/journey/start-again", "/journey/start-again", JOURNEY_BREAK_TOO_LONG),
           ("/staff/households/<int:household_id>/journey/steps/<step>", "/journey/steps/workbook", JOURNEY_STAGE_1),
           ("/staff/households/<int:household_id>/journey/extend-stage-1", "/journey/extend-stage-1", JOURNEY_STAGE_1),
           ("/staff/households/<int:household_id>/journey/stage-1-decision", "/journey/stage-1-decision", JOURNEY_STAGE_1),
           ("/staff/households/<int:household_id>/journey/notice", "/journey/notice", JOURNEY_STAGE_1),
           ("/staff/households/<int:household_id>/journey/panel-outcome", "/journey/panel-outcome", JOURNEY_STAGE_2),
           ("/staff/households/<int:household_id>/journey/agency-decision", "/journey/agency-decision", JOURNEY_STAGE_2),
           ("/staff/households/<int:household_id>/journey/pause", "/journey/pause", JOURNEY_STAGE_1),
           ("/staff/households/<int:household_id>/journey/resume", "/journey/resume", JOURNEY_STAGE_1),
           ("/staff/households/<int:household_id>/journey/withdraw", "/journey/withdraw", JOURNEY_STAGE_1),
           ("/staff/households/<int:household_id>/journey/visits/new", "/journey/visits/new", JOURNEY_STAGE_2),
           ("/staff/households/<int:household_id>/social-worker", "/social-worker", JOURNEY_STAGE_1),
           ("/staff/households/<int:household_id>/checks/new-adult", "/checks/new-adult", JOURNEY_STAGE_1),
           ("/staff/households/<int:household_id>/checks/new", "/checks/new", JOURNEY_STAGE_1),
           ("/staff/households/<int:household_id>/notes/new", "/notes/new", JOURNEY_STAGE_1),
       ]},
    "/staff/households/<int:household_id>/checks/<int:check_id>": Page(user=MANAGER, url=lambda live: check_page(live)),
    # Development outbox (switched on in the live server)
    "/dev/outbox/<int:message_id>": Page(url=outbox_message),
}

NOT_PAGES: dict[str, str] = {
    "/static/<path:filename>": "static files",
    "/dev/outbox/<int:message_id>/html": "an email's own HTML, shown raw in a sandbox",
}

# Forms checked again with their errors showing (submitted empty), reached as in PAGES
# (the first way, where a rule has several).
FORMS_WITH_ERRORS: list[str] = [
    "/sign-in",
    "/register",
    "/forgot-password",
    "/account/password",
    "/account/partner",
    "/reset",
    "/invite",
    "/register-interest/create-account",
    "/staff/households/<int:household_id>/journey/steps/<step>",
    "/staff/households/<int:household_id>/notes/new",
    "/staff/closure-days",
]


def get_rules(app) -> list:
    return sorted((rule for rule in app.url_map.iter_rules() if "GET" in rule.methods), key=lambda rule: rule.rule)


def is_page(rule) -> bool:
    return rule.rule not in NOT_PAGES and rule.endpoint != "static" and not FILE_RULE.search(rule.rule)


def ways_to(rule) -> tuple[Page, ...]:
    """How to reach a rule: empty when the table does not say and the public cannot."""
    if rule.rule in PAGES:
        return ways_to_entry(PAGES[rule.rule])
    if not rule.arguments:
        return (Page(),)
    return ()


def page_for(rule) -> Page | None:
    """The first way to reach a rule that shows the page itself (status 200), for its form."""
    ways = [way for way in ways_to(rule) if way.status == 200] or list(ways_to(rule))
    return ways[0] if ways else None


def pages_to_visit(app) -> list[tuple[str, Page]]:
    return [(rule.rule, way) for rule in get_rules(app) if is_page(rule) for way in ways_to(rule)]


def uncovered(app) -> list[str]:
    """GET rules with parameters that the table does not say how to reach."""
    return [f"{rule.rule} ({rule.endpoint})" for rule in get_rules(app) if is_page(rule) and page_for(rule) is None]


def stale_entries(app) -> list[str]:
    """Table rows for rules the app no longer has."""
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    return sorted(set(PAGES) - rules) + sorted(set(NOT_PAGES) - rules) + sorted(set(FORMS_WITH_ERRORS) - rules)


# Feature tables kept beside their own tests: each ``register(PAGES, FORMS_WITH_ERRORS, Page)``.
from tests.enquiries import browser_pages as _enquiry_pages  # noqa: E402
from tests.events import browser_pages as _event_pages  # noqa: E402

for _feature in (_enquiry_pages, _event_pages):
    _feature.register(PAGES, FORMS_WITH_ERRORS, Page)
FORMS_WITH_ERRORS[:] = list(dict.fromkeys(FORMS_WITH_ERRORS))


def also(rule: str, *more: Page) -> None:
    """Reach a rule another way too (another kind of user, another template)."""
    assert rule in PAGES, rule
    PAGES[rule] = tuple(ways_to_entry(PAGES[rule])) + more


# The form itself, not only the page for an expired invitation.
also("/register-interest/create-account", Page(url=_roi_invitation, then="/register-interest/create-account"))
# The cancel page of a booking made without an account, not only the booking.
also("/bookings/manage/cancel", Page(url=_manage_link, then="/bookings/manage/cancel"))
# What a signed-in household sees: its own booking form and the event as it applies to them.
also("/events/<int:event_id>", Page(user=JOURNEY_STAGE_1, url=lambda live: f"/events/{_information_evening(live)}"))
also("/events/<int:event_id>/book", Page(user=JOURNEY_STAGE_2, url=lambda live: f"/events/{_information_evening(live)}/book"))
