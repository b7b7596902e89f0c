"""Builders for the review tests: cases offered to a reviewer, moved along by the services."""

import hashlib
from datetime import date, timedelta

from django.core.files.base import ContentFile

from cases import services as case_services
from cases.models import CaseDocument
from determinations.models import Guideline
from reviewers import services as reviewer_services
from tests.factories import CaseFactory, DisputedItemFactory, DocumentFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def offered_case(reviewer, *, items=("Eight (8) physical therapy visits",), records=True, expedited=False, **case_kwargs):
    """A case with records complete, offered to `reviewer` (status: with reviewer)."""
    case = CaseFactory(review_type="expedited" if expedited else "standard", **case_kwargs)
    for position, description in enumerate(items):
        DisputedItemFactory(
            case=case,
            position=position,
            description=description,
            claims_administrator_guideline="MTUS Chronic Pain Medical Treatment Guidelines" if position == 0 else "",
        )
    DocumentFactory(case=case, title="UR determination", kind=CaseDocument.Kind.UR_DETERMINATION, author="UR physician")
    if records:
        DocumentFactory(case=case, title="PT progress note", kind=CaseDocument.Kind.MEDICAL_RECORD)
    today = date.today()
    case_services.case_mark_eligible(case=case, assigned_on=today - timedelta(days=6))
    case_services.case_mark_records_complete(case=case, on=today - timedelta(days=2))
    assignment = reviewer_services.reviewer_assign(case=case, reviewer=reviewer, check_capacity=False)
    case.refresh_from_db()
    return case, assignment


def accepted_case(reviewer, **kwargs):
    case, assignment = offered_case(reviewer, **kwargs)
    assignment = reviewer_services.assignment_accept(assignment=assignment, user=reviewer.user, attested=True)
    return case, assignment


def with_pdf(document: CaseDocument) -> CaseDocument:
    document.file.save("record.pdf", ContentFile(PDF_BYTES), save=False)
    document.sha256 = hashlib.sha256(PDF_BYTES).hexdigest()
    document.original_filename = 'PT "note" 2026.pdf'
    document.save()
    return document


def mtus_guideline() -> Guideline:
    return Guideline.objects.get(name="MTUS Chronic Pain Treatment Guidelines")


def odg_guideline() -> Guideline:
    return Guideline.objects.get(name="Official Disability Guidelines (ODG)")


def form_data(determination, decisions, *, summary="This is a 38 year old male with low back pain.", revision=None, **item_overrides):
    """POST data for the determination form: every item decided and cited unless overridden.

    `item_overrides` maps a field name to a value for every item, e.g. rationale="".
    """
    data = {
        "clinical_case_summary": summary,
        "revision": determination.revision if revision is None else revision,
    }
    guideline = mtus_guideline()
    for index, row in enumerate(decisions):
        values = {
            "decision_id": row.pk,
            "decision": "upheld",
            "guideline": guideline.pk,
            "section": "Physical Medicine",
            "pages": "98-99",
            "evidence_level": "",
            "lower_level_reason": "",
            "rationale": "The guidelines allow 9-10 visits over 8 weeks; the patient has had them.",
        }
        values.update(item_overrides)
        for name, value in values.items():
            data[f"item-{index}-{name}"] = "" if value is None else value
    return data
