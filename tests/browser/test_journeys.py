"""Walkthroughs in a real browser: what people do, end to end, on the live server.

The emails the portal sends are read where a developer reads them, in the development
outbox, and their links are followed as a person would follow them.
"""
from __future__ import annotations

import re
import uuid

import pytest

from portal import demo
from tests.browser import pages
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "marigold quarry lantern"
NEW_PASSWORD = "harbour violet cinnamon"


def follow_email(page, to: str, subject: str, link_part: str) -> None:
    """Open the newest email to ``to`` in the development outbox and follow its link."""
    page.goto("/dev/outbox")
    row = page.get_by_role("row").filter(has_text=to).filter(has_text=subject).first
    row.get_by_role("link", name=subject).click()
    page.wait_for_url(re.compile(r"/dev/outbox/\d+$"))
    page.locator(f"a[href*='{link_part}']").first.click()


def heading(page) -> str:
    return page.locator("h1").inner_text()


def test_a_couple_registers_confirms_signs_in_and_resets_a_password(new_browser_context):
    tag = uuid.uuid4().hex[:8]
    email, partner_email = f"nadia-{tag}@example.com", f"sam-{tag}@example.com"
    page = new_browser_context().new_page()

    page.goto("/")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Create an account", exact=True).click()
    assert heading(page) == "Create an account for your household"
    page.get_by_label("First name", exact=True).fill("Nadia")
    page.get_by_label("Last name", exact=True).fill("Ferreira")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Where do you live?").select_option(label="Northvale")
    page.get_by_label("With a partner").check()
    page.get_by_label("Partner's first name").fill("Sam")
    page.get_by_label("Partner's last name").fill("Ferreira")
    page.get_by_label("Partner's email address").fill(partner_email)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/register/check-your-email")
    assert heading(page) == "Check your email"

    # Signing in before confirming the address is refused, with a reason.
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert "confirm your email address" in page.locator(".govuk-error-summary").inner_text()

    follow_email(page, email, "Confirm your email address", "/verify/")
    page.wait_for_url("**/verify")  # the token has left the address bar
    page.get_by_role("button", name="Confirm my email address").click()
    page.wait_for_url("**/sign-in")
    assert "Your email address is confirmed" in page.locator(".govuk-notification-banner").inner_text()

    sign_in(page, email, PASSWORD)
    page.wait_for_url("**/household")
    assert heading(page) == "Your household"
    applicants = page.locator(".govuk-summary-list__row", has_text="Applicants").inner_text()
    assert "Nadia Ferreira" in applicants and "Sam Ferreira (invitation sent, not yet accepted)" in applicants

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    assert "You have signed out" in page.locator(".govuk-notification-banner").inner_text()
    page.goto("/household")
    assert "/sign-in" in page.url  # the old session is gone

    page.get_by_role("link", name="I have forgotten my password").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_url("**/forgot-password/sent")
    follow_email(page, email, "Reset your password", "/reset/")
    page.wait_for_url("**/reset")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    page.wait_for_url("**/sign-in")
    assert "Your password has been changed" in page.locator(".govuk-notification-banner").inner_text()

    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert "Enter a correct email address and password" in page.locator(".govuk-error-summary").inner_text()
    sign_in(page, email, NEW_PASSWORD)
    assert heading(page) == "Your household"

    # The partner accepts the invitation in a browser of their own.
    partner = new_browser_context().new_page()
    follow_email(partner, partner_email, "Nadia added you to your household's adoption account", "/invite/")
    partner.wait_for_url("**/invite")
    assert heading(partner) == "Welcome, Sam: create your password"
    partner.get_by_label("New password", exact=True).fill(PASSWORD)
    partner.get_by_label("Confirm new password").fill(PASSWORD)
    partner.get_by_role("button", name="Save password").click()
    partner.wait_for_url("**/sign-in")
    sign_in(partner, partner_email, PASSWORD)
    applicants = partner.locator(".govuk-summary-list__row", has_text="Applicants").inner_text()
    assert "Sam Ferreira" in applicants and "not yet accepted" not in applicants


def test_staff_see_their_agency_and_managers_the_audit_log(live_server, new_browser_context):
    page = new_browser_context().new_page()
    sign_in(page, pages.MANAGER)
    page.wait_for_url("**/staff")
    assert heading(page) == "Staff home"
    assert page.locator(".govuk-caption-l").inner_text() == "Northvale County Council"

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Households", exact=True).click()
    listing = page.locator("table").inner_text()
    assert "Amira Hassan" in listing and "Mei Chen" not in listing  # another partner's household
    page.get_by_role("link", name="Amira Hassan and Joe Hassan").click()
    assert heading(page) == "Amira Hassan and Joe Hassan"

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Audit log", exact=True).click()
    assert heading(page) == "Audit log"
    newest = page.locator("tbody tr").first.inner_text()
    assert "Ruth Bennett" in newest and "Viewed household record" in newest

    # Another partner's household is not even confirmed to exist.
    response = page.goto(f"/staff/households/{pages.household_id(live_server, pages.OTHER_AGENCY_APPLICANT)}")
    assert response.status == 404

    officer = new_browser_context().new_page()
    sign_in(officer, pages.OFFICER)
    assert officer.get_by_role("navigation", name="Main menu").get_by_role("link", name="Audit log", exact=True).count() == 0
    assert officer.goto("/staff/audit").status == 403


def test_signing_in_with_the_keyboard_alone(new_browser_context):
    page = new_browser_context().new_page()
    page.goto("/sign-in")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main-content"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "email"
    page.keyboard.type(pages.SINGLE_APPLICANT)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "password"
    page.keyboard.type(demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/household")
    assert heading(page) == "Your household"


def test_signing_in_and_out_without_javascript(new_browser_context):
    page = new_browser_context(java_script_enabled=False).new_page()
    page.goto("/register")
    # The partner's questions are always shown, with or without scripts.
    assert page.get_by_label("Partner's email address").is_visible()
    sign_in(page, pages.APPLICANT)
    page.wait_for_url("**/household")
    assert heading(page) == "Your household"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    assert "You have signed out" in page.locator(".govuk-notification-banner").inner_text()
