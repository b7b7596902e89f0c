"""The navbar's notification menu: offers for reviewers, declines for intake,
emergency grants for admins; the same count in Django admin's user links."""

from django import template

from ..selectors import notifications_unread

register = template.Library()

NAVBAR_LATEST = 5


@register.inclusion_tag("accounts/_notifications_nav.html", takes_context=True)
def notifications_nav(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    unread = notifications_unread(user)
    latest = list(unread.order_by("-created_at")[:NAVBAR_LATEST])
    count = len(latest) if len(latest) < NAVBAR_LATEST else unread.count()
    return {"show": True, "count": count, "latest": latest}


@register.simple_tag(takes_context=True)
def notifications_unread_count(context) -> int:
    request = context.get("request")
    return notifications_unread(getattr(request, "user", None)).count()
