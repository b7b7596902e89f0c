"""What the organization sends and receives, per party.

- `Notice`: a statutory notice (NOARFI, ineligibility, information request,
  conversion to expedited, reviewer's question and its answer), rendered by
  the shared engine from the `content` frozen when it was issued.
- `Delivery`: one per document (a notice or a Final Determination Letter)
  and recipient: channel, address used, prepared / sent / delivered or failed.
- `MailBatch`: the day's mail and fax, printed as one PDF with cover sheets
  (rendered by the engine too) and marked mailed by staff.
- `InformationRequest`: a question to a party (the organization's, 9792.10.3,
  or the reviewer's, LC 4610.6(b)) and its answer.
- `RecordsCompletion`: the decision that the records are complete (by staff
  with the checklist, or by the time running out) and what was missing.

The records received themselves are case documents (`cases.CaseDocument`
with `received_from`, `records_category` and `received_at`).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from cases.models import Case, CaseDocument, DeliveryChannel, Party, PartyRole
from imrsite.pipeline import RenderedDocument, status_constraints


class NoticeKind(models.TextChoices):
    NOARFI = "noarfi", "Notice of Assignment and Request for Information"
    INELIGIBLE = "ineligible", "Notice of ineligibility"
    INFO_REQUEST = "info_request", "Request for information"
    EXPEDITED = "expedited", "Notice of conversion to expedited review"
    REVIEWER_REQUEST = "reviewer_request", "Reviewer's request for additional information"
    REVIEWER_RESPONSE = "reviewer_response", "Response to the reviewer's request"
    TERMINATION = "termination", "Notice of termination of review"


# At most one of these per case (a second request finds the first).
SINGLE_NOTICES = (NoticeKind.NOARFI, NoticeKind.INELIGIBLE, NoticeKind.EXPEDITED, NoticeKind.TERMINATION)


def notice_upload_to(instance, filename):
    # Fixed per notice and version: a repeated render overwrites, never duplicates.
    return f"notices/{instance.case_id}/{instance.pk}-{instance.kind}-v{instance.version}.pdf"


class Notice(RenderedDocument):
    """A notice, rendered from `content` (what it says, frozen at issue)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=30, choices=NoticeKind.choices)
    version = models.PositiveSmallIntegerField(default=1)
    information_request = models.ForeignKey(
        "InformationRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    issued_on = models.DateField(help_text="The date printed on the notice.")
    send_by = models.DateField(help_text="The last day it may go out (NOARFI: one business day after eligibility).")
    content = models.JSONField(default=dict, help_text="What the notice says, frozen when it was issued.")
    file = models.FileField(upload_to=notice_upload_to, blank=True, max_length=255)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["case", "created_at", "id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="notice_status_idx"),
            models.Index(fields=["case", "kind"], name="notice_case_kind_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "version"], name="notice_version_unique",
                                    condition=Q(information_request__isnull=True)),
            models.UniqueConstraint(fields=["information_request", "kind", "version"], name="notice_request_version_unique",
                                    condition=Q(information_request__isnull=False)),
            models.CheckConstraint(condition=Q(kind__in=NoticeKind.values), name="notice_kind_valid"),
            *status_constraints("notice"),
        ]

    def __str__(self):
        return f"{self.case} {self.get_kind_display()} v{self.version}"


def batch_upload_to(instance, filename):
    return f"mail-batches/{instance.batch_date:%Y/%m}/{instance.pk}-{instance.batch_date:%Y%m%d}-{instance.number}.pdf"


class MailBatch(RenderedDocument):
    """The day's mail and fax: one print file (cover sheet + document per
    delivery), then marked mailed by staff, which records each delivery sent."""

    batch_date = models.DateField()
    number = models.PositiveSmallIntegerField(default=1, help_text="The batch's number within its day.")
    file = models.FileField(upload_to=batch_upload_to, blank=True, max_length=255)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    mailed_on = models.DateField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    mailed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-batch_date", "-number"]
        verbose_name_plural = "mail batches"
        constraints = [
            models.UniqueConstraint(fields=["batch_date", "number"], name="mail_batch_number_unique"),
            *status_constraints("mail_batch"),
        ]

    def __str__(self):
        return f"Mail batch {self.batch_date:%Y-%m-%d} #{self.number}"

    @property
    def is_mailed(self) -> bool:
        return self.mailed_at is not None


class Delivery(models.Model):
    """One document to one recipient by one channel, and what became of it."""

    class Status(models.TextChoices):
        PENDING = "pending", "To send"
        SENDING = "sending", "Sending"
        # An e-mail interrupted after the SMTP commit point: maybe sent; staff check the mail log.
        UNCONFIRMED = "unconfirmed", "Sent? (check the mail log)"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    DONE = (Status.SENT, Status.DELIVERED)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="deliveries")
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries")
    letter = models.ForeignKey("determinations.Letter", on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries")
    role = models.CharField(max_length=30, choices=PartyRole.choices)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries")
    # What was used, kept as sent: a later change of the party's address does not rewrite history.
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True, help_text="Postal address, e-mail address or fax number used.")
    channel = models.CharField(max_length=10, choices=DeliveryChannel.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    prepared_at = models.DateTimeField(auto_now_add=True)
    send_by = models.DateField()
    batch = models.ForeignKey(MailBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries")
    sent_on = models.DateField(null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    delivered_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True, help_text="Claims administrator's acknowledgement (API).")
    failed_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)
    # E-mail: the id recorded before the SMTP transaction, the claim, the commit point.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    smtp_commit_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "prepared_at", "id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "channel", "send_by"], name="delivery_status_idx"),
            models.Index(fields=["party", "role", "sent_on"], name="delivery_party_sent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(notice__isnull=False) & Q(letter__isnull=True)) | (Q(notice__isnull=True) & Q(letter__isnull=False)),
                name="delivery_one_document",
            ),
            # One record per document and recipient: a double click or a redelivered task finds it.
            models.UniqueConstraint(fields=["notice", "role"], condition=Q(notice__isnull=False), name="delivery_notice_role_unique"),
            models.UniqueConstraint(fields=["letter", "role"], condition=Q(letter__isnull=False), name="delivery_letter_role_unique"),
            models.CheckConstraint(condition=Q(status__in=["pending", "sending", "unconfirmed", "sent", "delivered", "failed"]), name="delivery_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=DeliveryChannel.values), name="delivery_channel_valid"),
            models.CheckConstraint(condition=~Q(status__in=["sent", "delivered"]) | Q(sent_on__isnull=False), name="delivery_sent_has_date"),
            models.CheckConstraint(condition=~Q(status="failed") | ~Q(failure_reason=""), name="delivery_failed_has_reason"),
        ]

    def __str__(self):
        return f"{self.document_label} to {self.get_role_display()} by {self.get_channel_display()}"

    @property
    def document(self):
        return self.notice if self.notice_id else self.letter

    @property
    def document_label(self) -> str:
        if self.notice_id:
            return self.notice.get_kind_display()
        return "Final Determination Letter"

    @property
    def is_done(self) -> bool:
        return self.status in self.DONE


class InformationRequest(models.Model):
    """A question to one party and its answer.

    The organization's (9792.10.3(b)): the case waits in "Awaiting party
    information" until it is answered or the time runs out. The reviewer's
    (LC 4610.6(b)): the request and the answer are copied to all parties.
    """

    class Origin(models.TextChoices):
        ORGANIZATION = "organization", "Organization (eligibility)"
        REVIEWER = "reviewer", "Physician reviewer"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the answer"
        ANSWERED = "answered", "Answered"
        EXPIRED = "expired", "No answer in time"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="information_requests")
    origin = models.CharField(max_length=20, choices=Origin.choices)
    role = models.CharField("asked of", max_length=30, choices=PartyRole.choices)
    question = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(auto_now_add=True)
    due_on = models.DateField()
    # Where the case goes back to when the wait ends (organization requests).
    resume_status = models.CharField(max_length=30, blank=True)
    answer = models.TextField(blank=True)
    answer_document = models.ForeignKey(CaseDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case", "-asked_at"]
        indexes = [models.Index(fields=["status", "due_on"], name="info_request_status_due_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(question=""), name="info_request_has_question"),
            models.CheckConstraint(condition=Q(status__in=["open", "answered", "expired"]), name="info_request_status_valid"),
            models.CheckConstraint(condition=~Q(status="answered") | Q(answered_at__isnull=False), name="info_request_answered_has_time"),
        ]

    def __str__(self):
        return f"{self.case} request to {self.get_role_display()} ({self.get_status_display()})"


class RecordsCompletion(models.Model):
    """Why the records are complete: staff decided with the checklist in
    front of them, or the time ran out (9792.10.5); what was missing then."""

    class Basis(models.TextChoices):
        CHECKLIST = "checklist", "Staff decision on the checklist"
        TIME_OUT = "time_out", "The time for records ran out"
        IMPORTED = "imported", "Recorded before this system"

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="records_completion")
    on = models.DateField()
    basis = models.CharField(max_length=20, choices=Basis.choices)
    missing = models.JSONField(default=list, blank=True, help_text="Categories (A-D) not received from the claims administrator.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(basis__in=["checklist", "time_out", "imported"]), name="records_completion_basis_valid"),
        ]

    def __str__(self):
        return f"{self.case} records complete on {self.on}"
