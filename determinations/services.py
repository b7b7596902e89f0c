"""Writes on determinations: drafts, finalization, corrections.

A final determination never changes. Every write checks that here, so a
view that forgets to hide a button still cannot change one.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts import audit
from cases import services as case_services
from cases.models import Case, CaseDocument
from imrsite.errors import ConcurrentUpdateError, ServiceError
from reviewers.models import Assignment, Reviewer

from .models import Determination, EvidenceLevel, Guideline, ItemDecision, Outcome


@dataclass
class DecisionData:
    item_id: int
    decision: str = ""
    guideline: Guideline | None = None
    section: str = ""
    pages: str = ""
    evidence_level: str = ""
    lower_level_reason: str = ""
    rationale: str = ""


def _refuse_if_final(determination: Determination) -> None:
    if determination.status != Determination.Status.DRAFT:
        raise ServiceError("a final determination cannot be changed", code="determination_final")


@transaction.atomic
def determination_start(*, case: Case, reviewer: Reviewer) -> Determination:
    """The reviewer's draft for the case, created on first use with one row per item."""
    existing = case.determinations.exclude(status=Determination.Status.SUPERSEDED).first()
    if existing is not None:
        if existing.reviewer_id != reviewer.pk:
            raise ServiceError("another reviewer's determination exists for this case", code="not_owner")
        return existing
    determination = Determination.objects.create(case=case, reviewer=reviewer)
    ItemDecision.objects.bulk_create([ItemDecision(determination=determination, item=item) for item in case.items.all()])
    return determination


def _apply_decisions(determination: Determination, decisions: list[DecisionData]) -> None:
    rows = {d.item_id: d for d in determination.decisions.all()}
    for data in decisions:
        row = rows.get(data.item_id)
        if row is None:
            raise ServiceError("the item does not belong to this case", field="item", code="foreign_item")
        if data.decision not in ("", *Outcome.values):
            raise ServiceError('must be "upheld" or "overturned"', field="decision")
        if data.evidence_level not in ("", *EvidenceLevel.values):
            raise ServiceError("choose an evidence level from the list", field="evidence_level")
        row.decision = data.decision
        row.guideline = data.guideline
        row.section = data.section.strip()
        row.pages = data.pages.strip()
        row.evidence_level = data.evidence_level or (data.guideline.evidence_level if data.guideline else "")
        row.lower_level_reason = data.lower_level_reason.strip()
        row.rationale = data.rationale.strip()
    ItemDecision.objects.bulk_update(
        list(rows.values()),
        ["decision", "guideline", "section", "pages", "evidence_level", "lower_level_reason", "rationale"],
    )


@transaction.atomic
def determination_save_draft(
    *,
    determination: Determination,
    clinical_case_summary: str,
    decisions: list[DecisionData],
    revision: int | None = None,
    actor=None,
) -> Determination:
    """Save the draft. `revision` is the one the editor read: if someone saved
    since (another tab), the save is refused rather than overwriting."""
    determination = Determination.objects.select_for_update().get(pk=determination.pk)
    _refuse_if_final(determination)
    if revision is not None and revision != determination.revision:
        raise ConcurrentUpdateError(
            "this determination was saved elsewhere after you opened it; reload to see the latest version",
            code="stale_revision",
        )
    determination.clinical_case_summary = clinical_case_summary.strip()
    determination.revision += 1
    determination.save(update_fields=["clinical_case_summary", "revision", "updated_at"])
    _apply_decisions(determination, decisions)
    audit.record(
        audit.Action.DETERMINATION_SAVE, actor=actor, case=determination.case_id, obj=determination,
        detail={"revision": determination.revision, "status": determination.status},
    )
    return determination


def finalize_problems(determination: Determination) -> list[tuple[str, str]]:
    """What stops the determination from being finalized, as (field, message)."""
    problems = []
    if not determination.clinical_case_summary.strip():
        problems.append(("clinical_case_summary", "the clinical case summary is required"))
    decisions = list(determination.decisions.select_related("item", "guideline"))
    decided_items = {d.item_id for d in decisions}
    for item in determination.case.items.all():
        if item.pk not in decided_items:
            problems.append(("decision", f"{item.description}: no decision"))
    for d in decisions:
        label = d.item.description
        if d.decision not in Outcome.values:
            problems.append(("decision", f"{label}: choose Upheld or Overturned"))
        if d.guideline is None:
            problems.append(("guideline", f"{label}: cite the guideline relied on"))
        if not d.rationale.strip():
            problems.append(("rationale", f"{label}: the decision rationale is required"))
        if not d.evidence_level:
            problems.append(("evidence_level", f"{label}: choose the evidence level"))
        elif d.evidence_level != EvidenceLevel.MTUS and not d.lower_level_reason.strip():
            problems.append(
                ("lower_level_reason", f"{label}: say why the higher evidence levels (LC 4610.5(c)(2)) do not apply")
            )
    kinds = [doc.kind for doc in determination.case.documents.all()]
    if not kinds or all(kind == CaseDocument.Kind.UR_DETERMINATION for kind in kinds):
        problems.append(
            ("documents", "no determination may rest solely on the UR determination (8 CCR 9792.10.6(b)(2)): add the records reviewed")
        )
    return problems


@transaction.atomic
def determination_finalize(
    *,
    determination: Determination,
    user,
    decided_on: date | None = None,
    request_letters: bool = True,
    revision: int | None = None,
) -> Determination:
    """Finalize: immutable afterwards; the case is decided and its letters queued on commit.

    `request_letters=False` (bulk imports of historical cases) leaves the
    letters to be requested later, e.g. by `render_letter`. `revision` is the
    one the reviewer confirmed: a save since (another tab) refuses, so nobody
    finalizes text they have not seen.
    """
    determination = Determination.objects.select_for_update().select_related("case").get(pk=determination.pk)
    _refuse_if_final(determination)
    # The finalized determination is the reviewer's own: nobody else signs it,
    # whatever page or command calls this (user None: a historical import).
    if user is not None and user.pk != determination.reviewer.user_id:
        raise ServiceError("only the reviewer the case is assigned to can finalize its determination", code="not_owner")
    if revision is not None and revision != determination.revision:
        raise ConcurrentUpdateError(
            "this determination was saved elsewhere after you reviewed it; check it again before finalizing",
            code="stale_revision",
        )
    problems = finalize_problems(determination)
    if problems:
        field, _ = problems[0]
        raise ServiceError("cannot finalize: " + "; ".join(message for _, message in problems), field=field, code="incomplete")
    now = timezone.now()
    determination.status = Determination.Status.FINAL
    determination.finalized_at = now
    determination.finalized_by = user
    determination.decided_on = decided_on or timezone.localdate()
    determination.revision += 1
    determination.save()
    case = case_services.case_lock(determination.case)
    case_services.case_mark_decided(case=case, on=determination.decided_on, actor=user)
    audit.record(
        audit.Action.DETERMINATION_FINALIZE, actor=user, case=case, obj=determination,
        detail={"revision": determination.revision, "version": determination.version},
    )
    Assignment.objects.filter(case=case, reviewer=determination.reviewer, status=Assignment.Status.ACCEPTED).update(
        status=Assignment.Status.COMPLETED
    )
    if request_letters:
        from .letters import letters_request  # letters import this module's models

        letters_request(determination=determination, requested_by=user)
    return determination
