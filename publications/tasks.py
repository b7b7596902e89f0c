"""Celery tasks of the public index: thin, take an id, call a service."""

from celery import shared_task

from . import services


# The public copy's receiver publishes in-process (publications.apps); this task
# serves messages queued by earlier releases and an operator's manual re-publish.
@shared_task(name="publications.publish_case", acks_late=True, time_limit=120, soft_time_limit=100)
def publish_case(case_id: int) -> None:
    services.publication_sync(case_id=case_id)


@shared_task(name="publications.sweep", acks_late=True, time_limit=1800, soft_time_limit=1700)
def sweep_publications() -> None:
    services.publications_sweep()
