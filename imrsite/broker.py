"""Publishing Celery tasks without letting a broker outage fail the request.

Every piece of queued work (a letter or notice to render, an e-mail to
send) is first recorded in the database, in the transaction of the request
that asked for it; the Celery message only says "start now". When Redis is
down the publish fails within the broker timeouts (CELERY_BROKER_* in
settings: a few seconds at most), `publish` logs it and returns False, the
request succeeds, and the periodic sweeps publish the work again once Redis
is back (imrsite.pipeline.sweep, correspondence.services.correspondence_run_due).
The claims in the tasks make a double publish harmless.
"""

import logging
import time

logger = logging.getLogger(__name__)

# After a failed publish this process does not try the broker again for this
# long: one request queueing several documents waits on the broker once.
PAUSE_SECONDS = 5.0
_paused_until = 0.0


def publish(task, *args) -> bool:
    """`task.delay(*args)`; False (logged, never raised) when the broker cannot take it."""
    global _paused_until
    if time.monotonic() < _paused_until:
        logger.warning("broker unavailable, %s(%s) left for the sweep", task.name, ", ".join(map(str, args)))
        return False
    try:
        task.delay(*args)
    except Exception as exc:  # kombu OperationalError, redis ConnectionError/TimeoutError, OSError
        _paused_until = time.monotonic() + PAUSE_SECONDS
        logger.warning("broker unavailable, %s(%s) left for the sweep: %s", task.name, ", ".join(map(str, args)), type(exc).__name__)
        return False
    return True
