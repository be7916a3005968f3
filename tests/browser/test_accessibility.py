"""Every page of the portal passes axe-core's WCAG 2.2 AA checks, as the right kind of user.

The list of pages comes from ``app.url_map``, so a new page is checked the day it is added;
``tests/browser/pages.py`` says who may see each one and how to find a real id for it.
"""
from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest

from tests.browser import pages
from tests.browser.conftest import describe_violations, run_axe, sign_in

PHONE = {"width": 375, "height": 812}


def test_every_page_is_reachable_by_the_check(app):
    missing = pages.uncovered(app)
    assert not missing, (
        "These GET rules are not in tests/browser/pages.py, so the accessibility check cannot reach them. "
        "Add each to PAGES (who signs in, how to find a valid id) or, if it is a file or feed, to NOT_PAGES:\n  "
        + "\n  ".join(missing)
    )
    stale = pages.stale_entries(app)
    assert not stale, "tests/browser/pages.py lists rules the app no longer has:\n  " + "\n  ".join(stale)


class Visitor:
    """One browser context per kind of user, each signed in once through the real form."""

    def __init__(self, new_browser_context, **options):
        self._new = new_browser_context
        self._options = options
        self._contexts = {}

    def page_for(self, user: str | None):
        if user not in self._contexts:
            # bypass_csp: axe-core is injected as a script tag, which the portal's CSP refuses.
            context = self._new(bypass_csp=True, **self._options)
            page = context.new_page()
            if user:
                sign_in(page, user)
            self._contexts[user] = page
        return self._contexts[user]


def open_page(visitor, live_server, rule: str, entry: pages.Page):
    """Open the page a rule stands for; return (page, problem or None)."""
    page = visitor.page_for(entry.user)
    path = entry.url(live_server) if entry.url else rule
    response = page.goto(path)
    if entry.then:
        path = entry.then
        response = page.goto(path)
    expected = entry.lands_on or urlsplit(path).path
    shown = urlsplit(page.url).path
    if response is None or response.status != entry.status or shown != expected:
        status = response.status if response else "no response"
        who = entry.user or "the public"
        return page, (f"{rule}: opening {path} as {who} gave {status} at {shown}, not {entry.status} at {expected}. "
                      "If it needs a signed-in user or an id, say so in tests/browser/pages.py")
    return page, None


@pytest.mark.browser
def test_every_page_has_no_accessibility_violations(app, live_server, new_browser_context):
    visitor = Visitor(new_browser_context)
    failures = []
    visited = 0
    timings = []
    for rule, entry in pages.pages_to_visit(app):
        began = time.perf_counter()
        page, problem = open_page(visitor, live_server, rule, entry)
        if problem:
            failures.append(problem)
            continue
        opened = time.perf_counter()
        violations = run_axe(page)
        timings.append((time.perf_counter() - began, opened - began, rule))
        visited += 1
        if violations:
            failures.append(describe_violations(f"{rule} ({page.url} as {entry.user or 'the public'})", violations))
    # An error page, as anyone who mistypes an address sees it.
    page, problem = open_page(visitor, live_server, "not found", pages.Page(url=lambda _live: "/no-such-page", status=404))
    if problem:
        failures.append(problem)
    elif violations := run_axe(page):
        failures.append(describe_violations("the 404 page", violations))
    print(f"axe-core checked {visited} pages and the 404 page; the slowest (seconds in all, to open):")
    for total, opening, rule in sorted(timings, reverse=True)[:8]:
        print(f"  {total:5.2f} {opening:5.2f}  {rule}")
    assert not failures, "\n\n".join(failures)
    assert visited >= len(pages.PAGES)


@pytest.mark.browser
def test_forms_showing_their_errors_have_no_violations(app, live_server, new_browser_context):
    visitor = Visitor(new_browser_context)
    rules = {rule.rule: rule for rule in pages.get_rules(app)}
    failures = []
    for path in pages.FORMS_WITH_ERRORS:
        entry = pages.page_for(rules[path])
        page, problem = open_page(visitor, live_server, path, entry)
        if problem:
            failures.append(problem)
            continue
        button = page.locator("main form[method='post'] button[type='submit'], main form[method='post'] input[type='submit']")
        if button.count() == 0:
            failures.append(f"{path}: no form with a submit button in <main> at {page.url}: {page.locator('main').inner_text()[:300]}")
            continue
        with page.expect_navigation() as navigation:
            button.first.click()
        status = navigation.value.status if navigation.value else None
        summary = page.locator(".govuk-error-summary")
        if status != 422 or summary.count() != 1:
            failures.append(f"{path}: submitting it empty gave {status} and {summary.count()} error summaries, not 422 and 1")
            continue
        # The GOV.UK error summary takes focus, so a screen reader announces it first.
        if not page.evaluate("() => document.activeElement.classList.contains('govuk-error-summary')"):
            failures.append(f"{path}: the error summary did not take focus")
        if violations := run_axe(page):
            failures.append(describe_violations(f"{path} with errors", violations))
    assert not failures, "\n\n".join(failures)


@pytest.mark.browser
def test_pages_fit_a_phone_screen(live_server, new_browser_context):
    visitor = Visitor(new_browser_context, viewport=PHONE, is_mobile=True, has_touch=True)
    page = visitor.page_for(None)
    for path in ("/", "/register"):
        page.goto(path)
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{path} scrolls sideways on a phone: {width[0]}px of content in {width[1]}px"
        violations = run_axe(page)
        assert not violations, describe_violations(f"{path} on a phone", violations)
    # The form with its errors showing is the widest it gets.
    with page.expect_navigation():
        page.get_by_role("button", name="Create account").click()
    assert page.locator(".govuk-error-summary").count() == 1
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"/register with errors scrolls sideways on a phone: {scroll}px in {inner}px"
