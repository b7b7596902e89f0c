"""When a rule's step falls due: offsets in hours, days or business days,
and the working-hours hold (pure functions of datetimes and settings)."""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from cases.deadlines import add_business_days, is_business_day

from .models import ReminderRule, Unit


def shift_business_days(day: date, n: int) -> date:
    """`n` business days after `day` (before it when negative); `day` itself not counted."""
    if n >= 0:
        return add_business_days(day, n)
    current, remaining = day, -n
    while remaining:
        current -= timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def shift(moment: datetime, amount: int, unit: str) -> datetime:
    if unit == Unit.HOURS:
        return moment + timedelta(hours=amount)
    local = timezone.localtime(moment)
    if unit == Unit.DAYS:
        day = local.date() + timedelta(days=amount)
    else:
        day = shift_business_days(local.date(), amount)
    # The same wall-clock time on the new day (a DST change does not move it).
    return timezone.make_aware(datetime.combine(day, local.time().replace(tzinfo=None)))


def step_moment(rule: ReminderRule, due_at: datetime, occurrence: int) -> datetime:
    return shift(due_at, rule.offset + occurrence * rule.repeat_every, rule.unit)


def working_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(settings.REMINDER_WORKDAY_START_HOUR)))


def hold_to_working_hours(moment: datetime) -> datetime:
    """The moment itself if it falls in working hours on a business day, else
    the start of the next working period (no reminders to people at night,
    on weekends or state holidays)."""
    local = timezone.localtime(moment)
    day = local.date()
    if is_business_day(day):
        if local.hour < settings.REMINDER_WORKDAY_START_HOUR:
            return working_start(day)
        if local.hour < settings.REMINDER_WORKDAY_END_HOUR:
            return moment
    day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return working_start(day)
