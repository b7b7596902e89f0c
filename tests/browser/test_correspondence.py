"""Intake's correspondence journey, in a real browser.

Eligibility -> the NOARFI is generated -> the day's mail batch is printed and
marked mailed -> records arrive per category -> records complete -> the
decision -> the letter is distributed and mailed; the clocks on the case page
are checked against the recorded sending dates at each step.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, PartyRole
from correspondence.models import Delivery, Notice
from correspondence.tests.helpers import new_case
from determinations import services as determination_services
from determinations.models import Guideline
from reviewers import services as reviewer_services
from reviewers.models import Reviewer

from .pages import check_page, sign_in
from .test_journeys import make_pdf

pytestmark = pytest.mark.django_db(transaction=True)


def shown(day) -> str:
    """A date as the case page prints it (Django's "M j, Y")."""
    return f"{day:%b} {day.day}, {day.year}"


def mail_todays_batch(page, expected_items: int) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Correspondence").click()
    expect(page.get_by_text(f"{expected_items} item{'s' if expected_items != 1 else ''} ready to print.")).to_be_visible()
    page.get_by_role("button", name="Prepare today's batch").click()
    expect(page.get_by_role("alert").filter(has_text="prepared with")).to_be_visible()
    batch_row = page.locator("section[aria-labelledby=h-batch] tbody tr").first
    pdf = batch_row.get_by_role("link", name=re.compile(r"^PDF, \d+ pages"))
    expect(pdf).to_be_visible()
    response = page.request.get(pdf.get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF-")
    check_page(page, "31 correspondence list batch ready")
    batch_row.get_by_role("button", name="Mark mailed").click()
    expect(page.get_by_role("alert").filter(has_text="recorded mailed on")).to_be_visible()


def test_intake_sends_the_noarfi_tracks_records_and_distributes_the_letter(new_page, people, tmp_path):
    today = timezone.localdate()
    case = new_case(attorney=False)
    reviewer = Reviewer.objects.get(user=people.reviewer)
    page = new_page()
    sign_in(page, people.intake.username, people.password)

    # 1. Eligibility: the NOARFI is generated at once; the records clock waits for its mailing.
    page.goto(f"/cases/{case.number}/")
    screening = page.locator("#screening")
    screening.get_by_label("Signed by the employee or representative").check()
    screening.get_by_label("Copy of the UR decision attached").check()
    screening.get_by_role("button", name="Record screening result").click()
    expect(page.get_by_role("alert").filter(has_text="The notice of assignment is issued")).to_be_visible()
    panel = page.locator("#correspondence")
    expect(panel).to_contain_text("Notice of Assignment and Request for Information")
    expect(panel).to_contain_text("not yet sent to the claims administrator")
    deadlines = page.locator("section[aria-labelledby=h-deadlines]")
    expect(deadlines).to_contain_text("once the notice of assignment is sent")
    notice = Notice.objects.get(case=case)
    assert notice.status == Notice.Status.READY and notice.deliveries.count() == 4

    # 2. The day's mail batch, printed and marked mailed: the records clock starts from that date.
    mail_todays_batch(page, 4)
    mailed = Delivery.objects.get(notice=notice, role=PartyRole.CLAIMS_ADMINISTRATOR)
    assert mailed.status == Delivery.Status.SENT and mailed.sent_on == today and mailed.sent_by == people.intake
    page.goto(f"/cases/{case.number}/")
    records_due = mailed.sent_on + timedelta(days=15)
    expect(deadlines.locator("dd").nth(0)).to_contain_text(shown(records_due))
    expect(deadlines).to_contain_text(f"{shown(mailed.sent_on)} (mail)")
    check_page(page, "32 case noarfi mailed")

    # 3. Records from the claims administrator, one per category (A)-(D).
    categories = ("A", "B", "C", "D")
    for index, code in enumerate(categories):
        if index:
            page.get_by_role("button", name="Add another file").click()
        page.locator(f"#id_docs-{index}-file").set_input_files(make_pdf(tmp_path / f"Record {code}.pdf", pages=1))
        page.locator(f"#id_docs-{index}-received_from").select_option("claims_administrator")
        page.locator(f"#id_docs-{index}-records_category").select_option(code)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert").filter(has_text="4 documents added")).to_be_visible()
    checklist = page.locator("#correspondence table").first
    for code in categories:
        expect(checklist.locator("tr", has_text=f"({code})")).to_contain_text("Received")

    # 4. Records complete, decided with the checklist: the decision clock starts.
    panel.get_by_role("button", name="Records complete").click()
    decision_due = today + timedelta(days=30)
    expect(page.get_by_role("alert").filter(has_text=f"Decision due {decision_due:%B} {decision_due.day}, {decision_due.year}")).to_be_visible()
    expect(deadlines).to_contain_text(shown(decision_due))
    check_page(page, "33 case records complete")

    # 5. The decision (the reviewer's pages are the journeys test's; here through the services).
    case.refresh_from_db()
    reviewer_services.reviewer_assign(case=case, reviewer=reviewer, accepted=True, check_capacity=False)
    determination = determination_services.determination_start(case=case, reviewer=reviewer)
    determination_services.determination_save_draft(
        determination=determination, clinical_case_summary="A 46 year old warehouse worker with low back pain.",
        decisions=[determination_services.DecisionData(
            item_id=row.item_id, decision="upheld", guideline=Guideline.objects.get(name="MTUS Chronic Pain Treatment Guidelines"),
            section="Physical Medicine", pages="98-99", evidence_level="A", rationale="Nine visits were already given.",
        ) for row in determination.decisions.all()],
    )
    determination_services.determination_finalize(determination=determination, user=people.reviewer)

    # 6. The letter is distributed: one delivery per recipient, the Administrative Director included.
    page.goto(f"/cases/{case.number}/")
    expect(panel).to_contain_text("Final Determination Letter")
    letter_deliveries = Delivery.objects.filter(case=case, letter__isnull=False)
    assert set(letter_deliveries.values_list("role", flat=True)) == {
        "employee", "requesting_provider", "employer", "claims_administrator", "administrative_director"}
    mail_todays_batch(page, 5)
    page.goto(f"/cases/{case.number}/")
    employee = letter_deliveries.get(role=PartyRole.EMPLOYEE)
    appeal_by = employee.sent_on + timedelta(days=35)  # 30 days from service, plus 5 for mailing
    expect(page.locator("#appeal-deadlines")).to_contain_text(f"served {shown(employee.sent_on)} by mail; appeal by {shown(appeal_by)}")
    case.refresh_from_db()
    assert case.status == Case.Status.DECIDED and case.letter_mailed_on == today and case.assigned_on == today
    page.locator("#correspondence").scroll_into_view_if_needed()
    check_page(page, "34 case correspondence timeline")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Correspondence").click()
    expect(page.get_by_text("Nothing is waiting to go out.")).to_be_visible()
    check_page(page, "35 correspondence list all sent")
