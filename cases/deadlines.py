"""Statutory deadlines (domain.md §2.5, §2.7; requirements 10 and 15).

Pure functions of dates and settings, so every caller (services, forms,
commands, tests) computes them the same way.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays
from django.conf import settings


@lru_cache(maxsize=64)
def _california_holidays(year: int):
    # Federal holidays plus California's state holidays (e.g. César Chávez Day,
    # the day after Thanksgiving), as the state observes them.
    return holidays.country_holidays("US", subdiv="CA", years=year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _california_holidays(day.year)


def add_business_days(start: date, days: int) -> date:
    """The date `days` business days after `start` (start itself not counted)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def records_due(*, assigned_on: date | None, expedited: bool, electronic_notice: bool) -> date | None:
    """Claims administrator's records are due 15 days after the notice of
    assignment is mailed, 12 days if it was sent electronically, 24 hours for
    expedited review (8 CCR 9792.10.5)."""
    if assigned_on is None:
        return None
    if expedited:
        # Dates, not times, are tracked: 24 hours means the next calendar day.
        return assigned_on + timedelta(days=max(1, -(-settings.IMR_RECORDS_DUE_HOURS_EXPEDITED // 24)))
    days = settings.IMR_RECORDS_DUE_DAYS_ELECTRONIC if electronic_notice else settings.IMR_RECORDS_DUE_DAYS_MAIL
    return assigned_on + timedelta(days=days)


def decision_due(*, records_complete_on: date | None, expedited: bool, formulary: bool) -> date | None:
    """Decision within 30 days of complete records; 3 days expedited; 5
    working days for a formulary medication dispute (LC 4610.6(d))."""
    if records_complete_on is None:
        return None
    if formulary:
        return add_business_days(records_complete_on, settings.IMR_DECISION_DUE_BUSINESS_DAYS_FORMULARY)
    if expedited:
        return records_complete_on + timedelta(days=settings.IMR_DECISION_DUE_DAYS_EXPEDITED)
    return records_complete_on + timedelta(days=settings.IMR_DECISION_DUE_DAYS_STANDARD)


def application_deadline(ur_decision_date: date) -> date:
    """Last day to file a timely application (30 days after the UR decision)."""
    return ur_decision_date + timedelta(days=settings.IMR_APPLICATION_WINDOW_DAYS)
