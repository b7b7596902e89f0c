from django.conf import settings
from django.db import models
from django.db.models import Q

from cases.models import Case, DisputedItem
from imrsite.limits import LimitedTextField
from imrsite.pipeline import RenderedDocument, status_constraints
from imrsite.validators import validate_page_range
from reviewers.models import Reviewer


class EvidenceLevel(models.TextChoices):
    """LC 4610.5(c)(2), in order: a lower level only when every higher one is inapplicable."""

    MTUS = "A", "(A) MTUS guidelines adopted by the Administrative Director"
    PEER_REVIEWED = "B", "(B) Peer-reviewed scientific and medical evidence"
    NATIONAL_STANDARDS = "C", "(C) Nationally recognized professional standards"
    EXPERT_OPINION = "D", "(D) Expert opinion"
    GENERALLY_ACCEPTED = "E", "(E) Generally accepted standards of medical practice"
    LIKELY_BENEFIT = "F", "(F) Treatment likely to benefit where others are not efficacious"


class Outcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    OVERTURNED = "overturned", "Overturned"


class Guideline(models.Model):
    """A catalog entry reviewers cite (MTUS families, ODG, …; domain.md §5.3)."""

    class Family(models.TextChoices):
        ACOEM = "ACOEM", "ACOEM Practice Guidelines"
        CHRONIC_PAIN = "CHRONIC_PAIN", "Chronic Pain Medical Treatment Guidelines"
        POSTSURGICAL = "POSTSURGICAL", "Postsurgical Treatment Guidelines"
        ACUPUNCTURE = "ACUPUNCTURE", "Acupuncture Medical Treatment Guidelines"
        OPIOIDS = "OPIOIDS", "Opioids Treatment Guidelines"
        FORMULARY = "FORMULARY", "MTUS Drug Formulary"
        ODG = "ODG", "Official Disability Guidelines (ODG)"
        OTHER = "OTHER", "Other evidence"

    name = models.CharField(max_length=200, unique=True, help_text="As cited in letters.")
    family = models.CharField(max_length=20, choices=Family.choices)
    evidence_level = models.CharField(max_length=1, choices=EvidenceLevel.choices, default=EvidenceLevel.MTUS)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["evidence_level", "name"]

    def __str__(self):
        return self.name


class Determination(models.Model):
    """The reviewer's determination of a case; versions keep corrections.

    A final determination never changes: an admin's correction supersedes it
    with a new version, and the old one stays.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        FINAL = "final", "Final"
        SUPERSEDED = "superseded", "Superseded by a correction"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="determinations")
    reviewer = models.ForeignKey(Reviewer, on_delete=models.PROTECT, related_name="determinations")
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Limits (issue 19 item 17): a 540 KB summary made a 237-page letter; a
    # long real summary is a few pages.
    clinical_case_summary = LimitedTextField(20_000, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    finalized_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by")
    correction_reason = LimitedTextField(2000, blank=True)
    # Optimistic lock: a save carries the revision it was read at.
    revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "-version"]
        indexes = [models.Index(fields=["reviewer", "status"], name="determination_reviewer_idx")]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="determination_case_version_unique"),
            models.UniqueConstraint(
                fields=["case"], condition=~Q(status="superseded"), name="determination_one_current_per_case"
            ),
            models.CheckConstraint(condition=Q(status__in=["draft", "final", "superseded"]), name="determination_status_valid"),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(finalized_at__isnull=False) & Q(decided_on__isnull=False)),
                name="determination_final_has_dates",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(correction_reason=""),
                name="determination_correction_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.case} v{self.version}"

    @property
    def is_final(self) -> bool:
        return self.status != self.Status.DRAFT

    def outcome_from(self, decisions) -> str:
        values = {d.decision for d in decisions if d.decision}
        if not values:
            return ""
        if values == {Outcome.UPHELD}:
            return Outcome.UPHELD.label
        if values == {Outcome.OVERTURNED}:
            return Outcome.OVERTURNED.label
        return settings.IMR_OUTCOME_MIXED_LABEL

    @property
    def outcome(self) -> str:
        """Upheld / Overturned / Overturned in part, derived from the item decisions."""
        return self.outcome_from(self.decisions.all())


class ItemDecision(models.Model):
    determination = models.ForeignKey(Determination, on_delete=models.CASCADE, related_name="decisions")
    item = models.ForeignKey(DisputedItem, on_delete=models.PROTECT, related_name="decisions")
    decision = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    guideline = models.ForeignKey(Guideline, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    section = models.CharField(max_length=200, blank=True, help_text="Section or topic, e.g. Physical Medicine.")
    pages = models.CharField("page(s)", max_length=60, blank=True, validators=[validate_page_range])
    evidence_level = models.CharField(max_length=1, choices=EvidenceLevel.choices, blank=True)
    lower_level_reason = LimitedTextField(
        2000, blank=True, help_text="Why every higher evidence level is inapplicable (required below MTUS)."
    )
    rationale = LimitedTextField(10_000, blank=True)

    class Meta:
        ordering = ["determination", "item__position", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["determination", "item"], name="decision_one_per_item"),
            models.CheckConstraint(condition=Q(decision__in=["", "upheld", "overturned"]), name="decision_value_valid"),
            models.CheckConstraint(condition=Q(evidence_level__in=["", "A", "B", "C", "D", "E", "F"]), name="decision_evidence_level_valid"),
        ]

    def __str__(self):
        return f"{self.item}: {self.get_decision_display() or 'undecided'}"


def letter_upload_to(instance, filename):
    # A key derived from the letter and its version: a repeated render overwrites, never duplicates.
    return f"letters/{instance.determination.case_id}/{instance.pk}-{instance.variant}-v{instance.version}.pdf"


class Letter(RenderedDocument):
    """One rendered version of a determination's letter (status, claim and file: `RenderedDocument`)."""

    class Variant(models.TextChoices):
        PARTIES = "parties", "Parties' letter"
        PUBLIC = "public", "Redacted public copy"

    determination = models.ForeignKey(Determination, on_delete=models.PROTECT, related_name="letters")
    variant = models.CharField(max_length=20, choices=Variant.choices, default=Variant.PARTIES)
    version = models.PositiveSmallIntegerField(default=1)
    file = models.FileField(upload_to=letter_upload_to, blank=True, max_length=255)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["determination", "variant", "-version"]
        indexes = [models.Index(fields=["status", "created_at"], name="letter_status_idx")]
        constraints = [
            models.UniqueConstraint(fields=["determination", "variant", "version"], name="letter_version_unique"),
            *status_constraints("letter"),
        ]

    def __str__(self):
        return f"{self.determination.case} {self.get_variant_display()} v{self.version}"
