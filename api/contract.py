"""The published contract's vocabulary: field names (misspellings included),
the case status table, date formats, CSV layouts and document types.

Field names and layouts follow the MAXIMUS California IMR API SDK (2016):
its apidoc for JSON, its sample responses for CSV (the case-search CSV has
no header row and the column order of the SDK's sort-field list without
providerSuffix and modificationDate; the NOARFI manifest has a header row).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import Case as Conditional
from django.db.models import CharField, Q, Value, When
from django.utils import timezone

from cases.models import Case, CaseDocument

# --- Case status: ONE table -------------------------------------------------------------
#
# The contract's numeric statuses and the recorded facts each one reads.
# "Records requested / NOARFI / insufficient records" split our one
# awaiting-records status by what was recorded: no notice of assignment sent
# yet (6: the NOARFI is being prepared), sent and the records not yet due (3),
# due date passed without the records complete (7).


@dataclass(frozen=True)
class ApiStatus:
    code: str
    label: str
    ours: str  # what it means here


S = Case.Status
_AWAITING = (S.AWAITING_RECORDS,)


def _rules(today: date) -> list[tuple[str, tuple[str, ...], Q]]:
    """(code, the case statuses it covers, any further condition), in the order tried."""
    return [
        ("1", (S.RECEIVED,), Q()),
        ("2", (S.DEFERRED,), Q()),
        ("6", _AWAITING, Q(assigned_on__isnull=True)),
        ("7", _AWAITING, Q(records_due_on__lt=today)),
        ("3", _AWAITING, Q()),
        ("4", (S.RECORDS_COMPLETE, S.IN_REVIEW), Q()),
        ("5", (S.DECIDED, S.INELIGIBLE, S.TERMINATED, S.WITHDRAWN, S.CONSOLIDATED), Q()),
    ]


def _condition(statuses: tuple[str, ...], extra: Q) -> Q:
    return (Q(status=statuses[0]) if len(statuses) == 1 else Q(status__in=statuses)) & extra


def status_conditions(today: date) -> list[tuple[ApiStatus, Q]]:
    """(status, condition on Case) in the order they are tried; the first that holds wins."""
    return [(STATUSES[code], _condition(statuses, extra)) for code, statuses, extra in _rules(today)]


STATUSES = {
    s.code: s
    for s in [
        ApiStatus("1", "Received", "received: application registered, eligibility not yet decided"),
        ApiStatus("2", "Eligibility Review", "deferred: eligibility on hold while liability is disputed"),
        ApiStatus("3", "Records Requested", "awaiting records: notice of assignment sent, records not yet due"),
        ApiStatus("4", "Clinical Review", "records complete, or with the reviewer"),
        ApiStatus("5", "Closed", "decided, ineligible, terminated, withdrawn or consolidated into another case"),
        ApiStatus("6", "NOARFI", "awaiting records: notice of assignment and request for information not yet sent"),
        ApiStatus("7", "Insufficient Records", "awaiting records: the records due date has passed"),
    ]
}

# The records request is open (cases/searchrfi).
RFI_STATUSES = ("3", "6", "7")


def status_filter(codes, today: date) -> Q:
    """Cases whose contract status is one of `codes`, as conditions on the case's own
    columns (each status: its condition and none of those tried before it on the same
    case statuses), so that the database reads them off an index instead of computing
    every case's status; a status of its own case statuses ("4", "5") is that status
    list alone, which an index answers without reading the cases."""
    wanted = Q(pk__in=[])
    rules = _rules(today)
    # Every status that splits one set of case statuses ("6", "7", "3": awaiting records) is that set.
    whole = {statuses for _code, statuses, _extra in rules
             if all(code in codes for code, other, _extra in rules if other == statuses)}
    for statuses in whole:
        wanted |= _condition(statuses, Q())
    for i, (code, statuses, extra) in enumerate(rules):
        if code not in codes or statuses in whole:
            continue
        condition = _condition(statuses, extra)
        for _code, earlier_statuses, earlier_extra in rules[:i]:
            if set(earlier_statuses) & set(statuses):
                condition &= ~_condition(earlier_statuses, earlier_extra)
        wanted |= condition
    return wanted


def status_annotation(today: date):
    """An expression giving each case its contract status (for output, filter and sort alike)."""
    return Conditional(
        *[When(condition, then=Value(status.code)) for status, condition in status_conditions(today)],
        default=Value(""),
        output_field=CharField(),
    )


CLOSED_REASONS = {
    Case.Status.DECIDED: "Decided",
    Case.Status.INELIGIBLE: "Ineligible",
    Case.Status.TERMINATED: "Terminated",
    Case.Status.WITHDRAWN: "Withdrawn",
    Case.Status.CONSOLIDATED: "Consolidated",
}

# --- Dates ------------------------------------------------------------------------------

PACIFIC = ZoneInfo("America/Los_Angeles")


def iso_date(value: date | None) -> str:
    """A calendar date as the contract writes dates: midnight in California with
    its offset ("2013-01-01T00:00:00-0800"), the same day in any time zone a
    client converts it to, UTC included."""
    if value is None:
        return ""
    return datetime.combine(value, time(0), tzinfo=PACIFIC).strftime("%Y-%m-%dT%H:%M:%S%z")


def iso_timestamp(value: datetime | None) -> str:
    """A moment in UTC with milliseconds ("2016-08-15T13:03:16.031Z")."""
    if value is None:
        return ""
    value = value.astimezone(ZoneInfo("UTC"))
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def us_date(value: date | datetime | None) -> str:
    """MM/DD/YYYY, the NOARFI manifest's date format."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return value.strftime("%m/%d/%Y")


# --- Names and addresses ----------------------------------------------------------------

_PREFIXES = {"dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "miss"}


@dataclass(frozen=True)
class NameParts:
    prefix: str = ""
    first: str = ""
    middle_initial: str = ""
    last: str = ""
    suffix: str = ""


def name_parts(party) -> NameParts:
    """A person's name split as the contract's fields want it: the stored first
    and last names when there are any, else the display name ("Alan Whitfield,
    MD" -> first Alan, last Whitfield, suffix MD)."""
    if party is None:
        return NameParts()
    if party.first_name or party.last_name:
        first, _, middle = (party.first_name or "").partition(" ")
        return NameParts(first=first, middle_initial=middle[:1], last=party.last_name or "")
    name, _, suffix = (party.name or "").partition(",")
    words = name.split()
    prefix = ""
    if len(words) > 1 and words[0].lower() in _PREFIXES:
        prefix, words = words[0], words[1:]
    if not words:
        return NameParts(prefix=prefix, suffix=suffix.strip())
    if len(words) == 1:
        return NameParts(prefix=prefix, last=words[0], suffix=suffix.strip())
    middle = words[1][:1] if len(words) > 2 else ""
    return NameParts(prefix=prefix, first=words[0], middle_initial=middle, last=words[-1], suffix=suffix.strip())


@dataclass(frozen=True)
class AddressParts:
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""


_STATE_ZIP = re.compile(r"^(?P<state>[A-Za-z]{2}|[A-Za-z][A-Za-z ]+?)\s+(?P<zip>\d{5}(?:-\d{4})?)$")


def address_parts(text: str) -> AddressParts:
    """A free-text address ("123 Main St\\nSuite 4\\nFresno, CA 93721", or the
    same on one line with commas) split into the contract's fields; what does
    not parse stays in the first line."""
    text = (text or "").strip()
    if not text:
        return AddressParts()
    lines = [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]
    if len(lines) == 1:
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    else:
        # "Fresno, CA 93721" on the last line: city and state-zip.
        last = [part.strip() for part in lines[-1].split(",") if part.strip()]
        lines = lines[:-1] + last
    if len(lines) >= 3:
        match = _STATE_ZIP.match(lines[-1])
        if match:
            street = lines[:-2]
            return AddressParts(
                line1=street[0] if street else "",
                line2=", ".join(street[1:]),
                city=lines[-2],
                state=match["state"],
                zip_code=match["zip"],
            )
    return AddressParts(line1=", ".join(lines))


# --- Case search results ------------------------------------------------------------------

# JSON: the published CaseSearchResults fields, in the published order.
RESULT_FIELDS = (
    "claimNumber", "caseNumber", "dateOfInjury", "priority",
    "injuredWorkerPrefix", "injuredWorkerFirstName", "injuredWorkerLastName", "injuredWorkerMiddleInitial",
    "injuredWorkrSuffix", "employerName", "treatmentRequested",
    "claimsAdministratorAddress1", "claimsAdministratorCity", "claimsAdministratorState", "claimsAdministratorZipCode",
    "claimsAdministratorCompanyName",
    "providerPrefix", "providerFirtName", "providerLastName", "providerMidleInitial", "providerSuffix",
    "organizationName", "status", "dateofURDecision", "receiveDate", "modificationDate",
)

# CSV: no header row; the published sample's 29 columns.
SEARCH_CSV_COLUMNS = (
    "claimNumber", "caseNumber", "dateOfInjury", "priority",
    "injuredWorkerPrefix", "injuredWorkerFirstName", "injuredWorkerLastName", "injuredWorkerMiddleInitial",
    "injuredWorkrSuffix", "employerName", "treatmentRequested",
    "claimsAdministratorAddress1", "claimsAdministratorAddress2", "claimsAdministratorCity", "claimsAdministratorState",
    "claimsAdministratorZipCode", "claimsAdministratorCompanyName",
    "providerPrefix", "providerFirtName", "providerLastName", "providerMidleInitial",
    "organizationName", "status", "extStatus", "terminationReason", "closedReason", "assignDate",
    "dateofURDecision", "receiveDate",
)


def treatment_requested(case: Case) -> str:
    """The disputed items, one per line (a CSV field that spans lines)."""
    return "\n".join(item.description for item in case.items.all())


def case_result(case: Case) -> dict:
    """Every field either format sends for one case (JSON picks RESULT_FIELDS, CSV SEARCH_CSV_COLUMNS).
    `case` carries the `api_status` annotation and its related rows (api.selectors.case_search)."""
    worker = name_parts(case.employee)
    provider = name_parts(case.requesting_provider)
    administrator = case.claims_administrator
    address = address_parts(administrator.address)
    return {
        "claimNumber": case.claim_number,
        "caseNumber": case.number,
        "dateOfInjury": iso_date(case.date_of_injury),
        "priority": "Expedited" if case.is_expedited else "Standard",
        "injuredWorkerPrefix": worker.prefix,
        "injuredWorkerFirstName": worker.first,
        "injuredWorkerLastName": worker.last,
        "injuredWorkerMiddleInitial": worker.middle_initial,
        "injuredWorkrSuffix": worker.suffix,
        "employerName": case.employer.name,
        "treatmentRequested": treatment_requested(case),
        "claimsAdministratorAddress1": address.line1,
        "claimsAdministratorAddress2": address.line2,
        "claimsAdministratorCity": address.city,
        "claimsAdministratorState": address.state,
        "claimsAdministratorZipCode": address.zip_code,
        "claimsAdministratorCompanyName": administrator.name,
        "providerPrefix": provider.prefix,
        "providerFirtName": provider.first,
        "providerLastName": provider.last,
        "providerMidleInitial": provider.middle_initial,
        "providerSuffix": provider.suffix,
        # The requesting physician's medical group or IPA, when intake recorded it.
        "organizationName": case.medical_group.name if case.medical_group_id else "",
        "status": case.api_status,
        "extStatus": "",
        "terminationReason": "",
        "closedReason": CLOSED_REASONS.get(case.status, ""),
        "assignDate": iso_date(case.assigned_on),
        "dateofURDecision": iso_date(case.ur_decision_date),
        "receiveDate": iso_date(case.received_on),
        "modificationDate": iso_timestamp(case.updated_at),
    }


# Sort properties the search understands (the SDK's sort-field list), and what they sort by.
SORT_FIELDS = {
    "claimNumber": "claim_number",
    "caseNumber": "number",
    "dateOfInjury": "date_of_injury",
    "priority": "review_type",
    "injuredWorkerFirstName": "employee__first_name",
    "injuredWorkerLastName": "employee__last_name",
    "employerName": "employer__name",
    "claimsAdministratorCompanyName": "claims_administrator__name",
    "providerLastName": "requesting_provider__name",
    "status": "api_status",
    "assignDate": "assigned_on",
    "dateofURDecision": "ur_decision_date",
    "receiveDate": "received_on",
    "modificationDate": "updated_at",
}

# --- Documents ------------------------------------------------------------------------------

# Our document kinds as the contract's document types ("MedicalRecords", "NOARFI",
# "code.other" are the published examples).
DOCUMENT_TYPES = {
    CaseDocument.Kind.MEDICAL_RECORD: "MedicalRecords",
    CaseDocument.Kind.IMAGING: "MedicalRecords",
    CaseDocument.Kind.CONSULTATION: "MedicalRecords",
    CaseDocument.Kind.RFA: "MedicalRecords",
    CaseDocument.Kind.UR_DETERMINATION: "URDecision",
    CaseDocument.Kind.UR_CORRESPONDENCE: "URCorrespondence",
}
OTHER_DOCUMENT_TYPE = "code.other"
LETTER_TYPE = "FinalDetermination"
NOARFI_TYPE = "NOARFI"
# Notices (correspondence.NoticeKind) as document types.
NOTICE_TYPES = {"noarfi": NOARFI_TYPE}

# Kinds a claims administrator issues itself (its UR decision and letters), so
# they are its own records whoever filed them here.
CLAIMS_ADMINISTRATOR_KINDS = (CaseDocument.Kind.UR_DETERMINATION, CaseDocument.Kind.UR_CORRESPONDENCE)

# The legacy upload's file name: "{caseNumber}_{NNN}.pdf".
LEGACY_UPLOAD_NAME = re.compile(r"^(?P<number>[A-Za-z]{2}\d{2}-\d{4,10})_(?P<sequence>\d{3})\.pdf$", re.IGNORECASE)


# --- Search criteria ------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchCriteria:
    imr_id: str = ""
    ca_id: str = ""
    statuses: tuple[str, ...] = ()
    start: int = 0  # a page index, as the contract defines it
    limit: int = 0
    sort: tuple[tuple[str, bool], ...] = ()


class CriteriaError(ValueError):
    pass


def _identifier(body: dict, key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise CriteriaError(f"{key} must be a string")
    # PostgreSQL refuses a NUL byte in a query; no case or claim number has one.
    return str(value).replace("\x00", "").strip()


def _whole_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value.strip()):
        return int(value.strip())
    return None


def parse_search(body, *, max_limit: int) -> SearchCriteria:
    """The search body as the published clients send it. Lenient where the
    contract is (a missing or invalid `start` is 0, a missing, invalid or too
    large `limit` is the maximum; empty IMRID/CAID/statuses filter nothing;
    unknown sort properties are ignored, as the SDK's sort list names fields
    no search returns), strict where a client's intent would be lost."""
    if body in (None, "", b""):
        body = {}
    if not isinstance(body, dict):
        raise CriteriaError("the search criteria must be a JSON object")
    imr_id, ca_id = _identifier(body, "IMRID"), _identifier(body, "CAID")
    # "statuses" is the published name; the SDK's .NET client sends "status".
    raw = body.get("statuses", body.get("status"))
    if raw is None:
        raw = []
    if isinstance(raw, (str, int)) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list):
        raise CriteriaError("statuses must be a list of status codes")
    statuses = []
    for value in raw:
        code = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
        if code not in STATUSES:
            raise CriteriaError(f"unknown status {str(value)[:20]!r}: use 1 to 7")
        if code not in statuses:
            statuses.append(code)
    start = _whole_number(body.get("start"))
    start = start if start is not None and start >= 0 else 0
    limit = _whole_number(body.get("limit"))
    limit = limit if limit is not None and 0 < limit <= max_limit else max_limit
    raw_sort = body.get("sort") or []
    if isinstance(raw_sort, dict):
        raw_sort = [raw_sort]
    if not isinstance(raw_sort, list):
        raise CriteriaError("sort must be a list of {\"property\": name, \"desc\": true|false}")
    sort = []
    for item in raw_sort:
        if not isinstance(item, dict) or not isinstance(item.get("property", ""), str):
            raise CriteriaError("sort must be a list of {\"property\": name, \"desc\": true|false}")
        prop = item.get("property", "")
        if prop in SORT_FIELDS and prop not in [p for p, _ in sort]:
            sort.append((prop, bool(item.get("desc", False))))
    return SearchCriteria(imr_id=imr_id, ca_id=ca_id, statuses=tuple(statuses), start=start, limit=limit, sort=tuple(sort))


# --- NOARFI manifest (events/noarfi/{date}) ------------------------------------------------------
#
# A header row, then one row per notice. Default names as the published sample
# response sends them (its "injuredWorkrSuffix", where its table says
# "injuredWorkerSuffix"); ?legacy=true gives the legacy names and ten empty
# filler fields per row. Dates are MM/DD/YYYY.

MANIFEST_COLUMNS = (
    ("claimsExaminerFirstName", "C_PARTICIPANT_CONTACT_F_NAME"),
    ("claimsExaminerLastName", "C_PARTICIPANT_CONTACT_L_NAME"),
    ("claimsExaminerSuffix", "C_PARTICIPANT_CONTACT_SUFFIX"),
    ("injuredWorkrSuffix", "IW_SUFFIX"),
    ("claimsAdministratorAddress1", "C_PARTICIPANT_1ST_STREET_ADDRE"),
    ("claimsAdministratorAddress2", "C_PARTICIPANT_2ND_STREET_ADDRE"),
    ("claimsAdministratorCity", "C_PARTICIPANT_CITY"),
    ("claimsAdministratorState", "C_PARTICIPANT_STATE"),
    ("claimsAdministratorZipCode", "C_PARTICIPANT_POSTAL_CODE"),
    ("injuredWorkerFirstName", "IW_F_NAME"),
    ("injuredWorkerLastName", "IW_L_NAME"),
    ("caAppealNumber", "C_CA_APPEAL_NUMBER"),
    ("caseNumber", "C_CASE_NUMBER"),
    ("systemDateIso", "SYSTEM_DATE"),
    ("participantType", "PARTICIPANT_TYPE"),
    ("providerName", "PROVIDER"),
    ("claimsAdministratorCompanyName", "C_PARTICIPANT_ORGAN_NAME"),
    ("claimNumber", "C_CLAIMS_NUMBER"),
    ("priority", "PRIORITY_TYPE"),
    ("dateOfInjury", "C_INJURY_DATE"),
    ("dateofURDecision", "C_UR_DEC_DATE"),
    ("treatmentRequested", "C_TXREQ"),
    ("receiveDate", "C_RCVDATE"),
)
MANIFEST_LEGACY_FILLERS = (
    "C_ACKSENTDATE", "SEQUENCE_NUMBER", "FILENAME", "CASECOUNT", "ODD_EVEN", "DOI_COUNT",
    "C_BARCODE_CASE_NUMBER", "C_BARCODE_PART_TYPE", "C_BARCODE_DOC_TYPE", "C_DOC_TYPE_MR",
)


def manifest_header(*, legacy: bool) -> list[str]:
    if legacy:
        return [old for _, old in MANIFEST_COLUMNS] + list(MANIFEST_LEGACY_FILLERS)
    return [name for name, _ in MANIFEST_COLUMNS]


def manifest_row(*, case, administrator, address: str, day, legacy: bool) -> list[str]:
    """One notice of the manifest: the case (with its parties and items loaded), the
    claims administrator it went to, the address it was sent to, the day it was sent."""
    examiner_first, _, examiner_last = (case.adjuster_name or "").strip().rpartition(" ")
    if not examiner_first:
        examiner_first, examiner_last = examiner_last, ""
    worker = name_parts(case.employee)
    where = address_parts(address or administrator.address)
    values = {
        "claimsExaminerFirstName": examiner_first,
        "claimsExaminerLastName": examiner_last,
        "claimsExaminerSuffix": "",
        "injuredWorkrSuffix": worker.suffix,
        "claimsAdministratorAddress1": where.line1,
        "claimsAdministratorAddress2": where.line2,
        "claimsAdministratorCity": where.city,
        "claimsAdministratorState": where.state,
        "claimsAdministratorZipCode": where.zip_code,
        "injuredWorkerFirstName": worker.first,
        "injuredWorkerLastName": worker.last,
        "caAppealNumber": case.eams_number,
        "caseNumber": case.number,
        "systemDateIso": us_date(day),
        "participantType": "CLAIMS ADMINISTRATOR",
        "providerName": case.requesting_provider.name,
        "claimsAdministratorCompanyName": administrator.name,
        "claimNumber": case.claim_number,
        "priority": "Expedited" if case.is_expedited else "Standard",
        "dateOfInjury": us_date(case.date_of_injury),
        "dateofURDecision": us_date(case.ur_decision_date),
        "treatmentRequested": treatment_requested(case),
        "receiveDate": us_date(case.received_on),
    }
    row = [values[name] for name, _ in MANIFEST_COLUMNS]
    return row + [""] * len(MANIFEST_LEGACY_FILLERS) if legacy else row
