"""Role checks: one place that says who is intake, reviewer, admin or manager."""

from dataclasses import dataclass

from .models import Role


@dataclass(frozen=True)
class Roles:
    intake: bool = False
    reviewer: bool = False
    admin: bool = False
    manager: bool = False

    @property
    def staff(self) -> bool:
        """Internal case staff: may work the intake side of any case."""
        return self.intake or self.admin

    @property
    def reports(self) -> bool:
        """May read the statistics at /reports/ (figures only, no case file)."""
        return self.admin or self.manager


def user_roles(user) -> Roles:
    if user is None or not user.is_authenticated or not user.is_active:
        return Roles()
    cached = getattr(user, "_imr_roles", None)
    if cached is not None:
        return cached
    names = set(user.groups.values_list("name", flat=True))
    roles = Roles(
        intake=Role.INTAKE in names,
        reviewer=Role.REVIEWER in names,
        admin=user.is_superuser or Role.ADMIN in names,
        manager=Role.MANAGER in names,
    )
    user._imr_roles = roles
    return roles
