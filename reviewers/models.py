from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cases.models import Case, Party, TreatmentCategory
from cases.text import normalize_name
from imrsite.limits import LimitedTextField

US_STATES = [
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"), ("CA", "California"),
    ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"), ("DC", "District of Columbia"),
    ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"),
    ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"),
    ("ME", "Maine"), ("MD", "Maryland"), ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"),
    ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"),
    ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"),
    ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"), ("OK", "Oklahoma"), ("OR", "Oregon"),
    ("PA", "Pennsylvania"), ("RI", "Rhode Island"), ("SC", "South Carolina"), ("SD", "South Dakota"),
    ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"),
    ("WA", "Washington"), ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"),
]
STATE_NAMES = dict(US_STATES)


class Profession(models.TextChoices):
    """What a license lets its holder practice."""

    MEDICINE = "medicine", "Medicine (physician and surgeon, MD or DO)"
    CHIROPRACTIC = "chiropractic", "Chiropractic"
    ACUPUNCTURE = "acupuncture", "Acupuncture"
    PSYCHOLOGY = "psychology", "Psychology"
    PODIATRY = "podiatric medicine", "Podiatric medicine"
    DENTISTRY = "dentistry", "Dentistry"


# As a sentence says it: "licensed to practice <words> in California".
PROFESSION_WORDS = {
    Profession.MEDICINE: "medicine",
    Profession.CHIROPRACTIC: "chiropractic",
    Profession.ACUPUNCTURE: "acupuncture",
    Profession.PSYCHOLOGY: "psychology",
    Profession.PODIATRY: "podiatric medicine",
    Profession.DENTISTRY: "dentistry",
}


def validate_practice_start(year: int) -> None:
    """Active practice cannot begin in a year that has not come yet."""
    if year is not None and year > timezone.localdate().year:
        raise ValidationError("Active practice cannot begin in the future (%(year)s).", params={"year": year}, code="future_year")


class Specialty(models.Model):
    """A board specialty, and the treatment categories it fits (domain.md §3.5).

    A specialty with `license_profession` is also a licensed discipline
    (chiropractic, acupuncture, psychology): a non-physician reviewer holding a
    current, unrestricted license in that profession may review the categories
    it fits, without board certification.
    """

    name = models.CharField(max_length=120, unique=True)
    description = LimitedTextField(1000, blank=True)
    license_profession = models.CharField(
        max_length=30, choices=Profession.choices, blank=True,
        help_text="For a licensed discipline: reviewers licensed in this profession qualify by license (no board certification).",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"
        constraints = [
            models.UniqueConstraint(
                fields=["license_profession"], condition=~Q(license_profession=""), name="specialty_one_per_profession"
            ),
        ]

    def __str__(self):
        return self.name


class SpecialtyFit(models.Model):
    """Treatment category → specialty matching rule (requirement 21).

    `rank` orders fits: 1 is the specialty that usually treats the category.
    """

    specialty = models.ForeignKey(Specialty, on_delete=models.CASCADE, related_name="fits")
    category = models.CharField(max_length=40, choices=TreatmentCategory.choices)
    rank = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["category", "rank", "specialty__name"]
        constraints = [models.UniqueConstraint(fields=["specialty", "category"], name="specialty_fit_unique")]

    def __str__(self):
        return f"{self.category} → {self.specialty}"


class Reviewer(models.Model):
    class Degree(models.TextChoices):
        MD = "MD", "MD"
        DO = "DO", "DO"
        DC = "DC", "DC (chiropractor)"
        LAC = "LAc", "LAc (acupuncturist)"
        PHD = "PhD", "PhD (psychologist)"
        PSYD = "PsyD", "PsyD (psychologist)"
        DPM = "DPM", "DPM (podiatrist)"
        DDS = "DDS", "DDS (dentist)"
        OTHER = "other", "Other"

    class Pronoun(models.TextChoices):
        # The letter always says "He/she" (anonymity); kept for internal use only.
        UNSPECIFIED = "", "Unspecified"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviewer")
    degree = models.CharField(max_length=10, choices=Degree.choices, default=Degree.MD)
    active_practice_since = models.PositiveSmallIntegerField(
        help_text="Year active clinical practice began.",
        validators=[MinValueValidator(1900), validate_practice_start],
    )
    weekly_practice_hours = models.PositiveSmallIntegerField(help_text="Current hours a week of active practice.")
    has_disciplinary_history = models.BooleanField(default=False)
    disciplinary_note = LimitedTextField(2000, blank=True)
    is_active = models.BooleanField(default=True, help_text="Accepts new cases.")
    capacity = models.PositiveSmallIntegerField(default=25, help_text="Open cases at most.")
    notes = LimitedTextField(4000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.CheckConstraint(condition=Q(weekly_practice_hours__lte=168), name="reviewer_hours_in_week"),
            models.CheckConstraint(condition=Q(active_practice_since__gte=1900), name="reviewer_practice_year_sane"),
        ]

    def __str__(self):
        return self.user.get_full_name() or self.user.username

    @property
    def profession(self) -> str:
        """The profession the reviewer's degree is licensed in."""
        return DEGREE_PROFESSION.get(self.degree, Profession.MEDICINE)

    @property
    def qualifies_by_license(self) -> bool:
        """Non-physicians (DC, LAc, PhD, PsyD) review care in their own licensed
        discipline; everyone else needs board certification (domain.md §3.2)."""
        return self.degree in LICENSED_DISCIPLINE_DEGREES


DEGREE_PROFESSION = {
    Reviewer.Degree.MD: Profession.MEDICINE,
    Reviewer.Degree.DO: Profession.MEDICINE,
    Reviewer.Degree.DC: Profession.CHIROPRACTIC,
    Reviewer.Degree.LAC: Profession.ACUPUNCTURE,
    Reviewer.Degree.PHD: Profession.PSYCHOLOGY,
    Reviewer.Degree.PSYD: Profession.PSYCHOLOGY,
    Reviewer.Degree.DPM: Profession.PODIATRY,
    Reviewer.Degree.DDS: Profession.DENTISTRY,
    Reviewer.Degree.OTHER: Profession.MEDICINE,
}
LICENSED_DISCIPLINE_DEGREES = (Reviewer.Degree.DC, Reviewer.Degree.LAC, Reviewer.Degree.PHD, Reviewer.Degree.PSYD)


class BoardCertification(models.Model):
    reviewer = models.ForeignKey(Reviewer, on_delete=models.CASCADE, related_name="certifications")
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, related_name="certifications")
    board = models.CharField(max_length=200, blank=True, help_text="e.g. American Board of Physical Medicine and Rehabilitation")
    certified_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True, help_text="Blank: no expiry (lifetime certificate).")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["reviewer", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["reviewer", "specialty"], name="certification_unique_specialty"),
        ]

    def __str__(self):
        return f"{self.specialty}"

    def is_current(self, on) -> bool:
        return self.expires_on is None or self.expires_on >= on


class License(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        SUSPENDED = "suspended", "Suspended"
        REVOKED = "revoked", "Revoked"

    reviewer = models.ForeignKey(Reviewer, on_delete=models.CASCADE, related_name="licenses")
    state = models.CharField(max_length=2, choices=US_STATES)
    number = models.CharField(max_length=40)
    profession = models.CharField(
        max_length=30, choices=Profession.choices, blank=True,
        help_text="What the license lets the holder practice. Blank: the profession of the reviewer's degree.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    restricted = models.BooleanField(default=False, help_text="Probation or any restriction on practice.")
    expires_on = models.DateField()

    class Meta:
        ordering = ["reviewer", "state"]
        constraints = [
            models.UniqueConstraint(fields=["state", "number"], name="license_unique_number"),
            models.CheckConstraint(condition=Q(status__in=["active", "inactive", "suspended", "revoked"]), name="license_status_valid"),
            models.CheckConstraint(condition=Q(profession__in=Profession.values), name="license_profession_valid"),
        ]

    def __str__(self):
        return f"{self.state} {self.number}"

    def save(self, *args, **kwargs):
        if not self.profession:
            self.profession = self.reviewer.profession
        super().save(*args, **kwargs)

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, self.state)

    def is_good_standing(self, on) -> bool:
        return self.status == self.Status.ACTIVE and not self.restricted and self.expires_on >= on


class Affiliation(models.Model):
    """A professional, familial or financial tie that disqualifies (LC 139.5; req. 20)."""

    class Kind(models.TextChoices):
        EMPLOYMENT = "employment", "Employment / contract"
        FINANCIAL = "financial", "Financial interest (> 5% of revenue)"
        FAMILIAL = "familial", "Family member"
        PROFESSIONAL = "professional", "Professional (group, IPA, MPN, hospital)"
        TREATED = "treated", "Previously treated or examined the employee"
        MANUFACTURER = "manufacturer", "Developer / manufacturer of a treatment"
        OTHER = "other", "Other"

    reviewer = models.ForeignKey(Reviewer, on_delete=models.CASCADE, related_name="affiliations")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, null=True, blank=True, related_name="reviewer_affiliations")
    name = models.CharField(max_length=200, help_text="Organization or person, as named by the reviewer.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PROFESSIONAL)
    normalized_name = models.CharField(max_length=200, editable=False, db_index=True)
    note = LimitedTextField(1000, blank=True)

    class Meta:
        ordering = ["reviewer", "name"]

    def save(self, *args, **kwargs):
        if self.party_id and not self.name:
            self.name = self.party.name
        self.normalized_name = normalize_name(self.name)
        super().save(*args, **kwargs)

    def __str__(self):
        return self.name


# `Assignment.queue_due_on` of a case without a decision deadline yet.
QUEUE_UNDATED = date(9999, 12, 31)


class Assignment(models.Model):
    class Status(models.TextChoices):
        OFFERED = "offered", "Awaiting acceptance"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn by intake"
        COMPLETED = "completed", "Completed"

    class DeclineKind(models.TextChoices):
        # A conflict excludes the reviewer from this case for good (reviewer_check);
        # any other reason is shown to intake beside the reviewer's name.
        CONFLICT = "conflict", "Conflict of interest"
        OTHER = "other", "Other reason"

    OPEN_STATUSES = (Status.OFFERED, Status.ACCEPTED)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assignments")
    reviewer = models.ForeignKey(Reviewer, on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OFFERED)
    matched_specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    conflict_attested = models.BooleanField(default=False, help_text="Reviewer attested to no conflict of interest.")
    attestation_text = LimitedTextField(2000, blank=True)
    decline_kind = models.CharField(max_length=20, choices=DeclineKind.choices, blank=True)
    decline_reason = LimitedTextField(2000, blank=True)
    # Intake took the offer or the accepted case back (the reviewer is told).
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    withdrawal_reason = LimitedTextField(2000, blank=True)
    # A reviewer beyond the first, allowed only by the Administrative Director's
    # recorded written approval (8 CCR 9792.10.6(c)); one approval, one extra reviewer.
    additional_approval = models.OneToOneField(
        "AdditionalReviewerApproval", on_delete=models.PROTECT, null=True, blank=True, related_name="assignment",
        editable=False,
    )

    # The case's dates, copied onto the assignment by database triggers (reviewers
    # migration 0006) whenever the case or the assignment is written, by any caller:
    # the reviewer dashboard reads its most urgent rows straight off the partial
    # indexes below instead of sorting every case of a large queue (BENCHMARKS.md).
    # Whatever Django writes into them is replaced by the trigger.
    queue_due_on = models.DateField(
        default=QUEUE_UNDATED, editable=False,
        help_text="The case's decision deadline; 9999-12-31 while it has none (undated work sorts last).",
    )
    case_due_on = models.DateField(null=True, blank=True, editable=False, help_text="The case's next deadline.")
    case_decided_on = models.DateField(null=True, blank=True, editable=False, help_text="The case's decision date.")

    class Meta:
        ordering = ["-assigned_at"]
        indexes = [
            models.Index(fields=["reviewer", "status"], name="assignment_reviewer_status_idx"),
            # The work queues "offers unanswered" and "ready to assign" (worklists.queues): a status's cases.
            models.Index(fields=["status", "case"], name="assignment_status_case_idx"),
            # The admin list's order (newest first).
            models.Index(fields=["-assigned_at", "-id"], name="assignment_assigned_idx"),
            # The intake queue "offers unanswered", oldest offer first (worklists.queues.QUEUE_ORDERS).
            models.Index(fields=["assigned_at", "id"], name="assignment_offered_idx", condition=Q(status="offered")),
            # The dashboard's open work, most urgent first, and its overdue count.
            models.Index(
                fields=["reviewer", "queue_due_on", "id"], name="assignment_open_queue_idx",
                condition=Q(status__in=["offered", "accepted"]),
            ),
            # One of the reviewer's queues (offers to answer, drafts due) in the same order.
            models.Index(
                fields=["reviewer", "status", "queue_due_on", "id"], name="assignment_open_status_idx",
                condition=Q(status__in=["offered", "accepted"]),
            ),
            models.Index(
                fields=["reviewer", "case_due_on"], name="assignment_open_due_idx",
                condition=Q(status__in=["offered", "accepted"]),
            ),
            # The dashboard's finished work, latest first.
            models.Index(
                fields=["reviewer", "case_decided_on", "id"], name="assignment_done_idx", condition=Q(status="completed"),
            ),
        ]
        constraints = [
            # One open assignment per case; an additional reviewer only under an approval (9792.10.6(c)).
            models.UniqueConstraint(
                fields=["case"], condition=Q(status__in=["offered", "accepted"], additional_approval__isnull=True),
                name="assignment_one_open_per_case",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["offered", "accepted", "declined", "withdrawn", "completed"]),
                name="assignment_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "completed"]) | Q(conflict_attested=True),
                name="assignment_accepted_needs_attestation",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""), name="assignment_declined_needs_reason"
            ),
            models.CheckConstraint(
                condition=Q(decline_kind__in=["", "conflict", "other"]) & (~Q(status="declined") | ~Q(decline_kind="")),
                name="assignment_decline_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | ~Q(withdrawal_reason=""), name="assignment_withdrawn_needs_reason"
            ),
        ]

    def __str__(self):
        return f"{self.case} → {self.reviewer}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @classmethod
    def overdue_condition(cls, today) -> Q:
        """Open assignments whose case is overdue: `Case.overdue_condition` read
        off the copied `case_due_on` (a case has a due date only while it is open,
        cases.services.status), so the reviewer's counts need no join."""
        return Q(status__in=cls.OPEN_STATUSES, case_due_on__lt=today)


class AdditionalReviewerApproval(models.Model):
    """The Administrative Director's written approval to use more than one
    reviewer on a case (8 CCR 9792.10.6(c)), recorded before the extra
    reviewer is assigned; `reviewers.services.reviewer_assign` refuses a
    second reviewer without one, for every caller."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reviewer_approvals")
    approved_on = models.DateField(help_text="The date of the Administrative Director's written approval.")
    reference = models.CharField(
        max_length=120, help_text="The approval letter's or e-mail's reference, as filed.",
    )
    reason = LimitedTextField(2000, help_text="Why another reviewer is needed (e.g. the specialties the items need).")
    document = models.ForeignKey(
        "cases.CaseDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The approval itself, uploaded to the case.",
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-approved_on", "-id"]
        verbose_name = "Administrative Director's approval of an additional reviewer"
        constraints = [
            models.CheckConstraint(condition=~Q(reference=""), name="reviewer_approval_has_reference"),
            models.CheckConstraint(condition=~Q(reason=""), name="reviewer_approval_has_reason"),
        ]

    def __str__(self):
        return f"{self.case}: AD approval {self.reference} ({self.approved_on:%Y-%m-%d})"
