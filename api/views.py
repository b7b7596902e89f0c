"""The published California IMR API (see api/contract.py for its vocabulary).

Views are thin: they read the request as the contract writes it, call the
selectors and services, and answer in the contract's shapes. Every call is
audited (accounts.audit), rate-limited (api.throttling) and answers errors
as {"status","msg","refId"} (api.errors).
"""

import hashlib
import json
import re

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.crypto import salted_hmac
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import audit
from cases.visibility import case_for_user
from imrsite.downloads import StoredFileError, open_verified, protect_file_response
from imrsite.errors import ServiceError

from . import contract, docs, selectors, services, tokens
from .errors import ApiError, error_response
from .formats import CsvRenderer, JsonOrCsvNegotiation, LenientJSONParser
from .throttling import AccountThrottle, AddressThrottle, TokenThrottle
from .uploads import LimitedTemporaryFileUploadHandler, UploadTooLarge

# The document list is not paged; this many at most (the contract's example says 999).
DOCUMENT_LIST_LIMIT = 999


class SessionUntouched:
    """DRF sets the Django request's `user` to the API's caller; the session
    middlewares after the view would then count the call as a signed-in
    person's activity and save a session. Give them back the session's own
    user (anonymous: API calls carry no cookie)."""

    def initialize_request(self, request, *args, **kwargs):
        self._session_user = getattr(request, "user", None)
        return super().initialize_request(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self._session_user is not None:
            request._request.user = self._session_user
        # Answers carry health information: no cache keeps a copy (as the published responses say).
        response["Cache-Control"] = "no-store"
        return response


class ApiView(SessionUntouched, APIView):
    """Bearer-token service accounts only; rate-limited by address before
    authentication and by account after it."""

    renderer_classes = [JSONRenderer]
    parser_classes = [LenientJSONParser]
    content_negotiation_class = JsonOrCsvNegotiation
    throttle_classes = [AccountThrottle]
    address_throttle_classes = [AddressThrottle]

    def initial(self, request, *args, **kwargs):
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(request)
        request.version, request.versioning_scheme = self.determine_version(request, *args, **kwargs)
        for throttle in [cls() for cls in self.address_throttle_classes]:
            if not throttle.allow_request(request, self):
                self.throttled(request, throttle.wait())
        self.perform_authentication(request)
        self.check_permissions(request)
        self.check_throttles(request)

    @property
    def account(self):
        return selectors.service_account_of(self.request.user)

    def case(self, number: str):
        # The one access rule (cases.visibility.visible_cases): another
        # organization's case is a 404 exactly like one that does not exist.
        if "\x00" in number:  # PostgreSQL refuses NUL in a query; no case number has one
            raise ApiError(404, "Not found", code="not_found")
        return case_for_user(self.request.user, number)


def ok():
    return HttpResponse(b'{"status":200,"msg":"OK"}', content_type="application/json")


# --- token endpoint (Keycloak's, as the published clients call it) ---------------------------


def token_error(status: int, error: str, description: str):
    body = json.dumps({"error": error, "error_description": description}, separators=(",", ":"))
    response = HttpResponse(body, status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


class TokenView(SessionUntouched, APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]
    parser_classes = []

    def handle_exception(self, exc):
        from rest_framework import exceptions as drf

        if isinstance(exc, drf.Throttled):
            response = token_error(429, "too_many_requests", "Too many requests; try again later")
            if exc.wait is not None:
                response["Retry-After"] = str(int(exc.wait) + 1)
            return response
        if isinstance(exc, drf.MethodNotAllowed):
            return token_error(405, "invalid_request", "HTTP method not allowed")
        return super().handle_exception(exc)

    @extend_schema(**docs.TOKEN)
    def post(self, request, realm):
        from oauth2_provider.models import get_refresh_token_model
        from oauth2_provider.oauth2_backends import get_oauthlib_core

        if realm != settings.API_REALM:
            return token_error(404, "invalid_request", "Realm does not exist")
        django_request = request._request
        grant_type = django_request.POST.get("grant_type", "")
        if not grant_type:
            return token_error(400, "invalid_request", "Missing form parameter: grant_type")
        if grant_type not in ("password", "refresh_token"):
            return token_error(400, "unsupported_grant_type", "Unsupported grant_type")
        services.oauth_client()
        _, _, body, status = get_oauthlib_core().create_token_response(django_request)
        try:
            payload = json.loads(body or "{}")
        except ValueError:
            payload = {}
        if status != 200 or "access_token" not in payload:
            return self._refusal(grant_type, status, payload, django_request)
        refresh = get_refresh_token_model().objects.select_related("user").get(
            token_checksum=hashlib.sha256(payload["refresh_token"].encode()).hexdigest(), revoked__isnull=True
        )
        session_state = str(refresh.token_family)
        audit.record(audit.Action.API_TOKEN, actor=refresh.user, request=django_request, detail={"grant": grant_type})
        published = {
            "access_token": payload["access_token"],
            "expires_in": payload.get("expires_in", settings.API_ACCESS_TOKEN_SECONDS),
            "refresh_expires_in": settings.API_REFRESH_TOKEN_SECONDS,
            "refresh_token": payload["refresh_token"],
            "token_type": "bearer",
            "id_token": tokens.id_token(
                user=refresh.user, session_state=session_state, host=django_request.get_host()
            ),
            "not-before-policy": 0,
            "session_state": session_state,
        }
        response = HttpResponse(json.dumps(published, separators=(",", ":")), content_type="application/json")
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response

    @staticmethod
    def _refusal(grant_type, status, payload, django_request):
        """Keycloak's answers, which the published .NET client switches on."""
        error = payload.get("error", "invalid_request")
        if error in ("invalid_client", "unauthorized_client"):
            return token_error(401, "unauthorized_client", "Invalid client credentials")
        if error == "invalid_grant" and grant_type == "password":
            return token_error(401, "invalid_grant", "Invalid user credentials")
        if error == "invalid_grant":
            return token_error(400, "invalid_grant", _refresh_refusal(django_request.POST.get("refresh_token", "")))
        if error == "invalid_request":
            return token_error(400, "invalid_request", str(payload.get("error_description", "Invalid request"))[:200])
        return token_error(status if 400 <= status < 600 else 400, error, str(payload.get("error_description", error))[:200])


def _refresh_refusal(refresh_token: str) -> str:
    """Why a refresh token was refused, in Keycloak's words."""
    from django.utils import timezone
    from oauth2_provider.models import get_refresh_token_model

    from .tokens import decode

    claims = decode(refresh_token or "")
    if claims is None:
        return "Invalid refresh token"
    row = (
        get_refresh_token_model().objects.filter(token_checksum=hashlib.sha256(refresh_token.encode()).hexdigest())
        .order_by("-id").first()
    )
    if row is None or row.revoked is not None:
        return "Stale refresh token"
    if claims.get("exp", 0) <= timezone.now().timestamp():
        return "Refresh token expired"
    return "Session not active"


class LogoutView(TokenView):
    """Keycloak's logout: ends the session (the refresh token's family) at once."""

    throttle_classes = [TokenThrottle]

    @extend_schema(**docs.LOGOUT)
    def post(self, request, realm):
        from oauth2_provider.models import get_refresh_token_model

        if realm != settings.API_REALM:
            return token_error(404, "invalid_request", "Realm does not exist")
        token = request._request.POST.get("refresh_token", "")
        RefreshToken = get_refresh_token_model()
        row = RefreshToken.objects.filter(
            token_checksum=hashlib.sha256(token.encode()).hexdigest(), revoked__isnull=True
        ).first() if token else None
        if row is None:
            return token_error(400, "invalid_grant", "Invalid refresh token")
        RefreshToken.revoke_family(row.token_family)
        audit.record(audit.Action.API_ACCOUNT, actor=row.user, request=request._request, detail={"change": "logout"})
        return HttpResponse(status=204)


# --- case search ---------------------------------------------------------------------------


class CaseSearchView(ApiView):
    renderer_classes = [JSONRenderer, CsvRenderer]
    rfi = False

    @extend_schema(**docs.CASE_SEARCH)
    def post(self, request):
        try:
            criteria = contract.parse_search(request.data, max_limit=settings.API_SEARCH_MAX_LIMIT)
        except contract.CriteriaError as exc:
            raise ApiError(400, str(exc), code="criteria") from exc
        qs = selectors.case_search(user=request.user, criteria=criteria, rfi=self.rfi)
        match_count = qs.count()
        offset = criteria.start * criteria.limit
        cases = selectors.case_search_page(qs, offset=offset, limit=criteria.limit) if offset < match_count else []
        results = [contract.case_result(case) for case in cases]
        csv_wanted = isinstance(request.accepted_renderer, CsvRenderer)
        audit.record(
            audit.Action.CASE_LIST,
            actor=request.user,
            detail={"via": "api", "search": "rfi" if self.rfi else "all", "format": "csv" if csv_wanted else "json",
                    "count": len(results), "cases": [case.pk for case in cases]},
        )
        if csv_wanted:
            return Response([[row[column] for column in contract.SEARCH_CSV_COLUMNS] for row in results])
        return Response({
            "matchCount": match_count,
            "start": criteria.start,
            "limit": criteria.limit,
            "results": [{field: row[field] for field in contract.RESULT_FIELDS} for row in results],
        })


class RfiSearchView(CaseSearchView):
    rfi = True

    @extend_schema(**docs.RFI_SEARCH)
    def post(self, request):
        return super().post(request)


# --- documents -----------------------------------------------------------------------------


def case_handle(case) -> str:
    """The case's opaque handle (stable, not guessable, never taken back as input)."""
    return f"{settings.API_HANDLE_PREFIX}/{salted_hmac('api.case-handle', str(case.pk)).hexdigest()[:20]}"


class DocumentSearchView(ApiView):
    @extend_schema(**docs.DOCUMENT_SEARCH)
    def get(self, request, number):
        case = self.case(number)
        items = selectors.exchange_items(self.account, case)
        handles = services.handles_for(items, case=case)
        shown = items[:DOCUMENT_LIST_LIMIT]
        audit.record(audit.Action.CASE_VIEW, actor=request.user, case=case, detail={"via": "api", "what": "documents", "count": len(shown)})
        case_id = case_handle(case)
        results = []
        for item in shown:
            handle = handles[(item.kind, item.object_id)]
            results.append({
                "identifier": handle.identifier,
                "type": item.type,
                "types": [item.type],
                "case": case_id,
                "dcn": handle.dcn,
                "name": item.name,
                "renderings": [{"identifier": handle.rendering, "type": "application/pdf", "size": item.size}],
            })
        return Response({"matchCount": len(items), "start": 0, "limit": DOCUMENT_LIST_LIMIT, "results": results})


class DocumentDownloadView(ApiView):
    @extend_schema(**docs.DOCUMENT_DOWNLOAD)
    def get(self, request, handle):
        from determinations.letters import LetterIntegrityError, letter_read_verified

        from .models import DocumentHandle

        row, item = (None, None) if "\x00" in handle else selectors.exchange_item_for(user=request.user, account=self.account, rendering=handle)
        if item is None:
            audit.denied(object_type="api.documenthandle", object_id=handle[:64], reason="no_such_document")
            raise ApiError(404, "Document not found", code="no_such_document")
        case = row.case
        if item.kind == DocumentHandle.Kind.NOTICE:
            from correspondence.documents import NOTICE
            from imrsite import pipeline

            try:
                data = pipeline.read_verified(NOTICE, row=item.obj)
            except pipeline.IntegrityFailure as exc:
                raise ApiError(500, "The stored file cannot be served", code=exc.code or "integrity") from exc
            audit.record(audit.Action.NOTICE_DOWNLOAD, actor=request.user, case=case, obj=item.obj, detail={"via": "api", "kind": item.obj.kind})
            response = HttpResponse(data, content_type="application/pdf")
            response["Content-Length"] = str(len(data))
        elif item.kind == DocumentHandle.Kind.LETTER:
            try:
                data = letter_read_verified(letter=item.obj)
            except LetterIntegrityError as exc:
                raise ApiError(500, "The stored file cannot be served", code=exc.code or "integrity") from exc
            audit.record(audit.Action.LETTER_DOWNLOAD, actor=request.user, case=case, obj=item.obj, detail={"via": "api", "variant": item.obj.variant})
            response = HttpResponse(data, content_type="application/pdf")
            response["Content-Length"] = str(len(data))
        else:
            document = item.obj
            try:
                stream = open_verified(file=document.file, sha256=document.sha256, case=case, obj=document)
            except StoredFileError as exc:
                raise ApiError(500, "The stored file cannot be served", code=exc.code or "integrity") from exc
            audit.record(audit.Action.DOCUMENT_DOWNLOAD, actor=request.user, case=case, obj=document, detail={"via": "api", "kind": document.kind})
            response = FileResponse(stream, content_type="application/pdf")
        return protect_file_response(response, filename=item.filename)


# --- uploads ---------------------------------------------------------------------------------

ACCEPTED_PART_TYPES = {"", "application/pdf", "application/x-pdf", "application/octet-stream"}
# A multipart body carries a little more than its file (boundaries, part headers).
MULTIPART_OVERHEAD = 64 * 1024

UPLOAD_ERRORS = {
    "too_large": 413,
    "not_pdf": 415,
    "pdf_truncated": 415,
    "pdf_encrypted": 415,
    "pdf_active": 415,
    "pdf_malformed": 415,
    "pdf_empty": 415,
}


class UploadView(ApiView):
    parser_classes = []  # the body is read in `_file`, after the checks that need no body

    @extend_schema(**docs.UPLOAD)
    def post(self, request, number):
        case = self.case(number)
        uploaded = self._file(request)
        return self._store(case, uploaded, request)

    def _file(self, request):
        from django.http.multipartparser import MultiPartParserError

        django_request = request._request
        if not (django_request.content_type or "").startswith("multipart/form-data"):
            raise ApiError(415, "Send the file as multipart/form-data with a part named 'file'", code="media_type")
        limit = settings.DOCUMENT_MAX_UPLOAD_BYTES
        declared = django_request.headers.get("filesize")
        if declared is not None:
            declared = declared.strip()
            # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
            if not re.fullmatch(r"[0-9]{1,18}", declared):
                raise ApiError(400, "The filesize header must be the file's size in bytes", code="filesize")
            declared = int(declared)
            if declared > limit:
                raise ApiError(413, f"The file is larger than the limit of {limit} bytes", code="too_large")
        try:
            length = int(django_request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit + MULTIPART_OVERHEAD:
            raise ApiError(413, f"The file is larger than the limit of {limit} bytes", code="too_large")
        # To a temporary file as it arrives (never whole in memory), stopped past the limit.
        django_request.upload_handlers = [LimitedTemporaryFileUploadHandler(django_request, limit=limit)]
        try:
            files = django_request.FILES.getlist("file")
        except UploadTooLarge as exc:
            raise ApiError(413, f"The file is larger than the limit of {limit} bytes", code="too_large") from exc
        except MultiPartParserError as exc:
            raise ApiError(400, "The multipart body could not be read", code="multipart") from exc
        if len(files) != 1:
            raise ApiError(400, "Send exactly one file, in a part named 'file'", code="no_file")
        uploaded = files[0]
        if uploaded.size == 0:
            raise ApiError(400, "The file is empty", code="empty")
        if declared is not None and declared != uploaded.size:
            raise ApiError(400, f"The filesize header says {declared} bytes; {uploaded.size} bytes arrived", code="filesize_mismatch")
        if not (uploaded.name or "").lower().endswith(".pdf"):
            raise ApiError(415, "Only PDF files (name ending in .pdf) are accepted", code="not_pdf_name")
        if (uploaded.content_type or "").lower() not in ACCEPTED_PART_TYPES:
            raise ApiError(415, "Only application/pdf is accepted", code="part_type")
        return uploaded

    def _store(self, case, uploaded, request):
        from pathlib import PurePath

        title = PurePath(uploaded.name).stem[:200]
        # The optional `category` part (A-D), read with the file (parsed in `_file`).
        category = request._request.POST.get("category", "")
        try:
            services.records_upload(account=self.account, case=case, uploaded_file=uploaded, title=title, category=category)
        except ServiceError as exc:
            raise ApiError(UPLOAD_ERRORS.get(exc.code, 400), exc.message, code=exc.code or "refused") from exc
        finally:
            # The temporary file may have been moved into storage; closing tolerates that.
            uploaded.close()
        return ok()


class LegacyUploadView(UploadView):
    """MOVEit-style upload: the case number comes from the file name "{caseNumber}_{NNN}.pdf"."""

    @extend_schema(**docs.LEGACY_UPLOAD)
    def post(self, request):
        uploaded = self._file(request)
        match = contract.LEGACY_UPLOAD_NAME.match(uploaded.name or "")
        if match is None:
            raise ApiError(400, "The file name must be {caseNumber}_{NNN}.pdf", code="legacy_name")
        case = self.case(match["number"].upper())
        return self._store(case, uploaded, request)


# --- anything else under the API's root ------------------------------------------------------


def not_found(request, rest=""):
    """Every unknown path under /apigw/ answers in the contract's error shape, not an HTML page."""
    return error_response(404, "Not found", code="no_route", request=request, view_name="api:not_found")
