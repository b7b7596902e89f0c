"""Forms of the termination, consolidation and additional-reviewer actions; the services decide what is allowed."""

from django import forms

from cases.forms import DateInput
from cases.models import PartyRole
from reviewers.models import Reviewer

from .models import Termination

REPORTER_CHOICES = [
    (role, PartyRole(role).label)
    for role in (PartyRole.CLAIMS_ADMINISTRATOR, PartyRole.EMPLOYEE, PartyRole.ATTORNEY, PartyRole.REQUESTING_PROVIDER)
]


class TerminationForm(forms.Form):
    reason = forms.ChoiceField(
        label="What happened", choices=Termination.Reason.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the treatment was authorized or the application withdrawn."},
    )
    reported_by_role = forms.ChoiceField(label="Reported by", choices=REPORTER_CHOICES)
    reported_by_name = forms.CharField(label="Reporter's name (optional)", required=False, max_length=200)
    reported_on = forms.DateField(
        label="Report received on", widget=DateInput(),
        error_messages={"required": "Give the date the report was received."},
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ConsolidationForm(forms.Form):
    absorbed = forms.CharField(
        label="Application to absorb into this case (its case number)", max_length=20,
        error_messages={"required": "Give the case number of the application to absorb."},
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=2000)


class AdditionalReviewerForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        label="Additional reviewer", queryset=Reviewer.objects.none(),
        error_messages={"required": "Choose the additional reviewer."},
    )
    approved_on = forms.DateField(
        label="Administrative Director's written approval dated", widget=DateInput(),
        error_messages={"required": "Give the date of the approval."},
    )
    reference = forms.CharField(label="Approval reference", max_length=120,
                                error_messages={"required": "Give the approval's reference (letter or e-mail)."})
    reason = forms.CharField(label="Why another reviewer", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "Say why another reviewer is needed."})

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        rows = Reviewer.objects.filter(user__is_active=True).select_related("user").order_by("user__last_name", "user__first_name")
        if case is not None:
            rows = rows.exclude(assignments__case=case, assignments__status__in=["offered", "accepted"])
        self.fields["reviewer"].queryset = rows
