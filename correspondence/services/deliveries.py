"""Deliveries: one record per document and recipient, and what became of it.

A delivery is prepared with its document; it goes out when the document is
ready: e-mail by a Celery task (services.email), portal by making it
available (sent at once), mail and fax in the day's mail batch
(services.batches). A recipient without an address for its channel is
recorded failed with a reason naming the party and the missing field, never
sent; staff fix the contact or change the channel and retry.

Recording a delivery sent (or failed) updates what the clocks read: the
NOARFI's sending to the claims administrator (the records clock, via
`cases.services.case_record_assignment_notice`) and the letter's first
mailing (`case_record_letter_mailing`).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import audit
from cases import services as case_services
from cases.models import DeliveryChannel, PartyRole
from imrsite.broker import publish
from imrsite.errors import ServiceError

from ..models import Delivery, Notice, NoticeKind
from ..recipients import Recipient, recipient_for, require_sendable

D = Delivery.Status


def deliveries_prepare(*, case, recipients: list[Recipient], send_by: date, notice: Notice | None = None, letter=None) -> list[Delivery]:
    """One delivery per recipient (existing ones are kept: one record per document and recipient)."""
    document = {"notice": notice} if notice is not None else {"letter": letter}
    existing = set(Delivery.objects.filter(**document).values_list("role", flat=True))
    now = timezone.now()
    made = []
    for r in recipients:
        if r.role in existing:
            continue
        failed = bool(r.problem)
        made.append(Delivery(
            case=case, role=r.role, party=r.party, name=r.name, address=r.address, channel=r.channel, send_by=send_by,
            status=D.FAILED if failed else D.PENDING, failed_at=now if failed else None,
            failure_reason=(r.problem + ": fix the contact or choose another channel, then retry") if failed else "",
            **document,
        ))
    Delivery.objects.bulk_create(made)
    if letter is not None and any(d.status == D.FAILED for d in made):
        _reminders_touch(case)
    return made


def _reminders_touch(case) -> None:
    """A letter's delivery failed or is retried: the case's reminders are looked at again (reminders app)."""
    from reminders.services import reminders_touch

    reminders_touch(case)


def _document_ready(delivery: Delivery) -> bool:
    document = delivery.document
    return document is not None and document.status == document.Status.READY


# --- recording what happened ------------------------------------------------------

def _after_change(delivery: Delivery) -> None:
    """Keep the case's recorded copies in step with the deliveries (the clocks read them)."""
    if delivery.notice_id and delivery.role == PartyRole.CLAIMS_ADMINISTRATOR and delivery.notice.kind == NoticeKind.NOARFI:
        sync_records_clock(case=delivery.case)
    if delivery.letter_id and delivery.status in Delivery.DONE:
        case_services.case_record_letter_mailing(case=delivery.case, mailed_on=delivery.sent_on)
    if delivery.letter_id and delivery.status == D.FAILED:
        _reminders_touch(delivery.case_id)


def sync_records_clock(*, case) -> None:
    """The records clock runs from the NOARFI's first recorded sending to the
    claims administrator, by its channel (9792.10.5: 15 days mailed, 12 electronic)."""
    first = (
        Delivery.objects.filter(case=case, notice__kind=NoticeKind.NOARFI, role=PartyRole.CLAIMS_ADMINISTRATOR, status__in=Delivery.DONE)
        .order_by("sent_on", "sent_at", "id")
        .first()
    )
    if first is None:
        if case.assigned_on is not None and Delivery.objects.filter(case=case, notice__kind=NoticeKind.NOARFI).exists():
            case_services.case_record_assignment_notice(case=case, sent_on=None, electronic=True)
        return
    case_services.case_record_assignment_notice(
        case=case, sent_on=first.sent_on, electronic=first.channel in settings.IMR_ELECTRONIC_CHANNELS
    )


def delivery_record_sent(*, delivery: Delivery, on: date | None = None, user=None, batch=None, at=None) -> bool:
    """Mark one delivery sent (mail or fax by staff, e-mail by the task, portal when made available).

    Conditional on its state, so a repeat (a double click, a redelivered
    task) changes nothing; True if this call recorded it.
    """
    at = at or timezone.now()
    on = on or timezone.localdate(at)
    updated = Delivery.objects.filter(pk=delivery.pk, status__in=[D.PENDING, D.SENDING, D.UNCONFIRMED]).update(
        status=D.SENT, sent_on=on, sent_at=at, sent_by=user, lease_expires_at=None, failure_reason="", failed_at=None,
        **({"batch": batch} if batch is not None else {}),
    )
    if updated:
        delivery.refresh_from_db()
        audit.record(
            audit.Action.DELIVERY_UPDATE, actor=user, case=delivery.case_id, obj=delivery,
            detail={"status": D.SENT, "channel": delivery.channel, "role": delivery.role, "sent_on": on.isoformat()},
            system=user is None,
        )
        _after_change(delivery)
    return bool(updated)


def delivery_record_failed(*, delivery: Delivery, reason: str, user=None) -> bool:
    """Record that a delivery did not reach its recipient (refused e-mail, returned mail, failed fax)."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("say why it failed", field="reason")
    updated = Delivery.objects.filter(pk=delivery.pk).exclude(status=D.FAILED).update(
        status=D.FAILED, failed_at=timezone.now(), failure_reason=reason[:2000], lease_expires_at=None
    )
    if updated:
        delivery.refresh_from_db()
        audit.record(
            audit.Action.DELIVERY_UPDATE, actor=user, case=delivery.case_id, obj=delivery,
            detail={"status": D.FAILED, "channel": delivery.channel, "role": delivery.role}, system=user is None,
        )
        _after_change(delivery)
    return bool(updated)


def delivery_confirm_sent(*, delivery: Delivery, user) -> Delivery:
    """Staff found the message in the mail log: an unconfirmed e-mail was sent."""
    if delivery.status != D.UNCONFIRMED:
        raise ServiceError("only an e-mail whose sending is unconfirmed can be confirmed", code="not_unconfirmed")
    at = delivery.smtp_commit_at or timezone.now()
    delivery_record_sent(delivery=delivery, user=user, at=at, on=timezone.localdate(at))
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def delivery_retry(*, delivery: Delivery, user, channel: str | None = None) -> Delivery:
    """Send a failed (or unconfirmed) delivery again, by the same or another channel.

    Refused, naming the party and the missing field, if the recipient has no
    address for the channel; the address is read afresh (the contact may
    have been corrected). Only a failed or unconfirmed delivery moves, so a
    double click retries once.
    """
    delivery = Delivery.objects.select_for_update(of=("self",)).select_related("case", "notice", "letter").get(pk=delivery.pk)
    if delivery.status not in (D.FAILED, D.UNCONFIRMED):
        raise ServiceError("only a failed or unconfirmed delivery can be sent again", code="not_failed")
    recipient = recipient_for(delivery.case, delivery.role, channel or None)
    if recipient is None:
        raise ServiceError("the case no longer has this recipient", code="no_recipient")
    require_sendable(recipient)
    delivery.channel = recipient.channel
    delivery.address = recipient.address
    delivery.name = recipient.name
    delivery.status = D.PENDING
    delivery.failure_reason = ""
    delivery.failed_at = None
    delivery.batch = None
    delivery.attempts = 0
    delivery.lease_expires_at = None
    delivery.smtp_commit_at = None
    delivery.save()
    audit.record(
        audit.Action.DELIVERY_UPDATE, actor=user, case=delivery.case_id, obj=delivery,
        detail={"status": D.PENDING, "retry": True, "channel": delivery.channel, "role": delivery.role},
    )
    if delivery.letter_id:
        _reminders_touch(delivery.case_id)
    transaction.on_commit(lambda: dispatch(delivery_ids=[delivery.pk]))
    return delivery


def dispatch(*, delivery_ids=None, document=None) -> int:
    """Send what can go out now: portal deliveries are made available, e-mails
    are handed to the send task. Mail and fax wait for the batch. Idempotent."""
    from ..tasks import send_email

    qs = Delivery.objects.filter(status=D.PENDING, channel__in=[DeliveryChannel.EMAIL, DeliveryChannel.PORTAL])
    if delivery_ids is not None:
        qs = qs.filter(pk__in=delivery_ids)
    if document is not None:
        qs = qs.filter(**({"notice": document} if isinstance(document, Notice) else {"letter": document}))
    count = 0
    for delivery in qs.select_related("notice", "letter", "case"):
        if not _document_ready(delivery):
            continue
        if delivery.channel == DeliveryChannel.PORTAL:
            with transaction.atomic():
                count += delivery_record_sent(delivery=delivery)
        else:
            # Recorded pending first; a broker outage leaves it to the catch-up run (stale_email_ids).
            if not publish(send_email, delivery.pk):
                break
            Delivery.objects.filter(pk=delivery.pk).update(queued_at=timezone.now())
            count += 1
    return count


def deliveries_due(*, today: date | None = None):
    """Deliveries still to go out whose document must be sent by today (or earlier)."""
    today = today or timezone.localdate()
    return Delivery.objects.filter(status__in=[D.PENDING, D.SENDING], send_by__lte=today)


def stale_email_ids(*, older_than_seconds: int, limit: int = 500) -> list[int]:
    """Pending e-mails whose send task was not published recently (lost message, broker down)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        Delivery.objects.filter(status=D.PENDING, channel=DeliveryChannel.EMAIL)
        .filter(Q(queued_at__lt=cutoff) | Q(queued_at__isnull=True))
        .values_list("pk", flat=True)[:limit]
    )
