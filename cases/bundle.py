"""Case bundles (docs/case-bundle.md): the format, parsed and validated.

The first of two passes: check the structure of every case in the file
(unknown keys, types, ISO dates, choices, cross-field dates) and collect
every problem, writing nothing. The second pass, the import itself, writes
through three apps' services and lives in `determinations.bundle_import`.
"""

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from django.utils import timezone

from determinations.models import Determination, Guideline, ItemDecision
from reviewers.models import US_STATES, Reviewer

from .models import Case, CaseDocument, DisputedItem, Party, ReviewType, TreatmentCategory

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


def page_range(value, path, problems):
    from imrsite.validators import page_range_problem

    value = text(60, blank=True)(value, path, problems)
    if value is not _INVALID:
        problem = page_range_problem(value)
        if problem:
            return problems.add(path, problem)
    return value


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


def boolean(value, path, problems):
    if not isinstance(value, bool):
        return problems.add(path, "must be true or false")
    return value


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
# docs/case-bundle.md: the degrees a bundle may give ("other" is for admin only).
REVIEWER_DEGREES = [d for d in Reviewer.Degree.values if d != Reviewer.Degree.OTHER]

CASE = obj(
    {
        "case_number": F(text(_max_length(Case, "number")), required=False),
        "review_type": F(choice(ReviewType.values)),
        "received_on": F(iso_date),
        "ur_decision_date": F(iso_date),
        "ur_decision_served_on": F(iso_date, required=False),
        "ur_decision_service": F(choice(Case.ServiceMethod.values), required=False),
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
                    # Their group or IPA: a party the conflict check compares (LC 139.5).
                    "medical_group": F(text(_max_length(Party, "name")), required=False),
                }
            )
        ),
        "treating_facility": F(ORGANIZATION, required=False),
        "diagnosis": F(text(_max_length(Case, "diagnosis"), blank=True), required=False),
        "disputed_items": F(
            list_of(
                obj(
                    {
                        "description": F(text(_max_length(DisputedItem, "description"))),
                        "category": F(choice(TreatmentCategory.values)),
                        "claims_administrator_guideline": F(
                            nullable(text(_max_length(DisputedItem, "claims_administrator_guideline"), blank=True))
                        ),
                        "manufacturer": F(text(_max_length(Party, "name")), required=False),
                        "formulary": F(boolean, required=False),
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
                    "degree": F(choice(REVIEWER_DEGREES), required=False),
                    # May be empty: a chiropractor, acupuncturist or psychologist
                    # qualifies by license; the eligibility rule says what is missing.
                    "board_certifications": F(list_of(text(120))),
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
                    "clinical_case_summary": F(text(_max_length(Determination, "clinical_case_summary"))),
                    "decided_on": F(iso_date),
                    "decisions": F(
                        list_of(
                            obj(
                                {
                                    "item": F(integer(0, 10_000)),
                                    "decision": F(choice(["upheld", "overturned"], 'must be "upheld" or "overturned"')),
                                    "guideline": F(text(_max_length(Guideline, "name"))),
                                    "section": F(text(200, blank=True), required=False),
                                    "pages": F(page_range, required=False),
                                    "rationale": F(text(_max_length(ItemDecision, "rationale"))),
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
    # records_complete_on is the records service's to judge (cases.permissions), as for every caller.
    for name, value in (
        ("assigned_on", assigned_on),
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
    except RecursionError as exc:
        # Thousands of nested brackets: no case bundle is shaped like that (issue 19 item 18).
        raise BundleError(["(file): not a case bundle: nested too deeply"]) from exc
    return parse_bundle(data)

