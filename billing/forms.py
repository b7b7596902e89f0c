from datetime import date

from django import forms

from cases.forms import DateInput


class MonthField(forms.DateField):
    """A month as YYYY-MM (the browser's month picker), as its first day."""

    widget = forms.DateInput(attrs={"type": "month"})
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if isinstance(day, date) else day


class IssueForm(forms.Form):
    month = MonthField(label="Month to invoice", error_messages={"required": "Choose the month to invoice.",
                                                                  "invalid": "Enter the month as YYYY-MM."})


class MonthFilterForm(forms.Form):
    month = MonthField(label="Month", required=False, error_messages={"invalid": "Enter the month as YYYY-MM."})
    unpaid = forms.BooleanField(label="Unpaid only", required=False)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label="Amount ($)", max_digits=12, decimal_places=2, min_value=0,
                                error_messages={"required": "Give the amount received."})
    received_on = forms.DateField(label="Received on", widget=DateInput(),
                                  error_messages={"required": "Give the date the payment was received."})
    reference = forms.CharField(label="Check number or reference (optional)", required=False, max_length=120)
