"""django-oauth-toolkit's validator, narrowed to this API: only service
accounts get tokens (api.backends), under the one scope the API has."""

from django.contrib.auth import authenticate
from oauth2_provider.oauth2_validators import OAuth2Validator


class ServiceAccountValidator(OAuth2Validator):
    def validate_user(self, username, password, client, request, *args, **kwargs):
        http_request = self.build_http_request(request)
        try:
            user = authenticate(http_request, username=username, password=password, service_account=True)
        except ValueError:
            # PostgreSQL refuses a NUL byte in a query; no account has one in its name.
            if "\x00" not in (username or ""):
                raise
            user = None
        if user is not None and user.is_active:
            request.user = user
            return True
        return False

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        # The published clients send no scope (or Keycloak's "openid"): every
        # token gets the API's single scope whatever was asked.
        request.scopes = ["dxc"]
        return True

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        # A revoked account's refresh tokens die with it, even if one escaped revocation.
        from .backends import ServiceAccountBackend

        return ServiceAccountBackend().user_can_authenticate(request.user)
