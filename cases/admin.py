"""Admin for cases and parties.

Status moves and deadlines belong to `cases.services`: the status is
read-only here, actions call the services, and a saved correction of a
process date recomputes the deadlines through the same service.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.html import format_html_join

from accounts.roles import user_roles
from determinations.models import Determination
from determinations.services import CASE_LETTER_FIELDS, DOCUMENT_LETTER_FIELDS, decided_record_edit_check
from imrsite.errors import ServiceError
from reviewers.models import Assignment
from reviewers.selectors import eligible_reviewers_for

from imrsite.admin_mixins import LargeListAdmin, ViewOnlyAdminMixin

from . import permissions, selectors, services
from .models import Case, CaseDocument, CaseNumberCounter, DisputedItem, EmergencyAccess, Party
from .text import normalize_name


@admin.register(Party)
class PartyAdmin(LargeListAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "specialty", "date_of_birth", "phone", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "normalized_name", "first_name", "last_name"]
    readonly_fields = ["normalized_name", "name_key", "created_at"]
    fields = [
        "kind", "name", "first_name", "last_name", "date_of_birth", "sex", "specialty", "phone", "address",
        "normalized_name", "name_key", "created_at",
    ]

    def get_search_results(self, request, queryset, search_term):
        # "José Núñez, MD" must find "Jose Nunez": also match the folded form.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        folded = normalize_name(search_term)
        if folded:
            results |= queryset.filter(normalized_name__icontains=folded)
        return results, may_have_duplicates


class OverdueFilter(admin.SimpleListFilter):
    """Open cases whose next deadline has passed."""

    title = "deadline"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue()
        if self.value() == "no":
            return queryset.exclude(Case.overdue_condition())
        return queryset


class UntimelyFilter(admin.SimpleListFilter):
    """Applications received after their filing window closed (accepted late or not)."""

    title = "filing window"
    parameter_name = "untimely"

    def lookups(self, request, model_admin):
        return [("yes", "Filed late"), ("no", "Filed in time")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.untimely()
        if self.value() == "no":
            return queryset.exclude(pk__in=Case.objects.untimely().values("pk"))
        return queryset


class DisputedItemInline(admin.TabularInline):
    model = DisputedItem
    fields = ["position", "description", "category", "ur_decision", "claims_administrator_guideline", "manufacturer"]
    autocomplete_fields = ["manufacturer"]
    extra = 0
    # Item rows are referenced by item decisions; removing one would orphan a review.
    can_delete = False

    def _case_open(self, obj):
        return obj is not None and permissions.items_refusal(obj) is None

    def has_add_permission(self, request, obj=None):
        return self._case_open(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._case_open(obj) and super().has_change_permission(request, obj)


def _letter_fields_locked(case) -> bool:
    # Printed in a decided case's letter: changed only inside an open correction.
    from determinations.services import letter_fields_locked

    return case is not None and case.pk is not None and letter_fields_locked(case)


class CaseDocumentInline(admin.TabularInline):
    """Document metadata; the file itself is private and its hash and page
    count are facts of the upload, so they never change here."""

    model = CaseDocument
    fields = [
        "title", "kind", "author", "dated", "received_on", "original_filename", "size", "page_count", "sha256",
        "withdrawn_at", "withdrawal_reason",
    ]
    readonly_fields = ["original_filename", "size", "page_count", "sha256", "withdrawn_at", "withdrawal_reason"]
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        # Withdrawn documents too: the admin reviews the whole record (the case page lists them apart).
        return CaseDocument.all_objects.all()

    def get_readonly_fields(self, request, obj=None):
        if _letter_fields_locked(obj):
            return [*self.readonly_fields, *DOCUMENT_LETTER_FIELDS]
        return self.readonly_fields

    def has_add_permission(self, request, obj=None):
        return False  # uploads go through the case page, which hashes and counts pages


class AssignmentInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = Assignment
    fields = [
        "reviewer", "status", "matched_specialty", "assigned_by", "assigned_at", "responded_at", "conflict_attested",
        "decline_kind", "decline_reason", "withdrawal_reason",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer__user", "matched_specialty", "assigned_by")


class DeterminationInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = Determination
    fields = ["version", "status", "reviewer", "decided_on", "finalized_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer__user")


class CaseAdminForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            try:
                decided_record_edit_check(case=self.instance, fields=self.changed_data, record=False)
            except ServiceError as exc:
                raise ValidationError(exc.message) from exc
        dates = {name: cleaned.get(name) for name in ("received_on", "ur_decision_date", "date_of_injury", "ur_decision_served_on")}
        if all(dates.values()):
            try:
                services.validate_case_dates(**dates)
            except ServiceError as exc:
                raise ValidationError({exc.field: exc.message}) from exc
        return cleaned


@admin.register(Case)
class CaseAdmin(LargeListAdmin, admin.ModelAdmin):
    form = CaseAdminForm
    list_display = [
        "number", "status", "review_type", "received_on", "due_on", "employee", "claims_administrator", "current_reviewer",
    ]
    list_select_related = ["employee", "claims_administrator"]
    list_filter = [
        "status", "review_type", OverdueFilter, UntimelyFilter, ("received_on", admin.DateFieldListFilter),
        "is_formulary_dispute", "channel",
    ]
    search_fields = ["number", "claim_number", "employee__name", "employee__normalized_name"]
    autocomplete_fields = [
        "employee", "employer", "claims_administrator", "requesting_provider", "attorney", "duplicate_of",
        "medical_provider_network", "medical_group", "treating_facility",
    ]
    readonly_fields = [
        "number", "status", "review_type", "expedited_since", "ineligible_reason", "eligibility_decided_at",
        "records_due_on", "records_complete_on", "decision_due_on", "due_on", "decided_on", "created_by", "created_at",
        "updated_at", "eligible_reviewers",
    ]
    fieldsets = [
        (None, {"fields": ["number", "status", "review_type", "expedited_since"]}),
        ("Application", {"fields": [
            "received_on", "channel", "ur_decision_date", "ur_decision_served_on", "ur_decision_service", "rfa_date",
            "date_of_injury", "claim_number", "eams_number",
            "wcis_number", "is_formulary_dispute", "disputed_for_other_reasons", "information_not_received",
        ]}),
        ("Parties", {"fields": [
            "employee", "employer", "claims_administrator", "medical_provider_network", "adjuster_name", "adjuster_phone",
            "requesting_provider", "medical_group", "treating_facility", "attorney",
        ]}),
        ("Diagnosis", {"fields": ["diagnosis", "diagnosis_icd"]}),
        ("Eligibility", {"fields": [
            "signature_present", "ur_decision_attached", "liability_disputed", "untimely_override_reason",
            "ineligible_reason", "eligibility_note", "eligibility_decided_at", "duplicate_of",
        ]}),
        ("Process dates and deadlines", {"fields": [
            "assigned_on", "notice_method", "records_due_on", "records_complete_on", "decision_due_on", "due_on", "decided_on",
        ]}),
        ("Reviewer", {"fields": ["eligible_reviewers"]}),
        ("Record", {"fields": ["created_by", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [DisputedItemInline, CaseDocumentInline, AssignmentInline, DeterminationInline]
    actions = [
        "mark_records_complete_today", "convert_to_expedited_today", "terminate_authorized_today", "terminate_withdrawn_today",
    ]

    def get_search_results(self, request, queryset, search_term):
        # The case list's search (number, claim number, employee name with or
        # without accents), index-backed on PostgreSQL, instead of one OR across tables.
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(selectors.case_search_condition(term)), False

    def get_queryset(self, request):
        open_assignments = Prefetch(
            "assignments",
            queryset=Assignment.objects.filter(status__in=Assignment.OPEN_STATUSES).select_related("reviewer__user"),
            to_attr="open_assignments",
        )
        return super().get_queryset(request).prefetch_related(open_assignments)

    @admin.display(description="reviewer")
    def current_reviewer(self, obj):
        assignments = getattr(obj, "open_assignments", None)
        if assignments is None:
            assignments = list(obj.assignments.filter(status__in=Assignment.OPEN_STATUSES).select_related("reviewer__user"))
        return str(assignments[0].reviewer) if assignments else "—"

    @admin.display(description="eligible reviewers (best fit first)")
    def eligible_reviewers(self, obj):
        # The same ranking and rule the assignment service applies.
        refusal = permissions.assign_refusal(obj) if obj is not None and obj.pk is not None else None
        if obj is None or obj.pk is None or refusal is not None:
            return f"Not assignable: {refusal.message}." if refusal else "Not assignable yet."
        checks = eligible_reviewers_for(case=obj, include_ineligible=False)[:5]
        if not checks:
            return "No eligible reviewer."
        return format_html_join(
            ", ", "{} ({}, {} open)", ((c.reviewer, c.matched_specialty, c.open_cases) for c in checks)
        )

    def has_add_permission(self, request):
        # New cases come through the intake form or import_cases, which number
        # them, check duplicates and timeliness (cases.services.case_register).
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # case numbers are never reused; a case ends as withdrawn or terminated

    def get_readonly_fields(self, request, obj=None):
        if _letter_fields_locked(obj):
            return [*self.readonly_fields, *(f for f in CASE_LETTER_FIELDS if f not in self.readonly_fields)]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            # Refused (again) for a decided case without an open correction; audited with it otherwise.
            decided_record_edit_check(case=obj, fields=form.changed_data, actor=request.user)
        super().save_model(request, obj, form, change)
        # A corrected notice or records date moves the deadlines.
        services.case_refresh_deadlines(case=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is CaseDocument:
            for document_form in formset.forms:
                if document_form.instance.pk and document_form.has_changed():
                    decided_record_edit_check(
                        case=form.instance, fields=document_form.changed_data, obj=document_form.instance,
                        document=True, actor=request.user,
                    )
        super().save_formset(request, form, formset, change)

    def _run_service(self, request, queryset, label, call):
        done = 0
        for case in queryset:
            try:
                call(case)
                done += 1
            except ServiceError as exc:
                self.message_user(request, f"{case.number}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"{label}: {done} case(s).", messages.SUCCESS)

    @admin.action(description="Mark records complete today", permissions=["change"])
    def mark_records_complete_today(self, request, queryset):
        today = timezone.localdate()
        self._run_service(
            request, queryset, "Records marked complete",
            lambda case: services.case_mark_records_complete(case=case, on=today),
        )

    @admin.action(description="Convert to expedited review today", permissions=["change"])
    def convert_to_expedited_today(self, request, queryset):
        today = timezone.localdate()
        self._run_service(
            request, queryset, "Converted to expedited",
            lambda case: services.case_convert_to_expedited(case=case, on=today),
        )


    # Termination (8 CCR 9792.10.6(a)) through the same service as the case page (closures.services).
    @admin.action(description="Terminate: the claims administrator reported the treatment authorized today", permissions=["change"])
    def terminate_authorized_today(self, request, queryset):
        self._terminate(request, queryset, reason="authorized", reporter="claims_administrator")

    @admin.action(description="Terminate: the employee withdrew the application today", permissions=["change"])
    def terminate_withdrawn_today(self, request, queryset):
        self._terminate(request, queryset, reason="withdrawn", reporter="employee")

    def _terminate(self, request, queryset, *, reason, reporter):
        from closures.services import termination_record

        today = timezone.localdate()
        self._run_service(
            request, queryset, "Closed before a decision",
            lambda case: termination_record(case=case, reason=reason, reported_by_role=reporter, reported_on=today, user=request.user),
        )


@admin.register(DisputedItem)
class DisputedItemAdmin(LargeListAdmin, admin.ModelAdmin):
    # Newest first off the primary key: the model's order (by case) sorts every row through the case table.
    ordering = ["-id"]
    list_display = ["description", "case", "category", "ur_decision", "position"]
    list_select_related = ["case"]
    list_filter = ["category", "ur_decision"]
    search_fields = ["description", "case__number"]
    autocomplete_fields = ["case"]

    def get_readonly_fields(self, request, obj=None):
        return ["case"] if obj else []

    def has_change_permission(self, request, obj=None):
        # Items of a closed case are part of its record.
        if obj is not None and permissions.items_refusal(obj.case) is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False  # items are added on their open case's page

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseDocument)
class CaseDocumentAdmin(LargeListAdmin, admin.ModelAdmin):
    ordering = ["-id"]  # newest first off the primary key (the model's order sorts through the case table)
    list_display = [
        "title", "case", "kind", "author", "dated", "received_on", "page_count", "size", "short_sha256", "withdrawn_at",
    ]
    list_select_related = ["case"]
    list_filter = ["kind", ("withdrawn_at", admin.EmptyFieldListFilter), ("created_at", admin.DateFieldListFilter)]
    search_fields = ["title", "author", "original_filename", "sha256", "case__number"]
    fields = [
        "case", "title", "kind", "author", "dated", "received_on", "original_filename", "size", "page_count", "sha256",
        "uploaded_by", "created_at", "withdrawn_at", "withdrawn_by", "withdrawal_reason",
    ]
    readonly_fields = [
        "case", "original_filename", "size", "page_count", "sha256", "uploaded_by", "created_at",
        "withdrawn_at", "withdrawn_by", "withdrawal_reason",
    ]

    def get_queryset(self, request):
        # Withdrawn (misfiled) documents stay reviewable here; withdrawing is done on the case page.
        return CaseDocument.all_objects.select_related("case")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and _letter_fields_locked(obj.case):
            return [*self.readonly_fields, *DOCUMENT_LETTER_FIELDS]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            decided_record_edit_check(case=obj.case, fields=form.changed_data, obj=obj, document=True, actor=request.user)
        super().save_model(request, obj, form, change)

    @admin.display(description="sha256")
    def short_sha256(self, obj):
        return obj.sha256[:12]

    def has_add_permission(self, request):
        return False  # uploads go through the case page, which hashes and counts pages

    def has_delete_permission(self, request, obj=None):
        return False  # documents reviewed are part of the case record


@admin.register(CaseNumberCounter)
class CaseNumberCounterAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """The last number issued per year, to see; only the numbering service moves it."""

    list_display = ["year", "last"]


class EmergencyAccessForm(forms.ModelForm):
    """Grant form: the case by its number and the user by their username, as
    an admin knows them (issue 19 item 15), never internal ids. The
    service's own check runs in `clean`, so a refusal shows beside its field
    before anything is written."""

    case_number = forms.CharField(
        label="Case number", max_length=20, help_text="As on the case page, e.g. CM26-0001234.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    username = forms.CharField(
        label="Username", max_length=150, help_text="The account that needs to see the case.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    hours = forms.IntegerField(
        min_value=1, max_value=72, required=False,
        help_text="How long the access lasts (default: the IMR_EMERGENCY_ACCESS_HOURS setting).",
    )

    class Meta:
        model = EmergencyAccess
        fields = ["reason"]

    def clean_case_number(self):
        number = self.cleaned_data["case_number"].strip().upper()
        case = Case.objects.filter(number=number).first()
        if case is None:
            raise ValidationError(f"No case {number}.")
        self.cleaned_data["case"] = case
        return number

    def clean_username(self):
        from django.contrib.auth import get_user_model

        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username__iexact=username).first()
        if user is None:
            raise ValidationError(f"No user “{username}”.")
        self.cleaned_data["user"] = user
        return user.username

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["reason"] = services.emergency_access_check(
                case=data.get("case"), user=data.get("user"), granted_by=self.request.user, reason=data.get("reason", "")
            )
        except ServiceError as exc:
            field = {"case": "case_number", "user": "username"}.get(exc.field, exc.field)
            raise ValidationError({field: exc.message} if field in self.fields else exc.message) from exc
        return data


@admin.register(EmergencyAccess)
class EmergencyAccessAdmin(admin.ModelAdmin):
    """Break-glass grants: an admin adds one (through the service: audited,
    announced, time-boxed) and may revoke it; rows are kept as they were for review."""

    form = EmergencyAccessForm
    list_display = ["case", "user", "granted_by", "granted_at", "expires_at", "revoked_at", "status"]
    list_select_related = ["case", "user", "granted_by"]
    list_filter = ["granted_at", "revoked_at"]
    search_fields = ["case__number", "user__username", "granted_by__username"]
    readonly_fields = ["granted_by", "granted_at", "expires_at", "revoked_at", "revoked_by"]
    actions = ["revoke"]
    date_hierarchy = "granted_at"

    @admin.display(description="status")
    def status(self, obj):
        if obj.revoked_at:
            return "revoked"
        return "active" if obj.is_active() else "expired"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["case_number", "username", "reason", "hours"]
        return ["case", "user", "reason", *self.readonly_fields]

    def has_add_permission(self, request):
        return user_roles(request.user).admin and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return False  # a grant is evidence: revoke it, never rewrite it

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        grant = services.emergency_access_grant(
            case=form.cleaned_data["case"],
            user=form.cleaned_data["user"],
            granted_by=request.user,
            reason=form.cleaned_data["reason"],
            hours=form.cleaned_data.get("hours"),
        )
        # The admin goes on with `obj` (its message, log entry and redirect): make it the stored row.
        for field in grant._meta.concrete_fields:
            setattr(obj, field.attname, getattr(grant, field.attname))
        obj._state.adding = False
        obj._state.db = grant._state.db

    @admin.action(description="Revoke the selected grants now")
    def revoke(self, request, queryset):
        if not user_roles(request.user).admin:
            raise PermissionDenied
        done = 0
        for grant in queryset:
            try:
                services.emergency_access_revoke(grant=grant, revoked_by=request.user)
                done += 1
            except ServiceError as exc:
                self.message_user(request, f"{grant}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, f"Revoked {done} grant(s).", messages.SUCCESS)
