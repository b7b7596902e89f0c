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

# A searched list counts at most this many matches ("More than 1,000 cases"; the
# list pages through those, most urgent first). A person looking for a case types
# more of the name or the number long before paging through a thousand matches,
# and counting every match of a common surname in a million cases would make the
# page grow with the data (BENCHMARKS.md). Unsearched lists keep DEFAULT_CAP.
SEARCH_COUNT_CAP = 1000


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

