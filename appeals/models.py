"""Appeals of IMR decisions to the WCAB (LC 4610.6(h); 8 CCR 10575) and remands.

- `Appeal`: a petition against a case's Final Determination or its
  ineligibility decision, its filing date against the window computed from
  the recorded service, its grounds, and the WCAB's outcome.
- `Remand`: a reversal opens a new review (a new case) of the same disputed
  items, for a different reviewer (LC 4610.6(i)); both cases point to it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from cases.models import Case, PartyRole
from imrsite.limits import LimitedTextField


class Ground(models.TextChoices):
    """The only grounds of appeal (LC 4610.6(h)(1)-(5))."""

    EXCESS_OF_POWERS = "excess_of_powers", "The Administrative Director acted without or in excess of its powers"
    FRAUD = "fraud", "The determination was procured by fraud"
    CONFLICT = "conflict", "The reviewer had a material conflict of interest (LC 139.5)"
    BIAS = "bias", (
        "Bias on the basis of race, national origin, ethnic group identification, religion, age, sex, "
        "sexual orientation, color or disability"
    )
    FACT_ERROR = "fact_error", (
        "A plainly erroneous finding of fact, a matter of ordinary knowledge and not of expert opinion"
    )


class Petitioner(models.TextChoices):
    EMPLOYEE = PartyRole.EMPLOYEE.value, PartyRole.EMPLOYEE.label
    ATTORNEY = PartyRole.ATTORNEY.value, PartyRole.ATTORNEY.label
    REQUESTING_PROVIDER = PartyRole.REQUESTING_PROVIDER.value, PartyRole.REQUESTING_PROVIDER.label
    EMPLOYER = PartyRole.EMPLOYER.value, PartyRole.EMPLOYER.label
    CLAIMS_ADMINISTRATOR = PartyRole.CLAIMS_ADMINISTRATOR.value, PartyRole.CLAIMS_ADMINISTRATOR.label


class Appeal(models.Model):
    class Decision(models.TextChoices):
        DETERMINATION = "determination", "Final Determination"
        INELIGIBILITY = "ineligibility", "Ineligibility decision"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending before the WCAB"
        AFFIRMED = "affirmed", "Denied: the decision stands"
        REVERSED = "reversed", "Reversed: remanded for a new review"
        DISMISSED = "dismissed", "Dismissed"
        WITHDRAWN = "withdrawn", "Withdrawn by the petitioner"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="appeals")
    decision = models.CharField("decision appealed", max_length=20, choices=Decision.choices)
    petitioner = models.CharField(max_length=30, choices=Petitioner.choices)
    adj_number = models.CharField("WCAB (ADJ) case number", max_length=40)
    filed_on = models.DateField("petition filed")
    verified = models.BooleanField("petition verified", default=False)
    grounds = models.JSONField(default=list, help_text="One or more of the five statutory grounds (LC 4610.6(h)).")
    # The window, from the recorded service of the decision (correspondence deliveries).
    served_on = models.DateField("decision served on")
    served_by_mail = models.BooleanField(default=False)
    deadline = models.DateField("last day to file")
    late = models.BooleanField("filed late", default=False)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_on = models.DateField("outcome date", null=True, blank=True)
    outcome_note = LimitedTextField(2000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["case", "filed_on", "id"]
        indexes = [models.Index(fields=["outcome", "filed_on"], name="appeal_outcome_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(decision__in=["determination", "ineligibility"]), name="appeal_decision_valid"),
            models.CheckConstraint(
                condition=Q(outcome__in=["pending", "affirmed", "reversed", "dismissed", "withdrawn"]), name="appeal_outcome_valid"
            ),
            models.CheckConstraint(condition=~Q(adj_number=""), name="appeal_has_adj_number"),
            models.CheckConstraint(condition=~Q(grounds=[]), name="appeal_has_grounds"),
            models.CheckConstraint(condition=Q(filed_on__gte=models.F("served_on")), name="appeal_filed_after_service"),
            # The flag is the window's verdict, never set by hand.
            models.CheckConstraint(
                condition=Q(late=True, filed_on__gt=models.F("deadline")) | Q(late=False, filed_on__lte=models.F("deadline")),
                name="appeal_late_matches_deadline",
            ),
            models.CheckConstraint(
                condition=Q(outcome="pending", outcome_on__isnull=True) | (~Q(outcome="pending") & Q(outcome_on__isnull=False)),
                name="appeal_outcome_has_date",
            ),
            # One reversal per case: it opens the one remand.
            models.UniqueConstraint(fields=["case"], condition=Q(outcome="reversed"), name="appeal_one_reversal_per_case"),
        ]

    def __str__(self):
        return f"{self.case} appeal {self.adj_number} ({self.get_outcome_display()})"

    @property
    def ground_labels(self) -> list[str]:
        return [Ground(g).label for g in self.grounds if g in Ground.values]

    @property
    def days_late(self) -> int:
        return max(0, (self.filed_on - self.deadline).days)


class Remand(models.Model):
    """A WCAB reversal: the new review of the same disputed items."""

    appeal = models.OneToOneField(Appeal, on_delete=models.PROTECT, related_name="remand")
    original_case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="remanded_as")
    new_case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="remand_of")
    # Who decided the reversed determination (none for an ineligibility decision):
    # `reviewers.selectors.reviewer_check` refuses them on the new case.
    original_reviewer = models.ForeignKey(
        "reviewers.Reviewer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(original_case=models.F("new_case")), name="remand_new_case_differs"),
        ]

    def __str__(self):
        return f"{self.original_case} remanded as {self.new_case}"
