"""A remand, end to end in a real browser (issue 14: appeals and remand).

1. Intake records the employee's appeal of a served Final Determination on the
   case page, then the WCAB's reversal: the remand opens as a new case, and
   both case pages point to each other.
2. On the new case the reviewer who decided the original is listed as not
   eligible ("the WCAB reversed"); a forged offer to them is refused by the
   assignment rule. Intake offers the case to another reviewer.
3. That reviewer accepts, decides and finalizes; the remand's own letter
   renders (intake's letters panel on the new case).
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .pages import check_page, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def render_queued_letters():
    from determinations import letters
    from determinations.models import Letter

    for pk in Letter.objects.filter(status=Letter.Status.QUEUED).values_list("pk", flat=True):
        letters.letter_render(letter_id=pk)


def served_decided_case(people):
    from cases.models import PartyRole
    from determinations import services
    from determinations.models import Letter
    from determinations.tests.letters_helpers import draft_case
    from implementation.tests.helpers import serve

    final = services.determination_finalize(determination=draft_case(reviewer=people.reviewer.reviewer), user=people.reviewer)
    render_queued_letters()
    case = final.case
    letter = Letter.objects.get(determination=final, variant=Letter.Variant.PARTIES)
    serve(case, letter, on=final.decided_on, role=PartyRole.EMPLOYEE)
    return case


def test_appeal_reversal_remand_to_a_different_reviewer_and_its_letter(new_page, people, letter_renderer):
    from appeals.models import Remand

    letter_renderer.hold()  # finalized letters wait in the queue; rendered below, in-process
    case = served_decided_case(people)
    today = timezone.localdate()

    # 1. Intake records the appeal and the reversal.
    page = new_page()
    sign_in(page, people.intake.username, people.password)
    page.goto(f"/cases/{case.number}/#appeals")
    panel = page.locator("#appeals")
    expect(panel).to_contain_text("Open to appeal until")
    check_page(page, "r01 intake decided case open to appeal")
    panel.get_by_label("Petitioner").select_option("employee")
    panel.get_by_label("WCAB (ADJ) case number").fill("ADJ10987654")
    panel.get_by_label("Petition filed on").fill(today.isoformat())
    panel.get_by_label("Petition verified").check()
    panel.get_by_label(re.compile("plainly erroneous finding of fact")).check()
    panel.get_by_role("button", name="Record appeal").click()
    expect(page.get_by_role("alert").filter(has_text="Appeal recorded")).to_be_visible()
    panel = page.locator("#appeals")
    expect(panel).to_contain_text("Appealed: pending before the WCAB")
    check_page(page, "r02 intake appeal recorded")
    panel.get_by_label("WCAB outcome").select_option("reversed")
    panel.get_by_label("Outcome date").fill(today.isoformat())
    panel.get_by_role("button", name="Record outcome").click()
    expect(page.get_by_role("alert").filter(has_text="the remand is a new case")).to_be_visible()
    remand = Remand.objects.select_related("new_case").get(original_case=case)
    new = remand.new_case
    expect(page).to_have_url(re.compile(rf"/cases/{new.number}/$"))
    expect(page.locator("#appeals")).to_contain_text(f"Remand of {case.number}")
    expect(page.locator("section[aria-labelledby=h-items]")).to_contain_text("Eight (8) physical therapy visits")
    check_page(page, "r03 intake remand case")

    # 2. The original reviewer is not offered; a forged offer is refused.
    original = page.locator(f"#reviewer-{people.reviewer.reviewer.pk}")
    expect(original).to_be_disabled()
    row = page.locator("#assignment tbody tr").filter(has=original)
    expect(row).to_contain_text("which the WCAB reversed")
    original.evaluate("el => { el.disabled = false; el.checked = true; }")
    page.get_by_role("button", name="Offer the case to the chosen reviewer").click()
    expect(page.locator(".alert-danger, .invalid-feedback").filter(has_text="WCAB reversed").first).to_be_visible()
    check_page(page, "r04 intake original reviewer refused")
    page.locator(f"#reviewer-{people.reviewer2.reviewer.pk}").check()
    page.get_by_role("button", name="Offer the case to the chosen reviewer").click()
    expect(page.locator("#assignment")).to_contain_text("Sören Lindqvist · Awaiting acceptance")
    page.goto(f"/cases/{case.number}/")
    expect(page.locator("#appeals")).to_contain_text(f"Remanded as {new.number}")
    check_page(page, "r05 intake original case remanded")

    # 3. The other reviewer decides the remand.
    page = new_page()
    sign_in(page, people.reviewer2.username, people.password)
    row = page.locator("table tbody tr").filter(has_text=new.number)
    row.get_by_role("link", name="Review offer").click()
    page.get_by_label(re.compile("I have no material professional")).check()
    page.get_by_role("button", name="Accept the case").click()
    expect(page).to_have_url(re.compile(rf"/review/{new.number}/determination/$"))
    page.get_by_label("Developed from a review of the case file").fill(
        "A 40 year old man with low back pain after a lifting injury; the WCAB remanded the first review."
    )
    item = page.locator(".item-decision").first
    item.get_by_label("Overturned").check()
    item.get_by_label("Guideline relied on").select_option(label="MTUS Chronic Pain Medical Treatment Guidelines (2016)")
    item.get_by_label("Section / topic").fill("Physical Medicine")
    item.get_by_label("Page(s)").fill("98-99")
    item.get_by_label("Decision rationale").fill("The records document functional gains that support further visits.")
    check_page(page, "r06 second reviewer remand determination")
    page.get_by_role("button", name="Save and preview the letter").click()
    page.get_by_role("link", name="Finalize…").click()
    page.get_by_role("button", name="Finalize the determination").click()
    expect(page.get_by_role("alert").filter(has_text="is final")).to_be_visible()

    # The remand's own letter.
    render_queued_letters()
    page = new_page()
    sign_in(page, people.intake.username, people.password)
    page.goto(f"/cases/{new.number}/")
    letters = page.locator("section.letter-status")
    expect(letters.locator("[data-letter-state]").first).to_have_text("Ready")
    new.refresh_from_db()
    assert new.status == "decided"
    assert new.determinations.get().reviewer_id == people.reviewer2.reviewer.pk != remand.original_reviewer_id
    expect(page.locator("#appeals")).to_contain_text(f"Remand of {case.number}")
    check_page(page, "r07 intake remand decided letter ready")
