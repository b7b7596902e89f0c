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
    """Decision within 30 days of complete records, 3 days for an expedited
    review, 5 working days for a formulary medication dispute (LC 4610.6(d)).

    Every clock that applies runs, and the shortest governs: an expedited
    formulary dispute is due in 3 days, not 5 working days. A conversion to
    expedited never gives more time than the other clocks had left.
    """
    if records_complete_on is None:
        return None
    due = [records_complete_on + timedelta(days=settings.IMR_DECISION_DUE_DAYS_STANDARD)]
    if formulary:
        due.append(add_business_days(records_complete_on, settings.IMR_DECISION_DUE_BUSINESS_DAYS_FORMULARY))
    if expedited:
        start = _expedited_start(records_complete_on, expedited_since)
        due.append(start + timedelta(days=settings.IMR_DECISION_DUE_DAYS_EXPEDITED))
    return min(due)


# --- Filing window (LC 4610.5(h)(1); 8 CCR 9792.10.1(b)) --------------------------

MAIL = "mail"  # Case.ServiceMethod.MAIL; kept here so this module needs no models


def filing_window_days(service: str) -> int:
    """Days from service of the UR decision to the last day to apply: 30,
    plus the mail extension (CCP 1013(a)) when the decision was served by mail."""
    extension = settings.IMR_MAIL_SERVICE_EXTENSION_DAYS if service == MAIL else 0
    return settings.IMR_APPLICATION_WINDOW_DAYS + extension


def filing_deadline(*, served_on: date, service: str) -> date:
    """Last day a timely application can be received."""
    return served_on + timedelta(days=filing_window_days(service))


def is_untimely(*, received_on: date, served_on: date, service: str) -> bool:
    """Received after the last day of the filing window (the last day itself is timely)."""
    return received_on > filing_deadline(served_on=served_on, service=service)


# --- Which disputes IMR covers (LC 4610.5(a)) ------------------------------------

def is_subject_to_imr(*, date_of_injury: date, ur_decision_communicated_on: date) -> bool:
    """An injury on or after 2013-01-01, or a UR decision communicated on or
    after 2013-07-01 whatever the date of injury (both dates are settings).

    The decision's recorded service date is when it was communicated: the
    case holds no other record of that moment.
    """
    return (
        date_of_injury >= settings.IMR_APPLIES_TO_INJURIES_FROM
        or ur_decision_communicated_on >= settings.IMR_APPLIES_TO_UR_DECISIONS_FROM
    )


def applicability_rule() -> str:
    """The rule in words, for refusals and the screening checklist."""
    return (
        f"IMR covers injuries on or after {settings.IMR_APPLIES_TO_INJURIES_FROM:%Y-%m-%d} or UR decisions "
        f"communicated on or after {settings.IMR_APPLIES_TO_UR_DECISIONS_FROM:%Y-%m-%d} (LC 4610.5(a))"
    )


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


# --- after the decision (issue 14) ----------------------------------------------

def letter_receipt_presumed(*, sent_on: date, by_mail: bool, delivered_on: date | None = None) -> date:
    """When the claims administrator received the letter, from its recorded
    distribution: the recorded delivery date when there is one; otherwise the
    sending date, plus the mail extension (CCP 1013(a), the same setting as
    the filing window) when it was mailed."""
    if delivered_on is not None:
        return delivered_on
    return sent_on + timedelta(days=settings.IMR_MAIL_SERVICE_EXTENSION_DAYS if by_mail else 0)


def implementation_due(*, received_on: date, rendered: bool) -> date:
    """Last day to implement an overturned item (8 CCR 9792.10.7(a)): services
    not yet rendered authorized within 5 working days of receipt of the
    determination; services already rendered reimbursed within 20 days."""
    if rendered:
        return received_on + timedelta(days=settings.IMR_IMPLEMENTATION_REIMBURSE_DAYS)
    return add_business_days(received_on, settings.IMR_IMPLEMENTATION_AUTHORIZE_WORKING_DAYS)


def days_late(*, due_on: date, done_on: date | None, today: date) -> int:
    """Days past `due_on`, counted to when it was done, or to `today` while it is not."""
    return max(0, ((done_on or today) - due_on).days)


def records_days_late(*, due_on: date | None, received_on: date | None, today: date) -> int:
    """Days the claims administrator's records came (or are) late: counted to
    the day they arrived, or to `today` while they are missing."""
    if due_on is None:
        return 0
    return max(0, ((received_on or today) - due_on).days)
