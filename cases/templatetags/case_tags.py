"""Deadline countdowns shown on the case list and the case page."""

from datetime import date

from django import template
from django.utils import timezone

register = template.Library()


def _today(context) -> date:
    return context.get("today") or timezone.localdate()


@register.inclusion_tag("cases/_countdown.html", takes_context=True)
def countdown(context, due: date | None, active: bool = True):
    """"N days left", "due today" or "N days overdue"; overdue in red.

    `active` is false once the deadline no longer runs (e.g. a decided case).
    """
    if due is None:
        return {"due": None}
    days = (due - _today(context)).days
    return {"due": due, "days": abs(days), "overdue": active and days < 0, "today": days == 0, "active": active,
            "soon": active and 0 <= days <= 2}


@register.simple_tag(takes_context=True)
def is_overdue(context, case) -> bool:
    """`Case.is_overdue_on` for the page's "today" (one date for the whole page)."""
    return case.is_overdue_on(_today(context))


# One colour per stage, so a list can be scanned by status (text-bg-* keep the text readable).
STATUS_BADGES = {
    "received": "text-bg-light border",
    "awaiting_records": "text-bg-warning",
    "deferred": "text-bg-warning",
    "records_complete": "text-bg-info",
    "in_review": "text-bg-primary",
    "decided": "text-bg-success",
}


@register.filter
def status_badge(status: str) -> str:
    """The badge classes for a case status; closed-without-decision statuses are grey."""
    return STATUS_BADGES.get(status, "text-bg-secondary")
