"""What a claims administrator acknowledges (the API, issue 13): the notices of a day."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts import audit
from cases.models import Party, PartyRole

from ..models import Delivery, NoticeKind


@transaction.atomic
def deliveries_acknowledge(*, party: Party, day: date, kind: str = NoticeKind.NOARFI, user=None) -> int:
    """The claims administrator acknowledges the notices of `kind` sent to it on `day`.

    Each one becomes delivered (if sent) and acknowledged; acknowledging a
    day twice changes nothing the second time. Returns how many were acknowledged now.
    """
    now = timezone.now()
    rows = list(
        Delivery.objects.select_for_update(of=("self",))
        .filter(party=party, role=PartyRole.CLAIMS_ADMINISTRATOR, notice__kind=kind, sent_on=day, acknowledged_at__isnull=True,
                status__in=Delivery.DONE)
        .values_list("pk", "case_id")
    )
    if not rows:
        return 0
    Delivery.objects.filter(pk__in=[pk for pk, _ in rows]).update(acknowledged_at=now, delivered_at=now, status=Delivery.Status.DELIVERED)
    for pk, case_id in rows:
        audit.record(audit.Action.DELIVERY_UPDATE, actor=user, case=case_id, object_type="correspondence.delivery", object_id=pk,
                     detail={"status": "delivered", "acknowledged": True})
    return len(rows)
