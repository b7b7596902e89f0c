"""Reviewer, credential, specialty and assignment admin."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from imrsite.tests.admin_objects import assigned_case, form_data
from reviewers.models import Affiliation, Assignment, License, Reviewer, Specialty
from tests.factories import OrganizationFactory, ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:reviewers_reviewer_changelist"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    return client


def test_list_shows_the_eligibility_summary(admin_client):
    year = timezone.localdate().year
    seasoned = ReviewerFactory(active_practice_since=year - 20, weekly_practice_hours=32, user__last_name="Okafor")
    junior = ReviewerFactory(active_practice_since=year - 5, weekly_practice_hours=20, license=False, user__last_name="Lindqvist")
    License.objects.create(reviewer=junior, state="TX", number="TX1", expires_on=timezone.localdate() - timedelta(days=1))
    assigned_case(reviewer=seasoned)
    response = admin_client.get(reverse(CHANGELIST))
    rows = {r.pk: r for r in response.context["cl"].result_list}
    model_admin = response.context["cl"].model_admin
    assert model_admin.practice_years(rows[seasoned.pk]) == "20"
    assert model_admin.practice_years(rows[junior.pk]) == "5 (too few)"
    assert model_admin.license_standing(rows[seasoned.pk]) == "Good: CA"
    assert model_admin.license_standing(rows[junior.pk]) == "Not in good standing"
    assert model_admin.open_cases(rows[seasoned.pk]) == 1
    assert model_admin.specialties(rows[seasoned.pk]) == "Physical Medicine & Rehabilitation"
    body = response.content.decode()
    assert "Okafor" in body and "Lindqvist" in body


def test_license_standing_filter(admin_client):
    good = ReviewerFactory()
    lapsed = ReviewerFactory(license=False)
    License.objects.create(reviewer=lapsed, state="CA", number="L-1", expires_on=timezone.localdate(), restricted=True)
    listed = admin_client.get(reverse(CHANGELIST), {"license": "good"}).context["cl"].result_list
    assert [r.pk for r in listed] == [good.pk]
    listed = admin_client.get(reverse(CHANGELIST), {"license": "none"}).context["cl"].result_list
    assert [r.pk for r in listed] == [lapsed.pk]


def test_change_page_has_credentials_and_affiliations(admin_client):
    reviewer = ReviewerFactory(affiliations=["Golden Gate Orthopedics"])
    body = admin_client.get(reverse("admin:reviewers_reviewer_change", args=[reviewer.pk])).content.decode()
    assert reviewer.licenses.get().number in body
    assert "Physical Medicine &amp; Rehabilitation" in body
    assert "Golden Gate Orthopedics" in body


def test_an_affiliation_added_inline_counts_in_the_conflict_check(admin_client):
    reviewer = ReviewerFactory()
    party = OrganizationFactory(name="Golden State Claims Services, Inc.")
    url = reverse("admin:reviewers_reviewer_change", args=[reviewer.pk])
    data = form_data(admin_client.get(url))
    data.update({
        "affiliations-TOTAL_FORMS": "1",
        "affiliations-0-name": "",
        "affiliations-0-party": str(party.pk),
        "affiliations-0-kind": Affiliation.Kind.FINANCIAL,
        "affiliations-0-reviewer": str(reviewer.pk),
        "weekly_practice_hours": "30",
    })
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and [f.formset.errors for f in response.context["inline_admin_formsets"]]
    affiliation = reviewer.affiliations.get()
    assert affiliation.name == party.name
    assert affiliation.normalized_name == "golden state claims services"
    assert Reviewer.objects.get(pk=reviewer.pk).weekly_practice_hours == 30


def test_assignments_are_read_only(admin_client):
    assignment = assigned_case()
    url = reverse("admin:reviewers_assignment_change", args=[assignment.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert admin_client.post(url, {"status": "withdrawn"}).status_code == 403
    assert admin_client.get(reverse("admin:reviewers_assignment_add")).status_code == 403
    assert admin_client.get(reverse("admin:reviewers_assignment_delete", args=[assignment.pk])).status_code == 403
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.OFFERED


def test_specialty_shows_its_fits(admin_client):
    specialty = Specialty.objects.get(name="Psychiatry")
    response = admin_client.get(reverse("admin:reviewers_specialty_changelist"), {"q": "Psychiatry"})
    row = response.context["cl"].result_list[0]
    assert "Behavioral/Mental Health (1)" in response.context["cl"].model_admin.categories(row)
    body = admin_client.get(reverse("admin:reviewers_specialty_change", args=[specialty.pk])).content.decode()
    assert "Behavioral/Mental Health" in body


def test_user_autocomplete_for_a_new_reviewer(admin_client):
    UserFactory(username="drkim", last_name="Kim")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "kim", "app_label": "reviewers", "model_name": "reviewer", "field_name": "user"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Pat Kim (drkim)"]


def test_an_affiliation_needs_a_name_or_a_party(admin_client):
    reviewer = ReviewerFactory()
    url = reverse("admin:reviewers_reviewer_change", args=[reviewer.pk])
    data = form_data(admin_client.get(url))
    data.update({
        "affiliations-TOTAL_FORMS": "1", "affiliations-0-name": " ", "affiliations-0-party": "",
        "affiliations-0-kind": Affiliation.Kind.FAMILIAL, "affiliations-0-reviewer": str(reviewer.pk),
    })
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert not reviewer.affiliations.exists()
