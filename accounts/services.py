"""Writes about users: on-site notifications (sending, marking read), two-factor
devices and recovery codes, sign-in lockouts."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from imrsite.errors import ServiceError

from . import audit
from .models import Notification
from .selectors import notifications_unread, two_factor_enrolled


def notification_send(*, message: str, link: str = "", recipient=None, role: str = "") -> Notification:
    """An on-site message to one user (`recipient`) or to everyone in a `role`.
    Messages name cases by number, never by patient: they show in the navbar."""
    if recipient is None and not role:
        raise ValueError("a notification needs a recipient or a role")
    limit = Notification._meta.get_field("message").max_length
    return Notification.objects.create(
        recipient=recipient, role=role, link=link,
        message=message if len(message) <= limit else message[: limit - 1] + "…",
    )


def notifications_mark_read(*, user) -> int:
    """Mark everything the user sees as read. A role notification is shared:
    once one intake colleague has read it, it is handled for all of them."""
    return notifications_unread(user).update(read_at=timezone.now())


# --- Two-factor authentication (django-otp) ------------------------------------

RECOVERY_DEVICE_NAME = "Recovery codes"
AUTHENTICATOR_DEVICE_NAME = "Authenticator app"


def _normalized_token(token: str) -> str:
    # People type recovery codes with the hyphen we show, or with spaces.
    return "".join(str(token).split()).replace("-", "").lower()


def two_factor_enrollment_device(*, user) -> TOTPDevice:
    """The authenticator being set up: one unconfirmed device per user, kept
    across page loads so the QR code they scanned stays valid."""
    if two_factor_enrolled(user):
        raise ServiceError("Two-factor authentication is already set up for this account.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_DEVICE_NAME, confirmed=False)
    return device


def two_factor_confirm(*, user, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the app with a code it shows now; returns the device and a
    first set of recovery codes (shown once)."""
    token = _normalized_token(token)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None or two_factor_enrolled(user):
            raise ServiceError("Two-factor setup is not in progress; reload the page to start again.", field="token")
        refusal = _throttled(device)
        verified = refusal is None and device.verify_token(token)
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = recovery_codes_generate(user=user)
    # Refused outside the transaction, so django-otp's failure count (throttling) is kept.
    if not verified:
        raise ServiceError(refusal or WRONG_CODE, field="token")
    return device, codes


def two_factor_check(*, user, token: str) -> Device:
    """The user's device that accepts this token: a 6-digit code from the app,
    or one of the recovery codes (used up by this check)."""
    token = _normalized_token(token)
    model = TOTPDevice if token.isdigit() else StaticDevice
    matched, refusal = None, None
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            refusal = _throttled(device)
            if refusal is None and device.verify_token(token):
                matched = device
                break
    if matched is None:
        audit.record(audit.Action.AUTH_MFA_FAILURE, actor=user, detail={"reason": "throttled" if refusal else "wrong_code"})
        raise ServiceError(refusal or WRONG_CODE, field="token")
    return matched


WRONG_CODE = "That code is not right. Enter the current code from your authenticator app, or a recovery code."


def _throttled(device) -> str | None:
    """django-otp's wait after wrong codes (doubling with each one), as a message."""
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (details or {}).get("locked_until")
    wait = max(1, int((locked_until - timezone.now()).total_seconds())) if locked_until else 1
    return f"Too many wrong codes. Wait {wait} second{'s' if wait != 1 else ''}, then try again."


def recovery_codes_generate(*, user) -> list[str]:
    """Replace the user's recovery codes with a fresh set of single-use codes."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ServiceError("Set up an authenticator app before generating recovery codes.")
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True})
        device.token_set.all().delete()
        codes = []
        while len(codes) < settings.IMR_RECOVERY_CODE_COUNT:
            code = StaticToken.random_token()
            if code not in codes:
                codes.append(code)
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def two_factor_reset(*, user, by=None) -> int:
    """Remove the user's authenticator and recovery codes (a lost phone): they
    enroll again at their next sign-in, and any session verified with the old
    device stops being verified. Audited (`auth.mfa_reset`, by `by`). Returns
    the number of devices removed."""
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        static, _ = StaticDevice.objects.filter(user=user).delete()
        devices = removed + (1 if static else 0)
        audit.record(audit.Action.AUTH_MFA_RESET, actor=by, obj=user, detail={"devices": devices})
    return devices


def login_unlock(*, user, by=None) -> int:
    """Clear the failed sign-ins that locked the user out (django-axes), from
    every address. Audited (`auth.unlock`). Returns the number of lockout records removed."""
    from axes.utils import reset

    cleared = reset(username=user.username)
    audit.record(audit.Action.AUTH_UNLOCK, actor=by, obj=user, detail={"records": cleared})
    return cleared


def access_attempts_delete(*, attempts, by=None) -> int:
    """Delete django-axes attempt rows (the admin's other way to release a
    lockout); one `auth.unlock` per row, naming the account when it exists."""
    from .models import User

    deleted = 0
    with transaction.atomic():
        for attempt in attempts:
            account = User.objects.filter(username=attempt.username).first() if attempt.username else None
            audit.record(
                audit.Action.AUTH_UNLOCK, actor=by, obj=account,
                object_type="" if account else "axes.accessattempt", object_id="" if account else attempt.pk,
                detail={"records": 1, "attempt": attempt.pk},
            )
            attempt.delete()
            deleted += 1
    return deleted


def user_set_active(*, user, active: bool, by=None) -> bool:
    """Deactivate an account (it can no longer sign in; its sessions stop at
    the next request) or reactivate it. Accounts are never deleted. Audited
    (`user.deactivate` / `user.reactivate`); returns whether anything changed."""
    from .models import User

    if not active and by is not None and user.pk == by.pk:
        # Signing oneself out of admin by accident would lock the operator out.
        raise ServiceError("You cannot deactivate your own account.", field="is_active", code="self")
    with transaction.atomic():
        changed = User.objects.filter(pk=user.pk, is_active=not active).update(is_active=active)
        if changed:
            user.is_active = active
            action = audit.Action.USER_REACTIVATE if active else audit.Action.USER_DEACTIVATE
            audit.record(action, actor=by, obj=user, detail={"user": user.pk})
    return bool(changed)
