"""/reports/: the DWC statistics for admins and managers (read-only; figures, never a case file).

Every figure comes from reports.selectors.report, which reads the summary
tables only; the views pick the period, draw the charts and format exports.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import audit
from accounts.roles import user_roles
from imrsite.access import reports_required
from imrsite.csvexport import csv_response
from imrsite.downloads import protect_file_response

from . import exports
from .charts import report_charts
from .forms import PeriodForm, presets
from .models import ReportDocument
from .pdf import PRINT_TABLES, ReportIntegrityError, report_document_read, report_document_request, report_documents
from .selectors import late_decisions, report

PAGE_SECTIONS = [
    # (chart id or None, table ids shown beside or below it)
    ("chart-trend", ["trend"]),
    (None, ["applications", "ineligible"]),
    (None, ["letters"]),
    ("chart-outcomes", ["by_category"]),
    (None, ["by_subcategory", "by_specialty", "by_review_type"]),
    ("chart-ages", ["age_distribution"]),
    (None, ["ages"]),
    ("chart-within", ["within_by_month"]),
    (None, ["timeliness", "late", "records", "pharmacy", "concentration", "by_claims_administrator"]),
]


def _period(request):
    form = PeriodForm(request.GET or None)
    return form, form.period()


def _private(response):
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_GET
@reports_required
def report_page(request):
    form, period = _period(request)
    data = report(period)
    charts = {chart.id: chart for chart in report_charts(data)}
    sections = [
        {"chart": charts.get(chart_id), "tables": [data.tables[t] for t in table_ids]}
        for chart_id, table_ids in PAGE_SECTIONS
    ]
    first_month = data.state.first_month if data.state else None
    return render(request, "reports/index.html", {
        "nav": "reports",
        "form": form,
        "report": data,
        "sections": sections,
        "presets": [(label, p, p == period) for label, p in presets(first_month=first_month)],
        "can_refresh": user_roles(request.user).admin,
        "documents": report_documents(period),
    })


@never_cache
@require_GET
@reports_required
def report_export(request, table, fmt):
    """One table (or "all" tables, XLSX) of the period as CSV or XLSX."""
    _, period = _period(request)
    data = report(period)
    if table != "all" and table not in data.tables:
        raise Http404("No such table")
    tables = [data.tables[t] for t in PRINT_TABLES] if table == "all" else [data.tables[table]]
    for t in tables:
        if t.id == "late":
            t.rows = late_decisions(period)  # every late letter, not the page's first ones
    name = f"imr-{table}-{period.slug}"
    if fmt in ("csv", "xlsx"):
        audit.record(audit.Action.LIST_EXPORT, detail={"page": "reports", "table": table, "format": fmt, "period": period.slug})
    if fmt == "csv" and table != "all":
        return csv_response(f"{name}.csv", *exports.table_csv_rows(tables[0]))
    elif fmt == "xlsx":
        response = HttpResponse(exports.tables_xlsx(data, tables), content_type=exports.XLSX_CONTENT_TYPE)
    else:
        raise Http404("No such format")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return _private(response)


@require_POST
@reports_required
def report_pdf_request(request):
    """Queue the period's printable report (rendered by the engine's worker)."""
    form = PeriodForm(request.POST)
    period = form.period()
    row = report_document_request(period=period, requested_by=request.user)
    messages.info(request, f"The PDF of {period.label} (version {row.version}) is being prepared; it appears below when ready.")
    return redirect(f"{reverse('reports:index')}?{period.query()}#report-pdfs")


@never_cache
@require_GET
@reports_required
def report_pdf_download(request, pk):
    """A rendered report PDF, served only while it matches its recorded sha256."""
    row = ReportDocument.objects.filter(pk=pk, status=ReportDocument.Status.READY).first()
    if row is None:
        raise Http404("No such report PDF")
    try:
        data = report_document_read(row)
    except ReportIntegrityError as exc:
        return _private(HttpResponse(f"This PDF cannot be served: {exc.message}. Prepare it again.", status=409,
                                     content_type="text/plain; charset=utf-8"))
    response = protect_file_response(HttpResponse(data, content_type="application/pdf"),
                                     filename=f"imr-report-{row.first_month:%Y-%m}_{row.last_month:%Y-%m}-v{row.version}.pdf")
    response["Content-Length"] = str(len(data))
    return response


@require_POST
@reports_required
def report_refresh(request):
    """Admins: refresh the figures now (the scheduler does it every few minutes)."""
    if not user_roles(request.user).admin:
        raise PermissionDenied("Only administrators refresh the figures.")
    from imrsite.broker import publish

    from .tasks import refresh_reports

    if publish(refresh_reports):
        messages.info(request, f"Refresh requested at {timezone.localtime():%H:%M}; the figures update when it finishes.")
    else:
        messages.warning(request, "The task queue is unavailable right now; the scheduler refreshes the figures when it is back.")
    form = PeriodForm(request.POST)
    period = form.period()
    return redirect(f"{reverse('reports:index')}?{period.query()}" if form.is_valid() else "reports:index")
