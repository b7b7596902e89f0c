"""The OpenAPI description of each endpoint (drf-spectacular), written once here
and served by the application (/apigw/openapi.json, page /apigw/docs/).

The serializers below describe the published shapes; the views build their
answers from api.contract, and api/tests/test_contract.py holds the two together.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    inline_serializer,
)
from rest_framework import serializers

from .contract import RESULT_FIELDS, SEARCH_CSV_COLUMNS, SORT_FIELDS, STATUSES

STATUS_TABLE = "\n".join(f"- `{s.code}` {s.label}: {s.ours}" for s in STATUSES.values())


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    msg = serializers.CharField(help_text="What went wrong, for the integrator.")
    refId = serializers.CharField(help_text="Quote it to the IMR organization: it finds the server's log line.")


class OkSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="200")
    msg = serializers.CharField(help_text='"OK"')


class SortSerializer(serializers.Serializer):
    property = serializers.CharField(help_text="A result field name: " + ", ".join(SORT_FIELDS) + ". Others are ignored.")
    desc = serializers.BooleanField(required=False, default=False)


class CaseSearchRequestSerializer(serializers.Serializer):
    IMRID = serializers.CharField(required=False, allow_blank=True, help_text="IMR case number (exact; empty: any).")
    CAID = serializers.CharField(required=False, allow_blank=True, help_text="Claims administrator's claim number (exact; empty: any).")
    statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=list(STATUSES)), required=False, help_text="Status codes (see the table); empty: any."
    )
    start = serializers.IntegerField(required=False, min_value=0, help_text="Page index (0 is the first page). Invalid: 0.")
    limit = serializers.IntegerField(
        required=False, min_value=1, help_text="Page size. Missing, invalid or above the maximum: the maximum, which the response's `limit` reports."
    )
    sort = SortSerializer(many=True, required=False)


class CaseResultSerializer(serializers.Serializer):
    def get_fields(self):
        dates = {"dateOfInjury", "dateofURDecision", "receiveDate"}
        notes = {
            "priority": "Standard or Expedited",
            "status": "Numeric string, see the status table",
            "modificationDate": "Date/time (ISO 8601) in UTC, e.g. 2016-08-15T13:03:16.031Z",
            "treatmentRequested": "The disputed treatments, one per line",
        }
        return {
            name: serializers.CharField(
                help_text=notes.get(name) or ("Date (ISO 8601): midnight in California, e.g. 2013-01-01T00:00:00-0800" if name in dates else "")
            )
            for name in RESULT_FIELDS
        }


class CaseSearchResponseSerializer(serializers.Serializer):
    matchCount = serializers.IntegerField(help_text="Cases matching the criteria (all pages).")
    start = serializers.IntegerField(help_text="The page index used.")
    limit = serializers.IntegerField(help_text="The page size used (the maximum when none, an invalid or a larger one was asked).")
    results = CaseResultSerializer(many=True)


class RenderingSerializer(serializers.Serializer):
    identifier = serializers.CharField(help_text="Handle of the file: use it to download (it contains a '/': do not encode it).")
    type = serializers.CharField(help_text="MIME type: application/pdf")
    size = serializers.IntegerField(help_text="Bytes")


class DocumentSerializer(serializers.Serializer):
    identifier = serializers.CharField(help_text="Handle of the document item.")
    type = serializers.CharField(help_text="MedicalRecords, URDecision, URCorrespondence, FinalDetermination, NOARFI or code.other")
    types = serializers.ListField(child=serializers.CharField())
    case = serializers.CharField(help_text="Handle of the case.")
    dcn = serializers.CharField(help_text="Document control number, unique across the system.")
    name = serializers.CharField()
    renderings = RenderingSerializer(many=True)


class DocumentSearchResponseSerializer(serializers.Serializer):
    matchCount = serializers.IntegerField()
    start = serializers.IntegerField()
    limit = serializers.IntegerField()
    results = DocumentSerializer(many=True)


ERRORS = {
    code: OpenApiResponse(ErrorSerializer, description=text)
    for code, text in {
        400: "Bad request (criteria, file or filesize header)",
        401: "No, an expired or a revoked access token",
        404: "No such case or document for this account (another organization's answers the same)",
        405: "Method not allowed",
        413: "Request entity too large",
        415: "Unsupported media type (not a PDF)",
        429: "Too many requests (see Retry-After)",
        500: "Server error (quote the refId)",
        503: "Service unavailable (retry)",
    }.items()
}


def errors(*codes):
    # Errors are JSON whatever the call answers on success (CSV included).
    return {(code, "application/json"): ERRORS[code] for code in codes}


_TOKEN_FIELDS = {
    "access_token": serializers.CharField(help_text="Send as 'Authorization: Bearer <access_token>'."),
    "expires_in": serializers.IntegerField(help_text="Seconds until the access token expires (3600)."),
    "refresh_expires_in": serializers.IntegerField(help_text="Seconds until the refresh token expires (86400)."),
    "refresh_token": serializers.CharField(help_text="Single use: each refresh returns a new one."),
    "token_type": serializers.CharField(help_text="bearer"),
    "id_token": serializers.CharField(help_text="Who signed in (informational)."),
    "not-before-policy": serializers.IntegerField(help_text="0"),
    "session_state": serializers.CharField(help_text="The session, the same across refreshes."),
}
_TOKEN_ERROR = inline_serializer("TokenError", fields={"error": serializers.CharField(), "error_description": serializers.CharField()})

TOKEN = dict(
    operation_id="token",
    tags=["Authentication"],
    summary="Log in (password grant) or refresh (refresh_token grant)",
    description=(
        "Form-encoded. `grant_type=password&client_id=dxc&username=...&password=...` logs a service account in; "
        "`grant_type=refresh_token&client_id=dxc&refresh_token=...` exchanges a refresh token for a new pair "
        "(the old refresh token stops working: refresh tokens are single use). Realm: `dxc-externals`. "
        "Failures answer `error` and `error_description` (Keycloak's words: `Invalid user credentials`, "
        "`Stale refresh token`, `Refresh token expired`, `Invalid refresh token`). After repeated failures "
        "from one address the account is locked until the IMR organization unlocks it."
    ),
    auth=[],
    request={
        "application/x-www-form-urlencoded": inline_serializer(
            "TokenRequest",
            fields={
                "grant_type": serializers.ChoiceField(choices=["password", "refresh_token"]),
                "client_id": serializers.CharField(help_text="dxc"),
                "username": serializers.CharField(required=False),
                "password": serializers.CharField(required=False),
                "refresh_token": serializers.CharField(required=False),
            },
        )
    },
    responses={
        200: inline_serializer("TokenResponse", fields=_TOKEN_FIELDS),
        400: OpenApiResponse(_TOKEN_ERROR, description="invalid_request, unsupported_grant_type, invalid_grant (refresh)"),
        401: OpenApiResponse(_TOKEN_ERROR, description="invalid_grant (Invalid user credentials), unauthorized_client"),
        404: OpenApiResponse(_TOKEN_ERROR, description="Realm does not exist"),
        429: OpenApiResponse(_TOKEN_ERROR, description="Too many requests"),
    },
)

LOGOUT = dict(
    operation_id="logout",
    tags=["Authentication"],
    summary="Log out: end the session of a refresh token",
    description="Form-encoded `client_id=dxc&refresh_token=...`. Every token of that session stops working.",
    auth=[],
    request={
        "application/x-www-form-urlencoded": inline_serializer(
            "LogoutRequest", fields={"client_id": serializers.CharField(), "refresh_token": serializers.CharField()}
        )
    },
    responses={204: OpenApiResponse(description="Logged out"), 400: OpenApiResponse(_TOKEN_ERROR), 404: OpenApiResponse(_TOKEN_ERROR)},
)

_SEARCH_DESCRIPTION = (
    "Searches the cases of your organization (the claims administrator your account belongs to). "
    "Paging: `start` is a page index and `limit` the page size (`{\"start\":1,\"limit\":10}` is results 11-20). "
    "With `Accept: application/json` the answer is `{matchCount, start, limit, results}`; with "
    "`Accept: text/plain` it is CSV of the results only, without a header row, one case per record, "
    "in these columns: " + ", ".join(SEARCH_CSV_COLUMNS) + ". Fields with commas, quotes or line breaks "
    "are quoted, so a record can span lines: read it with a CSV parser. No match: an empty result (200).\n\n"
    "Statuses:\n" + STATUS_TABLE
)

_SEARCH_EXAMPLE = OpenApiExample(
    "Ten most recently changed", value={"start": 0, "limit": 10, "sort": [{"property": "modificationDate", "desc": True}]}, request_only=True
)

CASE_SEARCH = dict(
    operation_id="searchCases",
    tags=["Cases"],
    summary="Search your organization's cases",
    description=_SEARCH_DESCRIPTION,
    request={"application/json": CaseSearchRequestSerializer},
    examples=[_SEARCH_EXAMPLE],
    responses={
        (200, "application/json"): CaseSearchResponseSerializer,
        (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="CSV, no header row"),
        **errors(400, 401, 429),
    },
)

RFI_SEARCH = dict(
    CASE_SEARCH,
    operation_id="searchCasesNOARFI",
    summary="Search your cases whose records request is open",
    description="As the case search, limited to cases waiting for records (statuses 3, 6 and 7). " + _SEARCH_DESCRIPTION,
)

_CASE_NUMBER = OpenApiParameter("number", OpenApiTypes.STR, OpenApiParameter.PATH, description="IMR case number, e.g. CM13-0001234")

DOCUMENT_SEARCH = dict(
    operation_id="searchDocs",
    tags=["Documents"],
    summary="List a case's documents you may download",
    description=(
        "The records your organization sent, the documents it issued (its UR decision and correspondence), "
        "the notices addressed to it and the Final Determination Letter once issued. Never another party's "
        "submission, never the reviewer's identity. Download a file with its rendering's `identifier`."
    ),
    parameters=[_CASE_NUMBER],
    responses={200: DocumentSearchResponseSerializer, **errors(401, 404, 429)},
)

DOCUMENT_DOWNLOAD = dict(
    operation_id="downloadDoc",
    tags=["Documents"],
    summary="Download a document rendering",
    description="The handle goes in the path as it is, slash included (do not URL-encode it). Streams the PDF.",
    parameters=[OpenApiParameter("handle", OpenApiTypes.STR, OpenApiParameter.PATH, description="A rendering identifier, e.g. 20.5000.900/5fdb80cbb2b3a1619d93")],
    responses={
        (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF"),
        **errors(401, 404, 429, 500),
    },
)

_UPLOAD_BODY = {
    "multipart/form-data": inline_serializer(
        "UploadRequest",
        fields={
            "file": serializers.FileField(help_text="The PDF (Content-Type application/pdf; file name ending in .pdf)."),
            "category": serializers.ChoiceField(
                choices=["A", "B", "C", "D"], required=False,
                help_text="The records category of 8 CCR 9792.10.5(a)(1): A treating physician's reports (the default), "
                "B the application, C UR correspondence, D materials in support of the request.",
            ),
        },
    )
}
_FILESIZE = OpenApiParameter(
    "filesize", OpenApiTypes.INT, OpenApiParameter.HEADER, required=False, description="The file's exact size in bytes (recommended)."
)

UPLOAD = dict(
    operation_id="uploadDoc",
    tags=["Documents"],
    summary="Upload records to a case",
    description=(
        "One PDF in a multipart part named `file`. It must be a real, unencrypted PDF without scripts or "
        "embedded files (its content is checked, not its name), no larger than the limit (DOCUMENT_MAX_UPLOAD_BYTES; "
        "the contract allows up to 500 MB). The document enters the case's records with its time of receipt, "
        "under the records category of the optional `category` part (A, the treating physician's reports, if none)."
    ),
    parameters=[_CASE_NUMBER, _FILESIZE],
    request=_UPLOAD_BODY,
    responses={200: OkSerializer, **errors(400, 401, 404, 413, 415, 429)},
)

LEGACY_UPLOAD = dict(
    UPLOAD,
    operation_id="uploadDocLegacy",
    summary="Upload records; the case number is in the file name",
    description="As the upload to a case, for legacy MOVEit users: the file name must be `{caseNumber}_{NNN}.pdf` (e.g. CM13-0001234_001.pdf).",
    parameters=[_FILESIZE],
)

_DAY = OpenApiParameter("day", OpenApiTypes.DATE, OpenApiParameter.PATH, description="yyyy-MM-dd, one of the manifest's dates")

MANIFEST_DATES = dict(
    operation_id="noarfiDateList",
    tags=["NOARFI"],
    summary="Days with notices of assignment you have not acknowledged",
    description="`{\"datelist\": [\"yyyy-MM-dd\", ...]}`: the days notices of assignment and request for information (NOARFI) were sent to your organization and not yet acknowledged.",
    responses={200: inline_serializer("DateList", fields={"datelist": serializers.ListField(child=serializers.DateField())}), **errors(401, 429)},
)

MANIFEST = dict(
    operation_id="noarfiDetails",
    tags=["NOARFI"],
    summary="A day's notices of assignment, as CSV",
    description=(
        "CSV with a header row, one row per notice: claims examiner, claims administrator address, injured worker, "
        "case number, system date, participant type, provider, claim number, priority, date of injury, UR decision "
        "date, treatment requested, received date (dates MM/DD/YYYY). `?legacy=true` gives the legacy column names "
        "and ten filler fields per row. A day with no notices: 404 `NO_MATCHING_DATA`."
    ),
    parameters=[_DAY, OpenApiParameter("legacy", OpenApiTypes.BOOL, OpenApiParameter.QUERY, required=False, description="Legacy column names")],
    responses={(200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="CSV with a header row"), **errors(400, 401, 404, 429)},
)

MANIFEST_ACKNOWLEDGE = dict(
    operation_id="noarfiAcknowledge",
    tags=["NOARFI"],
    summary="Acknowledge a day's notices",
    description="The day's notices are recorded as received by your organization and leave the date list. Acknowledging a day again changes nothing.",
    parameters=[_DAY],
    responses={200: OkSerializer, **errors(400, 401, 404, 429)},
)
