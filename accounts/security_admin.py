"""Admin for sign-in protection: the lockouts django-axes keeps.

Two-factor devices get no admin pages: an admin resets a user's device with
the User admin action and never creates one (a device with a secret the
admin knows would defeat the second factor). Successful sign-ins are in the
audit trail, so axes keeps no access log of its own.
"""

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    """Failed sign-ins per username and address; deleting one unlocks it."""

    def has_change_permission(self, request, obj=None):
        return False

    # Deleting a row releases a lockout: recorded as one, like the User action.
    def delete_model(self, request, obj):
        from .services import access_attempts_delete

        access_attempts_delete(attempts=[obj], by=request.user)

    def delete_queryset(self, request, queryset):
        from .services import access_attempts_delete

        access_attempts_delete(attempts=list(queryset), by=request.user)
