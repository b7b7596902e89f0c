"""Celery tasks: thin, take an id (never content), call a service."""

from celery import shared_task

from imrsite import pipeline

from . import services
from .services import email as email_service

render_notice = pipeline.render_task(name="correspondence.render_notice", document_type="correspondence.documents.NOTICE")
sweep_notices = pipeline.sweep_task(name="correspondence.sweep_notices", document_type="correspondence.documents.NOTICE")
render_mail_batch = pipeline.render_task(name="correspondence.render_mail_batch", document_type="correspondence.documents.MAIL_BATCH")
sweep_mail_batches = pipeline.sweep_task(name="correspondence.sweep_mail_batches", document_type="correspondence.documents.MAIL_BATCH")


@shared_task(
    bind=True,
    name="correspondence.send_email",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # the attempts counter on the delivery is the limit (EMAIL_MAX_ATTEMPTS)
    time_limit=120,
    soft_time_limit=90,
)
def send_email(self, delivery_id: int) -> None:
    retry_in = email_service.email_send(delivery_id=delivery_id)
    if retry_in is not None:
        # The SMTP server refused for now or could not be reached: back off and try again.
        raise self.retry(countdown=retry_in)


@shared_task(name="correspondence.run_due", acks_late=True, time_limit=240)
def run_due() -> None:
    services.correspondence_run_due()
