"""The audit page for admins: a read-only, filterable changelist.

Nobody adds, changes or deletes audit rows here, superusers included
(HIPAA 164.312(b): audit logs protected from tampering).
"""

from django import forms
from django.contrib import admin
from django.http import QueryDict
from django.utils.dateparse import parse_date

from imrsite.admin_mixins import ViewOnlyAdminMixin
from imrsite.pagination import CappedPaginator

from .models import AuditEvent


class DateRangeFilter(admin.ListFilter):
    """From / to dates (inclusive, in local time), typed into the sidebar."""

    title = "date range"
    template = "admin/accounts/auditevent/date_range_filter.html"
    names = ("at_from", "at_to")

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        for name in self.names:
            if name in params:
                self.used_parameters[name] = params.pop(name)[-1]

    def has_output(self):
        return True

    def expected_parameters(self):
        return list(self.names)

    def _dates(self):
        return {name: parse_date(self.used_parameters.get(name) or "") for name in self.names}

    def choices(self, changelist):
        others = QueryDict(changelist.get_query_string(remove=[*self.names, "p"])[1:])
        yield {
            "form": DateRangeForm(initial=self._dates()),
            "keep": [(key, value) for key, values in others.lists() for value in values],
        }

    def queryset(self, request, queryset):
        dates = self._dates()
        if dates["at_from"]:
            queryset = queryset.filter(at__date__gte=dates["at_from"])
        if dates["at_to"]:
            queryset = queryset.filter(at__date__lte=dates["at_to"])
        return queryset


class DateRangeForm(forms.Form):
    at_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    at_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))


@admin.register(AuditEvent)
class AuditEventAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    # The trail only grows: count at most CappedPaginator's cap, not every row, per page view.
    paginator = CappedPaginator
    show_full_result_count = False
    list_display = ["at", "user", "action", "case", "object_type", "object_id", "client_address", "request_id"]
    list_select_related = ["user", "case"]
    list_filter = ["action", ("user", admin.RelatedOnlyFieldListFilter), DateRangeFilter]
    search_fields = ["case__number", "user__username", "request_id", "object_id"]
    search_help_text = "Case number, username, request id or object id."
    date_hierarchy = "at"
    list_per_page = 100
    show_full_result_count = False  # a count over millions of rows on every page is not worth it
    fields = ["at", "user", "action", "case", "object_type", "object_id", "client_address", "request_id", "detail"]
    readonly_fields = fields

    def get_actions(self, request):
        return {}  # no bulk delete either
