"""The navbar's notification menu, for intake staff (decline notices and the like)."""

from django import template

from ..roles import user_roles
from ..selectors import notifications_unread

register = template.Library()

NAVBAR_LATEST = 5


@register.inclusion_tag("accounts/_notifications_nav.html", takes_context=True)
def notifications_nav(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if not user_roles(user).intake:
        return {"show": False}
    unread = notifications_unread(user)
    latest = list(unread.order_by("-created_at")[:NAVBAR_LATEST])
    count = len(latest) if len(latest) < NAVBAR_LATEST else unread.count()
    return {"show": True, "count": count, "latest": latest}
