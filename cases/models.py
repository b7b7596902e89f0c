import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper

from imrsite.limits import LimitedTextField

from . import deadlines
from .text import name_key, normalize_name


class DeliveryChannel(models.TextChoices):
    """How a document reaches a party (correspondence deliveries)."""

    MAIL = "mail", "Mail"
    EMAIL = "email", "E-mail"
    FAX = "fax", "Fax"
    PORTAL = "portal", "Portal / API download"


class PartyRole(models.TextChoices):
    """The part a party plays in a case: who notices go to, who sent a record."""

    EMPLOYEE = "employee", "Employee"
    ATTORNEY = "attorney", "Employee's attorney"
    REQUESTING_PROVIDER = "requesting_provider", "Requesting physician"
    EMPLOYER = "employer", "Employer"
    CLAIMS_ADMINISTRATOR = "claims_administrator", "Claims administrator"
    ADMINISTRATIVE_DIRECTOR = "administrative_director", "Administrative Director (DWC)"


class RecordsCategory(models.TextChoices):
    """The records the claims administrator must send (8 CCR 9792.10.5(a)(1))."""

    REPORTS = "A", "(A) Treating physician's reports of the 6 months before the request"
    APPLICATION = "B", "(B) DWC Form IMR (without the UR determination)"
    UR_CORRESPONDENCE = "C", "(C) UR correspondence sent to the employee"
    SUPPORTING = "D", "(D) Materials submitted in support of the request"


class Party(models.Model):
    """A person or organization that takes part in cases.

    Parties are rows of their own so the conflict-of-interest check can
    compare them with a reviewer's affiliations.
    """

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANIZATION = "organization", "Organization"

    class Sex(models.TextChoices):
        MALE = "male", "Male"
        FEMALE = "female", "Female"
        UNSPECIFIED = "unspecified", "Unspecified"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200, help_text="Display name: an organization, or a person's full name.")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=20, choices=Sex.choices, blank=True)
    specialty = models.CharField(max_length=120, blank=True, help_text="For physicians: type and specialty.")
    phone = models.CharField(max_length=40, blank=True)
    address = LimitedTextField(500, verbose_name="mailing address", blank=True)
    # Where notices and letters reach the party (correspondence app); the
    # preferred channel needs its own address field filled to be used.
    email = models.EmailField("e-mail", max_length=254, blank=True)
    fax = models.CharField("fax number", max_length=40, blank=True)
    preferred_channel = models.CharField(
        max_length=10, choices=DeliveryChannel.choices, default=DeliveryChannel.MAIL,
        help_text="How notices and letters are sent to this party.",
    )
    normalized_name = models.CharField(max_length=200, editable=False, db_index=True)
    # The identifying words of the name (no initials, any order): who may be
    # the same party is looked up by it (cases.selectors.party_candidates).
    name_key = models.CharField(max_length=200, editable=False, db_index=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "parties"
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="party_name_not_blank"),
        ]
        # The case list sorted by employee walks this index and stops at a page (BENCHMARKS.md).
        indexes = [models.Index(fields=["name", "id"], name="party_name_idx")]

    def save(self, *args, **kwargs):
        if self.kind == self.Kind.PERSON and (self.first_name or self.last_name) and not self.name:
            self.name = f"{self.first_name} {self.last_name}".strip()
        self.normalized_name = normalize_name(self.name)
        self.name_key = name_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "normalized_name", "name_key"}
        super().save(*args, **kwargs)

    def __str__(self):
        return self.name


class CaseNumberCounter(models.Model):
    """Last sequence number issued per two-digit year (never decreases)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year:02d}: {self.last}"


class ReviewType(models.TextChoices):
    STANDARD = "standard", "Standard"
    EXPEDITED = "expedited", "Expedited"


class TreatmentCategory(models.TextChoices):
    """DWC treatment-request categories (domain.md §6.2)."""

    PHARMACEUTICALS = "Pharmaceuticals", "Pharmaceuticals"
    PHYSICAL_MEDICINE = "Physical Medicine", "Rehabilitation / Physical Medicine"
    DIAGNOSTIC_TESTING = "Diagnostic Testing", "Diagnostic Testing"
    DMEPOS = "DMEPOS", "DMEPOS"
    INJECTIONS = "Injections", "Injections"
    SURGERY = "Surgery", "Surgery"
    EVALUATION_MANAGEMENT = "Evaluation & Management", "Evaluation & Management"
    BEHAVIORAL_HEALTH = "Behavioral/Mental Health", "Behavioral / Mental Health"
    PROGRAMS = "Programs", "Programs"
    HOME_HEALTH = "Home Health", "Home Health"
    ACUPUNCTURE = "Acupuncture", "Acupuncture"
    CHIROPRACTIC = "Chiropractic", "Chiropractic"
    OTHER = "Other", "Other"


# Categories whose items are usually a drug or a device (implants under
# surgery): where intake is offered the manufacturer field (LC 139.5 names
# the developer or manufacturer of the treatment).
MANUFACTURED_CATEGORIES = (
    TreatmentCategory.PHARMACEUTICALS,
    TreatmentCategory.DMEPOS,
    TreatmentCategory.INJECTIONS,
    TreatmentCategory.SURGERY,
)


class CaseQuerySet(models.QuerySet):
    def overdue(self, today=None):
        """Open cases whose next deadline has passed (see `Case.overdue_condition`)."""
        return self.filter(Case.overdue_condition(today))

    def untimely(self):
        """Applications received after the last day of their filing window
        (`cases.deadlines.filing_window_days`, per service method), overridden or not."""
        from datetime import timedelta

        late = Q()
        for method in Case.ServiceMethod.values:
            last_day = models.F("ur_decision_served_on") + timedelta(days=deadlines.filing_window_days(method))
            late |= Q(ur_decision_service=method, received_on__gt=last_day)
        return self.filter(late)


class Case(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received: eligibility pending"
        AWAITING_INFO = "awaiting_info", "Awaiting party information"
        INELIGIBLE = "ineligible", "Ineligible"
        DEFERRED = "deferred", "Deferred: liability disputed"
        AWAITING_RECORDS = "awaiting_records", "Awaiting records"
        RECORDS_COMPLETE = "records_complete", "Records complete"
        IN_REVIEW = "in_review", "With reviewer"
        DECIDED = "decided", "Decided"
        TERMINATED = "terminated", "Terminated"
        WITHDRAWN = "withdrawn", "Withdrawn"
        # Absorbed into another application of the same employee, physician and
        # injury (9792.10.4(a)); its number points to the surviving case (closures.Consolidation).
        CONSOLIDATED = "consolidated", "Consolidated into another case"

    OPEN_STATUSES = (Status.RECEIVED, Status.AWAITING_INFO, Status.AWAITING_RECORDS, Status.RECORDS_COMPLETE, Status.IN_REVIEW)
    # The decision's clock runs in these (`decision_clock_running`), once the records are complete.
    DECISION_CLOCK_STATUSES = (Status.RECORDS_COMPLETE, Status.IN_REVIEW)

    class Channel(models.TextChoices):
        MAIL = "mail", "Mail"
        FAX = "fax", "Fax"
        ELECTRONIC = "electronic", "Electronic"

    class NoticeMethod(models.TextChoices):
        MAIL = "mail", "Mail"
        ELECTRONIC = "electronic", "Electronic"

    class ServiceMethod(models.TextChoices):
        """How the UR decision was served on the employee: mail extends the filing window."""

        MAIL = "mail", "Mail"
        ELECTRONIC = "electronic", "Electronic (e-mail or fax)"
        PERSONAL = "personal", "Personal delivery"

    class IneligibleReason(models.TextChoices):
        NOT_SUBJECT = "not_subject", "Not subject to IMR"
        NO_SIGNATURE = "no_signature", "No signature of employee or representative"
        NO_UR_DECISION = "no_ur_decision", "UR decision not attached"
        UNTIMELY = "untimely", "Untimely: filed more than 30 days after service of the UR decision"
        CNC = "cnc", "UR is a conditional non-certification"
        DUPLICATE = "duplicate", "Duplicate of another application"
        LIABILITY = "liability", "Liability disputed"
        OTHER = "other", "Other"

    number = models.CharField("case number", max_length=20, unique=True, editable=False)
    review_type = models.CharField(max_length=20, choices=ReviewType.choices, default=ReviewType.STANDARD)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.RECEIVED)

    # Application (DWC Form IMR, domain.md §2.2)
    received_on = models.DateField("application received")
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.ELECTRONIC)
    ur_decision_date = models.DateField("UR decision date")
    # The filing window runs from service of the decision, not its date (LC 4610.5(h)(1)).
    ur_decision_served_on = models.DateField("UR decision served on")
    ur_decision_service = models.CharField(
        "UR decision served by", max_length=20, choices=ServiceMethod.choices, default=ServiceMethod.MAIL
    )
    rfa_date = models.DateField("RFA date", null=True, blank=True)
    date_of_injury = models.DateField()
    claim_number = models.CharField(max_length=60, db_index=True)
    eams_number = models.CharField("EAMS (ADJ) case number", max_length=40, blank=True)
    wcis_number = models.CharField("WCIS jurisdictional claim number", max_length=40, blank=True)
    employee = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="cases_as_employee")
    employer = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="cases_as_employer")
    claims_administrator = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="cases_as_claims_administrator"
    )
    adjuster_name = models.CharField("claims adjuster / contact", max_length=120, blank=True)
    adjuster_phone = models.CharField(max_length=40, blank=True)
    requesting_provider = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="cases_as_requesting_provider"
    )
    attorney = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="cases_as_attorney"
    )
    # The other parties LC 139.5 bars a reviewer from being affiliated with
    # (domain.md §3.3); optional: not every case has them or knows them.
    medical_provider_network = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="cases_as_medical_provider_network",
        verbose_name="medical provider network (MPN)",
        help_text="The insurer's or claims administrator's MPN, if the employee is treated in one.",
    )
    medical_group = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="cases_as_medical_group",
        verbose_name="requesting physician's medical group or IPA",
    )
    treating_facility = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="cases_as_treating_facility",
        help_text="The hospital, clinic or center where the disputed treatment would be provided.",
    )
    diagnosis = LimitedTextField(1000, verbose_name="primary diagnosis", blank=True)
    diagnosis_icd = models.CharField("ICD code", max_length=20, blank=True)
    is_formulary_dispute = models.BooleanField(
        default=False, help_text="Medication under the MTUS drug formulary: decision due in 5 working days."
    )
    disputed_for_other_reasons = models.BooleanField(
        default=False, help_text="Also disputed for reasons other than medical necessity."
    )
    information_not_received = models.BooleanField(
        default=False, help_text="Delayed or denied because requested information was not received (CNC)."
    )

    # Screening (domain.md §2.3)
    signature_present = models.BooleanField(default=True)
    ur_decision_attached = models.BooleanField(default=True)
    liability_disputed = models.BooleanField(default=False)
    untimely_override_reason = LimitedTextField(2000, blank=True)
    ineligible_reason = models.CharField(max_length=30, choices=IneligibleReason.choices, blank=True)
    eligibility_note = LimitedTextField(2000, blank=True)
    eligibility_decided_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )

    # Process dates and deadlines (domain.md §2.4–2.7)
    # The recorded copy of the NOARFI's sending to the claims administrator
    # (date and mail/electronic), written by the correspondence service when
    # that delivery is recorded sent; the records clock reads it. Indexed for
    # the DWC statistics ("NOARFI mailing" to "FDL mailing").
    assigned_on = models.DateField("notice of assignment sent", null=True, blank=True, db_index=True)
    notice_method = models.CharField(max_length=20, choices=NoticeMethod.choices, default=NoticeMethod.ELECTRONIC)
    expedited_since = models.DateField(null=True, blank=True)
    records_due_on = models.DateField(null=True, blank=True)
    records_complete_on = models.DateField(null=True, blank=True)
    decision_due_on = models.DateField(null=True, blank=True)
    # The next deadline that matters for the case's status; what lists sort by.
    due_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    # The first recorded sending of the Final Determination Letter to a party
    # (correspondence), for the DWC statistics; appeal deadlines run per recipient.
    letter_mailed_on = models.DateField("letter mailed", null=True, blank=True, db_index=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The intake staff member who looks after the case (work queues, bulk "change the owner").
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_cases",
        help_text="The intake staff member who looks after the case.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What the case list's search reads: the number, the claim number and the folded
    # names of the employee, employer and claims administrator, in one column with
    # one trigram index (cases migration 0012). Written by database triggers when the
    # case or one of those parties changes, by any caller; whatever Django writes is replaced.
    search_text = models.TextField(blank=True, default="", editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "number"]
        indexes = [
            # A status's cases in the case list's order (a status filter or work queue reads its first page off it).
            models.Index(fields=["status", "due_on", "-received_on", "number"], name="case_status_order_idx"),
            models.Index(fields=["due_on", "number"], name="case_due_idx"),
            # The case list's default order, exactly (`cases.selectors._ordering`): its first page is read off the index.
            models.Index(fields=["due_on", "-received_on", "number"], name="case_list_order_idx"),
            models.Index(fields=["review_type", "status"], name="case_type_status_idx"),
            models.Index(fields=["-received_on"], name="case_received_idx"),
            # The reviewer dashboard's "finalized this month" (BENCHMARKS.md).
            models.Index(fields=["decided_on"], name="case_decided_idx"),
            # The claims administrators' API search (api.selectors.case_search): a case or claim number in
            # any letter case, an organization's cases by status or all of them, latest first.
            models.Index(Upper("number"), name="case_number_upper_idx"),
            models.Index(Upper("claim_number"), name="case_claim_upper_idx"),
            models.Index(fields=["claims_administrator", "status", "-received_on"], name="case_ca_status_received_idx"),
            models.Index(fields=["claims_administrator", "-received_on", "number"], name="case_ca_received_idx"),
            # The work queue "decisions due" (worklists.queues): its range of next deadlines, in the case
            # list's order (case_list_order_idx), so its list reads a page and its count stops at the cap.
            models.Index(
                fields=["due_on", "-received_on", "number"], name="case_decisions_due_idx",
                condition=Q(status__in=["records_complete", "in_review"], records_complete_on__isnull=False),
            ),
            # The work queue "records overdue", counted off the index alone.
            models.Index(fields=["status", "records_due_on"], name="case_records_overdue_idx", condition=Q(records_complete_on__isnull=True)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["received", "awaiting_info", "ineligible", "deferred", "awaiting_records", "records_complete", "in_review", "decided", "terminated", "withdrawn", "consolidated"]), name="case_status_valid"),
            models.CheckConstraint(condition=Q(review_type__in=["standard", "expedited"]), name="case_review_type_valid"),
            models.CheckConstraint(
                condition=Q(date_of_injury__lte=models.F("ur_decision_date")),
                name="case_injury_before_ur_decision",
            ),
            models.CheckConstraint(
                condition=Q(ur_decision_date__lte=models.F("received_on")),
                name="case_ur_decision_before_application",
            ),
            models.CheckConstraint(
                condition=~Q(status="ineligible") | ~Q(ineligible_reason=""),
                name="case_ineligible_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(ur_decision_served_on__gte=models.F("ur_decision_date")),
                name="case_ur_served_after_decision",
            ),
            # The application carries a copy of the decision, so it follows its service.
            models.CheckConstraint(
                condition=Q(ur_decision_served_on__lte=models.F("received_on")),
                name="case_ur_served_before_application",
            ),
            models.CheckConstraint(
                condition=Q(ur_decision_service__in=["mail", "electronic", "personal"]), name="case_ur_service_valid"
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("cases:detail", kwargs={"number": self.number})

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_expedited(self) -> bool:
        return self.review_type == ReviewType.EXPEDITED

    # Which stored deadline binds now (`due_on`); a countdown runs only while it does.
    @property
    def records_clock_running(self) -> bool:
        """Records are still due from the claims administrator: their clock runs,
        also after a reviewer was assigned (issue 19 item 12)."""
        return (
            self.records_due_on is not None
            and self.records_complete_on is None
            and self.status in (self.Status.AWAITING_RECORDS, self.Status.IN_REVIEW)
        )

    @property
    def decision_clock_running(self) -> bool:
        return self.status in self.DECISION_CLOCK_STATUSES

    # --- the filing window and applicability (computed in cases.deadlines) ---------

    @property
    def filing_deadline(self):
        """Last day a timely application could be received."""
        return deadlines.filing_deadline(served_on=self.ur_decision_served_on, service=self.ur_decision_service)

    @property
    def days_after_service(self) -> int:
        return (self.received_on - self.ur_decision_served_on).days

    @property
    def is_untimely(self) -> bool:
        """Received after the filing window closed (whether or not a late filing was accepted)."""
        return deadlines.is_untimely(
            received_on=self.received_on, served_on=self.ur_decision_served_on, service=self.ur_decision_service
        )

    @property
    def is_subject_to_imr(self) -> bool:
        return deadlines.is_subject_to_imr(
            date_of_injury=self.date_of_injury, ur_decision_communicated_on=self.ur_decision_served_on
        )

    # --- overdue: one condition, in SQL and in Python ------------------------------

    @staticmethod
    def overdue_condition(today=None, prefix: str = "") -> Q:
        """An open case whose next deadline (`due_on`) is before today; `prefix`
        ("case__") applies it across a relation. `is_overdue_on` is the same test on one row."""
        from django.utils import timezone

        today = today or timezone.localdate()
        return Q(**{f"{prefix}status__in": Case.OPEN_STATUSES, f"{prefix}due_on__lt": today})

    def is_overdue_on(self, today) -> bool:
        return bool(self.is_open and self.due_on and self.due_on < today)

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.is_overdue_on(timezone.localdate())


class DisputedItem(models.Model):
    class URDecision(models.TextChoices):
        DENIED = "denied", "Denied"
        MODIFIED = "modified", "Modified"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(
        max_length=500, help_text='As requested on the RFA, e.g. "Eight (8) physical therapy visits".'
    )
    category = models.CharField("treatment category", max_length=40, choices=TreatmentCategory.choices)
    ur_decision = models.CharField("UR decision", max_length=20, choices=URDecision.choices, default=URDecision.DENIED)
    claims_administrator_guideline = LimitedTextField(
        500, blank=True, help_text="The guideline the claims administrator cited; blank if it cited no medical evidence."
    )
    manufacturer = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="disputed_items_as_manufacturer",
        help_text="Developer or manufacturer of a disputed drug or device.",
    )

    class Meta:
        ordering = ["case", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "position"], name="item_position_unique"),
            models.CheckConstraint(condition=~Q(description=""), name="item_description_not_blank"),
        ]

    def __str__(self):
        return self.description


def document_upload_to(instance, filename):
    # Never a user-supplied name in a path: the original is kept as metadata.
    return f"documents/{instance.case_id}/{uuid.uuid4().hex}.pdf"


class CurrentDocumentManager(models.Manager):
    """Documents still on the case: a withdrawn (misfiled) document is gone
    from every list, file, letter and check that reads `case.documents` or
    `CaseDocument.objects`. `CaseDocument.all_objects` keeps it for the
    audit trail and the admin."""

    def get_queryset(self):
        return super().get_queryset().filter(withdrawn_at__isnull=True)


class CaseDocument(models.Model):
    class Kind(models.TextChoices):
        APPLICATION = "application", "Application for IMR (DWC Form IMR)"
        UR_DETERMINATION = "ur_determination", "Utilization Review determination"
        MEDICAL_RECORD = "medical_record", "Medical record / progress report"
        RFA = "rfa", "Request for Authorization"
        IMAGING = "imaging", "Imaging / diagnostic report"
        CONSULTATION = "consultation", "Specialist consultation"
        UR_CORRESPONDENCE = "ur_correspondence", "UR correspondence"
        EMPLOYEE_SUBMISSION = "employee_submission", "Employee submission"
        PROVIDER_SUBMISSION = "provider_submission", "Provider submission"
        EXPEDITE_CERTIFICATION = "expedite_certification", "Certification for expedited review"
        GUIDELINE = "guideline", "Guideline / medical literature"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=255)
    kind = models.CharField(max_length=40, choices=Kind.choices, default=Kind.MEDICAL_RECORD)
    author = models.CharField(max_length=200, blank=True)
    dated = models.DateField("document date", null=True, blank=True)
    received_on = models.DateField(null=True, blank=True)
    # Where it came from and which required record it is (the records checklist, 9792.10.5).
    received_at = models.DateTimeField(null=True, blank=True)
    received_from = models.CharField(max_length=30, choices=PartyRole.choices, blank=True)
    records_category = models.CharField(max_length=1, choices=RecordsCategory.choices, blank=True)
    file = models.FileField(upload_to=document_upload_to, blank=True, max_length=255)
    original_filename = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    page_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Withdrawn from the case (misfiled: another patient's records): the file
    # stays in storage for the audit trail, the document leaves the case record.
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    withdrawal_reason = LimitedTextField(1000, blank=True, editable=False)

    # The first manager is the default one, and related managers (`case.documents`) follow it.
    objects = CurrentDocumentManager()
    all_objects = models.Manager()

    class Meta:
        ordering = ["case", "dated", "id"]
        base_manager_name = "all_objects"
        indexes = [models.Index(fields=["case", "kind"], name="document_case_kind_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(records_category__in=["", "A", "B", "C", "D"]), name="document_records_category_valid"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawal_reason=""), name="document_withdrawal_has_reason"
            ),
        ]

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def download_name(self) -> str:
        """The name a download is saved under: the uploaded name (or the title), always ending in .pdf."""
        from imrsite.downloads import pdf_filename

        return pdf_filename(self.original_filename or self.title)

    def __str__(self):
        return self.title


class EmergencyAccessQuerySet(models.QuerySet):
    def active(self, now=None):
        """Grants in force: not revoked and not yet expired."""
        from django.utils import timezone

        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class EmergencyAccess(models.Model):
    """Break-glass access (HIPAA 164.312(a)(2)(ii)): an admin lets one user see
    one case they could not otherwise see, for a few hours, with a reason.

    Written only by `cases.services.emergency_access_grant` / `_revoke`; kept
    for review, never edited or deleted.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="emergency_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = LimitedTextField(2000, help_text="Why this user must see this case now. Kept for review.")
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = EmergencyAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-id"]
        verbose_name = "emergency access grant"
        indexes = [models.Index(fields=["user", "expires_at"], name="emergency_user_expires_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="emergency_access_has_reason"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("granted_at")), name="emergency_access_expires_later"),
        ]

    def __str__(self):
        return f"Emergency access to case {self.case_id} for user {self.user_id}"

    def is_active(self, now=None) -> bool:
        from django.utils import timezone

        return self.revoked_at is None and self.expires_at > (now or timezone.now())
