"""Reads of the work queues: the home pages' counts and the saved views a person sees."""

from __future__ import annotations

from django.db.models import Q

from accounts.roles import user_roles
from cases.visibility import visible_cases

from . import queues
from .models import SavedView


def _role_values(user) -> list[str]:
    roles = user_roles(user)
    return [name for name in ("intake", "reviewer", "admin", "manager") if getattr(roles, name)]


def saved_views(user, page: str):
    """The person's own views of this list and those shared with a role they hold."""
    return (
        SavedView.objects.filter(Q(owner=user) | Q(shared_with_role__in=_role_values(user)), page=page)
        .select_related("owner")
        .order_by("-pinned", "name", "id")
    )


def intake_home(user, today) -> dict:
    """The intake home page: every queue with its count (one query) and the pinned views (one query)."""
    counts = queues.intake_queue_counts(visible_cases(user), today)
    return {
        "queues": [{"queue": q, "count": counts[q.key]} for q in queues.INTAKE_QUEUES],
        "pinned": [v for v in saved_views(user, SavedView.Page.CASES) if v.pinned],
    }


def reviewer_home(user, reviewer, today) -> dict:
    counts = queues.reviewer_queue_counts(reviewer, today)
    return {
        "queues": [{"queue": q, "count": counts[q.key]} for q in queues.REVIEWER_QUEUES],
        "views": list(saved_views(user, SavedView.Page.REVIEW)),
    }
