"""Sign-in lockout, issue 19 item 19: a lockout cools off by itself (nobody
who knows a username can lock its owner out for good), and one address
trying many usernames is throttled too (accounts.lockout)."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.9"
CLINIC = "198.51.100.20"


@pytest.fixture
def maria(db):
    return UserFactory(username="maria", role=Role.REVIEWER)


def attempt(username, password, address=ATTACKER):
    return Client().post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def lock_out(username="maria", address=ATTACKER):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        attempt(username, "wrong password!", address)
    assert attempt(username, PASSWORD, address).status_code == 429


# --- cool-off ------------------------------------------------------------------------------


def test_a_lockout_cools_off_by_itself(maria):
    assert django_settings.AXES_COOLOFF_TIME == timedelta(minutes=30)
    with time_machine.travel(time.time(), tick=False) as clock:
        lock_out()
        clock.shift(timedelta(minutes=29))
        refused = attempt("maria", PASSWORD)
        assert refused.status_code == 429
        assert "Try again in 30 minutes" in refused.content.decode()
        clock.shift(timedelta(minutes=2))
        assert attempt("maria", PASSWORD).status_code == 302


def test_failures_during_a_lockout_do_not_extend_it(maria):
    """An attacker who keeps trying does not keep the physician out."""
    with time_machine.travel(time.time(), tick=False) as clock:
        lock_out()
        for _ in range(5):
            clock.shift(timedelta(minutes=5))
            assert attempt("maria", "wrong password!").status_code == 429
        clock.shift(timedelta(minutes=6))  # 31 minutes after the failure that locked it
        assert attempt("maria", PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(user=maria, action=AuditEvent.Action.AUTH_LOCKOUT).count() >= 5


def test_the_cool_off_is_a_setting(maria, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=5)
    with time_machine.travel(time.time(), tick=False) as clock:
        lock_out()
        assert "Try again in 5 minutes" in attempt("maria", PASSWORD).content.decode()
        clock.shift(timedelta(minutes=6))
        assert attempt("maria", PASSWORD).status_code == 302


def _settings_with(env):
    code = "import imrsite.settings as s; print(s.AXES_COOLOFF_TIME, s.IMR_SIGN_IN_ADDRESS_FAILURE_LIMIT)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True,
        env={**os.environ, **env},
    )


def test_cool_off_and_address_limit_come_from_the_environment():
    result = _settings_with({"AXES_COOLOFF_MINUTES": "15", "AXES_ADDRESS_FAILURE_LIMIT": "50"})
    assert result.stdout.split() == ["0:15:00", "50"], result.stderr
    # A lockout without an end is what this control exists to prevent.
    refused = _settings_with({"AXES_COOLOFF_MINUTES": "0"})
    assert refused.returncode != 0 and "AXES_COOLOFF_MINUTES" in refused.stderr


# --- many usernames from one address -------------------------------------------------------------


def fail_with_many_usernames(count, address=ATTACKER):
    for n in range(count):
        assert attempt(f"guess{n:03d}", "wrong password!", address).status_code in (200, 429)


def test_many_usernames_from_one_address_are_throttled(maria):
    limit = django_settings.IMR_SIGN_IN_ADDRESS_FAILURE_LIMIT
    assert limit == 30 and limit > django_settings.AXES_FAILURE_LIMIT
    fail_with_many_usernames(limit - 1)  # one try each: no username reaches its own limit
    assert attempt("maria", PASSWORD).status_code == 302  # below the address limit, still open
    fail_with_many_usernames(1)
    refused = attempt("maria", PASSWORD)
    assert refused.status_code == 429 and "Sign-in paused" in refused.content.decode()
    assert attempt("somebody-new", "anything at all").status_code == 429
    # The address is throttled, not the accounts: maria signs in from the clinic.
    assert attempt("maria", PASSWORD, CLINIC).status_code == 302


def test_the_address_limit_is_a_setting(maria, settings):
    settings.IMR_SIGN_IN_ADDRESS_FAILURE_LIMIT = 5
    fail_with_many_usernames(5)
    assert attempt("maria", PASSWORD).status_code == 429


def test_an_own_account_does_not_launder_the_address_count(maria):
    """A success clears the failures of that username, not the address's tries on others."""
    UserFactory(username="mallory", role=Role.INTAKE)
    fail_with_many_usernames(django_settings.IMR_SIGN_IN_ADDRESS_FAILURE_LIMIT - 1)
    assert attempt("mallory", PASSWORD).status_code == 302
    fail_with_many_usernames(1)
    assert attempt("mallory", PASSWORD).status_code == 429


def test_an_address_lockout_cools_off_too(maria):
    with time_machine.travel(time.time(), tick=False) as clock:
        fail_with_many_usernames(django_settings.IMR_SIGN_IN_ADDRESS_FAILURE_LIMIT)
        assert attempt("maria", PASSWORD).status_code == 429
        clock.shift(django_settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
        assert attempt("maria", PASSWORD).status_code == 302
