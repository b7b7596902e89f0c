"""The summary tables' refresh: idempotent, incremental, catching up, one run at a time."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from cases.models import Case
from reports import selectors
from reports.models import LateDecision, MonthlyFigure, RefreshState
from reports.selectors import Period
from reports.services import reports_refresh
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)


def snapshot():
    return (
        sorted(MonthlyFigure.objects.values_list("month", "metric", "k1", "k2", "k3", "n", "total")),
        sorted(LateDecision.objects.values_list("month", "case_number", "days_late")),
    )


def month_count(month):
    return selectors.report(Period(month, month)).figures["applications"]


def test_running_twice_changes_nothing():
    for day in (3, 20):
        CaseFactory(received_on=date(2026, 3, day))
    CaseFactory(received_on=date(2026, 4, 2), status=Case.Status.INELIGIBLE, ineligible_reason="untimely")
    reports_refresh(today=date(2026, 5, 1))
    first = snapshot()
    reports_refresh(today=date(2026, 5, 1))
    reports_refresh(full=True, today=date(2026, 5, 1))
    assert snapshot() == first
    assert month_count(MARCH) == 2 and month_count(APRIL) == 1


def test_a_later_run_recomputes_only_the_months_that_changed():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        CaseFactory(received_on=date(2025, 6, 3))
        CaseFactory(received_on=date(2026, 3, 3))
        result = reports_refresh(today=date(2026, 5, 1))
    assert result.full and date(2025, 6, 1) in result.months
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        reports_refresh(today=date(2026, 5, 1))  # a scheduled run with nothing new
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        CaseFactory(received_on=date(2026, 3, 9))
        result = reports_refresh(today=date(2026, 5, 1))
    assert not result.full
    assert MARCH in result.months and date(2025, 6, 1) not in result.months
    assert month_count(MARCH) == 2


def test_a_missed_run_is_caught_up_by_the_next():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        CaseFactory(received_on=date(2026, 3, 3))
        reports_refresh(today=date(2026, 5, 1))
    # Changes during an outage of several scheduled runs...
    with time_machine.travel(start + timedelta(hours=5), tick=False):
        CaseFactory(received_on=date(2026, 3, 4))
        CaseFactory(received_on=date(2025, 11, 4))
    # ...are all in the figures after the first run that happens.
    with time_machine.travel(start + timedelta(hours=9), tick=False):
        reports_refresh(today=date(2026, 5, 1))
    assert month_count(MARCH) == 2 and month_count(date(2025, 11, 1)) == 1
    state = RefreshState.objects.get()
    assert state.watermark >= start + timedelta(hours=9) - timedelta(seconds=1) and not state.running_until


def test_a_second_run_while_one_holds_the_lease_does_nothing():
    CaseFactory(received_on=date(2026, 3, 3))
    RefreshState.objects.create(key="reports", running_until=timezone.now() + timedelta(minutes=5))
    assert reports_refresh().skipped
    assert not MonthlyFigure.objects.exists()
    # A crashed run's lease expires.
    RefreshState.objects.update(running_until=timezone.now() - timedelta(seconds=1))
    assert not reports_refresh().skipped and month_count(MARCH) == 1


def test_a_full_run_drops_months_that_no_longer_have_data():
    case = CaseFactory(received_on=date(2024, 2, 3))
    CaseFactory(received_on=date(2026, 3, 3))
    reports_refresh(today=date(2026, 5, 1))
    assert MonthlyFigure.objects.filter(month=date(2024, 2, 1)).exists()
    Case.objects.filter(pk=case.pk).update(received_on=date(2026, 3, 5), ur_decision_date=date(2026, 2, 20),
                                           ur_decision_served_on=date(2026, 2, 20), date_of_injury=date(2025, 1, 1))
    reports_refresh(full=True, today=date(2026, 5, 1))
    assert not MonthlyFigure.objects.filter(month__lt=date(2026, 3, 1)).exists()
    assert month_count(MARCH) == 2


def test_records_still_missing_become_late_as_days_pass_without_any_change():
    CaseFactory(received_on=date(2026, 3, 1), status=Case.Status.AWAITING_RECORDS, assigned_on=date(2026, 3, 2),
                records_due_on=date(2026, 3, 14))
    reports_refresh(today=date(2026, 3, 10))
    records = selectors.report(Period(MARCH, MARCH)).tables["records"].rows[-1]
    assert records[1:3] == [1, 0]
    reports_refresh(today=date(2026, 3, 20))
    records = selectors.report(Period(MARCH, MARCH)).tables["records"].rows[-1]
    assert records[1:3] == [1, 1]


def test_a_failed_run_says_why_and_frees_the_lease(monkeypatch):
    CaseFactory(received_on=date(2026, 3, 3))

    def broken(month, *, today):
        raise RuntimeError("disk full")

    monkeypatch.setattr(selectors, "month_figures", broken)
    with pytest.raises(RuntimeError):
        reports_refresh()
    state = RefreshState.objects.get()
    assert "disk full" in state.last_error and state.running_until is None and state.watermark is None


def test_a_letter_finalized_late_on_the_last_evening_of_a_month_counts_in_that_month():
    """Month boundaries are Pacific time: 23:30 on March 31 in California is April 1 in UTC."""
    from determinations import services as determination_services
    from determinations.tests.letters_helpers import draft_case

    evening = datetime(2026, 3, 31, 23, 30, tzinfo=ZoneInfo("America/Los_Angeles"))
    with time_machine.travel(evening, tick=False):
        determination = draft_case()
        determination_services.determination_finalize(
            determination=determination, user=determination.reviewer.user, request_letters=False
        )
    case = determination.case
    case.refresh_from_db()
    assert case.decided_on == date(2026, 3, 31)
    reports_refresh(full=True, today=date(2026, 4, 2))
    assert selectors.report(Period(date(2026, 3, 1), date(2026, 3, 1))).figures["letters"] == 1
    assert selectors.report(Period(date(2026, 4, 1), date(2026, 4, 1))).figures["letters"] == 0
    start, end = selectors.month_bounds(date(2026, 3, 1))
    assert start <= evening < end


def test_ages_and_months_count_from_the_recorded_mailings():
    """The NOARFI's and the letter's first delivery marked sent; no delivery on record: the case's own dates."""
    from correspondence.models import Delivery, Notice
    from determinations.models import Letter
    from publications.tests.helpers import decided_case
    from reports.selectors import MAILING_DATES, MailingDates

    assert MAILING_DATES == MailingDates.RECORDED

    def deliver(case, *, notice=None, letter=None, sent_on=None):
        return Delivery.objects.create(
            case=case, notice=notice, letter=letter, role="employee", name="Employee", channel="mail",
            status=Delivery.Status.SENT if sent_on else Delivery.Status.PENDING, send_by=date(2026, 3, 1), sent_on=sent_on,
            sent_at=timezone.now() if sent_on else None,
        )

    mailed, determination = decided_case(decided_on=date(2026, 3, 28), assigned_on=date(2026, 3, 2))
    noarfi = Notice.objects.create(case=mailed, kind="noarfi", issued_on=date(2026, 3, 4), send_by=date(2026, 3, 5))
    deliver(mailed, notice=noarfi, sent_on=date(2026, 3, 5))
    letter = Letter.objects.create(determination=determination, variant=Letter.Variant.PARTIES)
    deliver(mailed, letter=letter, sent_on=date(2026, 4, 2))
    pending, pending_determination = decided_case(decided_on=date(2026, 3, 20), assigned_on=date(2026, 3, 1))
    deliver(pending, letter=Letter.objects.create(determination=pending_determination, variant=Letter.Variant.PARTIES))
    decided_case(decided_on=date(2026, 3, 10), assigned_on=date(2026, 3, 1))  # history: no deliveries

    reports_refresh(full=True, today=date(2026, 5, 1))
    march = selectors.report(Period(MARCH, MARCH)).figures
    april = selectors.report(Period(APRIL, APRIL)).figures
    assert march["letters"] == 1 and march["age_assigned"] == 9  # the history case: Mar 1 → Mar 10
    assert april["letters"] == 1 and april["age_assigned"] == 28  # mailed Mar 5 → mailed Apr 2
    assert selectors.report(Period(MARCH, date(2026, 5, 1))).figures["letters"] == 2  # the unmailed letter is not issued
