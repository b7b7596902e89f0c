"""Statutory deadlines (domain.md §2.5, §2.7): a table of cases."""

from datetime import date, timedelta

import pytest

from cases import deadlines
from cases.models import Case
from cases.services import case_convert_to_expedited, case_mark_eligible, case_mark_records_complete
from tests.factories import CaseFactory, DisputedItemFactory


@pytest.mark.parametrize(
    "assigned_on, expedited, electronic, expected",
    [
        (date(2025, 3, 3), False, False, date(2025, 3, 18)),  # mailed notice: 15 calendar days
        (date(2025, 3, 3), False, True, date(2025, 3, 15)),  # electronic notice: 12 days (a Saturday: calendar days)
        (date(2025, 3, 3), True, False, date(2025, 3, 4)),  # expedited: 24 hours
        (date(2025, 3, 7), True, True, date(2025, 3, 8)),  # expedited over a weekend: still 24 hours
        (date(2025, 3, 28), False, True, date(2025, 4, 9)),  # across César Chávez Day: calendar days ignore holidays
    ],
)
def test_records_due(assigned_on, expedited, electronic, expected):
    assert deadlines.records_due(assigned_on=assigned_on, expedited=expedited, electronic_notice=electronic) == expected


@pytest.mark.parametrize(
    "complete_on, expedited, formulary, expected",
    [
        (date(2025, 3, 3), False, False, date(2025, 4, 2)),  # standard: 30 days
        (date(2025, 3, 3), True, False, date(2025, 3, 6)),  # expedited: 3 days
        (date(2025, 3, 6), True, False, date(2025, 3, 9)),  # expedited across a weekend: calendar days
        (date(2025, 3, 3), False, True, date(2025, 3, 10)),  # formulary, Monday: 5 business days, over one weekend
        (date(2025, 3, 27), False, True, date(2025, 4, 4)),  # Thu; skips the weekend and César Chávez Day (Mon Mar 31)
        (date(2025, 11, 26), False, True, date(2025, 12, 5)),  # skips Thanksgiving, the day after, and the weekend
        (date(2024, 3, 28), False, True, date(2024, 4, 5)),  # Chávez Day on Sunday 2024 is observed Monday Apr 1
        (date(2025, 2, 13), False, True, date(2025, 2, 21)),  # Presidents' Day skipped; Susan B. Anthony Day is not a closure
        (date(2025, 6, 18), False, True, date(2025, 6, 25)),  # Juneteenth is not a California state office holiday
        (None, False, False, None),  # no records yet: no decision deadline
    ],
)
def test_decision_due(complete_on, expedited, formulary, expected):
    assert deadlines.decision_due(records_complete_on=complete_on, expedited=expedited, formulary=formulary) == expected


def test_business_days_and_holidays():
    assert not deadlines.is_business_day(date(2025, 3, 31))  # César Chávez Day
    assert not deadlines.is_business_day(date(2025, 11, 28))  # day after Thanksgiving
    assert not deadlines.is_business_day(date(2025, 3, 29))  # Saturday
    assert deadlines.is_business_day(date(2026, 7, 3))  # Friday before a Saturday July 4: state offices open
    assert deadlines.add_business_days(date(2025, 3, 28), 1) == date(2025, 4, 1)


@pytest.mark.parametrize(
    "served_on, service, last_day",
    [
        (date(2025, 1, 31), "electronic", date(2025, 3, 2)),  # 30 calendar days, a Sunday included
        (date(2025, 1, 31), "personal", date(2025, 3, 2)),
        (date(2025, 1, 31), "mail", date(2025, 3, 7)),  # + 5 days for mail (CCP 1013(a))
    ],
)
def test_filing_deadline(served_on, service, last_day):
    assert deadlines.filing_deadline(served_on=served_on, service=service) == last_day
    assert not deadlines.is_untimely(received_on=last_day, served_on=served_on, service=service)
    assert deadlines.is_untimely(received_on=last_day + timedelta(days=1), served_on=served_on, service=service)


def test_mail_extension_is_a_setting(settings):
    settings.IMR_MAIL_SERVICE_EXTENSION_DAYS = 10
    assert deadlines.filing_deadline(served_on=date(2025, 1, 1), service="mail") == date(2025, 2, 10)
    assert deadlines.filing_deadline(served_on=date(2025, 1, 1), service="electronic") == date(2025, 1, 31)


@pytest.mark.parametrize(
    "injured, communicated, subject",
    [
        (date(2013, 1, 1), date(2013, 1, 2), True),  # injured on the first covered day
        (date(2012, 12, 31), date(2013, 6, 30), False),  # both a day early
        (date(2012, 12, 31), date(2013, 7, 1), True),  # an older injury, decision on the first covered day
        (date(2005, 5, 5), date(2020, 1, 1), True),
    ],
)
def test_applicability(injured, communicated, subject):
    assert deadlines.is_subject_to_imr(date_of_injury=injured, ur_decision_communicated_on=communicated) is subject


def test_applicability_dates_are_settings(settings):
    settings.IMR_APPLIES_TO_UR_DECISIONS_FROM = date(2013, 8, 1)
    assert not deadlines.is_subject_to_imr(date_of_injury=date(2012, 12, 31), ur_decision_communicated_on=date(2013, 7, 31))
    assert "on or after 2013-08-01" in deadlines.applicability_rule()


# Records complete Thursday 2025-03-06: 30 days = Apr 5; 3 days = Sun Mar 9;
# 5 working days = Thu Mar 13. Every combination; the shortest clock that applies governs.
@pytest.mark.parametrize(
    "expedited, formulary, expected",
    [
        (False, False, date(2025, 4, 5)),
        (False, True, date(2025, 3, 13)),
        (True, False, date(2025, 3, 9)),
        (True, True, date(2025, 3, 9)),  # expedited formulary: 3 days, not 5 working days
    ],
)
def test_decision_due_every_combination(expedited, formulary, expected):
    assert deadlines.decision_due(records_complete_on=date(2025, 3, 6), expedited=expedited, formulary=formulary) == expected


def test_expedited_formulary_converted_late_keeps_the_formulary_clock():
    # Records complete Mon Mar 3 (formulary: due Mon Mar 10); converted Mar 9: 3 days would be Mar 12, later.
    assert deadlines.decision_due(
        records_complete_on=date(2025, 3, 3), expedited=True, formulary=True, expedited_since=date(2025, 3, 9)
    ) == date(2025, 3, 10)
    # Converted Mar 5: three days from the conversion, Mar 8, is sooner.
    assert deadlines.decision_due(
        records_complete_on=date(2025, 3, 3), expedited=True, formulary=True, expedited_since=date(2025, 3, 5)
    ) == date(2025, 3, 8)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "review_type, formulary, expected",
    [
        ("standard", False, date(2025, 4, 5)),
        ("standard", True, date(2025, 3, 13)),
        ("expedited", False, date(2025, 3, 9)),
        ("expedited", True, date(2025, 3, 9)),
    ],
)
def test_the_case_stores_the_governing_decision_date(review_type, formulary, expected):
    """Through the services: registration, eligibility, records complete."""
    case = CaseFactory(
        review_type=review_type, is_formulary_dispute=formulary, received_on=date(2025, 3, 1), ur_decision_date=date(2025, 2, 20),
        expedited_since=date(2025, 3, 1) if review_type == "expedited" else None,
    )
    DisputedItemFactory(case=case)
    case = case_mark_eligible(case=case, assigned_on=date(2025, 3, 3))
    case = case_mark_records_complete(case=case, on=date(2025, 3, 6), today=date(2025, 3, 6))
    case.refresh_from_db()
    assert case.decision_due_on == expected and case.due_on == expected


@pytest.mark.parametrize(
    "assigned_on, since, expected",
    [
        (date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 11)),  # converted on day 7: 24 hours from the conversion
        (date(2025, 3, 3), date(2025, 3, 3), date(2025, 3, 4)),  # expedited from the start
        (date(2025, 3, 3), date(2025, 3, 15), date(2025, 3, 15)),  # never later than the standard deadline
    ],
)
def test_records_due_after_conversion(assigned_on, since, expected):
    assert deadlines.records_due(assigned_on=assigned_on, expedited=True, electronic_notice=True, expedited_since=since) == expected


def test_decision_due_after_conversion():
    # Records complete Mar 3, converted Mar 20: three days from the conversion.
    assert deadlines.decision_due(
        records_complete_on=date(2025, 3, 3), expedited=True, formulary=False, expedited_since=date(2025, 3, 20)
    ) == date(2025, 3, 23)
    assert deadlines.decision_due(
        records_complete_on=date(2025, 3, 3), expedited=True, formulary=False, expedited_since=date(2025, 4, 1)
    ) == date(2025, 4, 2)  # capped at the standard 30 days


@pytest.mark.django_db
def test_converting_to_expedited_recomputes_deadlines():
    case = CaseFactory(received_on=date(2025, 3, 1), ur_decision_date=date(2025, 2, 20))
    DisputedItemFactory(case=case)
    case = case_mark_eligible(case=case, assigned_on=date(2025, 3, 3), notice_method=Case.NoticeMethod.MAIL)
    assert case.records_due_on == date(2025, 3, 18)
    assert case.due_on == date(2025, 3, 18)
    case = case_convert_to_expedited(case=case, on=date(2025, 3, 4), today=date(2025, 3, 4))
    assert case.review_type == "expedited"
    assert case.records_due_on == date(2025, 3, 5)  # 24 hours from the conversion
    assert case.due_on == date(2025, 3, 5)
    case = case_mark_records_complete(case=case, on=date(2025, 3, 5), today=date(2025, 3, 5))
    assert case.decision_due_on == date(2025, 3, 8)
    case.refresh_from_db()
    assert case.due_on == date(2025, 3, 8)
