"""Writes on cases: registration, numbering, status transitions, deadlines.

Every caller (intake views, admin, import, generators, other apps' services)
goes through these functions; none of them changes `Case.status` itself.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from imrsite.errors import ServiceError

from . import deadlines
from .models import Case, CaseNumberCounter, DisputedItem, Party, ReviewType
from .text import normalize_name

S = Case.Status

# Legal moves of the case state machine (domain.md §2.13).
TRANSITIONS: dict[str, set[str]] = {
    S.RECEIVED: {S.INELIGIBLE, S.DEFERRED, S.AWAITING_RECORDS, S.WITHDRAWN, S.TERMINATED},
    S.DEFERRED: {S.RECEIVED, S.INELIGIBLE, S.AWAITING_RECORDS, S.WITHDRAWN},
    S.AWAITING_RECORDS: {S.RECORDS_COMPLETE, S.IN_REVIEW, S.TERMINATED, S.WITHDRAWN},
    S.RECORDS_COMPLETE: {S.IN_REVIEW, S.TERMINATED, S.WITHDRAWN},
    S.IN_REVIEW: {S.AWAITING_RECORDS, S.RECORDS_COMPLETE, S.DECIDED, S.TERMINATED, S.WITHDRAWN},
    S.INELIGIBLE: set(),
    S.DECIDED: set(),
    S.TERMINATED: set(),
    S.WITHDRAWN: set(),
}


# --- numbering -------------------------------------------------------------

def format_case_number(year: int, sequence: int) -> str:
    return f"{settings.IMR_CASE_NUMBER_PREFIX}{year % 100:02d}-{sequence:07d}"


def parse_case_number(number: str) -> tuple[int, int] | None:
    prefix = settings.IMR_CASE_NUMBER_PREFIX
    if not number.startswith(prefix):
        return None
    rest = number[len(prefix):]
    if len(rest) != 10 or rest[2] != "-" or not rest[:2].isdigit() or not rest[3:].isdigit():
        return None
    return int(rest[:2]), int(rest[3:])


def _locked_counter(year: int) -> CaseNumberCounter:
    """The year's counter row, locked until the transaction ends.

    The row lock serializes concurrent registrations on PostgreSQL, so no two
    cases get the same number; a number is never handed out twice because the
    counter only grows (gaps from rolled-back registrations are allowed).
    """
    try:
        with transaction.atomic():
            CaseNumberCounter.objects.get_or_create(year=year)
    except IntegrityError:
        pass  # another transaction created it first
    return CaseNumberCounter.objects.select_for_update().get(year=year)


def case_number_issue(*, year: int) -> str:
    yy = year % 100
    with transaction.atomic():
        counter = _locked_counter(yy)
        while True:
            counter.last += 1
            number = format_case_number(yy, counter.last)
            if not Case.objects.filter(number=number).exists():  # an imported number may sit ahead
                break
        counter.save(update_fields=["last"])
    return number


def case_numbers_issue_block(*, year: int, count: int) -> list[str]:
    """`count` new numbers for the year at once (bulk generators): the
    counter is locked once and advanced past the block, skipping any number
    an import already took."""
    yy = year % 100
    numbers: list[str] = []
    with transaction.atomic():
        counter = _locked_counter(yy)
        while len(numbers) < count:
            wanted = count - len(numbers)
            candidates = [format_case_number(yy, counter.last + i) for i in range(1, wanted + 1)]
            counter.last += wanted
            taken = set(Case.objects.filter(number__in=candidates).values_list("number", flat=True))
            numbers += [number for number in candidates if number not in taken]
        counter.save(update_fields=["last"])
    return numbers


def case_number_reserve(*, number: str) -> str:
    """Accept an externally assigned number (import) and keep the counter past it."""
    parsed = parse_case_number(number)
    if parsed is None:
        raise ServiceError(
            f'must look like "{format_case_number(13, 1234)}"', field="case_number", code="case_number_format"
        )
    yy, sequence = parsed
    with transaction.atomic():
        counter = _locked_counter(yy)
        if Case.objects.filter(number=number).exists():
            raise ServiceError(f"{number} already exists", field="case_number", code="case_number_taken")
        if sequence > counter.last:
            CaseNumberCounter.objects.filter(pk=counter.pk).update(last=sequence)
    return number


# --- parties ---------------------------------------------------------------

def party_get_or_create(*, kind: str, name: str, **details) -> Party:
    """Find a party by kind and normalized name (and birth date for people), or create it."""
    name = (name or "").strip()
    if not name and kind == Party.Kind.PERSON:
        name = f"{details.get('first_name', '')} {details.get('last_name', '')}".strip()
    if not name:
        raise ServiceError("a name is required", field="name")
    lookup = {"kind": kind, "normalized_name": normalize_name(name)}
    if details.get("date_of_birth"):
        lookup["date_of_birth"] = details["date_of_birth"]
    party = Party.objects.filter(**lookup).order_by("id").first()
    if party is None:
        party = Party(kind=kind, name=name, **details)
        party.save()
    return party


# --- registration ----------------------------------------------------------

@dataclass
class ItemData:
    description: str
    category: str
    claims_administrator_guideline: str = ""
    ur_decision: str = DisputedItem.URDecision.DENIED


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


def validate_case_dates(*, received_on: date, ur_decision_date: date, date_of_injury: date, today: date | None = None):
    """Date rules every caller shares; raises ServiceError naming the field."""
    today = today or timezone.localdate()
    for name, value in (("received_on", received_on), ("ur_decision_date", ur_decision_date), ("date_of_injury", date_of_injury)):
        if value > today:
            raise ServiceError("cannot be in the future", field=name, code="future_date")
    if date_of_injury > ur_decision_date:
        raise ServiceError("the injury cannot be after the UR decision", field="date_of_injury", code="injury_after_ur")
    if ur_decision_date > received_on:
        raise ServiceError(
            "the application cannot be received before the UR decision", field="received_on", code="received_before_ur"
        )


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
            )
            for position, item in enumerate(items)
        ]
    )
    return case


# --- status and deadlines ----------------------------------------------------

def _apply_deadlines(case: Case) -> None:
    """Recompute the stored due dates from the case's dates (one rule, one place)."""
    expedited = case.review_type == ReviewType.EXPEDITED
    case.records_due_on = deadlines.records_due(
        assigned_on=case.assigned_on, expedited=expedited, electronic_notice=case.notice_method == Case.NoticeMethod.ELECTRONIC
    )
    case.decision_due_on = deadlines.decision_due(
        records_complete_on=case.records_complete_on, expedited=expedited, formulary=case.is_formulary_dispute
    )
    if case.status in (S.AWAITING_RECORDS,):
        case.due_on = case.records_due_on
    elif case.status in (S.RECORDS_COMPLETE, S.IN_REVIEW):
        case.due_on = case.decision_due_on or case.records_due_on
    else:
        case.due_on = None


def case_compute_deadlines(*, case: Case) -> Case:
    """Set the due dates on an unsaved case (bulk generators save them themselves)."""
    _apply_deadlines(case)
    return case


def case_transition(*, case: Case, to: str, save: bool = True) -> Case:
    if to not in TRANSITIONS.get(case.status, set()):
        raise ServiceError(
            f"a case that is {case.get_status_display().lower()} cannot become {S(to).label.lower()}",
            field="status",
            code="illegal_transition",
        )
    case.status = to
    _apply_deadlines(case)
    if save:
        case.save()
    return case


def case_lock(case_or_pk) -> Case:
    """Re-read a case with a row lock (inside a transaction)."""
    pk = getattr(case_or_pk, "pk", case_or_pk)
    return Case.objects.select_for_update().get(pk=pk)


@transaction.atomic
def case_mark_eligible(*, case: Case, assigned_on: date, notice_method: str = Case.NoticeMethod.ELECTRONIC) -> Case:
    """Eligible: the notice of assignment goes out and records become due."""
    case = case_lock(case)
    case.assigned_on = assigned_on
    case.notice_method = notice_method
    case.ineligible_reason = ""
    case.eligibility_decided_at = timezone.now()
    return case_transition(case=case, to=S.AWAITING_RECORDS)


@transaction.atomic
def case_mark_ineligible(*, case: Case, reason: str, note: str = "") -> Case:
    if reason not in Case.IneligibleReason.values:
        raise ServiceError("choose a reason", field="ineligible_reason")
    case = case_lock(case)
    case.ineligible_reason = reason
    case.eligibility_note = note
    case.eligibility_decided_at = timezone.now()
    to = S.DEFERRED if reason == Case.IneligibleReason.LIABILITY else S.INELIGIBLE
    if to == S.DEFERRED:
        case.ineligible_reason = ""
    return case_transition(case=case, to=to)


@transaction.atomic
def case_mark_records_complete(*, case: Case, on: date) -> Case:
    case = case_lock(case)
    if case.assigned_on and on < case.assigned_on:
        raise ServiceError("cannot be before the notice of assignment", field="records_complete_on")
    case.records_complete_on = on
    if case.status == S.AWAITING_RECORDS:
        return case_transition(case=case, to=S.RECORDS_COMPLETE)
    _apply_deadlines(case)
    case.save()
    return case


@transaction.atomic
def case_convert_to_expedited(*, case: Case, on: date) -> Case:
    """A treating physician certified an imminent and serious threat (9792.10.4(c))."""
    case = case_lock(case)
    if case.review_type == ReviewType.EXPEDITED:
        raise ServiceError("the case is already expedited", field="review_type")
    if not case.is_open:
        raise ServiceError("only an open case can be expedited", field="review_type")
    case.review_type = ReviewType.EXPEDITED
    case.expedited_since = on
    _apply_deadlines(case)
    case.save()
    return case


def case_mark_decided(*, case: Case, on: date) -> Case:
    """Called by the determination service inside its transaction."""
    case.decided_on = on
    return case_transition(case=case, to=S.DECIDED)


def case_refresh_deadlines(*, case: Case) -> Case:
    _apply_deadlines(case)
    Case.objects.filter(pk=case.pk).update(
        records_due_on=case.records_due_on, decision_due_on=case.decision_due_on, due_on=case.due_on
    )
    return case
