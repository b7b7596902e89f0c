"""Sign-in bookkeeping the session controls rely on."""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

# When the user signed in (epoch seconds); imrsite.middleware.SessionLifetimeMiddleware
# ends the session IMR_SESSION_MAX_AGE_SECONDS later.
LOGIN_TIME_SESSION_KEY = "imr_login_at"
# When the user last did something (epoch seconds); accounts.sessions.
ACTIVE_AT_SESSION_KEY = "imr_active_at"

# Request attributes: the session ended by itself (idle, lifetime), or the
# user signed out. Only the first leaves "Your session expired" for the sign-in page.
SESSION_EXPIRED_ATTR = "imr_session_expired"
SIGNED_OUT_ATTR = "imr_signed_out"


@receiver(user_logged_in, dispatch_uid="accounts.stamp_login_time")
def stamp_login_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[LOGIN_TIME_SESSION_KEY] = now
        request.session[ACTIVE_AT_SESSION_KEY] = now


@receiver(user_logged_out, dispatch_uid="accounts.note_sign_out")
def note_sign_out(sender, request, user, **kwargs):
    if request is not None and not getattr(request, SESSION_EXPIRED_ATTR, False):
        setattr(request, SIGNED_OUT_ATTR, True)


@receiver(user_locked_out, dispatch_uid="accounts.audit_lockout")
def audit_lockout(sender, request, username, **kwargs):
    """A sign-in refused by the lockout (django-axes) goes to the audit trail,
    naming the account when it exists, like a failed sign-in."""
    from . import audit
    from .models import User

    user = User.objects.filter(username=username).first() if username else None
    audit.record(audit.Action.AUTH_LOCKOUT, actor=user, request=request)
