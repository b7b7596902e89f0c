"""Registering an application (DWC Form IMR) with its disputed items."""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import audit
from imrsite.errors import ServiceError

from ..models import Case, DisputedItem, Party, ReviewType
from ..text import normalize_name
from .numbering import case_number_issue, case_number_reserve
from .parties import PartyInput, party_get_or_create
from .status import _apply_deadlines

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
    extra: dict = field(default_factory=dict)  # any other Case field by name
    # The other organizations the conflict-of-interest check compares (LC 139.5).
    medical_provider_network: Party | None = None
    medical_group: Party | None = None
    treating_facility: Party | None = None


def case_date_problems(
    *, received_on: date, ur_decision_date: date, date_of_injury: date, today: date | None = None
) -> list[ServiceError]:
    """Every date rule the application breaks, so a form can mark all fields at once."""
    today = today or timezone.localdate()
    problems = []
    for name, value in (("received_on", received_on), ("ur_decision_date", ur_decision_date), ("date_of_injury", date_of_injury)):
        if value > today:
            problems.append(ServiceError("cannot be in the future", field=name, code="future_date"))
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
    return problems


def validate_case_dates(*, received_on: date, ur_decision_date: date, date_of_injury: date, today: date | None = None):
    """Date rules every caller shares; raises the first broken one as a ServiceError naming the field."""
    problems = case_date_problems(
        received_on=received_on, ur_decision_date=ur_decision_date, date_of_injury=date_of_injury, today=today
    )
    if problems:
        raise problems[0]


def find_duplicates(*, employee: Party, claim_number: str, ur_decision_date: date, descriptions: list[str], exclude_pk=None):
    """Cases with the same employee, claim, UR decision date and a same treatment (req. 5)."""
    wanted = {normalize_name(d) for d in descriptions}
    qs = (
        Case.objects.filter(
            employee__normalized_name=employee.normalized_name,
            claim_number__iexact=claim_number.strip(),
            ur_decision_date=ur_decision_date,
        )
        .exclude(pk=exclude_pk)
        .prefetch_related("items")
    )
    if employee.date_of_birth:
        qs = qs.filter(employee__date_of_birth=employee.date_of_birth)
    return [c for c in qs if wanted & {normalize_name(i.description) for i in c.items.all()}]


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
    validate_case_dates(
        received_on=data.received_on, ur_decision_date=data.ur_decision_date, date_of_injury=data.date_of_injury, today=today
    )
    late = (data.received_on - data.ur_decision_date).days > settings.IMR_APPLICATION_WINDOW_DAYS
    if late and not untimely_override_reason.strip():
        raise ServiceError(
            f"received {(data.received_on - data.ur_decision_date).days} days after the UR decision "
            f"(more than {settings.IMR_APPLICATION_WINDOW_DAYS}): give an override reason to register it",
            field="untimely_override_reason",
            code="untimely",
        )
    duplicates = find_duplicates(
        employee=data.employee,
        claim_number=data.claim_number,
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
        date_of_injury=data.date_of_injury,
        claim_number=data.claim_number.strip(),
        employee=data.employee,
        employer=data.employer,
        claims_administrator=data.claims_administrator,
        requesting_provider=data.requesting_provider,
        attorney=data.attorney,
        medical_provider_network=data.medical_provider_network,
        medical_group=data.medical_group,
        treating_facility=data.treating_facility,
        diagnosis=data.diagnosis,
        untimely_override_reason=untimely_override_reason.strip(),
        duplicate_of=duplicates[0] if duplicates else None,
        created_by=created_by,
        **data.extra,
    )
    if data.review_type == ReviewType.EXPEDITED:
        case.expedited_since = data.received_on
    _apply_deadlines(case)
    case.save()
    DisputedItem.objects.bulk_create(
        [
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
    )
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

    Parties are matched by name (and birth date for people) or created, in
    the same transaction as the case, so a refused registration leaves no
    stray parties behind. `parties` keys are the Case fields (employee,
    employer, claims_administrator, requesting_provider, attorney).
    """
    resolved = {}
    for role, party in parties.items():
        if party is None:
            resolved[role] = None
            continue
        try:
            resolved[role] = party_get_or_create(kind=party.kind, name=party.name, **party.details)
        except ServiceError as exc:
            raise ServiceError(exc.message, field=f"{role}_name", code=exc.code) from exc
    for item in items:
        if isinstance(item.manufacturer, PartyInput):
            made_by = item.manufacturer
            item.manufacturer = party_get_or_create(kind=made_by.kind, name=made_by.name, **made_by.details)
    extra = dict(data)
    case_data = CaseData(
        review_type=extra.pop("review_type"),
        received_on=extra.pop("received_on"),
        ur_decision_date=extra.pop("ur_decision_date"),
        date_of_injury=extra.pop("date_of_injury"),
        claim_number=extra.pop("claim_number"),
        diagnosis=extra.pop("diagnosis", ""),
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

