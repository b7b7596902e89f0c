"""Errors as the published contract writes them: compact JSON
{"status":N,"msg":"...","refId":"..."} (the published shell clients grep the
body for `"status":401,`), whatever the Accept header asked for.

Every error is logged once with its refId, the view's name, the account id
and an error code: never the path (it holds case numbers), a message or a
file name, so the log line holds no health information.
"""

import logging
import traceback
import uuid

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from rest_framework import exceptions as drf

logger = logging.getLogger("api")


class ApiError(Exception):
    """A refusal with the contract's status and a message for the integrator."""

    def __init__(self, status: int, msg: str, *, code: str = ""):
        super().__init__(msg)
        self.status = status
        self.msg = msg
        self.code = code or str(status)


def _compact(status: int, msg: str, ref_id: str) -> bytes:
    import json

    return json.dumps({"status": status, "msg": msg, "refId": ref_id}, separators=(",", ":")).encode()


def error_response(status: int, msg: str, *, code: str = "", request=None, view_name: str = "", headers: dict | None = None):
    ref_id = uuid.uuid4().hex
    # DRF's user as far as authentication got (reading `.user` would start it again).
    user = request.__dict__.get("_user") if request is not None else None
    logger.warning(
        "api error refId=%s status=%s code=%s view=%s account=%s",
        ref_id, status, code or status, view_name or "-", getattr(user, "pk", None) or "-",
    )
    response = HttpResponse(_compact(status, msg, ref_id), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def _view_name(context) -> str:
    request = context.get("request") if context else None
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else ""


def exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every exception of an API view becomes the contract's error."""
    request = context.get("request")
    view_name = _view_name(context)
    headers = {}
    if isinstance(exc, ApiError):
        return error_response(exc.status, exc.msg, code=exc.code, request=request, view_name=view_name)
    if isinstance(exc, Http404):
        return error_response(404, "Not found", code="not_found", request=request, view_name=view_name)
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        _audit_refused_token(request, exc)
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
        msg = "Access denied: send a valid, unexpired access token (Authorization: Bearer <token>)"
        return error_response(401, msg, code="unauthorized", request=request, view_name=view_name, headers=headers)
    if isinstance(exc, drf.Throttled):
        if exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait) + 1)
        return error_response(429, "Too many requests; try again later", code="throttled", request=request, view_name=view_name, headers=headers)
    if isinstance(exc, drf.MethodNotAllowed):
        return error_response(405, f"Method {exc.args[0] if exc.args else ''} not allowed".replace("  ", " "), code="method", request=request, view_name=view_name)
    if isinstance(exc, drf.UnsupportedMediaType):
        return error_response(415, "Unsupported media type", code="media_type", request=request, view_name=view_name)
    if isinstance(exc, drf.ParseError):
        return error_response(400, "The request body could not be read", code="parse", request=request, view_name=view_name)
    if isinstance(exc, RequestDataTooBig):
        return error_response(413, "Request entity too large", code="too_large", request=request, view_name=view_name)
    if isinstance(exc, drf.PermissionDenied):
        return error_response(403, "Forbidden", code="forbidden", request=request, view_name=view_name)
    if isinstance(exc, drf.APIException):
        return error_response(exc.status_code, "Bad request" if exc.status_code == 400 else "Request refused", code=exc.default_code, request=request, view_name=view_name)
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database is restarting or unreachable: nothing was written; the client should retry.
        _log_unexpected(exc, view_name)
        return error_response(503, "Service unavailable; try again shortly", code="database", request=request, view_name=view_name, headers={"Retry-After": "5"})
    _log_unexpected(exc, view_name)
    if isinstance(exc, DatabaseError):
        return error_response(500, "Server error", code="database_error", request=request, view_name=view_name)
    return error_response(500, "Server error", code="server_error", request=request, view_name=view_name)


def _log_unexpected(exc, view_name):
    # The frames only: an exception's message may quote data (a file name, a value).
    frames = "".join(traceback.format_tb(exc.__traceback__))
    logger.error("api unexpected %s in view=%s\n%s", exc.__class__.__name__, view_name or "-", frames)


def _audit_refused_token(request, exc):
    from accounts import audit

    reason = "no_token" if isinstance(exc, drf.NotAuthenticated) else "bad_token"
    try:
        audit.record(audit.Action.AUTH_FAILURE, actor=None, request=getattr(request, "_request", request), detail={"via": "api", "reason": reason})
    except DatabaseError:
        pass  # the refusal stands even if the trail cannot be written now
