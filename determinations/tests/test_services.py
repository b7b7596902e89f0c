"""Determination services: drafts, the optimistic lock, finalize and its refusals."""

from datetime import date

import pytest

from cases.models import Case
from determinations import selectors, services
from determinations.models import Determination, ItemDecision, Letter
from imrsite.errors import ConcurrentUpdateError, ServiceError
from reviewers.models import Assignment
from tests.factories import ReviewerFactory

from .review_helpers import accepted_case, mtus_guideline, odg_guideline

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(reviewer_user):
    return reviewer_user.reviewer


def complete(determination, **overrides):
    rows = list(determination.decisions.all())
    values = {"decision": "upheld", "guideline": mtus_guideline(), "section": "Physical Medicine", "pages": "98-99", "rationale": "Because."}
    values.update(overrides)
    return services.determination_save_draft(
        determination=determination,
        clinical_case_summary="Summary",
        decisions=[services.DecisionData(item_id=row.item_id, **values) for row in rows],
    )


def test_start_creates_one_row_per_item_once(reviewer):
    case, _ = accepted_case(reviewer, items=("PT", "MRI"))
    first = services.determination_start(case=case, reviewer=reviewer)
    again = services.determination_start(case=case, reviewer=reviewer)
    assert first.pk == again.pk
    assert ItemDecision.objects.filter(determination=first).count() == 2


def test_start_refuses_another_reviewers_case(reviewer):
    case, _ = accepted_case(reviewer)
    services.determination_start(case=case, reviewer=reviewer)
    with pytest.raises(ServiceError, match="another reviewer"):
        services.determination_start(case=case, reviewer=ReviewerFactory())


def test_draft_keeps_partial_input_and_bumps_the_revision(reviewer):
    case, _ = accepted_case(reviewer)
    draft = services.determination_start(case=case, reviewer=reviewer)
    row = draft.decisions.get()
    saved = services.determination_save_draft(
        determination=draft, clinical_case_summary="  Half done  ",
        decisions=[services.DecisionData(item_id=row.item_id, decision="overturned")], revision=0,
    )
    assert saved.revision == 1
    row.refresh_from_db()
    assert (saved.clinical_case_summary, row.decision, row.guideline) == ("Half done", "overturned", None)


def test_stale_revision_is_refused_without_writing(reviewer):
    case, _ = accepted_case(reviewer)
    draft = services.determination_start(case=case, reviewer=reviewer)
    services.determination_save_draft(determination=draft, clinical_case_summary="First", decisions=[], revision=0)
    with pytest.raises(ConcurrentUpdateError):
        services.determination_save_draft(determination=draft, clinical_case_summary="Second", decisions=[], revision=0)
    draft.refresh_from_db()
    assert draft.clinical_case_summary == "First"


def test_foreign_item_is_refused(reviewer):
    mine, _ = accepted_case(reviewer)
    theirs, _ = accepted_case(ReviewerFactory())
    draft = services.determination_start(case=mine, reviewer=reviewer)
    with pytest.raises(ServiceError, match="does not belong"):
        services.determination_save_draft(
            determination=draft, clinical_case_summary="x",
            decisions=[services.DecisionData(item_id=theirs.items.get().pk, decision="upheld")],
        )


def test_guideline_level_is_the_default_evidence_level(reviewer):
    case, _ = accepted_case(reviewer)
    draft = complete(services.determination_start(case=case, reviewer=reviewer), guideline=odg_guideline())
    assert draft.decisions.get().evidence_level == "C"
    assert ("lower_level_reason", ) == tuple(f for f, _ in services.finalize_problems(draft))


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"decision": ""}, "decision"),
        ({"rationale": " "}, "rationale"),
        ({"guideline": None}, "guideline"),
        ({"evidence_level": "D"}, "lower_level_reason"),
    ],
)
def test_finalize_refusals(reviewer, overrides, field):
    case, _ = accepted_case(reviewer)
    draft = complete(services.determination_start(case=case, reviewer=reviewer), **overrides)
    with pytest.raises(ServiceError) as refused:
        services.determination_finalize(determination=draft, user=reviewer.user)
    assert refused.value.code == "incomplete"
    assert field in [f for f, _ in services.finalize_problems(draft)]
    draft.refresh_from_db()
    assert draft.status == Determination.Status.DRAFT


def test_finalize_refuses_a_record_of_only_the_ur_decision(reviewer):
    case, _ = accepted_case(reviewer, records=False)
    draft = complete(services.determination_start(case=case, reviewer=reviewer))
    with pytest.raises(ServiceError, match="solely on the UR file"):
        services.determination_finalize(determination=draft, user=reviewer.user)


def test_finalize_decides_the_case_completes_the_assignment_and_queues_letters(reviewer, django_capture_on_commit_callbacks):
    case, assignment = accepted_case(reviewer, items=("PT", "MRI"))
    draft = services.determination_start(case=case, reviewer=reviewer)
    rows = list(draft.decisions.all())
    services.determination_save_draft(
        determination=draft, clinical_case_summary="Summary",
        decisions=[
            services.DecisionData(item_id=rows[0].item_id, decision="upheld", guideline=mtus_guideline(), rationale="R1"),
            services.DecisionData(item_id=rows[1].item_id, decision="overturned", guideline=mtus_guideline(), rationale="R2"),
        ],
    )
    draft.refresh_from_db()
    with django_capture_on_commit_callbacks() as callbacks:
        final = services.determination_finalize(
            determination=draft, user=reviewer.user, decided_on=date.today(), revision=draft.revision
        )
    assert len(callbacks) == 2  # one render per letter variant, sent only on commit
    case.refresh_from_db()
    assignment.refresh_from_db()
    assert final.status == Determination.Status.FINAL and final.outcome == "Overturned in part"
    assert case.status == Case.Status.DECIDED and case.decided_on == date.today()
    assert assignment.status == Assignment.Status.COMPLETED
    assert set(Letter.objects.filter(determination=final).values_list("variant", flat=True)) == set(Letter.Variant.values)


def test_finalize_with_a_stale_revision_is_refused(reviewer):
    case, _ = accepted_case(reviewer)
    draft = complete(services.determination_start(case=case, reviewer=reviewer))
    with pytest.raises(ConcurrentUpdateError):
        services.determination_finalize(determination=draft, user=reviewer.user, revision=draft.revision - 1)


def test_final_is_immutable(reviewer):
    case, _ = accepted_case(reviewer)
    draft = complete(services.determination_start(case=case, reviewer=reviewer))
    final = services.determination_finalize(determination=draft, user=reviewer.user)
    with pytest.raises(ServiceError, match="cannot be changed"):
        complete(final, decision="overturned")
    with pytest.raises(ServiceError, match="cannot be changed"):
        services.determination_finalize(determination=final, user=reviewer.user)
    assert final.decisions.get().decision == "upheld"


def test_outcome_is_derived_from_the_items(reviewer):
    case, _ = accepted_case(reviewer, items=("A", "B"))
    draft = services.determination_start(case=case, reviewer=reviewer)
    rows = list(draft.decisions.all())
    assert draft.outcome_from(rows) == ""
    for values, expected in [(("upheld", "upheld"), "Upheld"), (("overturned", "overturned"), "Overturned"), (("upheld", "overturned"), "Overturned in part")]:
        for row, value in zip(rows, values):
            row.decision = value
        assert draft.outcome_from(rows) == expected


def test_reviewer_queue_counts_and_order(reviewer):
    today = date.today()
    offered, _ = accepted_case(reviewer)
    Assignment.objects.filter(case=offered).update(status=Assignment.Status.OFFERED)
    accepted, _ = accepted_case(reviewer, expedited=True)
    queue = selectors.reviewer_queue(reviewer=reviewer, today=today)
    assert (queue.to_accept, queue.in_progress, queue.finalized_this_month) == (1, 1, 0)
    assert [r.case.number for r in queue.rows] == [accepted.number, offered.number]
    assert queue.rows[0].item_count == 1 and queue.rows[0].days_left == (accepted.due_on - today).days


@pytest.mark.parametrize("who", ["intake", "admin", "other_reviewer"])
def test_only_the_determinations_reviewer_can_finalize_it(reviewer, intake_user, admin_user, who):
    case, _ = accepted_case(reviewer)
    draft = complete(services.determination_start(case=case, reviewer=reviewer))
    user = {"intake": intake_user, "admin": admin_user, "other_reviewer": ReviewerFactory().user}[who]
    with pytest.raises(ServiceError) as refused:
        services.determination_finalize(determination=draft, user=user)
    assert refused.value.code == "not_owner"
    draft.refresh_from_db()
    assert draft.status == Determination.Status.DRAFT
    assert Case.objects.get(pk=case.pk).status != Case.Status.DECIDED
