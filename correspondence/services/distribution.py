"""Distribution of the Final Determination Letter: one delivery per recipient.

When a determination's parties' letter is first ready, each recipient
(employee, attorney, requesting physician, employer, claims administrator
and the Administrative Director) gets its own delivery of it, sent like any
notice (e-mail and portal at once, mail and fax in the day's batch). A
re-rendered version of the same determination is not sent again; a
correction's letter (a new determination) is distributed as a new one.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings

from django.db import transaction
from django.utils import timezone

from accounts import audit
from cases import deadlines
from cases.models import DeliveryChannel
from determinations.models import Determination, Letter

from ..models import Delivery
from ..recipients import LETTER_ROLES, recipients_for
from .deliveries import deliveries_prepare


@transaction.atomic
def letter_distribute(*, letter: Letter, today: date | None = None) -> list[Delivery]:
    """Deliveries of a ready parties' letter to every recipient, once per determination."""
    determination = Determination.objects.select_for_update().select_related("case").get(pk=letter.determination_id)
    letter = Letter.objects.get(pk=letter.pk)
    if letter.variant != Letter.Variant.PARTIES or letter.status != Letter.Status.READY:
        return []
    if determination.status != Determination.Status.FINAL:
        return []  # superseded by a correction: its letter is distributed instead
    today = today or timezone.localdate()
    if determination.decided_on and determination.decided_on < today - timedelta(days=settings.IMR_CORRESPONDENCE_CATCH_UP_DAYS):
        return []  # an imported or historical decision: its letter went out before this system
    if Delivery.objects.filter(letter__determination=determination).exists():
        return []
    case = determination.case
    made = deliveries_prepare(
        case=case, letter=letter, recipients=recipients_for(case, LETTER_ROLES), send_by=today
    )
    audit.record(
        audit.Action.DELIVERY_UPDATE, case=case, obj=letter, detail={"step": "distribution prepared", "deliveries": len(made)},
        system=True,
    )
    return made


def distributions_catch_up(*, limit: int = 200) -> list[int]:
    """Ready parties' letters of final determinations that no delivery carries yet (a lost signal)."""
    letters = (
        Letter.objects.filter(variant=Letter.Variant.PARTIES, status=Letter.Status.READY, determination__status=Determination.Status.FINAL)
        .exclude(determination__letters__deliveries__isnull=False)
        .order_by("determination_id", "version")
    )
    done, seen = [], set()
    for letter in letters[:limit]:
        if letter.determination_id in seen:
            continue
        seen.add(letter.determination_id)
        if letter_distribute(letter=letter):
            done.append(letter.pk)
    return done


def appeal_deadlines(deliveries) -> list[dict]:
    """Per recipient of the letter: the last day to appeal, from its recorded service."""
    rows = []
    for delivery in deliveries:
        if not delivery.letter_id or delivery.sent_on is None:
            continue
        rows.append({
            "delivery": delivery,
            "served_on": delivery.sent_on,
            "by_mail": delivery.channel == DeliveryChannel.MAIL,
            "deadline": deadlines.appeal_deadline(served_on=delivery.sent_on, by_mail=delivery.channel == DeliveryChannel.MAIL),
        })
    return rows
