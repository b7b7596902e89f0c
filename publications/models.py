"""The public decision index: its own tables, filled at publication from redacted data only.

Nothing here points at a party, a claim or a person: the public pages read
these tables and nothing else (publications/tests check every query they
run). `source_letter` is bookkeeping for the publishing service (which copy
is out); the public pages never follow it.
"""

from django.db import models
from django.db.models import Q

from cases.models import TreatmentCategory
from determinations.models import Letter, Outcome


class PublishedDecision(models.Model):
    """One decided case as the public sees it (domain.md §7 req. 29, DWC's decision search)."""

    case_number = models.CharField(max_length=20, unique=True)
    decision_date = models.DateField()
    review_type = models.CharField(max_length=20, help_text="Standard or Expedited.")
    case_outcome = models.CharField(max_length=40, help_text="Upheld, Overturned or Overturned in part.")
    # The reviewer's specialty, never a name (LC 4610.6(f)).
    specialty = models.CharField(max_length=120, blank=True)
    diagnosis_category = models.CharField(max_length=80)
    diagnosis_subcategory = models.CharField(max_length=120)
    age_range = models.CharField(max_length=10, blank=True)
    gender = models.CharField(max_length=10, blank=True)
    # The redacted public copy as published: the public variant's file, its
    # hash and size when it was published (served only if it still matches).
    pdf = models.FileField(max_length=255)
    pdf_sha256 = models.CharField(max_length=64)
    pdf_size = models.PositiveIntegerField()
    pdf_pages = models.PositiveSmallIntegerField(null=True, blank=True)
    determination_version = models.PositiveSmallIntegerField(default=1)
    letter_version = models.PositiveSmallIntegerField(default=1)
    source_letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField()
    replaced_at = models.DateTimeField(null=True, blank=True, help_text="Last time a correction replaced the copy.")

    class Meta:
        ordering = ["-decision_date", "-id"]
        indexes = [models.Index(fields=["-decision_date", "-id"], name="pubdecision_date_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(pdf_sha256=""), name="pubdecision_has_hash"),
        ]

    def __str__(self):
        return self.case_number


class PublishedItem(models.Model):
    """One decided item of a published case, with the case's search keys copied
    beside it, so the search reads one index in decision order whatever it filters on."""

    decision = models.ForeignKey(PublishedDecision, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=500, help_text="As the public copy prints it (redacted).")
    category = models.CharField(max_length=40, choices=TreatmentCategory.choices)
    subcategory = models.CharField(max_length=80)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    # Copies of the case's keys: the order and the filters in one index.
    decision_date = models.DateField()
    specialty = models.CharField(max_length=120, blank=True)
    diagnosis_category = models.CharField(max_length=80)

    class Meta:
        ordering = ["decision", "position"]
        indexes = [
            models.Index(fields=["-decision_date", "-decision"], name="pubitem_date_idx"),
            models.Index(fields=["category", "-decision_date", "-decision"], name="pubitem_category_idx"),
            models.Index(fields=["category", "subcategory", "-decision_date", "-decision"], name="pubitem_subcategory_idx"),
            models.Index(fields=["outcome", "-decision_date", "-decision"], name="pubitem_outcome_idx"),
            models.Index(fields=["specialty", "-decision_date", "-decision"], name="pubitem_specialty_idx"),
            models.Index(fields=["diagnosis_category", "-decision_date", "-decision"], name="pubitem_diagnosis_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["decision", "position"], name="pubitem_position_unique"),
            models.CheckConstraint(condition=Q(outcome__in=["upheld", "overturned"]), name="pubitem_outcome_valid"),
        ]

    def __str__(self):
        return f"{self.decision_id} #{self.position}: {self.outcome}"


class PublicationState(models.Model):
    """One row: when the index last changed (the public pages' Last-Modified and
    ETag), how many decisions it holds, and the specialties its filter offers."""

    key = models.CharField(max_length=20, primary_key=True, default="index")
    changed_at = models.DateTimeField()
    published_count = models.PositiveIntegerField(default=0)
    specialties = models.JSONField(default=list, blank=True)
    # The publishing sweep's progress: letters, determinations and cases changed before this are published.
    swept_until = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"index changed {self.changed_at:%Y-%m-%d %H:%M}"
