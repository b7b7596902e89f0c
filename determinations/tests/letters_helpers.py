"""Builders for the letter tests: the seed case (through `import_cases`) and variants of it."""

import copy
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path

from django.core.management import call_command
from pypdf import PdfReader

from cases import services as case_services
from cases.models import CaseDocument
from determinations import services as determination_services
from determinations.models import Determination, Guideline
from reviewers import services as reviewer_services
from tests.factories import CaseFactory, DisputedItemFactory, DocumentFactory, ReviewerFactory

FIXTURES = Path(__file__).parent / "fixtures"
# The seed bundle has one copy, the one seed_demo imports.
SEED_CASE = Path(__file__).resolve().parents[2] / "cases" / "fixtures" / "seed-case.json"
SEED_LETTER = FIXTURES / "seed-letter.txt"


def seed_bundle() -> dict:
    return json.loads(SEED_CASE.read_text(encoding="utf-8"))


def import_bundle(bundle: dict, tmp_path: Path) -> list[Determination]:
    """Import a bundle through the real command; the cases' determinations, in bundle order."""
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    call_command("import_cases", str(path), stdout=io.StringIO())
    numbers = [case["case_number"] for case in bundle["cases"]]
    return [Determination.objects.get(case__number=number, status=Determination.Status.FINAL) for number in numbers]


def import_seed(tmp_path: Path) -> Determination:
    return import_bundle(seed_bundle(), tmp_path)[0]


def variant_bundle(**changes) -> dict:
    """The seed case with a new number and `changes` merged into it (a shallow update per key)."""
    bundle = copy.deepcopy(seed_bundle())
    case = bundle["cases"][0]
    case["case_number"] = changes.pop("case_number", "CM13-0009999")
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(case.get(key), dict):
            case[key] = {**case[key], **value}
        else:
            case[key] = value
    return bundle


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def squash(text: str) -> str:
    """Text without any whitespace: line breaks in a PDF fall anywhere, even after "He/"."""
    return re.sub(r"\s+", "", text)


def pdf_text(data: bytes) -> str:
    return squash("".join(pdf_pages(data)))


def draft_case(*, items=("Eight (8) physical therapy visits",), reviewer=None):
    """A case with records complete, accepted by a reviewer, with a complete draft (not final)."""
    reviewer = reviewer or ReviewerFactory()
    case = CaseFactory()
    for position, description in enumerate(items):
        DisputedItemFactory(case=case, position=position, description=description)
    DocumentFactory(case=case, title="UR determination", kind=CaseDocument.Kind.UR_DETERMINATION, author="UR physician")
    DocumentFactory(case=case, title="PT progress note", kind=CaseDocument.Kind.MEDICAL_RECORD)
    today = date.today()
    case_services.case_mark_eligible(case=case, assigned_on=today - timedelta(days=6))
    case_services.case_mark_records_complete(case=case, on=today - timedelta(days=2))
    reviewer_services.reviewer_assign(case=case, reviewer=reviewer, accepted=True, check_capacity=False)
    determination = determination_services.determination_start(case=case, reviewer=reviewer)
    guideline = Guideline.objects.get(name="MTUS Chronic Pain Treatment Guidelines")
    determination_services.determination_save_draft(
        determination=determination,
        clinical_case_summary="This is a 40 year old male with low back pain.",
        decisions=[
            determination_services.DecisionData(
                item_id=row.item_id, decision="upheld", guideline=guideline, section="Physical Medicine", pages="98-99",
                rationale="The guidelines allow 9-10 visits; the patient has had them.",
            )
            for row in determination.decisions.all()
        ],
    )
    return determination

