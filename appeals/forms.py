"""Appeal forms: they collect input; the rules live in the services."""

from django import forms

from cases.forms import DateInput

from .models import Appeal, Ground, Petitioner

SELECT = forms.Select(attrs={"class": "form-select form-select-sm"})
TEXT = {"class": "form-control form-control-sm"}


class AppealForm(forms.Form):
    petitioner = forms.ChoiceField(label="Petitioner", choices=Petitioner.choices, widget=SELECT)
    adj_number = forms.CharField(label="WCAB (ADJ) case number", max_length=40, widget=forms.TextInput(attrs=TEXT))
    filed_on = forms.DateField(label="Petition filed on", widget=DateInput(attrs=TEXT))
    verified = forms.BooleanField(label="Petition verified", required=False,
                                  widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    grounds = forms.MultipleChoiceField(label="Grounds (LC 4610.6(h))", choices=Ground.choices,
                                        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))


OUTCOMES = [(v, label) for v, label in Appeal.Outcome.choices if v != Appeal.Outcome.PENDING]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="WCAB outcome", choices=OUTCOMES, widget=SELECT)
    outcome_on = forms.DateField(label="Outcome date", widget=DateInput(attrs=TEXT))
    note = forms.CharField(label="Note", required=False, max_length=2000, widget=forms.TextInput(attrs=TEXT))
