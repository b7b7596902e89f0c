"""Demo correspondence (`seed_demo`): contacts for every party, and each demo case's
notices and letter distribution as they would have gone out, on their dates.

The seed case's NOARFI went by mail on its assignment date and its Final
Determination Letter on its decision date; each open demo case's NOARFI on
its notice date; the ineligible case's notice on the day it was screened.
Everything goes through the services; running it again adds nothing.
"""

from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.models import Case, DeliveryChannel, PartyRole
from determinations.models import Determination, Letter

from . import content as notice_content
from . import services
from .models import Delivery, Notice, NoticeKind
from .recipients import LETTER_ROLES, recipients_for
from .services.deliveries import deliveries_prepare
from .services.notices import _issue

# Parties reached otherwise than by mail in the demo (the rest: mail).
DEMO_CHANNELS = {
    "Golden State Claims Services": DeliveryChannel.PORTAL,
    "Redwood Mutual Insurance Company": DeliveryChannel.EMAIL,
    "Coastal Risk Services": DeliveryChannel.FAX,
}


def _contacts(case: Case) -> None:
    for n, role in enumerate(("employee", "attorney", "requesting_provider", "employer", "claims_administrator")):
        party = getattr(case, role)
        if party is None:
            continue
        changed = False
        if not party.address:
            party.address = f"{120 + 7 * party.pk} {['Oak', 'Cedar', 'Market', 'Harbor', 'Mission'][n]} Street, Suite {100 + n}\nSacramento, CA 958{10 + party.pk % 80}"
            changed = True
        if not party.email and role != "employee":
            slug = "".join(ch for ch in party.name.lower() if ch.isalnum())[:20] or "party"
            party.email = f"notices@{slug}.example.org"
            party.fax = party.fax or f"916-555-{1000 + party.pk:04d}"
            changed = True
        channel = DEMO_CHANNELS.get(party.name)
        if channel and party.preferred_channel != channel:
            party.preferred_channel = channel
            changed = True
        if changed:
            party.save()


def _send_all(deliveries, *, on: date, user) -> None:
    at = timezone.make_aware(datetime.combine(on, time(16, 0)))
    for delivery in deliveries:
        if delivery.status == Delivery.Status.PENDING:
            services.delivery_record_sent(delivery=delivery, on=on, at=at, user=user)


def _historical_notice(case: Case, *, kind: str, on: date, user) -> Notice | None:
    if Notice.objects.filter(case=case, kind=kind).exists():
        return None
    if kind == NoticeKind.NOARFI:
        ca = recipients_for(case, [PartyRole.CLAIMS_ADMINISTRATOR])[0]
        content = notice_content.noarfi_content(case, issued_on=on, electronic_to_claims_administrator=ca.channel in settings.IMR_ELECTRONIC_CHANNELS)
    else:
        content = notice_content.ineligible_content(case, issued_on=on)
    notice = _issue(case=case, kind=kind, roles=LETTER_ROLES[:-1], content=content, send_by=on, issued_on=on, requested_by=user)
    _send_all(list(notice.deliveries.all()), on=on, user=user)
    return notice


def _historical_distribution(case: Case, *, user) -> None:
    determination = case.determinations.filter(status=Determination.Status.FINAL).first()
    if determination is None or Delivery.objects.filter(letter__determination=determination).exists():
        return
    letter = determination.letters.filter(variant=Letter.Variant.PARTIES).order_by("version").first()
    if letter is None:
        return
    made = deliveries_prepare(case=case, letter=letter, recipients=recipients_for(case, LETTER_ROLES), send_by=determination.decided_on)
    _send_all(made, on=determination.decided_on, user=user)


def seed_demo_correspondence(*, users: dict) -> int:
    """Contacts and past correspondence of every demo case; returns how many notices it made."""
    made = 0
    intake = users.get("intake")
    for case in Case.objects.select_related("employee", "attorney", "requesting_provider", "employer", "claims_administrator").order_by("pk"):
        with transaction.atomic():
            _contacts(case)
            if case.assigned_on:
                made += bool(_historical_notice(case, kind=NoticeKind.NOARFI, on=case.assigned_on, user=intake))
            elif case.status == Case.Status.INELIGIBLE and case.eligibility_decided_at:
                on = timezone.localdate(case.eligibility_decided_at)
                made += bool(_historical_notice(case, kind=NoticeKind.INELIGIBLE, on=on, user=intake))
            _historical_distribution(case, user=intake)
    return made
