"""Who looks after a case: its owner, an intake staff member or an administrator."""

from django.db import transaction

from accounts import audit
from accounts.roles import user_roles
from imrsite.errors import ServiceError

from ..models import Case
from .status import case_lock


def owner_refusal(owner) -> ServiceError | None:
    """An owner must be an active intake staff member or administrator."""
    if owner is None:
        return None
    if not owner.is_active or not user_roles(owner).staff:
        return ServiceError("the owner must be an active intake staff member or administrator", field="owner", code="not_staff")
    return None


def case_set_owner(*, case: Case, owner, actor=None) -> Case:
    """Give the case to `owner` (None: nobody), under the case's row lock; one audit row."""
    if actor is not None and not user_roles(actor).staff:
        raise ServiceError("only intake staff or an administrator can change a case's owner", field="owner", code="not_staff")
    refusal = owner_refusal(owner)
    if refusal is not None:
        raise refusal
    with transaction.atomic():
        locked = case_lock(case)
        previous = locked.owner_id
        if previous == getattr(owner, "pk", None):
            return locked
        locked.owner = owner
        locked.save(update_fields=["owner", "updated_at"])
        audit.record(
            audit.Action.CASE_OWNER, actor=actor, case=locked, obj=locked,
            detail={"from": previous, "to": getattr(owner, "pk", None)},
        )
    return locked
