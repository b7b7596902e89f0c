"""Celery tasks of the public index: thin, take an id, call a service."""

from celery import shared_task

from . import services


@shared_task(name="publications.sweep", acks_late=True, time_limit=1800, soft_time_limit=1700)
def sweep_publications() -> None:
    services.publications_sweep()
