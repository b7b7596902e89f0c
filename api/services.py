"""Writes of the API: service accounts, their tokens, document handles, uploads."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit
from cases.models import Party
from imrsite.errors import ServiceError

from .models import DocumentHandle, ServiceAccount

# --- service accounts -------------------------------------------------------------------


def service_account_create(*, username: str, organization: Party, password: str, description: str = "", created_by=None) -> ServiceAccount:
    """A new account for a claims administrator organization. It holds no role and
    cannot sign in to any page (api.backends)."""
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise ServiceError("a username is required", field="username")
    if organization is None or organization.kind != Party.Kind.ORGANIZATION:
        raise ServiceError("choose the claims administrator organization", field="organization")
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError("that username is taken", field="username")
    user = User(username=username, is_staff=False, is_superuser=False)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), field="password") from exc
    user.set_password(password)
    with transaction.atomic():
        user.save()
        account = ServiceAccount.objects.create(
            user=user, organization=organization, description=description.strip(), created_by=created_by
        )
        audit.record(audit.Action.API_ACCOUNT, actor=created_by, obj=account, detail={"change": "create", "organization": organization.pk})
    return account


def service_account_set_password(*, account: ServiceAccount, password: str, changed_by=None) -> None:
    """A new password; every token issued under the old one stops working."""
    try:
        validate_password(password, account.user)
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), field="password") from exc
    with transaction.atomic():
        account.user.set_password(password)
        account.user.save(update_fields=["password"])
        tokens_revoke(account=account, revoked_by=changed_by, reason="password")


def service_account_revoke(*, account: ServiceAccount, revoked_by=None) -> ServiceAccount:
    """End the account: no new tokens, every live token stops at once. Kept for the audit trail."""
    with transaction.atomic():
        account = ServiceAccount.objects.select_for_update().select_related("user").get(pk=account.pk)
        if account.revoked_at is None:
            account.revoked_at = timezone.now()
            account.revoked_by = revoked_by
            account.save(update_fields=["revoked_at", "revoked_by"])
            account.user.is_active = False
            account.user.save(update_fields=["is_active"])
            audit.record(audit.Action.API_ACCOUNT, actor=revoked_by, obj=account, detail={"change": "revoke"})
        tokens_revoke(account=account, revoked_by=revoked_by, reason="account")
    return account


def tokens_revoke(*, account: ServiceAccount, revoked_by=None, reason: str = "admin") -> int:
    """Revoke every refresh token and delete every access token of the account
    (the integration must log in again). Returns how many access tokens ended."""
    from oauth2_provider.models import get_access_token_model, get_refresh_token_model

    AccessToken, RefreshToken = get_access_token_model(), get_refresh_token_model()
    now = timezone.now()
    with transaction.atomic():
        RefreshToken.objects.filter(user_id=account.user_id, revoked__isnull=True).update(revoked=now)
        ended, _ = AccessToken.objects.filter(user_id=account.user_id).delete()
        audit.record(audit.Action.API_ACCOUNT, actor=revoked_by, obj=account, detail={"change": "tokens_revoked", "reason": reason})
    return ended


def oauth_client():
    """The one OAuth2 client the published SDK uses ("dxc"): public (no secret),
    password grant (and refresh). Made on first use, so every database has it."""
    from oauth2_provider.models import get_application_model

    Application = get_application_model()
    client = Application.objects.filter(client_id=settings.API_CLIENT_ID).first()
    if client is None:
        try:
            with transaction.atomic():
                client = Application.objects.create(
                    client_id=settings.API_CLIENT_ID,
                    name="California IMR API clients",
                    client_type=Application.CLIENT_PUBLIC,
                    authorization_grant_type=Application.GRANT_PASSWORD,
                    client_secret="",
                    hash_client_secret=False,
                    redirect_uris="",
                    algorithm="",
                )
        except IntegrityError:
            client = Application.objects.get(client_id=settings.API_CLIENT_ID)
    return client


# --- document handles ---------------------------------------------------------------------


def _new_handle() -> str:
    return f"{settings.API_HANDLE_PREFIX}/{secrets.token_hex(10)}"


def handles_for(items, *, case) -> dict:
    """The handle of each listed document, made the first time it is listed:
    {(kind, object_id): DocumentHandle}. Concurrent first listings make one row
    (unique per document; the loser's insert is ignored and the row re-read)."""
    wanted = {(item.kind, item.object_id) for item in items}
    found = {}
    for _ in range(3):
        missing = wanted - found.keys()
        if not missing:
            break
        from django.db.models import Q

        lookup = Q()
        for kind, object_id in missing:
            lookup |= Q(kind=kind, object_id=object_id)
        found.update({(h.kind, h.object_id): h for h in DocumentHandle.objects.filter(lookup)})
        missing = wanted - found.keys()
        if missing:
            DocumentHandle.objects.bulk_create(
                [DocumentHandle(kind=kind, object_id=object_id, case=case, identifier=_new_handle(), rendering=_new_handle()) for kind, object_id in missing],
                ignore_conflicts=True,
            )
    return found


# --- uploads ---------------------------------------------------------------------------


# The records category (8 CCR 9792.10.5(a)(1)) an upload is filed under when
# the caller does not say: the treating physician's reports, what the
# published "MedicalRecords" uploads are. A `category` part says otherwise.
DEFAULT_UPLOAD_CATEGORY = "A"


def records_upload(*, account: ServiceAccount, case, uploaded_file, title: str = "", category: str = ""):
    """A claims administrator's records, entered in the case's records checklist
    as received from the claims administrator now (the time the records clock
    reads) under a records category (A)-(D) (`category`, else
    DEFAULT_UPLOAD_CATEGORY), through correspondence's `records_receive`, which
    stores them with the same service as the browser upload
    (cases.services.documents_add: content-checked PDF, size limit, virus-scan
    hook, hashed, stored under a generated name, all or nothing)."""
    from cases.models import PartyRole, RecordsCategory
    from correspondence import services as correspondence_services

    category = (category or DEFAULT_UPLOAD_CATEGORY).strip().upper()
    if category not in RecordsCategory.values:
        raise ServiceError("category must be one of A, B, C or D (8 CCR 9792.10.5(a)(1))", field="category", code="category")
    return correspondence_services.records_receive(
        case=case,
        uploads=[correspondence_services.RecordUpload(uploaded_file=uploaded_file, title=title, author=account.organization.name)],
        received_from=PartyRole.CLAIMS_ADMINISTRATOR,
        category=category,
        user=account.user,
    )[0]
