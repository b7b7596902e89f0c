"""Account security pages: second factor, recovery codes, password change,
and the session clock the idle-timeout warning asks.

Names are global, like Django's own `login` and `logout`.
"""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views

urlpatterns = [
    path("session/", views.session_status, name="session_status"),
    path("session/keep-alive/", views.session_keep_alive, name="session_keep_alive"),
    path("2fa/", views.two_factor, name="two_factor"),
    path("2fa/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("2fa/recovery-codes/", views.two_factor_recovery_codes, name="two_factor_recovery_codes"),
    # Django's view keeps this session signed in (update_session_auth_hash);
    # every other session of the user ends, as its password hash no longer matches.
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done")),
        name="password_change",
    ),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]
