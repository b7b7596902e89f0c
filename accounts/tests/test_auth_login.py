"""Sign-in and session controls (security.md §1.4 controls 3–8): lockout,
no user enumeration, session rotation, idle and absolute timeouts, logout,
password change and deactivation."""

import re
import time
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PASSPHRASE_64 = "correct horse battery staple on a foggy morning in sacramento ok"


@pytest.fixture
def intake(db):
    return UserFactory(username="maria", role=Role.INTAKE)


def post_login(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def session_cookie(client):
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


# --- Lockout (control 4) -----------------------------------------------------------


def test_tenth_failure_locks_out_even_the_right_password(client, intake):
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        assert post_login(client, "maria", "wrong password!").status_code == 200
    tenth = post_login(client, "maria", "wrong password!")
    assert tenth.status_code == 429
    refused = post_login(client, "maria", PASSWORD)
    assert refused.status_code == 429
    assert "Sign-in paused" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("login"))
    # Both kinds of refusal are on the audit trail, against the account.
    rows = AuditEvent.objects.filter(user=intake)
    assert rows.filter(action=AuditEvent.Action.AUTH_FAILURE).count() >= django_settings.AXES_FAILURE_LIMIT
    assert rows.filter(action=AuditEvent.Action.AUTH_LOCKOUT).exists()
    assert not rows.filter(action=AuditEvent.Action.AUTH_LOGIN).exists()


def test_lockout_is_per_username_and_address(client, intake):
    other = UserFactory(username="jose", role=Role.INTAKE)
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        post_login(client, "maria", "wrong password!")
    assert post_login(client, "maria", PASSWORD).status_code == 429
    # The same person from another address, and another person from this one, still get in.
    assert post_login(Client(), "maria", PASSWORD, REMOTE_ADDR="10.0.0.7").status_code == 302
    assert post_login(Client(), other.username, PASSWORD).status_code == 302
    # A forged X-Forwarded-For does not make a new address.
    assert post_login(Client(), "maria", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429


def test_admin_unlocks_a_locked_out_user(client, intake, admin_user):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        post_login(client, "maria", "wrong password!")
    assert AccessAttempt.objects.filter(username="maria").exists()
    admin_client = Client()
    admin_client.force_login(admin_user)  # force_login does not go through the lockout
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"), {"action": "unlock_sign_in", "_selected_action": [intake.pk]}, follow=True
    )
    assert "Cleared 1 lockout record" in response.content.decode()
    assert post_login(client, "maria", PASSWORD).status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(client, intake):
    for _ in range(django_settings.AXES_FAILURE_LIMIT - 1):
        post_login(client, "maria", "wrong password!")
    assert post_login(client, "maria", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert post_login(client, "maria", "wrong password!").status_code == 200
    assert post_login(client, "maria", PASSWORD).status_code == 302


def test_test_client_login_goes_through_the_lockout(client, intake):
    """conftest gives Client.login() a request, so django-axes counts it too."""
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        assert not client.login(username="maria", password="wrong password!")
    assert not client.login(username="maria", password=PASSWORD)
    client.force_login(intake)
    assert client.get(reverse("cases:list")).status_code == 200


# --- No user enumeration (control 5) ----------------------------------------------


def _comparable(response, username):
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.replace(f'value="{username}"', 'value=""')


def test_unknown_user_and_wrong_password_look_the_same(client, intake):
    unknown = post_login(client, "nobody-here", "wrong password!")
    wrong = post_login(client, "maria", "wrong password!")
    assert unknown.status_code == wrong.status_code == 200
    assert _comparable(unknown, "nobody-here") == _comparable(wrong, "maria")
    assert "Please enter a correct username and password" in wrong.content.decode()


# --- Session id rotation (control 6) ------------------------------------------------


def test_session_id_changes_at_sign_in_and_the_old_one_is_dead(client, intake):
    client.get(reverse("login"))
    session = client.session  # an anonymous session, as a fixation attacker would plant
    session["planted"] = True
    session.save()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = session.session_key
    before = session_cookie(client)
    assert post_login(client, "maria", PASSWORD).status_code == 302
    after = session_cookie(client)
    assert before != after
    assert not Session.objects.filter(session_key=before).exists()
    attacker = Client()
    attacker.cookies[django_settings.SESSION_COOKIE_NAME] = before
    assert attacker.get(reverse("cases:list"))["Location"].startswith(reverse("login"))
    assert client.get(reverse("cases:list")).status_code == 200


# --- Idle timeout and absolute lifetime (control 7) ---------------------------------


def test_idle_timeout_is_fifteen_minutes_server_side(client, intake):
    assert django_settings.SESSION_COOKIE_AGE == 15 * 60 and django_settings.SESSION_SAVE_EVERY_REQUEST
    with time_machine.travel(time.time(), tick=False) as clock:
        post_login(client, "maria", PASSWORD)
        clock.shift(timedelta(minutes=14))
        assert client.get(reverse("cases:list")).status_code == 200  # activity extends the session
        clock.shift(timedelta(minutes=14))
        assert client.get(reverse("cases:list")).status_code == 200
        clock.shift(timedelta(minutes=16))
        response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_absolute_lifetime_ends_an_active_session_after_twelve_hours(client, intake):
    assert django_settings.IMR_SESSION_MAX_AGE_SECONDS == 12 * 60 * 60
    with time_machine.travel(time.time(), tick=False) as clock:
        post_login(client, "maria", PASSWORD)
        for _ in range(12 * 60 // 14):  # a request every 14 minutes: never idle
            clock.shift(timedelta(minutes=14))
            assert client.get(reverse("cases:list")).status_code == 200
        clock.shift(timedelta(minutes=14))  # now past 12 hours since sign-in
        response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_a_session_without_a_sign_in_time_is_ended(client, intake):
    client.force_login(intake)
    session = client.session
    del session["imr_login_at"]
    session.save()
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("login"))


# --- Logout and deactivation (control 8) -------------------------------------------


def test_old_cookie_after_logout_does_not_authenticate(client, intake):
    post_login(client, "maria", PASSWORD)
    old = session_cookie(client)
    assert client.post(reverse("logout")).status_code == 302
    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = old
    assert replay.get(reverse("cases:list"))["Location"].startswith(reverse("login"))


def test_deactivation_ends_the_session(client, intake):
    post_login(client, "maria", PASSWORD)
    assert client.get(reverse("cases:list")).status_code == 200
    intake.is_active = False
    intake.save(update_fields=["is_active"])
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("login"))
    assert post_login(Client(), "maria", PASSWORD).status_code == 200  # and no new sign-in


# --- Password policy and change (controls 3 and 8) ----------------------------------


@pytest.mark.parametrize("weak", ["password123", "Password1!", "short pass", "123456789012345"])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_a_long_passphrase_is_accepted():
    assert len(PASSPHRASE_64) == 64
    validate_password(PASSPHRASE_64)
    validate_password(PASSPHRASE_64 * 2)  # no maximum below 128


def test_password_change_keeps_this_session_and_ends_the_others(client, intake):
    other_browser = Client()
    post_login(other_browser, "maria", PASSWORD)
    post_login(client, "maria", PASSWORD)
    before = session_cookie(client)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": PASSPHRASE_64, "new_password2": PASSPHRASE_64},
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    assert session_cookie(client) != before  # rotated with the new password
    assert client.get(reverse("cases:list")).status_code == 200
    assert other_browser.get(reverse("cases:list"))["Location"].startswith(reverse("login"))
    intake.refresh_from_db()
    assert intake.check_password(PASSPHRASE_64)


def test_password_change_page_shows_the_validators(client, intake):
    client.force_login(intake)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Password1!", "new_password2": "Password1!"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "too short" in html and "too common" in html
    intake.refresh_from_db()
    assert intake.check_password(PASSWORD)


def test_password_change_needs_the_current_password(client, intake):
    client.force_login(intake)
    response = client.post(
        reverse("password_change"), {"old_password": "not it at all", "new_password1": PASSPHRASE_64, "new_password2": PASSPHRASE_64}
    )
    assert response.status_code == 200
    intake.refresh_from_db()
    assert intake.check_password(PASSWORD)


def test_password_change_page_by_role(client, intake, reviewer_user, admin_user):
    assert client.get(reverse("password_change"))["Location"].startswith(reverse("login"))
    for user in (intake, reviewer_user, admin_user):
        client.force_login(user)
        assert client.get(reverse("password_change")).status_code == 200
        assert client.get(reverse("password_change_done")).status_code == 200
