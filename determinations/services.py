"""Writes on determinations: drafts, finalization, corrections.

A final determination never changes. Every write checks that here, so a
view that forgets to hide a button still cannot change one. A correction
is version n+1: opened by an admin with a reason (`correction_open`),
written by the reviewer who decided (or, when they cannot, by another
eligible reviewer through a new assignment), and finalized like any
determination, which supersedes version n and issues amended letters.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.roles import user_roles
from cases import services as case_services
from cases.models import Case, CaseDocument
from imrsite.errors import ConcurrentUpdateError, ServiceError
from reviewers import services as reviewer_services
from reviewers.models import Assignment, Reviewer
from reviewers.selectors import reviewer_check, reviewers_with_credentials

from . import rendering
from .models import Determination, EvidenceLevel, Guideline, ItemDecision, Outcome

# Records from outside the UR file: what a determination must rest on besides
# the application, the UR determination and its correspondence (8 CCR
# 9792.10.6(b)(2)). The RFA, guidelines and unclassified papers do not count.
RECORDS_OUTSIDE_UR_FILE = frozenset(
    {
        CaseDocument.Kind.MEDICAL_RECORD,
        CaseDocument.Kind.IMAGING,
        CaseDocument.Kind.CONSULTATION,
        CaseDocument.Kind.EMPLOYEE_SUBMISSION,
        CaseDocument.Kind.PROVIDER_SUBMISSION,
        CaseDocument.Kind.EXPEDITE_CERTIFICATION,
    }
)

# What the letter prints from the case and its documents (rendering.letter_facts):
# after the decision they change only inside an open correction.
CASE_LETTER_FIELDS = (
    "received_on", "ur_decision_date", "date_of_injury", "assigned_on", "review_type", "claim_number",
    "eams_number", "wcis_number", "adjuster_name", "employee", "employer", "claims_administrator",
    "requesting_provider", "attorney",
)
DOCUMENT_LETTER_FIELDS = ("title", "kind", "author", "dated")


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


def _apply_to_rows(rows: dict[int, ItemDecision], decisions: list[DecisionData]) -> None:
    """Copy the answers onto the item rows (by item id); unsaved, so a check can use them too."""
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


def _apply_decisions(determination: Determination, decisions: list[DecisionData]) -> None:
    rows = {d.item_id: d for d in determination.decisions.all()}
    _apply_to_rows(rows, decisions)
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


def records_basis(case: Case, *, on: date) -> str:
    """What the records stand at for a decision made `on`; "" when it may not be made yet.

    Records marked complete: decide. Not complete but the claims
    administrator's due date has passed: the review may proceed on what was
    received (8 CCR 9792.10.5), and the letter and case page say so.
    Otherwise wait for them (or for intake to mark them complete).
    """
    if case.records_complete_on is not None:
        return Determination.RecordsBasis.COMPLETE
    if case.records_due_on is not None and on > case.records_due_on:
        return Determination.RecordsBasis.DUE_DATE_PASSED
    return ""


def _problems(*, case: Case, summary: str, rows: list[ItemDecision], on: date) -> list[tuple[str, str]]:
    problems = []
    if not summary.strip():
        problems.append(("clinical_case_summary", "the clinical case summary is required"))
    decided_items = {d.item_id for d in rows}
    for item in case.items.all():
        if item.pk not in decided_items:
            problems.append(("decision", f"{item.description}: no decision"))
    for d in rows:
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
    if not any(doc.kind in RECORDS_OUTSIDE_UR_FILE for doc in case.documents.all()):
        problems.append(
            (
                "documents",
                "no determination may rest solely on the UR file (8 CCR 9792.10.6(b)(2)): the case needs at least one "
                "medical record from outside it (not the application, the UR determination or its correspondence)",
            )
        )
    if not records_basis(case, on=on):
        due = f" on {case.records_due_on:%B %-d, %Y}" if case.records_due_on else ""
        problems.append(
            (
                "records",
                "the records are not marked complete and the claims administrator's records due date"
                f"{due} has not passed: intake marks them complete when they are in",
            )
        )
    return problems


def finalize_problems(
    determination: Determination,
    *,
    on: date | None = None,
    clinical_case_summary: str | None = None,
    decisions: list[DecisionData] | None = None,
) -> list[tuple[str, str]]:
    """What stops the determination from being finalized `on` (today), as (field, message).

    With `clinical_case_summary` and `decisions`, judges those unsaved
    answers instead of the saved ones (the form's live check), by the same rules.
    """
    rows = {d.item_id: d for d in determination.decisions.select_related("item", "guideline")}
    if decisions is not None:
        _apply_to_rows(rows, decisions)
    summary = determination.clinical_case_summary if clinical_case_summary is None else clinical_case_summary
    return _problems(case=determination.case, summary=summary, rows=list(rows.values()), on=on or timezone.localdate())


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
    decided_on = decided_on or timezone.localdate()
    problems = finalize_problems(determination, on=decided_on)
    if problems:
        field, _ = problems[0]
        raise ServiceError("cannot finalize: " + "; ".join(message for _, message in problems), field=field, code="incomplete")
    # Lock order as in correction_open: determination(s), then the case.
    previous = (
        Determination.objects.select_for_update().get(pk=determination.supersedes_id) if determination.is_correction else None
    )
    case = case_services.case_lock(determination.case)
    if previous is not None:
        _supersede(previous, by=determination, case=case, actor=user)
    now = timezone.now()
    determination.status = Determination.Status.FINAL
    determination.finalized_at = now
    determination.finalized_by = user
    determination.decided_on = decided_on
    determination.records_basis = records_basis(case, on=decided_on)
    determination.revision += 1
    # The letter's facts as they stand at the decision: every render of this version prints them.
    rendering.load_fact_sources(determination)
    determination.letter_facts = rendering.letter_facts(determination, on=decided_on)
    determination.save()
    if previous is None:
        case_services.case_mark_decided(case=case, on=determination.decided_on, actor=user)
        # The case's one fee line, at the rate in force on the decision date (8 CCR 9792.10.8);
        # a correction decides nothing new and earns nothing.
        from billing.services import fee_line_for_decision

        fee_line_for_decision(case=case, on=determination.decided_on, actor=user)
    audit.record(
        audit.Action.DETERMINATION_FINALIZE, actor=user, case=case, obj=determination,
        detail={
            "revision": determination.revision, "version": determination.version,
            "records_basis": determination.records_basis, "amends": previous.version if previous else None,
        },
    )
    Assignment.objects.filter(case=case, reviewer=determination.reviewer, status=Assignment.Status.ACCEPTED).update(
        status=Assignment.Status.COMPLETED
    )
    if request_letters:
        from .letters import letters_request  # letters import this module's models

        letters_request(determination=determination, requested_by=user)
    return determination


def _supersede(previous: Determination, *, by: Determination, case: Case, actor) -> None:
    """Finalizing a correction: version n becomes superseded (kept, with its letters)."""
    if previous.status != Determination.Status.FINAL or case.status != Case.Status.DECIDED:
        raise ServiceError("the determination this corrects is no longer the final one", code="correction_stale")
    # Before the new version turns final: one final determination per case.
    previous.status = Determination.Status.SUPERSEDED
    previous.save(update_fields=["status", "updated_at"])
    audit.record(
        audit.Action.DETERMINATION_SUPERSEDE, actor=actor, case=case, obj=previous,
        detail={"version": previous.version, "by_version": by.version},
    )


# --- corrections ------------------------------------------------------------------


def open_correction(case: Case) -> Determination | None:
    """The correction being written for the case, if any (a draft of version 2 or later)."""
    return case.determinations.filter(status=Determination.Status.DRAFT, supersedes__isnull=False).first()


def correction_reviewer_check(determination: Determination):
    """Can the reviewer who decided take the correction? Their `ReviewerCheck`
    (the same eligibility and conflict rules as any assignment; their own
    case does not count against their capacity)."""
    reviewer = reviewers_with_credentials().get(pk=determination.reviewer_id)
    return reviewer_check(reviewer=reviewer, case=determination.case, check_capacity=False)


def _correction_reviewer(original: Determination, requested: Reviewer | None) -> Reviewer | None:
    """The reviewer who decided, while they can; None means "offer it to `requested`"."""
    check = correction_reviewer_check(original)
    if check.eligible:
        if requested is not None and requested.pk != original.reviewer_id:
            raise ServiceError(
                "the reviewer who decided the case can take the correction, so it goes to them",
                field="reviewer", code="original_reviewer_eligible",
            )
        return check.reviewer
    if requested is None or requested.pk == original.reviewer_id:
        raise ServiceError(
            "the reviewer who decided the case cannot take the correction (" + "; ".join(check.reasons)
            + "): choose another eligible reviewer",
            field="reviewer", code="original_reviewer_ineligible",
        )
    return None


def _require_admin(user) -> None:
    if not user_roles(user).admin:
        raise ServiceError("only an administrator can correct a final determination", code="not_admin")


def _notify_reviewer(reviewer: Reviewer, case: Case, message: str) -> None:
    from django.urls import reverse

    from accounts.services import notification_send

    notification_send(recipient=reviewer.user, message=message, link=reverse("review:case", args=[case.number]))


@transaction.atomic
def correction_open(*, determination: Determination, reason: str, opened_by, reviewer: Reviewer | None = None) -> Determination:
    """An admin opens the correction of a final determination: version n+1, a
    draft prefilled from n, for the reviewer who decided (their assignment
    reopens) or, when they cannot take it (gone, inactive, ineligible or now
    conflicted), for `reviewer`, offered through a new assignment under the
    same eligibility and conflict rules as any other.
    """
    _require_admin(opened_by)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("give the reason for the correction; it is printed on the amended letters", field="reason", code="no_reason")
    if len(reason) > 1000:
        raise ServiceError("keep the reason under 1,000 characters", field="reason", code="too_long")
    original = Determination.objects.select_for_update().select_related("case").get(pk=determination.pk)
    if original.status != Determination.Status.FINAL:
        raise ServiceError(
            "only the current final determination can be corrected"
            + (" (this version was superseded by a correction)" if original.status == Determination.Status.SUPERSEDED else ""),
            code="not_final",
        )
    case = case_services.case_lock(original.case)
    if open_correction(case) is not None:
        raise ServiceError("a correction of this determination is already open", code="correction_open")
    chosen = _correction_reviewer(original, reviewer)
    draft = Determination.objects.create(
        case=case,
        reviewer=chosen or reviewer,
        version=original.version + 1,
        supersedes=original,
        clinical_case_summary=original.clinical_case_summary,
        correction_reason=reason,
        correction_opened_by=opened_by,
        correction_opened_at=timezone.now(),
    )
    ItemDecision.objects.bulk_create(
        [
            ItemDecision(
                determination=draft, item_id=d.item_id, decision=d.decision, guideline_id=d.guideline_id, section=d.section,
                pages=d.pages, evidence_level=d.evidence_level, lower_level_reason=d.lower_level_reason, rationale=d.rationale,
            )
            for d in original.decisions.all()
        ]
    )
    # The reason is free text (it may name people): it stays on the determination, not in the trail.
    audit.record(
        audit.Action.CORRECTION_OPEN, actor=opened_by, case=case, obj=draft,
        detail={"version": draft.version, "corrects": original.version, "reviewer_id": draft.reviewer_id, "same_reviewer": chosen is not None},
    )
    _give_correction_to(draft, case=case, actor=opened_by, reopen=chosen is not None)
    return draft


def _give_correction_to(draft: Determination, *, case: Case, actor, reopen: bool) -> None:
    """Give the draft's reviewer the case back: their own completed assignment
    reopens, or a new one is offered (checked like any assignment)."""
    reviewer = draft.reviewer
    if reopen and reviewer_services.assignment_reopen_for_correction(case=case, reviewer=reviewer, actor=actor):
        _notify_reviewer(reviewer, case, f"{case.number}: an administrator asked you to correct your determination.")
        return
    reviewer_services.correction_assign(case=case, reviewer=reviewer, assigned_by=actor)
    _notify_reviewer(reviewer, case, f"{case.number}: you are asked to correct a final determination. Accept or decline the case.")


@transaction.atomic
def correction_reassign(*, draft: Determination, reviewer: Reviewer, by) -> Determination:
    """Give an open correction to another reviewer when its reviewer cannot
    finish it (they declined, were withdrawn or are no longer eligible)."""
    _require_admin(by)
    draft = Determination.objects.select_for_update(of=("self",)).select_related("case", "supersedes").get(pk=draft.pk)
    if draft.status != Determination.Status.DRAFT or not draft.is_correction:
        raise ServiceError("only an open correction can be given to another reviewer", code="not_correction")
    case = case_services.case_lock(draft.case)
    current = Assignment.objects.filter(case=case, reviewer_id=draft.reviewer_id, status__in=Assignment.OPEN_STATUSES).first()
    if current is not None and reviewer_check(
        reviewer=reviewers_with_credentials().get(pk=draft.reviewer_id), case=case, check_capacity=False
    ).eligible:
        raise ServiceError("the correction's reviewer can still finish it", field="reviewer", code="reviewer_can_finish")
    chosen = _correction_reviewer(draft.supersedes, reviewer)
    new_reviewer = chosen or reviewer
    if new_reviewer.pk == draft.reviewer_id:
        raise ServiceError("the correction is already with this reviewer", field="reviewer", code="same_reviewer")
    if current is not None:
        reviewer_services.assignment_end_for_correction(assignment=current, actor=by)
    previous_reviewer = draft.reviewer_id
    draft.reviewer = new_reviewer
    draft.revision += 1  # an editor still open for the previous reviewer cannot save over it
    draft.save(update_fields=["reviewer", "revision", "updated_at"])
    audit.record(
        audit.Action.CORRECTION_REVIEWER, actor=by, case=case, obj=draft,
        detail={"from_reviewer_id": previous_reviewer, "reviewer_id": new_reviewer.pk},
    )
    _give_correction_to(draft, case=case, actor=by, reopen=chosen is not None)
    return draft


def decided_record_edit_check(
    *, case: Case, fields, obj=None, document: bool = False, actor=None, record: bool = True
) -> None:
    """Fields printed in a decided case's letter change only inside an open
    correction (whose finalization issues amended letters); refused otherwise,
    for every caller. An allowed change is audited with the correction it belongs to."""
    letter_fields = DOCUMENT_LETTER_FIELDS if document else CASE_LETTER_FIELDS
    changed = sorted(set(fields) & set(letter_fields))
    if case.status != Case.Status.DECIDED or not changed:
        return
    correction = open_correction(case)
    if correction is None:
        raise ServiceError(
            "the case is decided: what its letter prints changes only through a correction of the determination "
            "(Determinations → the final version → Open a correction), which issues amended letters",
            field=changed[0], code="decided_case_frozen",
        )
    if record:
        audit.record(
            audit.Action.CASE_UPDATE, actor=actor, case=case, obj=obj or case,
            detail={"fields": changed, "correction_version": correction.version},
        )


def letter_fields_locked(case: Case) -> bool:
    """For forms: are the case's letter fields read-only now (decided, no correction open)?"""
    return case.status == Case.Status.DECIDED and open_correction(case) is None
