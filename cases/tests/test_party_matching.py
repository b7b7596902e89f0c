"""Issue 19 item 1: people are never merged on a name.

At the intake form, parties on file that may be the ones typed are shown
with what identifies them, and the clerk chooses one or a new one; nothing
typed is lost. The importer matches on what identifies a party and reports
what differs.
"""

import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases.models import Case, Party
from tests.factories import CaseFactory

from .test_import import seed_case
from .test_views import new_case_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def intake(client, intake_user):
    client.force_login(intake_user)
    return client


@pytest.fixture
def maria():
    """The person on file: Maria T. Esperanza, with a birth date, phone, address, and a case of her own."""
    person = Party.objects.create(
        kind=Party.Kind.PERSON, name="Maria T. Esperanza", first_name="Maria T.", last_name="Esperanza",
        date_of_birth=date(1961, 5, 9), sex="female", phone="555-0199", address="9 Old Rd, Visalia",
    )
    CaseFactory(employee=person, claim_number="OLD-CLAIM-7")
    return person


def maria_post(**overrides):
    """The clerk's entry from the report: "Maria T. Esperanza", no birth date, new phone and address."""
    return new_case_post(**{
        "employee_first_name": "Maria T.", "employee_last_name": "Esperanza", "employee_date_of_birth": "",
        "employee_phone": "555-0123", "employee_address": "12 New St, Fresno", "employee_sex": "",
        **overrides,
    })


def test_a_namesake_is_offered_with_what_identifies_her_and_nothing_is_registered(intake, maria):
    response = intake.post(reverse("cases:new"), maria_post())
    assert response.status_code == 400
    assert Case.objects.filter(employee__name_key="esperanza maria").count() == 1  # only her old case
    html = response.content.decode()
    group = html[html.index('id="candidates-employee"'):]
    group = group[:group.index("</fieldset>")]
    # Who she is: birth date, phone, address, her claim; and the way out: a new person.
    for fact in ("Maria T. Esperanza", "born May 9, 1961", "555-0199", "9 Old Rd, Visalia", "OLD-CLAIM-7"):
        assert fact in group, fact
    assert f'name="employee_party" value="{maria.pk}"' in group
    assert 'name="employee_party" value="new"' in group
    # Nothing pre-chosen, and what was typed is still in the form.
    assert "checked" not in group
    assert 'value="555-0123"' in html and "12 New St, Fresno" in html
    # What choosing her would change is said before the choice.
    assert "phone changes from “555-0199” to “555-0123”" in group


def test_a_new_person_keeps_every_detail_typed(intake, maria):
    response = intake.post(reverse("cases:new"), maria_post(employee_party="new"))
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert case.employee != maria
    assert (case.employee.phone, case.employee.address, case.employee.date_of_birth) == ("555-0123", "12 New St, Fresno", None)
    maria.refresh_from_db()
    assert (maria.phone, maria.address) == ("555-0199", "9 Old Rd, Visalia")


def test_choosing_her_stores_what_was_typed_on_her(intake, maria):
    response = intake.post(reverse("cases:new"), maria_post(employee_party=str(maria.pk)))
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert case.employee == maria
    maria.refresh_from_db()
    assert (maria.phone, maria.address, maria.date_of_birth) == ("555-0123", "12 New St, Fresno", date(1961, 5, 9))


def test_someone_born_on_another_day_is_not_offered_and_not_merged(intake, maria):
    response = intake.post(reverse("cases:new"), maria_post(employee_date_of_birth="1984-02-02"))
    assert response.status_code == 302
    assert Case.objects.latest("pk").employee != maria


def test_an_answer_that_no_longer_fits_the_name_is_asked_again(intake, maria):
    other = Party.objects.create(kind=Party.Kind.PERSON, name="Ana Ruiz")
    response = intake.post(reverse("cases:new"), maria_post(employee_party=str(other.pk)))
    assert response.status_code == 400
    assert response.context["form"].errors["employee_party"] == ["The name was changed: choose again."]
    assert Case.objects.count() == 1


def test_organizations_and_physicians_are_offered_too(intake):
    employer = Party.objects.create(kind=Party.Kind.ORGANIZATION, name="Central Valley Packing, Inc.", address="1 Plant Way")
    doctor = Party.objects.create(kind=Party.Kind.PERSON, name="Alan Whitfield, MD", specialty="Orthopaedic Surgery")
    response = intake.post(reverse("cases:new"), new_case_post())
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"employer_party", "requesting_provider_party"}
    html = response.content.decode()
    assert "1 Plant Way" in html and "Orthopaedic Surgery" in html
    assert "Not registered yet: some of the parties you typed may already be on file" in html
    response = intake.post(reverse("cases:new"), new_case_post(employer_party=str(employer.pk), requesting_provider_party=str(doctor.pk)))
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.employer, case.requesting_provider) == (employer, doctor)


# --- the importer ----------------------------------------------------------------------

def run_import(tmp_path, case) -> str:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps({"cases": [case]}), encoding="utf-8")
    out = io.StringIO()
    call_command("import_cases", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_never_merges_a_person_on_a_name_and_says_so(tmp_path, maria):
    spec = seed_case()
    del spec["case_number"]
    spec["employee"] = {"first_name": "Maria", "last_name": "Esperanza", "date_of_birth": "1975-01-01", "sex": "female"}
    out = run_import(tmp_path, spec)
    case = Case.objects.latest("pk")
    assert case.employee != maria and case.employee.date_of_birth == date(1975, 1, 1)
    assert f"cases[0].employee: not merged with 1 party(ies) of the same name (id {maria.pk})" in out


def test_import_matches_on_name_and_birth_date_and_reports_what_differs(tmp_path, maria):
    spec = seed_case()
    del spec["case_number"]
    spec["employee"] = {"first_name": "María", "last_name": "Esperanza", "date_of_birth": "1961-05-09", "sex": "unspecified"}
    out = run_import(tmp_path, spec)
    assert Case.objects.latest("pk").employee == maria
    assert f"cases[0].employee: matched party {maria.pk}; differs: sex (on file: female, here: unspecified)" in out
    maria.refresh_from_db()
    assert maria.sex == "female"  # reported, not overwritten


def test_the_same_new_organization_typed_twice_is_one_party_not_a_question(intake):
    """A self-insured employer is its own claims administrator: typed twice on one form, registered once."""
    response = intake.post(reverse("cases:new"), new_case_post(
        employer_name="Fresno Unified School District", claims_administrator_name="Fresno Unified School District"
    ))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.employer == case.claims_administrator


def test_the_conflict_parties_are_offered_like_the_others(intake):
    """The optional organizations the conflict check compares (MPN, medical group, facility) are
    rows too: an existing one is chosen, not merged on its name."""
    group = Party.objects.create(kind=Party.Kind.ORGANIZATION, name="Valley Orthopaedic Medical Group")
    response = intake.post(reverse("cases:new"), new_case_post(medical_group_name="Valley Orthopaedic Medical Group, Inc."))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"medical_group_party"}
    assert 'id="candidates-medical_group"' in response.content.decode()
    response = intake.post(reverse("cases:new"), new_case_post(
        medical_group_name="Valley Orthopaedic Medical Group, Inc.", medical_group_party=str(group.pk)
    ))
    assert response.status_code == 302
    assert Case.objects.get().medical_group == group
