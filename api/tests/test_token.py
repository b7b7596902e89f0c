"""The token endpoint: the published request and response, Keycloak's errors,
hashed storage, expiry, rotation and revocation."""

import hashlib
import json
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from accounts.models import AuditEvent, Role
from api import services, tokens
from tests.factories import PASSWORD, UserFactory

from .world import BASE, TOKEN_URL, bearer, login

pytestmark = pytest.mark.django_db

PUBLISHED_FIELDS = {"access_token", "expires_in", "refresh_expires_in", "refresh_token", "token_type", "id_token", "not-before-policy", "session_state"}


def _post(client, **data):
    return client.post(TOKEN_URL, {"client_id": "dxc", **data})


def _search(client, access):
    return client.post(BASE + "cases/search", "{}", content_type="application/json", **bearer(access))


def test_password_grant_answers_the_published_fields(client, world):
    response = _post(client, grant_type="password", username=world.a.username, password=PASSWORD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == PUBLISHED_FIELDS
    assert (body["expires_in"], body["refresh_expires_in"], body["token_type"], body["not-before-policy"]) == (3600, 86400, "bearer", 0)
    assert "error" not in body and "error_description" not in body
    # JWTs whose iat/exp the published .NET client reads to know when to refresh.
    claims = tokens.decode(body["access_token"])
    assert claims["exp"] - claims["iat"] == 3600 and claims["typ"] == "Bearer"
    assert tokens.decode(body["refresh_token"])["exp"] - claims["iat"] == pytest.approx(86400, abs=2)
    assert tokens.decode(body["id_token"])["session_state"] == body["session_state"]
    assert _search(client, body["access_token"]).status_code == 200
    assert AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN, user=world.a.account.user).count() == 1


def test_tokens_are_stored_hashed(client, world):
    body = login(client, world.a.username)
    for model, raw in ((AccessToken, body["access_token"]), (RefreshToken, body["refresh_token"])):
        row = model.objects.get(token_checksum=hashlib.sha256(raw.encode()).hexdigest())
        assert row.token == ""
    assert not AccessToken.objects.filter(token=body["access_token"]).exists()


@pytest.mark.parametrize("who", ["wrong_password", "unknown_user", "person", "staff"])
def test_bad_credentials_answer_keycloaks_401(client, world, who):
    username, password = {
        "wrong_password": (world.a.username, "not the password"),
        "unknown_user": ("nobody-here", PASSWORD),
        "person": (UserFactory(username="someone").username, PASSWORD),
        "staff": (UserFactory(username="clerk", role=Role.INTAKE).username, PASSWORD),
    }[who]
    response = _post(client, grant_type="password", username=username, password=password)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_grant", "error_description": "Invalid user credentials"}
    assert not AccessToken.objects.exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.AUTH_FAILURE).exists()


def test_a_service_account_cannot_sign_in_to_pages(client, world):
    response = client.post(reverse("login"), {"username": world.a.username, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(reverse("admin:login"), {"username": world.a.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_a_service_account_with_a_role_is_refused(client, world):
    from django.contrib.auth.models import Group

    world.a.account.user.groups.add(Group.objects.get(name=Role.INTAKE))
    response = _post(client, grant_type="password", username=world.a.username, password=PASSWORD)
    assert response.status_code == 401


@pytest.mark.parametrize(
    "data, status, error",
    [
        ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
        ({}, 400, "invalid_request"),
        ({"grant_type": "password", "username": "x"}, 400, "invalid_request"),
        ({"grant_type": "refresh_token"}, 400, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "garbage"}, 400, "invalid_grant"),
    ],
)
def test_malformed_requests(client, world, data, status, error):
    response = _post(client, **data)
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error and body["error_description"]


def test_wrong_client_and_realm(client, world):
    response = client.post(TOKEN_URL, {"client_id": "other", "grant_type": "password", "username": world.a.username, "password": PASSWORD})
    assert response.status_code == 401 and response.json()["error"] == "unauthorized_client"
    response = client.post(TOKEN_URL.replace("dxc-externals", "master"), {"client_id": "dxc", "grant_type": "password"})
    assert response.status_code == 404 and response.json()["error_description"] == "Realm does not exist"
    assert client.get(TOKEN_URL).status_code == 405


def test_refresh_rotates_the_refresh_token(client, world):
    first = login(client, world.a.username)
    response = _post(client, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert response.status_code == 200
    second = response.json()
    assert set(second) == PUBLISHED_FIELDS
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    assert second["session_state"] == first["session_state"]
    assert _search(client, second["access_token"]).status_code == 200
    assert _search(client, first["access_token"]).status_code == 401  # the old access token ended with its refresh
    # The old refresh token is spent; replaying it ends the whole session (reuse protection).
    replay = _post(client, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert replay.status_code == 400 and replay.json() == {"error": "invalid_grant", "error_description": "Stale refresh token"}
    assert _post(client, grant_type="refresh_token", refresh_token=second["refresh_token"]).status_code == 400


def test_access_tokens_expire(client, world, time_machine):
    body = login(client, world.a.username)
    assert _search(client, body["access_token"]).status_code == 200
    time_machine.move_to(timezone.now() + timedelta(seconds=3601))
    response = _search(client, body["access_token"])
    assert response.status_code == 401
    assert b'"status":401,' in response.content  # what the published shell clients grep for
    assert _post(client, grant_type="refresh_token", refresh_token=body["refresh_token"]).status_code == 200


def test_refresh_tokens_expire_after_a_day(client, world, time_machine):
    body = login(client, world.a.username)
    time_machine.move_to(timezone.now() + timedelta(seconds=86401))
    response = _post(client, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error_description"] == "Refresh token expired"


def test_an_admin_revokes_tokens_and_accounts(client, world):
    body = login(client, world.a.username)
    services.tokens_revoke(account=world.a.account)
    assert _search(client, body["access_token"]).status_code == 401
    assert _post(client, grant_type="refresh_token", refresh_token=body["refresh_token"]).status_code == 400
    body = login(client, world.a.username)  # may log in again
    services.service_account_revoke(account=world.a.account)
    assert _search(client, body["access_token"]).status_code == 401
    assert _post(client, grant_type="password", username=world.a.username, password=PASSWORD).status_code == 401


def test_a_new_password_ends_the_old_tokens(client, world):
    body = login(client, world.a.username)
    services.service_account_set_password(account=world.a.account, password="another long passphrase 9")
    assert _search(client, body["access_token"]).status_code == 401
    assert login(client, world.a.username, "another long passphrase 9")["access_token"]


def test_logout_ends_the_session(client, world):
    body = login(client, world.a.username)
    response = client.post(TOKEN_URL.replace("/token", "/logout"), {"client_id": "dxc", "refresh_token": body["refresh_token"]})
    assert response.status_code == 204
    assert _search(client, body["access_token"]).status_code == 401
    assert _post(client, grant_type="refresh_token", refresh_token=body["refresh_token"]).status_code == 400


def test_a_forged_token_is_refused(client, world):
    body = login(client, world.a.username)
    header, payload, signature = body["access_token"].split(".")
    claims = tokens.decode(body["access_token"])
    claims["sub"] = "1"
    from jwcrypto.common import base64url_encode

    forged = ".".join([header, base64url_encode(json.dumps(claims)), signature])
    assert _search(client, forged).status_code == 401
    assert _search(client, tokens.encode({**claims, "jti": "x", "iat": int(time.time())})).status_code == 401


def test_token_requests_are_rate_limited(client, world, settings):
    settings.API_TOKEN_RATE_LIMIT = "3/minute"
    statuses = [_post(client, grant_type="password", username=world.a.username, password="nope").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
