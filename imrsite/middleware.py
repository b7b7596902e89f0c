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
from django.contrib.sessions.exceptions import SessionInterrupted
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
        try:
            return super().process_response(request, response)
        except SessionInterrupted as exc:
            # Django reads any database error while saving the session as "the
            # session was deleted" (400 Bad Request); a lost connection is an
            # outage and gets the outage's "try again" page.
            if _caused_by_operational_error(exc):
                return database_unavailable_response(request)
            raise


def _caused_by_operational_error(exc: BaseException) -> bool:
    from django.db import OperationalError

    seen = exc.__cause__ or exc.__context__
    while seen is not None:
        if isinstance(seen, OperationalError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False

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


# --- database conflicts and outages (issue 19 item 18) ------------------------------

DB_ERROR_FLAG = "_imr_database_unavailable"
RETRY_AFTER_SECONDS = 5


def _flag_database_error(sender, request=None, **kwargs):
    """Django converts an exception raised inside any middleware or view into
    a 500 response before it reaches the outermost middleware; this receiver
    (got_request_exception, sent while the exception is being handled) marks
    the request when the cause was the database, for the middleware below."""
    import sys

    from django.db import OperationalError

    error = sys.exc_info()[1]
    if request is not None and isinstance(error, OperationalError):
        setattr(request, DB_ERROR_FLAG, True)


class DatabaseUnavailableMiddleware:
    """Answer a database conflict or outage (OperationalError: SQLite's
    "database is locked", PostgreSQL's lock or statement timeout, a lost
    connection) with a clear "try again" page, HTTP 503 and Retry-After,
    never a traceback, whether DEBUG is on or off and whichever database.

    Outermost in MIDDLEWARE: it catches the error from a view directly
    (`process_exception`) and, through the got_request_exception signal,
    from any middleware below it (the session saved after the view, the
    user loaded before it). The page needs no database and no request context.
    """

    def __init__(self, get_response):
        from django.core.signals import got_request_exception

        self.get_response = get_response
        got_request_exception.connect(_flag_database_error, dispatch_uid="imr-database-unavailable")

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, DB_ERROR_FLAG, False) and response.status_code >= 500:
            return database_unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        from django.db import OperationalError

        if isinstance(exception, OperationalError):
            import logging

            # The class only: a driver's message can quote the statement and its values.
            logging.getLogger("imrsite.database").warning(
                "database unavailable (%s) on %s %s", type(exception).__name__, request.method,
                getattr(request.resolver_match, "view_name", "") or "-",
            )
            return database_unavailable_response(request)
        return None


def database_unavailable_response(request):
    from django.http import HttpResponse
    from django.template.loader import render_to_string

    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
