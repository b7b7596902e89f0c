"""Keyboard and screen-reader use, and the pages a journey meets when it goes wrong.

- The intake form can be completed with the keyboard alone (Tab, typing, Enter).
- Focus is visible on every control the keyboard reaches.
- A refused form says so: the summary is an alert and takes focus, every
  invalid field is aria-invalid and described by its message.
- The 403, 404 and 500 pages are the product's, pass axe-core and are photographed.
- The work queues (intake home page), a queue's case list with a deadline due
  soon, the saved views, a bulk action's result and the reviewer's queues pass
  axe-core and are photographed.
"""

import re
from datetime import timedelta

import pytest
from django.urls import include, path
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case

from .pages import check_page, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _boom(request):
    raise RuntimeError("a deliberate failure, to show the 500 page")


# The 500 page needs a view that fails; this URLconf adds one to the product's.
urlpatterns = [path("__boom__/", _boom), path("", include("imrsite.urls"))]

FOCUSED = "() => { const e = document.activeElement; return e ? (e.id || e.textContent.trim()) : null; }"
DESCRIBE_FOCUS = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  return [e.tagName, e.type, s.outlineStyle, s.outlineWidth, s.outlineColor].join(" ");
}"""
FOCUS_RING = """() => {
  if (document.activeElement === document.body) { return true; }  // nothing focused yet
  const s = getComputedStyle(document.activeElement);
  return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
}"""


def tab_to(page, target: str, *, limit: int = 120) -> None:
    """Press Tab until the element with this id (or, for a link, this text) has focus; focus must show."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert page.evaluate(FOCUS_RING), f"no visible focus ring on {focused}: {page.evaluate(DESCRIBE_FOCUS)}"
        if focused == target:
            return
    pytest.fail(f"Tab never reached {target}")


def date_keys(value) -> str:
    """What a person types into Chromium's en-US date field: mm dd yyyy."""
    return value.strftime("%m%d%Y")


def test_intake_form_by_keyboard_only(new_page, people):
    page = new_page()
    page.goto("/accounts/login/")
    tab_to(page, "id_username")
    page.keyboard.type(people.intake.username)
    page.keyboard.press("Tab")
    page.keyboard.type(people.password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))  # intake's home: the work queues

    # To the form through the navigation, then field by field.
    tab_to(page, "New case", limit=10)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cases/new/$"))
    today = timezone.localdate()
    entries = [
        ("id_received_on", date_keys(today - timedelta(days=2))),
        ("id_ur_decision_date", date_keys(today - timedelta(days=9))),
        ("id_employee_first_name", "Tomás"),
        ("id_employee_last_name", "Ngata-Brûlé"),
        ("id_claim_number", "KB-77120"),
        ("id_date_of_injury", date_keys(today - timedelta(days=300))),
        ("id_employer_name", "Valley Produce Cooperative"),
        ("id_claims_administrator_name", "Harbor Claims Administrators"),
        ("id_requesting_provider_name", "Priya Raman, DO"),
        ("id_items-0-description", "Six (6) acupuncture sessions"),
        ("id_items-0-category", "Acupuncture"),  # type-ahead in a closed <select>
        ("id_items-0-claims_administrator_guideline", "MTUS Acupuncture Medical Treatment Guidelines"),
    ]
    for field_id, keys in entries:
        tab_to(page, field_id)
        page.keyboard.type(keys)
    expect(page.locator("#id_items-0-category")).to_have_value("Acupuncture")
    page.keyboard.press("Enter")  # implicit submission: the form's default button, "Register case"

    expect(page.get_by_role("alert").filter(has_text="registered")).to_be_visible()
    case = Case.objects.get(claim_number="KB-77120")
    assert case.employee.name == "Tomás Ngata-Brûlé"
    assert case.received_on == today - timedelta(days=2)
    assert [item.category for item in case.items.all()] == ["Acupuncture"]


def test_refused_form_is_announced(new_page, people):
    page = new_page()
    sign_in(page, people.intake.username, people.password)
    page.goto("/cases/new/")
    page.locator("#id_employee_last_name").fill("O'Neil")
    with page.expect_response(lambda r: r.request.method == "POST") as response_info:
        page.get_by_role("button", name="Register case").click()
    assert response_info.value.status == 400

    summary = page.locator("#form-errors")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()  # a screen reader starts at the summary, not at the page top
    invalid = page.locator(".is-invalid")
    assert invalid.count() >= 5
    for index in range(invalid.count()):
        field = invalid.nth(index)
        name = field.get_attribute("name")
        assert field.get_attribute("aria-invalid") == "true", name
        described = (field.get_attribute("aria-describedby") or "").split()
        messages = [page.locator(f"[id='{ref}']") for ref in described]
        assert any(m.count() and m.inner_text().strip() for m in messages), f"{name}: no error message it is described by"
    check_page(page, "30 intake new case refused")


def test_error_pages(new_page, people, settings):
    settings.ROOT_URLCONF = __name__
    page = new_page()
    sign_in(page, people.intake.username, people.password)

    response = page.goto("/review/")  # the reviewers' pages are not for intake
    assert response.status == 403
    expect(page.get_by_role("heading", name="You cannot open this page")).to_be_visible()
    check_page(page, "31 error 403")

    response = page.goto("/cases/CM99-0000000/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    check_page(page, "32 error 404")

    response = page.goto("/__boom__/")
    assert response.status == 500
    expect(page.get_by_role("heading", name="Something went wrong")).to_be_visible()
    check_page(page, "33 error 500")


def test_work_queues_saved_views_and_bulk_results_pass_axe(new_page, people):
    """The intake home page, a queue opened in the case list (deadlines due soon and
    overdue), a saved view, a bulk assignment's result and the reviewer's queues."""
    from cases import services as case_services
    from reviewers.models import Assignment
    from tests.factories import CaseFactory, DisputedItemFactory

    today = timezone.localdate()
    cases = []
    for days in (1, 2, -3):
        case = CaseFactory()
        DisputedItemFactory(case=case)
        case = case_services.case_mark_eligible(case=case, assigned_on=today)
        Case.objects.filter(pk=case.pk).update(due_on=today + timedelta(days=days), records_due_on=today + timedelta(days=days))
        cases.append(case)
    offered = CaseFactory(status=Case.Status.IN_REVIEW)
    Assignment.objects.create(case=offered, reviewer=people.reviewer.reviewer, status=Assignment.Status.OFFERED)

    page = new_page()
    sign_in(page, people.intake.username, people.password)
    expect(page.get_by_role("heading", name="Work queues")).to_be_visible()
    check_page(page, "work-queues-home")
    page.get_by_role("link", name=re.compile("Ready to assign")).click()
    expect(page).to_have_url(re.compile(r"/cases/\?queue=ready_to_assign$"))
    check_page(page, "work-queue-case-list")
    page.locator("summary", has_text="Save this view").click()
    page.get_by_label("View name").fill("To assign")
    page.get_by_label("Pin to my home page").check()
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("alert")).to_contain_text("saved and pinned")
    page.goto("/work/views/")
    check_page(page, "saved-views")
    page.goto("/cases/?queue=ready_to_assign")
    page.get_by_label("Select every case on this page").check()
    page.get_by_label("Reviewer (to assign)").select_option(index=1)
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_role("heading", name="Assign to a reviewer")).to_be_visible()
    check_page(page, "bulk-assign-result")
    page.goto("/")
    expect(page.get_by_role("link", name="To assign", exact=True)).to_be_visible()

    reviewer_page = new_page()
    sign_in(reviewer_page, people.reviewer.username, people.password)
    reviewer_page.goto("/review/?queue=offers")
    expect(reviewer_page.get_by_text("Offers to answer").first).to_be_visible()
    check_page(reviewer_page, "reviewer-queues")
