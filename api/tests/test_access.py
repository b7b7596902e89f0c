"""Access across two organizations: every endpoint x own / other organization's /
unknown case x valid / no / expired / revoked token. Another organization's
case answers exactly like one that does not exist."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from oauth2_provider.models import AccessToken

from accounts.models import AuditEvent
from api import services
from cases.models import CaseDocument

from .world import BASE, PDF, bearer, login

pytestmark = pytest.mark.django_db

UNKNOWN = "CM99-9999999"


def _handle(client, auth, number):
    body = client.get(BASE + f"docs/search/cn/{number}", **auth).json()
    return body["results"][0]["renderings"][0]["identifier"]


def _calls(case_number, handle):
    """(name, method, url, kwargs) of every API call, aimed at one case."""
    search_body = json.dumps({"IMRID": case_number})
    upload = lambda name: {"data": {"file": SimpleUploadedFile(name, PDF, content_type="application/pdf")}}  # noqa: E731
    return [
        ("search", "post", BASE + "cases/search", {"data": search_body, "content_type": "application/json"}),
        ("searchrfi", "post", BASE + "cases/searchrfi", {"data": search_body, "content_type": "application/json"}),
        ("docs_search", "get", BASE + f"docs/search/cn/{case_number}", {}),
        ("upload", "post", BASE + f"docs/upload/cn/{case_number}", upload("r.pdf")),
        ("legacy_upload", "post", BASE + "docs/upload", upload(f"{case_number}_001.pdf")),
        ("download", "get", BASE + f"docs/download/{handle}", {}),
    ]


def _expected(name, target):
    """Status and how many results (searches) for a valid token."""
    if name in ("search", "searchrfi"):
        return 200, (1 if target == "own" else 0)
    return (200 if target == "own" else 404), None


@pytest.fixture
def tokens(client, world):
    valid = login(client, world.a.username)["access_token"]
    expired = login(client, world.a.username)["access_token"]
    AccessToken.objects.filter(user=world.a.account.user).order_by("-id").first()  # the newest is `expired`
    newest = AccessToken.objects.filter(user=world.a.account.user).order_by("-id").first()
    newest.expires = timezone.now() - timedelta(seconds=1)
    newest.save(update_fields=["expires"])
    return {"valid": valid, "expired": expired}


def test_the_matrix(client, world, tokens):
    a, b = world.a, world.b
    b_token = login(client, b.username)["access_token"]
    targets = {
        "own": (a.open_case.number, _handle(client, bearer(tokens["valid"]), a.open_case.number)),
        "other": (b.open_case.number, _handle(client, bearer(b_token), b.open_case.number)),
        "unknown": (UNKNOWN, "20.5000.900/0123456789abcdef0123"),
    }
    revoked_account = services.service_account_create(username="api-alpha-2", organization=a.organization, password="another long passphrase 1")
    revoked = login(client, revoked_account.user.username, "another long passphrase 1")["access_token"]
    services.service_account_revoke(account=revoked_account)
    auths = {"valid": bearer(tokens["valid"]), "none": {}, "expired": bearer(tokens["expired"]), "revoked": bearer(revoked), "garbage": bearer("not-a-token")}
    checked = 0
    failures = []
    for target, (number, handle) in targets.items():
        bodies = {}
        for name, method, url, kwargs in _calls(number, handle):
            for auth_name, auth in auths.items():
                response = getattr(client, method)(url, **kwargs, **auth)
                checked += 1
                if auth_name != "valid":
                    if response.status_code != 401 or not response.content.startswith(b'{"status":401,'):
                        failures.append((target, name, auth_name, response.status_code))
                    continue
                status, count = _expected(name, target)
                if response.status_code != status:
                    failures.append((target, name, auth_name, response.status_code))
                elif count is not None and response.json()["matchCount"] != count:
                    failures.append((target, name, auth_name, "count"))
                if status == 404:
                    body = response.json()
                    bodies[name] = (body["status"], body["msg"], sorted(body))
        if target != "own":
            # Another organization's case and a missing one: the same answer, bar the refId.
            targets[target] = bodies
    assert not failures, failures
    assert targets["other"] == targets["unknown"]
    assert checked == 3 * 6 * 5
    # Nothing was written for the refused calls: only A's own two uploads landed.
    assert CaseDocument.objects.filter(uploaded_by=a.account.user).count() == 2
    assert CaseDocument.objects.filter(uploaded_by=b.account.user).count() == 0
    denied = AuditEvent.objects.filter(action=AuditEvent.Action.AUTHZ_DENIED, user=a.account.user)
    assert denied.filter(case=b.open_case).exists()


def test_the_other_account_sees_none_of_the_first_organizations_cases(client, world):
    b = bearer(login(client, world.b.username)["access_token"])
    numbers = {r["caseNumber"] for r in client.post(BASE + "cases/search", "{}", content_type="application/json", **b).json()["results"]}
    assert numbers == {world.b.open_case.number, world.b.decided.number}
    assert not numbers & {world.a.open_case.number, world.a.decided.number}


def test_a_browser_session_opens_no_api_call(client, world):
    from accounts.models import Role
    from tests.factories import UserFactory

    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True))
    response = client.post(BASE + "cases/search", "{}", content_type="application/json")
    assert response.status_code == 401
    assert client.get(BASE + f"docs/search/cn/{world.a.open_case.number}").status_code == 401


def test_calls_are_rate_limited_per_account_and_per_address(client, world, as_a, settings):
    settings.API_RATE_LIMIT = "3/minute"
    url = BASE + f"docs/search/cn/{world.a.open_case.number}"
    assert [client.get(url, **as_a).status_code for _ in range(4)] == [200, 200, 200, 429]
    response = client.get(url, **as_a)
    assert response["Retry-After"] and response.json()["status"] == 429
    settings.API_ADDRESS_RATE_LIMIT = "2/minute"
    from django.core.cache import caches

    caches["api"].clear()
    assert [client.get(url, **bearer("garbage")).status_code for _ in range(3)] == [401, 401, 429]


def test_api_calls_make_no_session_and_set_no_cookie(client, world, as_a):
    from django.contrib.sessions.models import Session

    before = Session.objects.count()
    response = client.post(BASE + "cases/search", "{}", content_type="application/json", **as_a)
    assert response.status_code == 200 and not response.cookies
    assert client.post(BASE + "cases/search", "{}", content_type="application/json").status_code == 401
    assert Session.objects.count() == before


def test_the_manifest_across_organizations_and_token_states(client, world, tokens, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from .world import noarfi_case

    noarfi_case(world.b.organization, run_on_commit=django_capture_on_commit_callbacks)  # only B has a notice today
    today = timezone.localdate().isoformat()
    calls = [("get", BASE + "events/noarfi/"), ("get", BASE + f"events/noarfi/{today}"), ("delete", BASE + f"events/noarfi/{today}")]
    revoked_account = services.service_account_create(username="api-alpha-3", organization=world.a.organization, password="another long passphrase 3")
    revoked = login(client, revoked_account.user.username, "another long passphrase 3")["access_token"]
    services.service_account_revoke(account=revoked_account)
    for auth in ({}, bearer(tokens["expired"]), bearer(revoked)):
        for method, url in calls:
            response = getattr(client, method)(url, **auth)
            assert response.status_code == 401 and response.content.startswith(b'{"status":401,'), (method, url)
    a = bearer(tokens["valid"])
    assert client.get(BASE + "events/noarfi/", **a).json() == {"datelist": []}  # B's day is not A's
    assert client.get(BASE + f"events/noarfi/{today}", **a).status_code == 404
    assert client.delete(BASE + f"events/noarfi/{today}", **a).status_code == 404
    b = bearer(login(client, world.b.username)["access_token"])
    assert client.get(BASE + "events/noarfi/", **b).json() == {"datelist": [today]}  # A's refused acknowledgement changed nothing
