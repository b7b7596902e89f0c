"""What a determination must rest on before it is finalized, for every caller.

Issue 11 #4: at least one medical record from outside the UR file (not the
application, the UR determination or its correspondence), 8 CCR 9792.10.6(b)(2).
Issue 19 #4: records marked complete, or their due date passed (the review
then proceeds on what was received, 9792.10.5, and the case and letter say so).
"""

import copy
import io
import json
from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseDocument
from determinations import rendering, services
from determinations.models import Determination
from imrsite.errors import ServiceError
from reviewers import services as reviewer_services
from tests.factories import CaseFactory, DisputedItemFactory, DocumentFactory, ReviewerFactory

from .letters_helpers import SEED_CASE, pdf_text, squash
from .review_helpers import mtus_guideline

pytestmark = pytest.mark.django_db
K = CaseDocument.Kind


def case_with(kinds, *, records_complete=True, assigned_days_ago=6):
    """An accepted case holding documents of `kinds`, with a complete draft."""
    reviewer = ReviewerFactory()
    case = CaseFactory()
    DisputedItemFactory(case=case, position=0)
    for kind in kinds:
        DocumentFactory(case=case, kind=kind, title=f"A {kind}")
    today = date.today()
    case_services.case_mark_eligible(case=case, assigned_on=today - timedelta(days=assigned_days_ago))
    if records_complete:
        case_services.case_mark_records_complete(case=case, on=today - timedelta(days=1))
    reviewer_services.reviewer_assign(case=case, reviewer=reviewer, accepted=True, check_capacity=False)
    draft = services.determination_start(case=case, reviewer=reviewer)
    services.determination_save_draft(
        determination=draft,
        clinical_case_summary="A 40 year old man with low back pain.",
        decisions=[
            services.DecisionData(item_id=row.item_id, decision="upheld", guideline=mtus_guideline(), rationale="Guidelines.")
            for row in draft.decisions.all()
        ],
    )
    return Determination.objects.select_related("case").get(pk=draft.pk)


def finalize(draft):
    return services.determination_finalize(determination=draft, user=draft.reviewer.user)


# --- outside the UR file ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kinds",
    [
        [],
        [K.UR_DETERMINATION],
        [K.APPLICATION, K.UR_DETERMINATION],  # the file that used to finalize
        [K.APPLICATION, K.UR_DETERMINATION, K.UR_CORRESPONDENCE],
        [K.APPLICATION, K.UR_DETERMINATION, K.RFA, K.GUIDELINE, K.OTHER],
    ],
    ids=["nothing", "ur-only", "application-and-ur", "ur-file", "ur-file-and-non-records"],
)
def test_a_file_without_a_record_outside_the_ur_file_cannot_be_finalized(kinds):
    draft = case_with(kinds)
    assert "documents" in [field for field, _ in services.finalize_problems(draft)]
    with pytest.raises(ServiceError) as refused:
        finalize(draft)
    assert refused.value.field == "documents" and "solely on the UR file" in refused.value.message
    draft.refresh_from_db()
    assert draft.status == Determination.Status.DRAFT


@pytest.mark.parametrize("kind", [K.MEDICAL_RECORD, K.IMAGING, K.CONSULTATION, K.EMPLOYEE_SUBMISSION, K.PROVIDER_SUBMISSION])
def test_one_record_from_outside_the_ur_file_is_enough(kind):
    draft = case_with([K.APPLICATION, K.UR_DETERMINATION, kind])
    assert finalize(draft).status == Determination.Status.FINAL


def import_refusal(tmp_path, case: dict) -> list[str]:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps({"cases": [case]}), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_cases", str(path), stdout=io.StringIO(), stderr=err)
    assert Case.objects.count() == 0
    return err.getvalue().splitlines()


def seed_case() -> dict:
    return copy.deepcopy(json.loads(SEED_CASE.read_text(encoding="utf-8"))["cases"][0])


def test_import_refuses_a_determination_on_the_application_and_ur_decision_only(tmp_path):
    case = seed_case()
    case["documents"] = [d for d in case["documents"] if d["kind"] in ("application", "ur_determination")]
    assert len(case["documents"]) == 2
    lines = import_refusal(tmp_path, case)
    assert lines[0].startswith("cases[0].documents: cannot finalize: no determination may rest solely on the UR file")


# --- records complete, or their due date passed -----------------------------------------------


def test_records_not_complete_before_their_due_date_refuse_finalizing():
    draft = case_with([K.MEDICAL_RECORD], records_complete=False, assigned_days_ago=3)
    case = draft.case
    assert case.records_complete_on is None and case.records_due_on >= date.today()
    with pytest.raises(ServiceError) as refused:
        finalize(draft)
    assert refused.value.field == "records" and "not marked complete" in refused.value.message
    assert Case.objects.get(pk=case.pk).status == Case.Status.IN_REVIEW


def test_finalize_page_refuses_too(client):
    draft = case_with([K.MEDICAL_RECORD], records_complete=False, assigned_days_ago=3)
    client.force_login(draft.reviewer.user)
    url = reverse("review:finalize", args=[draft.case.number])
    assert "not marked complete" in client.get(url).content.decode()  # listed before the reviewer tries
    response = client.post(url, {"revision": draft.revision})
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.status == Determination.Status.DRAFT


def test_on_the_day_records_are_due_it_still_waits_the_day_after_it_proceeds(time_machine):
    draft = case_with([K.MEDICAL_RECORD], records_complete=False, assigned_days_ago=12)  # electronic notice: due today
    due = draft.case.records_due_on
    assert due == date.today()
    with pytest.raises(ServiceError, match="not marked complete"):
        finalize(draft)
    time_machine.move_to(timezone.make_aware(datetime.combine(due + timedelta(days=1), time(9))))
    final = finalize(draft)
    assert (final.records_basis, final.decided_on) == (Determination.RecordsBasis.DUE_DATE_PASSED, due + timedelta(days=1))


def test_proceeding_on_records_received_is_recorded_and_said_on_the_case_and_in_the_letter(client, admin_user):
    draft = case_with([K.MEDICAL_RECORD], records_complete=False, assigned_days_ago=20)
    due = draft.case.records_due_on
    assert due < date.today()
    final = finalize(draft)
    assert final.records_basis == Determination.RecordsBasis.DUE_DATE_PASSED
    assert final.letter_facts["records"] == {"basis": "due_date_passed", "complete_on": None, "due_on": due.isoformat()}
    text = pdf_text(rendering.letter_pdf(determination=rendering.load_determination(final.pk), variant="parties").data)
    assert squash(f"records were due by {due:%m/%d/%Y} and had not all been received by then") in text
    assert squash("the review proceeded on the documents received, listed below.") in text
    client.force_login(admin_user)
    page = client.get(reverse("cases:detail", args=[final.case.number])).content.decode()
    assert "Records were not complete: the review proceeded on the records received" in page


def test_complete_records_are_recorded_and_the_letter_says_nothing_more():
    final = finalize(case_with([K.MEDICAL_RECORD]))
    assert final.records_basis == Determination.RecordsBasis.COMPLETE
    text = pdf_text(rendering.letter_pdf(determination=rendering.load_determination(final.pk), variant="parties").data)
    assert squash("had not all been received") not in text


def test_import_refuses_a_determination_before_records_are_complete_or_due(tmp_path):
    case = seed_case()
    del case["records_complete_on"]
    case["determination"]["decided_on"] = case["assigned_on"]  # decided the day the records were requested
    lines = import_refusal(tmp_path, case)
    assert lines[0].startswith("cases[0].records_complete_on: cannot finalize: the records are not marked complete")
