"""Celery tasks: thin, call a service."""

from celery import shared_task

from . import services


@shared_task(name="reminders.run", acks_late=True, time_limit=240)
def run() -> None:
    services.reminders_run()
