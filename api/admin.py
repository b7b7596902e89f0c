"""Admin for service accounts: create one for a claims administrator, set its
password, end its tokens, revoke it. Every change goes through api.services."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from imrsite.errors import ServiceError

from . import services
from .models import ServiceAccount


class ServiceAccountForm(forms.ModelForm):
    username = forms.CharField(max_length=150, required=False, help_text="The name the integration logs in with.")
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, required=False, strip=False)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, required=False, strip=False)

    class Meta:
        model = ServiceAccount
        fields = ["organization", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        adding = self.instance.pk is None
        self.fields["username"].required = adding
        self.fields["password1"].required = adding
        self.fields["password2"].required = adding
        if not adding:
            self.fields["password1"].label = "New password"
            self.fields["password1"].help_text = "Leave empty to keep the password. A new one ends every token."

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


@admin.register(ServiceAccount)
class ServiceAccountAdmin(admin.ModelAdmin):
    form = ServiceAccountForm
    list_display = ["username", "organization", "description", "state", "created_at", "revoked_at"]
    list_select_related = ["user", "organization"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "organization__name", "description"]
    autocomplete_fields = ["organization"]
    actions = ["revoke_tokens", "revoke_accounts"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["username", "organization", "description", "password1", "password2"]
        return ["username_shown", "organization", "description", "password1", "password2", "live_tokens", "created_at", "created_by", "revoked_at", "revoked_by"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # The organization decides which cases the account sees: fixed once made (revoke and make another).
        return ["username_shown", "organization", "live_tokens", "created_at", "created_by", "revoked_at", "revoked_by"]

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the audit trail points at it

    @admin.display(description="username", ordering="user__username")
    def username(self, obj):
        return obj.user.username

    @admin.display(description="username")
    def username_shown(self, obj):
        return obj.user.username

    @admin.display(description="state")
    def state(self, obj):
        return "active" if obj.is_active else "revoked"

    @admin.display(description="live access tokens")
    def live_tokens(self, obj):
        from oauth2_provider.models import get_access_token_model

        return get_access_token_model().objects.filter(user_id=obj.user_id, expires__gt=timezone.now()).count()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if not change:
                created = services.service_account_create(
                    username=data["username"], organization=data["organization"], password=data["password1"],
                    description=data.get("description", ""), created_by=request.user,
                )
                obj.pk, obj.user_id, obj.user = created.pk, created.user_id, created.user
                obj._state.adding = False
                obj.created_at = created.created_at
                return
            obj.save(update_fields=["description"])
            if data.get("password1"):
                services.service_account_set_password(account=obj, password=data["password1"], changed_by=request.user)
        except ServiceError as exc:
            # The form was valid, the service refused: nothing was written.
            self.message_user(request, exc.message, messages.ERROR)
            raise _Refused() from exc

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused:
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description="End all tokens of the selected accounts (the integration logs in again)", permissions=["change"])
    def revoke_tokens(self, request, queryset):
        ended = sum(services.tokens_revoke(account=account, revoked_by=request.user) for account in queryset)
        self.message_user(request, f"Ended {ended} access token(s); refresh tokens revoked.", messages.SUCCESS)

    @admin.action(description="Revoke the selected accounts (no more access, tokens end now)", permissions=["change"])
    def revoke_accounts(self, request, queryset):
        for account in queryset:
            services.service_account_revoke(account=account, revoked_by=request.user)
        self.message_user(request, f"Revoked {queryset.count()} account(s).", messages.SUCCESS)


class _Refused(Exception):
    pass


def _unregister_oauth_toolkit_admin():
    """django-oauth-toolkit's own pages (applications, raw tokens, grants) are not
    for this product: tokens are managed per service account above."""
    from oauth2_provider import models as oauth_models

    for model in (
        oauth_models.get_application_model(), oauth_models.get_access_token_model(), oauth_models.get_refresh_token_model(),
        oauth_models.get_grant_model(), oauth_models.get_id_token_model(), getattr(oauth_models, "get_device_grant_model", lambda: None)(),
    ):
        if model is not None and admin.site.is_registered(model):
            admin.site.unregister(model)


_unregister_oauth_toolkit_admin()
