"""Fees, invoices and payments: the rules, for every caller (pages, admin, commands, the finalize service)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from accounts import audit
from accounts.roles import user_roles
from cases.models import Case, Party, TreatmentCategory
from imrsite import pipeline
from imrsite.errors import ServiceError

from .models import ZERO, FeeKind, FeeLine, FeeSchedule, Invoice, InvoiceDocument, Payment

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    first = month_start(month)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def is_pharmacy_only(case: Case) -> bool:
    """Every disputed item is a drug (the pharmacy-only rate)."""
    categories = {item.category for item in case.items.all()}
    return categories == {TreatmentCategory.PHARMACEUTICALS}


def fee_rate(*, on: date, review_type: str, pharmacy_only: bool, kind: str) -> FeeSchedule:
    """The schedule row in force on `on` (the latest effective date not after it); never today's."""
    row = (
        FeeSchedule.objects.filter(effective_from__lte=on, review_type=review_type, pharmacy_only=pharmacy_only, kind=kind)
        .order_by("-effective_from")
        .first()
    )
    if row is None:
        raise ServiceError(
            f"no fee schedule is in force on {on:%Y-%m-%d} for a {review_type} review"
            f"{' (pharmacy-only)' if pharmacy_only else ''}, {FeeKind(kind).label.lower()}: add the rate in admin",
            field="effective_from", code="no_rate",
        )
    return row


def _fee_line_create(*, case: Case, kind: str, on: date, actor=None) -> FeeLine | None:
    """The case's one fee line (the one-to-one on the case makes a second impossible)."""
    existing = FeeLine.objects.filter(case=case).first()
    if existing is not None:
        return existing
    pharmacy_only = is_pharmacy_only(case)
    try:
        rate = fee_rate(on=on, review_type=case.review_type, pharmacy_only=pharmacy_only, kind=kind)
    except ServiceError:
        # A historical case decided before any schedule on file earns no line; say so in the log (no PHI: the number).
        logger.warning("no fee schedule in force on %s for case %s (%s)", on, case.number, kind)
        return None
    with transaction.atomic():
        line = FeeLine.objects.create(
            case=case, claims_administrator_id=case.claims_administrator_id, kind=kind, review_type=case.review_type,
            pharmacy_only=pharmacy_only, earned_on=on, schedule=rate, amount=rate.amount,
        )
    audit.record(
        audit.Action.FEE_RECORD, actor=actor, case=case, obj=line,
        detail={"kind": kind, "amount": str(line.amount), "earned_on": on.isoformat(), "schedule": rate.pk},
    )
    return line


def fee_line_for_decision(*, case: Case, on: date, actor=None) -> FeeLine | None:
    """A decided case's fee (called by `determinations.services.determination_finalize`, first version only)."""
    return _fee_line_create(case=case, kind=FeeKind.COMPLETED, on=on, actor=actor)


def fee_line_for_termination(*, termination, actor=None) -> FeeLine | None:
    """A terminated or withdrawn case's fee: before or after it went to a reviewer, at the report date's rate."""
    kind = FeeKind.TERMINATED_AFTER if termination.forwarded_to_reviewer else FeeKind.TERMINATED_BEFORE
    return _fee_line_create(case=termination.case, kind=kind, on=termination.reported_on, actor=actor)


# --- invoices ------------------------------------------------------------------------


def _require_billing(user) -> None:
    if user is not None and not user_roles(user).admin and not user_roles(user).intake:
        raise ServiceError("only intake staff or an administrator can issue invoices and record payments", code="not_staff")


def invoice_number(claims_administrator_id: int, month: date) -> str:
    return f"INV-{month:%Y%m}-{claims_administrator_id:05d}"


def _invoice_totals(invoice: Invoice) -> tuple[int, Decimal]:
    agg = invoice.lines.aggregate(n=Count("id"), total=Sum("amount"))
    return agg["n"], (agg["total"] or ZERO).quantize(CENT)


def _invoice_month_for(*, claims_administrator_id: int, month: date, user, today: date) -> tuple[Invoice, bool]:
    """Issue or bring up to date one claims administrator's invoice for the month; (invoice, changed)."""
    with transaction.atomic():
        invoice, created = Invoice.objects.select_for_update().get_or_create(
            claims_administrator_id=claims_administrator_id, month=month,
            defaults={"number": invoice_number(claims_administrator_id, month), "issued_on": today, "issued_by": user},
        )
        attached = FeeLine.objects.filter(
            claims_administrator_id=claims_administrator_id, earned_on__gte=month, earned_on__lte=month_end(month),
            invoice__isnull=True,
        ).update(invoice=invoice)
        if not attached and not created:
            return invoice, False
        count, total = _invoice_totals(invoice)
        if not created:
            invoice.revision += 1
        invoice.line_count, invoice.total = count, total
        invoice.save(update_fields=["revision", "line_count", "total", "updated_at"])
        document = InvoiceDocument.objects.create(
            invoice=invoice, revision=invoice.revision, requested_by=user, queued_at=timezone.now()
        )
        from .documents import INVOICE

        pipeline.publish_on_commit(INVOICE, [document.pk])
        audit.record(
            audit.Action.INVOICE_UPDATE, actor=user, obj=invoice,
            detail={"month": month.isoformat(), "revision": invoice.revision, "lines_added": attached,
                    "line_count": count, "total": str(total), "created": created},
        )
        return invoice, True


@dataclass(frozen=True)
class InvoiceRun:
    invoices: list[Invoice]
    changed: int


def invoices_issue(*, month: date, user=None, claims_administrator: Party | None = None, today: date | None = None) -> InvoiceRun:
    """Invoice a month: one invoice per claims administrator with lines earned in it.

    Idempotent: a second run finds the same invoices and attaches only lines
    not yet billed (none: nothing changes, no new PDF). A month that has not
    ended yet is refused (its lines are still coming).
    """
    _require_billing(user)
    today = today or timezone.localdate()
    month = month_start(month)
    if month_end(month) >= today:
        after = date.fromordinal(month_end(month).toordinal() + 1)
        raise ServiceError(f"{month:%B %Y} has not ended yet: invoice it from {after:%Y-%m-%d}", field="month", code="month_not_ended")
    lines = FeeLine.objects.filter(earned_on__gte=month, earned_on__lte=month_end(month))
    if claims_administrator is not None:
        lines = lines.filter(claims_administrator=claims_administrator)
    ca_ids = sorted(set(lines.values_list("claims_administrator_id", flat=True)))
    invoices, changed = [], 0
    for ca_id in ca_ids:
        try:
            invoice, did = _invoice_month_for(claims_administrator_id=ca_id, month=month, user=user, today=today)
        except IntegrityError:
            # Another run created it at the same moment: this run brings it up to date.
            invoice, did = _invoice_month_for(claims_administrator_id=ca_id, month=month, user=user, today=today)
        invoices.append(invoice)
        changed += did
    return InvoiceRun(invoices=invoices, changed=changed)


def parse_money(value) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", "").lstrip("$"))
    except (InvalidOperation, ValueError) as exc:
        raise ServiceError("enter an amount in dollars and cents, e.g. 345.00", field="amount", code="amount") from exc
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise ServiceError("enter an amount in dollars and cents, e.g. 345.00", field="amount", code="amount")
    return amount


def payment_record(*, invoice: Invoice, amount, received_on: date, user=None, reference: str = "", today: date | None = None) -> Payment:
    """Money received against an invoice; never more than its balance (the database checks it too)."""
    _require_billing(user)
    amount = parse_money(amount)
    if amount <= 0:
        raise ServiceError("must be more than zero", field="amount", code="amount")
    today = today or timezone.localdate()
    if received_on is None:
        raise ServiceError("give the date the payment was received", field="received_on", code="no_date")
    if received_on > today:
        raise ServiceError("cannot be in the future", field="received_on", code="future_date")
    reference = (reference or "").strip()[:120]
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if received_on < invoice.issued_on:
            raise ServiceError(f"cannot be before the invoice was issued ({invoice.issued_on:%Y-%m-%d})",
                               field="received_on", code="before_issue")
        if amount > invoice.balance:
            raise ServiceError(f"${amount} is more than the balance of ${invoice.balance}", field="amount", code="overpaid")
        payment = Payment.objects.create(invoice=invoice, amount=amount, received_on=received_on, reference=reference, recorded_by=user)
        # Recomputed from the rows, not incremented: the total paid is what the payments say.
        invoice.paid_total = invoice.payments.aggregate(s=Sum("amount"))["s"] or ZERO
        invoice.save(update_fields=["paid_total", "updated_at"])
        audit.record(audit.Action.PAYMENT_RECORD, actor=user, obj=payment,
                     detail={"invoice": invoice.number, "amount": str(amount), "received_on": received_on.isoformat()})
        return payment


# --- aging ---------------------------------------------------------------------------

AGING_BUCKETS = [("0–30 days", 0, 30), ("31–60 days", 31, 60), ("61–90 days", 61, 90), ("Over 90 days", 91, None)]


@dataclass
class AgingRow:
    claims_administrator: Party
    buckets: list[Decimal]
    total: Decimal
    invoices: list[Invoice]


def aging(*, today: date | None = None) -> tuple[list[AgingRow], list[Decimal], Decimal]:
    """Unpaid balances per claims administrator by days since the invoice was issued (one query)."""
    today = today or timezone.localdate()
    unpaid = (
        Invoice.objects.filter(paid_total__lt=F("total")).select_related("claims_administrator")
        .order_by("claims_administrator__name", "month")
    )
    rows: dict[int, AgingRow] = {}
    totals = [ZERO for _ in AGING_BUCKETS]
    for invoice in unpaid:
        age = (today - invoice.issued_on).days
        index = next(i for i, (_, low, high) in enumerate(AGING_BUCKETS) if age >= low and (high is None or age <= high)) if age >= 0 else 0
        row = rows.get(invoice.claims_administrator_id)
        if row is None:
            row = rows[invoice.claims_administrator_id] = AgingRow(invoice.claims_administrator, [ZERO for _ in AGING_BUCKETS], ZERO, [])
        invoice.age_days = age
        invoice.bucket = AGING_BUCKETS[index][0]
        row.buckets[index] += invoice.balance
        row.total += invoice.balance
        row.invoices.append(invoice)
        totals[index] += invoice.balance
    return list(rows.values()), totals, sum(totals, ZERO)
