"""The bearer tokens' text: JWTs, because the published .NET client decodes
its tokens (their `iat` and `exp`) to know when to refresh.

A token's power is only in the database row django-oauth-toolkit keeps for
it, found by the SHA-256 of the whole string (the string itself is never
stored: COMPLIANT_BCP_RFC9700_TOKEN_STORAGE). The random `jti` makes it
unguessable; the HS256 signature with a key derived from SECRET_KEY makes a
forged or edited token fail before any lookup. Claims carry no health
information: the account's name and ids only.
"""

import json
import secrets
import time

from django.conf import settings
from django.utils.crypto import salted_hmac
from jwcrypto import jwk, jws
from jwcrypto.common import base64url_encode


def _key() -> jwk.JWK:
    material = salted_hmac("api.tokens", "signing key", algorithm="sha256").digest()
    return jwk.JWK(kty="oct", k=base64url_encode(material))


def issuer(host: str = "") -> str:
    path = f"/auth/realms/{settings.API_REALM}"
    return f"https://{host}{path}" if host else path


def encode(claims: dict) -> str:
    token = jws.JWS(json.dumps(claims, separators=(",", ":")).encode())
    token.add_signature(_key(), alg="HS256", protected=json.dumps({"alg": "HS256", "typ": "JWT"}))
    return token.serialize(compact=True)


def decode(text: str) -> dict | None:
    """The claims of a token this server signed, or None (forged, edited or not a JWT)."""
    try:
        token = jws.JWS()
        token.deserialize(text)
        token.verify(_key(), alg="HS256")
        return json.loads(token.payload)
    except Exception:  # any malformed input means "not ours"
        return None


def _claims(request, *, kind: str, lifetime: int) -> dict:
    now = int(time.time())
    user = getattr(request, "user", None)
    headers = getattr(request, "headers", None) or {}
    return {
        "jti": secrets.token_urlsafe(32),
        "exp": now + lifetime,
        "nbf": 0,
        "iat": now,
        "iss": issuer(headers.get("HTTP_HOST", "")),
        "aud": settings.API_CLIENT_ID,
        "sub": str(getattr(user, "pk", "") or ""),
        "typ": kind,
        "azp": settings.API_CLIENT_ID,
        "preferred_username": getattr(user, "username", "") or "",
    }


def access_token(request, refresh_token=False) -> str:
    """OAUTH2_PROVIDER["ACCESS_TOKEN_GENERATOR"]."""
    return encode(_claims(request, kind="Bearer", lifetime=settings.API_ACCESS_TOKEN_SECONDS))


def refresh_token(request, refresh_token=True) -> str:
    """OAUTH2_PROVIDER["REFRESH_TOKEN_GENERATOR"]."""
    return encode(_claims(request, kind="Refresh", lifetime=settings.API_REFRESH_TOKEN_SECONDS))


def id_token(*, user, session_state: str, host: str = "") -> str:
    """The `id_token` of the published token response: who signed in, for the client's information only."""
    now = int(time.time())
    return encode({
        "jti": secrets.token_urlsafe(16),
        "exp": now + settings.API_ACCESS_TOKEN_SECONDS,
        "nbf": 0,
        "iat": now,
        "iss": issuer(host),
        "aud": settings.API_CLIENT_ID,
        "sub": str(user.pk),
        "typ": "ID",
        "azp": settings.API_CLIENT_ID,
        "session_state": session_state,
        "preferred_username": user.username,
    })
