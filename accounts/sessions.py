"""The signed-in session's clock: idle timeout, absolute lifetime, and what
the browser is told about them (static/js/session-timeout.js).

Server side, Django ends a session SESSION_COOKIE_AGE seconds after the last
request that saved it (SESSION_SAVE_EVERY_REQUEST), and
imrsite.middleware.SessionActivityMiddleware ends one whose last activity is
older than that. A request counts as activity unless its view is
`passive_session`: what the browser asks by itself on a timer (the session
clock, letter-status polling) never keeps a session alive. Only the
keep-alive POST, sent when the user clicks "Stay signed in", extends it
without leaving the page.
"""

import time

from django.conf import settings

from .signals import ACTIVE_AT_SESSION_KEY, LOGIN_TIME_SESSION_KEY

# Set on responses to signed-in requests and removed at sign-out: when the
# sign-in page is reached with it still there, the session ended by itself,
# and the page says so ("Your session expired"). Holds nothing but "1".
SIGNED_IN_COOKIE_VALUE = "1"
# Set on the request (by imrsite.middleware) when its view is passive.
PASSIVE_ATTR = "imr_passive_session"


def passive_session(view):
    """Mark a view the browser calls on a timer: its requests are not
    activity and do not extend the session (imrsite.middleware)."""
    view.imr_passive_session = True
    return view


def is_passive(view) -> bool:
    return getattr(view, "imr_passive_session", False)


def seconds_left(session, now: float | None = None, *, active_now: bool = False) -> tuple[int, bool]:
    """(seconds until this session ends, whether activity can push that back):
    the idle limit from the last activity (`active_now`: this request, a page
    being drawn), capped by the absolute lifetime."""
    now = time.time() if now is None else now
    login_at = session.get(LOGIN_TIME_SESSION_KEY)
    active_at = now if active_now else session.get(ACTIVE_AT_SESSION_KEY) or login_at
    if not isinstance(active_at, (int, float)) or not isinstance(login_at, (int, float)):
        return 0, False
    idle_left = settings.SESSION_COOKIE_AGE - (now - active_at)
    lifetime_left = settings.IMR_SESSION_MAX_AGE_SECONDS - (now - login_at)
    left = max(0, int(min(idle_left, lifetime_left)))
    return left, lifetime_left > settings.SESSION_COOKIE_AGE


def page_clock(request) -> dict | None:
    """What a page tells its idle-timeout dialog (templates/base.html)."""
    if not request.user.is_authenticated or not hasattr(request, "session"):
        return None
    left, can_extend = seconds_left(request.session, active_now=not is_passive_request(request))
    return {"seconds_left": left, "can_extend": can_extend, "warn_seconds": settings.IMR_SESSION_WARNING_SECONDS}


def is_passive_request(request) -> bool:
    return getattr(request, PASSIVE_ATTR, False)


def mark_active(session, now: float | None = None) -> None:
    session[ACTIVE_AT_SESSION_KEY] = time.time() if now is None else now


def had_signed_in_cookie(request) -> bool:
    # An emptied cookie may still be sent back (by clients that ignore its expiry): only "1" counts.
    return request.COOKIES.get(settings.IMR_SIGNED_IN_COOKIE_NAME) == SIGNED_IN_COOKIE_VALUE


def set_signed_in_cookie(response) -> None:
    response.set_cookie(
        settings.IMR_SIGNED_IN_COOKIE_NAME,
        SIGNED_IN_COOKIE_VALUE,
        secure=settings.SESSION_COOKIE_SECURE or None,
        httponly=True,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


def delete_signed_in_cookie(response) -> None:
    response.delete_cookie(settings.IMR_SIGNED_IN_COOKIE_NAME, samesite=settings.SESSION_COOKIE_SAMESITE)
