"""Dates relative to the day a test *runs*.

A module constant such as ``TODAY = timezone.localdate()`` is read when pytest collects
the file; a suite that starts before midnight in Los Angeles and reaches the test after it
then checks yesterday's rules (CI failed that way once). Read the day inside the test.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone


def today() -> date:
    return timezone.localdate()


def last_month() -> date:
    """The first day of the month before this one."""
    return (today().replace(day=1) - timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class FromToday:
    """A date `days` from the day the test runs, for `parametrize` lists (which are collected early)."""

    days: int
    iso: bool = False

    def resolve(self):
        day = today() + timedelta(days=self.days)
        return day.isoformat() if self.iso else day


def resolved(value):
    """`value` with every FromToday inside it (dicts, lists) turned into its date."""
    if isinstance(value, FromToday):
        return value.resolve()
    if isinstance(value, dict):
        return {key: resolved(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(resolved(item) for item in value)
    return value
