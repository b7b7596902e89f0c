from django.contrib import admin

from .models import SavedView


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    """Admins share a view with a role here (or from the case list's Save view form)."""

    list_display = ("name", "page", "owner", "pinned", "shared_with_role", "updated_at")
    list_filter = ("page", "pinned", "shared_with_role")
    search_fields = ("name", "owner__username")
    raw_id_fields = ("owner",)
    readonly_fields = ("created_at", "updated_at")
