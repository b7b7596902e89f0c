"""Celery tasks: thin, take an id, call a service.

Settings (acks_late, reject_on_worker_lost, time limits) are stated on the
task as well as in settings, so they hold whatever the worker's config is;
the loop guard that reject_on_worker_lost needs is the attempts counter in
`letters.letter_claim`.
"""

import logging
import random

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError

from . import letters

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="determinations.render_letter",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=letters.TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=5,
    time_limit=300,
    soft_time_limit=240,
)
def render_letter(self, letter_id: int) -> None:
    try:
        letters.letter_render(letter_id=letter_id)
    except letters.LetterBusy as busy:
        # A crashed render holds the claim until its lease expires; come back then.
        try:
            raise self.retry(countdown=busy.retry_in + random.uniform(0, 2))
        except MaxRetriesExceededError:
            logger.warning("letter %s still busy after %s retries; the sweep will pick it up", letter_id, self.max_retries)


@shared_task(name="determinations.sweep_letters", acks_late=True, time_limit=120)
def sweep_letters() -> None:
    letters.letters_sweep()
