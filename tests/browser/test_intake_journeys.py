"""Intake's everyday corrections, in a real browser (issue 19 items 1, 2, 6, 7, 14, 16).

1. Registering a namesake: the person on file is offered with what
   identifies her; the clerk registers a new person; nothing typed is lost.
2 and 7. A reviewer declines for a conflict: intake cannot offer the case to
   them again and the next reviewer is pre-selected; the next reviewer
   accepts; intake takes the case back with a reason and the reviewer loses it.
6. A misfiled document is withdrawn: the reviewer's file no longer shows it.
16. The case list at 1366 px and on a phone: case numbers on one line, the
   overdue badge whole, the result count readable, the columns sortable.

Every page goes through `check_page` (axe-core + screenshots at both widths).
"""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .pages import DESKTOP, NARROW, check_page, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def eligible_case(*, records_complete=True, **kwargs):
    from cases import services
    from tests.factories import CaseFactory, DisputedItemFactory

    case = CaseFactory(**kwargs)
    DisputedItemFactory(case=case, position=0, category="Physical Medicine")
    today = timezone.localdate()
    case = services.case_mark_eligible(case=case, assigned_on=today - timedelta(days=4))
    if records_complete:
        case = services.case_mark_records_complete(case=case, on=today - timedelta(days=1))
    return case


def test_registering_a_namesake_offers_her_and_keeps_what_was_typed(new_page, people):
    from cases.models import Case, Party
    from tests.factories import CaseFactory

    maria = Party.objects.create(
        kind=Party.Kind.PERSON, name="Maria T. Esperanza", first_name="Maria T.", last_name="Esperanza",
        date_of_birth=date(1961, 5, 9), phone="555-0199", address="9 Old Rd, Visalia",
    )
    CaseFactory(employee=maria, claim_number="OLD-CLAIM-7")
    today = timezone.localdate()
    page = new_page()
    sign_in(page, people.intake.username, people.password)
    page.goto("/cases/new/")
    page.get_by_label("Application received").fill((today - timedelta(days=3)).isoformat())
    page.get_by_label("Date of UR decision").fill((today - timedelta(days=12)).isoformat())
    page.get_by_label("First name (and middle initial)").fill("Maria T.")
    page.get_by_label("Last name").fill("Esperanza")
    page.locator("#id_claim_number").fill("WC-2026-00999")
    page.get_by_label("Date of injury").fill((today - timedelta(days=300)).isoformat())
    page.locator("#id_employee_phone").fill("555-0123")
    page.locator("#id_employee_address").fill("12 New St, Fresno")
    page.locator("#id_employer_name").fill("Valley Orchards")
    page.locator("#id_claims_administrator_name").fill("Sierra Mutual Claims Services")
    page.get_by_label("Requesting physician").fill("Alan Whitfield, MD")
    page.locator("#id_items-0-description").fill("Eight (8) physical therapy visits")
    page.locator("#id_items-0-category").select_option("Physical Medicine")
    # The late-application reason appears only for a late application (as the dates are typed).
    reason = page.get_by_label("Reason to accept a late application")
    expect(reason).to_be_hidden()
    page.get_by_label("Date of UR decision").fill((today - timedelta(days=90)).isoformat())
    expect(reason).to_be_visible()
    page.get_by_label("Date of UR decision").fill((today - timedelta(days=12)).isoformat())
    expect(reason).to_be_hidden()
    page.get_by_role("button", name="Register case").click()

    candidates = page.locator("#candidates-employee")
    expect(page.get_by_role("alert").filter(has_text="may already be on file")).to_be_visible()
    expect(candidates).to_contain_text("born May 9, 1961")
    expect(candidates).to_contain_text("OLD-CLAIM-7")
    expect(page.locator("#id_employee_phone")).to_have_value("555-0123")  # nothing typed is lost
    check_page(page, "i01 new case with candidates")
    candidates.get_by_label(re.compile("None of these")).check()
    page.get_by_role("button", name="Register case").click()
    expect(page.get_by_role("alert").filter(has_text="registered")).to_be_visible()
    case = Case.objects.get(number=page.locator("h1").inner_text().strip())
    assert case.employee != maria and case.employee.phone == "555-0123"


def test_decline_for_a_conflict_then_accept_then_withdraw(new_page, people):
    from tests.factories import ReviewerFactory

    case = eligible_case(claim_number="WC-CONFLICT-1")
    third = ReviewerFactory(user__username="drokafor", user__first_name="Chidi", user__last_name="Okafor")
    intake = new_page()
    sign_in(intake, people.intake.username, people.password)

    # Offer to the top reviewer.
    intake.goto(f"/cases/{case.number}/")
    assignment = intake.locator("#assignment")
    top = assignment.locator("tbody tr").first
    expect(top.get_by_role("radio")).to_be_checked()
    first_name = top.locator("label").inner_text().split(",")[0]
    assignment.get_by_role("button", name="Offer the case to the chosen reviewer").click()
    expect(intake.get_by_role("alert").filter(has_text=f"Offered to {first_name}")).to_be_visible()

    # That reviewer declines for a conflict of interest.
    reviewer = people.reviewer if first_name == people.reviewer.get_full_name() else third.user
    review = new_page()
    sign_in(review, reviewer.username, people.password)
    review.goto(f"/review/{case.number}/")
    review.get_by_label("Conflict of interest").check()
    review.get_by_label("Reason for declining").fill("I treated this employee in 2021.")
    check_page(review, "i02 reviewer declines for a conflict")
    review.get_by_role("button", name="Decline the case").click()
    expect(review.get_by_role("alert").filter(has_text="You declined")).to_be_visible()

    # Intake: that reviewer cannot be chosen again, and is not pre-selected; the next one is.
    intake.goto(f"/cases/{case.number}/")
    declined_row = assignment.locator("tbody tr").filter(has_text=first_name)
    expect(declined_row.get_by_role("radio")).to_be_disabled()
    expect(declined_row).to_contain_text("declined this case for a conflict of interest")
    chosen = assignment.locator("input[name=reviewer]:checked")
    expect(chosen).to_have_count(1)
    next_name = assignment.locator("tbody tr").filter(has=intake.locator("input[name=reviewer]:checked")).locator("label").inner_text().split(",")[0]
    assert next_name != first_name
    check_page(intake, "i03 intake after a conflict decline")
    assignment.get_by_role("button", name="Offer the case to the chosen reviewer").click()

    # The next reviewer accepts.
    second = people.reviewer if next_name == people.reviewer.get_full_name() else third.user
    review2 = new_page()
    sign_in(review2, second.username, people.password)
    review2.goto(f"/review/{case.number}/")
    review2.get_by_label(re.compile("I have no material professional")).check()
    review2.get_by_role("button", name="Accept the case").click()
    expect(review2).to_have_url(re.compile(rf"/review/{case.number}/determination/$"))

    # Intake takes the accepted case back, with a reason.
    intake.goto(f"/cases/{case.number}/")
    assignment.get_by_text(f"Take the case back from {next_name}").click()
    assignment.get_by_label("Reason for taking the case back").fill("The reviewer is on leave from tomorrow.")
    check_page(intake, "i04 intake withdraws an accepted case")
    assignment.get_by_role("button", name="Withdraw the assignment").click()
    expect(intake.get_by_role("alert").filter(has_text=f"taken back from {next_name}")).to_be_visible()
    expect(assignment.get_by_role("button", name="Offer the case to the chosen reviewer")).to_be_visible()
    expect(assignment).to_contain_text("offer withdrawn by intake")
    check_page(intake, "i05 intake case reassignable")

    # The reviewer has lost the case, and is told why.
    response = review2.goto(f"/review/{case.number}/")
    assert response.status == 404
    review2.goto("/accounts/notifications/")
    told = review2.locator("main").get_by_text(re.compile(rf"{case.number}.*withdrawn"))
    expect(told.first).to_be_visible()
    expect(review2.locator("main")).to_contain_text("The reviewer is on leave from tomorrow.")
    check_page(review2, "i05b reviewer told of the withdrawal")


def test_a_misfiled_document_is_withdrawn_from_the_reviewers_file(new_page, people, tmp_path):
    from cases.models import CaseDocument
    from reviewers.services import assignment_accept, reviewer_assign
    from tests.phi_world import stored_document

    case = eligible_case()
    mine = stored_document(case, name="pt-notes.pdf")
    misfiled = stored_document(case, name="ortiz-mri.pdf")
    CaseDocument.objects.filter(pk=misfiled.pk).update(title="MRI lumbar spine (R. Ortiz)")
    reviewer = people.reviewer.reviewer
    assignment_accept(assignment=reviewer_assign(case=case, reviewer=reviewer), user=people.reviewer, attested=True)

    intake = new_page()
    sign_in(intake, people.intake.username, people.password)
    intake.goto(f"/cases/{case.number}/")
    documents = intake.locator("#documents")
    row = documents.locator("tbody tr").filter(has_text="MRI lumbar spine")
    row.locator("summary").click()
    row.get_by_label("Reason").fill("Another patient's records")
    check_page(intake, "i06 intake withdraws a document")
    row.get_by_role("button", name="Withdraw from the case").click()
    expect(intake.get_by_role("alert").filter(has_text="was withdrawn from the case")).to_be_visible()
    expect(documents.get_by_role("list", name="Withdrawn documents")).to_contain_text("Another patient's records")
    check_page(intake, "i07 intake document withdrawn")

    review = new_page()
    sign_in(review, people.reviewer.username, people.password)
    review.goto(f"/review/{case.number}/")
    expect(review.get_by_role("link", name=mine.title)).to_be_visible()
    expect(review.locator("body")).not_to_contain_text("MRI lumbar spine")
    check_page(review, "i08 reviewer file without the withdrawn document")


def test_case_list_layout_at_1366_and_on_a_phone(new_page, people):
    from cases.models import Case
    from reviewers.services import reviewer_assign
    from tests.factories import OrganizationFactory, PersonFactory, ReviewerFactory

    today = timezone.localdate()
    long_reviewer = ReviewerFactory(user__first_name="Maximiliana", user__last_name="Vásquez-Whitcombe de la Fuente")
    for i in range(12):
        case = eligible_case(
            records_complete=i % 3 == 0,
            employee=PersonFactory(name=f"Guadalupe Fernández-Castellanos {i}"),
            employer=OrganizationFactory(name=f"Central Valley Agricultural Packing Cooperative {i}"),
            review_type="expedited" if i % 4 == 0 else "standard",
            claim_number=f"WC-2026-{i:07d}-A",
        )
        if i % 2:
            reviewer_assign(case=case, reviewer=long_reviewer, check_capacity=False)
        if i % 3 == 1:  # overdue by a lot
            Case.objects.filter(pk=case.pk).update(due_on=today - timedelta(days=120 + i))

    page = new_page()
    sign_in(page, people.intake.username, people.password)
    page.goto("/cases/?sort=due")
    table = page.locator("table.table-cases")
    expect(table.locator("tbody tr")).to_have_count(12)
    check_page(page, "i09 case list")

    page.set_viewport_size(DESKTOP)
    # Case numbers on one line, every overdue badge whole and inside the page.
    heights = table.locator("tbody th[scope=row] a").evaluate_all("els => els.map(e => e.getClientRects().length)")
    assert set(heights) == {1}, f"a case number wraps: {heights}"
    # The whole table is in view: nothing hidden behind the scrolling container's right edge.
    container = page.locator(".table-responsive").first
    visible = container.evaluate("e => { const r = e.getBoundingClientRect(); return [r.left, r.right, e.scrollWidth, e.clientWidth]; }")
    assert visible[2] <= visible[3] + 1, f"the table is wider than its container at 1366: {visible}"
    for box in table.locator(".badge-overdue").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.height]; })"
    ):
        left, right, height = box
        assert visible[0] <= left and right <= visible[1] and height < 30, (box, visible)
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, "the page scrolls sideways at 1366"

    # On a phone the result count has the width of the screen, and nothing scrolls sideways.
    page.set_viewport_size(NARROW)
    count = page.locator(".case-count")
    box = count.bounding_box()
    assert box["width"] >= NARROW["width"] - 60, box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= NARROW["width"]
    page.set_viewport_size(DESKTOP)

    # Sorting by a column, both ways, announced.
    header = table.get_by_role("columnheader", name=re.compile("^Employee"))
    header.get_by_role("link").click()
    expect(table.get_by_role("columnheader", name=re.compile("^Employee"))).to_have_attribute("aria-sort", "ascending")
    table.get_by_role("columnheader", name=re.compile("^Employee")).get_by_role("link").click()
    expect(table.get_by_role("columnheader", name=re.compile("^Employee"))).to_have_attribute("aria-sort", "descending")
    expect(table.locator("tbody tr").first).to_contain_text("Fernández-Castellanos 9")
    check_page(page, "i10 case list sorted")


def test_admin_audit_table_scrolls_sideways_on_a_narrow_screen(new_page, people):
    from accounts import audit
    from cases.models import Case

    case = eligible_case()
    for _ in range(3):
        audit.record(audit.Action.CASE_VIEW, actor=people.intake, case=case, obj=case, detail={"page": "intake"})
    assert Case.objects.count() == 1
    page = new_page()
    sign_in(page, people.admin.username, people.password)
    page.goto("/admin/accounts/auditevent/")
    results = page.locator("#changelist .results")
    # At 1366 px, with the admin's navigation open, every column is in view.
    fit = results.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert fit[0] <= fit[1] + 1, f"audit columns hidden at 1366: {fit}"
    page.set_viewport_size(NARROW)
    overflow = results.evaluate("e => [getComputedStyle(e).overflowX, e.scrollWidth, e.clientWidth]")
    assert overflow[0] in ("auto", "scroll") and overflow[1] > overflow[2], overflow
    assert page.evaluate("() => document.documentElement.scrollWidth") <= NARROW["width"] + 1
    page.set_viewport_size(DESKTOP)
    check_page(page, "i11 admin audit trail")
