"""The three users' journeys through one case, in a real browser.

1. Intake registers a case (two disputed items), uploads two PDFs, screens it
   eligible, sees the deadlines, offers it to the suggested reviewer.
2. The reviewer accepts with the attestation, opens a document, drafts, leaves,
   comes back, decides one item Upheld and one Overturned, previews, finalizes.
3. The letter status on the intake case page turns ready by itself; the PDF
   holds both decisions and "Overturned in part", never the reviewer's name.
4. The admin finds the case in Django admin and its audit trail.
5. Another reviewer who types the case's URL gets the not-found page.

Every page on the way goes through `check_page` (axe-core + screenshots).
"""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader, PdfWriter

from cases.models import Case

from .pages import check_page, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS = ("Eight (8) physical therapy visits", "One (1) lumbar support brace")
LETTER_SECONDS = 90_000  # a worker's cold start plus two renders, on a slow CI machine


def make_pdf(path, *, pages: int):
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_three_users_one_case(new_page, people, letter_renderer, tmp_path):
    today = timezone.localdate()
    letter_renderer.hold()  # finalized letters wait in the queue until step 3 releases them
    number = intake_registers_and_assigns(new_page(), people, tmp_path, today)
    reviewer_decides(new_page(), people, number)
    letter_text = letter_turns_ready(new_page(), people, number, letter_renderer)
    assert "Upheld" in letter_text and "Overturned" in letter_text
    assert squash("Overturned in part") in squash(letter_text)
    for part in ("Vásquez-Whitcombe", "Vasquez", "Whitcombe", "Eleanor", people.reviewer.username):
        assert squash(part) not in squash(letter_text), f"the letter names the reviewer ({part})"
    admin_sees_audit_trail(new_page(), people, number)
    other_reviewer_gets_not_found(new_page(), people, number)


def intake_registers_and_assigns(page, people, tmp_path, today) -> str:
    page.goto("/accounts/login/")
    check_page(page, "01 sign in")
    sign_in(page, people.intake.username, people.password)
    expect(page).to_have_url(re.compile(r"/$"))  # intake's home: the work queues
    check_page(page, "02 intake work queues")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="New case").click()
    check_page(page, "03 intake new case")
    page.get_by_label("Application received").fill((today - timedelta(days=3)).isoformat())
    page.get_by_label("Date of UR decision").fill((today - timedelta(days=12)).isoformat())
    page.get_by_label("First name (and middle initial)").fill("María José")
    page.get_by_label("Last name").fill("Núñez-O'Brien")
    page.get_by_label("Date of birth").fill("1978-04-19")
    page.locator("#id_claim_number").fill("WC-2026-00417")
    page.get_by_label("Date of injury").fill((today - timedelta(days=400)).isoformat())
    page.locator("#id_employer_name").fill("Golden State Logistics <Fresno>")
    page.locator("#id_claims_administrator_name").fill("Sierra Mutual Claims Services")
    page.get_by_label("Requesting physician").fill("Alan Whitfield, MD")
    page.get_by_label("Physician type and specialty").fill("Orthopaedic Surgery")
    page.get_by_label("Primary diagnosis").fill("Lumbar disc displacement with radiculopathy")
    page.locator("#id_items-0-description").fill(ITEMS[0])
    page.locator("#id_items-0-category").select_option("Physical Medicine")
    page.get_by_role("button", name="Add another treatment").click()
    page.locator("#id_items-1-description").fill(ITEMS[1])
    page.locator("#id_items-1-category").select_option("Physical Medicine")
    page.locator("#id_items-1-claims_administrator_guideline").fill("ODG Low Back chapter")
    page.get_by_role("button", name="Register case").click()

    expect(page.get_by_role("alert").filter(has_text="registered")).to_be_visible()
    number = page.locator("h1").inner_text().strip()
    assert re.fullmatch(r"CM\d{2}-\d{7}", number), number
    case = Case.objects.get(number=number)
    assert [item.description for item in case.items.order_by("position")] == list(ITEMS)
    check_page(page, "04 intake case registered")

    # Two PDFs in one upload: the records and the UR determination.
    records = make_pdf(tmp_path / "PT progress notes.pdf", pages=3)
    ur_letter = make_pdf(tmp_path / "UR determination.pdf", pages=1)
    page.locator("#id_docs-0-file").set_input_files(records)
    page.locator("#id_docs-0-kind").select_option("medical_record")
    page.get_by_role("button", name="Add another file").click()
    page.locator("#id_docs-1-file").set_input_files(ur_letter)
    page.locator("#id_docs-1-kind").select_option("ur_determination")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert").filter(has_text="2 documents added")).to_be_visible()
    documents = page.locator("#documents table")
    expect(documents.get_by_role("link", name="PT progress notes")).to_be_visible()
    expect(documents.get_by_role("link", name="UR determination")).to_be_visible()

    # Screening: eligible, and the records deadline appears as a countdown.
    screening = page.locator("#screening")
    screening.get_by_label("Signed by the employee or representative").check()
    screening.get_by_label("Copy of the UR decision attached").check()
    screening.get_by_role("button", name="Record screening result").click()
    expect(page.get_by_role("alert").filter(has_text="Eligible. The notice of assignment is issued")).to_be_visible()
    deadlines = page.locator("section[aria-labelledby=h-deadlines]")
    expect(deadlines).to_contain_text("Records due from the claims administrator")
    check_page(page, "05 intake case screened")

    # The records decision is taken with the records checklist (correspondence panel); tests/browser/test_correspondence.py walks the mail.
    page.locator("#correspondence").get_by_role("button", name="Records complete").click()
    expect(page.get_by_role("alert").filter(has_text="Records complete. Decision due")).to_be_visible()
    expect(deadlines).to_contain_text("Decision due")
    expect(deadlines.locator(".countdown").last).to_contain_text("days left")

    # The suggested reviewer (top of the ranked list) is preselected.
    assignment = page.locator("#assignment")
    top = assignment.locator("tbody tr").first
    expect(top).to_contain_text("Eleanor Vásquez-Whitcombe")
    expect(top.get_by_role("radio")).to_be_checked()
    check_page(page, "06 intake assign reviewer")
    assignment.get_by_role("button", name="Offer the case to the chosen reviewer").click()
    expect(page.get_by_role("alert").filter(has_text="Offered to Eleanor Vásquez-Whitcombe")).to_be_visible()
    check_page(page, "07 intake case offered")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    expect(page.locator("table tbody tr").first).to_contain_text("With reviewer")
    check_page(page, "07b intake case list")
    return number


def reviewer_decides(page, people, number: str) -> None:
    sign_in(page, people.reviewer.username, people.password)
    expect(page).to_have_url(re.compile(r"/review/$"))
    first_row = page.locator("table tbody tr").first
    expect(first_row.get_by_role("rowheader")).to_have_text(number)
    expect(first_row).to_contain_text("To accept")
    check_page(page, "08 reviewer dashboard offer")

    first_row.get_by_role("link", name="Review offer").click()
    check_page(page, "09 reviewer case offered")
    page.get_by_role("button", name="Accept the case").click()  # without the attestation: refused
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    check_page(page, "10 reviewer accept refused")
    page.get_by_label(re.compile("I have no material professional")).check()
    page.get_by_role("button", name="Accept the case").click()
    expect(page).to_have_url(re.compile(rf"/review/{number}/determination/$"))
    check_page(page, "11 reviewer determination blank")

    # Open a document from the case file (the browser's PDF viewer is not
    # drawn headless: the response is what matters).
    page.get_by_role("link", name=number).click()
    link = page.get_by_role("link", name="PT progress notes")
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.body())).pages) == 3
    check_page(page, "12 reviewer case file accepted")

    # A first draft, then leave.
    page.get_by_role("link", name="Continue the determination").click()
    page.get_by_label("Developed from a review of the case file").fill(
        "The employee is a 47-year-old woman injured lifting boxes; low back pain radiating to the left leg."
    )
    first = page.locator(".item-decision").nth(0)
    first.get_by_label("Upheld").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert").filter(has_text="Draft saved")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My reviews").click()
    row = page.locator("table tbody tr").first
    expect(row).to_contain_text("draft saved")
    check_page(page, "13 reviewer dashboard draft")

    # Come back: the draft is there; finish both items.
    row.get_by_role("link", name="Continue").click()
    first = page.locator(".item-decision").nth(0)
    second = page.locator(".item-decision").nth(1)
    expect(page.get_by_label("Developed from a review of the case file")).to_have_value(re.compile("lifting boxes"))
    expect(first.get_by_label("Upheld")).to_be_checked()
    for section, guideline, topic in (
        (first, "MTUS Chronic Pain Medical Treatment Guidelines (2016)", "Physical Medicine"),
        (second, "MTUS ACOEM Practice Guidelines", "Low Back Complaints, lumbar supports"),
    ):
        section.get_by_label("Guideline relied on").select_option(label=guideline)
        section.get_by_label("Section / topic").fill(topic)
        section.get_by_label("Page(s)").fill("98-99")
    first.get_by_label("Decision rationale").fill(
        "The guidelines allow 8-10 visits; 24 were completed with no functional gain documented."
    )
    second.get_by_label("Overturned").check()
    second.get_by_label("Decision rationale").fill(
        "A lumbar support is recommended in the acute phase after the documented recurrence."
    )
    expect(page.locator("#derived-outcome")).to_have_text("Overturned in part")
    check_page(page, "14 reviewer determination complete")

    page.get_by_role("button", name="Save and preview the letter").click()
    expect(page).to_have_url(re.compile(r"/determination/preview/$"))
    letter = page.frame_locator("iframe.letter-preview-frame")
    expect(letter.get_by_text("Overturned in part").first).to_be_visible()
    check_page(page, "15 reviewer letter preview")

    page.get_by_role("link", name="Finalize…").click()
    check_page(page, "16 reviewer finalize confirm")
    page.get_by_role("button", name="Finalize the determination").click()
    expect(page.get_by_role("alert").filter(has_text="is final")).to_be_visible()
    check_page(page, "17 reviewer case finalized")


def letter_turns_ready(page, people, number: str, letter_renderer) -> str:
    """The intake case page shows the letters queued; a worker renders them; the
    page's own polling turns the badges ready (no reload). Returns the PDF's text."""
    sign_in(page, people.intake.username, people.password)
    page.goto(f"/cases/{number}/")
    panel = page.locator("section.letter-status")
    badges = panel.locator("[data-letter-state]")
    expect(badges).to_have_count(2)
    expect(badges.first).to_have_text("Queued")
    check_page(page, "18 intake letters queued")

    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    letter_renderer.release()
    try:
        for index in range(2):
            expect(badges.nth(index)).to_have_text("Ready", timeout=LETTER_SECONDS)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- worker log ---\n{letter_renderer.worker_log()}") from exc
    assert navigations == [], "the page was reloaded"
    if letter_renderer.real:
        assert "determinations.render_letter" in letter_renderer.worker_log()
    check_page(page, "19 intake letters ready")

    parties = panel.locator("li").filter(has_text="Parties' letter")
    with page.expect_download() as download_info:
        parties.get_by_role("link", name=re.compile("Download PDF")).click()
    download = download_info.value
    assert download.suggested_filename == f"{number}-parties-v1.pdf"
    reader = PdfReader(download.path())
    return "\n".join(p.extract_text() or "" for p in reader.pages)


def admin_sees_audit_trail(page, people, number: str) -> None:
    sign_in(page, people.admin.username, people.password)
    page.goto("/admin/")
    check_page(page, "20 admin index")
    page.locator("#cases-case").get_by_role("link", name="Cases").click()
    page.get_by_role("searchbox").fill(number)
    page.get_by_role("searchbox").press("Enter")
    page.get_by_role("link", name=number).click()
    expect(page.locator("#content h2, #content h1").first).to_be_visible()
    check_page(page, "21 admin case change")

    page.goto(f"/admin/accounts/auditevent/?q={number}")
    results = page.locator("#result_list")
    for action in (
        "Case registered", "Document uploaded", "Case screened", "Case offered to a reviewer",
        "Assignment accepted", "Document downloaded", "Determination draft saved", "Letter previewed",
        "Determination finalized", "Letter downloaded",
    ):
        expect(results).to_contain_text(action)
    for username in (people.intake.username, people.reviewer.username):
        expect(results).to_contain_text(username)
    check_page(page, "22 admin audit trail")


def other_reviewer_gets_not_found(page, people, number: str) -> None:
    sign_in(page, people.reviewer2.username, people.password)
    check_page(page, "23 second reviewer empty dashboard")
    response = page.goto(f"/review/{number}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Núñez")
    check_page(page, "24 second reviewer not found")
