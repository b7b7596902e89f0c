"""Review fees (8 CCR 9792.10.8).

- `FeeSchedule`: the published rates as dated rows (effective from, review
  type, pharmacy-only or not, kind); the row in force on the relevant date
  (the decision or the termination) prices a case, never today's.
- `FeeLine`: what one case earned, once (one-to-one with the case), priced
  and frozen when it was decided or terminated; billed to its claims
  administrator.
- `Invoice`: a claims administrator's month: its lines, their total (kept by
  the service from the lines, checked against payments by the database).
- `InvoiceDocument`: the invoice's PDF, one per revision, rendered by the
  engine (imrsite.pipeline) like the letters.
- `Payment`: money received against an invoice.

Money is `Decimal` (two places) everywhere.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from cases.models import Case, Party, ReviewType
from imrsite.pipeline import RenderedDocument, status_constraints

MONEY = {"max_digits": 12, "decimal_places": 2}
ZERO = Decimal("0.00")


class FeeKind(models.TextChoices):
    COMPLETED = "completed", "Review completed (decided)"
    TERMINATED_BEFORE = "terminated_before", "Terminated before the case was forwarded to a reviewer"
    TERMINATED_AFTER = "terminated_after", "Terminated after the case was forwarded to a reviewer"


class FeeSchedule(models.Model):
    effective_from = models.DateField(help_text="The first decision or termination date this rate applies to.")
    review_type = models.CharField(max_length=20, choices=ReviewType.choices)
    pharmacy_only = models.BooleanField(
        "pharmacy-only", default=False, help_text="Every disputed item is a drug (Pharmaceuticals).",
    )
    kind = models.CharField(max_length=30, choices=FeeKind.choices)
    amount = models.DecimalField(**MONEY)
    source = models.CharField(max_length=300, blank=True, help_text="Where the amount comes from (regulation and subsection).")
    confirmed = models.BooleanField(
        default=True,
        help_text="Unchecked: the amount could not be confirmed against the published regulation text "
        "(an inference from the neighbouring rates); check it before relying on it.",
    )

    class Meta:
        ordering = ["-effective_from", "review_type", "pharmacy_only", "kind"]
        verbose_name = "fee schedule rate"
        constraints = [
            models.UniqueConstraint(fields=["effective_from", "review_type", "pharmacy_only", "kind"], name="fee_schedule_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fee_schedule_amount_not_negative"),
            models.CheckConstraint(condition=Q(review_type__in=["standard", "expedited"]), name="fee_schedule_review_type_valid"),
            models.CheckConstraint(condition=Q(kind__in=FeeKind.values), name="fee_schedule_kind_valid"),
        ]

    def __str__(self):
        pharmacy = ", pharmacy-only" if self.pharmacy_only else ""
        return f"from {self.effective_from:%Y-%m-%d}: {self.get_review_type_display().lower()}{pharmacy}, {self.get_kind_display().lower()}: ${self.amount}"


class Invoice(models.Model):
    claims_administrator = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="invoices")
    month = models.DateField(help_text="The first day of the month billed.")
    number = models.CharField(max_length=40, unique=True)
    issued_on = models.DateField()
    # Bumped each time lines join the invoice (a late decision of the month); each revision gets its PDF.
    revision = models.PositiveSmallIntegerField(default=1)
    line_count = models.PositiveIntegerField(default=0)
    total = models.DecimalField(**MONEY, default=ZERO)
    paid_total = models.DecimalField(**MONEY, default=ZERO)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "claims_administrator__name"]
        indexes = [models.Index(fields=["issued_on"], name="invoice_issued_idx")]
        constraints = [
            models.UniqueConstraint(fields=["claims_administrator", "month"], name="invoice_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="invoice_month_first_day"),
            models.CheckConstraint(condition=Q(total__gte=0), name="invoice_total_not_negative"),
            models.CheckConstraint(condition=Q(paid_total__gte=0), name="invoice_paid_not_negative"),
            # Never more paid than billed: checked by the database, not the page.
            models.CheckConstraint(condition=Q(paid_total__lte=F("total")), name="invoice_not_overpaid"),
        ]

    def __str__(self):
        return self.number

    @property
    def balance(self) -> Decimal:
        return self.total - self.paid_total

    @property
    def is_paid(self) -> bool:
        return self.paid_total >= self.total

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("billing:invoice", args=[self.pk])


class FeeLine(models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="fee_line")
    claims_administrator = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="fee_lines")
    kind = models.CharField(max_length=30, choices=FeeKind.choices)
    review_type = models.CharField(max_length=20, choices=ReviewType.choices)
    pharmacy_only = models.BooleanField(default=False)
    earned_on = models.DateField(help_text="The decision or termination date: the rate in force then applies.")
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.PROTECT, related_name="lines")
    amount = models.DecimalField(**MONEY)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="lines")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["earned_on", "case__number"]
        indexes = [models.Index(fields=["claims_administrator", "earned_on"], name="feeline_ca_earned_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="feeline_amount_not_negative"),
            models.CheckConstraint(condition=Q(kind__in=FeeKind.values), name="feeline_kind_valid"),
        ]

    def __str__(self):
        return f"{self.case} {self.get_kind_display().lower()}: ${self.amount}"


def invoice_upload_to(instance, filename):
    # Fixed per invoice and revision: a repeated render overwrites, never duplicates.
    return f"invoices/{instance.invoice_id}-r{instance.revision}.pdf"


class InvoiceDocument(RenderedDocument):
    """One revision of an invoice as a PDF (imrsite.pipeline)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="documents")
    revision = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=invoice_upload_to, blank=True, max_length=255)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["invoice", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "revision"], name="invoicedoc_revision_unique"),
            *status_constraints("invoicedoc"),
        ]

    def __str__(self):
        return f"{self.invoice_id} r{self.revision}"


class Payment(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    received_on = models.DateField()
    amount = models.DecimalField(**MONEY)
    reference = models.CharField(max_length=120, blank=True, help_text="Check number or transfer reference.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self):
        return f"{self.invoice} ${self.amount} on {self.received_on:%Y-%m-%d}"
