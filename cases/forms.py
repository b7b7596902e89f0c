"""Intake forms. They collect and shape input; the rules live in `cases.services`."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Fieldset, Layout, Row
from django import forms
from django.conf import settings
from django.utils import timezone

from imrsite.forms import add_service_error
from reviewers.models import Assignment

from . import deadlines, selectors, services
from .models import (
    MANUFACTURED_CATEGORIES,
    Case,
    CaseDocument,
    DisputedItem,
    Party,
    PartyRole,
    RecordsCategory,
    ReviewType,
    TreatmentCategory,
)
from .text import clean_identifier, has_visible_text, name_key, normalize_name


def limit(model, name: str) -> int:
    """A text field's limit, from its model (imrsite.limits)."""
    return model._meta.get_field(name).max_length


def limit_help(model, name: str) -> str:
    return f"Up to {limit(model, name):,} characters."


# Party roles of the form: (field prefix, kind, what a new one is called).
PARTY_ROLES = [
    ("employee", Party.Kind.PERSON, "person"),
    ("employer", Party.Kind.ORGANIZATION, "organization"),
    ("claims_administrator", Party.Kind.ORGANIZATION, "organization"),
    ("requesting_provider", Party.Kind.PERSON, "physician"),
    ("attorney", Party.Kind.ORGANIZATION, "organization"),
    ("medical_provider_network", Party.Kind.ORGANIZATION, "organization"),
    ("medical_group", Party.Kind.ORGANIZATION, "organization"),
    ("treating_facility", Party.Kind.ORGANIZATION, "organization"),
]
ROLE_LABELS = {
    "employee": "Employee",
    "employer": "Employer",
    "claims_administrator": "Claims administrator",
    "requesting_provider": "Requesting physician",
    "attorney": "Employee's attorney",
    "medical_provider_network": "Medical provider network",
    "medical_group": "Medical group or IPA",
    "treating_facility": "Treating facility",
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CaseForm(forms.Form):
    """Every DWC Form IMR field the case holds (domain.md §2.2)."""

    # Application
    review_type = forms.ChoiceField(
        label="Type of utilization review", choices=ReviewType.choices, initial=ReviewType.STANDARD, widget=forms.RadioSelect
    )
    received_on = forms.DateField(label="Application received", widget=DateInput())
    channel = forms.ChoiceField(label="Received by", choices=Case.Channel.choices, initial=Case.Channel.ELECTRONIC)
    ur_decision_date = forms.DateField(label="Date of UR decision", widget=DateInput())
    ur_decision_served_on = forms.DateField(
        label="UR decision served on", required=False, widget=DateInput(),
        help_text="From the proof of service; blank: the decision date.",
    )
    ur_decision_service = forms.ChoiceField(
        label="UR decision served by", choices=Case.ServiceMethod.choices, initial=Case.ServiceMethod.MAIL, required=False,
        help_text=f"Mail (the default) adds {settings.IMR_MAIL_SERVICE_EXTENSION_DAYS} days to the filing window.",
    )
    rfa_date = forms.DateField(label="RFA date", required=False, widget=DateInput())

    # Employee
    employee_first_name = forms.CharField(label="First name (and middle initial)", max_length=100)
    employee_last_name = forms.CharField(label="Last name", max_length=100)
    employee_date_of_birth = forms.DateField(label="Date of birth", required=False, widget=DateInput())
    employee_sex = forms.ChoiceField(label="Sex", choices=[("", "—")] + Party.Sex.choices, required=False)
    employee_phone = forms.CharField(label="Phone", max_length=40, required=False)
    employee_address = forms.CharField(
        label="Address", required=False, max_length=limit(Party, "address"), widget=forms.Textarea(attrs={"rows": 2})
    )
    claim_number = forms.CharField(max_length=60)
    date_of_injury = forms.DateField(label="Date of injury", widget=DateInput(attrs={"min": "1900-01-01"}))
    eams_number = forms.CharField(label="EAMS (ADJ) case number", max_length=40, required=False)
    wcis_number = forms.CharField(label="WCIS jurisdictional claim number", max_length=40, required=False)

    # Parties: typed names are matched to existing parties or create new ones.
    employer_name = forms.CharField(
        label="Employer", max_length=200, widget=forms.TextInput(attrs={"list": "organizations", "autocomplete": "off"})
    )
    claims_administrator_name = forms.CharField(
        label="Claims administrator", max_length=200,
        widget=forms.TextInput(attrs={"list": "organizations", "autocomplete": "off"}),
    )
    claims_administrator_phone = forms.CharField(label="Claims administrator phone", max_length=40, required=False)
    claims_administrator_address = forms.CharField(
        label="Claims administrator address", required=False, max_length=limit(Party, "address"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    medical_provider_network_name = forms.CharField(
        label="Medical provider network (MPN)", max_length=200, required=False,
        help_text="If the employee is treated in the claims administrator's MPN.",
        widget=forms.TextInput(attrs={"list": "organizations", "autocomplete": "off"}),
    )
    adjuster_name = forms.CharField(label="Claims adjuster / contact", max_length=120, required=False)
    adjuster_phone = forms.CharField(label="Adjuster phone", max_length=40, required=False)
    requesting_provider_name = forms.CharField(
        label="Requesting physician", max_length=200,
        widget=forms.TextInput(attrs={"list": "providers", "autocomplete": "off"}),
    )
    requesting_provider_specialty = forms.CharField(label="Physician type and specialty", max_length=120, required=False)
    medical_group_name = forms.CharField(
        label="Physician's medical group or IPA", max_length=200, required=False,
        widget=forms.TextInput(attrs={"list": "organizations", "autocomplete": "off"}),
    )
    treating_facility_name = forms.CharField(
        label="Facility where the treatment would be given", max_length=200, required=False,
        help_text="Hospital, surgery center or clinic, if the request names one.",
        widget=forms.TextInput(attrs={"list": "organizations", "autocomplete": "off"}),
    )
    attorney_name = forms.CharField(
        label="Employee's attorney (if represented)", max_length=200, required=False,
        widget=forms.TextInput(attrs={"list": "organizations", "autocomplete": "off"}),
    )

    # Disputed treatment
    diagnosis = forms.CharField(
        label="Primary diagnosis", required=False, max_length=limit(Case, "diagnosis"),
        help_text=limit_help(Case, "diagnosis"), widget=forms.Textarea(attrs={"rows": 2}),
    )
    diagnosis_icd = forms.CharField(label="ICD code", max_length=20, required=False)
    is_formulary_dispute = forms.BooleanField(
        label="Formulary medication dispute (decision due in 5 working days)", required=False
    )
    disputed_for_other_reasons = forms.BooleanField(
        label="Also disputed for reasons other than medical necessity", required=False
    )
    information_not_received = forms.BooleanField(
        label="Delayed or denied because requested information was not received (CNC)", required=False
    )

    # Exceptions the clerk must justify
    untimely_override_reason = forms.CharField(
        label="Reason to accept a late application",
        required=False,
        max_length=limit(Case, "untimely_override_reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=(
            f"The application arrived after the filing window ({deadlines.filing_window_days(Case.ServiceMethod.PERSONAL)} "
            f"days after service of the UR decision, {deadlines.filing_window_days(Case.ServiceMethod.MAIL)} if served by mail): "
            "say why it is accepted (e.g. proof that the UR decision was served late)."
        ),
    )
    allow_duplicate = forms.BooleanField(
        label="Register anyway: this is not a duplicate of the case(s) shown", required=False
    )
    # The clerk's answer when parties on file may be the ones typed: a
    # candidate's id or "new" (radio buttons under each party, see
    # cases/_party_candidates.html). Blank until candidates were shown.
    employee_party = forms.CharField(required=False, max_length=20)
    employer_party = forms.CharField(required=False, max_length=20)
    claims_administrator_party = forms.CharField(required=False, max_length=20)
    requesting_provider_party = forms.CharField(required=False, max_length=20)
    attorney_party = forms.CharField(required=False, max_length=20)
    medical_provider_network_party = forms.CharField(required=False, max_length=20)
    medical_group_party = forms.CharField(required=False, max_length=20)
    treating_facility_party = forms.CharField(required=False, max_length=20)

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.duplicates: list[Case] = []
        self.untimely = False
        self.candidate_groups: list[dict] = []
        for name in (
            "received_on", "ur_decision_date", "ur_decision_served_on", "date_of_injury", "rfa_date", "employee_date_of_birth",
        ):
            self.fields[name].widget.attrs["max"] = self.today.isoformat()
        self.fields["employee_date_of_birth"].widget.attrs["min"] = "1900-01-01"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(
                "Application",
                Row(Column("review_type", css_class="col-md-4"), Column("channel", css_class="col-md-4"),
                    Column("received_on", css_class="col-md-4")),
                Row(Column("ur_decision_date", css_class="col-md-4"), Column("ur_decision_served_on", css_class="col-md-4"),
                    Column("ur_decision_service", css_class="col-md-4")),
                Row(Column("rfa_date", css_class="col-md-4")),
            ),
            Fieldset(
                "Employee",
                Row(Column("employee_first_name", css_class="col-md-4"), Column("employee_last_name", css_class="col-md-4"),
                    Column("employee_date_of_birth", css_class="col-md-2"), Column("employee_sex", css_class="col-md-2")),
                Row(Column("claim_number", css_class="col-md-4"), Column("date_of_injury", css_class="col-md-4"),
                    Column("employee_phone", css_class="col-md-4")),
                Row(Column("eams_number", css_class="col-md-4"), Column("wcis_number", css_class="col-md-4"),
                    Column("employee_address", css_class="col-md-4")),
                HTML('{% include "cases/_party_candidates.html" with role="employee" %}'),
            ),
            Fieldset(
                "Employer and claims administrator",
                Row(Column("employer_name", css_class="col-md-4"), Column("claims_administrator_name", css_class="col-md-4"),
                    Column("medical_provider_network_name", css_class="col-md-4")),
                Row(Column("claims_administrator_phone", css_class="col-md-3"), Column("claims_administrator_address", css_class="col-md-3"),
                    Column("adjuster_name", css_class="col-md-3"), Column("adjuster_phone", css_class="col-md-3")),
                HTML('{% include "cases/_party_candidates.html" with role="employer" %}'),
                HTML('{% include "cases/_party_candidates.html" with role="claims_administrator" %}'),
                HTML('{% include "cases/_party_candidates.html" with role="medical_provider_network" %}'),
            ),
            Fieldset(
                "Requesting physician and representative",
                Row(Column("requesting_provider_name", css_class="col-md-4"), Column("requesting_provider_specialty", css_class="col-md-4"),
                    Column("attorney_name", css_class="col-md-4")),
                Row(Column("medical_group_name", css_class="col-md-4"), Column("treating_facility_name", css_class="col-md-4")),
                HTML('{% include "cases/_party_candidates.html" with role="requesting_provider" %}'),
                HTML('{% include "cases/_party_candidates.html" with role="attorney" %}'),
                HTML('{% include "cases/_party_candidates.html" with role="medical_group" %}'),
                HTML('{% include "cases/_party_candidates.html" with role="treating_facility" %}'),
            ),
            Fieldset(
                "Disputed medical treatment",
                Row(Column("diagnosis", css_class="col-md-8"), Column("diagnosis_icd", css_class="col-md-4")),
                "is_formulary_dispute",
                "disputed_for_other_reasons",
                "information_not_received",
            ),
        )
        # The formset of disputed items and the exceptions follow in the
        # template. Each exception appears only when it applies (issue 19
        # item 11): the late-application reason once the dates make the
        # application late (static/js/case-form.js shows it as the dates are
        # typed), "register anyway" once a likely duplicate was found.

    def clean_claim_number(self):
        value = clean_identifier(self.cleaned_data["claim_number"])
        if not has_visible_text(value):
            raise forms.ValidationError("Type the claim number: this one has no visible characters.")
        return value

    @property
    def needs_party_choice(self) -> bool:
        return any(group["error"] for group in self.candidate_groups)

    @property
    def only_party_choices_missing(self) -> bool:
        """Every error is a party to choose: the form asks rather than refuses."""
        return bool(self.errors) and all(name.endswith("_party") for name in self.errors)

    def _employee_probe(self) -> Party | None:
        data = self.cleaned_data
        name = f"{data.get('employee_first_name', '')} {data.get('employee_last_name', '')}".strip()
        if not name:
            return None
        # An unsaved party, only to ask the duplicate rule about this employee.
        return Party(
            kind=Party.Kind.PERSON, name=name, normalized_name=normalize_name(name), name_key=name_key(name),
            date_of_birth=data.get("employee_date_of_birth"),
        )

    def _check_party_choices(self) -> None:
        """Offer the parties on file that may be the ones typed; the clerk must answer (issue 19 item 1).

        The same candidates `cases.services.party_resolve` accepts, so an
        answer given here is one the service takes.
        """
        inputs = self._party_inputs()
        for role, kind, noun in PARTY_ROLES:
            party_input = inputs.get(role)
            if party_input is None:
                continue
            candidates = selectors.party_candidates(kind=kind, name=party_input.name, details=party_input.details)
            if not candidates:
                continue
            field_name = f"{role}_party"
            choice = (self.cleaned_data.get(field_name) or "").strip()
            error = ""
            if not choice:
                error = f"Choose who this is: one on file, or a new {noun}."
            elif choice != services.NEW_PARTY and choice not in {str(c.pk) for c in candidates}:
                error = "The name was changed: choose again."
            if error:
                self.add_error(field_name, error)
            self.candidate_groups.append({
                "role": role, "label": ROLE_LABELS[role], "noun": noun, "field": field_name, "name": party_input.name,
                "candidates": candidates, "choice": choice if not error.startswith("The name") else "", "error": error,
            })

    def clean(self):
        data = super().clean()
        received, ur_date, injury = data.get("received_on"), data.get("ur_decision_date"), data.get("date_of_injury")
        for name in ("rfa_date", "employee_date_of_birth"):
            if data.get(name) and data[name] > self.today:
                self.add_error(name, "cannot be in the future")
        if received and ur_date and injury:
            served_on = data.get("ur_decision_served_on") or ur_date
            problems = services.case_date_problems(
                received_on=received, ur_decision_date=ur_date, date_of_injury=injury,
                ur_decision_served_on=served_on, today=self.today,
                date_of_birth=data.get("employee_date_of_birth"), rfa_date=data.get("rfa_date"),
            )
            for problem in problems:
                if problem.field == "date_of_birth":
                    problem.field = "employee_date_of_birth"
                if problem.field not in self.errors:  # one message per field is enough
                    add_service_error(self, problem)
            # The registration service's own rule, asked early so the reason box shows with the other errors.
            late = None if problems else services.filing_window_refusal(
                received_on=received, served_on=served_on, service=data.get("ur_decision_service") or Case.ServiceMethod.MAIL
            )
            if late is not None and late.code == "untimely":
                self.untimely = True
                if not (data.get("untimely_override_reason") or "").strip():
                    self.add_error("untimely_override_reason", f"{late.message[0].upper()}{late.message[1:]}. Give a reason to register it anyway.")
        if all(data.get(f) for f in ("employee_first_name", "employee_last_name", "employer_name",
                                     "claims_administrator_name", "requesting_provider_name")):
            self._check_party_choices()
        return data

    def check_duplicates(self, descriptions: list[str]) -> None:
        """Needs the items too, so the view calls it after both forms are valid."""
        data = self.cleaned_data
        employee = self._employee_probe()
        if employee is None or not data.get("claim_number") or not data.get("ur_decision_date"):
            return
        self.duplicates = services.find_duplicates(
            employee=employee, claim_number=data["claim_number"], ur_decision_date=data["ur_decision_date"],
            descriptions=descriptions,
        )
        if self.duplicates and not data.get("allow_duplicate"):
            numbers = ", ".join(c.number for c in self.duplicates)
            self.add_error("claim_number", f"Likely duplicate of {numbers}: check it, or tick “Register anyway”.")

    def parties(self) -> dict:
        """The parties typed, each with the clerk's answer about the candidates shown."""
        inputs = self._party_inputs()
        asked = {group["role"] for group in self.candidate_groups}
        for role, party_input in inputs.items():
            if party_input is not None and role in asked:
                party_input.choice = (self.cleaned_data.get(f"{role}_party") or "").strip() or None
        return inputs

    def _party_inputs(self) -> dict:
        d = self.cleaned_data
        return {
            "employee": services.PartyInput(
                kind=Party.Kind.PERSON,
                name=f"{d['employee_first_name'].strip()} {d['employee_last_name'].strip()}",
                details={
                    "first_name": d["employee_first_name"].strip(),
                    "last_name": d["employee_last_name"].strip(),
                    "date_of_birth": d.get("employee_date_of_birth"),
                    "sex": d.get("employee_sex") or "",
                    "phone": d.get("employee_phone", ""),
                    "address": d.get("employee_address", ""),
                },
            ),
            "employer": services.PartyInput(kind=Party.Kind.ORGANIZATION, name=d["employer_name"]),
            "claims_administrator": services.PartyInput(
                kind=Party.Kind.ORGANIZATION,
                name=d["claims_administrator_name"],
                details={"phone": d.get("claims_administrator_phone", ""), "address": d.get("claims_administrator_address", "")},
            ),
            "requesting_provider": services.PartyInput(
                kind=Party.Kind.PERSON, name=d["requesting_provider_name"],
                details={"specialty": d.get("requesting_provider_specialty", "")},
            ),
            "attorney": services.PartyInput(kind=Party.Kind.ORGANIZATION, name=d["attorney_name"])
            if d.get("attorney_name", "").strip() else None,
            # Optional organizations the conflict-of-interest check compares (LC 139.5).
            **{
                role: services.PartyInput(kind=Party.Kind.ORGANIZATION, name=d[f"{role}_name"].strip())
                if d.get(f"{role}_name", "").strip() else None
                for role in ("medical_provider_network", "medical_group", "treating_facility")
            },
        }

    def case_data(self) -> dict:
        d = self.cleaned_data
        keys = (
            "review_type", "received_on", "channel", "ur_decision_date", "ur_decision_served_on", "ur_decision_service",
            "rfa_date", "date_of_injury", "claim_number",
            "eams_number", "wcis_number", "adjuster_name", "adjuster_phone", "diagnosis", "diagnosis_icd",
            "is_formulary_dispute", "disputed_for_other_reasons", "information_not_received",
        )
        return {k: d.get(k) if not isinstance(d.get(k), str) else d[k].strip() for k in keys}


class DisputedItemForm(forms.Form):
    description = forms.CharField(
        label="Treatment as requested", max_length=limit(DisputedItem, "description"),
        widget=forms.TextInput(attrs={"placeholder": "Eight (8) physical therapy visits"}),
    )
    category = forms.ChoiceField(label="Category", choices=[("", "—")] + TreatmentCategory.choices)
    ur_decision = forms.ChoiceField(
        label="UR decision", choices=DisputedItem.URDecision.choices, initial=DisputedItem.URDecision.DENIED
    )
    claims_administrator_guideline = forms.CharField(
        label="Guideline the claims administrator cited", required=False,
        max_length=limit(DisputedItem, "claims_administrator_guideline"),
        widget=forms.TextInput(attrs={"placeholder": "Blank: cited no medical evidence"}),
    )
    # Offered (static/js/manufacturer.js) for the categories of drugs and
    # devices; accepted for any category, since a device can come under another.
    manufacturer = forms.CharField(
        label="Manufacturer", max_length=200, required=False,
        widget=forms.TextInput(attrs={"list": "organizations", "autocomplete": "off", "placeholder": "Of the drug or device"}),
    )

    MANUFACTURED_CATEGORIES = MANUFACTURED_CATEGORIES


class BaseItemFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.items():
            raise forms.ValidationError("Add at least one disputed treatment.")

    def items(self) -> list[services.ItemData]:
        result = []
        for form in self.forms:
            if not form.has_changed() or (self.can_delete and self._should_delete_form(form)):
                continue
            d = form.cleaned_data
            result.append(
                services.ItemData(
                    description=d["description"], category=d["category"], ur_decision=d["ur_decision"],
                    claims_administrator_guideline=d.get("claims_administrator_guideline", ""),
                    manufacturer=services.PartyInput(kind=Party.Kind.ORGANIZATION, name=d["manufacturer"].strip())
                    if d.get("manufacturer", "").strip() else None,
                )
            )
        return result


DisputedItemFormSet = forms.formset_factory(
    DisputedItemForm, formset=BaseItemFormSet, extra=1, can_delete=True, max_num=50, validate_max=True
)


class ScreeningForm(forms.Form):
    """The eligibility checklist of domain.md §2.3."""

    signature_present = forms.BooleanField(label="Signed by the employee or representative", required=False)
    ur_decision_attached = forms.BooleanField(label="Copy of the UR decision attached", required=False)
    conditional_non_certification = forms.BooleanField(
        label="The UR decision is a conditional non-certification (information not received)", required=False
    )
    liability_disputed = forms.BooleanField(
        label="The claims administrator disputes liability (defers the review)", required=False
    )
    untimely_override_reason = forms.CharField(
        label="Reason to accept a late application", required=False, max_length=limit(Case, "untimely_override_reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(label="Note", required=False, max_length=limit(Case, "eligibility_note"),
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, case: Case, **kwargs):
        # Nothing is ticked for the clerk (issue 19 item 11): each box is a
        # finding about the papers, made by looking at them. What the
        # application itself says is shown beside the box instead.
        kwargs.setdefault("initial", {
            "untimely_override_reason": case.untimely_override_reason if case.is_untimely else "",
            "note": case.eligibility_note,
        })
        super().__init__(*args, **kwargs)
        if case.information_not_received:
            self.fields["conditional_non_certification"].help_text = (
                "The application says the treatment was delayed or denied because information was not received."
            )
        # The late-application exception exists only for a late application.
        if not case.is_untimely:
            del self.fields["untimely_override_reason"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class DocumentForm(forms.Form):
    file = forms.FileField(label="PDF", widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))
    kind = forms.ChoiceField(choices=CaseDocument.Kind.choices, initial=CaseDocument.Kind.MEDICAL_RECORD)
    title = forms.CharField(max_length=255, required=False, help_text="Blank: the file name.")
    author = forms.CharField(max_length=200, required=False)
    dated = forms.DateField(label="Document date", required=False, widget=DateInput())
    # The records checklist (correspondence): who sent it and which required record it is.
    received_from = forms.ChoiceField(
        label="Received from", required=False,
        choices=[("", "—")] + [(r.value, r.label) for r in PartyRole if r != PartyRole.ADMINISTRATIVE_DIRECTOR],
    )
    records_category = forms.ChoiceField(label="Records category", required=False, choices=[("", "None")] + RecordsCategory.choices)


class BaseDocumentFormSet(forms.BaseFormSet):
    def uploads(self) -> list[services.DocumentUpload]:
        return [
            services.DocumentUpload(
                uploaded_file=f.cleaned_data["file"], kind=f.cleaned_data["kind"], author=f.cleaned_data.get("author", ""),
                dated=f.cleaned_data.get("dated"), title=f.cleaned_data.get("title", ""),
                received_from=f.cleaned_data.get("received_from", ""), records_category=f.cleaned_data.get("records_category", ""),
            )
            for f in self.forms
            if f.has_changed() and f.cleaned_data.get("file") and not self._should_delete_form(f)
        ]


DocumentFormSet = forms.formset_factory(
    DocumentForm, formset=BaseDocumentFormSet, extra=1, can_delete=True, max_num=20, validate_max=True
)


class RecordsCompleteForm(forms.Form):
    """The date only; the service says which dates and cases it accepts (`cases.permissions`)."""

    on = forms.DateField(label="Records complete on", widget=DateInput())
    note = forms.CharField(label="Note (optional)", required=False, max_length=2000)


class ExpediteForm(forms.Form):
    """The date only; the service says which dates and cases it accepts (`cases.permissions`).
    The browser's date picker is bounded the same way, as a hint."""

    on = forms.DateField(
        label="Physician's certification received on", widget=DateInput(),
        help_text="On or after the day the application was received; not in the future.",
    )

    def __init__(self, *args, case: Case | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].widget.attrs["max"] = timezone.localdate().isoformat()
        if case is not None:
            self.fields["on"].widget.attrs["min"] = case.received_on.isoformat()


class AssignForm(forms.Form):
    """Offers only eligible reviewers; the service checks again whatever is posted."""

    reviewer = forms.IntegerField(widget=forms.HiddenInput)


class WithdrawAssignmentForm(forms.Form):
    """Intake takes the case back from the reviewer (reviewers.services.assignment_withdraw)."""

    reason = forms.CharField(
        label="Reason for taking the case back", max_length=limit(Assignment, "withdrawal_reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The reviewer is told, with this reason.",
        error_messages={"required": "Say why the case is taken back from the reviewer."},
    )


class WithdrawDocumentForm(forms.Form):
    """Intake or an admin takes a misfiled document off the case (cases.services.document_withdraw)."""

    reason = forms.CharField(
        label="Reason", max_length=limit(CaseDocument, "withdrawal_reason"),
        widget=forms.TextInput(attrs={"placeholder": "e.g. another patient's records"}),
        error_messages={"required": "Say why the document is withdrawn."},
    )
