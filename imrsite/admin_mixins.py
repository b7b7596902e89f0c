"""Admin building blocks shared by the apps."""

from django.contrib.admin.views.main import ChangeList

from accounts import audit
from imrsite import pagination
from imrsite.pagination import CappedPaginator


class ViewOnlyAdminMixin:
    """For rows only services write (assignments, audit events, counters…):
    admins may look, never add, change or delete. Works for ModelAdmin and
    inlines alike (inlines pass `obj` to has_add_permission)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdminMixin:
    """Django admin on the audit trail, like the web pages (HIPAA 164.312(b)):
    opening the list or the change/view page of a model that holds health
    information writes one read row (accounts.audit.ADMIN_READ_ACTIONS), and
    every save records the fields it changed with its log entry
    (accounts.audit.admin_change_detail: names, and old → new values only
    where they are not health information).

    imrsite.admin_site gives it to every registered model admin, so a new
    admin cannot forget it."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        # GET only: a POST runs an action or saves list_editable rows (recorded as changes).
        if request.method == "GET" and response.status_code == 200:
            audit.admin_list_read(self.model)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # A page drawn with the object (a GET, or a POST shown again with its errors) is a read;
        # a successful save redirects and is recorded as the change instead.
        original = (getattr(response, "context_data", None) or {}).get("original")
        if response.status_code == 200 and original is not None:
            audit.admin_read(original)
        return response

    def history_view(self, request, object_id, extra_context=None):
        # The history page names the object and lists what was changed: a read like the change page.
        response = super().history_view(request, object_id, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("object")
        if response.status_code == 200 and obj is not None:
            audit.admin_read(obj, page="admin-history")
        return response

    def delete_view(self, request, object_id, extra_context=None):
        # The confirmation page shows the object and everything that would go with it.
        response = super().delete_view(request, object_id, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("object")
        if request.method == "GET" and response.status_code == 200 and obj is not None:
            audit.admin_read(obj, page="admin-delete")
        return response

    def construct_change_message(self, request, form, formsets, add=False):
        setattr(request, audit.ADMIN_CHANGE_REQUEST_ATTR, audit.admin_change_detail(form, formsets, add=add))
        message = super().construct_change_message(request, form, formsets, add)
        # Django names each inline row added, changed or deleted by its str() (a treatment, a
        # document's title): Django's own log keeps only what audit.admin_log_repr allows.
        inline_objects = []
        for formset in formsets or ():
            inline_objects += list(getattr(formset, "new_objects", []))
            inline_objects += [obj for obj, _ in getattr(formset, "changed_objects", [])]
            inline_objects += list(getattr(formset, "deleted_objects", []))
        entries = [entry for entry in message if isinstance(entry, dict) and {"added", "changed", "deleted"} & entry.keys()]
        for entry, obj in zip(entries, inline_objects):
            (inner,) = entry.values()
            if "object" in inner:
                inner["object"] = audit.admin_log_repr(obj)
        return message

    # Django admin's own log (django_admin_log.object_repr) keeps str(obj): a person's
    # name or a treatment for some models. It keeps audit.admin_log_repr instead.

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        _log_repr_scrub([entry], {str(obj.pk): obj})
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        _log_repr_scrub([entry], {str(obj.pk): obj})
        return entry

    def log_deletions(self, request, queryset):
        objects = {str(obj.pk): obj for obj in queryset}
        entries = super().log_deletions(request, queryset)
        _log_repr_scrub(entries if isinstance(entries, list) else [entries], objects)
        return entries


def _log_repr_scrub(entries, objects):
    from django.contrib.admin.models import LogEntry

    for entry in entries:
        obj = objects.get(str(getattr(entry, "object_id", "")))
        if obj is None or entry.pk is None:
            continue
        safe = audit.admin_log_repr(obj)[:200]
        if entry.object_repr != safe:
            LogEntry.objects.filter(pk=entry.pk).update(object_repr=safe)
            entry.object_repr = safe


class _SearchedPageChangeList(ChangeList):
    """A searched list shows the staff case list's page (`pagination.PAGE_SIZE`): matches of a common
    name are spread thin over the order's index, and a page of 100 reads four times the entries of one
    of 25 to collect (BENCHMARKS.md, 4c). A search is read from the top; the next page is one click away."""

    def get_results(self, request):
        if self.query.strip():
            self.list_per_page = min(self.list_per_page, pagination.PAGE_SIZE)
        super().get_results(request)


class LargeListAdmin:
    """A Django admin list that stays flat at a million rows (BENCHMARKS.md): it
    counts at most `CappedPaginator.cap` rows, once (no "n total"), and offers a
    date filter instead of the date hierarchy, whose list of years or days reads
    every row of the table on each view. Mix in before `admin.ModelAdmin`."""

    paginator = CappedPaginator
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return _SearchedPageChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # A searched list counts fewer matches than a plain one (the case list's rule).
        from django.contrib.admin.views.main import SEARCH_VAR

        searched = bool(request.GET.get(SEARCH_VAR, "").strip())
        cap = pagination.SEARCH_COUNT_CAP if searched else None
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, cap=cap)
