"""Reads: overturned items, the letter's receipt and the implementation clocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from cases import deadlines
from cases.models import Case, DeliveryChannel, DisputedItem, PartyRole
from determinations.models import Determination, ItemDecision, Outcome

from .models import ItemImplementation, LetterReceipt


def claims_administrator_letter_deliveries(case_ids):
    """The final letter's recorded sendings to the claims administrator, per case, earliest first (one query)."""
    from correspondence.models import Delivery

    rows = (
        Delivery.objects.filter(
            case_id__in=case_ids, role=PartyRole.CLAIMS_ADMINISTRATOR, letter__isnull=False,
            letter__determination__status=Determination.Status.FINAL, status__in=Delivery.DONE,
        )
        .order_by("case_id", "sent_on", "id")
    )
    found: dict[int, object] = {}
    for delivery in rows:
        found.setdefault(delivery.case_id, delivery)
    return found


def presumed_receipt(delivery) -> date:
    return deadlines.letter_receipt_presumed(
        sent_on=delivery.sent_on, by_mail=delivery.channel == DeliveryChannel.MAIL,
        delivered_on=timezone.localdate(delivery.delivered_at) if delivery.delivered_at else None,
    )


@dataclass
class Receipt:
    received_on: date
    recorded: bool  # False: presumed from the distribution, not yet recorded
    source_label: str
    delivery: object | None = None


def receipt_for(case: Case, *, receipt: LetterReceipt | None = None, delivery=None, lookup: bool = True) -> Receipt | None:
    """The recorded receipt, else the one presumed from the distribution, else None."""
    if receipt is None and lookup:
        receipt = LetterReceipt.objects.filter(case=case).first()
    if receipt is not None:
        return Receipt(receipt.received_on, True, receipt.get_source_display())
    if delivery is None and lookup:
        delivery = claims_administrator_letter_deliveries([case.pk]).get(case.pk)
    if delivery is None:
        return None
    return Receipt(presumed_receipt(delivery), False, "Presumed from the recorded distribution (not yet recorded)", delivery)


@dataclass
class ItemRow:
    item: DisputedItem
    implementation: ItemImplementation | None
    authorize_by: date | None
    reimburse_by: date | None
    due_on: date | None  # the clock that applies (authorization while nothing is recorded)
    days_late: int

    @property
    def is_late(self) -> bool:
        return self.days_late > 0


def item_row(item: DisputedItem, implementation: ItemImplementation | None, receipt: Receipt | None, today: date) -> ItemRow:
    if receipt is None:
        return ItemRow(item, implementation, None, None, None, 0)
    authorize_by = deadlines.implementation_due(received_on=receipt.received_on, rendered=False)
    reimburse_by = deadlines.implementation_due(received_on=receipt.received_on, rendered=True)
    rendered = implementation is not None and implementation.service == ItemImplementation.Service.RENDERED
    due_on = reimburse_by if rendered else authorize_by
    late = deadlines.days_late(due_on=due_on, done_on=implementation.on if implementation else None, today=today)
    return ItemRow(item, implementation, authorize_by, reimburse_by, due_on, late)


def final_determination(case: Case) -> Determination | None:
    return Determination.objects.filter(case=case, status=Determination.Status.FINAL).first()


def overturned_items(case: Case) -> list[DisputedItem]:
    return [
        d.item for d in ItemDecision.objects.filter(
            determination__case=case, determination__status=Determination.Status.FINAL, decision=Outcome.OVERTURNED
        ).select_related("item").order_by("item__position", "item_id")
    ]


def case_implementation(case: Case, *, today: date | None = None) -> dict:
    """The case page's panel: the receipt and one row per overturned item (a fixed number of queries)."""
    today = today or timezone.localdate()
    items = overturned_items(case)
    if not items:
        return {"items": [], "receipt": None}
    receipt = receipt_for(case)
    done = {i.item_id: i for i in ItemImplementation.objects.filter(case=case)}
    return {"items": [item_row(item, done.get(item.pk), receipt, today) for item in items], "receipt": receipt}


@dataclass
class ReportRow:
    case: Case
    receipt: Receipt
    row: ItemRow


def implementation_report(*, today: date | None = None, claims_administrator_id: int | None = None, late_only: bool = False):
    """Every overturned item of a final determination whose letter the claims
    administrator received (recorded or presumed), grouped per claims
    administrator, in 2 queries whatever the number of cases."""
    today = today or timezone.localdate()
    decisions = ItemDecision.objects.filter(
        determination__status=Determination.Status.FINAL, decision=Outcome.OVERTURNED
    ).select_related(
        "item__implementation", "determination__case__claims_administrator", "determination__case__letter_receipt",
    ).order_by("determination__case__claims_administrator__name", "determination__case__number", "item__position")
    if claims_administrator_id:
        decisions = decisions.filter(determination__case__claims_administrator_id=claims_administrator_id)
    decisions = list(decisions)
    case_ids = {d.determination.case_id for d in decisions}
    deliveries = claims_administrator_letter_deliveries(case_ids) if case_ids else {}
    groups: dict[int, dict] = {}
    for decision in decisions:
        case = decision.determination.case
        recorded = getattr(case, "letter_receipt", None)  # a missing reverse one-to-one reads as None
        receipt = receipt_for(case, receipt=recorded, delivery=deliveries.get(case.pk), lookup=False)
        if receipt is None:
            continue
        implementation = getattr(decision.item, "implementation", None)
        row = item_row(decision.item, implementation, receipt, today)
        if late_only and not row.is_late:
            continue
        group = groups.setdefault(case.claims_administrator_id, {
            "claims_administrator": case.claims_administrator, "rows": [], "late": 0, "open": 0, "on_time": 0,
        })
        group["rows"].append(ReportRow(case, receipt, row))
        if row.is_late:
            group["late"] += 1
        elif row.implementation is None:
            group["open"] += 1
        else:
            group["on_time"] += 1
    return list(groups.values())
