from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from imrsite.errors import ServiceError

from . import selectors, services, sessions
from .forms import EnrollForm, TokenForm
from .selectors import notifications_unread
from .services import notifications_mark_read

# Fresh recovery codes wait here between the POST that made them and the one
# page that shows them.
RECOVERY_CODES_SESSION_KEY = "imr_new_recovery_codes"


@login_required
@require_GET
def notification_list(request):
    """Everyone's inbox: what was sent to them and to their roles (intake:
    declines; reviewers: offers; admins: emergency grants)."""
    unread = list(notifications_unread(request.user).order_by("-created_at")[:200])
    return render(request, "accounts/notifications.html", {"unread": unread})


@login_required
@require_POST
def notification_mark_read(request):
    count = notifications_mark_read(user=request.user)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(next_url)
    return redirect("accounts:notifications")


# --- Sign-in and the session's clock -------------------------------------------


class SignInView(auth_views.LoginView):
    """Django's sign-in page, which also says when the user is here because
    their session expired (the signed-in cookie is still there: no sign-out)."""

    redirect_authenticated_user = True

    def get(self, request, *args, **kwargs):
        self.session_expired = sessions.had_signed_in_cookie(request)
        response = super().get(request, *args, **kwargs)
        if self.session_expired:
            sessions.delete_signed_in_cookie(response)  # said once
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session_expired"] = getattr(self, "session_expired", False)
        return context


def _session_clock(request, status=200):
    left, can_extend = sessions.seconds_left(request.session) if request.user.is_authenticated else (0, False)
    response = JsonResponse({"signed_in": request.user.is_authenticated, "seconds_left": left, "can_extend": can_extend}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@sessions.passive_session
@require_GET
def session_status(request):
    """How long this session has left. Asked by the page's timer, so it is
    not activity: it never extends the session. 401 once it has ended."""
    if not request.user.is_authenticated:
        return _session_clock(request, status=401)
    return _session_clock(request)


@require_POST
def session_keep_alive(request):
    """The "Stay signed in" button: a POST (with the CSRF token) that the page sends only
    when the user clicks the button; like any request of theirs, it restarts
    the idle timeout (never past the absolute lifetime)."""
    if not request.user.is_authenticated:
        return _session_clock(request, status=401)
    sessions.mark_active(request.session)
    return _session_clock(request)




def sign_in_paused(request, original_response=None, credentials=None):
    """What django-axes answers while a username or an address is locked out (429)."""
    from axes.helpers import get_cool_off

    minutes = max(1, int(get_cool_off(request).total_seconds() // 60))
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=settings.AXES_HTTP_RESPONSE_CODE)


# --- Two-factor authentication ---------------------------------------------------


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return resolve_url("home")


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _verified(request, device) -> None:
    # A new session id once the second factor is in, as at password sign-in.
    request.session.cycle_key()
    otp_login(request, device)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_post_parameters("token")
def two_factor_verify(request):
    """The second sign-in step: a code from the authenticator app or a recovery code."""
    next_url = _next_url(request)
    if not selectors.two_factor_enrolled(request.user):
        return redirect(_with_next("two_factor_setup", next_url))
    if request.user.is_verified():
        return redirect(next_url)
    form = TokenForm(request.POST or None)
    if form.is_valid():
        try:
            device = services.two_factor_check(user=request.user, token=form.cleaned_data["token"])
        except ServiceError as error:
            form.add_error(error.field, error.message)
        else:
            _verified(request, device)
            if isinstance(device, StaticDevice):
                left = selectors.recovery_codes_left(request.user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. Generate new ones on your account security page if you are running low.",
                )
            return redirect(next_url)
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


def _qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
@sensitive_post_parameters("token")
def two_factor_setup(request):
    """Enroll an authenticator app: QR code or key, then a code to prove it works."""
    next_url = _next_url(request)
    if selectors.two_factor_enrolled(request.user):
        if request.user.is_verified():
            return redirect("two_factor")
        return redirect(_with_next("two_factor_verify", next_url))
    device = services.two_factor_enrollment_device(user=request.user)
    form = EnrollForm(request.POST or None)
    if form.is_valid():
        try:
            device, codes = services.two_factor_confirm(user=request.user, token=form.cleaned_data["token"])
        except ServiceError as error:
            form.add_error(error.field, error.message)
        else:
            _verified(request, device)
            request.session[RECOVERY_CODES_SESSION_KEY] = codes
            messages.success(request, "Two-factor authentication is on for your account.")
            return redirect(_with_next("two_factor_recovery_codes", next_url))
    key = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": next_url,
        # Our own SVG markup from the otpauth URL: no user text is embedded as markup.
        "qr_svg": mark_safe(_qr_svg(device.config_url)),
        "manual_key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def two_factor_recovery_codes(request):
    """GET shows freshly made recovery codes once; POST replaces them all."""
    next_url = _next_url(request)
    if request.method == "POST":
        try:
            codes = services.recovery_codes_generate(user=request.user)
        except ServiceError as error:
            messages.error(request, error.message)
            return redirect("two_factor")
        request.session[RECOVERY_CODES_SESSION_KEY] = codes
        messages.success(request, "New recovery codes made; the old ones no longer work.")
        return redirect(_with_next("two_factor_recovery_codes", next_url))
    codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    if not codes:
        messages.info(request, "Recovery codes are shown only once. Generate new ones if you no longer have them.")
        return redirect("two_factor")
    shown = [f"{code[:4]}-{code[4:]}" for code in codes]
    return render(request, "accounts/two_factor_recovery_codes.html", {"codes": shown, "next": next_url})


@login_required
@require_GET
@never_cache
def two_factor(request):
    """Account security: two-factor status, recovery codes left, password change."""
    context = {
        "enrolled": selectors.two_factor_enrolled(request.user),
        "codes_left": selectors.recovery_codes_left(request.user),
        "nav": "account",
    }
    return render(request, "accounts/two_factor.html", context)
