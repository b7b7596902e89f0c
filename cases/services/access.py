"""Break-glass emergency access (security.md §1.4 control 15)."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import audit
from imrsite.errors import ServiceError
from imrsite.limits import check_text

from ..models import Case, EmergencyAccess

def emergency_access_check(*, case: Case, user, granted_by, reason: str) -> str:
    """Refuse a grant that may not be made; returns the reason as it will be stored.

    The admin form calls this to show the refusal beside its field before
    anything is written; `emergency_access_grant` calls it again.
    """
    from accounts.roles import user_roles

    if not user_roles(granted_by).admin:
        raise ServiceError("Only an administrator may grant emergency access.", code="not_admin")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Say why this user needs emergency access to the case.", field="reason", code="no_reason")
    check_text(reason, EmergencyAccess._meta.get_field("reason").max_length, field="reason")
    if user is None or not user.is_active:
        raise ServiceError("Choose an active user account.", field="user", code="inactive_user")
    if case is None:
        raise ServiceError("Choose a case.", field="case", code="no_case")
    from ..visibility import can_see

    # A grant opens what the visibility rule keeps closed; one on a case the user already sees means nothing.
    if can_see(user, case):
        raise ServiceError("This user can already see the case.", field="user", code="already_visible")
    return reason


@transaction.atomic
def emergency_access_grant(*, case: Case, user, granted_by, reason: str, hours: int | None = None):
    """Let `user` see `case` for `hours` (default IMR_EMERGENCY_ACCESS_HOURS):
    audited (`emergency.grant`), announced to every admin and to the log."""
    import logging
    from datetime import timedelta

    from django.urls import reverse

    from accounts.models import Notification, Role
    from accounts.services import notification_send

    reason = emergency_access_check(case=case, user=user, granted_by=granted_by, reason=reason)
    hours = settings.IMR_EMERGENCY_ACCESS_HOURS if hours is None else hours
    if not 1 <= hours <= 72:
        raise ServiceError("Emergency access lasts from 1 to 72 hours.", field="hours", code="bad_hours")
    now = timezone.now()
    grant = EmergencyAccess.objects.create(
        case=case, user=user, granted_by=granted_by, reason=reason,
        granted_at=now, expires_at=now + timedelta(hours=hours),
    )
    audit.record(
        audit.Action.EMERGENCY_GRANT, actor=granted_by, case=case, obj=grant,
        detail={"grantee": user.pk, "hours": hours},
    )
    # Ids only: the case number is not health information, the reason may be.
    Notification.objects.create(
        role=Role.ADMIN,
        message=f"Emergency access to case {case.number} granted to user {user.pk} by user {granted_by.pk} for {hours} h.",
        link=reverse("admin:cases_emergencyaccess_change", args=[grant.pk]),
    )
    # The grantee is told too, with the page they will read the case on.
    notification_send(
        recipient=user,
        message=(
            f"Emergency access to case {case.number} was granted to you until "
            f"{timezone.localtime(grant.expires_at):%b %-d, %H:%M}. Every page you open is recorded."
        ),
        link=_case_page_for(user, case),
    )
    logging.getLogger(__name__).warning(
        "emergency access granted: grant=%s case=%s user=%s by=%s hours=%s",
        grant.pk, case.pk, user.pk, granted_by.pk, hours,
    )
    return grant


def _case_page_for(user, case: Case) -> str:
    """Where this user reads a case: intake's case page for staff, the review
    case file for a reviewer (read-only under a grant)."""
    from django.urls import reverse

    from accounts.roles import user_roles

    roles = user_roles(user)
    if roles.reviewer and not roles.staff:
        return reverse("review:case", args=[case.number])
    return case.get_absolute_url()


@transaction.atomic
def emergency_access_revoke(*, grant, revoked_by):
    """End a grant now (a no-op on one already revoked or expired)."""
    from accounts.roles import user_roles

    if not user_roles(revoked_by).admin:
        raise ServiceError("Only an administrator may revoke emergency access.", code="not_admin")
    grant = EmergencyAccess.objects.select_for_update().get(pk=grant.pk)
    if not grant.is_active():
        return grant
    grant.revoked_at = timezone.now()
    grant.revoked_by = revoked_by
    grant.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(audit.Action.EMERGENCY_REVOKE, actor=revoked_by, case=grant.case_id, obj=grant, detail={"grantee": grant.user_id})
    return grant
