"""Reads: the appeal window from the recorded service, and where a case stands."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone

from cases import deadlines
from cases.models import Case, DeliveryChannel

from .models import Appeal, Remand


def decision_kind(case: Case) -> str | None:
    """Which decision of the case can be appealed: its Final Determination or its ineligibility."""
    if case.status == Case.Status.DECIDED:
        return Appeal.Decision.DETERMINATION
    if case.status == Case.Status.INELIGIBLE:
        return Appeal.Decision.INELIGIBILITY
    return None


def served_deliveries(case: Case) -> list:
    """The recorded sendings of the appealable decision to each party, earliest first (one query)."""
    from correspondence.models import Delivery, NoticeKind
    from determinations.models import Determination

    kind = decision_kind(case)
    if kind is None:
        return []
    qs = Delivery.objects.filter(case=case, status__in=Delivery.DONE, sent_on__isnull=False)
    if kind == Appeal.Decision.DETERMINATION:
        qs = qs.filter(letter__isnull=False, letter__determination__status=Determination.Status.FINAL)
    else:
        qs = qs.filter(notice__kind=NoticeKind.INELIGIBLE)
    return list(qs.order_by("sent_on", "id"))


@dataclass
class Service:
    served_on: date
    by_mail: bool
    deadline: date
    role: str


def _service(delivery) -> Service:
    by_mail = delivery.channel == DeliveryChannel.MAIL
    return Service(delivery.sent_on, by_mail, deadlines.appeal_deadline(served_on=delivery.sent_on, by_mail=by_mail), delivery.role)


def service_for(case: Case, petitioner: str, deliveries: list | None = None) -> Service | None:
    """The service the petitioner's 30 days (+ the mail extension) run from:
    their own delivery; an attorney's, else the employee's; else the earliest
    recorded service of the decision. None while it has not been served."""
    deliveries = served_deliveries(case) if deliveries is None else deliveries
    by_role: dict[str, object] = {}
    for delivery in deliveries:
        by_role.setdefault(delivery.role, delivery)
    for role in (petitioner, "employee" if petitioner == "attorney" else None):
        if role and role in by_role:
            return _service(by_role[role])
    return _service(deliveries[0]) if deliveries else None


@dataclass
class Standing:
    """Where the case stands after its decision."""

    label: str
    final: bool = False
    window_closes: date | None = None
    appeals: list[Appeal] = field(default_factory=list)
    remand: Remand | None = None  # this case's decision reversed: its new review
    remand_of: Remand | None = None  # this case is the new review of another


CLOSED = (Appeal.Outcome.AFFIRMED, Appeal.Outcome.DISMISSED, Appeal.Outcome.WITHDRAWN)


def case_standing(case: Case, *, today: date | None = None) -> Standing:
    """Open to appeal until the last party's window closes; "final" once it
    closed with no appeal pending or successful (a fixed number of queries)."""
    today = today or timezone.localdate()
    remand = remand_of = None
    for row in Remand.objects.filter(Q(original_case=case) | Q(new_case=case)).select_related("original_case", "new_case"):
        if row.original_case_id == case.pk:
            remand = row
        else:
            remand_of = row
    kind = decision_kind(case)
    if kind is None:  # nothing to appeal yet (a remand's own review runs)
        return Standing("Not decided", remand=remand, remand_of=remand_of)
    appeals = list(Appeal.objects.filter(case=case).order_by("filed_on", "id"))
    deliveries = served_deliveries(case)
    closes = max((_service(d).deadline for d in deliveries), default=None)
    standing = Standing("", window_closes=closes, appeals=appeals, remand=remand, remand_of=remand_of)
    if remand is not None:
        standing.label = f"Reversed by the WCAB: remanded as {remand.new_case.number}"
    elif any(a.outcome == Appeal.Outcome.PENDING for a in appeals):
        standing.label = "Appealed: pending before the WCAB"
    elif closes is None:
        standing.label = "Not yet served: the appeal window has not started"
    elif today <= closes:
        standing.label = f"Open to appeal until {closes:%b} {closes.day}, {closes.year}"
    else:
        standing.final = True
        standing.label = "Final: no appeal was filed in time" if not appeals else "Final: every appeal ended without reversal"
    return standing
