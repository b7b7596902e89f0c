"""Admin for determinations, item decisions, the guideline catalog and letters.

Determinations are read-only here, drafts included: what a reviewer writes
only the reviewer changes, on the review pages. The one write is the
correction: "Open a correction" on a final version (an admin gives the
reason; `determinations.services.correction_open` makes version n+1 for the
reviewer), and giving an open correction to another reviewer when its
reviewer cannot finish it.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html

from accounts import audit
from accounts.roles import user_roles
from imrsite.admin_mixins import LargeListAdmin, ViewOnlyAdminMixin
from imrsite.errors import ServiceError
from imrsite.forms import add_service_error
from reviewers.models import Reviewer
from reviewers.selectors import eligible_reviewers_for

from . import services
from .admin_actions import rerender_letters
from .models import Determination, Guideline, ItemDecision, Letter


@admin.register(Guideline)
class GuidelineAdmin(admin.ModelAdmin):
    list_display = ["name", "family", "evidence_level", "is_active"]
    list_filter = ["family", "evidence_level", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["name"]


class ItemDecisionInline(ViewOnlyAdminMixin, admin.StackedInline):
    model = ItemDecision
    fields = ["item", "decision", "guideline", "section", "pages", "evidence_level", "lower_level_reason", "rationale"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item", "guideline")


class LetterInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = Letter
    fields = ["variant", "version", "status", "page_count", "sha256", "rendered_at", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the correction",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Printed on the amended letters (the public copy redacts names and contact details). "
        "Say what was wrong, in words the parties understand.",
    )
    reviewer = forms.ModelChoiceField(
        queryset=Reviewer.objects.none(),
        required=False,
        label="Reviewer for the correction",
        help_text="Only when the reviewer who decided cannot take it: eligible, conflict-free reviewers, best fit first.",
    )

    def __init__(self, *args, reviewers=(), need_reason=True, need_reviewer=False, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [r.pk for r in reviewers]
        self.fields["reviewer"].queryset = Reviewer.objects.filter(pk__in=ids).select_related("user")
        self.fields["reviewer"].required = need_reviewer
        if not need_reviewer:
            del self.fields["reviewer"]
        if not need_reason:
            del self.fields["reason"]


@admin.register(Determination)
class DeterminationAdmin(LargeListAdmin, admin.ModelAdmin):
    ordering = ["-id"]  # newest first off the primary key (the model's order sorts through the case table)
    list_display = ["case", "version", "status", "reviewer", "outcome", "decided_on", "finalized_at"]
    list_select_related = ["case", "reviewer__user"]
    list_filter = ["status", ("decided_on", admin.DateFieldListFilter)]
    search_fields = ["case__number", "reviewer__user__last_name", "reviewer__user__first_name"]
    fields = [
        "correction", "case", "reviewer", "version", "status", "outcome", "clinical_case_summary", "decided_on",
        "records_basis", "finalized_at", "finalized_by", "supersedes", "correction_reason", "correction_opened_by",
        "correction_opened_at", "revision", "created_at", "updated_at",
    ]
    readonly_fields = fields
    inlines = [ItemDecisionInline, LetterInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("decisions")

    @admin.display(description="outcome")
    def outcome(self, obj):
        return obj.outcome or "—"

    @admin.display(description="correction")
    def correction(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:determinations_determination_correct", args=[obj.pk])
        if obj.status == Determination.Status.FINAL:
            pending = services.open_correction(obj.case)
            if pending is None:
                return format_html('<a class="button" href="{}">Open a correction…</a>', url)
            return format_html(
                'Correction open: <a href="{}">version {}</a>',
                reverse("admin:determinations_determination_change", args=[pending.pk]), pending.version,
            )
        if obj.status == Determination.Status.DRAFT and obj.is_correction:
            return format_html(
                'Correction of version {} in progress with its reviewer. <a href="{}">Give it to another reviewer…</a>',
                obj.supersedes.version, url,
            )
        return "Only the final version can be corrected."

    def has_add_permission(self, request):
        return False  # a determination starts from the reviewer's dashboard

    def has_change_permission(self, request, obj=None):
        return False  # the reviewer's own words: read-only; a correction is a new version

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<path:object_id>/correct/",
                self.admin_site.admin_view(self.correction_view),
                name="determinations_determination_correct",
            ),
            *super().get_urls(),
        ]

    def correction_view(self, request, object_id):
        """Open a correction of a final determination, or give an open one to another reviewer."""
        if not user_roles(request.user).admin:
            raise PermissionDenied
        determination = Determination.objects.select_related("case", "reviewer__user", "supersedes").filter(pk=object_id).first()
        if determination is None:
            raise Http404("No such determination")
        reassign = determination.status == Determination.Status.DRAFT and determination.is_correction
        original = determination.supersedes if reassign else determination
        can_act = reassign or (determination.status == Determination.Status.FINAL and services.open_correction(determination.case) is None)
        check = services.correction_reviewer_check(original) if can_act else None
        others = []
        if can_act and (reassign or not check.eligible):
            others = [
                c.reviewer for c in eligible_reviewers_for(case=determination.case, include_ineligible=False)
                if c.reviewer.pk not in (original.reviewer_id, determination.reviewer_id)
            ]
        need_reviewer = bool(can_act) and (reassign or not check.eligible)
        form_kwargs = {"reviewers": others, "need_reason": not reassign, "need_reviewer": need_reviewer}
        form = CorrectionForm(request.POST or None, **form_kwargs) if can_act else None
        if request.method == "POST" and form is not None and form.is_valid():
            try:
                if reassign:
                    draft = services.correction_reassign(draft=determination, reviewer=form.cleaned_data["reviewer"], by=request.user)
                else:
                    draft = services.correction_open(
                        determination=determination, reason=form.cleaned_data["reason"], opened_by=request.user,
                        reviewer=form.cleaned_data.get("reviewer"),
                    )
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                self.message_user(
                    request,
                    f"Correction {'given to' if reassign else 'opened for'} {draft.reviewer} as version {draft.version} of "
                    f"{draft.case.number}. Finalizing it issues amended letters.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:determinations_determination_change", args=[draft.pk]))
        audit.admin_read(determination)  # the page shows the determination and the reviewers' names, like its change page
        context = {
            **self.admin_site.each_context(request),
            "title": f"{'Give the correction to another reviewer' if reassign else 'Open a correction'}: {determination.case.number}",
            "opts": self.model._meta,
            "original": determination,
            "determination": determination,
            "reassign": reassign,
            "can_act": can_act,
            "check": check,
            "form": form,
            "has_reviewers": bool(others),
        }
        return render(request, "admin/determinations/determination/correct.html", context, status=400 if request.method == "POST" else 200)


@admin.register(ItemDecision)
class ItemDecisionAdmin(ViewOnlyAdminMixin, LargeListAdmin, admin.ModelAdmin):
    """Read-only list for statistics; decisions are edited with their determination."""

    ordering = ["-id"]  # newest first off the primary key (the model's order sorts through the case table)

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
class LetterAdmin(LargeListAdmin, admin.ModelAdmin):
    list_display = ["case_number", "variant", "version", "status", "page_count", "attempts", "created_at", "rendered_at"]
    list_select_related = ["determination__case"]
    list_filter = ["status", "variant", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["determination__case__number", "sha256"]
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
