"""Terminations and consolidations in admin: read-only (written by closures.services, from the case page
or the case admin's "Terminate" actions)."""

from django.contrib import admin

from imrsite.admin_mixins import ViewOnlyAdminMixin

from .models import Consolidation, Termination


@admin.register(Termination)
class TerminationAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "reason", "reported_by_role", "reported_on", "forwarded_to_reviewer", "recorded_by", "recorded_at"]
    list_select_related = ["case", "recorded_by"]
    list_filter = ["reason", "forwarded_to_reviewer"]
    search_fields = ["case__number"]
    date_hierarchy = "reported_on"
    readonly_fields = [
        "case", "reason", "reported_by_role", "reported_by_name", "reported_on", "forwarded_to_reviewer", "closed_assignment",
        "status_before", "note", "recorded_by", "recorded_at",
    ]


@admin.register(Consolidation)
class ConsolidationAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["absorbed", "surviving", "recorded_by", "recorded_at"]
    list_select_related = ["absorbed", "surviving", "recorded_by"]
    search_fields = ["absorbed__number", "surviving__number"]
    readonly_fields = ["absorbed", "surviving", "items_moved", "status_before", "note", "recorded_by", "recorded_at"]
