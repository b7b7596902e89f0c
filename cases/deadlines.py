"""Statutory deadlines (domain.md §2.5, §2.7; requirements 10 and 15).

Pure functions of dates and settings, so every caller (services, forms,
commands, tests) computes them the same way.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.conf import settings


_OBSERVED = " (observed)"


@lru_cache(maxsize=64)
def california_state_holidays(year: int) -> frozenset[date]:
    days = set()
    for day, names in holidays.country_holidays("US", subdiv="CA", years=year).items():
        for name in names.split("; "):
            observed = name.endswith(_OBSERVED)
            base = name.removesuffix(_OBSERVED)
            if base not in settings.IMR_STATE_HOLIDAY_NAMES:
                continue
            # A Sunday holiday is observed on Monday; a Saturday one is not
            # moved to Friday for state offices (employees get holiday credit).
            if observed and day.weekday() == 4:
                continue
            days.add(day)
    return frozenset(days)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in california_state_holidays(day.year)


def add_business_days(start: date, days: int) -> date:
    """The date `days` business days after `start` (start itself not counted)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def _expedited_start(clock_start: date, expedited_since: date | None) -> date:
    """A case converted to expedited (9792.10.4(c)) runs its short clock from
    the conversion when that came after the usual start."""
    return max(clock_start, expedited_since) if expedited_since else clock_start


def records_due(
    *, assigned_on: date | None, expedited: bool, electronic_notice: bool, expedited_since: date | None = None
) -> date | None:
    """Claims administrator's records are due 15 days after the notice of
    assignment is mailed, 12 days if it was sent electronically, 24 hours for
    expedited review (8 CCR 9792.10.5)."""
    if assigned_on is None:
        return None
    days = settings.IMR_RECORDS_DUE_DAYS_ELECTRONIC if electronic_notice else settings.IMR_RECORDS_DUE_DAYS_MAIL
    standard = assigned_on + timedelta(days=days)
    if expedited:
        # Dates, not times, are tracked: 24 hours means the next calendar day.
        # A conversion never gives more time than the standard clock had left.
        hours_as_days = max(1, -(-settings.IMR_RECORDS_DUE_HOURS_EXPEDITED // 24))
        return min(standard, _expedited_start(assigned_on, expedited_since) + timedelta(days=hours_as_days))
    return standard


def decision_due(
    *, records_complete_on: date | None, expedited: bool, formulary: bool, expedited_since: date | None = None
) -> date | None:
    """Decision within 30 days of complete records; 3 days expedited; 5
    working days for a formulary medication dispute (LC 4610.6(d))."""
    if records_complete_on is None:
        return None
    if formulary:
        return add_business_days(records_complete_on, settings.IMR_DECISION_DUE_BUSINESS_DAYS_FORMULARY)
    standard = records_complete_on + timedelta(days=settings.IMR_DECISION_DUE_DAYS_STANDARD)
    if expedited:
        start = _expedited_start(records_complete_on, expedited_since)
        return min(standard, start + timedelta(days=settings.IMR_DECISION_DUE_DAYS_EXPEDITED))
    return standard


def application_deadline(ur_decision_date: date) -> date:
    """Last day to file a timely application (30 days after the UR decision)."""
    return ur_decision_date + timedelta(days=settings.IMR_APPLICATION_WINDOW_DAYS)


# --- correspondence (issue 12): clocks that read recorded sendings -------------

def noarfi_due(eligible_on: date) -> date:
    """The notice of assignment goes out within one business day of the
    eligibility finding (8 CCR 9792.10.4(b))."""
    return add_business_days(eligible_on, settings.IMR_NOARFI_BUSINESS_DAYS)


def party_information_due(sent_on: date) -> date:
    """A party answers an information request within 5 business days of its
    sending (9792.10.3(c), current text)."""
    return add_business_days(sent_on, settings.IMR_PARTY_INFORMATION_BUSINESS_DAYS)


def appeal_deadline(*, served_on: date, by_mail: bool) -> date:
    """Last day to appeal a determination to the WCAB: 30 days from service
    (LC 4610.6(h); 8 CCR 10575), plus the mailing extension when it was mailed
    (IMR_APPEAL_MAIL_EXTENSION_DAYS; unconfirmed, Matute v. LAUSD)."""
    days = settings.IMR_APPEAL_DAYS + (settings.IMR_APPEAL_MAIL_EXTENSION_DAYS if by_mail else 0)
    return served_on + timedelta(days=days)


def records_days_late(*, due_on: date | None, received_on: date | None, today: date) -> int:
    """Days the claims administrator's records came (or are) late: counted to
    the day they arrived, or to `today` while they are missing."""
    if due_on is None:
        return 0
    return max(0, ((received_on or today) - due_on).days)
