"""Intake pages, as intake staff, as a reviewer and anonymously."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, CaseDocument
from reviewers.models import Assignment
from reviewers.services import reviewer_assign
from tests.factories import (
    CaseFactory,
    DisputedItemFactory,
    OrganizationFactory,
    PersonFactory,
    ReviewerFactory,
)

from .helpers import PNG, pdf_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def intake(client, intake_user):
    client.force_login(intake_user)
    return client


@pytest.fixture
def as_reviewer(client, reviewer_user):
    client.force_login(reviewer_user)
    return client


def registered_case(**kwargs):
    case = CaseFactory(**kwargs)
    DisputedItemFactory(case=case, category="Physical Medicine")
    return case


def eligible_case(**kwargs):
    case = registered_case(**kwargs)
    return services.case_mark_eligible(case=case, assigned_on=timezone.localdate())


# --- access --------------------------------------------------------------------

def intake_routes(case):
    n = case.number
    return [
        ("get", reverse("cases:list")),
        ("get", reverse("cases:new")),
        ("post", reverse("cases:new")),
        ("get", reverse("cases:detail", args=[n])),
        ("post", reverse("cases:screen", args=[n])),
        ("post", reverse("cases:document_upload", args=[n])),
        ("post", reverse("cases:records_complete", args=[n])),
        ("post", reverse("cases:expedite", args=[n])),
        ("post", reverse("cases:assign", args=[n])),
    ]


def test_anonymous_is_sent_to_login_everywhere(client):
    case = registered_case()
    for method, url in intake_routes(case) + [("get", reverse("cases:document_download", args=[case.number, 1]))]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login") + "?next="), url


def test_reviewer_is_refused_every_intake_page(as_reviewer, reviewer_user):
    case = registered_case()
    for method, url in intake_routes(case):
        assert getattr(as_reviewer, method)(url).status_code == 403, url
    # Even on a case offered to this reviewer: the intake page is not theirs.
    mine = eligible_case()
    reviewer_assign(case=mine, reviewer=reviewer_user.reviewer)
    assert as_reviewer.get(reverse("cases:detail", args=[mine.number])).status_code == 403
    assert as_reviewer.post(reverse("cases:assign", args=[mine.number]), {"reviewer": reviewer_user.reviewer.pk}).status_code == 403


def test_user_without_role_is_refused(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("cases:list")).status_code == 403


def test_intake_pages_open_for_intake(intake):
    case = registered_case()
    assert intake.get(reverse("cases:list")).status_code == 200
    assert intake.get(reverse("cases:new")).status_code == 200
    assert intake.get(reverse("cases:detail", args=[case.number])).status_code == 200
    assert intake.get(reverse("cases:detail", args=["CM25-9999999"])).status_code == 404


# --- new case ------------------------------------------------------------------

def new_case_post(**overrides):
    today = timezone.localdate()
    data = {
        "review_type": "standard", "received_on": (today - timedelta(days=2)).isoformat(), "channel": "electronic",
        "ur_decision_date": (today - timedelta(days=12)).isoformat(), "rfa_date": (today - timedelta(days=20)).isoformat(),
        "employee_first_name": "María José", "employee_last_name": "Núñez <b>", "employee_date_of_birth": "1971-04-03",
        "employee_sex": "female", "employee_phone": "555-0100", "employee_address": "1 Main St\nFresno, CA",
        "claim_number": "CLM-2025-001", "date_of_injury": "2024-02-10", "eams_number": "ADJ1234567", "wcis_number": "W-9",
        "employer_name": "Central Valley Packing", "claims_administrator_name": "Golden State Claims Services",
        "claims_administrator_phone": "555-0111", "claims_administrator_address": "PO Box 1",
        "adjuster_name": "Kim Lee", "adjuster_phone": "555-0112",
        "requesting_provider_name": "Alan Whitfield, MD", "requesting_provider_specialty": "Orthopaedic Surgery",
        "attorney_name": "", "diagnosis": "Lumbar disc displacement", "diagnosis_icd": "M51.26",
        "untimely_override_reason": "",
        "items-TOTAL_FORMS": "2", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "50",
        "items-0-description": "Eight (8) physical therapy visits", "items-0-category": "Physical Medicine",
        "items-0-ur_decision": "denied", "items-0-claims_administrator_guideline": "MTUS ACOEM",
        "items-1-description": "", "items-1-category": "", "items-1-ur_decision": "denied",
        "items-1-claims_administrator_guideline": "",
    }
    data.update(overrides)
    return data


def test_new_case_form_shows_every_field_and_offers_existing_organizations(intake):
    OrganizationFactory(name="Golden State Claims Services")
    PersonFactory(name="Secret Employee")
    html = intake.get(reverse("cases:new")).content.decode()
    for name in ("review_type", "channel", "received_on", "ur_decision_date", "rfa_date", "claim_number", "date_of_injury",
                 "eams_number", "wcis_number", "employee_date_of_birth", "employer_name", "claims_administrator_name",
                 "adjuster_name", "adjuster_phone", "requesting_provider_specialty", "attorney_name", "diagnosis_icd",
                 "is_formulary_dispute", "disputed_for_other_reasons", "information_not_received", "items-0-description"):
        assert f'name="{name}"' in html, name
    assert '<option value="Golden State Claims Services">' in html
    assert "Secret Employee" not in html  # employees are never offered
    assert "js/formset.js" in html and "<script>" not in html


def test_new_case_registers_with_parties_and_items(intake, intake_user):
    existing = OrganizationFactory(name="Central Valley Packing, Inc.")
    # An organization on file may be the one typed: the clerk is asked, not merged for.
    asked = intake.post(reverse("cases:new"), new_case_post())
    assert asked.status_code == 400 and not Case.objects.exists()
    assert field_errors(asked, "employer_party")
    response = intake.post(reverse("cases:new"), new_case_post(employer_party=str(existing.pk)))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.employer == existing  # the one the clerk chose
    assert case.employee.name == "María José Núñez <b>" and case.employee.date_of_birth == date(1971, 4, 3)
    assert case.claims_administrator.phone == "555-0111"
    assert case.requesting_provider.specialty == "Orthopaedic Surgery"
    assert case.attorney is None
    assert (case.eams_number, case.wcis_number, case.diagnosis_icd, case.adjuster_name) == ("ADJ1234567", "W-9", "M51.26", "Kim Lee")
    assert [i.description for i in case.items.all()] == ["Eight (8) physical therapy visits"]
    assert case.created_by == intake_user and case.status == Case.Status.RECEIVED
    page = intake.get(case.get_absolute_url()).content.decode()
    assert "Núñez &lt;b&gt;" in page and "Núñez <b>" not in page


def field_errors(response, name):
    return response.context["form"].errors.get(name, [])


def test_future_dates_are_refused_beside_the_field(intake):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = intake.post(reverse("cases:new"), new_case_post(received_on=tomorrow))
    assert response.status_code == 400
    assert field_errors(response, "received_on") == ["cannot be in the future"]
    response = intake.post(reverse("cases:new"), new_case_post(rfa_date=tomorrow))
    assert field_errors(response, "rfa_date") == ["cannot be in the future"]
    assert not Case.objects.exists()


def test_injury_after_ur_decision_is_refused(intake):
    today = timezone.localdate()
    response = intake.post(reverse("cases:new"), new_case_post(date_of_injury=(today - timedelta(days=5)).isoformat()))
    assert field_errors(response, "date_of_injury") == ["the injury cannot be after the UR decision"]
    assert "the injury cannot be after the UR decision" in response.content.decode()


def test_every_broken_date_rule_is_shown_at_once(intake):
    today = timezone.localdate()
    response = intake.post(reverse("cases:new"), new_case_post(
        received_on=(today + timedelta(days=3)).isoformat(), ur_decision_date=(today - timedelta(days=10)).isoformat(),
        date_of_injury=(today - timedelta(days=2)).isoformat()))
    assert field_errors(response, "received_on") == ["cannot be in the future"]
    assert field_errors(response, "date_of_injury") == ["the injury cannot be after the UR decision"]


def test_application_before_ur_decision_is_refused(intake):
    today = timezone.localdate()
    response = intake.post(reverse("cases:new"), new_case_post(
        received_on=(today - timedelta(days=20)).isoformat(), ur_decision_date=(today - timedelta(days=10)).isoformat()))
    assert field_errors(response, "received_on") == ["the application cannot be received before the UR decision"]


@pytest.mark.parametrize(
    "service, served_days_after_decision, received_days_after_service, late",
    [
        ("mail", 0, 35, False),  # 30 days + 5 for mail (CCP 1013)
        ("mail", 0, 36, True),
        ("electronic", 0, 30, False),
        ("electronic", 0, 31, True),
        ("personal", 0, 31, True),
        # The window runs from service, not from the decision's date.
        ("electronic", 10, 30, False),
        ("electronic", 10, 31, True),
    ],
)
def test_untimely_application_needs_an_override_reason(
    intake, service, served_days_after_decision, received_days_after_service, late
):
    today = timezone.localdate()
    served = today - timedelta(days=received_days_after_service)
    decided = served - timedelta(days=served_days_after_decision)
    application = new_case_post(
        received_on=today.isoformat(), ur_decision_service=service, ur_decision_served_on=served.isoformat(),
        ur_decision_date=decided.isoformat(), rfa_date=(decided - timedelta(days=5)).isoformat(),
    )
    response = intake.post(reverse("cases:new"), application)
    if not late:
        assert response.status_code == 302
        case = Case.objects.get()
        assert (case.ur_decision_served_on, case.ur_decision_service) == (served, service)
        assert not case.is_untimely and case.untimely_override_reason == ""
        return
    assert response.status_code == 400
    assert field_errors(response, "untimely_override_reason")[0].startswith(
        f"Untimely: received {received_days_after_service} days after the UR decision was served"
    )
    assert not Case.objects.exists()
    response = intake.post(reverse("cases:new"), {**application, "untimely_override_reason": "Proof of service shows late mailing"})
    assert response.status_code == 302
    assert Case.objects.get().untimely_override_reason == "Proof of service shows late mailing"


def same_parties_as(case) -> dict:
    """The answers a clerk gives when the parties of `case` are offered again."""
    return {
        "employee_party": str(case.employee_id), "employer_party": str(case.employer_id),
        "claims_administrator_party": str(case.claims_administrator_id),
        "requesting_provider_party": str(case.requesting_provider_id),
    }


def test_service_date_defaults_to_the_decision_date_and_mail(intake):
    assert intake.post(reverse("cases:new"), new_case_post()).status_code == 302
    case = Case.objects.get()
    assert (case.ur_decision_served_on, case.ur_decision_service) == (case.ur_decision_date, "mail")


def test_service_date_must_fall_between_decision_and_application(intake):
    today = timezone.localdate()
    before = intake.post(reverse("cases:new"), new_case_post(
        ur_decision_served_on=(today - timedelta(days=13)).isoformat()))  # the decision is 12 days old
    assert field_errors(before, "ur_decision_served_on") == ["the UR decision cannot be served before it was made"]
    after = intake.post(reverse("cases:new"), new_case_post(ur_decision_served_on=today.isoformat()))  # received 2 days ago
    assert field_errors(after, "ur_decision_served_on")[0].startswith("the application (with its copy of the UR decision)")
    assert not Case.objects.exists()


def test_likely_duplicate_is_shown_with_a_link_and_can_be_registered_anyway(intake):
    intake.post(reverse("cases:new"), new_case_post())
    first = Case.objects.get()
    response = intake.post(reverse("cases:new"), new_case_post(
        **{"items-0-description": "EIGHT (8) physical therapy visits"}, **same_parties_as(first)
    ))
    assert response.status_code == 400
    assert field_errors(response, "claim_number")[0].startswith(f"Likely duplicate of {first.number}")
    assert f'href="{first.get_absolute_url()}"' in response.content.decode()
    assert Case.objects.count() == 1
    response = intake.post(reverse("cases:new"), new_case_post(allow_duplicate="on", **same_parties_as(first)))
    assert response.status_code == 302
    assert Case.objects.count() == 2
    assert Case.objects.order_by("-pk").first().duplicate_of == first


def test_at_least_one_disputed_item(intake):
    response = intake.post(reverse("cases:new"), new_case_post(**{
        "items-0-description": "", "items-0-category": "", "items-0-claims_administrator_guideline": ""}))
    assert response.status_code == 400
    assert "Add at least one disputed treatment." in response.content.decode()


def test_removed_rows_are_ignored(intake):
    response = intake.post(reverse("cases:new"), new_case_post(**{
        "items-1-description": "Lumbar MRI", "items-1-category": "Diagnostic Testing", "items-1-DELETE": "on"}))
    assert response.status_code == 302
    assert Case.objects.get().items.count() == 1


# --- list ----------------------------------------------------------------------

def test_list_search_filters_and_order(intake):
    today = timezone.localdate()
    a = eligible_case(claim_number="CLAIM-AAA", employee=PersonFactory(name="José Núñez"))
    b = registered_case(claim_number="CLAIM-BBB", review_type="expedited")
    c = eligible_case(claim_number="CLAIM-CCC")
    Case.objects.filter(pk=c.pk).update(due_on=today - timedelta(days=2))
    Case.objects.filter(pk=a.pk).update(due_on=today + timedelta(days=5))

    def numbers(**params):
        response = intake.get(reverse("cases:list"), params)
        assert response.status_code == 200
        return [case.number for case in response.context["page"].object_list]

    assert numbers() == [c.number, a.number, b.number]  # soonest deadline first, none last
    assert numbers(q="nunez") == [a.number]
    assert numbers(q="claim-bbb") == [b.number]
    assert numbers(q=c.number) == [c.number]
    assert numbers(status="received") == [b.number]
    assert numbers(review_type="expedited") == [b.number]
    assert numbers(overdue="1") == [c.number]
    html = intake.get(reverse("cases:list")).content.decode()
    assert 'class="row-overdue"' in html and "2 days overdue" in html and "5 days left" in html


def test_list_is_paginated(intake):
    for _ in range(30):
        registered_case()
    response = intake.get(reverse("cases:list"))
    assert len(response.context["page"].object_list) == 25
    assert "Page 1 of 2" in response.content.decode()
    assert len(intake.get(reverse("cases:list"), {"page": 2}).context["page"].object_list) == 5


def test_list_query_count_does_not_grow_with_rows(intake):
    def make(n):
        for i in range(n):
            case = eligible_case()
            if i % 2:
                reviewer_assign(case=case, reviewer=ReviewerFactory(), check_capacity=False)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert intake.get(reverse("cases:list")).status_code == 200
        return len(ctx)

    make(5)
    small = count()
    make(45)
    assert count() == small


# --- case page -------------------------------------------------------------------

def test_case_page_shows_parties_items_checklist_and_countdowns(intake):
    today = timezone.localdate()
    case = registered_case(
        employer=OrganizationFactory(name="Central Valley Packing"), received_on=today - timedelta(days=3),
        ur_decision_date=today - timedelta(days=40), untimely_override_reason="",
    )
    html = intake.get(case.get_absolute_url()).content.decode()
    assert "Central Valley Packing" in html and case.employee.name in html
    assert "Eight (8) physical therapy visits" in html
    served = case.ur_decision_served_on
    assert f"UR decision served {served:%b %-d, %Y} (mail); received 37 days later; last timely day " in html
    assert f"{served + timedelta(days=35):%b %-d, %Y}: late" in html
    assert "Record screening result" in html
    assert html.count("To confirm:") == 4
    assert "Fails:</span>\n            Filed within 30 days of service of the UR decision (35 if served by mail)" in html
    assert "Passes:</span>\n            Subject to IMR (LC 4610.5(a))" in html
    services.case_mark_eligible(case=case, assigned_on=today - timedelta(days=13))  # electronic: due yesterday
    html = intake.get(case.get_absolute_url()).content.decode()
    assert "1 day overdue" in html
    services.case_mark_records_complete(case=case, on=today - timedelta(days=1))
    html = intake.get(case.get_absolute_url()).content.decode()
    assert "29 days left" in html


def test_screening_from_the_page(intake):
    case = registered_case()
    response = intake.post(reverse("cases:screen", args=[case.number]), {
        "signature_present": "on", "ur_decision_attached": "on", "note": "ok"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_RECORDS
    # The notice of assignment is issued; the records clock waits for its recorded sending.
    assert case.notices.filter(kind="noarfi").count() == 1 and case.records_due_on is None


def test_screening_ineligible_from_the_page(intake):
    case = registered_case()
    response = intake.post(reverse("cases:screen", args=[case.number]), {"ur_decision_attached": "on"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.ineligible_reason) == (Case.Status.INELIGIBLE, Case.IneligibleReason.NO_SIGNATURE)
    html = intake.get(case.get_absolute_url()).content.decode()
    assert "No signature of employee or representative" in html


def test_screening_refusal_is_shown(intake):
    case = registered_case()
    services.case_screen(case=case, signature_present=True, ur_decision_attached=True, conditional_non_certification=False,
                         liability_disputed=False)
    response = intake.post(reverse("cases:screen", args=[case.number]), {"signature_present": "on", "ur_decision_attached": "on"})
    assert response.status_code == 400
    assert "has already been screened" in response.content.decode()


def test_records_complete_and_convert_to_expedited(intake):
    today = timezone.localdate()
    case = eligible_case()
    response = intake.post(reverse("cases:expedite", args=[case.number]), {"on": today.isoformat()})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.review_type == "expedited" and case.records_due_on == today + timedelta(days=1)
    response = intake.post(reverse("cases:records_complete", args=[case.number]), {"on": today.isoformat()})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.RECORDS_COMPLETE and case.decision_due_on == today + timedelta(days=3)
    # Already expedited: the service's refusal is shown, nothing changes.
    response = intake.post(reverse("cases:expedite", args=[case.number]), {"on": today.isoformat()})
    assert response.status_code == 400
    assert "already expedited" in response.content.decode()


# --- documents -----------------------------------------------------------------

def doc_post(*files, **extra):
    data = {"docs-TOTAL_FORMS": str(len(files)), "docs-INITIAL_FORMS": "0", "docs-MIN_NUM_FORMS": "0", "docs-MAX_NUM_FORMS": "20"}
    for i, f in enumerate(files):
        data.update({f"docs-{i}-file": f, f"docs-{i}-kind": "medical_record", f"docs-{i}-author": "Dr. Chávez",
                     f"docs-{i}-dated": "2025-01-15", f"docs-{i}-title": ""})
    data.update(extra)
    return data


def test_upload_several_pdfs_and_download(intake):
    case = registered_case()
    response = intake.post(reverse("cases:document_upload", args=[case.number]),
                           doc_post(upload(pdf_bytes(2), "progress.pdf"), upload(pdf_bytes(1), "rfa.pdf")))
    assert response.status_code == 302
    docs = list(case.documents.order_by("title"))
    assert [(d.title, d.page_count, d.author) for d in docs] == [("progress", 2, "Dr. Chávez"), ("rfa", 1, "Dr. Chávez")]
    html = intake.get(case.get_absolute_url()).content.decode()
    url = reverse("cases:document_download", args=[case.number, docs[0].pk])
    assert url in html
    response = intake.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == docs[0].file.open("rb").read()


def test_non_pdf_renamed_pdf_is_refused(intake):
    case = registered_case()
    response = intake.post(reverse("cases:document_upload", args=[case.number]),
                           doc_post(upload(pdf_bytes(1), "ok.pdf"), upload(PNG, "scan.pdf")))
    assert response.status_code == 400
    assert "scan.pdf is not a PDF" in response.content.decode()
    assert not CaseDocument.objects.exists()


def test_document_download_is_permission_checked(client, intake_user, reviewer_user):
    case = eligible_case()
    doc = services.document_add(case=case, uploaded_file=upload(pdf_bytes(1)), kind="medical_record")
    url = reverse("cases:document_download", args=[case.number, doc.pk])
    client.force_login(reviewer_user)
    assert client.get(url).status_code == 404  # not their case: no existence oracle
    reviewer_assign(case=case, reviewer=reviewer_user.reviewer)
    assert client.get(url).status_code == 200  # the case file the reviewer works from
    other = registered_case()
    assert client.get(reverse("cases:document_download", args=[other.number, doc.pk])).status_code == 404
    client.force_login(intake_user)
    assert client.get(reverse("cases:document_download", args=[case.number, doc.pk + 1000])).status_code == 404


def test_tampered_document_is_not_served(intake):
    case = registered_case()
    doc = services.document_add(case=case, uploaded_file=upload(pdf_bytes(1)), kind="medical_record")
    path = doc.file.path
    with open(path, "r+b") as f:
        f.seek(20)
        f.write(b"X")
    assert intake.get(reverse("cases:document_download", args=[case.number, doc.pk])).status_code == 404


# --- assignment ----------------------------------------------------------------

def test_assignment_panel_ranks_by_fit_then_workload_and_explains_the_ineligible(intake):
    case = eligible_case()
    busy = ReviewerFactory(user__last_name="Busy")  # PM&R: the best fit for Physical Medicine
    for _ in range(2):
        reviewer_assign(case=eligible_case(), reviewer=busy, check_capacity=False)
    free = ReviewerFactory(user__last_name="Free")
    ortho = ReviewerFactory(user__last_name="Ortho", specialties=["Orthopaedic Surgery"])  # fits, lower rank
    novice = ReviewerFactory(user__last_name="Novice", active_practice_since=timezone.localdate().year - 3)
    conflicted = ReviewerFactory(user__last_name="Conflicted", affiliations=[case.employer.name])
    response = intake.get(case.get_absolute_url())
    checks = response.context["reviewer_checks"]
    assert [c.reviewer for c in checks[:3]] == [free, busy, ortho]
    assert {c.reviewer for c in checks[3:]} == {novice, conflicted}
    html = response.content.decode()
    assert "3 years of active practice (more than 5 required)" in html
    assert f"affiliated with the employer ({case.employer.name}" in html
    assert f'value="{novice.pk}" id="reviewer-{novice.pk}" disabled' in html


@pytest.mark.parametrize("who", ["novice", "conflicted"])
def test_ineligible_or_conflicted_reviewer_posted_by_hand_is_refused(intake, who):
    case = eligible_case()
    reviewer = (
        ReviewerFactory(active_practice_since=timezone.localdate().year - 3)
        if who == "novice" else ReviewerFactory(affiliations=[case.claims_administrator.name])
    )
    response = intake.post(reverse("cases:assign", args=[case.number]), {"reviewer": reviewer.pk})
    assert response.status_code == 400
    assert "cannot be assigned" in response.content.decode()
    assert not Assignment.objects.exists()
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_RECORDS


def test_assign_an_eligible_reviewer(intake, intake_user):
    case = eligible_case()
    reviewer = ReviewerFactory()
    response = intake.post(reverse("cases:assign", args=[case.number]), {"reviewer": reviewer.pk})
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.case, assignment.reviewer, assignment.assigned_by) == (case, reviewer, intake_user)
    html = intake.get(case.get_absolute_url()).content.decode()
    assert str(reviewer) in html and "Awaiting acceptance" in html
    # A second post (a second clerk's stale page) is refused.
    response = intake.post(reverse("cases:assign", args=[case.number]), {"reviewer": ReviewerFactory().pk})
    assert response.status_code == 400
    assert Assignment.objects.count() == 1


def test_assign_garbage_is_refused(intake):
    case = eligible_case()
    assert intake.post(reverse("cases:assign", args=[case.number]), {"reviewer": "abc"}).status_code == 400
    assert intake.post(reverse("cases:assign", args=[case.number]), {"reviewer": "999999"}).status_code == 400
    assert not Assignment.objects.exists()


def test_case_page_includes_the_letter_panel_once_there_are_letters(intake, reviewer_user):
    from determinations.models import Determination, Letter

    case = eligible_case()
    html = intake.get(case.get_absolute_url()).content.decode()
    assert "Final Determination Letters" not in html
    determination = Determination.objects.create(case=case, reviewer=reviewer_user.reviewer)
    Letter.objects.create(determination=determination)
    html = intake.get(case.get_absolute_url()).content.decode()
    assert "Final Determination Letters" in html and "Queued" in html
