"""Importing case bundles: the second pass of `import_cases`.

`cases.bundle` has checked the file's structure; here each case goes in
inside one transaction through the same services the browser uses
(registration, eligibility, the reviewer eligibility and conflict rules,
finalization), so an imported case obeys every rule a typed-in one does. A
ServiceError becomes a problem on the path of the field it names. Any
problem rolls the whole file back, so a bundle is imported completely or not
at all. It lives here, at the top of the apps' dependencies, because it
orchestrates cases, reviewers and determinations alike.
"""

from contextvars import ContextVar

from django.db import transaction

from cases import services as case_services
from cases.bundle import BundleError, load_bundle
from cases.models import Case, CaseDocument, Party
from imrsite.errors import ServiceError
from reviewers import services as reviewer_services
from reviewers.models import Reviewer

from . import services as determination_services
from .models import EvidenceLevel, Guideline

# The bundle format has no field for it; say so rather than invent one.
LOWER_LEVEL_REASON = "Imported from a case bundle: the source record states no reason."


class _CaseRefused(Exception):
    def __init__(self, path: str, message: str):
        self.line = f"{path}: {message}"


def _refusal(exc: ServiceError, prefix: str, fields: dict[str | None, str]) -> _CaseRefused:
    """Map the service's field to the bundle path it came from."""
    name = fields.get(exc.field, exc.field)
    return _CaseRefused(f"{prefix}.{name}" if name else prefix, exc.message)


# Notes of the import running in this context: what a matched party's row on
# file says differently, namesakes not merged with (issue 19 item 1).
_notes: ContextVar[list[str] | None] = ContextVar("bundle_import_notes", default=None)


def _party(prefix: str, *, kind: str, name: str, **details) -> Party:
    """Match on what identifies the party (never a person on a name alone), or create it; note what differs."""
    try:
        party, notes = case_services.party_match_or_create(kind=kind, name=name, **details)
    except ServiceError as exc:
        raise _refusal(exc, prefix, {}) from exc
    collected = _notes.get()
    if collected is not None:
        collected.extend(f"{prefix}: {note}" for note in notes)
    return party


def guideline_for_name(name: str) -> Guideline:
    """The catalog entry cited by name (any case); an unknown name is refused.

    The catalog is reference data kept by admins: a typo in a bundle must not
    become a new "guideline" printed in letters (issue 19 item 18).
    """
    guideline = Guideline.objects.filter(name__iexact=name.strip()).first()
    if guideline is None:
        raise ServiceError(
            f"unknown guideline {name!r}: cite one of the catalog (admin: Guidelines), e.g. "
            + "; ".join(repr(g) for g in Guideline.objects.filter(is_active=True).order_by("name").values_list("name", flat=True)[:3]),
            field="guideline", code="unknown_guideline",
        )
    return guideline


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
    # The other organizations of LC 139.5 the bundle may name.
    provider = spec["requesting_provider"]
    if provider.get("medical_group"):
        parties["medical_group"] = _party(
            f"{prefix}.requesting_provider.medical_group", kind=Party.Kind.ORGANIZATION, name=provider["medical_group"]
        )
    if spec.get("treating_facility"):
        parties["treating_facility"] = _party(
            f"{prefix}.treating_facility", kind=Party.Kind.ORGANIZATION, name=spec["treating_facility"]["name"]
        )
    manufacturers = [
        _party(f"{prefix}.disputed_items[{i}].manufacturer", kind=Party.Kind.ORGANIZATION, name=item["manufacturer"])
        if item.get("manufacturer") else None
        for i, item in enumerate(spec["disputed_items"])
    ]
    served_on = spec.get("ur_decision_served_on", spec["ur_decision_date"])
    service = spec.get("ur_decision_service", Case.ServiceMethod.MAIL)
    try:
        case_services.validate_case_dates(
            received_on=spec["received_on"], ur_decision_date=spec["ur_decision_date"],
            date_of_injury=spec["date_of_injury"], ur_decision_served_on=served_on,
        )
    except ServiceError as exc:
        raise _refusal(exc, prefix, {}) from exc
    # A bundle carries no override reason: a case IMR does not cover, or filed
    # late, is refused rather than imported as if it had been accepted.
    refusals = (
        ("date_of_injury", case_services.applicability_refusal(
            date_of_injury=spec["date_of_injury"], served_on=served_on)),
        ("received_on", case_services.filing_window_refusal(
            received_on=spec["received_on"], served_on=served_on, service=service)),
    )
    for name, refusal in refusals:
        if refusal is not None:
            raise _CaseRefused(f"{prefix}.{name}", refusal.message)
    try:
        case = case_services.case_register(
            data=case_services.CaseData(
                review_type=spec["review_type"],
                received_on=spec["received_on"],
                ur_decision_date=spec["ur_decision_date"],
                ur_decision_served_on=served_on,
                ur_decision_service=service,
                date_of_injury=spec["date_of_injury"],
                claim_number=spec["claim_number"],
                diagnosis=spec.get("diagnosis", ""),
                # The clock is the case's: one formulary item puts the case on
                # the 5-working-day clock (the shortest clock governs).
                extra={"is_formulary_dispute": any(item.get("formulary", False) for item in spec["disputed_items"])},
                **parties,
            ),
            items=[
                case_services.ItemData(
                    description=item["description"],
                    category=item["category"],
                    claims_administrator_guideline=item["claims_administrator_guideline"] or "",
                    manufacturer=manufacturer,
                )
                for item, manufacturer in zip(spec["disputed_items"], manufacturers)
            ],
            number=spec.get("case_number"),
        )
    except ServiceError as exc:
        raise _refusal(exc, prefix, {"date_of_birth": "employee.date_of_birth"}) from exc

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
                degree=spec.get("degree", Reviewer.Degree.MD),
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
    for index, data in enumerate(spec["decisions"]):
        try:
            guideline = guideline_for_name(data["guideline"])
        except ServiceError as exc:
            raise _CaseRefused(f"{prefix}.decisions[{index}].guideline", exc.message) from exc
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


def import_bundle(cases: list[dict], notes: list[str] | None = None) -> list[Case]:
    """Import parsed cases in one transaction; BundleError (nothing written) on any refusal.

    Each case runs in a savepoint, so a refused case does not stop the
    others from being checked and every problem of the file is reported.
    `notes`, when given, receives one "path: note" line per party matched
    with differences, or not merged with a namesake.
    """
    problems: list[str] = []
    imported: list[Case] = []
    collected: list[str] = []
    token = _notes.set(collected)
    try:
        with transaction.atomic():
            for index, spec in enumerate(cases):
                try:
                    with transaction.atomic():
                        imported.append(_import_case(spec, f"cases[{index}]"))
                except _CaseRefused as exc:
                    problems.append(exc.line)
            if problems:
                raise BundleError(problems)
    finally:
        _notes.reset(token)
    if notes is not None:
        notes.extend(collected)
    return imported


def import_bundle_file(path, notes: list[str] | None = None) -> list[Case]:
    with open(path, "rb") as handle:
        return import_bundle(load_bundle(handle.read()), notes=notes)
