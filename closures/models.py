"""How a case ends, or merges, before a decision.

- `Termination`: the claims administrator reported the disputed treatment
  authorized, or the employee withdrew (8 CCR 9792.10.6(a)). One per case
  (the one-to-one is the database's guarantee that two staff recording it at
  once leave one); written only by `closures.services.termination_record`.
- `Consolidation`: an application absorbed into another of the same
  employee, requesting physician and date of injury (8 CCR 9792.10.4(a)).
  The absorbed case keeps its number, closed as "consolidated", pointing to
  the surviving case, which carries its disputed items and gets the one
  determination.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cases.models import Case, PartyRole
from imrsite.limits import LimitedTextField


class Termination(models.Model):
    class Reason(models.TextChoices):
        AUTHORIZED = "authorized", "Claims administrator authorized the disputed treatment"
        WITHDRAWN = "withdrawn", "Employee withdrew the application"

    # Who may report each reason: an authorization comes from the claims
    # administrator (or a party who received it); a withdrawal from the employee or their attorney.
    REPORTERS = {
        Reason.AUTHORIZED: (PartyRole.CLAIMS_ADMINISTRATOR, PartyRole.EMPLOYEE, PartyRole.ATTORNEY, PartyRole.REQUESTING_PROVIDER),
        Reason.WITHDRAWN: (PartyRole.EMPLOYEE, PartyRole.ATTORNEY),
    }

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="termination")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    reported_by_role = models.CharField("reported by", max_length=30, choices=PartyRole.choices)
    reported_by_name = models.CharField(
        "reporter's name", max_length=200, blank=True, help_text="The person who wrote or called, if known.",
    )
    reported_on = models.DateField("reported on", help_text="The day the organization received the report.")
    # Whether the case had gone to a reviewer when it ended: decides the fee (8 CCR 9792.10.8).
    forwarded_to_reviewer = models.BooleanField(editable=False)
    closed_assignment = models.ForeignKey(
        "reviewers.Assignment", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False,
    )
    status_before = models.CharField(max_length=30, choices=Case.Status.choices, editable=False)
    note = LimitedTextField(2000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(reason__in=["authorized", "withdrawn"]), name="termination_reason_valid"),
            models.CheckConstraint(
                condition=~Q(reason="withdrawn") | Q(reported_by_role__in=["employee", "attorney"]),
                name="termination_withdrawal_by_employee",
            ),
            models.CheckConstraint(
                condition=Q(reported_by_role__in=["employee", "attorney", "requesting_provider", "claims_administrator"]),
                name="termination_reporter_valid",
            ),
        ]

    def __str__(self):
        return f"{self.case} {self.get_reason_display().lower()} ({self.reported_on:%Y-%m-%d})"

    @property
    def case_status(self) -> str:
        """The status the case ends in."""
        return Case.Status.WITHDRAWN if self.reason == self.Reason.WITHDRAWN else Case.Status.TERMINATED


class Consolidation(models.Model):
    absorbed = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="consolidated_into")
    surviving = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="consolidations")
    # The disputed items moved to the surviving case, as they were (ids and descriptions).
    items_moved = models.JSONField(default=list, editable=False)
    status_before = models.CharField(max_length=30, choices=Case.Status.choices, editable=False)
    note = LimitedTextField(2000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(absorbed=models.F("surviving")), name="consolidation_not_itself"),
        ]

    def __str__(self):
        return f"{self.absorbed} → {self.surviving}"
