"""Screening, documents and browser registration services."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from cases import services
from cases.models import Case, CaseDocument, Party
from imrsite.errors import ServiceError
from tests.factories import CaseFactory, DisputedItemFactory

from .helpers import PNG, pdf_bytes, upload

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 16)


def screen(case, **overrides):
    answers = dict(
        signature_present=True, ur_decision_attached=True, conditional_non_certification=False,
        liability_disputed=False, today=TODAY,
    )
    answers.update(overrides)
    return services.case_screen(case=case, **answers)


def new_case(**kwargs):
    kwargs.setdefault("received_on", TODAY - timedelta(days=3))
    kwargs.setdefault("ur_decision_date", kwargs["received_on"] - timedelta(days=10))
    case = CaseFactory(**kwargs)
    DisputedItemFactory(case=case)
    return case


# --- screening ---------------------------------------------------------------

def test_eligible_case_awaits_records_and_its_clock_waits_for_the_notice():
    outcome = screen(new_case())
    assert outcome.eligible
    case = outcome.case
    assert case.status == Case.Status.AWAITING_RECORDS
    # The records clock starts from the NOARFI's recorded sending, not at screening
    # (correspondence/tests/test_notices.py follows it to the due date).
    assert case.assigned_on is None and case.records_due_on is None
    assert case.eligibility_decided_at is not None
    assert case.notices.get().kind == "noarfi"


@pytest.mark.parametrize(
    "answers, reason",
    [
        ({"signature_present": False}, Case.IneligibleReason.NO_SIGNATURE),
        ({"ur_decision_attached": False}, Case.IneligibleReason.NO_UR_DECISION),
        ({"conditional_non_certification": True}, Case.IneligibleReason.CNC),
        # Several defects: the first in DWC's order is the coded reason.
        ({"ur_decision_attached": False, "conditional_non_certification": True}, Case.IneligibleReason.NO_UR_DECISION),
    ],
)
def test_checklist_failures_make_the_case_ineligible_with_a_coded_reason(answers, reason):
    outcome = screen(new_case(), **answers)
    assert outcome.reason == reason
    assert outcome.case.status == Case.Status.INELIGIBLE
    assert outcome.case.ineligible_reason == reason
    assert outcome.case.records_due_on is None


@pytest.mark.parametrize(
    "service, days_after_service, late",
    [("mail", 35, False), ("mail", 36, True), ("electronic", 30, False), ("electronic", 31, True), ("personal", 31, True)],
)
def test_filing_window_runs_from_service_of_the_ur_decision(service, days_after_service, late):
    served = TODAY - timedelta(days=days_after_service)
    case = new_case(
        received_on=TODAY, ur_decision_date=served - timedelta(days=4), ur_decision_served_on=served, ur_decision_service=service
    )
    outcome = screen(case)
    assert outcome.reason == (Case.IneligibleReason.UNTIMELY if late else "")
    assert outcome.case.is_untimely is late


def test_untimely_without_override_is_ineligible_and_with_override_eligible():
    late = new_case(received_on=TODAY, ur_decision_date=TODAY - timedelta(days=36))
    assert screen(late).reason == Case.IneligibleReason.UNTIMELY
    late2 = new_case(received_on=TODAY, ur_decision_date=TODAY - timedelta(days=36), claim_number="WC-LATE-2")
    outcome = screen(late2, untimely_override_reason="UR decision served late by mail (proof of service)")
    assert outcome.eligible
    assert outcome.case.untimely_override_reason.startswith("UR decision served late")


def test_thirty_five_days_after_mailed_service_is_still_timely():
    assert screen(new_case(received_on=TODAY, ur_decision_date=TODAY - timedelta(days=35))).eligible


@pytest.mark.parametrize(
    "injured, served, subject",
    [
        (date(2012, 3, 19), date(2013, 6, 30), False),  # the case: a 2012 injury, UR decision before July 2013
        (date(2012, 3, 19), date(2013, 7, 1), True),
        (date(2013, 1, 1), date(2013, 6, 30), True),
        (date(2012, 12, 31), date(2013, 6, 30), False),
    ],
)
def test_a_dispute_imr_does_not_cover_is_ineligible_with_its_own_code(injured, served, subject):
    case = new_case(
        date_of_injury=injured, ur_decision_date=served, ur_decision_served_on=served, received_on=served + timedelta(days=10)
    )
    outcome = screen(case)
    if subject:
        assert outcome.eligible
        return
    assert outcome.reason == Case.IneligibleReason.NOT_SUBJECT == "not_subject"
    assert outcome.case.status == Case.Status.INELIGIBLE
    assert outcome.case.get_ineligible_reason_display() == "Not subject to IMR"
    assert "LC 4610.5(a)" in outcome.case.eligibility_note


def test_not_subject_comes_first_and_no_override_lifts_it():
    case = new_case(date_of_injury=date(2012, 1, 1), ur_decision_date=date(2013, 5, 1), received_on=date(2013, 7, 1))
    outcome = screen(case, signature_present=False, untimely_override_reason="served late")
    assert outcome.reason == Case.IneligibleReason.NOT_SUBJECT


def test_duplicate_of_an_earlier_pending_case_is_ineligible():
    first = new_case(claim_number="WC-1")
    second = CaseFactory(
        employee=first.employee, claim_number="wc-1", ur_decision_date=first.ur_decision_date, received_on=first.received_on
    )
    DisputedItemFactory(case=second, description=first.items.get().description.upper())
    outcome = screen(second)
    assert outcome.reason == Case.IneligibleReason.DUPLICATE
    assert outcome.case.duplicate_of == first
    assert first.number in outcome.case.eligibility_note
    # The original itself is not a duplicate of the later filing.
    assert screen(first).eligible


def test_liability_dispute_defers_and_can_be_screened_again():
    outcome = screen(new_case(), liability_disputed=True, note="Denied AOE/COE")
    assert outcome.case.status == Case.Status.DEFERRED
    assert outcome.case.ineligible_reason == ""
    again = screen(outcome.case, liability_disputed=True, note="Still disputed")
    assert again.case.status == Case.Status.DEFERRED
    assert again.case.eligibility_note == "Still disputed"
    resolved = screen(outcome.case, liability_disputed=False)
    assert resolved.case.status == Case.Status.AWAITING_RECORDS


def test_screened_case_cannot_be_screened_twice():
    case = screen(new_case()).case
    with pytest.raises(ServiceError) as exc:
        screen(case)
    assert exc.value.field == "status"


# --- documents ---------------------------------------------------------------

def stored_files():
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_valid_pdf_is_stored_under_a_uuid_with_hash_and_page_count(intake_user):
    import hashlib

    case = new_case()
    content = pdf_bytes(3)
    doc = services.document_add(
        case=case, uploaded_file=upload(content, "../../etc/passwd.pdf"), kind=CaseDocument.Kind.MEDICAL_RECORD,
        author="Dr. Núñez <b>", dated=date(2025, 5, 1), user=intake_user,
    )
    assert doc.page_count == 3
    assert doc.sha256 == hashlib.sha256(content).hexdigest()
    assert doc.size == len(content)
    assert doc.original_filename == "passwd.pdf"
    assert doc.title == "passwd"
    assert doc.uploaded_by == intake_user
    assert doc.received_on == timezone.localdate()
    name = Path(doc.file.name)
    assert name.parts[:2] == ("documents", str(case.pk))
    assert len(name.stem) == 32 and ".." not in doc.file.name
    assert [p.read_bytes() for p in stored_files()] == [content]


@pytest.mark.parametrize(
    "content, code",
    [
        (PNG, "not_pdf"),
        (b"MZ\x90\x00" + b"\x00" * 200, "not_pdf"),
        (b"PK\x03\x04" + b"\x00" * 200, "not_pdf"),
        (pdf_bytes(2)[:-200], "pdf_truncated"),
        (b"%PDF-1.7\n garbage that is not a pdf \n%%EOF\n", "pdf_malformed"),
        (pdf_bytes(1, password="secret"), "pdf_encrypted"),
        (pdf_bytes(1, javascript=True), "pdf_active"),
    ],
    ids=["png-renamed", "exe-renamed", "zip-renamed", "truncated", "garbage", "encrypted", "javascript"],
)
def test_bad_files_are_refused_and_nothing_is_written(content, code):
    case = new_case()
    with pytest.raises(ServiceError) as exc:
        services.document_add(case=case, uploaded_file=upload(content, "x.pdf"), kind=CaseDocument.Kind.OTHER)
    assert exc.value.code == code
    assert exc.value.field == "file"
    assert not CaseDocument.objects.exists()
    assert stored_files() == []


def test_size_limit(settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 400
    content = pdf_bytes(1)
    assert len(content) > 400
    with pytest.raises(ServiceError) as exc:
        services.document_add(case=new_case(), uploaded_file=upload(content), kind=CaseDocument.Kind.OTHER)
    assert exc.value.code == "too_large"
    assert stored_files() == []


def test_several_files_all_or_nothing():
    case = new_case()
    good = services.DocumentUpload(uploaded_file=upload(pdf_bytes(1), "a.pdf"), kind=CaseDocument.Kind.RFA)
    bad = services.DocumentUpload(uploaded_file=upload(PNG, "b.pdf"), kind=CaseDocument.Kind.RFA)
    with pytest.raises(ServiceError):
        services.documents_add(case=case, uploads=[good, bad])
    assert not CaseDocument.objects.exists()
    assert stored_files() == []
    docs = services.documents_add(
        case=case,
        uploads=[
            services.DocumentUpload(uploaded_file=upload(pdf_bytes(1), "a.pdf"), kind=CaseDocument.Kind.RFA),
            services.DocumentUpload(uploaded_file=upload(pdf_bytes(2), "b.pdf"), kind=CaseDocument.Kind.UR_DETERMINATION),
        ],
    )
    assert [d.page_count for d in docs] == [1, 2]
    assert len(stored_files()) == 2


def test_storage_is_cleaned_when_the_database_write_fails(monkeypatch):
    case = new_case()

    def boom(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(CaseDocument, "save", boom)
    with pytest.raises(RuntimeError):
        services.document_add(case=case, uploaded_file=upload(pdf_bytes(1)), kind=CaseDocument.Kind.OTHER)
    assert stored_files() == []


# --- registration from the browser -----------------------------------------------

def intake_kwargs(**data):
    parties = {
        "employee": services.PartyInput(kind=Party.Kind.PERSON, name="José Núñez", details={
            "first_name": "José", "last_name": "Núñez", "date_of_birth": date(1970, 1, 2)}),
        "employer": services.PartyInput(kind=Party.Kind.ORGANIZATION, name="Acme Foods, Inc."),
        "claims_administrator": services.PartyInput(kind=Party.Kind.ORGANIZATION, name="Golden State Claims"),
        "requesting_provider": services.PartyInput(kind=Party.Kind.PERSON, name="Alan Whitfield, MD",
                                                   details={"specialty": "Orthopaedic Surgery"}),
        "attorney": None,
    }
    case_data = {
        "review_type": "standard", "received_on": TODAY - timedelta(days=2), "ur_decision_date": TODAY - timedelta(days=12),
        "date_of_injury": date(2024, 1, 5), "claim_number": "CLM-77", "channel": "fax", "eams_number": "ADJ123",
        "diagnosis": "Lumbar strain",
    }
    case_data.update(data)
    return {"parties": parties, "data": case_data,
            "items": [services.ItemData(description="Eight (8) physical therapy visits", category="Physical Medicine")],
            "today": TODAY}


def test_case_intake_uses_the_existing_party_the_clerk_chose():
    existing = Party.objects.create(kind=Party.Kind.ORGANIZATION, name="ACME Foods")
    kwargs = intake_kwargs()
    # Not asked yet: refused, naming the form field where the clerk answers.
    with pytest.raises(ServiceError) as exc:
        services.case_intake(**kwargs)
    assert (exc.value.field, exc.value.code) == ("employer_party", "party_choice_needed")
    kwargs["parties"]["employer"].choice = existing.pk
    case = services.case_intake(**kwargs)
    assert case.employer == existing
    assert case.channel == "fax" and case.eams_number == "ADJ123"
    assert case.requesting_provider.specialty == "Orthopaedic Surgery"
    assert case.number.startswith("CM")


def test_case_intake_new_party_when_the_clerk_says_so():
    existing = Party.objects.create(kind=Party.Kind.ORGANIZATION, name="ACME Foods")
    kwargs = intake_kwargs()
    kwargs["parties"]["employer"].choice = services.NEW_PARTY
    case = services.case_intake(**kwargs)
    assert case.employer != existing and case.employer.name == "Acme Foods, Inc."


# --- issue 19 item 1: people are never merged on a name ------------------------------

def esperanza(**details):
    return Party.objects.create(
        kind=Party.Kind.PERSON, name="Maria T. Esperanza", first_name="Maria T.", last_name="Esperanza",
        date_of_birth=date(1961, 5, 9), phone="555-0199", address="9 Old Rd, Visalia", **details,
    )


def employee_input(name="Maria T. Esperanza", **details):
    first, last = name.rsplit(" ", 1)
    return services.PartyInput(kind=Party.Kind.PERSON, name=name, details={"first_name": first, "last_name": last, **details})


def test_a_namesake_without_a_birth_date_is_not_merged_and_nothing_typed_is_lost():
    """The reported case: "Maria T. Esperanza", no birth date typed, was attached to the person on file
    and what the clerk typed was dropped. Now the clerk is asked; a new person keeps every detail typed."""
    on_file = esperanza()
    kwargs = intake_kwargs()
    kwargs["parties"]["employee"] = employee_input(phone="555-0123", address="12 New St, Fresno")
    with pytest.raises(ServiceError) as exc:
        services.case_intake(**kwargs)
    assert exc.value.field == "employee_party"
    assert not Case.objects.exists()
    kwargs["parties"]["employee"].choice = services.NEW_PARTY
    case = services.case_intake(**kwargs)
    assert case.employee != on_file
    assert (case.employee.phone, case.employee.address) == ("555-0123", "12 New St, Fresno")
    on_file.refresh_from_db()
    assert (on_file.phone, on_file.address) == ("555-0199", "9 Old Rd, Visalia")  # untouched


def test_choosing_the_person_on_file_keeps_what_was_typed_on_it():
    on_file = esperanza()
    kwargs = intake_kwargs()
    kwargs["parties"]["employee"] = employee_input("María Esperanza", phone="555-0123", sex="female")
    kwargs["parties"]["employee"].choice = on_file.pk
    case = services.case_intake(**kwargs)
    assert case.employee == on_file
    on_file.refresh_from_db()
    assert (on_file.phone, on_file.sex, on_file.address) == ("555-0123", "female", "9 Old Rd, Visalia")
    from accounts.models import AuditEvent

    event = AuditEvent.objects.get(action=AuditEvent.Action.PARTY_UPDATE)
    assert event.object_id == str(on_file.pk) and sorted(event.detail["fields"]) == ["phone", "sex"]


def test_a_person_born_on_another_day_is_not_a_candidate():
    from cases.selectors import party_candidates

    esperanza()
    assert party_candidates(kind=Party.Kind.PERSON, name="Maria Esperanza", details={"date_of_birth": date(1980, 1, 1)}) == []
    found = party_candidates(kind=Party.Kind.PERSON, name="MARIA ESPERANZA", details={"date_of_birth": date(1961, 5, 9)})
    assert [p.name for p in found] == ["Maria T. Esperanza"]
    # Initials, accents and word order aside; a longer surname is someone else.
    assert party_candidates(kind=Party.Kind.PERSON, name="Esperanza, María", details={})
    assert not party_candidates(kind=Party.Kind.PERSON, name="Maria Esperanza-Lopez", details={})


def test_a_choice_that_is_not_a_candidate_is_refused():
    esperanza()
    stranger = Party.objects.create(kind=Party.Kind.PERSON, name="Someone Else")
    kwargs = intake_kwargs()
    kwargs["parties"]["employee"] = employee_input()
    kwargs["parties"]["employee"].choice = stranger.pk
    with pytest.raises(ServiceError) as exc:
        services.case_intake(**kwargs)
    assert (exc.value.field, exc.value.code) == ("employee_party", "party_choice_stale")


def test_match_or_create_matches_only_on_what_identifies_and_reports_what_differs():
    on_file = esperanza()
    # Same name, same birth date: the same person; a different sex is reported, not written.
    party, notes = services.party_match_or_create(
        kind=Party.Kind.PERSON, name="Maria Esperanza", date_of_birth=date(1961, 5, 9), sex="male"
    )
    assert party == on_file and notes == [f"matched party {on_file.pk}; differs: sex (on file: none, here: male)"]
    # Same name, another birth date: someone else, and the namesake is reported.
    other, notes = services.party_match_or_create(kind=Party.Kind.PERSON, name="Maria Esperanza", date_of_birth=date(1990, 1, 1))
    assert other != on_file and "not merged" in notes[0]
    # A physician: name and specialty.
    doc = Party.objects.create(kind=Party.Kind.PERSON, name="Alan Whitfield, MD", specialty="Orthopaedic Surgery")
    assert services.party_match_or_create(kind=Party.Kind.PERSON, name="alan whitfield", specialty="orthopaedic surgery")[0] == doc
    assert services.party_match_or_create(kind=Party.Kind.PERSON, name="Alan Whitfield", specialty="Psychiatry")[0] != doc


def test_case_intake_refusal_leaves_no_parties():
    before = Party.objects.count()
    with pytest.raises(ServiceError) as exc:
        services.case_intake(**intake_kwargs(date_of_injury=TODAY - timedelta(days=5)))
    assert exc.value.field == "date_of_injury"
    assert Party.objects.count() == before
