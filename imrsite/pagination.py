"""Pagination whose count does not scan the whole table.

Django's Paginator runs COUNT(*) over every matching row on each page view;
over 100,000 cases that is most of an unfiltered list's database time
(BENCHMARKS.md). `CappedPaginator` counts at most `cap` rows: below the cap
the count is exact, above it the page says "more than …" and offers the
first `cap` rows, which nobody pages through by hand; a filter or a search
narrows the list instead.
"""

from functools import cached_property

from django.core.paginator import Paginator

DEFAULT_CAP = 10_000

# Rows on a page of the staff case list, and of a searched Django admin list (imrsite.admin_mixins).
PAGE_SIZE = 25

# A searched list (the case list, a Django admin list) counts at most this many
# matches ("More than 100 cases"; the list pages through those, most urgent first:
# four pages of 25). A person looking for a case types more of the name, the claim
# or the case number long before paging past a hundred matches; counting further
# reads rows in proportion to how common the name is (a surname shared by 4 % of a
# million cases: 16 ms to count 1,000 of its matches, BENCHMARKS.md 4c).
SEARCH_COUNT_CAP = 100

# A work queue's list (`/cases/?queue=…`) counts to this many: a queue is worked
# through, page by page and by bulk action, and its size is the workload.
QUEUE_COUNT_CAP = 1000


class CappedPaginator(Paginator):
    cap = DEFAULT_CAP

    def __init__(self, *args, cap: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if cap is not None:
            self.cap = cap

    @cached_property
    def _capped_count(self) -> int:
        objects = self.object_list
        if hasattr(objects, "query"):
            # SELECT COUNT(*) FROM (SELECT … LIMIT cap + 1): reads at most cap + 1 index entries.
            return objects.order_by()[: self.cap + 1].count()
        return len(objects)

    @property
    def capped(self) -> bool:
        """True when more rows match than were counted."""
        return self._capped_count > self.cap

    @cached_property
    def count(self) -> int:
        return min(self._capped_count, self.cap)

