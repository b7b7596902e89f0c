"""/billing/: invoices per claims administrator and month, payments, aging (staff and managers read; staff write).

Figures come from the invoice rows and `billing.services` (totals computed
from the lines there, never in a template).
"""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import audit
from accounts.roles import user_roles
from imrsite.access import billing_required
from imrsite.csvexport import csv_response
from imrsite.downloads import protect_file_response
from imrsite.errors import ServiceError
from imrsite.forms import add_service_error

from . import selectors, services
from .documents import InvoiceIntegrityError, invoice_document_read
from .forms import IssueForm, MonthFilterForm, PaymentForm
from .models import Invoice, InvoiceDocument


def _require_writer(request):
    if not user_roles(request.user).staff:
        raise PermissionDenied("Only intake staff and administrators issue invoices and record payments.")


def _last_month(today):
    return services.month_start(services.month_start(today) - timedelta(days=1))


@never_cache
@require_GET
@billing_required
def invoice_list(request):
    return _list_page(request)


def _list_page(request, issue_form=None, status=200):
    today = timezone.localdate()
    form = MonthFilterForm(request.GET or None)
    month = form.cleaned_data.get("month") if form.is_valid() else None
    unpaid = form.cleaned_data.get("unpaid") if form.is_valid() else False
    rows = selectors.invoice_list(month=month, unpaid_only=bool(unpaid))[:200]
    audit.record(audit.Action.CORRESPONDENCE_VIEW, detail={"page": "billing.invoices"})
    return render(request, "billing/invoice_list.html", {
        "nav": "billing",
        "form": form,
        "invoices": list(rows),
        "unbilled": selectors.unbilled_months(),
        "issue_form": issue_form or IssueForm(initial={"month": _last_month(today).strftime("%Y-%m")}),
        "can_write": user_roles(request.user).staff,
        "rates": selectors.rates_in_force(today),
        "today": today,
    }, status=status)


@require_POST
@billing_required
def invoices_issue(request):
    _require_writer(request)
    form = IssueForm(request.POST)
    if form.is_valid():
        try:
            run = services.invoices_issue(month=form.cleaned_data["month"], user=request.user)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            month = form.cleaned_data["month"]
            if not run.invoices:
                messages.info(request, f"No fees were earned in {month:%B %Y}: no invoice.")
            else:
                messages.success(
                    request,
                    f"{month:%B %Y}: {len(run.invoices)} invoice(s); {run.changed} new or updated, the others unchanged.",
                )
            return redirect(f"{reverse('billing:invoices')}?month={month:%Y-%m}")
    return _list_page(request, issue_form=form, status=400)


def _invoice_page(request, invoice, *, payment_form=None, status=200):
    audit.record(audit.Action.CORRESPONDENCE_VIEW, obj=invoice, detail={"page": "billing.invoice"})
    documents = list(invoice.documents.all())
    return render(request, "billing/invoice_detail.html", {
        "nav": "billing",
        "invoice": invoice,
        "lines": selectors.invoice_lines(invoice),
        "payments": list(invoice.payments.all()),
        "document": documents[0] if documents else None,
        "payment_form": payment_form or PaymentForm(initial={"received_on": timezone.localdate()}),
        "can_write": user_roles(request.user).staff,
    }, status=status)


@never_cache
@require_GET
@billing_required
def invoice_detail(request, pk):
    try:
        invoice = selectors.invoice_detail(pk)
    except Invoice.DoesNotExist as exc:
        raise Http404("No such invoice") from exc
    return _invoice_page(request, invoice)


@require_POST
@billing_required
def payment_record(request, pk):
    _require_writer(request)
    invoice = get_object_or_404(Invoice, pk=pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            payment = services.payment_record(
                invoice=invoice, amount=d["amount"], received_on=d["received_on"], reference=d["reference"], user=request.user,
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Payment of ${payment.amount} recorded against {invoice.number}.")
            return redirect(invoice)
    return _invoice_page(request, selectors.invoice_detail(pk), payment_form=form, status=400)


@never_cache
@require_GET
@billing_required
def invoice_csv(request, pk):
    invoice = get_object_or_404(Invoice.objects.select_related("claims_administrator"), pk=pk)
    header = ["Invoice", "Claims administrator", "Month", "Case number", "Claim number", "Review type",
              "Pharmacy-only", "Fee", "Earned on", "Amount"]
    rows = [
        [invoice.number, invoice.claims_administrator.name, f"{invoice.month:%Y-%m}", line.case.number,
         line.case.claim_number, line.get_review_type_display(), line.pharmacy_only,
         line.get_kind_display(), line.earned_on, f"{line.amount:.2f}"]
        for line in selectors.invoice_lines(invoice)
    ]
    blank = [""] * 8
    rows += [["Total", *blank, f"{invoice.total:.2f}"], ["Paid", *blank, f"{invoice.paid_total:.2f}"],
             ["Balance", *blank, f"{invoice.balance:.2f}"]]
    audit.record(audit.Action.CORRESPONDENCE_VIEW, obj=invoice, detail={"page": "billing.invoice_csv"})
    return csv_response(f"{invoice.number}.csv", header, rows)


@never_cache
@require_GET
@billing_required
def invoice_pdf(request, pk):
    row = InvoiceDocument.objects.filter(invoice_id=pk, status=InvoiceDocument.Status.READY).order_by("-revision").first()
    if row is None:
        raise Http404("No invoice PDF is ready")
    try:
        data = invoice_document_read(row)
    except InvoiceIntegrityError as exc:
        return HttpResponse(f"This PDF cannot be served: {exc.message}.", status=409, content_type="text/plain; charset=utf-8")
    response = protect_file_response(HttpResponse(data, content_type="application/pdf"),
                                     filename=f"{row.invoice.number}-r{row.revision}.pdf")
    response["Content-Length"] = str(len(data))
    return response


@never_cache
@require_GET
@billing_required
def aging(request):
    today = timezone.localdate()
    rows, totals, total = services.aging(today=today)
    audit.record(audit.Action.CORRESPONDENCE_VIEW, detail={"page": "billing.aging"})
    return render(request, "billing/aging.html", {
        "nav": "billing", "rows": rows, "totals": totals, "total": total, "today": today,
        "buckets": [label for label, _, _ in services.AGING_BUCKETS],
    })
