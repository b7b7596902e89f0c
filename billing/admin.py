"""Fees in admin: the schedule is edited here; lines, invoices and payments are read-only
(written by billing.services from the billing pages and the finalize/terminate services)."""

from django.contrib import admin
from django.utils.html import format_html

from imrsite.admin_mixins import ViewOnlyAdminMixin

from .models import FeeLine, FeeSchedule, Invoice, Payment


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    list_display = ["effective_from", "review_type", "pharmacy_only", "kind", "amount", "confirmation", "source"]
    list_filter = ["effective_from", "review_type", "pharmacy_only", "kind", "confirmed"]
    ordering = ["-effective_from", "review_type", "pharmacy_only", "kind"]

    @admin.display(description="confirmed", ordering="confirmed")
    def confirmation(self, obj):
        if obj.confirmed:
            return "yes"
        return format_html('<strong title="{}">not confirmed</strong>', "Inferred, not stated by the regulation text: check it.")

    def has_delete_permission(self, request, obj=None):
        # A rate that priced a line stays (the line points to it); an unused one may go.
        return obj is None or not obj.lines.exists()


@admin.register(FeeLine)
class FeeLineAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "claims_administrator", "kind", "review_type", "pharmacy_only", "earned_on", "amount", "invoice"]
    list_select_related = ["case", "claims_administrator", "invoice"]
    list_filter = ["kind", "review_type", "pharmacy_only"]
    search_fields = ["case__number", "claims_administrator__name"]
    date_hierarchy = "earned_on"


class PaymentInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = Payment
    fields = ["received_on", "amount", "reference", "recorded_by", "recorded_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "claims_administrator", "month", "issued_on", "line_count", "total", "paid_total", "revision"]
    list_select_related = ["claims_administrator"]
    search_fields = ["number", "claims_administrator__name"]
    date_hierarchy = "month"
    inlines = [PaymentInline]


@admin.register(Payment)
class PaymentAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["invoice", "received_on", "amount", "reference", "recorded_by"]
    list_select_related = ["invoice", "recorded_by"]
    search_fields = ["invoice__number", "reference"]
