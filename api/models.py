"""Service accounts of claims administrators and the handles of the documents they exchange."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ServiceAccount(models.Model):
    """A claims administrator organization's machine account for the API.

    Its user signs in nowhere but the token endpoint (api.backends); it sees
    the cases whose claims administrator is `organization`
    (cases.visibility.visible_cases). Created and revoked by an admin through
    api.services; a revoked account stays for the audit trail.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_account")
    organization = models.ForeignKey(
        "cases.Party",
        on_delete=models.PROTECT,
        related_name="service_accounts",
        limit_choices_to={"kind": "organization"},
        help_text="The claims administrator this account acts for: it sees that organization's cases only.",
    )
    description = models.CharField(max_length=200, blank=True, help_text="Who runs the integration (vendor, contact).")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_by__isnull=True) | Q(revoked_at__isnull=False),
                name="service_account_revoker_has_time",
            ),
        ]

    def __str__(self):
        return self.user.username

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.user.is_active


class DocumentHandle(models.Model):
    """The opaque identifiers under which a document is published to a claims administrator.

    One row per document, letter or notice, made the first time it is listed:
    `identifier` names the document, `rendering` its PDF (what a client
    downloads); both look like "<prefix>/<20 hex digits>", as the contract's
    handles do. The document control number (dcn) is API_DCN_BASE + id,
    unique across the system by construction.
    """

    class Kind(models.TextChoices):
        DOCUMENT = "document", "Case document"
        LETTER = "letter", "Determination letter"
        NOTICE = "notice", "Notice"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField()
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    identifier = models.CharField(max_length=64, unique=True)
    rendering = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="document_handle_one_per_object"),
            models.CheckConstraint(condition=Q(kind__in=["document", "letter", "notice"]), name="document_handle_kind_valid"),
        ]

    def __str__(self):
        return self.rendering

    @property
    def dcn(self) -> str:
        return str(settings.API_DCN_BASE + self.id)
