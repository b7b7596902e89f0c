"""Who may see which case: the one predicate every read of a case starts from.

- Intake staff and admins see every case.
- A reviewer sees the cases offered or assigned to them (an offer, an
  accepted case, a completed one); a declined or withdrawn assignment drops
  the case at once.
- Anyone signed in and active sees a case a break-glass grant in force opens
  to them (`EmergencyAccess`), read-only for a reviewer.
- A claims administrator's API service account (`api.ServiceAccount`) sees
  the cases whose claims administrator is its organization, nothing once
  revoked; it holds no role and gets no emergency grant.
- Nobody else sees anything; a case one may not see is a 404, the same as a
  case that does not exist.

The intake list and case page (`visible_cases`, `case_for_user`), the
reviewer's pages (`reviewer_cases`, `reviewer_case_file_cases`), document
and letter downloads and emergency grants all derive from the pieces below;
no other module filters cases by user.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.roles import user_roles
from reviewers.models import Assignment

from .models import Case, EmergencyAccess

# Assignments that give their reviewer the case.
REVIEWER_ACCESS_STATUSES = (*Assignment.OPEN_STATUSES, Assignment.Status.COMPLETED)


def _assigned_case_ids(reviewer) -> QuerySet:
    return Assignment.objects.filter(reviewer=reviewer, status__in=REVIEWER_ACCESS_STATUSES).values("case_id")


def emergency_case_ids(user, now=None) -> QuerySet:
    """Ids of the cases an emergency grant in force opens to this user (a subquery)."""
    return EmergencyAccess.objects.active(now).filter(user=user).values("case_id")


def visible_cases(user, base: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """`base` (default: all cases) narrowed to what the user may see."""
    qs = base if base is not None else Case.objects.all()
    roles = user_roles(user)
    if roles.staff:
        return qs
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    if not roles.reviewer:
        organization_id = service_account_organization_id(user)
        if organization_id is not None:
            return qs.filter(claims_administrator_id=organization_id) if organization_id else qs.none()
    visible = Q(pk__in=emergency_case_ids(user))
    if roles.reviewer and hasattr(user, "reviewer"):
        visible |= Q(pk__in=_assigned_case_ids(user.reviewer))
    return qs.filter(visible)


def service_account_organization_id(user) -> int | None:
    """For a claims administrator's service account: the organization (Party)
    whose cases it sees, or 0 once revoked. None for people. A service account
    never holds a role: the API refuses one that does (api.authentication), so
    the role checks in `visible_cases` never see one."""
    from api.selectors import service_account_of

    account = service_account_of(user)
    if account is None:
        return None
    return account.organization_id if account.is_active else 0


def reviewer_cases(reviewer) -> QuerySet[Case]:
    """The cases this reviewer works on (their own assignments): the base of
    the review pages that write. Narrower than `visible_cases` for staff who
    also review, and without emergency grants, which never open a case for writing."""
    return Case.objects.filter(pk__in=_assigned_case_ids(reviewer))


def reviewer_case_file_cases(reviewer) -> QuerySet[Case]:
    """`reviewer_cases` plus the cases an emergency grant opens to this
    reviewer: the base of the read-only case file page."""
    return Case.objects.filter(Q(pk__in=_assigned_case_ids(reviewer)) | Q(pk__in=emergency_case_ids(reviewer.user)))


def reviewer_assignment(*, reviewer, case: Case) -> Assignment | None:
    """The reviewer's assignment that gives them this case (open or completed)."""
    return (
        Assignment.objects.filter(reviewer=reviewer, case=case, status__in=REVIEWER_ACCESS_STATUSES)
        .order_by("-assigned_at")
        .first()
    )


def case_for_user(user, number: str, base: QuerySet[Case] | None = None) -> Case:
    """The case if this user may see it; 404 otherwise (no existence oracle).

    `base` narrows further (a page's own prefetching, or `reviewer_cases`),
    never widens: it goes through `visible_cases` too.
    """
    case = visible_cases(user, base).filter(number=number).first()
    if case is None:
        from accounts import audit

        # Someone else's case or no case at all: the user sees the same 404,
        # the audit trail tells them apart.
        existing = Case.objects.filter(number=number).values_list("pk", flat=True).first()
        audit.denied(
            case=existing, object_type="cases.case", object_id=existing or "",
            reason="not_visible" if existing else "no_such_case",
        )
        raise Http404("No such case")
    return case


def can_see(user, case: Case) -> bool:
    return visible_cases(user, Case.objects.filter(pk=case.pk)).exists()
