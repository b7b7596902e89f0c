"""Correspondence forms: they collect input; the rules live in the services."""

from django import forms
from django.utils import timezone

from cases.forms import DateInput
from cases.models import DeliveryChannel, PartyRole

from .recipients import ASKABLE_ROLES


def _not_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError("cannot be in the future")
    return value


class ContactForm(forms.Form):
    address = forms.CharField(label="Mailing address", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    email = forms.EmailField(label="E-mail", required=False)
    fax = forms.CharField(label="Fax number", max_length=40, required=False)
    phone = forms.CharField(label="Phone", max_length=40, required=False)
    preferred_channel = forms.ChoiceField(label="Send notices by", choices=DeliveryChannel.choices)


class InformationRequestForm(forms.Form):
    role = forms.ChoiceField(label="Ask", choices=[(r.value, r.label) for r in ASKABLE_ROLES])
    question = forms.CharField(label="Question", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    answer = forms.CharField(label="Answer received", required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))
    document = forms.TypedChoiceField(label="Document received (upload it under Documents first)", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].choices = [("", "None")] + [(d.pk, d.title) for d in documents]


class MailedForm(forms.Form):
    on = forms.DateField(label="Mailed on", widget=DateInput())

    def clean_on(self):
        return _not_future(self.cleaned_data["on"])


class RetryForm(forms.Form):
    channel = forms.ChoiceField(label="Send by", choices=[("", "Same channel")] + list(DeliveryChannel.choices), required=False)


class FailedForm(forms.Form):
    reason = forms.CharField(label="Why it failed", max_length=500)


class ReviewerQuestionForm(forms.Form):
    role = forms.ChoiceField(label="Ask", choices=[(r.value, r.label) for r in ASKABLE_ROLES], initial=PartyRole.REQUESTING_PROVIDER)
    question = forms.CharField(label="Question", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
