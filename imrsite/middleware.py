"""Session and sign-in controls that apply to every request.

The idle timeout is Django's own (SESSION_COOKIE_AGE with
SESSION_SAVE_EVERY_REQUEST, enforced by the session store's expiry date).
"""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts import selectors as account_selectors
from accounts.signals import LOGIN_TIME_SESSION_KEY

# Pages an unverified user may reach: signing in and out, the second factor
# itself. Static files and healthz never reach view middleware (WhiteNoise,
# runserver's static handler) or carry no health information.
TWO_FACTOR_OPEN_VIEWS = frozenset({
    "login",
    "logout",
    "healthz",
    "two_factor_verify",
    "two_factor_setup",
    "admin:logout",
    "django.views.static.serve",
})


class SessionLifetimeMiddleware:
    """Sign out a session older than IMR_SESSION_MAX_AGE_SECONDS, however
    active it has been (absolute lifetime, HIPAA automatic logoff)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            logged_in_at = request.session.get(LOGIN_TIME_SESSION_KEY)
            # A session without a sign-in time predates this control: treat it as expired.
            if not isinstance(logged_in_at, (int, float)) or time.time() - logged_in_at > settings.IMR_SESSION_MAX_AGE_SECONDS:
                logout(request)
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """With IMR_REQUIRE_2FA, a signed-in user reaches nothing but the sign-in
    and second-factor pages until they have entered a token this session
    (django-otp's `is_verified`). Users without a device are sent to enroll."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.IMR_REQUIRE_2FA:
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in TWO_FACTOR_OPEN_VIEWS:
            return None
        target = "two_factor_verify" if account_selectors.two_factor_enrolled(user) else "two_factor_setup"
        url = reverse(target)
        if request.method == "GET":
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return redirect(url)
