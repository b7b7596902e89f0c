"""Production settings and response headers (security.md §1.4 controls 9,
12, 16, 17, 31): `check --deploy` clean, secure `__Host-` cookies, HSTS, SSL
redirect, CSP on every page, CSRF everywhere, generic error pages."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import path, reverse

from accounts.models import Role
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "ADMIN_URL", "IMR_REQUIRE_2FA")}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="imr.example.org",
        DATABASE_URL="sqlite://:memory:",
        REDIS_URL="",
    )
    env.update(extra)
    return env


def run(args, **env):
    return subprocess.run(args, cwd=ROOT, env=production_env(**env), capture_output=True, text=True, timeout=120)


# --- Control 31: the deployment checklist ----------------------------------------


def test_check_deploy_with_production_variables_prints_no_warning():
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output
    assert "System check identified no issues" in output


PRODUCTION_REQUESTS = r"""
import json
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

# Templates resolve static files without the collectstatic manifest (not what this checks).
storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=storages):
    call_command("migrate", verbosity=0)
    from accounts.models import User
    User.objects.create_user("maria", password="correct horse battery staple")
    client = Client(HTTP_HOST="imr.example.org")
    plain = client.get("/accounts/login/")
    page = client.get("/accounts/login/", secure=True)
    proxied = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    login = client.post("/accounts/login/", {"username": "maria", "password": "correct horse battery staple"}, secure=True)
    home = client.get("/", secure=True)
    probe = client.get("/healthz")

def cookies(response):
    return {name: {key: morsel[key] for key in ("path", "domain", "secure", "httponly", "samesite")} for name, morsel in response.cookies.items()}

print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "proxied": proxied.status_code,
    "page_headers": dict(page.headers),
    "page_cookies": cookies(page),
    "login": [login.status_code, login.get("Location", "")],
    "login_cookies": cookies(login),
    "home": [home.status_code, home.get("Location", "")],
    "probe": probe.status_code,
    "require_2fa": settings.IMR_REQUIRE_2FA,
    "admin": __import__("django.urls", fromlist=["reverse"]).reverse("admin:index"),
}))
"""


@pytest.fixture(scope="module")
def production():
    result = run([sys.executable, "-c", PRODUCTION_REQUESTS], ADMIN_URL="office-7f3a/", IMR_REQUIRE_2FA="false")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_redirects_plain_http_and_trusts_the_proxy_header(production):
    status, location = production["plain"]
    assert status == 301 and location == "https://imr.example.org/accounts/login/"
    assert production["proxied"] == 200  # X-Forwarded-Proto: https from the TLS proxy
    assert production["probe"] == 200  # the load balancer's plain-HTTP health check


def test_production_headers(production):
    headers = production["page_headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_production_cookies_are_host_prefixed_secure_httponly_lax(production):
    csrf = production["page_cookies"]["__Host-csrftoken"]
    assert csrf["secure"] and csrf["path"] == "/" and not csrf["domain"] and csrf["samesite"] == "Lax"
    session = production["login_cookies"]["__Host-sessionid"]
    assert session["secure"] and session["httponly"] and session["path"] == "/" and not session["domain"]
    assert session["samesite"] == "Lax"
    assert production["login"][0] == 302


def test_production_signed_in_marker_cookie_is_host_prefixed_secure_httponly(production):
    """The cookie that lets the sign-in page say "Your session expired" (accounts.sessions)."""
    marker = production["login_cookies"]["__Host-imrsignedin"]
    assert marker["secure"] and marker["httponly"] and marker["path"] == "/" and not marker["domain"]
    assert marker["samesite"] == "Lax"


def test_production_always_requires_the_second_factor(production):
    # IMR_REQUIRE_2FA=false cannot turn it off when DEBUG is off.
    assert production["require_2fa"] is True
    status, location = production["home"]
    assert status == 302 and location.startswith("/accounts/2fa/setup/")


def test_admin_lives_at_the_configured_url(production):
    assert production["admin"] == "/office-7f3a/"


def test_demo_defaults_keep_two_factor_off_unless_asked():
    code = "import imrsite.settings as s; print(s.IMR_REQUIRE_2FA)"
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "IMR_REQUIRE_2FA")}
    off = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    on = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**env, "IMR_REQUIRE_2FA": "true"}, capture_output=True, text=True)
    assert off.stdout.strip() == "False" and on.stdout.strip() == "True"


# --- Control 17: CSP on every response ----------------------------------------------

CSP_DIRECTIVES = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
]


def csp(response):
    return [part.strip() for part in response["Content-Security-Policy"].split(";")]


@pytest.mark.django_db
def test_every_kind_of_response_has_the_csp(client, intake_user):
    responses = [client.get(reverse("login")), client.get(reverse("cases:list")), client.get("/no-such-page/"), client.get(reverse("healthz"))]
    client.force_login(intake_user)
    responses += [client.get(reverse("cases:list")), client.get(reverse("two_factor")), client.get("/no-such-page/")]
    for response in responses:
        assert sorted(csp(response)) == sorted(CSP_DIRECTIVES), response


@pytest.mark.django_db
def test_only_the_letter_preview_may_be_framed_and_only_by_us(client):
    from imrsite.tests.admin_objects import draft_determination

    determination = draft_determination()
    client.force_login(determination.reviewer.user)
    number = determination.case.number
    page = client.get(reverse("review:preview", args=[number]))
    assert page.status_code == 200 and page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in csp(page)
    framed = client.get(reverse("review:preview_letter", args=[number]))
    assert framed.status_code == 200 and framed["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in csp(framed)
    assert "frame-ancestors 'none'" not in csp(framed)


TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]


def _not_a_page(path) -> bool:
    # E-mail bodies (mail clients need inline styles) and WeasyPrint sources are
    # never served to a browser, so the CSP does not govern them.
    return path.name in ("email.html",) or path.name.endswith("_pdf.html")


def _templates():
    return [p for d in TEMPLATE_DIRS for p in d.rglob("*.html") if ".venv" not in p.parts and not _not_a_page(p)]


def test_templates_have_no_inline_script_style_or_event_handler():
    """What the CSP would block: inline <script> (JSON data blocks excepted), on*= handlers, style attributes and <style>."""
    problems = []
    for template in _templates():
        html = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" not in tag and 'type="application/json"' not in tag:
                problems.append((template.name, tag))
        problems += [(template.name, m) for m in re.findall(r"\son[a-z]+\s*=", html)]
        problems += [(template.name, m) for m in re.findall(r"\sstyle\s*=", html)]
        problems += [(template.name, m) for m in re.findall(r"<style\b", html)]
    assert not problems


# --- Control 16: CSRF -------------------------------------------------------------------


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused(intake_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(intake_user)
    for name in ("cases:new", "accounts:notifications_read", "password_change", "logout"):
        response = client.post(reverse(name), {})
        assert response.status_code == 403, name
    # With the token from the form the same POST goes through to the view.
    client.get(reverse("password_change"))
    token = client.cookies["csrftoken"].value
    assert client.post(reverse("accounts:notifications_read"), {"csrfmiddlewaretoken": token}).status_code == 302


@pytest.mark.django_db
def test_login_form_needs_the_csrf_token(intake_user):
    from tests.factories import PASSWORD

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": intake_user.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_csrf_is_never_switched_off_in_project_code():
    marker = "csrf" + "_exempt"
    offenders = [
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*.py")
        if not {".venv", "node_modules", "staticfiles"} & set(p.relative_to(ROOT).parts) and marker in p.read_text()
    ]
    assert offenders == []


# --- Controls 12 and 31: error pages ------------------------------------------------------


def _boom(request):
    raise RuntimeError("secret internals: patient Jane Roe, /srv/imr/settings.py")


urlpatterns = [path("boom/", _boom)]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_server_error_page_is_generic():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "Traceback" not in html and "secret internals" not in html and "Jane Roe" not in html
    assert "Content-Security-Policy" in response.headers


def test_server_error_template_needs_no_request_or_context():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "Something went wrong" in html and "/static/css/app.css" in html


@pytest.mark.django_db
def test_403_and_404_pages_are_product_styled(client, reviewer_user, intake_user):
    client.force_login(reviewer_user)
    forbidden = client.get(reverse("cases:list"))
    assert forbidden.status_code == 403
    assert "You cannot open this page" in forbidden.content.decode()
    client.force_login(intake_user)
    missing = client.get("/cases/CM-0000-NOPE/")
    assert missing.status_code == 404
    html = missing.content.decode()
    assert "Page not found" in html and "app-navbar" in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.REVIEWER, Role.INTAKE])
def test_admin_is_for_staff_admins_only(client, role):
    client.force_login(UserFactory(role=role))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
