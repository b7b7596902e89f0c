"""Who is calling: a service account presenting a bearer token in the Authorization header.

The token is looked up by django-oauth-toolkit's validator (by its SHA-256;
expired or revoked tokens are not found valid). Only the header is read:
never a token in the query string or the body (RFC 6750 §5.3), and never the
session cookie, so the API is not reachable with a browser session and
cross-site request forgery has no ambient credential to ride on.
"""

from django.conf import settings
from django.utils.encoding import escape_uri_path
from oauthlib.common import Request as OAuthRequest
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission

from .selectors import service_account_of


def account_has_a_role(user) -> bool:
    from accounts.roles import Roles, user_roles

    return user.is_staff or user.is_superuser or user_roles(user) != Roles()


def _validator():
    from oauth2_provider.settings import oauth2_settings

    return oauth2_settings.OAUTH2_VALIDATOR_CLASS()


class ServiceAccountTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("malformed")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("malformed") from exc
        # The path escaped: oauthlib parses the URI, and a raw "?" or control
        # character in a (hostile) case number would make it raise (a 500).
        oauth_request = OAuthRequest(request.build_absolute_uri(escape_uri_path(request.path)), http_method=request.method)
        if not _validator().validate_bearer_token(token, [], oauth_request):
            raise exceptions.AuthenticationFailed("invalid")
        access_token = oauth_request.access_token
        user = oauth_request.user
        application = access_token.application
        if application is None or application.client_id != settings.API_CLIENT_ID:
            raise exceptions.AuthenticationFailed("invalid")
        # A revoked account's tokens stop at once, even if one escaped revocation;
        # an account given a staff role by mistake is refused rather than trusted.
        account = service_account_of(user) if user is not None else None
        if account is None or not account.is_active or account_has_a_role(user):
            raise exceptions.AuthenticationFailed("revoked")
        return user, access_token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class IsServiceAccount(BasePermission):
    """Every API call needs an authenticated service account (the authentication above makes no other kind)."""

    def has_permission(self, request, view):
        return request.user is not None and getattr(request.user, "is_authenticated", False)
