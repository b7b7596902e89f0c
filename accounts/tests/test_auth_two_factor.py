"""Two-factor authentication (security.md §1.4 control 2): enrollment, the
sign-in step, recovery codes, admin reset, and the enforcement setting."""

import base64
import re
import time

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import AuditEvent, Role
from imrsite.errors import ServiceError
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

require_2fa = override_settings(IMR_REQUIRE_2FA=True)


def code_for(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def enrolled(user):
    """Enroll a minute ago: the code used to confirm is spent (no replay), the
    current one is fresh for the test."""
    with time_machine.travel(time.time() - 60, tick=False):
        device = services.two_factor_enrollment_device(user=user)
        _, codes = services.two_factor_confirm(user=user, token=code_for(device))
    device.refresh_from_db()
    return device, codes


def sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


@pytest.fixture
def intake(db):
    return UserFactory(username="maria", role=Role.INTAKE)


@pytest.fixture
def reviewer(reviewer_user):
    return reviewer_user


@require_2fa
def test_password_only_reaches_no_health_information_until_the_code(client, intake):
    device, _ = enrolled(intake)
    sign_in(client, intake)
    cases = reverse("cases:list")
    response = client.get(cases)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('two_factor_verify')}?next=%2Fcases%2F"
    # The admin is behind the same gate.
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("two_factor_verify"))
    # A wrong code is refused, the right one lets the user through to where they were going.
    wrong = client.post(reverse("two_factor_verify"), {"token": "000000" if code_for(device) != "000000" else "111111", "next": cases})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert AuditEvent.objects.filter(user=intake, action=AuditEvent.Action.AUTH_MFA_FAILURE).count() == 1
    assert client.get(cases).status_code == 302
    with time_machine.travel(time.time() + 2):  # past django-otp's wait after a wrong code
        ok = client.post(reverse("two_factor_verify"), {"token": code_for(device), "next": cases})
    assert ok.status_code == 302 and ok["Location"] == cases
    assert client.get(cases).status_code == 200


@require_2fa
def test_user_without_device_is_sent_to_enroll_and_then_gets_in(client, reviewer):
    sign_in(client, reviewer)
    response = client.get(reverse("review:dashboard"))
    assert response["Location"].startswith(reverse("two_factor_setup"))
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html  # QR code inline: no request to any outside service
    assert "http://" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org/2000/svg", "")
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    shown_key = re.search(r'user-select-all">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    assert base64.b32decode(shown_key) == device.bin_key
    # Reloading the page keeps the same secret (the code already scanned stays valid).
    client.get(reverse("two_factor_setup"))
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1

    bad = client.post(reverse("two_factor_setup"), {"token": "12345x"})
    assert bad.status_code == 200 and not TOTPDevice.objects.get(user=reviewer).confirmed
    with time_machine.travel(time.time() + 2):  # past django-otp's wait after a wrong code
        done = client.post(reverse("two_factor_setup"), {"token": code_for(device), "next": reverse("review:dashboard")})
    assert done.status_code == 302 and done["Location"].startswith(reverse("two_factor_recovery_codes"))
    assert TOTPDevice.objects.get(user=reviewer).confirmed
    # Recovery codes: ten, shown once.
    codes_page = client.get(done["Location"])
    codes = re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4})</li>", codes_page.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=reviewer).count() == 10
    again = client.get(reverse("two_factor_recovery_codes"))
    assert again.status_code == 302 and again["Location"] == reverse("two_factor")
    # Enrolled and verified in this session: the work pages open.
    assert client.get(reverse("review:dashboard")).status_code == 200


@require_2fa
def test_recovery_code_signs_in_once(client, intake):
    _, codes = enrolled(intake)
    sign_in(client, intake)
    # Typed the way the page shows it, with the hyphen and in capitals.
    shown = f"{codes[0][:4]}-{codes[0][4:]}".upper()
    assert client.post(reverse("two_factor_verify"), {"token": shown})["Location"] == reverse("home")
    assert client.get(reverse("cases:list")).status_code == 200
    assert StaticToken.objects.filter(device__user=intake).count() == 9
    client.post(reverse("logout"))
    sign_in(client, intake)
    reused = client.post(reverse("two_factor_verify"), {"token": codes[0]})
    assert reused.status_code == 200
    assert client.get(reverse("cases:list")).status_code == 302


@require_2fa
def test_wrong_codes_are_throttled(client, intake):
    device, _ = enrolled(intake)
    sign_in(client, intake)
    good = code_for(device)
    wrong = "999999" if good != "999999" else "888888"
    client.post(reverse("two_factor_verify"), {"token": wrong})
    # Right after a failure django-otp refuses even the right code for a while.
    response = client.post(reverse("two_factor_verify"), {"token": good})
    assert response.status_code == 200
    assert "Too many wrong codes" in response.content.decode()


@require_2fa
def test_regenerating_recovery_codes_replaces_the_old_ones(client, intake):
    device, old_codes = enrolled(intake)
    sign_in(client, intake)
    client.post(reverse("two_factor_verify"), {"token": code_for(device)})
    page = client.get(reverse("two_factor"))
    assert "10 unused recovery codes left" in page.content.decode()
    response = client.post(reverse("two_factor_recovery_codes"), {"next": reverse("two_factor")})
    new_codes = [c.replace("-", "") for c in re.findall(r"<li>([a-z2-7-]{9})</li>", client.get(response["Location"]).content.decode())]
    assert len(new_codes) == 10
    stored = set(StaticToken.objects.filter(device__user=intake).values_list("token", flat=True))
    assert stored == set(new_codes)
    assert not stored & set(old_codes)


@require_2fa
def test_pages_open_before_the_second_factor(client, intake):
    enrolled(intake)
    sign_in(client, intake)
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("two_factor_verify")).status_code == 200
    assert client.get(reverse("password_change")).status_code == 302  # not before the code (ASVS 6.4.3)
    assert client.get(reverse("two_factor")).status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("login"))


@require_2fa
def test_admin_reset_sends_the_user_back_to_enrollment(client, intake):
    device, _ = enrolled(intake)
    sign_in(client, intake)
    client.post(reverse("two_factor_verify"), {"token": code_for(device)})
    assert client.get(reverse("cases:list")).status_code == 200

    operator = UserFactory(username="operator", role=Role.ADMIN, is_superuser=True)
    operator_device, _ = enrolled(operator)
    admin_client = type(client)()
    sign_in(admin_client, operator)
    admin_client.post(reverse("two_factor_verify"), {"token": code_for(operator_device)})
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"), {"action": "reset_two_factor", "_selected_action": [intake.pk]}, follow=True
    )
    assert "Reset two-factor authentication for 1 user" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=intake).exists()
    assert not StaticDevice.objects.filter(user=intake).exists()
    # The session verified with the removed device is no longer verified.
    assert client.get(reverse("cases:list"))["Location"].startswith(reverse("two_factor_setup"))


@override_settings(IMR_REQUIRE_2FA=False)
def test_without_enforcement_the_password_is_enough(client, intake):
    """The local demo (see test_security_settings for the defaults): even an
    enrolled user is not asked for a code."""
    enrolled(intake)
    sign_in(client, intake)
    assert client.get(reverse("cases:list")).status_code == 200


def test_confirm_refuses_when_not_in_progress(intake):
    enrolled(intake)
    with pytest.raises(ServiceError):
        services.two_factor_enrollment_device(user=intake)
    with pytest.raises(ServiceError) as refused:
        services.two_factor_confirm(user=intake, token="123456")
    assert refused.value.field == "token"


def test_recovery_codes_need_an_authenticator_first(intake):
    with pytest.raises(ServiceError):
        services.recovery_codes_generate(user=intake)


@pytest.mark.parametrize("name", ["two_factor", "two_factor_verify", "two_factor_setup", "two_factor_recovery_codes"])
def test_two_factor_pages_need_a_signed_in_user(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_two_factor_pages_for_every_role_without_enforcement(client, intake, reviewer):
    """Without enforcement anyone may still turn 2FA on voluntarily."""
    for user in (intake, reviewer):
        client.force_login(user)
        assert client.get(reverse("two_factor")).status_code == 200
        assert client.get(reverse("two_factor_setup")).status_code == 200
        # Not enrolled: the verify page sends to setup.
        assert client.get(reverse("two_factor_verify"))["Location"].startswith(reverse("two_factor_setup"))
