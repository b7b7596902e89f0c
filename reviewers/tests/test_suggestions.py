"""Issue 19 item 13: the suggestions' matched specialty reflects all disputed
items, the best-fitting available specialist comes first, and the case page
explains each reviewer's place."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cases import services as case_services
from reviewers import services
from reviewers.selectors import eligible_reviewers_for, reviewer_check
from tests.factories import CaseFactory, DisputedItemFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 16)


def case_of(*categories):
    case = CaseFactory(received_on=TODAY - timedelta(days=10))
    for position, category in enumerate(categories):
        DisputedItemFactory(case=case, position=position, category=category, description=f"Item {position + 1}")
    return case


def test_the_matched_specialty_is_the_one_that_fits_every_item():
    # Pain Medicine is the first choice for the first item only; PM&R fits both.
    case = case_of("Pharmaceuticals", "Physical Medicine")
    reviewer = ReviewerFactory(specialties=["Pain Medicine", "Physical Medicine & Rehabilitation"])
    result = reviewer_check(reviewer=reviewer, case=case, on=TODAY)
    assert result.eligible
    assert result.matched_specialty.name == "Physical Medicine & Rehabilitation"
    assert [(m.category, m.specialty.name, m.rank) for m in result.matches] == [
        ("Pharmaceuticals", "Pain Medicine", 1),
        ("Physical Medicine", "Physical Medicine & Rehabilitation", 1),
    ]
    assert result.fit_score == 2


def test_between_specialties_that_fit_every_item_the_better_ranked_wins():
    case = case_of("Physical Medicine", "DMEPOS")
    # Occupational Medicine: 2nd and 3rd; PM&R: 1st and 1st; both cover both items.
    reviewer = ReviewerFactory(specialties=["Occupational Medicine", "Physical Medicine & Rehabilitation"])
    assert reviewer_check(reviewer=reviewer, case=case, on=TODAY).matched_specialty.name == "Physical Medicine & Rehabilitation"


def test_the_matched_specialty_is_recorded_on_the_assignment():
    case = case_services.case_mark_eligible(case=case_of("Pharmaceuticals", "Physical Medicine"), assigned_on=timezone.localdate())
    reviewer = ReviewerFactory(specialties=["Pain Medicine", "Physical Medicine & Rehabilitation"])
    assert services.reviewer_assign(case=case, reviewer=reviewer).matched_specialty.name == "Physical Medicine & Rehabilitation"


def test_the_best_fit_for_all_items_ranks_first():
    case = case_of("Pharmaceuticals", "Physical Medicine")
    generalist = ReviewerFactory(specialties=["Physical Medicine & Rehabilitation"])  # 2nd + 1st = 3
    specialist = ReviewerFactory(specialties=["Physical Medicine & Rehabilitation", "Pain Medicine"])  # 1st + 1st = 2
    occupational = ReviewerFactory(specialties=["Occupational Medicine"])  # 3rd + 2nd = 5
    ranked = eligible_reviewers_for(case=case, on=TODAY)
    assert [c.reviewer for c in ranked] == [specialist, generalist, occupational]
    assert [c.fit_score for c in ranked] == [2, 3, 5]


def _open_cases(reviewer, count):
    for _ in range(count):
        other = CaseFactory()
        DisputedItemFactory(case=other)
        case_services.case_mark_eligible(case=other, assigned_on=timezone.localdate())
        services.reviewer_assign(case=other, reviewer=reviewer, check_capacity=False)


def test_among_equal_fits_the_most_available_ranks_first():
    """Availability is the share of capacity in use, not the raw count: 3 of 4
    is nearly full, 5 of 30 is not."""
    case = case_of("Physical Medicine")
    nearly_full = ReviewerFactory(capacity=4)
    roomy = ReviewerFactory(capacity=30)
    _open_cases(nearly_full, 3)
    _open_cases(roomy, 5)
    ranked = eligible_reviewers_for(case=case, on=TODAY)
    assert [c.reviewer for c in ranked] == [roomy, nearly_full]
    assert ranked[1].score_details.endswith("3 of 4 open cases (75%).")


def test_fit_goes_before_availability():
    case = case_of("Physical Medicine")
    busy_specialist = ReviewerFactory(capacity=10)
    idle_second_choice = ReviewerFactory(specialties=["Occupational Medicine"])
    _open_cases(busy_specialist, 8)
    assert [c.reviewer for c in eligible_reviewers_for(case=case, on=TODAY)] == [busy_specialist, idle_second_choice]


def test_the_score_is_explained():
    case = case_of("Pharmaceuticals", "Physical Medicine")
    reviewer = ReviewerFactory(specialties=["Physical Medicine & Rehabilitation"])
    details = reviewer_check(reviewer=reviewer, case=case, on=TODAY).score_details
    assert details == (
        "Fit 3 = 2 (Pharmaceuticals: Physical Medicine & Rehabilitation) "
        "+ 1 (Physical Medicine: Physical Medicine & Rehabilitation). 0 of 25 open cases (0%)."
    )
    single = reviewer_check(reviewer=reviewer, case=case_of("Physical Medicine"), on=TODAY).score_details
    assert single == "Fit 1 (Physical Medicine: Physical Medicine & Rehabilitation). 0 of 25 open cases (0%)."


def test_the_case_page_shows_the_ranking_and_its_explanation(client, intake_user):
    case = case_services.case_mark_eligible(
        case=case_of("Pharmaceuticals", "Physical Medicine"), assigned_on=timezone.localdate()
    )
    specialist = ReviewerFactory(specialties=["Pain Medicine", "Physical Medicine & Rehabilitation"], user__last_name="Best")
    ReviewerFactory(specialties=["Physical Medicine & Rehabilitation"], user__last_name="Second")
    unfit = ReviewerFactory(specialties=["Pain Medicine"], user__last_name="Unfit")  # nothing for physical medicine
    client.force_login(intake_user)
    response = client.get(case.get_absolute_url())
    checks = response.context["reviewer_checks"]
    assert checks[0].reviewer == specialist
    html = response.content.decode()
    first_row = html[html.index(f'id="reviewer-{specialist.pk}"'):]
    assert f'value="{specialist.pk}" id="reviewer-{specialist.pk}" checked' in html  # pre-selected
    assert "Physical Medicine &amp; Rehabilitation" in first_row.split("</tr>")[0]
    assert (
        "Fit 2 = 1 (Pharmaceuticals: Pain Medicine) + 1 (Physical Medicine: Physical Medicine &amp; Rehabilitation)." in html
    )
    assert f'title="{checks[0].score_details.replace("&", "&amp;")}"' in html  # and on hover
    # An ineligible reviewer's partial fit is no score: only the reasons are shown.
    assert f'id="score-{unfit.pk}"' not in html
