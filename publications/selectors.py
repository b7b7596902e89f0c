"""Reads of the public index: these tables and nothing else.

The search walks one index of `PublishedItem` in decision order (newest
first), filtered on the copied keys, and stops as soon as it has a page: its
work depends on the page size and how rare the filter is, not on how many
decisions are published. Pages follow by key (the last row's decision date
and id), never by OFFSET, and nothing counts the matches: the page says
whether there is a next one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, Q

from .models import PublicationState, PublishedDecision, PublishedItem

PAGE_SIZE = 25
# Item rows read per round while collecting a page's distinct decisions.
_WALK = PAGE_SIZE * 3


@dataclass(frozen=True)
class Filters:
    number: str = ""
    decided_from: date | None = None
    decided_to: date | None = None
    category: str = ""
    subcategory: str = ""
    outcome: str = ""
    diagnosis: str = ""
    specialty: str = ""

    def item_filter(self) -> Q:
        q = Q()
        if self.number:
            q &= Q(decision__case_number=self.number)
        if self.decided_from:
            q &= Q(decision_date__gte=self.decided_from)
        if self.decided_to:
            q &= Q(decision_date__lte=self.decided_to)
        for name, column in (
            ("category", "category"), ("subcategory", "subcategory"), ("outcome", "outcome"),
            ("diagnosis", "diagnosis_category"), ("specialty", "specialty"),
        ):
            value = getattr(self, name)
            if value:
                q &= Q(**{column: value})
        return q


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: strictly after this decision in the order."""

    decision_date: date
    decision_id: int

    def token(self) -> str:
        return f"{self.decision_date.isoformat()}.{self.decision_id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        try:
            day, pk = (token or "").split(".")
            return cls(date.fromisoformat(day), int(pk))
        except ValueError:
            return None

    def q(self) -> Q:
        # The first term bounds the index scan; the OR keeps the order's tie on the date.
        return Q(decision_date__lte=self.decision_date) & (
            Q(decision_date__lt=self.decision_date) | Q(decision_id__lt=self.decision_id)
        )


@dataclass
class SearchPage:
    decisions: list[PublishedDecision] = field(default_factory=list)
    next_cursor: Cursor | None = None


def index_state() -> PublicationState | None:
    return PublicationState.objects.filter(key="index").first()


def _matching_decision_ids(filters: Filters, after: Cursor | None, limit: int) -> tuple[list[int], Cursor | None]:
    """Up to `limit` decision ids in order, and the cursor after the last one if more match."""
    base = PublishedItem.objects.filter(filters.item_filter()).order_by("-decision_date", "-decision_id")
    ids: list[int] = []
    seen: set[int] = set()
    keys: dict[int, date] = {}
    cursor = after
    while True:
        rows = list((base.filter(cursor.q()) if cursor else base).values_list("decision_id", "decision_date")[:_WALK])
        for decision_id, decided in rows:
            if decision_id not in seen:
                seen.add(decision_id)
                ids.append(decision_id)
                keys[decision_id] = decided
        if len(ids) > limit or len(rows) < _WALK:
            break
        # Every row of the last decision seen is either read or strictly after the cursor.
        last_id, last_date = rows[-1]
        cursor = Cursor(last_date, last_id)
    more = len(ids) > limit
    ids = ids[:limit]
    next_cursor = Cursor(keys[ids[-1]], ids[-1]) if more and ids else None
    return ids, next_cursor


def search(filters: Filters, *, after: Cursor | None = None, limit: int = PAGE_SIZE) -> SearchPage:
    """One page of published decisions matching the filters, newest first, with their items."""
    ids, next_cursor = _matching_decision_ids(filters, after, limit)
    if not ids:
        return SearchPage()
    rows = PublishedDecision.objects.filter(pk__in=ids).prefetch_related(
        Prefetch("items", queryset=PublishedItem.objects.order_by("position"))
    )
    by_id = {row.pk: row for row in rows}
    return SearchPage(decisions=[by_id[pk] for pk in ids if pk in by_id], next_cursor=next_cursor)


def published_copy(number: str) -> PublishedDecision | None:
    return PublishedDecision.objects.filter(case_number=number).first()


def index_rows(filters: Filters):
    """Every published item matching the filters with its case's columns, newest first, streamed."""
    return (
        PublishedItem.objects.filter(filters.item_filter())
        .select_related("decision")
        .order_by("-decision_date", "-decision_id", "position")
        .iterator(chunk_size=2000)
    )


def validator(state: PublicationState | None, *parts: str) -> tuple[str, object]:
    """(ETag, Last-Modified) of a public response: the index's last change and what was asked."""
    changed = state.changed_at if state else None
    seed = "|".join([changed.isoformat() if changed else "empty", str(state.published_count if state else 0), *parts])
    return f'W/"{hashlib.sha256(seed.encode()).hexdigest()[:32]}"', changed
