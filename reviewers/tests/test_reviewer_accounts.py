"""Issue 19 item 3: import_cases could give a staff account the reviewer role
(a bundle whose reviewer email was the intake clerk's), who could then assign
cases to herself. A reviewer profile goes only on a reviewer's account, and
nobody assigns a case to themselves, whoever calls."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from cases import services as case_services
from imrsite.errors import ServiceError
from imrsite.tests.admin_objects import form_data
from reviewers import services
from reviewers.models import Assignment, Reviewer
from tests.factories import CaseFactory, DisputedItemFactory, ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db


def data(email, **changes):
    fields = dict(
        email=email, first_name="Inés", last_name="Carrillo", active_practice_since=2001, weekly_practice_hours=30,
        board_certifications=["Physical Medicine & Rehabilitation"],
        licenses=[services.LicenseData(state="CA", number="A77001", expires_on=date(2031, 1, 1))],
    )
    fields.update(changes)
    return services.ReviewerData(**fields)


@pytest.mark.parametrize("role", [Role.INTAKE, Role.ADMIN, None])
def test_upsert_refuses_an_existing_account_that_is_not_a_reviewers(role):
    user = UserFactory(email="staff@example.org", role=role)
    with pytest.raises(ServiceError) as refused:
        services.reviewer_upsert(data=data("STAFF@example.org"))
    assert (refused.value.field, refused.value.code) == ("email", "not_reviewer_account")
    assert not Reviewer.objects.exists()
    assert not user.groups.filter(name=Role.REVIEWER).exists()


def test_upsert_refuses_an_account_whose_reviewer_role_was_taken_away():
    reviewer = ReviewerFactory()
    reviewer.user.groups.remove(Group.objects.get(name=Role.REVIEWER))
    with pytest.raises(ServiceError, match="not in the reviewer role"):
        services.reviewer_upsert(data=data(reviewer.user.email, weekly_practice_hours=40))
    assert not reviewer.user.groups.filter(name=Role.REVIEWER).exists()


def test_upsert_attaches_to_a_reviewer_account_and_updates_a_reviewer():
    user = UserFactory(email="new.doc@example.org", role=Role.REVIEWER)
    reviewer = services.reviewer_upsert(data=data("new.doc@example.org"))
    assert reviewer.user == user
    again = services.reviewer_upsert(data=data("new.doc@example.org", weekly_practice_hours=40))
    assert again.pk == reviewer.pk and again.weekly_practice_hours == 40


def test_upsert_creates_a_reviewer_account_for_a_new_email():
    reviewer = services.reviewer_upsert(data=data("brand.new@example.org"))
    assert reviewer.user.groups.filter(name=Role.REVIEWER).exists()
    assert not reviewer.user.has_usable_password()


def test_import_cannot_make_the_intake_clerk_a_reviewer(tmp_path):
    from cases.tests.test_import import refused, seed_case

    clerk = UserFactory(email="ines.carrillo@example.org", role=Role.INTAKE)
    case = seed_case()
    case["reviewer"]["email"] = "Ines.Carrillo@example.org"
    assert refused(tmp_path, case) == [
        "cases[0].reviewer.email: an account with this email exists and is not in the reviewer role; "
        "a reviewer profile is attached only to a reviewer's account"
    ]
    assert not Reviewer.objects.exists()
    assert list(clerk.groups.values_list("name", flat=True)) == [Role.INTAKE]


def test_admin_refuses_a_reviewer_profile_on_a_staff_account(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    clerk = UserFactory(role=Role.INTAKE)
    doctor = UserFactory(role=Role.REVIEWER)
    url = reverse("admin:reviewers_reviewer_add")
    post = form_data(client.get(url))
    post.update({"degree": "MD", "active_practice_since": "2001", "weekly_practice_hours": "30", "capacity": "25"})
    response = client.post(url, {**post, "user": str(clerk.pk)})
    assert response.status_code == 200
    assert "is not in the reviewer role" in response.content.decode()
    assert not Reviewer.objects.exists()
    assert client.post(url, {**post, "user": str(doctor.pk)}).status_code == 302
    assert Reviewer.objects.get().user == doctor


# --- nobody assigns a case to themselves --------------------------------------------

@pytest.fixture
def clerk_who_reviews():
    """An account with both roles (an admin made it so): it may review, never its own assignment."""
    reviewer = ReviewerFactory()
    reviewer.user.groups.add(Group.objects.get(name=Role.INTAKE))
    return reviewer


@pytest.fixture
def eligible_case():
    case = CaseFactory()
    DisputedItemFactory(case=case)
    return case_services.case_mark_eligible(case=case, assigned_on=timezone.localdate())


def test_the_service_refuses_an_assignment_by_the_reviewer(clerk_who_reviews, eligible_case):
    with pytest.raises(ServiceError) as refused:
        services.reviewer_assign(case=eligible_case, reviewer=clerk_who_reviews, assigned_by=clerk_who_reviews.user)
    assert (refused.value.field, refused.value.code) == ("reviewer", "self_assignment")
    assert not Assignment.objects.exists()
    # Another clerk may offer them the case.
    other = UserFactory(role=Role.INTAKE)
    assert services.reviewer_assign(case=eligible_case, reviewer=clerk_who_reviews, assigned_by=other).assigned_by == other


def test_the_intake_page_refuses_it_too(client, clerk_who_reviews, eligible_case):
    client.force_login(clerk_who_reviews.user)
    response = client.post(reverse("cases:assign", args=[eligible_case.number]), {"reviewer": clerk_who_reviews.pk})
    assert response.status_code == 400
    assert "you cannot assign a case to yourself" in response.content.decode()
    assert not Assignment.objects.exists()
