"""Builders shared by the implementation and appeals tests: a decided case and its recorded service."""

from datetime import date, datetime, time

from django.utils import timezone

from cases.models import DeliveryChannel, PartyRole
from correspondence.models import Delivery
from determinations import services as determination_services
from determinations.models import Letter
from determinations.tests.letters_helpers import draft_case


def decided_case(outcomes=("overturned", "upheld"), *, reviewer=None):
    """A case decided today by its reviewer with one item per outcome, and its parties' letter (not distributed)."""
    descriptions = [f"Disputed treatment {i + 1}" for i in range(len(outcomes))]
    determination = draft_case(items=descriptions, reviewer=reviewer)
    for row, outcome in zip(determination.decisions.order_by("item__position"), outcomes):
        row.decision = outcome
        row.save(update_fields=["decision"])
    determination_services.determination_finalize(
        determination=determination, user=determination.reviewer.user, request_letters=False
    )
    letter = Letter.objects.create(
        determination=determination, variant=Letter.Variant.PARTIES, status=Letter.Status.READY, sha256="0" * 64
    )
    case = determination.case
    case.refresh_from_db()
    return case, letter


def serve(case, letter, *, on: date, role=PartyRole.CLAIMS_ADMINISTRATOR, channel=DeliveryChannel.MAIL, delivered_on=None):
    """A recorded sending of the letter to one party (the distribution's own delivery, when it prepared one)."""
    delivery, _ = Delivery.objects.update_or_create(letter=letter, role=role, defaults=dict(
        case=case, name=f"{role} of {case.number}", channel=channel,
        status=Delivery.Status.DELIVERED if delivered_on else Delivery.Status.SENT, send_by=on, sent_on=on,
        delivered_at=timezone.make_aware(datetime.combine(delivered_on, time(12))) if delivered_on else None,
    ))
    return delivery
