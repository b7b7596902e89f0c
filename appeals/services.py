"""Writes: appeals to the WCAB, their outcome, and the remand a reversal opens.

Every caller (the case page, admin, seed_demo) goes through these; each
refuses an illegal state with a message naming what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.roles import user_roles
from cases import services as case_services
from cases.models import Case, CaseDocument, DisputedItem
from imrsite.errors import ServiceError
from imrsite.limits import check_text

from . import selectors
from .models import Appeal, Ground, Petitioner, Remand


def _require_staff(user) -> None:
    if user is not None and not user_roles(user).staff:
        raise ServiceError("only intake staff or an administrator can record an appeal", code="not_staff")


@dataclass
class AppealData:
    petitioner: str
    adj_number: str
    filed_on: date
    grounds: list[str] = field(default_factory=list)
    verified: bool = False


def appeal_refusal(case: Case) -> ServiceError | None:
    """An appeal is recorded against a served Final Determination or ineligibility decision."""
    if selectors.decision_kind(case) is None:
        return ServiceError(
            f"a case that is {case.get_status_display().lower()} has no decision to appeal", field="status", code="no_decision",
        )
    if not selectors.served_deliveries(case):
        return ServiceError(
            "the decision has not been served on any party yet: an appeal runs from its service", field="filed_on",
            code="not_served",
        )
    if Remand.objects.filter(original_case=case).exists():
        return ServiceError("the WCAB already reversed this decision: appeal the remand's decision instead", code="reversed")
    return None


@transaction.atomic
def appeal_record(*, case: Case, data: AppealData, user=None, today: date | None = None) -> Appeal:
    """Record a petition. A petition filed after the window is recorded, flagged late."""
    _require_staff(user)
    case = case_services.case_lock(case)
    refusal = appeal_refusal(case)
    if refusal:
        raise refusal
    if data.petitioner not in Petitioner.values:
        raise ServiceError("choose who filed the petition", field="petitioner", code="petitioner")
    adj = (data.adj_number or "").strip().upper()
    if not adj:
        raise ServiceError("the WCAB (ADJ) case number is required", field="adj_number", code="no_adj")
    check_text(adj, Appeal._meta.get_field("adj_number").max_length, field="adj_number")
    grounds = list(dict.fromkeys(data.grounds or []))
    if not grounds:
        raise ServiceError("choose at least one of the five statutory grounds (LC 4610.6(h))", field="grounds", code="no_grounds")
    unknown = [g for g in grounds if g not in Ground.values]
    if unknown:
        raise ServiceError(f"not a ground of appeal: {', '.join(unknown)}", field="grounds", code="bad_ground")
    today = today or timezone.localdate()
    if data.filed_on > today:
        raise ServiceError("the filing date cannot be in the future", field="filed_on", code="future")
    service = selectors.service_for(case, data.petitioner)
    if data.filed_on < service.served_on:
        raise ServiceError(
            f"the petition cannot be filed before the decision was served ({service.served_on:%Y-%m-%d})", field="filed_on",
            code="before_service",
        )
    appeal = Appeal.objects.create(
        case=case, decision=selectors.decision_kind(case), petitioner=data.petitioner, adj_number=adj,
        filed_on=data.filed_on, verified=bool(data.verified), grounds=[g for g in Ground.values if g in grounds],
        served_on=service.served_on, served_by_mail=service.by_mail, deadline=service.deadline,
        late=data.filed_on > service.deadline, recorded_by=user,
    )
    audit.record(
        audit.Action.APPEAL, actor=user, case=case, obj=appeal,
        detail={"step": "filed", "decision": appeal.decision, "petitioner": appeal.petitioner, "late": appeal.late,
                "grounds": appeal.grounds},
    )
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, outcome: str, on: date, note: str = "", user=None, today: date | None = None) -> Appeal:
    """Record the WCAB's outcome once; a reversal opens the remand (a new case)."""
    _require_staff(user)
    case = case_services.case_lock(appeal.case_id)
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.outcome != Appeal.Outcome.PENDING:
        raise ServiceError(
            f"this appeal was already decided ({appeal.get_outcome_display().lower()})", field="outcome", code="decided",
        )
    if outcome not in Appeal.Outcome.values or outcome == Appeal.Outcome.PENDING:
        raise ServiceError("choose the WCAB's outcome", field="outcome", code="outcome")
    today = today or timezone.localdate()
    if on > today:
        raise ServiceError("the outcome date cannot be in the future", field="outcome_on", code="future")
    if on < appeal.filed_on:
        raise ServiceError(
            f"the outcome cannot come before the petition was filed ({appeal.filed_on:%Y-%m-%d})", field="outcome_on",
            code="before_filing",
        )
    note = (note or "").strip()
    check_text(note, Appeal._meta.get_field("outcome_note").max_length, field="outcome_note")
    if outcome == Appeal.Outcome.REVERSED and Remand.objects.filter(original_case=case).exists():
        raise ServiceError("the decision was already reversed on another appeal", field="outcome", code="already_reversed")
    appeal.outcome, appeal.outcome_on, appeal.outcome_note, appeal.decided_by = outcome, on, note, user
    appeal.save(update_fields=["outcome", "outcome_on", "outcome_note", "decided_by"])
    audit.record(audit.Action.APPEAL, actor=user, case=case, obj=appeal, detail={"step": "outcome", "outcome": outcome})
    if outcome == Appeal.Outcome.REVERSED:
        remand_open(appeal=appeal, case=case, user=user, on=on)
    return appeal


def _copy_items(original: Case, new: Case) -> None:
    DisputedItem.objects.bulk_create([
        DisputedItem(
            case=new, position=item.position, description=item.description, category=item.category,
            ur_decision=item.ur_decision, claims_administrator_guideline=item.claims_administrator_guideline,
            manufacturer_id=item.manufacturer_id,
        )
        for item in original.items.all()
    ])


def _copy_documents(original: Case, new: Case) -> None:
    """The record the original review had: the same stored files, new rows on the new case."""
    copied = []
    for doc in CaseDocument.objects.filter(case=original):
        copied.append(CaseDocument(
            case=new, title=doc.title, kind=doc.kind, author=doc.author, dated=doc.dated, received_on=doc.received_on,
            received_at=doc.received_at, received_from=doc.received_from, records_category=doc.records_category,
            file=doc.file.name, original_filename=doc.original_filename, size=doc.size, sha256=doc.sha256,
            page_count=doc.page_count, uploaded_by_id=doc.uploaded_by_id,
        ))
    CaseDocument.objects.bulk_create(copied)


COPIED_FIELDS = (
    "review_type", "received_on", "channel", "ur_decision_date", "ur_decision_served_on", "ur_decision_service", "rfa_date",
    "date_of_injury", "claim_number", "eams_number", "wcis_number", "employee_id", "employer_id", "claims_administrator_id",
    "adjuster_name", "adjuster_phone", "requesting_provider_id", "attorney_id", "medical_provider_network_id",
    "medical_group_id", "treating_facility_id", "diagnosis", "diagnosis_icd", "is_formulary_dispute",
    "disputed_for_other_reasons", "information_not_received", "signature_present", "ur_decision_attached",
    "untimely_override_reason", "expedited_since",
)


def remand_open(*, appeal: Appeal, case: Case, user=None, on: date) -> Remand:
    """The new review of the same disputed items (LC 4610.6(i)), inside the caller's transaction.

    After a reversed determination the new case starts with its records
    complete (the original record, the same files), its decision clock
    running from the remand, and the original reviewer barred from it by the
    assignment rule itself (`reviewers.selectors.reviewer_check`). After a
    reversed ineligibility decision it starts received, to be screened again.
    """
    from determinations.models import Determination

    if appeal.outcome != Appeal.Outcome.REVERSED:
        raise ServiceError("only a reversal opens a remand", field="outcome", code="not_reversed")
    original_reviewer_id = None
    if appeal.decision == Appeal.Decision.DETERMINATION:
        final = Determination.objects.filter(case=case, status=Determination.Status.FINAL).first()
        original_reviewer_id = final.reviewer_id if final else None
    now = timezone.now()
    new = Case(number=case_services.case_number_issue(year=on.year), created_by=user,
               **{name: getattr(case, name) for name in COPIED_FIELDS})
    new.eligibility_note = f"Remand of {case.number}: the WCAB reversed its {appeal.get_decision_display().lower()} ({appeal.adj_number})."
    if appeal.decision == Appeal.Decision.DETERMINATION:
        new.status = Case.Status.RECORDS_COMPLETE
        new.eligibility_decided_at = now
        new.assigned_on, new.notice_method = case.assigned_on, case.notice_method
        new.records_complete_on = on
    case_services._apply_deadlines(new)
    new.save()
    _copy_items(case, new)
    _copy_documents(case, new)
    remand = Remand.objects.create(
        appeal=appeal, original_case=case, new_case=new, original_reviewer_id=original_reviewer_id, created_by=user,
    )
    audit.record(
        audit.Action.CASE_CREATE, actor=user, case=new, obj=new,
        detail={"status": new.status, "review_type": new.review_type, "remand_of": case.pk},
    )
    audit.record(audit.Action.REMAND, actor=user, case=case, obj=remand, detail={"new_case": new.pk})
    return remand
