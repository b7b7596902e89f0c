"""Celery beat runs the summary tables' refresh (settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from imrsite import pipeline

from . import services


@shared_task(name="reports.refresh", acks_late=True, time_limit=3600, soft_time_limit=3300)
def refresh_reports(full: bool = False) -> None:
    services.reports_refresh(full=full)


# The engine's render and sweep tasks for the report PDF (imrsite.pipeline).
render_report = pipeline.render_task(name="reports.render_report", document_type="reports.pdf.REPORT_DOCUMENT")
sweep_reports = pipeline.sweep_task(name="reports.sweep_documents", document_type="reports.pdf.REPORT_DOCUMENT")
