"""The period of a report: a month, or a range of months (Pacific-time calendar months)."""

from datetime import date

from django import forms
from django.utils import timezone

from .selectors import Period, add_months, month_start

MAX_MONTHS = 120


def _month(value: str) -> date:
    year, _, month = (value or "").partition("-")
    return date(int(year), int(month), 1)


class PeriodForm(forms.Form):
    start = forms.CharField(label="From month", required=False, widget=forms.TextInput(attrs={"type": "month"}))
    end = forms.CharField(label="To month", required=False, widget=forms.TextInput(attrs={"type": "month"}))

    def _clean_month(self, name):
        value = self.cleaned_data.get(name, "").strip()
        if not value:
            return None
        try:
            month = _month(value)
        except ValueError as exc:
            raise forms.ValidationError("enter a month as YYYY-MM") from exc
        if month.year < 2013:
            raise forms.ValidationError("IMR began in 2013")
        return month

    def clean_start(self):
        return self._clean_month("start")

    def clean_end(self):
        return self._clean_month("end")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", "must be the same month as the start or later")
            elif len(Period(start, end).months) > MAX_MONTHS:
                self.add_error("end", f"a report covers at most {MAX_MONTHS} months")
        return data

    def period(self, today: date | None = None) -> Period:
        """The period asked for; the current month by default (or when the form is invalid)."""
        current = month_start(today or timezone.localdate())
        if not self.is_valid():
            return Period(current, current)
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        start = start or end or current
        end = end or start
        return Period(start, end)


def presets(today: date | None = None, first_month: date | None = None) -> list[tuple[str, Period]]:
    current = month_start(today or timezone.localdate())
    options = [
        ("This month", Period(current, current)),
        ("Last month", Period(add_months(current, -1), add_months(current, -1))),
        ("Last 12 months", Period(add_months(current, -11), current)),
        ("This year", Period(current.replace(month=1), current)),
        ("Last year", Period(date(current.year - 1, 1, 1), date(current.year - 1, 12, 1))),
    ]
    if first_month and first_month < add_months(current, -11):
        first = max(first_month, add_months(current, -(MAX_MONTHS - 1)))
        options.append(("All months", Period(first, current)))
    return options
