"""Admin for reviewers, their credentials, specialties and assignments.

Credentials and reference data are edited here. Assignments are only shown:
`reviewers.services.reviewer_assign` makes them, after the eligibility and
conflict check.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from imrsite.admin_mixins import LargeListAdmin, ViewOnlyAdminMixin

from .models import Affiliation, Assignment, BoardCertification, License, Reviewer, Specialty, SpecialtyFit
from .services import affiliations_link_parties, reviewer_account_problem


class SpecialtyFitInline(admin.TabularInline):
    model = SpecialtyFit
    fields = ["category", "rank"]
    extra = 0


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ["name", "license_profession", "categories", "certified_reviewers"]
    list_filter = ["license_profession"]
    search_fields = ["name"]
    inlines = [SpecialtyFitInline]

    def get_queryset(self, request):
        return (
            super().get_queryset(request)
            .prefetch_related("fits")
            .annotate(reviewer_count=Count("certifications", distinct=True))
        )

    @admin.display(description="fits categories")
    def categories(self, obj):
        return ", ".join(f"{fit.category} ({fit.rank})" for fit in obj.fits.all()) or "—"

    @admin.display(description="certified reviewers", ordering="reviewer_count")
    def certified_reviewers(self, obj):
        return obj.reviewer_count


@admin.register(SpecialtyFit)
class SpecialtyFitAdmin(admin.ModelAdmin):
    list_display = ["category", "specialty", "rank"]
    list_select_related = ["specialty"]
    list_filter = ["category"]
    list_editable = ["rank"]
    search_fields = ["specialty__name", "category"]
    autocomplete_fields = ["specialty"]


class LicenseInline(admin.TabularInline):
    model = License
    fields = ["state", "number", "profession", "status", "restricted", "expires_on"]
    extra = 0


class BoardCertificationInline(admin.TabularInline):
    model = BoardCertification
    fields = ["specialty", "board", "certified_on", "expires_on", "position"]
    autocomplete_fields = ["specialty"]
    extra = 0


class AffiliationForm(forms.ModelForm):
    """Either a known party or a name; a party's name fills a blank name."""

    class Meta:
        model = Affiliation
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "name" in self.fields:
            self.fields["name"].required = False

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("name") or "").strip() and not cleaned.get("party"):
            raise forms.ValidationError({"name": "Name the person or organization, or choose the party."})
        return cleaned


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    form = AffiliationForm
    fields = ["name", "party", "kind", "note"]
    autocomplete_fields = ["party"]
    extra = 0


class ReviewerAssignmentInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = Assignment
    fields = ["case", "status", "assigned_at", "responded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    # The latest assignments only: a busy reviewer has tens of thousands over the years
    # (the assignment list, filtered by reviewer, has them all).
    LATEST = 50
    verbose_name_plural = f"assignments (the latest {LATEST})"

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("case", "reviewer__user")
        reviewer_id = (request.resolver_match.kwargs if request.resolver_match else {}).get("object_id")
        if reviewer_id and str(reviewer_id).isdigit():
            latest = Assignment.objects.filter(reviewer_id=int(reviewer_id)).order_by("-assigned_at", "-id").values("pk")
            qs = qs.filter(pk__in=latest[: self.LATEST])
        return qs.order_by("-assigned_at", "-id")


class LicenseStandingFilter(admin.SimpleListFilter):
    title = "license standing"
    parameter_name = "license"

    def lookups(self, request, model_admin):
        return [("good", "Active, unrestricted, unexpired"), ("none", "No license in good standing")]

    def queryset(self, request, queryset):
        good = Q(
            licenses__status=License.Status.ACTIVE, licenses__restricted=False, licenses__expires_on__gte=timezone.localdate()
        )
        if self.value() == "good":
            return queryset.filter(pk__in=Reviewer.objects.filter(good).values("pk"))
        if self.value() == "none":
            return queryset.exclude(pk__in=Reviewer.objects.filter(good).values("pk"))
        return queryset


class ReviewerForm(forms.ModelForm):
    class Meta:
        model = Reviewer
        fields = "__all__"

    def clean_user(self):
        # The same rule as reviewer_upsert: a profile goes only on a reviewer's account.
        user = self.cleaned_data["user"]
        if user is not None and (self.instance.pk is None or self.instance.user_id != user.pk):
            problem = reviewer_account_problem(user)
            if problem:
                raise forms.ValidationError(f"{problem[0].upper()}{problem[1:]}.")
        return user


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    form = ReviewerForm
    list_display = [
        "__str__", "degree", "practice_years", "weekly_practice_hours", "license_standing", "specialties",
        "open_cases", "capacity", "is_active",
    ]
    list_select_related = ["user"]
    list_filter = ["is_active", "degree", LicenseStandingFilter, "has_disciplinary_history", "certifications__specialty"]
    search_fields = [
        "user__first_name", "user__last_name", "user__username", "user__email", "licenses__number", "affiliations__name",
    ]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["user", "degree", "is_active", "capacity"]}),
        ("Practice", {"fields": ["active_practice_since", "weekly_practice_hours"]}),
        ("Discipline", {"fields": ["has_disciplinary_history", "disciplinary_note"]}),
        (None, {"fields": ["notes", "created_at"]}),
    ]
    inlines = [LicenseInline, BoardCertificationInline, AffiliationInline, ReviewerAssignmentInline]

    def get_queryset(self, request):
        return (
            super().get_queryset(request)
            .prefetch_related("licenses", "certifications__specialty")
            # A subquery per reviewer shown, off the open-assignment index, rather than a join + GROUP BY
            # over every assignment any reviewer ever had (BENCHMARKS.md).
            .annotate(open_case_count=Coalesce(Subquery(
                Assignment.objects.filter(reviewer=OuterRef("pk"), status__in=Assignment.OPEN_STATUSES)
                .order_by().values("reviewer").annotate(n=Count("pk")).values("n")
            ), 0))
        )

    @admin.display(description="years of practice", ordering="-active_practice_since")
    def practice_years(self, obj):
        # The same arithmetic as reviewers.selectors.reviewer_check; never negative.
        years = timezone.localdate().year - obj.active_practice_since
        if years < 0:
            return f"begins {obj.active_practice_since}"
        flag = "" if years > settings.IMR_REVIEWER_MIN_PRACTICE_YEARS else " (too few)"
        return f"{years}{flag}"

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Affiliation:
            affiliations_link_parties(affiliations=[a for a in formset.new_objects + [o for o, _ in formset.changed_objects]])

    @admin.display(description="license")
    def license_standing(self, obj):
        today = timezone.localdate()
        licenses = list(obj.licenses.all())
        good = [lic.state for lic in licenses if lic.is_good_standing(today)]
        if good:
            return "Good: " + ", ".join(good)
        if not licenses:
            return "None"
        return "Not in good standing"

    @admin.display(description="board certifications")
    def specialties(self, obj):
        return ", ".join(str(c.specialty) for c in obj.certifications.all()) or "—"

    @admin.display(description="open cases", ordering="open_case_count")
    def open_cases(self, obj):
        return obj.open_case_count


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    list_display = ["number", "state", "reviewer", "status", "restricted", "expires_on"]
    list_select_related = ["reviewer__user"]
    list_filter = ["status", "restricted", "state"]
    search_fields = ["number", "reviewer__user__last_name", "reviewer__user__first_name"]
    date_hierarchy = "expires_on"
    autocomplete_fields = ["reviewer"]


@admin.register(BoardCertification)
class BoardCertificationAdmin(admin.ModelAdmin):
    list_display = ["specialty", "reviewer", "board", "certified_on", "expires_on"]
    list_select_related = ["specialty", "reviewer__user"]
    list_filter = ["specialty"]
    search_fields = ["specialty__name", "board", "reviewer__user__last_name", "reviewer__user__first_name"]
    autocomplete_fields = ["reviewer", "specialty"]


@admin.register(Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    form = AffiliationForm
    list_display = ["name", "kind", "reviewer", "party"]
    list_select_related = ["reviewer__user", "party"]
    list_filter = ["kind"]
    search_fields = ["name", "normalized_name", "reviewer__user__last_name", "reviewer__user__first_name"]
    readonly_fields = ["normalized_name"]
    autocomplete_fields = ["reviewer", "party"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        affiliations_link_parties(affiliations=[obj])


@admin.register(Assignment)
class AssignmentAdmin(ViewOnlyAdminMixin, LargeListAdmin, admin.ModelAdmin):
    """Read-only: assignments are made and answered through the services."""

    list_display = ["case", "reviewer", "status", "matched_specialty", "assigned_by", "assigned_at", "responded_at", "conflict_attested"]
    list_select_related = ["case", "reviewer__user", "matched_specialty", "assigned_by"]
    list_filter = ["status", "conflict_attested", ("assigned_at", admin.DateFieldListFilter)]
    search_fields = ["case__number", "reviewer__user__last_name", "reviewer__user__first_name"]
    readonly_fields = [
        "case", "reviewer", "status", "matched_specialty", "assigned_by", "assigned_at", "responded_at",
        "conflict_attested", "attestation_text", "decline_kind", "decline_reason", "withdrawn_at", "withdrawn_by",
        "withdrawal_reason", "additional_approval",
    ]


from .models import AdditionalReviewerApproval  # noqa: E402


@admin.register(AdditionalReviewerApproval)
class AdditionalReviewerApprovalAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: recorded with the additional reviewer's assignment on the case page
    (`reviewers.services.additional_reviewer_approval_record`, then `reviewer_assign`)."""

    list_display = ["case", "approved_on", "reference", "recorded_by", "recorded_at"]
    list_select_related = ["case", "recorded_by"]
    search_fields = ["case__number", "reference"]
    readonly_fields = ["case", "approved_on", "reference", "reason", "document", "recorded_by", "recorded_at"]
