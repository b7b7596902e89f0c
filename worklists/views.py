"""The intake home page (work queues), saved views, the case list's bulk actions and the CSV exports.

Thin: counts and lists come from `selectors`/`queues`, changes from
`services`; every case goes through `cases.visibility` for the person asking.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import audit
from accounts.roles import user_roles
from imrsite.access import staff_required
from imrsite.csvexport import csv_response
from imrsite.downloads import protect_file_response
from imrsite.errors import ServiceError

from . import selectors, services
from .forms import BulkActionForm, SavedViewForm
from .models import SavedView


# --- the intake home page -------------------------------------------------------------------

@require_GET
@staff_required
def home(request):
    today = timezone.localdate()
    return render(request, "worklists/home.html", {"nav": "home", "today": today, **selectors.intake_home(request.user, today)})


# --- saved views -----------------------------------------------------------------------------

def _page_allowed(user, page: str) -> bool:
    roles = user_roles(user)
    return roles.staff if page == SavedView.Page.CASES else roles.reviewer


def _list_url(page: str, query: str = "") -> str:
    base = reverse("cases:list") if page == SavedView.Page.CASES else reverse("review:dashboard")
    return f"{base}?{query}" if query else base


@require_POST
@login_required
def view_save(request):
    form = SavedViewForm(request.POST, user=request.user)
    page = request.POST.get("page", "")
    if page not in SavedView.Page.values or not _page_allowed(request.user, page):
        raise PermissionDenied("This list is not yours to save.")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error if ":" in error else f"View name: {error}")
        return redirect(_list_url(page, services.clean_query(page, _query_params(request.POST.get("query", "")))))
    data = form.cleaned_data
    try:
        view = services.saved_view_save(
            owner=request.user, page=page, name=data["name"], params=_query_params(data["query"]),
            pinned=data["pinned"], shared_with_role=data["shared_with_role"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(_list_url(page))
    messages.success(request, f"View “{view.name}” saved{' and pinned to your home page' if view.pinned else ''}.")
    return redirect(view.get_absolute_url())


def _query_params(query: str):
    from django.http import QueryDict

    return QueryDict(query or "")


@require_GET
@login_required
def view_list(request):
    roles = user_roles(request.user)
    pages = [p for p in SavedView.Page.values if _page_allowed(request.user, p)]
    if not pages:
        raise PermissionDenied("Saved views are for intake staff and reviewers.")
    views = [v for p in pages for v in selectors.saved_views(request.user, p)]
    return render(request, "worklists/views.html", {
        "nav": "home" if roles.staff else "review", "views": views, "is_admin": roles.admin,
    })


def _own_view(request, pk) -> SavedView:
    view = get_object_or_404(SavedView, pk=pk)
    if view.owner_id != request.user.pk and not user_roles(request.user).admin:
        raise Http404("No such view")
    return view


@require_POST
@login_required
def view_pin(request, pk):
    view = _own_view(request, pk)
    pinned = request.POST.get("pinned") == "1"
    services.saved_view_set_pinned(view=view, user=request.user, pinned=pinned)
    messages.success(request, f"“{view.name}” {'pinned to' if pinned else 'taken off'} the home page.")
    return redirect("worklists:views")


@require_POST
@login_required
def view_delete(request, pk):
    view = _own_view(request, pk)
    services.saved_view_delete(view=view, user=request.user)
    messages.success(request, f"View “{view.name}” deleted.")
    return redirect("worklists:views")


# --- bulk actions ------------------------------------------------------------------------------

@require_POST
@staff_required
def bulk(request):
    form = BulkActionForm(request.POST, user=request.user)
    back = request.POST.get("next", "")
    if not back.startswith(reverse("cases:list")):
        back = reverse("cases:list")
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    action = data["action"]
    try:
        if action == BulkActionForm.ASSIGN:
            result = services.bulk_assign(user=request.user, numbers=data["cases"], reviewer=data["reviewer"])
        elif action == BulkActionForm.OWNER:
            result = services.bulk_set_owner(user=request.user, numbers=data["cases"], owner=data["owner"])
        else:
            result = services.bulk_notices_check(user=request.user, numbers=data["cases"])
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    titles = {
        BulkActionForm.ASSIGN: "Assign to a reviewer", BulkActionForm.OWNER: "Change the owner",
        BulkActionForm.NOTICES: "Print notices",
    }
    return render(request, "worklists/bulk_result.html", {
        "nav": "cases", "result": result, "title": titles[action], "action": action, "back": back,
        "reviewer": data.get("reviewer"), "owner": data.get("owner"),
    })


@require_POST
@never_cache
@staff_required
def bulk_notices_pdf(request):
    numbers = [n for n in request.POST.getlist("cases") if n.strip()][: services.MAX_BULK_CASES]
    if not numbers:
        messages.error(request, "Select at least one case.")
        return redirect("cases:list")
    data, result = services.bulk_notices_pdf(user=request.user, numbers=numbers)
    if not result.done:
        messages.error(request, "None of the selected cases has a notice ready to print.")
        return redirect("cases:list")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Length"] = str(len(data))
    return protect_file_response(response, filename=f"notices-{timezone.localdate():%Y-%m-%d}-{len(result.done)}-cases.pdf")


# --- exports ----------------------------------------------------------------------------------

def _audit_export(request, page: str, filters: dict) -> None:
    audit.record(audit.Action.LIST_EXPORT, detail={"page": page, "filters": {k: v for k, v in filters.items() if v}})


@require_GET
@never_cache
@staff_required
def export_cases(request):
    """The case list as CSV: the person's visible cases, the list's filters and sort, streamed.
    No reviewer's name (exports never carry one)."""
    from cases.selectors import case_search
    from cases.views import case_list_params

    from .exports import CASE_HEADER, case_rows

    filters, sort = case_list_params(request.GET)
    qs = case_search(user=request.user, sort=sort, **filters)
    # Search text is a person's name at times: the trail keeps only that there was one.
    _audit_export(request, "cases", {**filters, "q": bool(filters["q"]), "sort": sort})
    return csv_response(f"cases-{timezone.localdate():%Y-%m-%d}.csv", CASE_HEADER, case_rows(qs, timezone.localdate()))


@require_GET
@never_cache
@login_required
def export_review(request):
    """The reviewer dashboard as CSV: the reviewer's own assignments, open and finished (queue filter applied)."""
    from determinations.views import _reviewer

    from . import queues
    from .exports import REVIEW_HEADER, review_rows

    reviewer = _reviewer(request)
    queue = request.GET.get("queue", "")
    condition = queues.reviewer_queue_condition(queue, timezone.localdate()) if queue in queues.REVIEWER_QUEUE_KEYS else None
    _audit_export(request, "review", {"queue": queue if condition is not None else ""})
    return csv_response(f"my-reviews-{timezone.localdate():%Y-%m-%d}.csv", REVIEW_HEADER,
                        review_rows(reviewer, condition, timezone.localdate()))


@require_GET
@never_cache
@staff_required
def export_correspondence(request):
    """The correspondence list's outgoing deliveries as CSV."""
    from .exports import CORRESPONDENCE_HEADER, correspondence_rows

    _audit_export(request, "correspondence", {})
    return csv_response(f"correspondence-{timezone.localdate():%Y-%m-%d}.csv", CORRESPONDENCE_HEADER, correspondence_rows())
