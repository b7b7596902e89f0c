"""E-mail deliveries: sent once, by a Celery task, through Django's e-mail framework.

The message says that a document is ready and links to it behind sign-in:
no name, claim number, diagnosis or document text ever goes in it.

Exactly once, step by step (issue 18: a crash at any step):

1. claim the delivery with one conditional UPDATE (pending, or sending with
   an expired lease that never reached the commit point; attempts left),
   recording its Message-ID first if it has none;
2. open the SMTP transaction; the server accepts or refuses the recipient
   (refused: the delivery fails with the server's answer, nothing was sent);
3. just before the end of DATA (the SMTP commit), record `smtp_commit_at`;
4. after the server's 250, record the delivery sent.

A crash before 3 leaves a claim that expires and is taken again (nothing was
sent). A crash between 3 and 4 is the only ambiguous case: the sweep asks the
reconciler (EMAIL_RECONCILER, by Message-ID) and without one marks the
delivery "unconfirmed" for staff to check the mail log, rather than risk a
second copy. An unreachable or temporarily refusing server is retried with
backoff, then the delivery fails visibly (staff can retry it).
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from cases.models import DeliveryChannel
from imrsite.crashpoints import crash_point

from ..models import Delivery
from .deliveries import delivery_record_failed, delivery_record_sent

logger = logging.getLogger(__name__)

D = Delivery.Status


def _max_attempts() -> int:
    return settings.EMAIL_MAX_ATTEMPTS


def backoff_seconds(attempt: int) -> float:
    base = settings.EMAIL_RETRY_BACKOFF_SECONDS
    return min(40.0 * base, base * (2 ** max(0, attempt - 1)))


def email_message(delivery: Delivery) -> EmailMessage:
    """The e-mail of a delivery: that a document is ready, and where to sign in for it."""
    link = settings.IMR_SITE_URL + reverse("correspondence:open", kwargs={"token": delivery.token})
    number = delivery.case.number
    body = (
        f"{settings.IMRO_NAME} has issued a document in Independent Medical Review case {number}: "
        f"{delivery.document_label}.\n\n"
        "To protect the privacy of the people involved, this e-mail does not contain it. "
        f"Sign in to read and download it:\n\n{link}\n\n"
        f"If you cannot sign in, ask for a paper copy: {settings.IMRO_NAME}, {settings.IMRO_ADDRESS}, "
        f"quoting case number {number}.\n"
    )
    return EmailMessage(
        subject=f"IMR case {number}: {delivery.document_label} is ready",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.address],
        headers={"Message-ID": delivery.message_id, "Auto-Submitted": "auto-generated"},
    )


def _claim(delivery_id: int) -> Delivery | None:
    now = timezone.now()
    claimable = Q(status=D.PENDING) | Q(status=D.SENDING, lease_expires_at__lt=now, smtp_commit_at__isnull=True)
    claimed = Delivery.objects.filter(claimable, pk=delivery_id, channel=DeliveryChannel.EMAIL, attempts__lt=_max_attempts()).update(
        status=D.SENDING, attempts=F("attempts") + 1, lease_expires_at=now + timedelta(seconds=settings.EMAIL_SEND_LEASE_SECONDS), smtp_commit_at=None,
    )
    if not claimed:
        return None
    # Recorded before any SMTP transaction, once: every attempt sends the same message.
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">").strip() or "imr.invalid"
    Delivery.objects.filter(pk=delivery_id, message_id="").update(message_id=make_msgid(idstring=f"delivery-{delivery_id}", domain=domain))
    return Delivery.objects.select_related("case", "notice", "letter").get(pk=delivery_id)


def _release(delivery: Delivery, error: str) -> float | None:
    """A transient failure before the commit point: try again later, or fail when out of attempts."""
    if delivery.attempts >= _max_attempts():
        delivery_record_failed(delivery=delivery, reason=f"gave up after {delivery.attempts} attempts: {error}")
        return None
    Delivery.objects.filter(pk=delivery.pk, status=D.SENDING, attempts=delivery.attempts).update(
        status=D.PENDING, lease_expires_at=None, failure_reason=f"attempt {delivery.attempts} failed: {error}"[:2000]
    )
    return backoff_seconds(delivery.attempts)


def _mark_unconfirmed(delivery: Delivery, error: str) -> None:
    Delivery.objects.filter(pk=delivery.pk, status=D.SENDING).update(
        status=D.UNCONFIRMED, lease_expires_at=None,
        failure_reason=(
            f"interrupted after the message was handed to the mail server ({error}); "
            f"check the mail log for Message-ID {delivery.message_id}, then confirm it or send again"
        )[:2000],
    )


def email_send(*, delivery_id: int) -> float | None:
    """Send one e-mail delivery once; returns seconds to wait before a retry, or None when done."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None  # sent, failed, busy elsewhere or out of attempts: nothing to do
    document = delivery.document
    if document is None or document.status != document.Status.READY:
        # Not renderable yet: back to pending; the document's ready signal (or the sweep) sends it.
        Delivery.objects.filter(pk=delivery.pk, status=D.SENDING).update(status=D.PENDING, lease_expires_at=None, attempts=F("attempts") - 1)
        return None
    if not delivery.address:
        delivery_record_failed(delivery=delivery, reason=f"{delivery.name} has no e-mail address on file")
        return None
    crash_point("email.after_claim")
    attempt = delivery.attempts
    committed = []

    def before_commit():
        # In its own autocommit UPDATE: it must be on record before the server has the message.
        Delivery.objects.filter(pk=delivery.pk, status=D.SENDING, attempts=attempt).update(smtp_commit_at=timezone.now())
        committed.append(True)
        crash_point("email.before_data")

    message = email_message(delivery)
    try:
        connection = get_connection(fail_silently=False)
        if getattr(connection, "supports_commit_hook", False):
            message.before_commit = before_commit
        else:
            before_commit()  # a backend without the hook: record just before handing it over
        connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused as exc:
        answers = "; ".join(f"{code} {resp.decode(errors='replace') if isinstance(resp, bytes) else resp}" for code, resp in exc.recipients.values())
        if all(400 <= code < 500 for code, _ in exc.recipients.values()):
            # "Try again later" (4xx): nothing was sent; back off.
            return _release(delivery, f"the mail server deferred {delivery.address}: {answers}")
        delivery_record_failed(delivery=delivery, reason=f"the mail server refused {delivery.address}: {answers}")
        return None
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        if committed:
            _mark_unconfirmed(delivery, error)
            logger.error("e-mail delivery %s interrupted after the commit point", delivery.pk)
            return None
        permanent = isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600
        if permanent:
            delivery_record_failed(delivery=delivery, reason=f"the mail server refused the message: {error}")
            return None
        logger.warning("e-mail delivery %s attempt %s failed: %s", delivery.pk, attempt, type(exc).__name__)
        return _release(delivery, error)
    crash_point("email.after_data")
    delivery_record_sent(delivery=delivery)
    return None


def emails_reconcile(*, now=None) -> dict:
    """E-mails whose send was interrupted: retry those that never reached the
    commit point; reconcile the others by Message-ID (or leave them to staff)."""
    now = now or timezone.now()
    stuck = Delivery.objects.filter(status=D.SENDING, channel=DeliveryChannel.EMAIL, lease_expires_at__lt=now)
    requeue = list(stuck.filter(smtp_commit_at__isnull=True).values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=requeue, status=D.SENDING).update(status=D.PENDING, lease_expires_at=None)
    reconciler = import_string(settings.EMAIL_RECONCILER) if settings.EMAIL_RECONCILER else None
    outcome = {"requeued": requeue, "sent": [], "resend": [], "unconfirmed": []}
    for delivery in stuck.filter(smtp_commit_at__isnull=False).select_related("case", "notice", "letter"):
        accepted = reconciler(delivery.message_id) if reconciler else None
        if accepted is True:
            delivery_record_sent(delivery=delivery, at=delivery.smtp_commit_at, on=timezone.localdate(delivery.smtp_commit_at))
            outcome["sent"].append(delivery.pk)
        elif accepted is False:
            Delivery.objects.filter(pk=delivery.pk, status=D.SENDING).update(status=D.PENDING, lease_expires_at=None, smtp_commit_at=None)
            outcome["resend"].append(delivery.pk)
        else:
            _mark_unconfirmed(delivery, "the worker stopped")
            outcome["unconfirmed"].append(delivery.pk)
    return outcome
