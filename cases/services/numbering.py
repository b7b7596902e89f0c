"""Case numbers: `CMyy-nnnnnnn`, unique, never reused, gaps allowed (domain.md §7 req. 2)."""

from django.conf import settings
from django.db import IntegrityError, transaction

from imrsite.errors import ServiceError

from ..models import Case, CaseNumberCounter

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



def case_number_range_reserve(*, year: int, count: int) -> int:
    """Reserve `count` consecutive numbers of the year for a bulk writer that
    formats them itself (generate_cases multiplying its pattern in SQL); return
    the first sequence. Refuses a range an import already reached into."""
    yy = year % 100
    with transaction.atomic():
        counter = _locked_counter(yy)
        first = counter.last + 1
        last = counter.last + count
        if last > 9_999_999:
            raise ServiceError(f"not enough case numbers left in {year}", field="count", code="case_numbers_exhausted")
        if Case.objects.filter(
            number__gte=format_case_number(yy, first), number__lte=format_case_number(yy, last)
        ).exists():
            raise ServiceError("an imported case number lies in the range", field="count", code="case_number_taken")
        counter.last = last
        counter.save(update_fields=["last"])
    return first
