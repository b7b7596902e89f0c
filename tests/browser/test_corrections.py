"""A correction, in a real browser (issue 11 #8).

1. The admin opens the decided case's determination in Django admin (read-only),
   follows "Open a correction…", and opens it with a reason.
2. The reviewer who decided finds "Correction" on the dashboard, corrects the
   rationale (the "Before you can finalize" list follows the typing, without a
   save), and finalizes.
3. The amended letters render; the reviewer's case page lists them beside the
   superseded ones; the amended PDF says "AMENDED" with the date and reason.
4. Intake's case page shows the outcome, each item's decision and the correction.
"""

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from .pages import check_page, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "The rationale cited the wrong page numbers of the guideline."


def render_queued_letters():
    from determinations import letters
    from determinations.models import Letter

    for pk in Letter.objects.filter(status=Letter.Status.QUEUED).values_list("pk", flat=True):
        letters.letter_render(letter_id=pk)


def decided_case(people):
    from determinations import services
    from determinations.tests.letters_helpers import draft_case

    draft = draft_case(reviewer=people.reviewer.reviewer)
    final = services.determination_finalize(determination=draft, user=people.reviewer)
    render_queued_letters()
    return final


def test_admin_opens_a_correction_and_the_reviewer_issues_amended_letters(new_page, people):
    final = decided_case(people)
    number = final.case.number

    # 1. The admin.
    page = new_page()
    sign_in(page, people.admin.username, people.password)
    page.goto(f"/admin/determinations/determination/{final.pk}/change/")
    expect(page.locator("input[name=_save]")).to_have_count(0)  # read-only
    check_page(page, "c01 admin determination read-only")
    page.get_by_role("link", name="Open a correction…").click()
    check_page(page, "c02 admin open correction")
    page.get_by_label("Reason for the correction").fill(REASON)
    page.get_by_role("button", name="Open the correction").click()
    expect(page.locator(".messagelist")).to_contain_text("Correction opened")
    check_page(page, "c03 admin correction opened")

    # 2. The reviewer.
    page = new_page()
    sign_in(page, people.reviewer.username, people.password)
    row = page.locator("table tbody tr").filter(has_text=number)
    expect(row).to_contain_text("Correction")
    check_page(page, "c04 reviewer dashboard correction")
    row.get_by_role("link", name="Correct").click()
    expect(page.get_by_role("note").filter(has_text="Correction requested")).to_contain_text(REASON)
    page.wait_for_load_state("load")  # the form's script listens from then on (typing earlier would not be seen)
    checks = page.locator("#finalize-checks")
    sent = []
    page.on("request", lambda r: sent.append(r.post_data or "") if r.url.endswith("/determination/check/") else None)
    expect(checks).to_contain_text("Everything required is there")
    rationale = page.locator(".item-decision").first.get_by_label("Decision rationale")
    rationale.fill("")
    expect(checks).to_contain_text("the decision rationale is required", ignore_case=True)  # no save, no reload
    rationale.fill("The guidelines allow 9-10 visits over 8 weeks (pages 98-99); all were given.")
    expect(checks).to_contain_text("Everything required is there")
    # The check learns whether each text is filled in, never the text: it leaves the browser on saving only.
    assert len(sent) >= 2 and not [body for body in sent if "all were given" in body or "low back pain" in body]
    check_page(page, "c05 reviewer correction form")
    page.get_by_role("button", name="Save and finalize…").click()
    check_page(page, "c06 reviewer finalize correction")
    page.get_by_role("button", name="Finalize the determination").click()
    expect(page.get_by_role("alert").filter(has_text="is final")).to_be_visible()

    # 3. The amended letters.
    render_queued_letters()
    page.reload()
    panel = page.locator("section.letter-status")
    expect(panel).to_contain_text("Amended parties' letter, version 1 (correction 1)")
    expect(panel).to_contain_text("superseded by a correction")
    check_page(page, "c07 reviewer case amended letters")
    amended = panel.locator("li").filter(has_text="Amended parties' letter")
    with page.expect_download() as download_info:
        amended.get_by_role("link", name=re.compile("Download PDF")).click()
    download = download_info.value
    assert download.suggested_filename == f"{number}-parties-amended1-v1.pdf"
    text = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in PdfReader(download.path()).pages))
    assert "AMENDED" in text.upper() and re.sub(r"\s+", "", REASON) in text
    assert "Reasonfortheamendment" in text

    # 4. Intake.
    page = new_page()
    sign_in(page, people.intake.username, people.password)
    page.goto(f"/cases/{number}/")
    panel = page.locator("#determination")
    expect(panel).to_contain_text("Case outcome: Upheld")
    expect(panel).to_contain_text("Eight (8) physical therapy visits")
    expect(panel).to_contain_text("Version 2 corrects version 1")
    check_page(page, "c08 intake case decided corrected")
    page.goto("/cases/?status=decided")
    expect(page.locator("table tbody tr").filter(has_text=number)).to_contain_text("Upheld")
    check_page(page, "c09 intake case list outcome")
