"""Forms of the review pages: thin input checks; the rules are in the services."""

from django import forms

from reviewers.models import Assignment
from reviewers.services import ATTESTATION_TEXT

from .models import EvidenceLevel, Guideline, ItemDecision, Outcome


class AcceptForm(forms.Form):
    attested = forms.BooleanField(
        label=ATTESTATION_TEXT,
        required=True,
        error_messages={"required": "Confirm that you have no conflict of interest, or decline the case."},
    )


class DeclineForm(forms.Form):
    # Structured (issue 19 item 2): a conflict excludes the reviewer from this
    # case for good; another reason is shown to intake when they reassign.
    kind = forms.ChoiceField(
        label="Why do you decline?",
        choices=[
            (Assignment.DeclineKind.CONFLICT, "A conflict of interest with a party to this case"),
            (Assignment.DeclineKind.OTHER, "Another reason (availability, workload, expertise)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you decline for a conflict of interest or another reason."},
    )
    reason = forms.CharField(
        label="Reason for declining",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give a reason for declining."},
        help_text="Intake sees this reason and offers the case to another reviewer. For a conflict, name the party "
        "and the tie; you will not be offered this case again.",
    )


class DeterminationForm(forms.Form):
    clinical_case_summary = forms.CharField(
        label="Developed from a review of the case file, including all medical records",
        required=False,  # a draft may be partial; finalizing requires it
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Age, sex, date of injury, mechanism, diagnoses and treatment history, in plain language.",
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


def guideline_choices(catalog: list[Guideline]) -> list:
    """Catalog grouped by family, built once per page (constant queries whatever the item count)."""
    groups: dict[str, list] = {}
    for guideline in catalog:
        groups.setdefault(guideline.get_family_display(), []).append((str(guideline.pk), guideline.name))
    return [("", "— choose the guideline relied on —"), *groups.items()]


class ItemDecisionForm(forms.Form):
    """One disputed item's decision. `decision_id` is checked against the
    determination by the view: another case's row is a 404."""

    decision_id = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label="Decision",
        choices=Outcome.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    guideline = forms.ChoiceField(label="Guideline relied on", required=False)
    section = forms.CharField(label="Section / topic", max_length=200, required=False)
    pages = forms.CharField(label="Page(s)", max_length=60, required=False)
    evidence_level = forms.ChoiceField(
        label="Evidence level (LC 4610.5(c)(2))",
        choices=[("", "— the guideline's level —"), *EvidenceLevel.choices],
        required=False,
    )
    lower_level_reason = forms.CharField(
        label="Why the higher evidence levels do not apply",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when the evidence is below the MTUS.",
    )
    rationale = forms.CharField(
        label="Decision rationale",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, item_decision: ItemDecision, catalog: dict[str, Guideline], choices: list, **kwargs):
        self.item_decision = item_decision
        self.catalog = catalog
        super().__init__(*args, **kwargs)
        self.fields["guideline"].choices = choices

    @classmethod
    def initial_for(cls, row: ItemDecision) -> dict:
        return {
            "decision_id": row.pk,
            "decision": row.decision,
            "guideline": str(row.guideline_id or ""),
            "section": row.section,
            "pages": row.pages,
            "evidence_level": row.evidence_level
            if not row.guideline_id or row.evidence_level != row.guideline.evidence_level
            else "",
            "lower_level_reason": row.lower_level_reason,
            "rationale": row.rationale,
        }

    def clean_guideline(self):
        value = self.cleaned_data.get("guideline") or ""
        if not value:
            return None
        guideline = self.catalog.get(value)
        if guideline is None:
            raise forms.ValidationError("Choose a guideline from the catalog.")
        return guideline
