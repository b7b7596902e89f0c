"""Registering an application (DWC Form IMR) with its disputed items."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts import audit
from imrsite.errors import ServiceError

from imrsite.limits import check_lengths

from .. import deadlines
from ..models import Case, DisputedItem, Party, ReviewType
from ..text import clean_identifier, has_visible_text, name_key, normalize_name
from .numbering import case_number_issue, case_number_reserve
from .parties import EARLIEST_BIRTH_DATE, PartyInput, party_match_or_create, party_resolve
from .status import _apply_deadlines

# No workers' compensation injury on record predates this (issue 19 item 17).
EARLIEST_INJURY = EARLIEST_BIRTH_DATE

@dataclass
class ItemData:
    description: str
    category: str
    claims_administrator_guideline: str = ""
    ur_decision: str = DisputedItem.URDecision.DENIED
    # A party row for case_register; case_intake also takes a PartyInput to resolve.
    manufacturer: Party | PartyInput | None = None


@dataclass
class CaseData:
    review_type: str
    received_on: date
    ur_decision_date: date
    date_of_injury: date
    claim_number: str
    employee: Party
    employer: Party
    claims_administrator: Party
    requesting_provider: Party
    attorney: Party | None = None
    diagnosis: str = ""
    # Service of the UR decision starts the filing window; unknown: served by mail on its date.
    ur_decision_served_on: date | None = None
    ur_decision_service: str = Case.ServiceMethod.MAIL
    extra: dict = field(default_factory=dict)  # any other Case field by name
    # The other organizations the conflict-of-interest check compares (LC 139.5).
    medical_provider_network: Party | None = None
    medical_group: Party | None = None
    treating_facility: Party | None = None


def case_date_problems(
    *,
    received_on: date,
    ur_decision_date: date,
    date_of_injury: date,
    ur_decision_served_on: date | None = None,
    today: date | None = None,
    date_of_birth: date | None = None,
    rfa_date: date | None = None,
) -> list[ServiceError]:
    """Every date rule the application breaks, so a form can mark all fields at once."""
    today = today or timezone.localdate()
    problems = []
    dates = [
        ("received_on", received_on), ("ur_decision_date", ur_decision_date), ("date_of_injury", date_of_injury),
        ("ur_decision_served_on", ur_decision_served_on), ("rfa_date", rfa_date), ("date_of_birth", date_of_birth),
    ]
    for name, value in dates:
        if value and value > today:
            problems.append(ServiceError("cannot be in the future", field=name, code="future_date"))
    if date_of_injury < EARLIEST_INJURY:
        problems.append(ServiceError("cannot be before 1900", field="date_of_injury", code="too_early"))
    if date_of_birth and date_of_birth > date_of_injury:
        problems.append(
            ServiceError("the employee cannot be born after the injury", field="date_of_birth", code="born_after_injury")
        )
    if rfa_date and rfa_date > ur_decision_date:
        problems.append(
            ServiceError("the RFA cannot be after the UR decision on it", field="rfa_date", code="rfa_after_ur")
        )
    if date_of_injury > ur_decision_date:
        problems.append(
            ServiceError("the injury cannot be after the UR decision", field="date_of_injury", code="injury_after_ur")
        )
    if ur_decision_date > received_on:
        problems.append(
            ServiceError(
                "the application cannot be received before the UR decision", field="received_on", code="received_before_ur"
            )
        )
    if ur_decision_served_on is not None:
        if ur_decision_served_on < ur_decision_date:
            problems.append(
                ServiceError(
                    "the UR decision cannot be served before it was made", field="ur_decision_served_on", code="served_before_ur"
                )
            )
        elif ur_decision_served_on > received_on:
            problems.append(
                ServiceError(
                    "the application (with its copy of the UR decision) cannot be received before the decision was served",
                    field="ur_decision_served_on",
                    code="received_before_service",
                )
            )
    return problems


def validate_case_dates(
    *,
    received_on: date,
    ur_decision_date: date,
    date_of_injury: date,
    ur_decision_served_on: date | None = None,
    today: date | None = None,
    date_of_birth: date | None = None,
    rfa_date: date | None = None,
):
    """Date rules every caller shares; raises the first broken one as a ServiceError naming the field."""
    problems = case_date_problems(
        received_on=received_on, ur_decision_date=ur_decision_date, date_of_injury=date_of_injury,
        ur_decision_served_on=ur_decision_served_on, today=today, date_of_birth=date_of_birth, rfa_date=rfa_date,
    )
    if problems:
        raise problems[0]


def applicability_refusal(*, date_of_injury: date, served_on: date) -> ServiceError | None:
    """The refusal of a dispute IMR does not cover (LC 4610.5(a)), or None.

    Screening reads the same rule as `Case.is_subject_to_imr`."""
    if deadlines.is_subject_to_imr(date_of_injury=date_of_injury, ur_decision_communicated_on=served_on):
        return None
    return ServiceError(
        f"not subject to IMR: injured {date_of_injury:%Y-%m-%d}, UR decision served {served_on:%Y-%m-%d}; "
        f"{deadlines.applicability_rule()}",
        field="date_of_injury",
        code="not_subject",
    )


def filing_window_refusal(*, received_on: date, served_on: date, service: str) -> ServiceError | None:
    """The refusal of a late application (LC 4610.5(h)(1); 9792.10.1(b)), or None when it is timely.

    Callers that can take an override reason (registration, screening) ask
    for one; the import, which has none, refuses the case with it.
    """
    if service not in Case.ServiceMethod.values:
        return ServiceError("choose mail, electronic or personal", field="ur_decision_service", code="bad_service")
    if not deadlines.is_untimely(received_on=received_on, served_on=served_on, service=service):
        return None
    last_day = deadlines.filing_deadline(served_on=served_on, service=service)
    days = (received_on - served_on).days
    method = Case.ServiceMethod(service).label.lower()
    return ServiceError(
        f"untimely: received {days} days after the UR decision was served ({method}, {served_on:%Y-%m-%d}); "
        f"the last timely day was {last_day:%Y-%m-%d} ({deadlines.filing_window_days(service)} days, LC 4610.5(h)(1))",
        field="untimely_override_reason",
        code="untimely",
    )


def find_duplicates(*, employee: Party, claim_number: str, ur_decision_date: date, descriptions: list[str], exclude_pk=None):
    """Cases with the same employee, claim, UR decision date and a same treatment (req. 5)."""
    wanted = {normalize_name(d) for d in descriptions}
    qs = (
        Case.objects.filter(
            # The same person whether or not a middle initial was typed this time.
            employee__name_key=employee.name_key,
            claim_number__iexact=clean_identifier(claim_number),
            ur_decision_date=ur_decision_date,
        )
        .exclude(pk=exclude_pk)
        .prefetch_related("items")
    )
    if employee.date_of_birth:
        qs = qs.filter(employee__date_of_birth=employee.date_of_birth)
    # Bounded: the same claim, person and UR decision date is a handful of cases at most.
    return [c for c in qs.order_by("-received_on", "pk")[:50] if wanted & {normalize_name(i.description) for i in c.items.all()}]


@transaction.atomic
def case_register(
    *,
    data: CaseData,
    items: list[ItemData],
    created_by=None,
    number: str | None = None,
    untimely_override_reason: str = "",
    allow_duplicate: bool = False,
    today: date | None = None,
) -> Case:
    """Register an IMR application with its disputed items."""
    if not items:
        raise ServiceError("at least one disputed item is required", field="disputed_items", code="no_items")
    if data.review_type not in ReviewType.values:
        raise ServiceError('must be "standard" or "expedited"', field="review_type")
    claim_number = clean_identifier(data.claim_number)
    if not has_visible_text(claim_number):
        raise ServiceError("a claim number is required (this one has no visible characters)", field="claim_number",
                           code="no_claim_number")
    for position, item in enumerate(items):
        if not has_visible_text(item.description):
            raise ServiceError(f"disputed treatment {position + 1} has no description", field="disputed_items",
                               code="no_description")
    served_on = data.ur_decision_served_on or data.ur_decision_date
    validate_case_dates(
        received_on=data.received_on, ur_decision_date=data.ur_decision_date, date_of_injury=data.date_of_injury,
        ur_decision_served_on=served_on, today=today, date_of_birth=data.employee.date_of_birth,
        rfa_date=data.extra.get("rfa_date"),
    )
    late = filing_window_refusal(received_on=data.received_on, served_on=served_on, service=data.ur_decision_service)
    # A reason typed for a timely application is not an exception accepted: it is not kept.
    untimely_override_reason = (untimely_override_reason or "").strip() if late is not None else ""
    if late is not None and (late.code != "untimely" or not untimely_override_reason):
        if late.code == "untimely":
            late = ServiceError(f"{late.message}: give an override reason to register it", field=late.field, code=late.code)
        raise late
    duplicates = find_duplicates(
        employee=data.employee,
        claim_number=claim_number,
        ur_decision_date=data.ur_decision_date,
        descriptions=[i.description for i in items],
    )
    if duplicates and not allow_duplicate:
        raise ServiceError(
            f"likely duplicate of {duplicates[0].number} (same employee, claim, UR decision date and treatment)",
            field="claim_number",
            code="duplicate",
        )
    number = case_number_reserve(number=number) if number else case_number_issue(year=data.received_on.year)
    case = Case(
        number=number,
        review_type=data.review_type,
        received_on=data.received_on,
        ur_decision_date=data.ur_decision_date,
        ur_decision_served_on=served_on,
        ur_decision_service=data.ur_decision_service,
        date_of_injury=data.date_of_injury,
        claim_number=claim_number,
        employee=data.employee,
        employer=data.employer,
        claims_administrator=data.claims_administrator,
        requesting_provider=data.requesting_provider,
        attorney=data.attorney,
        medical_provider_network=data.medical_provider_network,
        medical_group=data.medical_group,
        treating_facility=data.treating_facility,
        diagnosis=data.diagnosis,
        untimely_override_reason=untimely_override_reason,
        duplicate_of=duplicates[0] if duplicates else None,
        created_by=created_by,
        **data.extra,
    )
    if data.review_type == ReviewType.EXPEDITED:
        case.expedited_since = data.received_on
    check_lengths(case)
    rows = [
        DisputedItem(
            case=case,
            position=position,
            description=item.description.strip(),
            category=item.category,
            claims_administrator_guideline=(item.claims_administrator_guideline or "").strip(),
            ur_decision=item.ur_decision,
            manufacturer=item.manufacturer,
        )
        for position, item in enumerate(items)
    ]
    for row in rows:
        try:
            check_lengths(row)
        except ServiceError as exc:
            raise ServiceError(
                f"disputed treatment {row.position + 1}: {exc.field.replace('_', ' ')}: {exc.message}",
                field="disputed_items", code=exc.code,
            ) from exc
    _apply_deadlines(case)
    case.save()
    DisputedItem.objects.bulk_create(rows)
    audit.record(
        audit.Action.CASE_CREATE, actor=created_by, case=case, obj=case,
        detail={"status": case.status, "review_type": case.review_type, "items": len(items)},
    )
    return case



@transaction.atomic
def case_intake(
    *,
    parties: dict[str, PartyInput | None],
    data: dict,
    items: list[ItemData],
    created_by=None,
    untimely_override_reason: str = "",
    allow_duplicate: bool = False,
    today: date | None = None,
) -> Case:
    """Register an application typed in by intake staff.

    Each party is the existing one the clerk chose among the candidates
    shown, or a new one (`party_resolve`: never merged on a name), in the
    same transaction as the case, so a refused registration leaves no stray
    parties behind. `parties` keys are the Case fields (employee, employer,
    claims_administrator, requesting_provider, attorney); a refusal names
    the form field, e.g. `employee_party` (choose) or `employee_date_of_birth`.
    """
    resolved = {}
    created_here: dict[tuple[str, str], Party] = {}
    for role, party in parties.items():
        if party is None:
            resolved[role] = None
            continue
        # The same organization typed twice on this form (a self-insured employer
        # that is its own claims administrator) is one new party, not a question.
        key = (party.kind, name_key(party.name))
        if party.kind == Party.Kind.ORGANIZATION and party.choice in (None, "") and key in created_here:
            resolved[role] = created_here[key]
            continue
        try:
            resolved[role] = party_resolve(party_input=party, actor=created_by)
            if getattr(resolved[role], "just_created", False):
                created_here[key] = resolved[role]
        except ServiceError as exc:
            suffix = {"choice": "party"}.get(exc.field, exc.field)
            if suffix == "name" and role == "employee":
                field_name = "employee_last_name"
            else:
                field_name = f"{role}_{suffix}"
            raise ServiceError(exc.message, field=field_name, code=exc.code) from exc
    for item in items:
        if isinstance(item.manufacturer, PartyInput):
            # A manufacturer is a company named per item: its name identifies it (no person is merged here).
            made_by = item.manufacturer
            try:
                item.manufacturer = party_match_or_create(kind=made_by.kind, name=made_by.name, **made_by.details)[0]
            except ServiceError as exc:
                raise ServiceError(f"manufacturer: {exc.message}", field="disputed_items", code=exc.code) from exc
    extra = dict(data)
    case_data = CaseData(
        review_type=extra.pop("review_type"),
        received_on=extra.pop("received_on"),
        ur_decision_date=extra.pop("ur_decision_date"),
        date_of_injury=extra.pop("date_of_injury"),
        claim_number=extra.pop("claim_number"),
        diagnosis=extra.pop("diagnosis", ""),
        ur_decision_served_on=extra.pop("ur_decision_served_on", None),
        ur_decision_service=extra.pop("ur_decision_service", None) or Case.ServiceMethod.MAIL,
        extra=extra,
        **resolved,
    )
    return case_register(
        data=case_data,
        items=items,
        created_by=created_by,
        untimely_override_reason=untimely_override_reason,
        allow_duplicate=allow_duplicate,
        today=today,
    )

