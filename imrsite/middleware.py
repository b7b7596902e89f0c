"""Session and sign-in controls that apply to every request.

The idle timeout is Django's own (SESSION_COOKIE_AGE with
SESSION_SAVE_EVERY_REQUEST, enforced by the session store's expiry date),
checked again against the last activity (SessionActivityMiddleware); a
request to a `passive_session` view (a browser timer) is not activity and
does not extend the session (accounts/sessions.py).
"""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode

from accounts import selectors as account_selectors
from accounts import sessions
from accounts.signals import ACTIVE_AT_SESSION_KEY, LOGIN_TIME_SESSION_KEY, SESSION_EXPIRED_ATTR, SIGNED_OUT_ATTR

PASSIVE_ATTR = sessions.PASSIVE_ATTR


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that a passive request (a browser timer, see
    accounts.sessions.passive_session) that changed nothing in the session
    does not save it: saving would push the idle timeout back."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if getattr(request, PASSIVE_ATTR, False) and session is not None and not session.modified:
            if session.accessed:
                patch_vary_headers(response, ("Cookie",))
            return response
        return super().process_response(request, response)

# Pages an unverified user may reach: signing in and out, the second factor
# itself. Static files and healthz never reach view middleware (WhiteNoise,
# runserver's static handler) or carry no health information.
TWO_FACTOR_OPEN_VIEWS = frozenset({
    "login",
    "logout",
    "healthz",
    "two_factor_verify",
    "two_factor_setup",
    "session_status",  # the idle-timeout dialog's clock: nothing but seconds
    "session_keep_alive",
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
                setattr(request, SESSION_EXPIRED_ATTR, True)
                logout(request)
        return self.get_response(request)


class SessionActivityMiddleware:
    """The idle timeout, measured from the last activity, and the "signed
    in" cookie that lets the sign-in page say "Your session expired".

    Every request of a signed-in user is activity, except those to
    `passive_session` views (marked in process_view; the session middleware
    then does not save). Goes after SessionLifetimeMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            last = request.session.get(ACTIVE_AT_SESSION_KEY) or request.session.get(LOGIN_TIME_SESSION_KEY)
            if isinstance(last, (int, float)) and time.time() - last > settings.SESSION_COOKIE_AGE:
                setattr(request, SESSION_EXPIRED_ATTR, True)
                logout(request)
        response = self.get_response(request)
        if getattr(request, SIGNED_OUT_ATTR, False):
            sessions.delete_signed_in_cookie(response)
        elif request.user.is_authenticated:
            if not getattr(request, PASSIVE_ATTR, False):
                sessions.mark_active(request.session)
            if not sessions.had_signed_in_cookie(request):
                sessions.set_signed_in_cookie(response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        setattr(request, PASSIVE_ATTR, sessions.is_passive(view_func))
        return None


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
