"""Writes about users: marking on-site notifications read."""

from django.utils import timezone

from .selectors import notifications_unread


def notifications_mark_read(*, user) -> int:
    """Mark everything the user sees as read. A role notification is shared:
    once one intake colleague has read it, it is handled for all of them."""
    return notifications_unread(user).update(read_at=timezone.now())
