"""Reads for the billing pages and exports: each list in a fixed number of queries."""

from django.db.models import Count, F, Prefetch

from .models import FeeLine, FeeSchedule, Invoice, InvoiceDocument


def invoice_lines(invoice: Invoice):
    """The invoice's lines with the case numbers they bill (one query). No patient names: numbers and claim numbers."""
    return list(
        FeeLine.objects.filter(invoice=invoice).select_related("case").order_by("earned_on", "case__number")
    )


def invoice_list(*, month=None, unpaid_only: bool = False):
    rows = Invoice.objects.select_related("claims_administrator").prefetch_related(
        Prefetch("documents", queryset=InvoiceDocument.objects.order_by("-revision"))
    ).order_by("-month", "claims_administrator__name")
    if month is not None:
        rows = rows.filter(month=month)
    if unpaid_only:
        rows = rows.filter(paid_total__lt=F("total"))
    return rows


def invoice_detail(pk: int) -> Invoice:
    return Invoice.objects.select_related("claims_administrator").prefetch_related(
        Prefetch("documents", queryset=InvoiceDocument.objects.order_by("-revision")), "payments__recorded_by"
    ).get(pk=pk)


def unbilled_months():
    """Months with fee lines not yet on an invoice, and how many."""
    from django.db.models.functions import TruncMonth

    return list(
        FeeLine.objects.filter(invoice__isnull=True).annotate(m=TruncMonth("earned_on")).values("m")
        .annotate(n=Count("id")).order_by("m")
    )


def rates_in_force(on):
    """The schedule rows that price a case decided or terminated on `on`."""
    latest = {}
    for row in FeeSchedule.objects.filter(effective_from__lte=on).order_by("effective_from"):
        latest[(row.review_type, row.pharmacy_only, row.kind)] = row
    return sorted(latest.values(), key=lambda r: (r.review_type, r.pharmacy_only, r.kind))

