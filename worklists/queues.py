"""The work queues: each is a named condition on cases that the case list
understands as `?queue=<key>` and the home page counts.

One definition per queue, used by both: the list opens exactly the cases
counted. Conditions are Q objects on `Case`, evaluated for one "today".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q

from cases.models import Case
from cases.permissions import ASSIGNABLE
from reviewers.models import Assignment

S = Case.Status
DUE_SOON_DAYS = 3


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    help: str
    urgent: bool = False  # shown with the warning style when it holds cases


def _noarfi_due(today: date) -> Q:
    from correspondence.models import Delivery, NoticeKind

    pending = Delivery.objects.filter(
        notice__kind=NoticeKind.NOARFI, status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING], send_by__lte=today
    ).values("case_id")
    return Q(pk__in=pending)


def _letters_failed(today: date) -> Q:
    from correspondence.models import Delivery
    from determinations.models import Letter

    renders = Letter.objects.filter(status=Letter.Status.FAILED).order_by().values("determination__case_id")
    sends = Delivery.objects.filter(letter__isnull=False, status=Delivery.Status.FAILED).order_by().values("case_id")
    # One IN over a UNION: an OR of two IN subqueries makes PostgreSQL test every case.
    return Q(pk__in=renders.union(sends))


def _ready_to_assign(today: date) -> Q:
    open_assignment = Assignment.objects.filter(case=OuterRef("pk"), status__in=Assignment.OPEN_STATUSES)
    return Q(status__in=ASSIGNABLE) & ~Q(Exists(open_assignment))


def _offers_unanswered(today: date) -> Q:
    # A row per unanswered offer (a case with an additional reviewer approved may hold two at once), joined
    # so that its list reads oldest offer first off the offers' own index (QUEUE_ORDERS) and stops at a page.
    return Q(assignments__status=Assignment.Status.OFFERED)


def _records_overdue(today: date) -> Q:
    return Q(status__in=[S.AWAITING_RECORDS, S.IN_REVIEW], records_complete_on__isnull=True, records_due_on__lt=today)


def _decisions_due_soon(today: date) -> Q:
    # While the decision clock runs (records complete, in review or not) the case's next deadline is its
    # decision's (cases.services.status._apply_deadlines): the condition on `due_on` lets the list, in
    # next-deadline order, read the range off an index in that order (case_decisions_due_idx) and stop at a page.
    return Q(
        status__in=Case.DECISION_CLOCK_STATUSES,
        records_complete_on__isnull=False,
        due_on__gte=today,
        due_on__lte=today + timedelta(days=DUE_SOON_DAYS),
    )


INTAKE_QUEUES = [
    Queue("ready_to_screen", "Ready to screen", "Applications received, eligibility not yet decided."),
    Queue("noarfi_due", "NOARFI due today", "Notices of assignment not yet sent whose last day is today (or has passed).", urgent=True),
    Queue("records_overdue", "Records overdue", "The claims administrator's records are past due.", urgent=True),
    Queue("ready_to_assign", "Ready to assign", "Eligible cases without a reviewer."),
    Queue("offers_unanswered", "Offers unanswered", "Offered to a reviewer who has not accepted or declined, oldest offer first."),
    Queue("decisions_due", f"Decisions due in {DUE_SOON_DAYS} days", f"Decision deadline today or within {DUE_SOON_DAYS} days."),
    Queue("overdue", "Overdue", "Open cases whose next deadline has passed.", urgent=True),
    Queue("letters_failed", "Letters failed", "A determination letter failed to render or to reach a party.", urgent=True),
]
INTAKE_QUEUE_KEYS = [q.key for q in INTAKE_QUEUES]

_CONDITIONS = {
    "ready_to_screen": lambda today: Q(status=S.RECEIVED),
    "noarfi_due": _noarfi_due,
    "records_overdue": _records_overdue,
    "ready_to_assign": _ready_to_assign,
    "offers_unanswered": _offers_unanswered,
    "decisions_due": _decisions_due_soon,
    "overdue": lambda today: Case.overdue_condition(today),
    "letters_failed": _letters_failed,
}


# A queue whose list has its own order (the case list's sort "queue", its default there): the order a
# person works it in, read off an index of that order however many rows the queue holds (BENCHMARKS.md, 4c).
QUEUE_ORDERS = {
    "offers_unanswered": ("oldest offer first", ("assignments__assigned_at", "assignments__id")),
}
QUEUE_SORT = "queue"


def queue_ordering(key: str) -> tuple | None:
    """The queue's own list order (order_by arguments), or None: the case list's."""
    own = QUEUE_ORDERS.get(key)
    return own[1] if own else None


def queue_order_label(key: str) -> str:
    own = QUEUE_ORDERS.get(key)
    return own[0] if own else ""


def queue_label(key: str) -> str:
    return next((q.label for q in INTAKE_QUEUES if q.key == key), "")


def queue_condition(key: str, today: date) -> Q | None:
    """The condition of the intake queue `key`, or None for an unknown key."""
    build = _CONDITIONS.get(key)
    return build(today) if build else None


def apply_queue(qs, key: str, today: date):
    """`qs` narrowed to the queue (unchanged for an unknown key)."""
    condition = queue_condition(key, today)
    return qs.filter(condition) if condition is not None else qs


# The work queues' tiles (intake home page, reviewer dashboard) count to this many ("100+");
# an intake queue's own list, one click away, counts to the queue cap (1,000,
# imrsite.pagination). A tile says where the work is: past a hundred the next step is the
# same (open the queue, take the most urgent), while counting further on every visit of the
# home page would read rows a person never sees (BENCHMARKS.md).
HOME_COUNT_CAP = 100


def intake_queue_counts(cases, today: date) -> dict:
    """Every intake queue's count over `cases` (the person's visible cases), in one
    query, each stopping at HOME_COUNT_CAP (`determinations.selectors.capped_counts`):
    a count reads at most cap + 1 index entries, so a million cases cost what a
    thousand do."""
    from determinations.selectors import capped_counts

    return capped_counts({key: cases.filter(build(today)) for key, build in _CONDITIONS.items()}, cap=HOME_COUNT_CAP)


# --- the reviewer's own queues ---------------------------------------------------------------

REVIEWER_QUEUES = [
    Queue("offers", "Offers to answer", "Cases offered to you: accept or decline.", urgent=True),
    Queue("drafts_due", f"Drafts due in {DUE_SOON_DAYS} days", f"Accepted cases whose decision is due within {DUE_SOON_DAYS} days."),
    Queue("overdue", "Overdue", "Your open cases past their deadline.", urgent=True),
]
REVIEWER_QUEUE_KEYS = [q.key for q in REVIEWER_QUEUES]


def reviewer_queue_condition(key: str, today: date) -> Q | None:
    """A condition on the reviewer's `Assignment` rows (None for an unknown key)."""
    if key == "offers":
        return Q(status=Assignment.Status.OFFERED)
    if key == "drafts_due":
        # The deadline range is read off the assignment's copy of it (its index); the case's status is checked per row.
        return Q(
            status=Assignment.Status.ACCEPTED,
            queue_due_on__gte=today,
            queue_due_on__lte=today + timedelta(days=DUE_SOON_DAYS),
            case__status__in=[S.RECORDS_COMPLETE, S.IN_REVIEW],
        )
    if key == "overdue":
        return Assignment.overdue_condition(today)
    return None


def reviewer_queue_counts(reviewer, today: date) -> dict[str, int]:
    """The reviewer's three queues' counts, in one query, each stopping at the tiles'
    cap ("100+", as on the intake home page), so a very large queue costs what a short one does."""
    from determinations.selectors import capped_counts

    mine = Assignment.objects.filter(reviewer=reviewer)
    return capped_counts({key: mine.filter(reviewer_queue_condition(key, today)) for key in REVIEWER_QUEUE_KEYS},
                         cap=HOME_COUNT_CAP)
