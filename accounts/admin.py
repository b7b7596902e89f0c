"""Admin for user accounts and notifications.

Accounts are deactivated, never deleted: a user id is never reused, so the
records a person touched always point at that person (HIPAA unique user
identification).
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from imrsite.errors import ServiceError

from . import services
from .models import Notification, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "roles", "is_staff", "is_active", "last_login"]
    list_filter = ["groups", "is_active", "is_staff", "is_superuser"]
    actions = ["deactivate", "reset_two_factor", "unlock_sign_in"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="roles")
    def roles(self, obj):
        return ", ".join(group.name for group in obj.groups.all()) or "—"

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Turning "active" on or off goes through the audited service, as the bulk action does.
        wanted = obj.is_active
        toggled = change and "is_active" in form.changed_data
        if toggled:
            obj.is_active = not wanted
        super().save_model(request, obj, form, change)
        if toggled:
            try:
                services.user_set_active(user=obj, active=wanted, by=request.user)
            except ServiceError as exc:
                self.message_user(request, exc.message, messages.WARNING)

    @admin.action(description="Deactivate selected users (they can no longer sign in)", permissions=["change"])
    def deactivate(self, request, queryset):
        count = 0
        for user in queryset.filter(is_active=True):
            try:
                count += services.user_set_active(user=user, active=False, by=request.user)
            except ServiceError as exc:
                self.message_user(request, exc.message, messages.WARNING)
        self.message_user(request, f"Deactivated {count} user(s).", messages.SUCCESS)

    @admin.action(description="Reset two-factor authentication (lost phone: they set it up again)", permissions=["change"])
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            services.two_factor_reset(user=user, by=request.user)
        self.message_user(
            request, f"Reset two-factor authentication for {queryset.count()} user(s); they enroll again at their next sign-in.", messages.SUCCESS
        )

    @admin.action(description="Unlock sign-in (clear failed sign-in attempts)", permissions=["change"])
    def unlock_sign_in(self, request, queryset):
        cleared = sum(services.login_unlock(user=user, by=request.user) for user in queryset)
        self.message_user(request, f"Cleared {cleared} lockout record(s).", messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["message", "recipient", "role", "created_at", "read_at"]
    list_select_related = ["recipient"]
    list_filter = ["role", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["message", "recipient__username", "recipient__last_name"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["recipient"]
    readonly_fields = ["created_at"]

from . import audit_admin  # noqa: E402,F401  the read-only audit page registers itself
from . import security_admin  # noqa: E402,F401  sign-in lockouts; no two-factor device pages
