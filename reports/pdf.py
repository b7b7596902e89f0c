"""The month's report as a printable PDF, through the letters' pipeline (HTML → WeasyPrint).

The HTML is a print template of its own (no Bootstrap): the same Tables and
SVG charts as the page, with its print stylesheet inlined
(templates/reports/report_print.css; the HTML is never served to a browser,
so the CSP's style-src does not apply) and nothing to fetch.
`determinations.rendering.html_to_pdf` makes the PDF.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from determinations.rendering import RenderedPDF, html_to_pdf

from .charts import report_charts
from .selectors import Report, late_decisions

TEMPLATE = "reports/report_pdf.html"
PRINT_TABLES = [
    "applications", "ineligible", "letters", "by_category", "by_subcategory", "by_specialty", "by_review_type",
    "ages", "age_distribution", "timeliness", "late", "records", "pharmacy", "concentration",
    "by_claims_administrator", "trend", "within_by_month",
]


def report_html(report: Report) -> str:
    tables = dict(report.tables)
    # The printed report lists every late letter, as the exports do.
    tables["late"].rows = late_decisions(report.period)
    charts = {chart.table_id + ":" + chart.id: chart for chart in report_charts(report)}
    return render_to_string(TEMPLATE, {
        "report": report,
        "tables": [tables[t] for t in PRINT_TABLES],
        "charts": list(charts.values()),
        "imro_name": settings.IMRO_NAME,
        "imro_short_name": settings.IMRO_SHORT_NAME,
        "imro_address": settings.IMRO_ADDRESS,
        "generated_at": timezone.localtime(),
    })


def report_pdf(report: Report) -> RenderedPDF:
    return html_to_pdf(report_html(report))
