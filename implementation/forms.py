"""Implementation forms: they collect input; the rules live in the services."""

from django import forms

from cases.forms import DateInput

from .models import ItemImplementation


SELECT = forms.Select(attrs={"class": "form-select form-select-sm"})


class ReceiptForm(forms.Form):
    received_on = forms.DateField(
        label="Letter received by the claims administrator on", required=False,
        widget=DateInput(attrs={"class": "form-control form-control-sm"}),
        help_text="Leave blank to take the date from the recorded distribution of the letter.",
    )


class ItemImplementationForm(forms.Form):
    service = forms.ChoiceField(label="Services", choices=ItemImplementation.Service.choices, widget=SELECT)
    outcome = forms.ChoiceField(label="Outcome", choices=ItemImplementation.Outcome.choices, widget=SELECT)
    on = forms.DateField(label="On", widget=DateInput(attrs={"class": "form-control form-control-sm"}))
    note = forms.CharField(label="Grounds of the dispute / note", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 1, "class": "form-control form-control-sm"}))


class ReportFilterForm(forms.Form):
    claims_administrator = forms.TypedChoiceField(label="Claims administrator", required=False, coerce=int, empty_value=None,
                                                  widget=SELECT)
    late = forms.BooleanField(label="Late only", required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, *args, administrators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claims_administrator"].choices = [("", "All")] + [(p.pk, p.name) for p in administrators]
