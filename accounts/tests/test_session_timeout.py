"""The idle timeout must not throw away typed work (issue 19 item 8), while
the server still enforces it (HIPAA 164.312(a)(2)(iii)): the server side.

- Pages tell the warning dialog how long the session has left.
- The dialog's clock and the letter-status polling are passive: a timer in
  the browser never keeps a session alive.
- "Stay signed in" is a POST with the CSRF token (sent on a click), which
  extends the session, never past its absolute lifetime.
- The sign-in page says "Your session expired" when that is why the user is
  there (once), and not after signing out.
- The determination form opts in to keeping its unsaved text in the browser
  (static/js/drafts.js; the browser test covers the rest).

The browser side is tests/browser/test_session_timeout.py.
"""

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from tests.factories import PASSWORD, CaseFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPIRED = "Your session expired"


@pytest.fixture
def intake(db):
    return UserFactory(username="maria", role=Role.INTAKE)


def sign_in(client, username="maria"):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def dialog_data(html: str) -> dict:
    tag = re.search(r'<dialog id="session-timeout"[^>]*>', html).group(0)
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', tag))


# --- what a page tells the dialog -------------------------------------------------------------


def test_a_signed_in_page_carries_the_warning_dialog(client, intake, settings):
    settings.IMR_SESSION_WARNING_SECONDS = 120
    sign_in(client)
    html = client.get(reverse("cases:list")).content.decode()
    data = dialog_data(html)
    assert (data["seconds-left"], data["warn-seconds"], data["can-extend"]) == ("900", "120", "true")
    assert data["status-url"] == reverse("session_status") and data["keep-alive-url"] == reverse("session_keep_alive")
    assert 'role="alertdialog"' in html and 'aria-describedby="session-timeout-text"' in html
    assert re.search(r'<script src="[^"]*js/session-timeout\.js"', html)
    assert re.search(r'<script src="[^"]*js/drafts\.js"', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html.replace('type="application/json"', "")), "inline script (CSP)"
    # Not on the sign-in page.
    assert "session-timeout" not in Client().get(reverse("login")).content.decode()


def test_near_the_absolute_lifetime_the_page_says_it_cannot_be_extended(client, intake, settings):
    settings.IMR_SESSION_MAX_AGE_SECONDS = 20 * 60
    with time_machine.travel(time.time(), tick=False) as clock:
        sign_in(client)
        clock.shift(timedelta(minutes=10))
        data = dialog_data(client.get(reverse("cases:list")).content.decode())
    assert (data["seconds-left"], data["can-extend"]) == ("600", "false")


# --- timers in the browser never keep a session alive ------------------------------------------------


def test_the_session_clock_is_passive(client, intake):
    with time_machine.travel(time.time(), tick=False) as clock:
        sign_in(client)
        clock.shift(timedelta(minutes=10))
        response = client.get(reverse("session_status"))
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        assert response.json() == {"signed_in": True, "seconds_left": 300, "can_extend": True}
        clock.shift(timedelta(minutes=4))
        assert client.get(reverse("session_status")).json()["seconds_left"] == 60
        clock.shift(timedelta(minutes=2))  # 16 minutes after the last real request
        ended = client.get(reverse("session_status"))
        assert ended.status_code == 401 and ended.json()["signed_in"] is False
        assert signed_out(client.get(reverse("cases:list")))


def test_letter_status_polling_does_not_keep_the_session_alive(client, intake):
    case = CaseFactory()
    with time_machine.travel(time.time(), tick=False) as clock:
        sign_in(client)
        assert client.get(reverse("cases:detail", args=[case.number])).status_code == 200
        for _ in range(3):  # the case page's letter panel polling every 4 minutes
            clock.shift(timedelta(minutes=4))
            assert client.get(reverse("letters:status", args=[case.number])).status_code == 200
        clock.shift(timedelta(minutes=4))  # 16 minutes after the page was opened, 4 after the last poll
        assert signed_out(client.get(reverse("cases:detail", args=[case.number])))


def test_an_unanswered_warning_ends_in_a_sign_out_server_side(client, intake):
    """The browser's dialog is a courtesy: the server ends the session whatever the page does."""
    with time_machine.travel(time.time(), tick=False) as clock:
        sign_in(client)
        clock.shift(timedelta(seconds=django_settings.SESSION_COOKIE_AGE + 1))
        assert signed_out(client.get(reverse("cases:list")))


# --- "Stay signed in" ---------------------------------------------------------------------------


def test_stay_signed_in_extends_the_session(client, intake):
    with time_machine.travel(time.time(), tick=False) as clock:
        sign_in(client)
        clock.shift(timedelta(minutes=13))
        response = client.post(reverse("session_keep_alive"))
        assert response.status_code == 200
        assert response.json() == {"signed_in": True, "seconds_left": 900, "can_extend": True}
        clock.shift(timedelta(minutes=14))  # 27 minutes after signing in, 14 after the click
        assert client.get(reverse("cases:list")).status_code == 200


def test_keep_alive_is_a_post_with_the_csrf_token(intake):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("login"))
    token = page.cookies[django_settings.CSRF_COOKIE_NAME].value
    browser.post(reverse("login"), {"username": "maria", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert browser.get(reverse("session_keep_alive")).status_code == 405
    assert browser.post(reverse("session_keep_alive")).status_code == 403  # no token: a forged request
    html = browser.get(reverse("cases:list")).content.decode()
    token = dialog_data(html)["csrf-token"]
    assert browser.post(reverse("session_keep_alive"), HTTP_X_CSRFTOKEN=token).status_code == 200


def test_keep_alive_after_the_end_says_so(client, intake):
    assert client.post(reverse("session_keep_alive")).status_code == 401
    with time_machine.travel(time.time(), tick=False) as clock:
        sign_in(client)
        clock.shift(timedelta(minutes=16))
        response = client.post(reverse("session_keep_alive"))
    assert response.status_code == 401 and response.json()["signed_in"] is False


def test_keep_alive_never_passes_the_absolute_lifetime(client, intake, settings):
    settings.IMR_SESSION_MAX_AGE_SECONDS = 20 * 60
    with time_machine.travel(time.time(), tick=False) as clock:
        sign_in(client)
        clock.shift(timedelta(minutes=13))
        assert client.post(reverse("session_keep_alive")).json() == {"signed_in": True, "seconds_left": 420, "can_extend": False}
        clock.shift(timedelta(minutes=8))
        assert signed_out(client.get(reverse("cases:list")))


# --- "Your session expired" on the sign-in page ----------------------------------------------------


def test_the_sign_in_page_says_the_session_expired_once(client, intake):
    with time_machine.travel(time.time(), tick=False) as clock:
        sign_in(client)
        assert EXPIRED not in client.get(reverse("cases:list")).content.decode()
        clock.shift(timedelta(minutes=16))
        redirect = client.get(reverse("cases:list"))
        assert signed_out(redirect)
        page = client.get(redirect["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and EXPIRED in html and 'role="alert"' in html
    assert EXPIRED not in client.get(reverse("login")).content.decode()  # said once
    sign_in(client)
    assert client.get(reverse("cases:list")).status_code == 200


def test_a_save_sent_after_the_end_lands_on_the_expired_sign_in_page(client, intake):
    """The physician clicks "Save draft" too late: the POST is refused, the
    sign-in page explains why, and `next` brings them back to the form."""
    url = reverse("review:determination", args=["CM26-0000001"])
    with time_machine.travel(time.time(), tick=False) as clock:
        sign_in(client)
        clock.shift(timedelta(minutes=16))
        refused = client.post(url, {"clinical_case_summary": "typed for twenty minutes"})
    assert signed_out(refused) and f"next={url}" in refused["Location"]
    assert EXPIRED in client.get(refused["Location"]).content.decode()


def test_signing_out_is_not_an_expiry(client, intake):
    sign_in(client)
    client.get(reverse("cases:list"))
    response = client.post(reverse("logout"))
    assert response.cookies[django_settings.IMR_SIGNED_IN_COOKIE_NAME].value == ""  # removed
    assert EXPIRED not in client.get(reverse("login")).content.decode()


def test_the_absolute_lifetime_is_an_expiry_too(client, intake, settings):
    settings.IMR_SESSION_MAX_AGE_SECONDS = 20 * 60
    with time_machine.travel(time.time(), tick=False) as clock:
        sign_in(client)
        for _ in range(3):
            clock.shift(timedelta(minutes=7))
            client.get(reverse("cases:list"))
        assert EXPIRED in client.get(reverse("login")).content.decode()


def test_the_signed_in_cookie_holds_nothing_and_scripts_cannot_read_it(client, intake):
    response = sign_in(client)
    cookie = response.cookies[django_settings.IMR_SIGNED_IN_COOKIE_NAME]
    assert cookie.value == "1" and cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"


# --- the determination form keeps its unsaved text ------------------------------------------------


def test_the_determination_form_opts_in_to_keeping_drafts(client):
    from determinations import services as determination_services
    from imrsite.tests.admin_objects import draft_determination

    det = draft_determination()
    client.force_login(det.reviewer.user)
    url = reverse("review:determination", args=[det.case.number])
    html = client.get(url).content.decode()
    key = f'data-keep-draft="determination:{det.case.number}"'
    assert key in html and f'data-draft-version="{det.revision}"' in html
    assert f'data-draft-owner="{det.reviewer.user.pk}"' in html
    # Once final, the page tells the browser to drop any draft it kept.
    determination_services.determination_finalize(determination=det, user=det.reviewer.user, request_letters=False)
    html = client.get(url).content.decode()
    assert key not in html and f'data-draft-discard="determination:{det.case.number}"' in html
