"""Case numbers: CMyy-nnnnnnn, unique, never reused, safe under concurrency."""

import threading

import pytest
from django.db import connection, connections

from cases.models import Case, CaseNumberCounter
from cases.services import case_number_issue, case_number_reserve, format_case_number, parse_case_number
from imrsite.errors import ServiceError
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_format_and_parse_round_trip():
    assert format_case_number(2013, 1234) == "CM13-0001234"
    assert parse_case_number("CM13-0001234") == (13, 1234)
    for bad in ("CM13-123", "XX13-0001234", "CM1a-0001234", "CM130001234"):
        assert parse_case_number(bad) is None


def test_numbers_increase_per_year():
    assert case_number_issue(year=2026) == "CM26-0000001"
    assert case_number_issue(year=2026) == "CM26-0000002"
    assert case_number_issue(year=2025) == "CM25-0000001"


def test_imported_number_moves_the_counter_past_it():
    case_number_reserve(number="CM26-0000500")
    CaseFactory(number="CM26-0000500")
    assert case_number_issue(year=2026) == "CM26-0000501"


def test_reserving_a_taken_number_is_refused():
    CaseFactory(number="CM26-0000007")
    with pytest.raises(ServiceError) as err:
        case_number_reserve(number="CM26-0000007")
    assert err.value.field == "case_number"


def test_a_number_is_never_reused_after_the_counter_passed_it():
    first = case_number_issue(year=2026)
    # The case registered under `first` was rolled back or never saved: a gap, not a reuse.
    assert case_number_issue(year=2026) != first
    assert CaseNumberCounter.objects.get(year=26).last == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_issues_never_collide():
    numbers, errors = [], []
    barrier = threading.Barrier(8)

    def worker():
        try:
            barrier.wait()
            for _ in range(10):
                numbers.append(case_number_issue(year=2026))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == 80
    assert len(set(numbers)) == 80
    assert sorted(numbers) == [format_case_number(26, n) for n in range(1, 81)]
    assert Case.objects.count() == 0
