"""Refreshing the statistics' summary tables (reports.models) from the cases.

`reports_refresh` is idempotent and catches up: it recomputes whole months
(delete and insert in one transaction, so a month is never half old, half
new), chosen from what changed since the last successful run (less an
overlap, for transactions that committed late), plus the months whose
"records still missing" figures move with the calendar. The first run, a
`--full` run, or a run after the state was lost recomputes every month. A
lease on the state row keeps two runs from working at once (the second
skips); a crashed run's lease expires.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.models import Case
from determinations.models import Determination

from . import selectors
from .models import LateDecision, MonthlyFigure, RefreshState

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=15)
LEASE = timedelta(minutes=30)


@dataclass(frozen=True)
class RefreshResult:
    months: list[date]
    skipped: bool = False
    full: bool = False
    seconds: float = 0.0


def _claim(now) -> bool:
    RefreshState.objects.get_or_create(key="reports")
    free = Q(running_until__isnull=True) | Q(running_until__lt=now)
    return bool(RefreshState.objects.filter(free, key="reports").update(running_until=now + LEASE, started_at=now))


def _months_between(first: date, last: date) -> list[date]:
    return selectors.Period(selectors.month_start(first), selectors.month_start(last)).months


def _changed_months(since, today: date) -> set[date]:
    """Months whose figures a change since `since` can have moved."""
    months: set[date] = set()
    changed = Case.objects.filter(updated_at__gte=since).values_list("received_on", "decided_on", "records_due_on")
    for row in changed.iterator(chunk_size=5000):
        months.update(selectors.month_start(day) for day in row if day)
    # A correction changes the determination (and its items), not necessarily the case.
    corrected = Determination.objects.filter(updated_at__gte=since, case__decided_on__isnull=False).values_list(
        "case__decided_on", flat=True
    )
    months.update(selectors.month_start(day) for day in corrected.iterator(chunk_size=5000))
    if selectors.MAILING_DATES == selectors.MailingDates.RECORDED:
        # A mailing marked sent moves the letter into its month (and the ages of its case).
        from django.apps import apps

        Delivery = apps.get_model("correspondence", "Delivery")
        sent = Delivery.objects.filter(sent_at__gte=since).values_list("sent_on", "case__decided_on", "case__received_on")
        for row in sent.iterator(chunk_size=5000):
            months.update(selectors.month_start(day) for day in row if day)
    # Records still missing become late as days pass, without any change to the case.
    months.update(_months_between(timezone.localdate(since) - timedelta(days=1), today))
    return months


def write_month(figures: selectors.MonthFigures) -> None:
    """Replace one month's rows with freshly computed ones."""
    month = figures.month
    with transaction.atomic():
        MonthlyFigure.objects.filter(month=month).delete()
        LateDecision.objects.filter(month=month).delete()
        MonthlyFigure.objects.bulk_create(
            [
                MonthlyFigure(month=month, metric=m, k1=k1, k2=k2, k3=k3, n=n, total=figures.totals[(m, k1, k2, k3)])
                for (m, k1, k2, k3), n in figures.counts.items()
            ],
            batch_size=2000,
        )
        LateDecision.objects.bulk_create([LateDecision(month=month, **row) for row in figures.late], batch_size=2000)


def reports_refresh(*, full: bool = False, today: date | None = None) -> RefreshResult:
    """Bring the summary tables up to date (see the module's docstring)."""
    started = time.monotonic()
    now = timezone.now()
    today = today or timezone.localdate()
    if not _claim(now):
        logger.info("reports refresh skipped: another run holds the lease")
        return RefreshResult(months=[], skipped=True)
    state = RefreshState.objects.get(key="reports")
    try:
        first, last = selectors.months_with_data()
        rebuild = full or state.watermark is None
        if first is None:
            months: list[date] = []
        elif rebuild:
            months = _months_between(first, max(last, today))
        else:
            wanted = _changed_months(state.watermark - OVERLAP, today)
            months = sorted(m for m in wanted if first <= m <= max(last, selectors.month_start(today)))
        if rebuild:
            # Months outside the data (cases deleted, dates corrected) must not keep old figures.
            MonthlyFigure.objects.exclude(month__in=months).delete()
            LateDecision.objects.exclude(month__in=months).delete()
        for month in months:
            write_month(selectors.month_figures(month, today=today))
        elapsed = time.monotonic() - started
        RefreshState.objects.filter(key="reports").update(
            watermark=now if state.watermark is None or now > state.watermark else state.watermark,
            finished_at=timezone.now(),
            duration_ms=int(elapsed * 1000),
            months_refreshed=len(months),
            first_month=first,
            last_error="",
            running_until=None,
        )
    except Exception as exc:
        RefreshState.objects.filter(key="reports").update(running_until=None, last_error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    logger.info("reports refreshed: %s month(s) in %.1f s%s", len(months), elapsed, " (full)" if rebuild else "")
    return RefreshResult(months=months, full=rebuild, seconds=elapsed)
