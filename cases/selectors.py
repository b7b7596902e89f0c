"""Reads on cases, starting with who may see which case.

`visible_cases` is the one queryset every case, document and letter view
starts from: staff see all cases, a reviewer only those offered or assigned
to them (any other case is a 404, the same as a case that does not exist).
"""

from django.db.models import QuerySet
from django.http import Http404

from accounts.roles import user_roles
from reviewers.models import Assignment

from .models import Case


def visible_cases(user, base: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """`base` (default: all cases) narrowed to what the user may see."""
    qs = base if base is not None else Case.objects.all()
    roles = user_roles(user)
    if roles.staff:
        return qs
    if roles.reviewer and hasattr(user, "reviewer"):
        # Declined or withdrawn assignments drop access at once (reassignment revokes).
        return qs.filter(
            pk__in=Assignment.objects.filter(
                reviewer=user.reviewer, status__in=[*Assignment.OPEN_STATUSES, Assignment.Status.COMPLETED]
            ).values("case_id")
        )
    return qs.none()


def case_for_user(user, number: str, base: QuerySet[Case] | None = None) -> Case:
    """The case if this user may see it; 404 otherwise (no existence oracle)."""
    case = visible_cases(user, base).filter(number=number).first()
    if case is None:
        raise Http404("No such case")
    return case
