"""Issue 11, "also seen": a reviewer whose practice began after the assignment
date was shown as "-9 years of active practice". The impossible date is
refused at entry (model, admin, service, import) and no page prints negative
years."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from imrsite.errors import ServiceError
from imrsite.tests.admin_objects import form_data
from reviewers import services
from reviewers.models import Reviewer
from reviewers.selectors import reviewer_check
from tests.factories import CaseFactory, DisputedItemFactory, ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db


def this_year():
    return timezone.localdate().year


@pytest.mark.parametrize("offset, ok", [(-1, True), (0, True), (1, False), (10, False)])
def test_the_model_refuses_a_practice_start_in_the_future(offset, ok):
    reviewer = ReviewerFactory()
    reviewer.active_practice_since = this_year() + offset
    if ok:
        reviewer.full_clean()
    else:
        with pytest.raises(ValidationError) as refused:
            reviewer.full_clean()
        assert "active_practice_since" in refused.value.message_dict


def test_the_model_refuses_a_year_before_1900():
    reviewer = ReviewerFactory()
    reviewer.active_practice_since = 1899
    with pytest.raises(ValidationError):
        reviewer.full_clean()


def _data(year):
    return services.ReviewerData(
        email="future@example.org", first_name="Fu", last_name="Ture", active_practice_since=year, weekly_practice_hours=30,
    )


@pytest.mark.parametrize("offset, ok", [(0, True), (1, False)])
def test_the_service_refuses_it_for_every_caller(offset, ok):
    if ok:
        assert services.reviewer_upsert(data=_data(this_year() + offset)).active_practice_since == this_year()
        return
    with pytest.raises(ServiceError) as refused:
        services.reviewer_upsert(data=_data(this_year() + offset))
    assert (refused.value.field, refused.value.code) == ("active_practice_since", "future_practice_start")
    assert not Reviewer.objects.exists()


def test_admin_refuses_it_beside_the_field(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    reviewer = ReviewerFactory()
    url = reverse("admin:reviewers_reviewer_change", args=[reviewer.pk])
    data = form_data(client.get(url))
    data["active_practice_since"] = str(this_year() + 1)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Active practice cannot begin in the future" in response.content.decode()
    reviewer.refresh_from_db()
    assert reviewer.active_practice_since == this_year() - 20


def test_admin_list_never_shows_negative_years(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    reviewer = ReviewerFactory()
    Reviewer.objects.filter(pk=reviewer.pk).update(active_practice_since=this_year() + 9)  # a row from before the rule
    response = client.get(reverse("admin:reviewers_reviewer_changelist"))
    row = response.context["cl"].result_list[0]
    assert response.context["cl"].model_admin.practice_years(row) == f"begins {this_year() + 9}"


@pytest.mark.parametrize(
    "since, message",
    [
        (2013, "0 years of active practice (more than 5 required)"),
        (2014, "active practice began in 2014, after Jun 12, 2013"),
        (2022, "active practice began in 2022, after Jun 12, 2013"),
    ],
)
def test_the_rule_judged_at_a_past_date_never_prints_negative_years(since, message):
    case = CaseFactory()
    DisputedItemFactory(case=case)
    reviewer = ReviewerFactory(active_practice_since=since)
    result = reviewer_check(reviewer=reviewer, case=case, on=date(2013, 6, 12))
    practice = [f.message for f in result.problems if f.code == "practice_years"]
    assert practice == [message]
    assert "-" not in message


def test_import_refuses_a_practice_start_after_the_assignment_naming_the_case(tmp_path):
    from cases.tests.test_import import refused, seed_case

    case = seed_case()
    case["reviewer"]["active_practice_since"] = 2015  # assigned 2013-07-26
    assert refused(tmp_path, case) == [
        "cases[0].reviewer: Morgan Ellison cannot be assigned: active practice began in 2015, after Jul 26, 2013"
    ]


def test_import_refuses_a_practice_start_in_the_future(tmp_path):
    from cases.tests.test_import import refused, seed_case

    case = seed_case()
    case["reviewer"]["active_practice_since"] = this_year() + 1
    assert refused(tmp_path, case) == [
        f"cases[0].reviewer.active_practice_since: Active practice cannot begin in the future ({this_year() + 1})."
    ]


def test_suggestions_on_the_case_page_never_show_negative_years(client, intake_user):
    from cases import services as case_services

    case = CaseFactory(received_on=timezone.localdate() - timedelta(days=3))
    DisputedItemFactory(case=case)
    case = case_services.case_mark_eligible(case=case, assigned_on=timezone.localdate())
    reviewer = ReviewerFactory()
    Reviewer.objects.filter(pk=reviewer.pk).update(active_practice_since=this_year() + 9)
    client.force_login(intake_user)
    html = client.get(case.get_absolute_url()).content.decode()
    assert f"active practice began in {this_year() + 9}" in html
    assert "-9 years" not in html
