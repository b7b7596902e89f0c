"""Publishing to the public index: when a public copy is ready, never for closed cases, replaced by a correction."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cases.models import Case
from determinations.models import Determination, ItemDecision, Letter
from publications.models import PublicationState, PublishedDecision
from publications.services import publication_sync, publications_sweep
from tests.factories import PersonFactory

from .helpers import decided_case, published, ready_letter

pytestmark = pytest.mark.django_db


def test_finalizing_publishes_the_case_when_its_public_copy_is_ready(django_capture_on_commit_callbacks):
    """The real path: finalize → both letters rendered by the engine → document_ready → published."""
    from determinations import services as determination_services
    from determinations.tests.letters_helpers import draft_case

    determination = draft_case(items=("Eight (8) physical therapy visits", "Norco 10/325 mg #60"))
    with django_capture_on_commit_callbacks(execute=True):
        determination_services.determination_finalize(determination=determination, user=determination.reviewer.user)
    case = determination.case
    determination.refresh_from_db()
    public = Letter.objects.get(determination=determination, variant=Letter.Variant.PUBLIC)
    assert public.status == Letter.Status.READY
    row = PublishedDecision.objects.get(case_number=case.number)
    assert row.source_letter_id == public.pk and row.pdf.name == public.file.name and row.pdf_sha256 == public.sha256
    assert row.case_outcome == "Upheld" and row.decision_date == determination.decided_on
    assert [(i.category, i.outcome) for i in row.items.all()] == [("Physical Medicine", "upheld")] * 2
    assert [i.subcategory for i in row.items.all()] == ["Physical therapy", "Other"]
    assert PublicationState.objects.get().published_count == 1


def test_a_failing_publication_leaves_the_letter_ready_and_the_sweep_publishes_it(django_capture_on_commit_callbacks, monkeypatch):
    """The index is written in the rendering process; its failure is logged, never the letter's."""
    from determinations import services as determination_services
    from determinations.tests.letters_helpers import draft_case
    from publications import services

    def broken(**kwargs):
        raise RuntimeError("index unavailable")

    determination = draft_case(items=("Eight (8) physical therapy visits",))
    monkeypatch.setattr(services, "publication_sync", broken)
    with django_capture_on_commit_callbacks(execute=True):
        determination_services.determination_finalize(determination=determination, user=determination.reviewer.user)
    monkeypatch.undo()
    assert set(Letter.objects.filter(determination=determination).values_list("status", flat=True)) == {Letter.Status.READY}
    assert not PublishedDecision.objects.exists()
    assert publications_sweep().published == 1
    assert PublishedDecision.objects.filter(case_number=determination.case.number).exists()


def test_only_the_public_copy_publishes():
    case, determination = decided_case()
    ready_letter(determination, Letter.Variant.PARTIES)
    assert publication_sync(case_id=case.pk) is None
    assert not PublishedDecision.objects.exists()


def test_the_index_holds_redacted_and_de_identified_values_only():
    employee = PersonFactory(first_name="Wilhelmina", last_name="Quarrington", date_of_birth=date(1970, 5, 6), sex="female")
    row, case, _, _ = published(
        employee=employee, items=(("Pharmaceuticals", "Tramadol 50 mg for Wilhelmina Quarrington", "overturned"),),
        diagnosis_icd="G89.4",
    )
    values = " ".join(str(v) for v in PublishedDecision.objects.filter(pk=row.pk).values().get().values())
    values += " ".join(str(v) for v in row.items.values_list("description", "category", "subcategory", "outcome"))
    for secret in ("Wilhelmina", "Quarrington", case.claim_number, "1970-05-06", "05/06/1970", case.employer.name,
                   case.claims_administrator.name, case.requesting_provider.name):
        assert secret not in values
    assert "[Employee]" in row.items.get().description
    assert (row.age_range, row.gender, row.diagnosis_category) == ("51-64", "Female", "Chronic Pain")
    assert row.items.get().subcategory == "Opioids"


@pytest.mark.parametrize("status", [Case.Status.WITHDRAWN, Case.Status.TERMINATED, Case.Status.INELIGIBLE])
def test_withdrawn_terminated_and_ineligible_cases_are_never_published(status):
    extra = {"ineligible_reason": "untimely"} if status == Case.Status.INELIGIBLE else {}
    case, determination = decided_case(status=status, **extra)
    ready_letter(determination)
    assert publication_sync(case_id=case.pk) is None
    assert not PublishedDecision.objects.exists()


def test_a_published_case_that_is_no_longer_decided_leaves_the_index():
    row, case, _, _ = published()
    Case.objects.filter(pk=case.pk).update(status=Case.Status.WITHDRAWN)
    publications_sweep()
    assert not PublishedDecision.objects.exists()
    assert PublicationState.objects.get().published_count == 0


def test_a_correction_takes_the_old_copy_down_and_its_public_copy_replaces_it():
    row, case, old, old_letter = published()
    first_published = row.published_at
    # The correction (corrections' service): v1 superseded, v2 final with another outcome.
    Determination.objects.filter(pk=old.pk).update(status=Determination.Status.SUPERSEDED, updated_at=timezone.now())
    new = Determination.objects.create(records_basis=Determination.RecordsBasis.COMPLETE, case=case, reviewer=old.reviewer, version=2, supersedes=old,
                                       correction_reason="Item decision corrected", status=Determination.Status.FINAL,
                                       decided_on=old.decided_on, finalized_at=timezone.now())
    for decision in old.decisions.all():
        ItemDecision.objects.create(determination=new, item=decision.item, decision="overturned")
    publications_sweep()
    assert not PublishedDecision.objects.exists(), "the superseded copy must not stay out"
    letter = ready_letter(new, content=b"%PDF-1.4 corrected")
    publications_sweep()
    row = PublishedDecision.objects.get(case_number=case.number)
    assert row.source_letter == letter and row.determination_version == 2 and row.case_outcome == "Overturned"
    assert [i.outcome for i in row.items.all()] == ["overturned"]
    assert row.pdf.name == letter.file.name != old_letter.file.name
    assert row.published_at > first_published or row.published_at == first_published
    assert PublicationState.objects.get().published_count == 1


def test_a_rerender_of_the_same_determination_replaces_the_copy_in_place():
    row, case, determination, letter = published()
    newer = ready_letter(determination, version=2, content=b"%PDF-1.4 v2")
    publication_sync(case_id=case.pk)
    row.refresh_from_db()
    assert row.source_letter == newer and row.letter_version == 2 and row.replaced_at is not None
    assert PublicationState.objects.get().published_count == 1


def test_the_sweep_publishes_what_a_lost_task_missed_and_is_idempotent():
    case, determination = decided_case()
    ready_letter(determination)  # ready, but no publish task ran
    result = publications_sweep()
    assert result.published == 1 and PublishedDecision.objects.filter(case_number=case.number).exists()
    state = PublicationState.objects.get()
    before = (state.changed_at, state.published_count)
    publications_sweep()
    publications_sweep(rebuild=True)
    state.refresh_from_db()
    assert (state.changed_at, state.published_count) == before
    assert state.swept_until is not None


def test_a_sweep_after_an_outage_catches_up_with_everything_since_its_last_run():
    publications_sweep()
    PublicationState.objects.update(swept_until=timezone.now() - timedelta(days=2))
    cases = []
    for day in (1, 2, 3):
        case, determination = decided_case(decided_on=date(2026, 3, day))
        ready_letter(determination)
        cases.append(case)
    assert publications_sweep().published == 3
    assert PublishedDecision.objects.count() == 3


def test_a_failure_to_publish_never_fails_the_letter(monkeypatch, django_capture_on_commit_callbacks):
    from determinations import services as determination_services
    from determinations.tests.letters_helpers import draft_case
    from publications import services

    def broken(*, case_id):
        raise RuntimeError("index unavailable")

    monkeypatch.setattr(services, "publication_sync", broken)
    determination = draft_case()
    with django_capture_on_commit_callbacks(execute=True):
        determination_services.determination_finalize(determination=determination, user=determination.reviewer.user)
    statuses = set(Letter.objects.filter(determination=determination).values_list("status", flat=True))
    assert statuses == {Letter.Status.READY}
