"""Invariants the database itself holds, whatever code writes the rows."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Case
from determinations.models import Determination, ItemDecision, Letter
from imrsite.tests.admin_objects import assigned_case, draft_determination, final_determination
from reviewers.models import Assignment
from tests.factories import CaseFactory, ReviewerFactory

pytestmark = pytest.mark.django_db


def test_duplicate_case_number_is_refused():
    CaseFactory(number="CM26-0000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(number="CM26-0000001")


def test_a_second_open_assignment_is_refused():
    first = assigned_case()
    assert first.status == Assignment.Status.OFFERED
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(case=first.case, reviewer=ReviewerFactory(), status=Assignment.Status.OFFERED)


def test_a_closed_assignment_leaves_room_for_a_new_one():
    first = assigned_case()
    Assignment.objects.filter(pk=first.pk).update(
        status=Assignment.Status.DECLINED, decline_kind=Assignment.DeclineKind.CONFLICT, decline_reason="Conflict found"
    )
    Assignment.objects.create(case=first.case, reviewer=ReviewerFactory(), status=Assignment.Status.OFFERED)
    assert first.case.assignments.count() == 2


def test_accepting_without_attestation_is_refused():
    assignment = assigned_case()
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.ACCEPTED)


def test_item_decision_outside_the_choices_is_refused_on_create():
    determination = draft_determination()
    item = determination.case.items.get()
    determination.decisions.all().delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemDecision.objects.create(determination=determination, item=item, decision="maybe")


def test_item_decision_outside_the_choices_is_refused_on_bulk_update():
    determination = draft_determination()
    with pytest.raises(IntegrityError), transaction.atomic():
        determination.decisions.update(decision="maybe")
    decision = determination.decisions.get()
    decision.decision = "partly"
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemDecision.objects.bulk_update([decision], ["decision"])


def test_ineligible_without_a_reason_is_refused():
    case = CaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status=Case.Status.INELIGIBLE, ineligible_reason="")
    Case.objects.filter(pk=case.pk).update(status=Case.Status.INELIGIBLE, ineligible_reason=Case.IneligibleReason.UNTIMELY)


def test_status_outside_the_choices_is_refused():
    case = CaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status="lost")


def test_dates_out_of_order_are_refused():
    case = CaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(date_of_injury=case.ur_decision_date + timedelta(days=1))


def test_one_current_determination_per_case():
    determination = draft_determination()
    with pytest.raises(IntegrityError), transaction.atomic():
        Determination.objects.create(case=determination.case, reviewer=determination.reviewer, version=2)


def test_a_superseded_version_leaves_room_for_the_correction():
    first = final_determination()
    Determination.objects.filter(pk=first.pk).update(status=Determination.Status.SUPERSEDED)
    correction = Determination.objects.create(
        case=first.case, reviewer=first.reviewer, version=2, supersedes=first, correction_reason="Typo in rationale"
    )
    assert correction.pk


def test_final_determination_needs_its_dates():
    determination = draft_determination()
    with pytest.raises(IntegrityError), transaction.atomic():
        Determination.objects.filter(pk=determination.pk).update(status=Determination.Status.FINAL)


def test_letter_ready_without_sha256_is_refused():
    letter = final_determination().letters.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Letter.objects.filter(pk=letter.pk).update(status=Letter.Status.READY, sha256="")
    Letter.objects.filter(pk=letter.pk).update(status=Letter.Status.READY, sha256="0" * 64, rendered_at=timezone.now())


def test_letter_version_is_unique_per_variant():
    letter = final_determination().letters.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Letter.objects.create(determination=letter.determination, variant=letter.variant, version=letter.version)
