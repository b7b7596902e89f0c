"""Writes on correspondence, one module per responsibility:

- `notices`: issuing notices (NOARFI, ineligibility, conversion, requests);
- `deliveries`: one record per document and recipient, sent / failed / retried;
- `email`: the send task's exactly-once protocol;
- `batches`: the daily mail batch;
- `distribution`: the Final Determination Letter to every recipient;
- `records`: records received per party and category, "records complete";
- `requests`: information requests (the organization's and the reviewer's);
- `acknowledgements`: what the claims administrators' API acknowledges.

`correspondence_run_due` is the periodic catch-up (Celery beat): every step
is idempotent, so running it twice, or after an outage, does the work once.
"""

import logging
from datetime import date

from django.utils import timezone

from .acknowledgements import deliveries_acknowledge
from .batches import mail_batch_mark_mailed, mail_batch_prepare, mail_batch_retry
from .deliveries import (
    deliveries_due,
    delivery_confirm_sent,
    delivery_record_failed,
    delivery_record_sent,
    delivery_retry,
    dispatch,
    stale_email_ids,
    sync_records_clock,
)
from .distribution import appeal_deadlines, distributions_catch_up, letter_distribute
from .email import email_send, emails_reconcile
from .notices import (
    expedited_notice_issue,
    ineligibility_notice_issue,
    noarfi_issue,
    notice_retry,
    notices_catch_up,
    request_notice_issue,
    termination_notice_issue,
)
from .records import RecordUpload, missing_categories, records_mark_complete, records_receive, records_time_out
from .requests import information_request_answer, information_request_create, information_requests_expire, reviewer_question_ask

logger = logging.getLogger(__name__)

# E-mails not handed to the send task for this long are handed again (a lost message, a broker outage).
EMAIL_STALE_SECONDS = 600


def correspondence_run_due(*, today: date | None = None) -> dict:
    """Everything correspondence owes now, each step idempotent."""
    today = today or timezone.localdate()
    result = {
        "notices": notices_catch_up(today=today),
        "distributions": distributions_catch_up(),
        "emails": emails_reconcile(),
        "dispatched": dispatch(delivery_ids=stale_email_ids(older_than_seconds=EMAIL_STALE_SECONDS))
        + dispatch_portal(),
        "information_expired": information_requests_expire(today=today),
        "records_timed_out": records_time_out(today=today),
    }
    if any(result.values()):
        logger.info("correspondence run: %s", {k: (len(v) if isinstance(v, list) else v) for k, v in result.items()})
    return result


def dispatch_portal() -> int:
    """Portal deliveries whose document is ready but that were never made available (a lost signal)."""
    from cases.models import DeliveryChannel

    from ..models import Delivery

    ids = list(Delivery.objects.filter(status=Delivery.Status.PENDING, channel=DeliveryChannel.PORTAL).values_list("pk", flat=True)[:500])
    return dispatch(delivery_ids=ids) if ids else 0


__all__ = [
    "RecordUpload", "appeal_deadlines", "correspondence_run_due", "deliveries_acknowledge", "deliveries_due",
    "delivery_confirm_sent", "delivery_record_failed", "delivery_record_sent", "delivery_retry", "dispatch",
    "distributions_catch_up", "email_send", "emails_reconcile", "expedited_notice_issue", "information_request_answer",
    "information_request_create", "information_requests_expire", "ineligibility_notice_issue", "letter_distribute",
    "mail_batch_mark_mailed", "mail_batch_prepare", "mail_batch_retry", "missing_categories", "noarfi_issue",
    "notice_retry", "notices_catch_up", "records_mark_complete", "records_receive", "records_time_out",
    "request_notice_issue", "reviewer_question_ask", "stale_email_ids", "sync_records_clock", "termination_notice_issue",
]
