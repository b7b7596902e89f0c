"""Implementation pages: the case panel's actions, the report per claims administrator and its CSV.

Thin: reads through `selectors`, writes through `services`; a refusal is
shown as a message naming what to fix.
"""

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import audit
from cases.models import DisputedItem, Party
from cases.selectors import case_page
from imrsite.access import staff_required
from imrsite.errors import ServiceError

from . import selectors, services
from .forms import ItemImplementationForm, ReceiptForm, ReportFilterForm


def _back(case):
    return redirect(f"{case.get_absolute_url()}#implementation")


def _form_errors(request, form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label + ': ' if label else ''}{' '.join(errors)}")


def _refused(request, exc: ServiceError, form=None):
    label = form.fields[exc.field].label if form is not None and exc.field in form.fields else ""
    messages.error(request, f"Refused: {label + ': ' if label else ''}{exc.message}")


@require_POST
@staff_required
def receipt_record(request, number):
    case = case_page(request.user, number)
    form = ReceiptForm(request.POST)
    if form.is_valid():
        try:
            receipt = services.letter_receipt_record(case=case, user=request.user, received_on=form.cleaned_data["received_on"])
        except ServiceError as exc:
            _refused(request, exc, form)
        else:
            messages.success(request, f"Letter receipt recorded: {receipt.received_on:%b %-d, %Y}.")
    else:
        _form_errors(request, form)
    return _back(case)


@require_POST
@staff_required
def item_record(request, number, pk):
    case = case_page(request.user, number)
    item = get_object_or_404(DisputedItem, pk=pk, case=case)
    form = ItemImplementationForm(request.POST, prefix=f"item{item.pk}")
    if form.is_valid():
        try:
            services.item_implementation_record(case=case, item=item, user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            _refused(request, exc, form)
        else:
            messages.success(request, f"Implementation of “{item.description}” recorded.")
    else:
        _form_errors(request, form)
    return _back(case)


def _report(request):
    administrators = Party.objects.filter(cases_as_claims_administrator__isnull=False).distinct().order_by("name")
    form = ReportFilterForm(request.GET or None, administrators=administrators)
    chosen, late_only = None, False
    if form.is_valid():
        chosen, late_only = form.cleaned_data["claims_administrator"], form.cleaned_data["late"]
    return form, selectors.implementation_report(claims_administrator_id=chosen, late_only=late_only)


@require_GET
@staff_required
def report(request):
    form, groups = _report(request)
    audit.record(audit.Action.CASE_LIST, detail={"page": "implementation_report", "groups": len(groups)})
    return render(request, "implementation/report.html", {
        "nav": "implementation", "form": form, "groups": groups, "today": timezone.localdate(),
        "query": request.GET.urlencode(),
    })


def _csv_safe(text: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: quote it as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@require_GET
@never_cache
@staff_required
def report_csv(request):
    _, groups = _report(request)
    audit.record(audit.Action.CASE_LIST, detail={"page": "implementation_report_csv", "groups": len(groups)})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="implementation-{timezone.localdate():%Y-%m-%d}.csv"'
    writer = csv.writer(response)
    writer.writerow([
        "claims_administrator", "case_number", "item", "letter_received_on", "receipt_recorded", "services", "due_on",
        "outcome", "done_on", "days_late",
    ])
    for group in groups:
        for r in group["rows"]:
            impl = r.row.implementation
            writer.writerow([
                _csv_safe(group["claims_administrator"].name), r.case.number, _csv_safe(r.row.item.description),
                r.receipt.received_on.isoformat(), "yes" if r.receipt.recorded else "presumed",
                impl.service if impl else "", r.row.due_on.isoformat(), impl.outcome if impl else "open",
                impl.on.isoformat() if impl else "", r.row.days_late,
            ])
    return response
