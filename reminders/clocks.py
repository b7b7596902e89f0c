"""Clock kinds: what a reminder rule can watch ("what" in the rule).

A clock kind turns one case (with the related rows it prefetched) into its
events: each has a key (which instance: this offer, this due date), the due
moment the rule's offset counts from, and the reviewer concerned, if any.
Another app adds a clock (an implementation or an appeal clock, say) by
calling `register(ClockKind(...))` from its AppConfig.ready(); a rule may then
name it in admin, with no migration.

A date deadline falls due at the start of its day (local time): "3 days
before" is 00:00 three days earlier, held to the next working hour; "1 day
after" is the first moment it is overdue.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable

from django.db.models import Prefetch
from django.utils import timezone

from cases import deadlines
from cases.models import Case


@dataclass(frozen=True)
class Event:
    key: str
    due_at: datetime
    reviewer: object | None = None  # the reviewer's User, if a reviewer is concerned


@dataclass(frozen=True)
class ClockKind:
    key: str
    label: str
    # Words for messages: in the app (with the case number) and, counted, in e-mails (no PHI).
    text: str  # "{number}: <text>"; may use {due:%b %d}
    email_label: str  # "2 offers awaiting an answer" -> label for the count
    events: Callable[[Case], list[Event]]
    prefetch: tuple = field(default_factory=tuple)
    email_plural: str = ""  # the label for a count above 1 (defaults to email_label)

    def counted(self, count: int) -> str:
        return self.email_label if count == 1 else (self.email_plural or self.email_label)


CLOCK_KINDS: dict[str, ClockKind] = {}


def register(kind: ClockKind) -> ClockKind:
    CLOCK_KINDS[kind.key] = kind
    return kind


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- prefetched relations (one query each per batch of cases) ----------------------

def _open_assignments_prefetch():
    from reviewers.models import Assignment

    return Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(status__in=Assignment.OPEN_STATUSES).select_related("reviewer__user"),
        to_attr="reminder_open_assignments",
    )


def _failed_letters_prefetch():
    from correspondence.models import Delivery

    return Prefetch(
        "deliveries",
        queryset=Delivery.objects.filter(status=Delivery.Status.FAILED, letter__isnull=False).only(
            "id", "case_id", "failed_at", "status", "letter_id"
        ),
        to_attr="reminder_failed_letters",
    )


def _reviewer(case: Case):
    assignments = getattr(case, "reminder_open_assignments", [])
    return assignments[0].reviewer.user if assignments else None


# --- the clocks ------------------------------------------------------------------

def _offer_events(case: Case) -> list[Event]:
    from reviewers.models import Assignment

    return [
        Event(f"offer:{a.pk}", a.assigned_at, a.reviewer.user)
        for a in getattr(case, "reminder_open_assignments", [])
        if a.status == Assignment.Status.OFFERED
    ]


def _decision_events(case: Case) -> list[Event]:
    if not case.decision_clock_running or case.decision_due_on is None:
        return []
    return [Event(f"decision:{case.decision_due_on.isoformat()}", start_of(case.decision_due_on), _reviewer(case))]


def _records_events(case: Case) -> list[Event]:
    if not case.records_clock_running:
        return []
    return [Event(f"records:{case.records_due_on.isoformat()}", start_of(case.records_due_on))]


def _notice_events(case: Case) -> list[Event]:
    """The notice of assignment goes out within one business day of the
    eligibility finding; due at the end of that day."""
    if case.status != Case.Status.AWAITING_RECORDS or case.assigned_on or not case.eligibility_decided_at:
        return []
    last_day = deadlines.noarfi_due(timezone.localdate(case.eligibility_decided_at))
    return [Event(f"noarfi:{last_day.isoformat()}", start_of(last_day + timedelta(days=1)))]


def _letter_events(case: Case) -> list[Event]:
    return [
        Event(f"letter-delivery:{d.pk}", d.failed_at)
        for d in getattr(case, "reminder_failed_letters", [])
        if d.failed_at
    ]


OFFER_UNANSWERED = register(ClockKind(
    "offer_unanswered", "An offered assignment not answered",
    "the offer of this case to the reviewer has not been answered",
    "offer awaiting an answer", _offer_events, (_open_assignments_prefetch,), "offers awaiting an answer",
))
DECISION_DUE = register(ClockKind(
    "decision_due", "A decision (draft) due",
    "the decision is due on {due:%b %d}",
    "decision due or overdue", _decision_events, (_open_assignments_prefetch,), "decisions due or overdue",
))
RECORDS_DUE = register(ClockKind(
    "records_due", "Records due from the claims administrator",
    "the claims administrator's records were due on {due:%b %d}",
    "records overdue", _records_events,
))
NOTICE_NOT_SENT = register(ClockKind(
    "notice_not_sent", "A notice of assignment not sent within its business day",
    "the notice of assignment was not sent within its business day",
    "notice of assignment not sent", _notice_events, (), "notices of assignment not sent",
))
LETTER_FAILED = register(ClockKind(
    "letter_failed", "A letter delivery failed",
    "a delivery of the determination letter failed",
    "letter delivery failed", _letter_events, (_failed_letters_prefetch,), "letter deliveries failed",
))
