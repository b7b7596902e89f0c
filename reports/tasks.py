"""Celery beat runs the summary tables' refresh (settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import services


@shared_task(name="reports.refresh", acks_late=True, time_limit=3600, soft_time_limit=3300)
def refresh_reports(full: bool = False) -> None:
    services.reports_refresh(full=full)
