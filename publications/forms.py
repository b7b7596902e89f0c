"""The public search form: GET only, choices from fixed vocabularies and the index's own specialties."""

from django import forms

from cases import classification
from cases.models import TreatmentCategory
from determinations.models import Outcome

from .selectors import Filters


class SearchForm(forms.Form):
    number = forms.CharField(label="Case number", required=False, max_length=20,
                             widget=forms.TextInput(attrs={"placeholder": "CM13-0001234", "autocomplete": "off"}))
    decided_from = forms.DateField(label="Decided from", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    decided_to = forms.DateField(label="Decided to", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    category = forms.ChoiceField(label="Treatment category", required=False)
    subcategory = forms.ChoiceField(label="Treatment subcategory", required=False)
    outcome = forms.ChoiceField(label="Item outcome", required=False,
                                choices=[("", "Any outcome"), *Outcome.choices])
    diagnosis = forms.ChoiceField(label="Diagnosis category", required=False)
    specialty = forms.ChoiceField(label="Reviewer specialty", required=False)

    def __init__(self, *args, specialties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Any category"), *TreatmentCategory.choices]
        groups = {}
        for category, sub in classification.all_subcategories():
            groups.setdefault(category, []).append((sub, sub))
        # A subcategory name can recur ("Other"): the value carries its category.
        self.fields["subcategory"].choices = [("", "Any subcategory")] + [
            (TreatmentCategory(category).label, [(f"{category}|{sub}", sub) for sub, _ in subs])
            for category, subs in groups.items()
        ]
        self.fields["diagnosis"].choices = [("", "Any diagnosis")] + [(v, v) for v in classification.diagnosis_categories()]
        self.fields["specialty"].choices = [("", "Any specialty")] + [(v, v) for v in specialties]
        for name, f in self.fields.items():
            f.widget.attrs["class"] = "form-select" if isinstance(f, forms.ChoiceField) else "form-control"
            if self.is_bound and name in self.errors:
                f.widget.attrs["aria-invalid"] = "true"
                f.widget.attrs["aria-describedby"] = f"{name}-error"

    def clean_number(self):
        return self.cleaned_data["number"].strip().upper()

    def clean(self):
        data = super().clean()
        start, end = data.get("decided_from"), data.get("decided_to")
        if start and end and start > end:
            self.add_error("decided_to", "must be on or after the start date")
        category, sub = data.get("category"), data.get("subcategory")
        if category and sub and sub.partition("|")[0] != category:
            self.add_error("subcategory", f"is not a subcategory of {category}")
        return data

    def filters(self) -> Filters:
        """The search the valid form asks for (call after is_valid())."""
        data = self.cleaned_data
        category, subcategory = data.get("category", ""), ""
        if data.get("subcategory"):
            category, _, subcategory = data["subcategory"].partition("|")
        return Filters(
            number=data.get("number", ""),
            decided_from=data.get("decided_from"),
            decided_to=data.get("decided_to"),
            category=category,
            subcategory=subcategory,
            outcome=data.get("outcome", ""),
            diagnosis=data.get("diagnosis", ""),
            specialty=data.get("specialty", ""),
        )
