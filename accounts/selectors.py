"""Reads about users: their on-site notifications."""

from django.db.models import Q, QuerySet

from .models import Notification, Role
from .roles import user_roles


def notifications_unread(user) -> QuerySet[Notification]:
    """Unread notifications addressed to the user or to one of their roles."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    roles = user_roles(user)
    role_names = [name for name, held in ((Role.INTAKE, roles.intake), (Role.REVIEWER, roles.reviewer), (Role.ADMIN, roles.admin)) if held]
    return Notification.objects.filter(Q(recipient=user) | Q(role__in=role_names), read_at__isnull=True)


def two_factor_enrolled(user) -> bool:
    """The user has confirmed an authenticator app (recovery codes alone do not count)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return user.is_authenticated and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
