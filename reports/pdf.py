"""The period's report as a printable PDF: a document of the rendering engine (imrsite.pipeline).

The HTML is a print template of its own (no Bootstrap): the same Tables and
SVG charts as the page, nothing to fetch; its print stylesheet
(static/letters/report.css) goes to `determinations.rendering.html_to_pdf`
after the letters' own, which makes the PDF; the engine claims,
renders, stores, verifies and sweeps it like a letter (`REPORT_DOCUMENT`).
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import audit
from determinations.rendering import html_to_pdf
from imrsite import pipeline
from imrsite.errors import ServiceError

from .charts import report_charts
from .models import ReportDocument
from .selectors import Period, Report, late_decisions, report

TEMPLATE = "reports/report_pdf.html"
STYLESHEET = "report.css"  # in static/letters/, beside the letters' own
PRINT_TABLES = [
    "applications", "ineligible", "letters", "by_category", "by_subcategory", "by_specialty", "by_review_type",
    "ages", "age_distribution", "timeliness", "late", "records", "pharmacy", "concentration",
    "by_claims_administrator", "trend", "within_by_month",
]


def report_html(data: Report) -> str:
    tables = dict(data.tables)
    # The printed report lists every late letter, as the exports do.
    tables["late"].rows = late_decisions(data.period)
    return render_to_string(TEMPLATE, {
        "report": data,
        "tables": [tables[t] for t in PRINT_TABLES],
        "charts": report_charts(data),
        "imro_name": settings.IMRO_NAME,
        "imro_short_name": settings.IMRO_SHORT_NAME,
        "imro_address": settings.IMRO_ADDRESS,
        "generated_at": timezone.localtime(),
    })


def report_pdf(data: Report) -> pipeline.RenderedPDF:
    return html_to_pdf(report_html(data), extra_stylesheets=(STYLESHEET,))


def _render(row: ReportDocument) -> pipeline.RenderedPDF:
    return report_pdf(report(Period(row.first_month, row.last_month)))


REPORT_DOCUMENT = pipeline.register(
    pipeline.DocumentType(
        kind="dwc_report",
        model="reports.ReportDocument",
        render=_render,
        task="reports.tasks.render_report",
        audit_render=audit.Action.REPORT_RENDER,
        case_of=lambda row: None,
        noun="report",
    )
)


class ReportIntegrityError(pipeline.IntegrityFailure):
    """The stored report PDF is missing or no longer matches its recorded sha256."""


def report_document_request(*, period: Period, requested_by=None) -> ReportDocument:
    """A new version of the period's PDF, queued for rendering on commit (one in the queue per period)."""
    try:
        with transaction.atomic():
            pending = (
                ReportDocument.objects.select_for_update()
                .filter(first_month=period.first, last_month=period.last,
                        status__in=[ReportDocument.Status.QUEUED, ReportDocument.Status.RENDERING])
                .first()
            )
            if pending is not None:
                return pending
            latest = ReportDocument.objects.filter(first_month=period.first, last_month=period.last).aggregate(
                v=Max("version"))["v"] or 0
            row = ReportDocument.objects.create(
                first_month=period.first, last_month=period.last, version=latest + 1, requested_by=requested_by,
                queued_at=timezone.now(),
            )
            pipeline.publish_on_commit(REPORT_DOCUMENT, [row.pk])
            return row
    except IntegrityError as exc:
        raise ServiceError("another PDF of this period was requested at the same moment", code="report_version_taken") from exc


def report_document_read(row: ReportDocument) -> bytes:
    return pipeline.read_verified(REPORT_DOCUMENT, row=row, error_class=ReportIntegrityError)


def report_documents(period: Period, limit: int = 3) -> list[ReportDocument]:
    """The period's latest PDFs, newest first."""
    return list(ReportDocument.objects.filter(first_month=period.first, last_month=period.last).order_by("-version")[:limit])
