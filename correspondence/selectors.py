"""Reads on correspondence: the case panel, the intake list, the late-records report, the API's views.

Case-scoped reads start from a case the caller already got through
`cases.selectors.case_for_user` (the one access rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from cases import deadlines
from cases.models import Case, CaseDocument, DeliveryChannel, Party, PartyRole, RecordsCategory
from cases.selectors import case_for_user

from .models import Delivery, InformationRequest, MailBatch, Notice, NoticeKind, RecordsCompletion
from .recipients import LETTER_ROLES, recipient_for
from .services.batches import batchable
from .services.distribution import appeal_deadlines

D = Delivery.Status


# --- the case panel --------------------------------------------------------------

def case_deliveries(case: Case):
    return Delivery.objects.filter(case=case).select_related("notice", "letter", "batch", "sent_by").order_by("prepared_at", "id")


def case_timeline(case: Case) -> list[dict]:
    """Each document the case sent, newest first, with its deliveries."""
    deliveries = list(case_deliveries(case))
    groups: dict[tuple, dict] = {}
    for delivery in deliveries:
        key = ("notice", delivery.notice_id) if delivery.notice_id else ("letter", delivery.letter_id)
        group = groups.setdefault(key, {"document": delivery.document, "label": delivery.document_label, "deliveries": [],
                                        "prepared_at": delivery.prepared_at, "kind": key[0]})
        group["deliveries"].append(delivery)
    # Notices whose deliveries are all gone cannot exist; notices not yet with deliveries can (none).
    for notice in Notice.objects.filter(case=case).exclude(pk__in=[k[1] for k in groups if k[0] == "notice"]):
        groups[("notice", notice.pk)] = {"document": notice, "label": notice.get_kind_display(), "deliveries": [],
                                         "prepared_at": notice.created_at, "kind": "notice"}
    return sorted(groups.values(), key=lambda g: g["prepared_at"], reverse=True)


@dataclass
class CategoryRow:
    code: str
    label: str
    documents: list = field(default_factory=list)
    first_received_on: date | None = None
    late: bool = False


@dataclass
class RecordsChecklist:
    due_on: date | None
    categories: list[CategoryRow]
    others: list  # documents from other parties, or not classified
    missing: list[str]
    complete_from_claims_administrator_on: date | None
    days_late: int
    penalty: int
    completion: RecordsCompletion | None


def penalty_for(days_late: int) -> int:
    """8 CCR 9792.12(c)(6): per day late, up to the cap (settings)."""
    return min(days_late * settings.IMR_LATE_RECORDS_PENALTY_PER_DAY, settings.IMR_LATE_RECORDS_PENALTY_CAP)


def _received_on(doc: CaseDocument) -> date | None:
    return timezone.localdate(doc.received_at) if doc.received_at else doc.received_on


def records_checklist(case: Case, documents=None, today: date | None = None) -> RecordsChecklist:
    """Per required category (A-D): what the claims administrator sent and when; late ones flagged."""
    today = today or timezone.localdate()
    documents = list(documents if documents is not None else case.documents.all())
    due = case.records_due_on
    rows = {c.value: CategoryRow(code=c.value, label=c.label) for c in RecordsCategory}
    others = []
    for doc in documents:
        if doc.received_from == PartyRole.CLAIMS_ADMINISTRATOR and doc.records_category in rows:
            row = rows[doc.records_category]
            row.documents.append(doc)
            received = _received_on(doc)
            if received and (row.first_received_on is None or received < row.first_received_on):
                row.first_received_on = received
        elif doc.received_from:
            others.append(doc)
    for row in rows.values():
        # Late: arrived after the due date, or still missing once it passed.
        row.late = bool(due and (row.first_received_on or today) > due)
    missing = [code for code, row in rows.items() if row.first_received_on is None]
    complete_on = None if missing else max(row.first_received_on for row in rows.values())
    completion = RecordsCompletion.objects.filter(case=case).first()
    end = _late_until(case, complete_on, completion, rows, today)
    days_late = deadlines.records_days_late(due_on=due, received_on=end, today=today) if due else 0
    return RecordsChecklist(
        due_on=due, categories=list(rows.values()), others=others, missing=missing,
        complete_from_claims_administrator_on=complete_on, days_late=days_late, penalty=penalty_for(days_late), completion=completion,
    )


def _late_until(case, complete_on, completion, rows, today):
    """The day the claims administrator stopped owing records: all four categories
    in, or the day staff declared the file complete; otherwise still owed (today)."""
    if complete_on:
        return complete_on
    if completion is not None and completion.basis == RecordsCompletion.Basis.CHECKLIST:
        received = [row.first_received_on for row in rows.values() if row.first_received_on]
        return max([completion.on, *received]) if received else completion.on
    return None  # missing: counted to today


def case_contacts(case: Case) -> list[dict]:
    """Each recipient with its contact fields and whether its preferred channel can be used."""
    rows = []
    for role in LETTER_ROLES:
        r = recipient_for(case, role)
        if r is None:
            continue
        rows.append({"role": role, "role_label": r.role_label, "party": r.party, "recipient": r})
    return rows


def case_information_requests(case: Case):
    return InformationRequest.objects.filter(case=case).select_related("answer_document").prefetch_related("notices")


def case_panel(case: Case, *, today: date | None = None) -> dict:
    """Everything the case page's correspondence panel shows, in a fixed number of queries."""
    today = today or timezone.localdate()
    timeline = case_timeline(case)
    letter_deliveries = [d for g in timeline if g["kind"] == "letter" for d in g["deliveries"]]
    noarfi = next((g["document"] for g in timeline if g["kind"] == "notice" and g["document"].kind == NoticeKind.NOARFI), None)
    return {
        "timeline": timeline,
        "noarfi": noarfi,
        "noarfi_due": deadlines.noarfi_due(timezone.localdate(case.eligibility_decided_at)) if case.eligibility_decided_at else None,
        "appeals": appeal_deadlines(letter_deliveries),
        "checklist": records_checklist(case, today=today),
        "contacts": case_contacts(case),
        "requests": list(case_information_requests(case)),
        "today": today,
    }


# --- the intake list -------------------------------------------------------------

def outgoing():
    """Deliveries still to go out, the most urgent first (late, due today, then later)."""
    return (
        Delivery.objects.filter(status__in=[D.PENDING, D.SENDING])
        .select_related("case", "notice", "letter", "batch")
        .order_by("send_by", "case__number", "id")
    )


def due_by_count(*, today: date | None = None) -> int:
    """How many must leave today (or are late)."""
    today = today or timezone.localdate()
    return Delivery.objects.filter(status__in=[D.PENDING, D.SENDING], send_by__lte=today).count()


def failures():
    """What needs staff: failed or unconfirmed deliveries, notices and batches that failed to render."""
    return {
        "deliveries": Delivery.objects.filter(status__in=[D.FAILED, D.UNCONFIRMED]).select_related("case", "notice", "letter")
        .order_by("-failed_at", "-id")[:200],
        "notices": Notice.objects.filter(status=Notice.Status.FAILED).select_related("case").order_by("-created_at")[:100],
        "batches": MailBatch.objects.filter(status=MailBatch.Status.FAILED).order_by("-batch_date")[:20],
    }


def recent_batches(limit: int = 10):
    return MailBatch.objects.select_related("prepared_by", "mailed_by").annotate(items=Count("deliveries")).order_by("-batch_date", "-number")[:limit]


def printable_count() -> int:
    return batchable().count()


# --- late records (Order to Show Cause referrals) --------------------------------

@dataclass
class LateCase:
    case: Case
    due_on: date
    received_on: date | None
    days_late: int
    penalty: int
    missing: list[str]


def late_records(*, today: date | None = None) -> list[LateCase]:
    """Cases whose claims administrator's records came (or are) late, with the penalty exposure."""
    today = today or timezone.localdate()
    cases = (
        Case.objects.filter(records_due_on__lt=today)
        .exclude(status__in=[Case.Status.WITHDRAWN, Case.Status.TERMINATED, Case.Status.INELIGIBLE])
        .select_related("claims_administrator")
        .order_by("claims_administrator__name", "records_due_on", "number")
    )
    documents: dict[int, list] = {}
    for doc in CaseDocument.objects.filter(case__in=cases, received_from=PartyRole.CLAIMS_ADMINISTRATOR).exclude(records_category=""):
        documents.setdefault(doc.case_id, []).append(doc)
    completions = {c.case_id: c for c in RecordsCompletion.objects.filter(case__in=cases)}
    late = []
    for case in cases:
        rows = {c.value: CategoryRow(code=c.value, label=c.label) for c in RecordsCategory}
        for doc in documents.get(case.pk, []):
            row = rows[doc.records_category]
            received = _received_on(doc)
            if received and (row.first_received_on is None or received < row.first_received_on):
                row.first_received_on = received
        missing = [code for code, row in rows.items() if row.first_received_on is None]
        complete_on = None if missing else max(row.first_received_on for row in rows.values())
        end = _late_until(case, complete_on, completions.get(case.pk), rows, today)
        days = deadlines.records_days_late(due_on=case.records_due_on, received_on=end, today=today)
        if days > 0:
            late.append(LateCase(case=case, due_on=case.records_due_on, received_on=end, days_late=days, penalty=penalty_for(days), missing=missing))
    return late


def late_records_by_administrator(late: list[LateCase]) -> list[dict]:
    groups: dict[int, dict] = {}
    for row in late:
        ca = row.case.claims_administrator
        group = groups.setdefault(ca.pk, {"administrator": ca, "cases": [], "days": 0, "penalty": 0})
        group["cases"].append(row)
        group["days"] += row.days_late
        group["penalty"] += row.penalty
    return sorted(groups.values(), key=lambda g: (-g["penalty"], g["administrator"].name))


# --- for the claims administrators' API (issue 13) -------------------------------

def notices_for_claims_administrator(*, party: Party, day: date | None = None, unacknowledged: bool = False, kinds=None):
    """Notices addressed to a claims-administrator organization, as deliveries:
    those sent (or made available) on `day`, optionally only the unacknowledged."""
    qs = Delivery.objects.filter(party=party, role=PartyRole.CLAIMS_ADMINISTRATOR, notice__isnull=False, notice__status=Notice.Status.READY)
    qs = qs.filter(status__in=Delivery.DONE)
    if day is not None:
        qs = qs.filter(sent_on=day)
    if unacknowledged:
        qs = qs.filter(acknowledged_at__isnull=True)
    if kinds:
        qs = qs.filter(notice__kind__in=kinds)
    return qs.select_related("case", "notice").order_by("sent_on", "case__number", "id")


# --- documents a user may open -----------------------------------------------------

def notice_for_user(user, *, number: str, pk: int) -> Notice:
    case = case_for_user(user, number)
    notice = Notice.objects.filter(pk=pk, case=case).first()
    if notice is None:
        from accounts import audit

        audit.denied(case=case, object_type="correspondence.notice", object_id=pk, reason="no_such_notice")
        raise Http404("No such notice")
    return notice


def delivery_by_token(user, token) -> Delivery:
    """The delivery an e-mail links to, if the signed-in user may see its case (404 otherwise)."""
    delivery = Delivery.objects.filter(token=token).select_related("case", "notice", "letter").first()
    if delivery is None:
        raise Http404("No such document")
    case_for_user(user, delivery.case.number)
    return delivery


def channel_choices():
    return DeliveryChannel.choices


def open_requests_count(case: Case) -> int:
    return InformationRequest.objects.filter(case=case, status=InformationRequest.Status.OPEN).count()

