"""The eligibility and conflict-of-interest rules (reviewers.selectors.reviewer_check),
each threshold at and around its limit, and the assignment service that
enforces them."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from imrsite.errors import ServiceError
from reviewers import services
from reviewers.models import Affiliation, Assignment, BoardCertification, License
from reviewers.selectors import eligible_reviewers_for, reviewer_check
from tests.factories import (
    CaseFactory,
    DisputedItemFactory,
    OrganizationFactory,
    PersonFactory,
    ProviderFactory,
    ReviewerFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 16)


@pytest.fixture(autouse=True)
def thresholds(settings):
    # The defaults of domain.md §3.2, pinned so the tests do not follow an environment override.
    settings.IMR_REVIEWER_MIN_PRACTICE_YEARS = 5
    settings.IMR_REVIEWER_MIN_WEEKLY_HOURS = 24


@pytest.fixture
def case():
    case = CaseFactory(
        received_on=TODAY - timedelta(days=10),
        employee=PersonFactory(name="José Núñez", first_name="José", last_name="Núñez"),
        employer=OrganizationFactory(name="Sunrise Packing Company"),
        claims_administrator=OrganizationFactory(name="Golden State Claims Services, Inc."),
        requesting_provider=ProviderFactory(name="Alan Whitfield, MD", first_name="Alan", last_name="Whitfield"),
    )
    DisputedItemFactory(case=case, position=0, category="Physical Medicine")
    return case


def check(reviewer, case, on=TODAY):
    return reviewer_check(reviewer=reviewer, case=case, on=on)


def codes(result):
    return {f.code for f in result.problems + result.conflicts}


def test_the_default_factory_reviewer_is_eligible(case):
    result = check(ReviewerFactory(), case)
    assert result.eligible, result.reasons
    assert result.matched_specialty.name == "Physical Medicine & Rehabilitation"


@pytest.mark.parametrize("years, eligible", [(4, False), (5, False), (6, True)])
def test_more_than_five_years_of_practice(case, years, eligible):
    result = check(ReviewerFactory(active_practice_since=TODAY.year - years), case)
    assert result.eligible is eligible
    assert ("practice_years" in codes(result)) is not eligible


def test_practice_years_follow_the_setting(case, settings):
    settings.IMR_REVIEWER_MIN_PRACTICE_YEARS = 10
    assert "practice_years" in codes(check(ReviewerFactory(active_practice_since=TODAY.year - 8), case))


@pytest.mark.parametrize("hours, eligible", [(23, False), (24, True), (25, True)])
def test_at_least_24_weekly_hours(case, hours, eligible):
    result = check(ReviewerFactory(weekly_practice_hours=hours), case)
    assert result.eligible is eligible
    assert ("weekly_hours" in codes(result)) is not eligible


def _reviewer_with_license(**license_fields):
    reviewer = ReviewerFactory(license=False)
    fields = {"state": "CA", "number": f"G{reviewer.pk:06d}", "expires_on": TODAY + timedelta(days=200), **license_fields}
    License.objects.create(reviewer=reviewer, **fields)
    return reviewer


@pytest.mark.parametrize("expires_on, eligible", [(TODAY - timedelta(days=1), False), (TODAY, True), (TODAY + timedelta(days=1), True)])
def test_license_expiry(case, expires_on, eligible):
    result = check(_reviewer_with_license(expires_on=expires_on), case)
    assert result.eligible is eligible
    assert ("license" in codes(result)) is not eligible


def test_suspended_license(case):
    result = check(_reviewer_with_license(status=License.Status.SUSPENDED), case)
    assert {"license", "license_discipline"} <= codes(result)


def test_a_suspended_license_disqualifies_even_beside_a_good_one(case):
    reviewer = _reviewer_with_license()
    License.objects.create(reviewer=reviewer, state="NV", number="NV123", status=License.Status.SUSPENDED, expires_on=TODAY)
    assert codes(check(reviewer, case)) == {"license_discipline"}


def test_restricted_license(case):
    result = check(_reviewer_with_license(restricted=True), case)
    assert "license" in codes(result)


def test_no_license_at_all(case):
    assert "license" in codes(check(ReviewerFactory(license=False), case))


def test_disciplinary_history(case):
    assert "discipline" in codes(check(ReviewerFactory(has_disciplinary_history=True), case))


@pytest.mark.parametrize("expires_on, eligible", [(TODAY - timedelta(days=1), False), (TODAY, True), (None, True)])
def test_board_certification_must_be_current(case, expires_on, eligible):
    reviewer = ReviewerFactory()
    BoardCertification.objects.filter(reviewer=reviewer).update(expires_on=expires_on)
    result = check(reviewer, case)
    assert result.eligible is eligible
    assert ("specialty" in codes(result)) is not eligible


def test_certification_must_fit_the_category(case):
    result = check(ReviewerFactory(specialties=["Psychiatry"]), case)
    assert codes(result) == {"specialty"}
    assert "Physical Medicine" in result.reasons[0]


def test_every_category_of_the_case_needs_a_fit(case):
    DisputedItemFactory(case=case, position=1, category="Behavioral/Mental Health")
    assert codes(check(ReviewerFactory(), case)) == {"specialty"}
    assert check(ReviewerFactory(specialties=["Physical Medicine & Rehabilitation", "Psychiatry"]), case).eligible


@pytest.mark.parametrize(
    "affiliation, role",
    [
        ("Sunrise Packing Co.", "employer"),
        ("golden state claims services", "claims administrator"),
        ("GOLDEN STATE CLAIMS SERVICES LLC", "claims administrator"),
        ("Alan Whitfield", "requesting provider"),
        ("Jose Nunez", "employee"),
        ("josé núñez", "employee"),
    ],
)
def test_affiliation_by_name_is_a_conflict(case, affiliation, role):
    result = check(ReviewerFactory(affiliations=[affiliation]), case)
    assert not result.eligible
    assert codes(result) == {"conflict"}
    assert f"the {role}" in result.reasons[0]


def test_affiliation_linked_to_the_party_is_a_conflict(case):
    reviewer = ReviewerFactory()
    Affiliation.objects.create(reviewer=reviewer, party=case.claims_administrator, name="GSCS (parent group)")
    assert codes(check(reviewer, case)) == {"conflict"}


def test_unrelated_affiliation_is_no_conflict(case):
    assert check(ReviewerFactory(affiliations=["Golden Gate Orthopedics", "Alan Whitman"]), case).eligible


def test_capacity(case):
    reviewer = ReviewerFactory(capacity=1)
    assert check(reviewer, case).eligible
    other = CaseFactory()
    DisputedItemFactory(case=other)
    case_services.case_mark_eligible(case=other, assigned_on=timezone.localdate())
    services.reviewer_assign(case=other, reviewer=reviewer)
    result = check(reviewer, case)
    assert codes(result) == {"capacity"}
    assert result.open_cases == 1


def test_inactive_reviewer(case):
    assert codes(check(ReviewerFactory(is_active=False), case)) == {"inactive"}


def test_deactivated_login(case):
    reviewer = ReviewerFactory()
    reviewer.user.is_active = False
    reviewer.user.save()
    assert "inactive" in codes(check(reviewer, case))


# --- the assignment service enforces the same rule -------------------------

@pytest.fixture
def eligible_case(case):
    return case_services.case_mark_eligible(case=case, assigned_on=timezone.localdate())


def test_assign_refuses_an_ineligible_reviewer_and_writes_nothing(eligible_case):
    reviewer = ReviewerFactory(affiliations=["Golden State Claims Services"])
    with pytest.raises(ServiceError) as refused:
        services.reviewer_assign(case=eligible_case, reviewer=reviewer)
    assert refused.value.field == "reviewer"
    assert "claims administrator" in refused.value.message
    assert not Assignment.objects.exists()
    eligible_case.refresh_from_db()
    assert eligible_case.status == Case.Status.AWAITING_RECORDS


def test_assign_refuses_too_few_hours(eligible_case):
    with pytest.raises(ServiceError, match="hours a week"):
        services.reviewer_assign(case=eligible_case, reviewer=ReviewerFactory(weekly_practice_hours=23))
    assert not Assignment.objects.exists()


def test_assign_accepts_an_eligible_reviewer(eligible_case):
    reviewer = ReviewerFactory()
    assignment = services.reviewer_assign(case=eligible_case, reviewer=reviewer)
    assert assignment.status == Assignment.Status.OFFERED
    assert assignment.matched_specialty.name == "Physical Medicine & Rehabilitation"
    eligible_case.refresh_from_db()
    assert eligible_case.status == Case.Status.IN_REVIEW


def test_assign_refuses_a_second_reviewer(eligible_case):
    services.reviewer_assign(case=eligible_case, reviewer=ReviewerFactory())
    with pytest.raises(ServiceError):
        services.reviewer_assign(case=eligible_case, reviewer=ReviewerFactory())
    assert Assignment.objects.count() == 1


# --- ranking -----------------------------------------------------------------

def _give_open_cases(reviewer, count):
    for _ in range(count):
        other = CaseFactory()
        DisputedItemFactory(case=other)
        case_services.case_mark_eligible(case=other, assigned_on=timezone.localdate())
        services.reviewer_assign(case=other, reviewer=reviewer)


def test_ranking_by_fit_then_workload(case):
    best_busy = ReviewerFactory()  # PM&R: rank 1 for Physical Medicine
    best_free = ReviewerFactory()
    second = ReviewerFactory(specialties=["Occupational Medicine"])  # rank 2
    conflicted = ReviewerFactory(affiliations=["Sunrise Packing"])
    _give_open_cases(best_busy, 2)
    ranked = eligible_reviewers_for(case=case, on=TODAY)
    assert [c.reviewer.pk for c in ranked] == [best_free.pk, best_busy.pk, second.pk, conflicted.pk]
    assert [c.eligible for c in ranked] == [True, True, True, False]
    assert [c.open_cases for c in ranked[:2]] == [0, 2]
    assert [c.reviewer.pk for c in eligible_reviewers_for(case=case, on=TODAY, include_ineligible=False)] == [
        best_free.pk, best_busy.pk, second.pk,
    ]


def test_ranking_costs_the_same_queries_for_3_or_10_reviewers(case):
    def count():
        with CaptureQueriesContext(connection) as captured:
            checks = eligible_reviewers_for(case=case, on=TODAY)
        return len(captured), len(checks)

    for i in range(3):
        ReviewerFactory(affiliations=[f"Clinic {i}"], specialties=["Physical Medicine & Rehabilitation", "Pain Medicine"])
    few, n_few = count()
    for i in range(7):
        ReviewerFactory(affiliations=[f"Group {i}"], specialties=["Occupational Medicine"])
    many, n_many = count()
    assert (n_few, n_many) == (3, 10)
    assert few == many


def test_unsaved_party_is_not_a_conflict_with_a_name_only_affiliation(db):
    """An affiliation without a party link must not match a party that has no id yet."""
    from cases.models import Party
    from reviewers.selectors import reviewer_check
    from tests.factories import CaseFactory, DisputedItemFactory, ReviewerFactory

    case = CaseFactory(status="records_complete")
    DisputedItemFactory(case=case)
    reviewer = ReviewerFactory(affiliations=["Somewhere Else Medical Group"])
    case.employee = Party(kind=Party.Kind.PERSON, name="Unsaved Person", normalized_name="unsaved person")
    assert reviewer_check(reviewer=reviewer, case=case).conflicts == []


def test_upsert_refuses_another_reviewers_license(db):
    from datetime import date

    import pytest

    from imrsite.errors import ServiceError
    from reviewers.models import License
    from reviewers.services import LicenseData, ReviewerData, reviewer_upsert
    from tests.factories import ReviewerFactory

    owner = ReviewerFactory()
    taken = owner.licenses.get()
    data = ReviewerData(
        email="new.reviewer@example.org", first_name="Ana", last_name="Lima", active_practice_since=2000,
        weekly_practice_hours=30, licenses=[LicenseData(state=taken.state, number=taken.number, expires_on=date(2030, 1, 1))],
    )
    with pytest.raises(ServiceError) as err:
        reviewer_upsert(data=data)
    assert err.value.field == "licenses"
    assert License.objects.get(pk=taken.pk).reviewer == owner
