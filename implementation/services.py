"""Writes: the letter's receipt and each overturned item's implementation.

Every caller (the case page, admin, seed_demo) goes through these; each
refuses an illegal state with a message naming what to fix.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.roles import user_roles
from cases import services as case_services
from cases.models import Case, DisputedItem
from determinations.models import Determination, ItemDecision, Outcome
from imrsite.errors import ServiceError
from imrsite.limits import check_text

from . import selectors
from .models import ItemImplementation, LetterReceipt

O = ItemImplementation.Outcome
S = ItemImplementation.Service


def _require_staff(user) -> None:
    if user is not None and not user_roles(user).staff:
        raise ServiceError("only intake staff or an administrator can record implementation", code="not_staff")


def implementation_refusal(case: Case) -> ServiceError | None:
    """Implementation is recorded only for a decided case with an overturned item."""
    if case.status != Case.Status.DECIDED:
        return ServiceError(
            f"a case that is {case.get_status_display().lower()} has no determination to implement", field="status",
            code="not_decided",
        )
    if not ItemDecision.objects.filter(
        determination__case=case, determination__status=Determination.Status.FINAL, decision=Outcome.OVERTURNED
    ).exists():
        return ServiceError("every item was upheld: there is nothing to implement", field="item", code="nothing_overturned")
    return None


@transaction.atomic
def letter_receipt_record(*, case: Case, user=None, received_on: date | None = None, today: date | None = None) -> LetterReceipt:
    """Record when the claims administrator received the letter; without a
    date, the one presumed from the recorded distribution."""
    _require_staff(user)
    case = case_services.case_lock(case)
    refusal = implementation_refusal(case)
    if refusal:
        raise refusal
    today = today or timezone.localdate()
    delivery = selectors.claims_administrator_letter_deliveries([case.pk]).get(case.pk)
    if received_on is None:
        if delivery is None:
            raise ServiceError(
                "no sending of the letter to the claims administrator is recorded: enter the date it was received",
                field="received_on", code="no_distribution",
            )
        received_on, source = selectors.presumed_receipt(delivery), LetterReceipt.Source.DISTRIBUTION
    else:
        source = LetterReceipt.Source.REPORTED
    if received_on > today:
        raise ServiceError("the letter cannot be received in the future", field="received_on", code="future")
    if case.decided_on and received_on < case.decided_on:
        raise ServiceError(
            f"the letter cannot be received before the decision ({case.decided_on:%Y-%m-%d})", field="received_on",
            code="before_decision",
        )
    receipt, created = LetterReceipt.objects.update_or_create(
        case=case, defaults={"received_on": received_on, "source": source, "delivery": delivery, "recorded_by": user},
    )
    audit.record(
        audit.Action.IMPLEMENTATION, actor=user, case=case, obj=receipt,
        detail={"step": "letter receipt", "received_on": received_on.isoformat(), "source": source, "created": created},
    )
    return receipt


@transaction.atomic
def item_implementation_record(
    *, case: Case, item: DisputedItem, service: str, outcome: str, on: date, note: str = "", user=None,
    today: date | None = None,
) -> ItemImplementation:
    """Record what the claims administrator did about one overturned item.

    Refused for an upheld item, an item of another case, an outcome that does
    not fit the service (authorize what is not yet rendered, reimburse what
    was), a dispute without its grounds, a date before receipt or in the future.
    """
    _require_staff(user)
    case = case_services.case_lock(case)
    refusal = implementation_refusal(case)
    if refusal:
        raise refusal
    if item.case_id != case.pk:
        raise ServiceError("that item belongs to another case", field="item", code="other_case")
    decision = ItemDecision.objects.filter(
        determination__case=case, determination__status=Determination.Status.FINAL, item=item
    ).first()
    if decision is None or decision.decision != Outcome.OVERTURNED:
        raise ServiceError(
            f"“{item.description}” was upheld: only an overturned item is implemented", field="item", code="upheld",
        )
    if service not in S.values:
        raise ServiceError("say whether the services were already rendered", field="service", code="service")
    if outcome not in O.values:
        raise ServiceError("choose authorized, reimbursed or disputed", field="outcome", code="outcome")
    if outcome == O.AUTHORIZED and service != S.NOT_RENDERED:
        raise ServiceError("services already rendered are reimbursed, not authorized", field="outcome", code="mismatch")
    if outcome == O.REIMBURSED and service != S.RENDERED:
        raise ServiceError("services not yet rendered are authorized, not reimbursed", field="outcome", code="mismatch")
    note = (note or "").strip()
    if outcome == O.DISPUTED and not note:
        raise ServiceError("say on which other grounds the claims administrator disputes it", field="note", code="no_note")
    check_text(note, ItemImplementation._meta.get_field("note").max_length, field="note")
    today = today or timezone.localdate()
    if on > today:
        raise ServiceError("the date cannot be in the future", field="on", code="future")
    receipt = selectors.receipt_for(case)
    if receipt is None:
        raise ServiceError(
            "record when the claims administrator received the letter first", field="on", code="no_receipt",
        )
    if on < receipt.received_on:
        raise ServiceError(
            f"the date cannot be before the letter was received ({receipt.received_on:%Y-%m-%d})", field="on",
            code="before_receipt",
        )
    if not receipt.recorded:
        letter_receipt_record(case=case, user=user, today=today)
    implementation, created = ItemImplementation.objects.update_or_create(
        item=item, defaults={"case": case, "service": service, "outcome": outcome, "on": on, "note": note, "recorded_by": user},
    )
    due = selectors.item_row(item, implementation, selectors.receipt_for(case), today)
    audit.record(
        audit.Action.IMPLEMENTATION, actor=user, case=case, obj=implementation,
        detail={"step": "item", "item_id": item.pk, "outcome": outcome, "on": on.isoformat(), "days_late": due.days_late,
                "created": created},
    )
    return implementation
