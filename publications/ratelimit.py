"""Per-address rate limit of the public pages (a fixed window in the cache).

Counted in the cache named by PUBLIC_RATE_LIMIT_CACHE: with several web
processes it must be a shared one (Redis, `CACHE_URL`), or each process
counts on its own. The address is the audit trail's (`client_address`), so a
forged X-Forwarded-For does not reset it.
"""

import time
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse

from accounts.audit import client_address


def _limit() -> tuple[int, int]:
    requests, _, seconds = settings.PUBLIC_RATE_LIMIT.partition("/")
    return int(requests), int(seconds or 60)


def allow(request) -> tuple[bool, int]:
    """(allowed, seconds until the window resets) for this request's address."""
    limit, window = _limit()
    if limit <= 0:
        return True, 0
    now = int(time.time())
    start = now - now % window
    key = f"public-rate:{client_address(request) or 'unknown'}:{start}"
    cache = caches[settings.PUBLIC_RATE_LIMIT_CACHE]
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 5)
        count = 1
    return count <= limit, start + window - now


def rate_limited(view):
    """429 with Retry-After once an address has used its requests for the window."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        allowed, retry_after = allow(request)
        if not allowed:
            response = HttpResponse(
                "Too many requests from your address. Please wait a minute and try again.\n",
                status=429, content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(max(retry_after, 1))
            response["Cache-Control"] = "no-store"
            response.public_page = True
            return response
        return view(request, *args, **kwargs)

    return wrapped
