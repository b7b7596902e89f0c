from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    INTAKE = "intake", "Intake staff"
    REVIEWER = "reviewer", "Physician reviewer"
    ADMIN = "admin", "Administrator"
    MANAGER = "manager", "Manager (reports, read-only)"


class User(AbstractUser):
    """One account per human (HIPAA unique user identification).

    Roles are Django groups named after `Role` values, so permissions can be
    managed in admin; accounts are deactivated, never deleted.
    """

    class Meta:
        ordering = ["username"]

    def __str__(self):
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


class Notification(models.Model):
    """An on-site message to a user or to everyone in a role."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    role = models.CharField(max_length=20, choices=Role.choices, blank=True, help_text="Sent to everyone in this role.")
    message = models.CharField(max_length=500)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_recipient_idx"),
            models.Index(fields=["role", "read_at"], name="notification_role_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | ~models.Q(role=""), name="notification_has_audience"
            )
        ]

    def __str__(self):
        return self.message


class AuditEventQuerySet(models.QuerySet):
    """Bulk update and delete are refused like single ones: the trail is append-only."""

    def update(self, **kwargs):
        raise PermissionError("audit events are append-only")

    def delete(self):
        raise PermissionError("audit events are append-only")


class AuditEvent(models.Model):
    """One read or change of health information, or a security event (HIPAA 164.312(b)).

    Written only through `accounts.audit.record`. Append-only: `save` refuses
    to change a stored row, `delete` refuses, the admin is read-only and on
    PostgreSQL a trigger refuses UPDATE and DELETE. `detail` holds ids and
    status values only, never health information.
    """

    class Action(models.TextChoices):
        CASE_LIST = "case.list", "Case list or queue viewed"
        CASE_VIEW = "case.view", "Case viewed"
        CASE_CREATE = "case.create", "Case registered"
        CASE_SCREEN = "case.screen", "Case screened"
        CASE_STATUS = "case.status", "Case status changed"
        CASE_UPDATE = "case.update", "Case dates changed"
        DOCUMENT_UPLOAD = "document.upload", "Document uploaded"
        DOCUMENT_DOWNLOAD = "document.download", "Document downloaded"
        DOCUMENT_WITHDRAW = "document.withdraw", "Document withdrawn from the case"
        PARTY_UPDATE = "party.update", "Party details updated"
        ASSIGNMENT_CREATE = "assignment.create", "Case offered to a reviewer"
        ASSIGNMENT_ACCEPT = "assignment.accept", "Assignment accepted"
        ASSIGNMENT_DECLINE = "assignment.decline", "Assignment declined"
        ASSIGNMENT_WITHDRAW = "assignment.withdraw", "Assignment withdrawn by intake"
        DETERMINATION_VIEW = "determination.view", "Determination viewed"
        DETERMINATION_SAVE = "determination.save", "Determination draft saved"
        DETERMINATION_FINALIZE = "determination.finalize", "Determination finalized"
        CORRECTION_OPEN = "correction.open", "Correction of a final determination opened"
        CORRECTION_REVIEWER = "correction.reviewer", "Correction given to another reviewer"
        DETERMINATION_SUPERSEDE = "determination.supersede", "Determination superseded by its correction"
        LETTER_PREVIEW = "letter.preview", "Letter previewed"
        LETTER_REQUEST = "letter.request", "Letter issued (rendering requested)"
        LETTER_RENDER = "letter.render", "Letter rendered"
        LETTER_DOWNLOAD = "letter.download", "Letter downloaded"
        ADMIN_CHANGE = "admin.change", "Changed in admin"
        AUTH_LOGIN = "auth.login", "Signed in"
        AUTH_LOGOUT = "auth.logout", "Signed out"
        AUTH_FAILURE = "auth.failure", "Sign-in failed"
        AUTH_LOCKOUT = "auth.lockout", "Account locked out"
        AUTH_MFA_FAILURE = "auth.mfa_failure", "Second factor failed"
        AUTHZ_DENIED = "authz.denied", "Access denied"
        INTEGRITY_MISMATCH = "integrity.mismatch", "Stored file failed its integrity check"
        EMERGENCY_GRANT = "emergency.grant", "Emergency access granted"
        REPORT_RENDER = "report.render", "Statistics report rendered"
        EMERGENCY_REVOKE = "emergency.revoke", "Emergency access revoked"
        USER_DEACTIVATE = "user.deactivate", "User deactivated"
        USER_REACTIVATE = "user.reactivate", "User reactivated"
        AUTH_MFA_RESET = "auth.mfa_reset", "Two-factor authentication reset"
        AUTH_UNLOCK = "auth.unlock", "Sign-in lockout released"
        REVIEWER_CREDENTIALS = "reviewer.credentials", "Reviewer credentials changed"
        PARTY_CONTACT = "party.contact", "Party contact details changed"
        NOTICE_ISSUE = "notice.issue", "Notice issued (rendering requested)"
        NOTICE_RENDER = "notice.render", "Notice or mail batch rendered"
        NOTICE_DOWNLOAD = "notice.download", "Notice or mail batch downloaded"
        DELIVERY_UPDATE = "delivery.update", "Delivery recorded (sent, delivered, failed or retried)"
        MAIL_BATCH = "mail_batch.update", "Mail batch prepared or mailed"
        RECORDS_COMPLETE = "records.complete", "Records declared complete"
        INFO_REQUEST = "info_request.update", "Information request sent, answered or expired"
        CORRESPONDENCE_VIEW = "correspondence.view", "Correspondence list or report viewed"
        API_TOKEN = "api.token", "API token issued"
        API_ACCOUNT = "api.account", "API service account changed"
        API_MANIFEST = "api.manifest", "API notice manifest read or acknowledged"
        IMPLEMENTATION = "implementation.update", "Letter receipt or implementation of an overturned item recorded"
        APPEAL = "appeal.update", "Appeal to the WCAB recorded or decided"
        REMAND = "remand.create", "Remand opened as a new review"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # Users are deactivated, never deleted, so every row keeps its person.
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events")
    action = models.CharField(max_length=40, choices=Action.choices)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events")
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["case", "-at"], name="audit_case_at_idx"),
            models.Index(fields=["user", "-at"], name="audit_user_at_idx"),
            models.Index(fields=["action", "-at"], name="audit_action_at_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} by {self.user_id or '-'}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events are append-only")
