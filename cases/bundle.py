"""Case bundles (docs/case-bundle.md): parse, validate, import.

Two passes. The first checks the structure of every case in the file
(unknown keys, types, ISO dates, choices, cross-field dates) and collects
every problem. The second imports inside one transaction through the same
services the browser uses (registration, eligibility, the reviewer
eligibility and conflict rules, finalization); a ServiceError becomes a
problem on the path of the field it names. Any problem rolls the whole file
back, so a bundle is imported completely or not at all.
"""

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from django.db import transaction
from django.utils import timezone

from determinations import services as determination_services
from determinations.models import EvidenceLevel, Guideline
from imrsite.errors import ServiceError
from reviewers import services as reviewer_services
from reviewers.models import US_STATES, Reviewer

from . import deadlines
from . import services as case_services
from .models import Case, CaseDocument, DisputedItem, Party, ReviewType, TreatmentCategory

# Imported cases were accepted by the system they come from, late or not.
UNTIMELY_OVERRIDE_REASON = "Imported: filed as received"
# The bundle format has no field for it; say so rather than invent one.
LOWER_LEVEL_REASON = "Imported from a case bundle: the source record states no reason."


class BundleError(Exception):
    """The bundle was refused; `problems` holds one "path: message" line each."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


# --- structure ----------------------------------------------------------------

_INVALID = object()


class _Problems(list):
    def add(self, path: str, message: str) -> object:
        self.append(f"{path}: {message}")
        return _INVALID


Parser = Callable[[Any, str, _Problems], Any]


@dataclass(frozen=True)
class F:
    """One key of an object: its parser and whether it must be present."""

    parse: Parser
    required: bool = True


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def text(max_length: int | None = None, blank: bool = False) -> Parser:
    def parse(value, path, problems):
        if not isinstance(value, str):
            return problems.add(path, "must be a string")
        value = value.strip()
        if not value and not blank:
            return problems.add(path, "must not be blank")
        if max_length and len(value) > max_length:
            return problems.add(path, f"at most {max_length} characters")
        return value

    return parse


def email(value, path, problems):
    value = text(254)(value, path, problems)
    if value is not _INVALID and (value.count("@") != 1 or " " in value or value.startswith("@") or value.endswith("@")):
        return problems.add(path, "not a valid email address")
    return value


def iso_date(value, path, problems):
    if not isinstance(value, str):
        return problems.add(path, "must be a date as a string YYYY-MM-DD")
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        return problems.add(path, f"not a valid date (YYYY-MM-DD): {json.dumps(value, ensure_ascii=False)}")


def choice(values, message: str | None = None) -> Parser:
    values = list(values)

    def parse(value, path, problems):
        if value not in values:
            return problems.add(path, message or "must be one of: " + ", ".join(f'"{v}"' for v in values))
        return value

    return parse


def integer(low: int, high: int) -> Parser:
    def parse(value, path, problems):
        if not isinstance(value, int) or isinstance(value, bool):
            return problems.add(path, "must be a whole number")
        if not low <= value <= high:
            return problems.add(path, f"must be between {low} and {high}")
        return value

    return parse


def nullable(parser: Parser) -> Parser:
    def parse(value, path, problems):
        return None if value is None else parser(value, path, problems)

    return parse


def list_of(parser: Parser, min_items: int = 0) -> Parser:
    def parse(value, path, problems):
        if not isinstance(value, list):
            return problems.add(path, "must be a list")
        if len(value) < min_items:
            return problems.add(path, f"at least {min_items} required")
        parsed = [parser(item, f"{path}[{i}]", problems) for i, item in enumerate(value)]
        return _INVALID if any(p is _INVALID for p in parsed) else parsed

    return parse


def obj(fields: dict[str, F]) -> Parser:
    def parse(value, path, problems):
        if not isinstance(value, dict):
            return problems.add(path, "must be an object")
        result, ok = {}, True
        for key in value:
            if key not in fields:
                problems.add(f"{path}.{key}", "unknown key")
                ok = False
        for key, spec in fields.items():
            if key not in value:
                if spec.required:
                    problems.add(f"{path}.{key}", "required")
                    ok = False
                continue
            parsed = spec.parse(value[key], f"{path}.{key}", problems)
            if parsed is _INVALID:
                ok = False
            result[key] = parsed
        return result if ok else _INVALID

    return parse


ORGANIZATION = obj({"name": F(text(_max_length(Party, "name")))})

CASE = obj(
    {
        "case_number": F(text(_max_length(Case, "number")), required=False),
        "review_type": F(choice(ReviewType.values)),
        "received_on": F(iso_date),
        "ur_decision_date": F(iso_date),
        "assigned_on": F(iso_date, required=False),
        "records_complete_on": F(iso_date, required=False),
        "claim_number": F(text(_max_length(Case, "claim_number"))),
        "date_of_injury": F(iso_date),
        "employee": F(
            obj(
                {
                    "first_name": F(text(_max_length(Party, "first_name"))),
                    "last_name": F(text(_max_length(Party, "last_name"))),
                    "date_of_birth": F(iso_date),
                    "sex": F(choice(Party.Sex.values)),
                }
            )
        ),
        "employer": F(ORGANIZATION),
        "claims_administrator": F(ORGANIZATION),
        "requesting_provider": F(
            obj(
                {
                    "name": F(text(_max_length(Party, "name"))),
                    "specialty": F(text(_max_length(Party, "specialty"), blank=True)),
                }
            )
        ),
        "diagnosis": F(text(blank=True), required=False),
        "disputed_items": F(
            list_of(
                obj(
                    {
                        "description": F(text(_max_length(DisputedItem, "description"))),
                        "category": F(choice(TreatmentCategory.values)),
                        "claims_administrator_guideline": F(nullable(text(blank=True))),
                    }
                ),
                min_items=1,
            )
        ),
        "documents": F(
            list_of(
                obj(
                    {
                        "title": F(text(_max_length(CaseDocument, "title"))),
                        "kind": F(choice(CaseDocument.Kind.values)),
                        "author": F(text(_max_length(CaseDocument, "author"), blank=True)),
                        "dated": F(iso_date),
                    }
                )
            ),
            required=False,
        ),
        "reviewer": F(
            obj(
                {
                    "email": F(email),
                    "first_name": F(text(150)),
                    "last_name": F(text(150)),
                    "board_certifications": F(list_of(text(120), min_items=1)),
                    "licenses": F(
                        list_of(
                            obj(
                                {
                                    "state": F(choice([code for code, _ in US_STATES], "must be a two-letter US state code")),
                                    "number": F(text(40)),
                                    "expires_on": F(iso_date),
                                }
                            ),
                            min_items=1,
                        )
                    ),
                    "active_practice_since": F(integer(1900, 2100)),
                    "weekly_practice_hours": F(integer(0, 168)),
                    "affiliations": F(list_of(text(200))),
                }
            ),
            required=False,
        ),
        "determination": F(
            obj(
                {
                    "clinical_case_summary": F(text()),
                    "decided_on": F(iso_date),
                    "decisions": F(
                        list_of(
                            obj(
                                {
                                    "item": F(integer(0, 10_000)),
                                    "decision": F(choice(["upheld", "overturned"], 'must be "upheld" or "overturned"')),
                                    "guideline": F(text(_max_length(Guideline, "name"))),
                                    "section": F(text(200, blank=True), required=False),
                                    "pages": F(text(60, blank=True), required=False),
                                    "rationale": F(text()),
                                }
                            ),
                            min_items=1,
                        )
                    ),
                }
            ),
            required=False,
        ),
    }
)


def _check_case(case: dict, path: str, problems: _Problems) -> None:
    """Rules between fields that the structure alone cannot say."""
    assigned_on = case.get("assigned_on")
    records_complete_on = case.get("records_complete_on")
    today = timezone.localdate()
    for name, value in (
        ("assigned_on", assigned_on),
        ("records_complete_on", records_complete_on),
        ("determination.decided_on", (case.get("determination") or {}).get("decided_on")),
    ):
        if value and value > today:
            problems.add(f"{path}.{name}", "cannot be in the future")
    if assigned_on and assigned_on < case["received_on"]:
        problems.add(f"{path}.assigned_on", "cannot be before the application was received")
    if records_complete_on and not assigned_on:
        problems.add(f"{path}.records_complete_on", "needs assigned_on (records are requested by the notice of assignment)")
    if case.get("reviewer") and not assigned_on:
        problems.add(f"{path}.reviewer", "needs assigned_on (only an eligible, assigned case goes to a reviewer)")
    determination = case.get("determination")
    if determination is None:
        return
    if not case.get("reviewer"):
        problems.add(f"{path}.determination", 'needs "reviewer"')
    latest = records_complete_on or assigned_on
    if latest and determination["decided_on"] < latest:
        problems.add(f"{path}.determination.decided_on", "cannot be before the notice of assignment or complete records")
    items = case["disputed_items"]
    seen: set[int] = set()
    for i, decision in enumerate(determination["decisions"]):
        index = decision["item"]
        if index >= len(items):
            problems.add(f"{path}.determination.decisions[{i}].item", f"no disputed item {index} (the case has {len(items)})")
        elif index in seen:
            problems.add(f"{path}.determination.decisions[{i}].item", f"disputed item {index} is decided twice")
        seen.add(index)
    for index in range(len(items)):
        if index not in seen:
            problems.add(f"{path}.determination.decisions", f"no decision for disputed_items[{index}]")


def parse_bundle(data: Any) -> list[dict]:
    """Validate the whole bundle's structure; raise BundleError listing every problem."""
    problems = _Problems()
    if not isinstance(data, dict):
        raise BundleError(['(file): must be an object {"cases": [...]}'])
    for key in data:
        if key != "cases":
            problems.add(key, "unknown key")
    cases = data.get("cases")
    if not isinstance(cases, list) or not cases:
        problems.add("cases", "must be a list of at least one case")
        raise BundleError(problems)
    parsed = []
    for index, raw in enumerate(cases):
        path = f"cases[{index}]"
        case = CASE(raw, path, problems)
        if case is not _INVALID:
            _check_case(case, path, problems)
        parsed.append(case)
    if problems:
        raise BundleError(problems)
    return parsed


def load_bundle(raw: bytes | str) -> list[dict]:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleError([f"(file): not valid JSON: {exc}"]) from exc
    return parse_bundle(data)


# --- import -----------------------------------------------------------------------

class _CaseRefused(Exception):
    def __init__(self, path: str, message: str):
        self.line = f"{path}: {message}"


def _refusal(exc: ServiceError, prefix: str, fields: dict[str | None, str]) -> _CaseRefused:
    """Map the service's field to the bundle path it came from."""
    name = fields.get(exc.field, exc.field)
    return _CaseRefused(f"{prefix}.{name}" if name else prefix, exc.message)


def _party(prefix: str, *, kind: str, name: str, **details) -> Party:
    try:
        return case_services.party_get_or_create(kind=kind, name=name, **details)
    except ServiceError as exc:
        raise _refusal(exc, prefix, {}) from exc


def guideline_for_name(name: str) -> Guideline:
    """The catalog entry cited by name; an unknown one joins the catalog."""
    guideline = Guideline.objects.filter(name__iexact=name).first()
    if guideline is not None:
        return guideline
    lowered = name.lower()
    family = next(
        (
            value
            for word, value in [
                ("acoem", Guideline.Family.ACOEM),
                ("chronic pain", Guideline.Family.CHRONIC_PAIN),
                ("postsurgical", Guideline.Family.POSTSURGICAL),
                ("acupuncture", Guideline.Family.ACUPUNCTURE),
                ("opioid", Guideline.Family.OPIOIDS),
                ("formulary", Guideline.Family.FORMULARY),
                ("odg", Guideline.Family.ODG),
                ("official disability", Guideline.Family.ODG),
            ]
            if word in lowered
        ),
        Guideline.Family.OTHER,
    )
    if "mtus" in lowered:
        level = EvidenceLevel.MTUS
    elif family == Guideline.Family.ODG:
        level = EvidenceLevel.NATIONAL_STANDARDS
    else:
        level = EvidenceLevel.PEER_REVIEWED
    return Guideline.objects.create(name=name, family=family, evidence_level=level)


def _import_case(spec: dict, prefix: str) -> Case:
    employee = spec["employee"]
    parties = {
        "employee": _party(
            f"{prefix}.employee",
            kind=Party.Kind.PERSON,
            name=f"{employee['first_name']} {employee['last_name']}",
            first_name=employee["first_name"],
            last_name=employee["last_name"],
            date_of_birth=employee["date_of_birth"],
            sex=employee["sex"],
        ),
        "employer": _party(f"{prefix}.employer", kind=Party.Kind.ORGANIZATION, name=spec["employer"]["name"]),
        "claims_administrator": _party(
            f"{prefix}.claims_administrator", kind=Party.Kind.ORGANIZATION, name=spec["claims_administrator"]["name"]
        ),
        "requesting_provider": _party(
            f"{prefix}.requesting_provider",
            kind=Party.Kind.PERSON,
            name=spec["requesting_provider"]["name"],
            specialty=spec["requesting_provider"]["specialty"],
        ),
    }
    late = spec["received_on"] > deadlines.application_deadline(spec["ur_decision_date"])
    try:
        case = case_services.case_register(
            data=case_services.CaseData(
                review_type=spec["review_type"],
                received_on=spec["received_on"],
                ur_decision_date=spec["ur_decision_date"],
                date_of_injury=spec["date_of_injury"],
                claim_number=spec["claim_number"],
                diagnosis=spec.get("diagnosis", ""),
                **parties,
            ),
            items=[
                case_services.ItemData(
                    description=item["description"],
                    category=item["category"],
                    claims_administrator_guideline=item["claims_administrator_guideline"] or "",
                )
                for item in spec["disputed_items"]
            ],
            number=spec.get("case_number"),
            untimely_override_reason=UNTIMELY_OVERRIDE_REASON if late else "",
        )
    except ServiceError as exc:
        raise _refusal(exc, prefix, {"untimely_override_reason": "received_on"}) from exc

    CaseDocument.objects.bulk_create(
        [
            CaseDocument(case=case, title=doc["title"], kind=doc["kind"], author=doc["author"], dated=doc["dated"])
            for doc in spec.get("documents", [])
        ]
    )
    try:
        if spec.get("assigned_on"):
            case = case_services.case_mark_eligible(case=case, assigned_on=spec["assigned_on"])
        if spec.get("records_complete_on"):
            case = case_services.case_mark_records_complete(case=case, on=spec["records_complete_on"])
    except ServiceError as exc:
        raise _refusal(exc, prefix, {"status": "assigned_on"}) from exc

    reviewer = None
    if spec.get("reviewer"):
        reviewer = _import_reviewer(spec["reviewer"], f"{prefix}.reviewer")
        try:
            reviewer_services.reviewer_assign(
                case=case, reviewer=reviewer, on=spec["assigned_on"], accepted=True, check_capacity=False
            )
        except ServiceError as exc:
            raise _refusal(exc, prefix, {}) from exc
    if spec.get("determination"):
        _import_determination(case, reviewer, spec["determination"], f"{prefix}.determination")
    return case


def _import_reviewer(spec: dict, prefix: str) -> Reviewer:
    try:
        return reviewer_services.reviewer_upsert(
            data=reviewer_services.ReviewerData(
                email=spec["email"],
                first_name=spec["first_name"],
                last_name=spec["last_name"],
                active_practice_since=spec["active_practice_since"],
                weekly_practice_hours=spec["weekly_practice_hours"],
                board_certifications=spec["board_certifications"],
                licenses=[
                    reviewer_services.LicenseData(state=lic["state"], number=lic["number"], expires_on=lic["expires_on"])
                    for lic in spec["licenses"]
                ],
                affiliations=spec["affiliations"],
            )
        )
    except ServiceError as exc:
        raise _refusal(exc, prefix, {}) from exc


def _import_determination(case: Case, reviewer: Reviewer, spec: dict, prefix: str) -> None:
    items = list(case.items.order_by("position"))
    decisions = []
    for data in spec["decisions"]:
        guideline = guideline_for_name(data["guideline"])
        decisions.append(
            determination_services.DecisionData(
                item_id=items[data["item"]].pk,
                decision=data["decision"],
                guideline=guideline,
                section=data.get("section", ""),
                pages=data.get("pages", ""),
                lower_level_reason="" if guideline.evidence_level == EvidenceLevel.MTUS else LOWER_LEVEL_REASON,
                rationale=data["rationale"],
            )
        )
    try:
        determination = determination_services.determination_start(case=case, reviewer=reviewer)
        determination = determination_services.determination_save_draft(
            determination=determination, clinical_case_summary=spec["clinical_case_summary"], decisions=decisions
        )
        determination_services.determination_finalize(
            determination=determination, user=None, decided_on=spec["decided_on"], request_letters=False
        )
    except ServiceError as exc:
        case_prefix = prefix.rsplit(".", 1)[0]
        if exc.field == "documents":
            raise _refusal(exc, case_prefix, {}) from exc
        raise _refusal(exc, prefix, {"decision": "decisions", "guideline": "decisions", "rationale": "decisions"}) from exc


def import_bundle(cases: list[dict]) -> list[Case]:
    """Import parsed cases in one transaction; BundleError (nothing written) on any refusal.

    Each case runs in a savepoint, so a refused case does not stop the
    others from being checked and every problem of the file is reported.
    """
    problems: list[str] = []
    imported: list[Case] = []
    with transaction.atomic():
        for index, spec in enumerate(cases):
            try:
                with transaction.atomic():
                    imported.append(_import_case(spec, f"cases[{index}]"))
            except _CaseRefused as exc:
                problems.append(exc.line)
        if problems:
            raise BundleError(problems)
    return imported


def import_bundle_file(path) -> list[Case]:
    with open(path, "rb") as handle:
        return import_bundle(load_bundle(handle.read()))
