"""The idle timeout does not throw away a physician's typed work (issue 19
item 8), in a real browser, with the timeout shortened to seconds:

1. The reviewer types into the determination form; a warning dialog opens
   before the timeout (an alertdialog with a name, a description and focus on
   "Stay signed in"), opened without any request that extends the session.
2. "Stay signed in" sends one keep-alive POST and closes the dialog.
3. Left unanswered, the server ends the session (the page's timers never
   extend it); the page goes to the sign-in page, which says "Your session
   expired".
4. Signing in again brings the reviewer back to the form, which offers
   "Restore your unsaved text"; the text comes back, is saved, and the
   browser's copy is gone. The typed text was sent nowhere before the save.
5. Signing out clears what the browser kept.

Every page and the dialog go through `check_page` (axe-core + screenshots).
"""

import re

import pytest
from playwright.sync_api import expect

from determinations.models import Determination

from .pages import check_page, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

IDLE_SECONDS = 20
WARN_SECONDS = 14  # the dialog opens 6 s after the last request: time for axe and screenshots before the end
TYPED = "Sentinel draft: 52-year-old warehouse worker, chronic lumbar pain, typed while the session ran out."
SUMMARY = "Developed from a review of the case file"
DRAFT_KEYS = "() => Object.keys(sessionStorage).filter(k => k.startsWith('imr-draft:'))"


def test_idle_timeout_warns_then_keeps_and_restores_the_draft(new_page, people, settings):
    from imrsite.tests.admin_objects import draft_determination

    settings.SESSION_COOKIE_AGE = IDLE_SECONDS
    settings.IMR_SESSION_WARNING_SECONDS = WARN_SECONDS
    det = draft_determination(reviewer=people.reviewer.reviewer)
    saved_summary = det.clinical_case_summary
    url = f"/review/{det.case.number}/determination/"

    page = new_page()
    requests = []
    page.on("request", lambda r: requests.append((r.method, r.url, r.post_data or "")))

    sign_in(page, people.reviewer.username, people.password)
    page.goto(url)
    summary = page.get_by_label(SUMMARY)
    expect(summary).to_have_value(saved_summary)
    summary.fill(TYPED)
    page.wait_for_function(f"() => ({DRAFT_KEYS})().length === 1")
    assert page.evaluate(DRAFT_KEYS) == [f"imr-draft:{people.reviewer.pk}:determination:{det.case.number}"]

    # 1. The warning, opened by the page's own clock.
    dialog = page.get_by_role("alertdialog", name="Your session is about to end")
    expect(dialog).to_be_visible(timeout=(IDLE_SECONDS - WARN_SECONDS + 5) * 1000)
    expect(dialog).to_have_attribute("aria-describedby", "session-timeout-text")
    expect(page.locator("#session-timeout-text")).to_contain_text("you will be signed out in about")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Stay signed in"
    assert not [r for r in requests if "keep-alive" in r[1]], "a keep-alive was sent without a click"
    check_page(page, "25 reviewer session timeout warning")

    # 2. Stay signed in: one keep-alive, the dialog closes, screen readers hear it.
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#session-timeout-status")).to_have_text("You are still signed in.")
    assert [r[0] for r in requests if "keep-alive" in r[1]] == ["POST"]

    # 3. No answer this time: the server ends the session; the page follows.
    expect(dialog).to_be_visible(timeout=(IDLE_SECONDS - WARN_SECONDS + 5) * 1000)
    page.wait_for_url(re.compile(r"/accounts/login/\?next="), timeout=(WARN_SECONDS + 10) * 1000)
    expect(page.get_by_role("alert")).to_contain_text("Your session expired")
    assert len([r for r in requests if "keep-alive" in r[1]]) == 1, "the page extended the session by itself"
    assert Determination.objects.get(pk=det.pk).clinical_case_summary == saved_summary
    check_page(page, "26 sign in after the session expired")

    # 4. Sign in again (the form on this page keeps `next`): back to the form, text offered back.
    page.get_by_label("Username").fill(people.reviewer.username)
    page.get_by_label("Password").fill(people.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(url) + "$"))
    summary = page.get_by_label(SUMMARY)
    expect(summary).to_have_value(saved_summary)
    offer = page.get_by_role("alert").filter(has_text="not saved")
    expect(offer).to_be_visible()
    check_page(page, "27 reviewer restore unsaved text")
    offer.get_by_role("button", name="Restore your unsaved text").click()
    expect(summary).to_have_value(TYPED)
    expect(page.get_by_role("status").filter(has_text="back in the form")).to_be_visible()
    assert not [r for r in requests if TYPED.split(":")[0] in r[2]], "the draft was sent before the reviewer saved"

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert").filter(has_text="Draft saved")).to_be_visible()
    assert Determination.objects.get(pk=det.pk).clinical_case_summary == TYPED
    assert page.evaluate(DRAFT_KEYS) == []  # saved: the browser's copy is gone
    expect(page.get_by_role("alert").filter(has_text="not saved")).to_have_count(0)

    # 5. Typed again, then signed out: nothing stays in the browser.
    page.get_by_label(SUMMARY).fill(TYPED + " More.")
    page.wait_for_function(f"() => ({DRAFT_KEYS})().length === 1")
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    assert page.evaluate(DRAFT_KEYS) == []
    expect(page.get_by_text("Your session expired")).to_have_count(0)
