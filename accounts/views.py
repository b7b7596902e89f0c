from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from .roles import user_roles
from .selectors import notifications_unread
from .services import notifications_mark_read


def _intake_only(request):
    if not user_roles(request.user).intake:
        raise PermissionDenied("Notifications are for intake staff.")


@login_required
@require_GET
def notification_list(request):
    _intake_only(request)
    unread = list(notifications_unread(request.user).order_by("-created_at")[:200])
    return render(request, "accounts/notifications.html", {"unread": unread})


@login_required
@require_POST
def notification_mark_read(request):
    _intake_only(request)
    count = notifications_mark_read(user=request.user)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(next_url)
    return redirect("accounts:notifications")
