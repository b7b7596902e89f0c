"""Reads for the review side: a reviewer's queue and their determination of a case."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from cases.models import Case
from reviewers.models import Assignment, Reviewer

from .models import Determination, Guideline, ItemDecision

# Assignments that still give the reviewer the case (see cases.selectors.visible_cases).
REVIEWER_ACCESS_STATUSES = (*Assignment.OPEN_STATUSES, Assignment.Status.COMPLETED)


@dataclass
class QueueRow:
    assignment: Assignment
    case: Case
    determination_status: str  # "", "draft" or "final"
    item_count: int
    overdue: bool
    days_left: int | None  # to the case's next deadline; negative when overdue

    @property
    def state(self) -> str:
        return self.assignment.status

    @property
    def overdue_days(self) -> int:
        return -self.days_left if self.overdue and self.days_left is not None else 0


@dataclass
class ReviewerQueue:
    rows: list[QueueRow] = field(default_factory=list)
    to_accept: int = 0
    in_progress: int = 0
    finalized_this_month: int = 0
    overdue: int = 0


def reviewer_cases(reviewer: Reviewer) -> QuerySet[Case]:
    """The cases this reviewer works on: the base the review views pass to `case_for_user`.

    Narrower than `visible_cases` for staff who also review: the review pages
    are about the reviewer's own assignments only.
    """
    return Case.objects.filter(
        pk__in=Assignment.objects.filter(reviewer=reviewer, status__in=REVIEWER_ACCESS_STATUSES).values("case_id")
    )


def reviewer_queue(*, reviewer: Reviewer, today: date | None = None) -> ReviewerQueue:
    """The reviewer's dashboard: offered and accepted cases, and those completed
    this month, most urgent first; one query whatever the queue's length."""
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    current_determination = Determination.objects.filter(case=OuterRef("case_id")).exclude(
        status=Determination.Status.SUPERSEDED
    )
    assignments = (
        Assignment.objects.filter(reviewer=reviewer)
        .filter(
            Q(status__in=Assignment.OPEN_STATUSES)
            | Q(status=Assignment.Status.COMPLETED, case__decided_on__gte=month_start)
        )
        .select_related("case")
        .annotate(
            determination_status=Subquery(current_determination.values("status")[:1]),
            item_count=Count("case__items", distinct=True),
        )
    )
    queue = ReviewerQueue()
    for assignment in assignments:
        case = assignment.case
        overdue = assignment.is_open and case.due_on is not None and case.due_on < today
        queue.rows.append(
            QueueRow(
                assignment=assignment,
                case=case,
                determination_status=assignment.determination_status or "",
                item_count=assignment.item_count,
                overdue=overdue,
                days_left=(case.due_on - today).days if case.due_on and assignment.is_open else None,
            )
        )
        if assignment.status == Assignment.Status.OFFERED:
            queue.to_accept += 1
        elif assignment.status == Assignment.Status.ACCEPTED:
            queue.in_progress += 1
        else:
            queue.finalized_this_month += 1
        queue.overdue += overdue
    # Open work first, by due date (undated last); finished cases after, latest first.
    queue.rows.sort(
        key=lambda r: (
            not r.assignment.is_open,
            r.case.due_on is None,
            r.case.due_on or date.max,
            -(r.case.decided_on or date.min).toordinal(),
            r.case.number,
        )
    )
    return queue


def reviewer_assignment(*, reviewer: Reviewer, case: Case) -> Assignment | None:
    """The reviewer's assignment that gives them this case (open or completed)."""
    return (
        Assignment.objects.filter(reviewer=reviewer, case=case, status__in=REVIEWER_ACCESS_STATUSES)
        .order_by("-assigned_at")
        .first()
    )


def current_determination(*, case: Case) -> Determination | None:
    return case.determinations.exclude(status=Determination.Status.SUPERSEDED).first()


def determination_decisions(determination: Determination) -> list[ItemDecision]:
    return list(determination.decisions.select_related("item", "guideline").order_by("item__position", "item_id"))


def guideline_catalog() -> list[Guideline]:
    """Active catalog entries, highest evidence level first (LC 4610.5(c)(2) order)."""
    return list(Guideline.objects.filter(is_active=True).order_by("evidence_level", "family", "name"))
