"""Correspondence in admin: read-only (services write every row)."""

from django.contrib import admin

from imrsite.admin_mixins import ViewOnlyAdminMixin

from .models import Delivery, MailBatch, Notice


@admin.register(Notice)
class NoticeAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "kind", "version", "status", "issued_on", "send_by", "attempts", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["case__number"]
    list_select_related = ["case"]
    exclude = ["content"]  # what the notice says is read in its PDF


@admin.register(Delivery)
class DeliveryAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "role", "channel", "status", "send_by", "sent_on", "acknowledged_at", "prepared_at"]
    list_filter = ["status", "channel", "role"]
    search_fields = ["case__number", "message_id"]
    list_select_related = ["case"]
    raw_id_fields = ["case", "notice", "letter", "party", "batch", "sent_by"]


@admin.register(MailBatch)
class MailBatchAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["batch_date", "number", "status", "page_count", "mailed_on", "mailed_by"]
    list_filter = ["status"]
    list_select_related = ["mailed_by"]
