"""Fault 6: clock edges. Deadlines are dates in Pacific time, computed by
cases.deadlines: across the daylight-saving changes, at midnight Pacific
on both sides of a state holiday, and on 29 February. The screening of a
real case at those instants (time-machine) gives the notice's send-by date
of the local day, never the UTC one.
"""

from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
import time_machine
from django.utils import timezone

from cases import deadlines
from correspondence.models import Delivery
from correspondence.tests.helpers import new_case, screen_eligible

UTC = dt_timezone.utc


def at(y, m, d, hh, mm):
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


# (instant in UTC, Pacific date it belongs to, NOARFI due = 1 business day later)
SCREENING_INSTANTS = [
    # Veterans Day, Wednesday 11 November 2026 (PST, UTC-8).
    (at(2026, 11, 11, 7, 59), date(2026, 11, 10), date(2026, 11, 12)),  # 23:59 the day before: skips the holiday
    (at(2026, 11, 11, 8, 1), date(2026, 11, 11), date(2026, 11, 12)),   # 00:01 on the holiday
    (at(2026, 11, 12, 7, 59), date(2026, 11, 11), date(2026, 11, 12)),  # 23:59 on the holiday (UTC says the 12th)
    (at(2026, 11, 12, 8, 1), date(2026, 11, 12), date(2026, 11, 13)),   # 00:01 the day after
    # Spring forward, Sunday 8 March 2026: midnight is 08:00 UTC before, 07:00 UTC after.
    (at(2026, 3, 9, 6, 59), date(2026, 3, 8), date(2026, 3, 9)),        # 23:59 PDT Sunday
    (at(2026, 3, 9, 7, 1), date(2026, 3, 9), date(2026, 3, 10)),        # 00:01 PDT Monday
    # Fall back, Sunday 1 November 2026: the local hour 01:00-02:00 happens twice.
    (at(2026, 11, 1, 8, 30), date(2026, 11, 1), date(2026, 11, 2)),     # 01:30 PDT
    (at(2026, 11, 1, 9, 30), date(2026, 11, 1), date(2026, 11, 2)),     # 01:30 PST, the same local day
    (at(2026, 11, 2, 7, 59), date(2026, 11, 1), date(2026, 11, 2)),     # 23:59 PST Sunday
    # 29 February 2028 (a Tuesday).
    (at(2028, 3, 1, 7, 59), date(2028, 2, 29), date(2028, 3, 1)),
    (at(2028, 2, 29, 8, 1), date(2028, 2, 29), date(2028, 3, 1)),
]


@pytest.mark.django_db
def test_clock_edges(fault):
    fault.name = "6. Clock edges: DST, midnight by a holiday, 29 Feb"
    # Pure deadline arithmetic across the edges.
    assert deadlines.add_business_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Friday -> Monday over spring forward
    assert deadlines.add_business_days(date(2026, 10, 30), 1) == date(2026, 11, 2)  # over fall back
    assert deadlines.add_business_days(date(2026, 11, 25), 1) == date(2026, 11, 30)  # Thanksgiving and the day after
    assert deadlines.add_business_days(date(2028, 2, 28), 1) == date(2028, 2, 29)
    assert deadlines.add_business_days(date(2028, 2, 25), 5) == date(2028, 3, 3)
    assert deadlines.records_due(assigned_on=date(2028, 2, 14), expedited=False, electronic_notice=False) == date(2028, 2, 29)
    assert deadlines.records_due(assigned_on=date(2028, 2, 29), expedited=False, electronic_notice=True) == date(2028, 3, 12)
    assert deadlines.records_due(assigned_on=date(2028, 2, 28), expedited=True, electronic_notice=False) == date(2028, 2, 29)
    assert deadlines.decision_due(records_complete_on=date(2028, 2, 29), expedited=False, formulary=False) == date(2028, 3, 30)
    assert deadlines.decision_due(records_complete_on=date(2026, 3, 7), expedited=True, formulary=False) == date(2026, 3, 10)
    assert deadlines.filing_deadline(served_on=date(2028, 1, 30), service="electronic") == date(2028, 2, 29)
    assert deadlines.filing_deadline(served_on=date(2027, 1, 30), service="electronic") == date(2027, 3, 1)
    assert deadlines.appeal_deadline(served_on=date(2028, 2, 29), by_mail=True) == date(2028, 4, 4)
    assert deadlines.is_untimely(received_on=date(2028, 3, 1), served_on=date(2028, 1, 30), service="electronic")
    assert not deadlines.is_untimely(received_on=date(2028, 2, 29), served_on=date(2028, 1, 30), service="electronic")

    # A real screening at each instant: the notice's send-by date is the Pacific day's.
    for instant, local_day, noarfi_due in SCREENING_INSTANTS:
        with time_machine.travel(instant, tick=False):
            assert timezone.localdate() == local_day, instant
            case = new_case(received_on=local_day - timedelta(days=3))
            screen_eligible(case)
            send_by = set(Delivery.objects.filter(notice__case=case).values_list("send_by", flat=True))
            assert send_by == {noarfi_due}, (instant, send_by)
    fault.record(
        saw=f"{len(SCREENING_INSTANTS)} screenings at midnight edges (holiday, both DST changes, 29 Feb) "
            "got the Pacific day's deadlines",
        lost="nothing: no deadline a day early or late",
    )
