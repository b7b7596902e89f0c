"""Eligibility screening (domain.md §2.3; requirement 4)."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts import audit
from imrsite.limits import check_text

from .. import deadlines
from ..models import Case
from ..permissions import require, screen_refusal
from ..signals import case_screened
from .registration import find_duplicates
from .status import S, case_lock, case_mark_eligible, case_mark_ineligible

# Duplicates count against applications still pending or already decided; an
# earlier filing found ineligible or withdrawn does not block a new one.
_DUPLICATE_BLOCKING = (S.RECEIVED, S.DEFERRED, S.AWAITING_RECORDS, S.RECORDS_COMPLETE, S.IN_REVIEW, S.DECIDED)


def screening_duplicates(*, case: Case) -> list[Case]:
    """Earlier applications this case duplicates (same employee, claim, UR date, treatment)."""
    found = find_duplicates(
        employee=case.employee,
        claim_number=case.claim_number,
        ur_decision_date=case.ur_decision_date,
        descriptions=[item.description for item in case.items.all()],
        exclude_pk=case.pk,
    )
    return [c for c in found if c.status in _DUPLICATE_BLOCKING and c.pk < case.pk]


@dataclass
class ScreeningOutcome:
    case: Case
    reason: str  # an IneligibleReason value, "liability" for a deferral, "" when eligible

    @property
    def eligible(self) -> bool:
        return not self.reason


@transaction.atomic
def case_screen(
    *,
    case: Case,
    signature_present: bool,
    ur_decision_attached: bool,
    conditional_non_certification: bool,
    liability_disputed: bool,
    untimely_override_reason: str = "",
    note: str = "",
    today: date | None = None,
) -> ScreeningOutcome:
    """Apply the eligibility checklist, in the order DWC reports reasons.

    A dispute IMR does not cover (LC 4610.5(a)) and the hard defects
    (signature, UR decision, timeliness, CNC, duplicate) make the application
    ineligible with that coded reason; a liability dispute defers it;
    otherwise it is eligible. The result is sent as `case_screened`: the
    correspondence app issues the notice of assignment (whose recorded
    sending starts the records clock) or the notice of ineligibility.
    """
    today = today or timezone.localdate()
    case = case_lock(case)
    require(screen_refusal(case))
    # Only a late application has an exception to accept; a reason typed for a timely one is not kept.
    override = ((untimely_override_reason or "").strip() or case.untimely_override_reason) if case.is_untimely else ""
    check_text(override, Case._meta.get_field("untimely_override_reason").max_length, field="untimely_override_reason")
    check_text((note or "").strip(), Case._meta.get_field("eligibility_note").max_length, field="note")
    duplicates = screening_duplicates(case=case)

    checks = [
        # No override: the statute's scope, not a filing defect.
        (not case.is_subject_to_imr, Case.IneligibleReason.NOT_SUBJECT),
        (not signature_present, Case.IneligibleReason.NO_SIGNATURE),
        (not ur_decision_attached, Case.IneligibleReason.NO_UR_DECISION),
        (case.is_untimely and not override, Case.IneligibleReason.UNTIMELY),
        (conditional_non_certification, Case.IneligibleReason.CNC),
        (bool(duplicates), Case.IneligibleReason.DUPLICATE),
        (liability_disputed, Case.IneligibleReason.LIABILITY),
    ]
    reason = next((code for failed, code in checks if failed), "")

    # The checklist answers are kept whatever the outcome, so the page shows
    # what was decided and why.
    Case.objects.filter(pk=case.pk).update(
        signature_present=signature_present,
        ur_decision_attached=ur_decision_attached,
        information_not_received=conditional_non_certification,
        liability_disputed=liability_disputed,
        untimely_override_reason=override,
        duplicate_of=duplicates[0] if duplicates else None,
    )
    note = (note or "").strip()
    if reason == Case.IneligibleReason.LIABILITY and case.status == S.DEFERRED:
        # Still disputed: the case stays deferred; only the note changes.
        Case.objects.filter(pk=case.pk).update(eligibility_note=note, eligibility_decided_at=timezone.now())
    elif not reason:
        case = case_mark_eligible(case=case)
        if note:
            Case.objects.filter(pk=case.pk).update(eligibility_note=note)
            case.eligibility_note = note
    else:
        if reason == Case.IneligibleReason.DUPLICATE and not note:
            note = f"Duplicate of {duplicates[0].number}."
        elif reason == Case.IneligibleReason.NOT_SUBJECT and not note:
            note = f"Not subject to IMR: {deadlines.applicability_rule()}."
        case = case_mark_ineligible(case=case, reason=reason, note=note)
    case.refresh_from_db()
    audit.record(audit.Action.CASE_SCREEN, case=case, obj=case, detail={"outcome": reason or "eligible", "status": case.status})
    outcome = ScreeningOutcome(case=case, reason=reason)
    case_screened.send(sender=Case, case=case, outcome=outcome)
    return outcome

