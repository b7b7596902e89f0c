"""Reads for the review side: a reviewer's queue and their determination of a case."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import Case, DisputedItem

# Who sees which case lives in cases.visibility; the review views find these names here too.
from cases.visibility import (  # noqa: F401  (re-exported)
    REVIEWER_ACCESS_STATUSES,
    reviewer_assignment,
    reviewer_case_file_cases,
    reviewer_cases,
)
from reviewers.models import Assignment, Reviewer

from .models import Determination, Guideline, ItemDecision, outcome_label


@dataclass
class QueueRow:
    assignment: Assignment
    case: Case
    determination_status: str  # "", "draft" or "final"
    item_count: int
    overdue: bool
    days_left: int | None  # to the decision deadline; negative when overdue
    correction: bool = False  # the reviewer's open work is the correction of a final determination

    @property
    def state(self) -> str:
        return self.assignment.status

    @property
    def overdue_days(self) -> int:
        return -self.days_left if self.overdue and self.days_left is not None else 0


# The dashboard counts at most this many rows of each kind (then shows "1,000+"):
# a reviewer acts on the 50 most urgent rows listed, and a count above a thousand
# changes nothing they do, while counting every row of a very large queue would
# make the page grow with it (BENCHMARKS.md).
COUNT_CAP = 1000


class CappedCount(int):
    """A count that stopped at `COUNT_CAP`: shows as "1,000+" above it."""

    capped = False

    def __new__(cls, value: int, cap: int = COUNT_CAP):
        count = super().__new__(cls, min(value, cap))
        count.capped = value > cap
        return count

    def __str__(self):
        return f"{int(self):,}+" if self.capped else f"{int(self):,}"

    def __add__(self, other):
        total = CappedCount(int(self) + int(other), cap=10**12)
        total.capped = self.capped or getattr(other, "capped", False)
        return total

    __radd__ = __add__


def capped_counts(querysets: dict, cap: int = COUNT_CAP) -> dict[str, CappedCount]:
    """Each queryset's row count up to `cap` (+1 to know it was exceeded), all in
    one query: `SELECT (SELECT COUNT(*) FROM (… LIMIT cap + 1)), …`, so each
    count reads at most cap + 1 index entries, however many rows match."""
    from django.db import connection

    parts, params = [], []
    for qs in querysets.values():
        sql, part_params = qs.order_by().values("pk")[: cap + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {name: CappedCount(value, cap) for name, value in zip(querysets, row)}


@dataclass
class ReviewerQueue:
    rows: list[QueueRow] = field(default_factory=list)
    to_accept: int = 0
    in_progress: int = 0
    finalized_this_month: int = 0
    overdue: int = 0
    next_after: str = ""  # the key of the next page ("" on the last page)
    after: str = ""  # the key this page starts after ("" on the first page)

    @property
    def total(self) -> int:
        """Every row the queue holds; `rows` is one page of it (QUEUE_LIMIT), most urgent first."""
        return self.to_accept + self.in_progress + self.finalized_this_month


# The dashboard shows this many rows a page, most urgent first; the counts cover all.
QUEUE_LIMIT = 50


@dataclass(frozen=True)
class QueueKey:
    """Where a page of the reviewer's queue ends: open work is ordered by
    (decision deadline, assignment id), finished work after it by (decision
    date descending, id descending). As text: "o2026-12-04.123" / "d2026-11-30.99"."""

    finished: bool
    on: date
    pk: int

    def __str__(self):
        return f"{'d' if self.finished else 'o'}{self.on.isoformat()}.{self.pk}"

    @classmethod
    def parse(cls, text: str) -> "QueueKey | None":
        """None for anything but a well-formed key (a bad link shows the first page)."""
        try:
            kind, rest = text[0], text[1:]
            on, pk = rest.split(".")
            if kind not in "od":
                return None
            return cls(finished=kind == "d", on=date.fromisoformat(on), pk=int(pk))
        except (ValueError, IndexError):
            return None

    @classmethod
    def of(cls, assignment: Assignment) -> "QueueKey":
        if assignment.is_open:
            return cls(False, assignment.queue_due_on, assignment.pk)
        return cls(True, assignment.case_decided_on, assignment.pk)


def _after_key(ordered: str, key: QueueKey, descending: bool = False) -> Q:
    """Rows after `key` in (ordered, id) order. The plain range on `ordered` is
    redundant but lets PostgreSQL start the index scan at the key, so a deep page
    costs what the first does."""
    if descending:
        return Q(**{f"{ordered}__lte": key.on}) & (Q(**{f"{ordered}__lt": key.on}) | Q(**{ordered: key.on, "pk__lt": key.pk}))
    return Q(**{f"{ordered}__gte": key.on}) & (Q(**{f"{ordered}__gt": key.on}) | Q(**{ordered: key.on, "pk__gt": key.pk}))


def _page_ids(parts) -> RawSQL:
    """`SELECT pk FROM (part 1) UNION ALL SELECT pk FROM (part 2) …`: each part
    ordered and limited on its own index, so at most limit + 1 rows of each are read."""
    sql, params = [], []
    for i, part in enumerate(parts):
        part_sql, part_params = part.query.sql_with_params()
        sql.append(f"SELECT part{i}.pk FROM ({part_sql}) AS part{i}")
        params.extend(part_params)
    return RawSQL(" UNION ALL ".join(sql), params)


def reviewer_queue(
    *, reviewer: Reviewer, today: date | None = None, limit: int = QUEUE_LIMIT, only: Q | None = None, after: str = "",
) -> ReviewerQueue:
    """The reviewer's dashboard: offered and accepted cases, most urgent first,
    then those completed this month, latest first; one page of `limit` rows after
    the key `after` (`QueueKey`). Two queries whatever the queue's length: the
    counts, then the rows, each read off the assignment's own indexes (the case's
    dates are copied onto it by database triggers: reviewers migration 0006).
    `only` (a condition on the assignment: one of `worklists.queues`' reviewer
    queues) narrows the rows, not the counts."""
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    key = QueueKey.parse(after) if after else None
    mine = Assignment.objects.filter(reviewer=reviewer)
    open_work = mine.filter(status__in=Assignment.OPEN_STATUSES)
    finished = mine.filter(status=Assignment.Status.COMPLETED, case_decided_on__gte=month_start)
    counts = capped_counts({
        "to_accept": mine.filter(status=Assignment.Status.OFFERED),
        "in_progress": mine.filter(status=Assignment.Status.ACCEPTED),
        "finalized_this_month": finished,
        "overdue": open_work.filter(Assignment.overdue_condition(today)),
    })
    queue = ReviewerQueue(**counts, after=str(key) if key else "")
    if only is not None:
        open_work, finished = open_work.filter(only), finished.filter(only)
    if key is not None and key.finished:
        open_work = open_work.none()
        finished = finished.filter(_after_key("case_decided_on", key, descending=True))
    elif key is not None:
        open_work = open_work.filter(_after_key("queue_due_on", key))
    parts = [open_work.order_by("queue_due_on", "pk"), finished.order_by("-case_decided_on", "-pk")]
    parts = [part.values("pk")[: limit + 1] for part in parts if not part.query.is_empty()]
    if not parts:
        return queue
    # Newest version first: a correction's draft before the final it corrects.
    current_determination = (
        Determination.objects.filter(case=OuterRef("case_id"))
        .exclude(status=Determination.Status.SUPERSEDED)
        .order_by("-version")
    )
    # Subqueries rather than a join + GROUP BY: evaluated for the rows shown only.
    item_count = (
        DisputedItem.objects.filter(case=OuterRef("case_id")).order_by().values("case").annotate(n=Count("pk")).values("n")
    )
    rows = sorted(
        Assignment.objects.filter(pk__in=_page_ids(parts)).select_related("case")
        .annotate(
            determination_status=Subquery(current_determination.values("status")[:1]),
            determination_version=Subquery(current_determination.values("version")[:1]),
            item_count=Coalesce(Subquery(item_count), 0),
        ),
        # Open work first, by decision deadline (undated last); finished cases after, latest first.
        key=lambda a: (0, a.queue_due_on.toordinal(), a.pk) if a.is_open else (1, -a.case_decided_on.toordinal(), -a.pk),
    )
    if len(rows) > limit:
        rows = rows[:limit]
        queue.next_after = str(QueueKey.of(rows[-1]))
    for assignment in rows:
        case = assignment.case
        overdue = assignment.is_open and case.is_overdue_on(today)  # the one overdue rule (cases.models)
        # The reviewer's clock is the decision deadline; a decided case (a correction) has none left.
        clock = assignment.is_open and case.status != Case.Status.DECIDED and case.decision_due_on is not None
        queue.rows.append(
            QueueRow(
                assignment=assignment,
                case=case,
                determination_status=assignment.determination_status or "",
                item_count=assignment.item_count,
                overdue=overdue,
                days_left=(case.decision_due_on - today).days if clock else None,
                correction=assignment.is_open and case.status == Case.Status.DECIDED,
            )
        )
    return queue


def current_determination(*, case: Case) -> Determination | None:
    """The version being worked on: a correction's draft, else the final (or first draft)."""
    return case.determinations.exclude(status=Determination.Status.SUPERSEDED).order_by("-version").first()


def final_determination(*, case: Case) -> Determination | None:
    """The case's determination in force: its final version (a correction's, once finalized)."""
    return case.determinations.filter(status=Determination.Status.FINAL).first()


def reviewer_determination(*, case: Case, reviewer: Reviewer) -> Determination | None:
    """The version this reviewer sees on the review pages: the newest they
    wrote (their correction's draft before their final). A correction given
    to another reviewer is theirs alone."""
    return case.determinations.filter(reviewer=reviewer).order_by("-version").select_related("supersedes").first()


def determination_decisions(determination: Determination) -> list[ItemDecision]:
    return list(determination.decisions.select_related("item", "guideline").order_by("item__position", "item_id"))


def guideline_catalog() -> list[Guideline]:
    """Active catalog entries, highest evidence level first (LC 4610.5(c)(2) order)."""
    return list(Guideline.objects.filter(is_active=True).order_by("evidence_level", "family", "name"))


def case_outcomes(cases) -> dict[int, str]:
    """Case id → the outcome of its final determination, for a page of cases (one query)."""
    # Every case of the page (not only decided ones): the query count stays the same whatever the page holds.
    ids = [case.pk for case in cases]
    decisions: dict[int, list[str]] = {}
    rows = ItemDecision.objects.filter(determination__status=Determination.Status.FINAL, determination__case_id__in=ids)
    for case_id, value in rows.values_list("determination__case_id", "decision"):
        decisions.setdefault(case_id, []).append(value)
    return {case_id: outcome_label(values) for case_id, values in decisions.items()}


@dataclass
class CaseDetermination:
    """The determination panel of the intake case page."""

    final: Determination | None
    decisions: list[ItemDecision]
    outcome: str
    draft: Determination | None  # the first draft, or an open correction
    draft_assignment: Assignment | None
    corrections: list[Determination]  # every correction, newest first

    @property
    def shown(self) -> bool:
        return bool(self.final or self.draft)


def case_determination(case: Case) -> CaseDetermination:
    """Every version of the case's determination, for intake: the final one's
    item decisions and outcome, an open correction, the superseded versions."""
    versions = list(
        case.determinations.select_related("reviewer__user", "correction_opened_by", "supersedes").order_by("-version")
    )
    final = next((d for d in versions if d.status == Determination.Status.FINAL), None)
    draft = next((d for d in versions if d.status == Determination.Status.DRAFT), None)
    decisions = determination_decisions(final) if final else []
    assignment = None
    if draft is not None:
        assignment = (
            Assignment.objects.filter(case=case, reviewer_id=draft.reviewer_id, status__in=Assignment.OPEN_STATUSES).first()
        )
    return CaseDetermination(
        final=final,
        decisions=decisions,
        outcome=final.outcome_from(decisions) if final else "",
        draft=draft,
        draft_assignment=assignment,
        corrections=[d for d in versions if d.is_correction],
    )
