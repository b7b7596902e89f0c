"""Implementation of overturned items (8 CCR 9792.10.7).

- `LetterReceipt`: when the claims administrator received the Final
  Determination Letter; the implementation clocks run from it.
- `ItemImplementation`: what the claims administrator did about one
  overturned item, and when: authorized (services not yet rendered),
  reimbursed (services already rendered), or disputed on other grounds.

The due dates and days late are computed (`cases.deadlines.implementation_due`)
from the receipt, so a corrected receipt moves them all.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from cases.models import Case, DisputedItem
from imrsite.limits import LimitedTextField


class LetterReceipt(models.Model):
    class Source(models.TextChoices):
        REPORTED = "reported", "Reported (by the claims administrator or staff)"
        DISTRIBUTION = "distribution", "From the recorded distribution of the letter"

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="letter_receipt")
    received_on = models.DateField("letter received by the claims administrator")
    source = models.CharField(max_length=20, choices=Source.choices)
    delivery = models.ForeignKey(
        "correspondence.Delivery", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The delivery of the letter to the claims administrator the date was taken from.",
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(source__in=["reported", "distribution"]), name="letter_receipt_source_valid"),
        ]

    def __str__(self):
        return f"{self.case} letter received {self.received_on}"


class ItemImplementation(models.Model):
    class Service(models.TextChoices):
        NOT_RENDERED = "not_rendered", "Not yet rendered: to authorize (5 working days)"
        RENDERED = "rendered", "Already rendered: to reimburse (20 days)"

    class Outcome(models.TextChoices):
        AUTHORIZED = "authorized", "Authorized"
        REIMBURSED = "reimbursed", "Reimbursed"
        DISPUTED = "disputed", "Disputed on other grounds"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="implementations")
    item = models.OneToOneField(DisputedItem, on_delete=models.PROTECT, related_name="implementation")
    service = models.CharField(max_length=20, choices=Service.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    on = models.DateField("date authorized, reimbursed or disputed")
    note = LimitedTextField(2000, blank=True, help_text="Required for a dispute on other grounds: what is disputed.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "item__position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(service__in=["not_rendered", "rendered"]), name="implementation_service_valid"),
            models.CheckConstraint(
                condition=Q(outcome="authorized", service="not_rendered") | Q(outcome="reimbursed", service="rendered")
                | Q(outcome="disputed"),
                name="implementation_outcome_fits_service",
            ),
            models.CheckConstraint(condition=~Q(outcome="disputed") | ~Q(note=""), name="implementation_dispute_has_note"),
        ]

    def __str__(self):
        return f"{self.item}: {self.get_outcome_display()} {self.on}"
