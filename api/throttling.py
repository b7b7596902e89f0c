"""Rate limits of the API (DRF throttling) on the "api" cache: Redis when
REDIS_URL is set, so every web process shares the counts."""

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from accounts.audit import client_address


class _ApiThrottle(SimpleRateThrottle):
    setting = ""

    @property
    def cache(self):
        return caches["api"]

    def get_rate(self):
        return getattr(settings, self.setting)


class AccountThrottle(_ApiThrottle):
    """Per service account (API_RATE_LIMIT)."""

    scope = "account"
    setting = "API_RATE_LIMIT"

    def get_cache_key(self, request, view):
        user = request.user
        if user is None or not getattr(user, "pk", None):
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


class AddressThrottle(_ApiThrottle):
    """Per client address, for every call before authentication (API_ADDRESS_RATE_LIMIT),
    so a flood of bad tokens is bounded too."""

    scope = "address"
    setting = "API_ADDRESS_RATE_LIMIT"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": client_address(getattr(request, "_request", request)) or "unknown"}


class TokenThrottle(AddressThrottle):
    """Per client address at the token endpoint (API_TOKEN_RATE_LIMIT); django-axes
    also locks a username after repeated failures from one address."""

    scope = "token"
    setting = "API_TOKEN_RATE_LIMIT"
