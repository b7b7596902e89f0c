"""The daily mail batch: print all mail and fax of the day as one PDF, then mark it mailed.

Preparing a batch takes every pending mail or fax delivery whose document is
ready and that is in no batch yet (under row locks, so two clicks cannot put
one delivery in two batches; the second finds nothing left and is refused).
The engine renders the print file: per delivery, a cover/separator sheet with
the case number as a Code 128 barcode, then the document. Marking the batch
mailed records every delivery in it sent on that date by that user, once.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts import audit
from cases.models import DeliveryChannel
from imrsite import pipeline
from imrsite.errors import ServiceError

from .. import rendering
from ..documents import MAIL_BATCH
from ..models import Delivery, MailBatch
from .deliveries import delivery_record_sent

D = Delivery.Status
PAPER = (DeliveryChannel.MAIL, DeliveryChannel.FAX)


def _ordered(deliveries):
    return deliveries.select_related("case", "notice", "letter").order_by("case__number", "prepared_at", "id")


def batchable():
    """Mail and fax deliveries ready to print: pending, document ready, not in a batch."""
    return Delivery.objects.filter(status=D.PENDING, channel__in=PAPER, batch__isnull=True).filter(
        Q(notice__status="ready") | Q(letter__status="ready")
    )


@transaction.atomic
def mail_batch_prepare(*, user, today: date | None = None) -> MailBatch:
    """A new batch of everything printable now; refused when there is nothing to print."""
    today = today or timezone.localdate()
    # Lock the candidates: a concurrent prepare waits here, then finds them taken.
    ids = list(
        Delivery.objects.select_for_update().filter(pk__in=batchable().values("pk")).order_by("pk").values_list("pk", flat=True)
    )
    ids = list(Delivery.objects.filter(pk__in=ids, batch__isnull=True, status=D.PENDING).values_list("pk", flat=True))
    if not ids:
        raise ServiceError("nothing to print: no mail or fax is waiting with its document ready", code="nothing_to_print")
    number = (MailBatch.objects.filter(batch_date=today).aggregate(n=Max("number"))["n"] or 0) + 1
    batch = MailBatch.objects.create(batch_date=today, number=number, prepared_by=user, queued_at=timezone.now())
    Delivery.objects.filter(pk__in=ids).update(batch=batch)
    audit.record(audit.Action.MAIL_BATCH, actor=user, obj=batch, detail={"step": "prepared", "deliveries": len(ids)})
    pipeline.publish_on_commit(MAIL_BATCH, [batch.pk])
    return batch


def batch_render(batch: MailBatch) -> pipeline.RenderedPDF:
    """The batch's print file (called by the engine): cover sheet + document per delivery."""
    from .documents_read import document_bytes

    deliveries = list(_ordered(batch.deliveries.all()))
    if not deliveries:
        raise ValueError("the batch has no deliveries")
    return rendering.batch_pdf(deliveries, [document_bytes(d) for d in deliveries])


@transaction.atomic
def mail_batch_mark_mailed(*, batch: MailBatch, user, on: date | None = None) -> MailBatch:
    """Record the batch mailed (and faxed): each delivery in it is sent on `on`."""
    batch = MailBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.is_mailed:
        return batch  # a second click: already recorded
    if batch.status != MailBatch.Status.READY:
        raise ServiceError("print the batch first: its file is not ready", code="batch_not_ready")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ServiceError("cannot be in the future", field="on", code="future_date")
    if on < batch.batch_date:
        raise ServiceError("cannot be before the batch was prepared", field="on")
    now = timezone.now()
    batch.mailed_on, batch.mailed_at, batch.mailed_by = on, now, user
    batch.save(update_fields=["mailed_on", "mailed_at", "mailed_by"])
    sent = 0
    for delivery in _ordered(batch.deliveries.filter(status=D.PENDING)):
        sent += delivery_record_sent(delivery=delivery, on=on, user=user, at=now)
    audit.record(audit.Action.MAIL_BATCH, actor=user, obj=batch, detail={"step": "mailed", "on": on.isoformat(), "deliveries": sent})
    return batch


def mail_batch_retry(*, batch: MailBatch, user) -> MailBatch:
    """Render a batch whose print file failed again."""
    if batch.status != MailBatch.Status.FAILED:
        raise ServiceError("only a batch whose file failed can be printed again", code="not_failed")
    with transaction.atomic():
        if pipeline.requeue(MAIL_BATCH, pk=batch.pk):
            audit.record(audit.Action.MAIL_BATCH, actor=user, obj=batch, detail={"step": "retry"})
    batch.refresh_from_db()
    return batch
