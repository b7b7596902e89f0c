from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.roles import user_roles


@login_required
def home(request):
    """Intake staff and admins: the work queues; the others are sent to where their work is."""
    roles = user_roles(request.user)
    if roles.staff:
        from worklists.views import home as intake_home  # the work queues

        return intake_home(request)
    if roles.reviewer:
        return redirect("review:dashboard")
    if roles.manager:
        return redirect("reports:index")
    return render(request, "home_no_role.html", status=403)


@require_GET
@never_cache
def healthz(request):
    """200 when the database answers; 503 otherwise (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})
