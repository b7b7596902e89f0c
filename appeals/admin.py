"""Appeals and remands in admin: read-only rows; the WCAB's outcome can be
recorded from the list through the same service as the case page, which
refuses what it refuses there (shown as a message)."""

from django.contrib import admin, messages
from django.utils import timezone

from imrsite.admin_mixins import ViewOnlyAdminMixin
from imrsite.errors import ServiceError

from . import services
from .models import Appeal, Remand


def _outcome_action(outcome, description):
    def action(modeladmin, request, queryset):
        for appeal in queryset.select_related("case"):
            try:
                services.appeal_decide(appeal=appeal, outcome=outcome, on=timezone.localdate(), user=request.user)
            except ServiceError as exc:
                modeladmin.message_user(request, f"{appeal}: refused: {exc.message}", messages.ERROR)
            else:
                modeladmin.message_user(request, f"{appeal.case}: {Appeal.Outcome(outcome).label}.", messages.SUCCESS)

    action.__name__ = f"record_{outcome}"
    action.short_description = description
    action.allowed_permissions = ("view",)
    return action


@admin.register(Appeal)
class AppealAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "adj_number", "decision", "petitioner", "filed_on", "deadline", "late", "verified", "outcome", "outcome_on"]
    list_filter = ["outcome", "late", "decision", "petitioner"]
    search_fields = ["case__number", "adj_number"]
    list_select_related = ["case"]
    raw_id_fields = ["case", "recorded_by", "decided_by"]
    actions = [
        _outcome_action(Appeal.Outcome.AFFIRMED, "Record the WCAB's denial today"),
        _outcome_action(Appeal.Outcome.DISMISSED, "Record a dismissal today"),
        _outcome_action(Appeal.Outcome.WITHDRAWN, "Record a withdrawal today"),
        _outcome_action(Appeal.Outcome.REVERSED, "Record a reversal today (opens the remand)"),
    ]


@admin.register(Remand)
class RemandAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["original_case", "new_case", "appeal", "created_at", "created_by"]
    search_fields = ["original_case__number", "new_case__number"]
    list_select_related = ["original_case", "new_case", "appeal__case", "created_by"]
    raw_id_fields = ["appeal", "original_case", "new_case", "original_reviewer", "created_by"]
