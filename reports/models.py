"""Summary tables of the DWC statistics, refreshed by Celery beat (reports.services).

The reports page reads only these: a month's figures are a few hundred rows
whatever the number of cases, so the page for a month or a year runs the same
queries in the same time at a thousand cases or a million. The figures
themselves are defined in reports.selectors.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from imrsite.pipeline import RenderedDocument, status_constraints


class MonthlyFigure(models.Model):
    """One count of one figure for one calendar month (Pacific time).

    `metric` names the figure (reports.selectors.Metric), `k1`–`k3` its
    breakdown (an outcome, a category, a claims administrator's id and name…),
    `n` the count and `total` a sum of days where the figure is an average.
    """

    month = models.DateField(help_text="First day of the month.")
    metric = models.CharField(max_length=40)
    k1 = models.CharField(max_length=200, blank=True, default="")
    k2 = models.CharField(max_length=200, blank=True, default="")
    k3 = models.CharField(max_length=200, blank=True, default="")
    n = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["month", "metric", "k1", "k2", "k3"]
        constraints = [
            models.UniqueConstraint(fields=["month", "metric", "k1", "k2", "k3"], name="monthly_figure_unique"),
            models.CheckConstraint(condition=Q(n__gte=0), name="monthly_figure_count_not_negative"),
        ]
        indexes = [models.Index(fields=["metric", "month"], name="monthly_figure_metric_idx")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.metric} {self.k1} {self.k2}: {self.n}"


class LateDecision(models.Model):
    """A letter issued after its statutory time, listed under its month (case numbers only)."""

    month = models.DateField()
    case_number = models.CharField(max_length=20)
    review_type = models.CharField(max_length=20)
    clock = models.CharField(max_length=20, help_text="standard (30 days), expedited (3 days) or formulary (5 working days)")
    records_complete_on = models.DateField(null=True)
    due_on = models.DateField()
    letter_on = models.DateField()
    days_late = models.PositiveIntegerField()

    class Meta:
        ordering = ["month", "-days_late", "case_number"]
        indexes = [
            models.Index(fields=["month", "-days_late", "case_number"], name="late_decision_month_idx"),
            # A range's latest-first list reads this in order and stops at the page's rows,
            # however many letters were late (a year at a million cases: ~30,000).
            models.Index(fields=["-days_late", "case_number", "month"], name="late_decision_order_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["month", "case_number"], name="late_decision_unique")]

    def __str__(self):
        return f"{self.case_number}: {self.days_late} days late"


class RefreshState(models.Model):
    """One row: how far the summary tables are refreshed, shown on the page."""

    key = models.CharField(max_length=20, primary_key=True, default="reports")
    # Changes to cases before this moment are in the figures (less the overlap the refresh re-reads).
    watermark = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    months_refreshed = models.PositiveIntegerField(default=0)
    first_month = models.DateField(null=True, blank=True, help_text="Earliest month with any figure.")
    last_error = models.TextField(blank=True)
    # A running refresh holds this lease; a crashed one frees it when it expires.
    running_until = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"reports refreshed {self.finished_at}"


def report_upload_to(instance, filename):
    # A key fixed per period and version: a repeated render overwrites, never duplicates.
    return f"reports/{instance.first_month:%Y-%m}_{instance.last_month:%Y-%m}-v{instance.version}.pdf"


class ReportDocument(RenderedDocument):
    """The printable report of a period (what an organization sends the Division):
    one rendered version, made by the rendering engine (imrsite.pipeline) from the
    summary tables as they were when it rendered."""

    first_month = models.DateField()
    last_month = models.DateField()
    version = models.PositiveSmallIntegerField(default=1)
    file = models.FileField(upload_to=report_upload_to, blank=True, max_length=255)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-first_month", "-last_month", "-version"]
        indexes = [models.Index(fields=["first_month", "last_month", "-version"], name="reportdoc_period_idx")]
        constraints = [
            models.UniqueConstraint(fields=["first_month", "last_month", "version"], name="reportdoc_version_unique"),
            models.CheckConstraint(condition=Q(first_month__lte=models.F("last_month")), name="reportdoc_period_ordered"),
            *status_constraints("reportdoc"),
        ]

    def __str__(self):
        return f"IMR report {self.first_month:%Y-%m}–{self.last_month:%Y-%m} v{self.version}"
