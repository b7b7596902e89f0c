"""Admin for determinations, item decisions, the guideline catalog and letters.

A final determination, its item decisions and every letter are read-only
here. A draft's edits are saved through
`determinations.services.determination_save_draft`, so they bump the
revision the reviewer's editor checks and are refused once the
determination is final.
"""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from imrsite.errors import ServiceError

from imrsite.admin_mixins import ViewOnlyAdminMixin

from . import services
from .admin_actions import rerender_letters
from .models import Determination, Guideline, ItemDecision, Letter


@admin.register(Guideline)
class GuidelineAdmin(admin.ModelAdmin):
    list_display = ["name", "family", "evidence_level", "is_active"]
    list_filter = ["family", "evidence_level", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["name"]


class ItemDecisionInline(admin.StackedInline):
    model = ItemDecision
    fields = ["item", "decision", "guideline", "section", "pages", "evidence_level", "lower_level_reason", "rationale"]
    readonly_fields = ["item"]
    autocomplete_fields = ["guideline"]
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item", "guideline")

    def has_add_permission(self, request, obj=None):
        return False  # one row per disputed item, made when the review starts

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_final:
            return False
        return super().has_change_permission(request, obj)


class LetterInline(admin.TabularInline):
    model = Letter
    fields = ["variant", "version", "status", "page_count", "sha256", "rendered_at", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Determination)
class DeterminationAdmin(admin.ModelAdmin):
    list_display = ["case", "version", "status", "reviewer", "outcome", "decided_on", "finalized_at"]
    list_select_related = ["case", "reviewer__user"]
    list_filter = ["status"]
    search_fields = ["case__number", "reviewer__user__last_name", "reviewer__user__first_name"]
    date_hierarchy = "decided_on"
    fields = [
        "case", "reviewer", "version", "status", "outcome", "clinical_case_summary", "decided_on", "finalized_at",
        "finalized_by", "supersedes", "correction_reason", "revision", "created_at", "updated_at",
    ]
    readonly_fields = [name for name in fields if name != "clinical_case_summary"]
    inlines = [ItemDecisionInline, LetterInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("decisions")

    @admin.display(description="outcome")
    def outcome(self, obj):
        return obj.outcome or "—"

    def has_add_permission(self, request):
        return False  # a determination starts from the reviewer's dashboard

    def has_change_permission(self, request, obj=None):
        # Final is final: a correction is a new version, never an edit.
        if obj is not None and obj.is_final:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Saved with its item decisions in save_related, through the service.
        if not change:
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        decisions = []
        for formset in formsets:
            # What formset.save() would record, for the admin's change message.
            formset.new_objects, formset.deleted_objects = [], []
            formset.changed_objects = [(f.instance, f.changed_data) for f in formset.forms if f.has_changed()]
            if formset.model is not ItemDecision:
                continue
            for item_form in formset.forms:
                data = item_form.cleaned_data
                if not data:
                    continue
                decisions.append(
                    services.DecisionData(
                        item_id=item_form.instance.item_id,
                        decision=data.get("decision") or "",
                        guideline=data.get("guideline"),
                        section=data.get("section") or "",
                        pages=data.get("pages") or "",
                        evidence_level=data.get("evidence_level") or "",
                        lower_level_reason=data.get("lower_level_reason") or "",
                        rationale=data.get("rationale") or "",
                    )
                )
        try:
            services.determination_save_draft(
                determination=form.instance,
                clinical_case_summary=form.cleaned_data.get("clinical_case_summary", ""),
                decisions=decisions,
            )
        except ServiceError as exc:
            request._determination_refused = True
            self.message_user(request, f"Not saved: {exc.message}", messages.ERROR)

    def response_change(self, request, obj):
        if getattr(request, "_determination_refused", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)


@admin.register(ItemDecision)
class ItemDecisionAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Read-only list for statistics; decisions are edited with their determination."""

    list_display = ["item", "case_number", "decision", "guideline", "evidence_level", "determination_status"]
    list_select_related = ["item", "determination__case", "guideline"]
    list_filter = ["decision", "evidence_level", "item__category", "determination__status"]
    search_fields = ["determination__case__number", "item__description", "rationale"]
    readonly_fields = [
        "determination", "item", "decision", "guideline", "section", "pages", "evidence_level", "lower_level_reason", "rationale",
    ]

    @admin.display(description="case", ordering="determination__case__number")
    def case_number(self, obj):
        return obj.determination.case.number

    @admin.display(description="determination")
    def determination_status(self, obj):
        return obj.determination.get_status_display()


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    list_display = ["case_number", "variant", "version", "status", "page_count", "attempts", "created_at", "rendered_at"]
    list_select_related = ["determination__case"]
    list_filter = ["status", "variant"]
    search_fields = ["determination__case__number", "sha256"]
    date_hierarchy = "created_at"
    # The file itself is private (no URL); its name and hash identify it.
    fields = [
        "determination", "variant", "version", "status", "error", "attempts", "file_name", "sha256", "page_count",
        "requested_by", "created_at", "queued_at", "started_at", "rendered_at", "lease_expires_at", "claimed_by",
    ]
    readonly_fields = fields
    actions = [rerender_letters]

    @admin.display(description="case", ordering="determination__case__number")
    def case_number(self, obj):
        return obj.determination.case.number

    @admin.display(description="file")
    def file_name(self, obj):
        if obj.status == Letter.Status.READY and obj.file:
            url = reverse("letters:download", args=[obj.determination.case.number, obj.pk])
            return format_html('<a href="{}">{}</a>', url, obj.file.name)
        return obj.file.name or "—"

    def has_add_permission(self, request):
        return False  # letters are requested by finalizing or by the re-render action

    def has_change_permission(self, request, obj=None):
        # Changelist-level change permission keeps the actions; a letter itself never changes.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
