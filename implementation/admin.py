"""Implementation in admin: read-only (the case page's services write every row)."""

from django.contrib import admin

from imrsite.admin_mixins import ViewOnlyAdminMixin

from .models import ItemImplementation, LetterReceipt


@admin.register(LetterReceipt)
class LetterReceiptAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "received_on", "source", "recorded_by", "recorded_at"]
    list_filter = ["source"]
    search_fields = ["case__number"]
    list_select_related = ["case", "recorded_by"]
    raw_id_fields = ["case", "delivery", "recorded_by"]


@admin.register(ItemImplementation)
class ItemImplementationAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "item", "service", "outcome", "on", "recorded_by"]
    list_filter = ["outcome", "service"]
    search_fields = ["case__number"]
    list_select_related = ["case", "item", "recorded_by"]
    raw_id_fields = ["case", "item", "recorded_by"]
