"""Consolidation (8 CCR 9792.10.4(a)) and more than one reviewer (8 CCR 9792.10.6(c))."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from billing.models import FeeLine
from cases.models import Case
from closures.models import Consolidation
from closures.services import case_consolidate, consolidation_candidates
from imrsite.errors import ServiceError
from imrsite.tests.admin_objects import assigned_case, final_determination, open_case
from reviewers import services as reviewer_services
from reviewers.models import AdditionalReviewerApproval, Assignment
from tests.factories import DisputedItemFactory, ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db


def pair(**overrides):
    surviving = open_case()
    fields = dict(employee=surviving.employee, requesting_provider=surviving.requesting_provider,
                  received_on=surviving.received_on, date_of_injury=surviving.date_of_injury)
    fields.update(overrides)
    absorbed = open_case(**fields)
    return absorbed, surviving


def test_same_employee_physician_and_injury_are_offered_and_consolidated():
    absorbed, surviving = pair()
    DisputedItemFactory(case=absorbed, position=5, description="Lumbar MRI", category="Diagnostic Testing")
    assert consolidation_candidates(surviving) == [absorbed]
    consolidation = case_consolidate(absorbed=absorbed, surviving=surviving)
    absorbed.refresh_from_db()
    assert absorbed.status == Case.Status.CONSOLIDATED
    assert absorbed.items.count() == 0
    assert [i.description for i in surviving.items.order_by("position")][-1] == "Lumbar MRI"
    assert surviving.items.count() == 3 and len(consolidation.items_moved) == 2
    # The absorbed number points to the surviving case; nothing more is offered.
    assert absorbed.consolidated_into.surviving == surviving
    assert consolidation_candidates(surviving) == []


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ("date_of_injury", "a different date of injury"),
        ("employee", "a different employee"),
        ("requesting_provider", "a different requesting physician"),
    ],
)
def test_different_injury_employee_or_physician_is_refused(override, words):
    from tests.factories import PersonFactory, ProviderFactory

    values = {
        "date_of_injury": lambda s: s.date_of_injury - timedelta(days=30),
        "employee": lambda s: PersonFactory(),
        "requesting_provider": lambda s: ProviderFactory(),
    }
    surviving = open_case()
    fields = dict(employee=surviving.employee, requesting_provider=surviving.requesting_provider,
                  received_on=surviving.received_on, date_of_injury=surviving.date_of_injury)
    fields[override] = values[override](surviving)
    absorbed = open_case(**fields)
    assert consolidation_candidates(surviving) == []
    with pytest.raises(ServiceError) as exc:
        case_consolidate(absorbed=absorbed, surviving=surviving)
    assert words in exc.value.message and exc.value.field == "absorbed"
    absorbed.refresh_from_db()
    assert absorbed.status == Case.Status.AWAITING_RECORDS and absorbed.items.count() == 1


def test_a_decided_case_takes_in_nothing_and_a_case_with_its_reviewer_is_not_absorbed():
    decided = final_determination().case
    absorbed = open_case(employee=decided.employee, requesting_provider=decided.requesting_provider,
                         received_on=decided.received_on, date_of_injury=decided.date_of_injury)
    with pytest.raises(ServiceError) as exc:
        case_consolidate(absorbed=absorbed, surviving=decided)
    assert "cannot take in another application" in exc.value.message
    with pytest.raises(ServiceError) as exc:
        case_consolidate(absorbed=decided, surviving=absorbed)
    assert "cannot be absorbed" in exc.value.message


def test_one_determination_and_one_fee_for_the_consolidated_pair():
    absorbed, surviving = pair()
    case_consolidate(absorbed=absorbed, surviving=surviving)
    from closures.services import termination_record

    with pytest.raises(ServiceError):
        termination_record(case=absorbed, reason="authorized", reported_by_role="claims_administrator",
                           reported_on=timezone.localdate())
    assert not FeeLine.objects.filter(case=absorbed).exists()


def test_case_page_offers_consolidation_and_absorbs(client, intake_user):
    absorbed, surviving = pair()
    client.force_login(intake_user)
    page = client.get(surviving.get_absolute_url()).content.decode()
    assert f"Absorb {absorbed.number} here" in page
    response = client.post(reverse("closures:consolidate", args=[surviving.number]), {"absorbed": absorbed.number})
    assert response.status_code == 302
    assert Consolidation.objects.get(absorbed=absorbed).surviving == surviving
    pointer = client.get(absorbed.get_absolute_url()).content.decode()
    assert "This application was consolidated into" in pointer and surviving.number in pointer


def test_case_page_refuses_with_the_reason(client, intake_user):
    surviving = open_case()
    other = open_case()
    client.force_login(intake_user)
    response = client.post(reverse("closures:consolidate", args=[surviving.number]), {"absorbed": other.number})
    assert response.status_code == 400
    assert "only applications of the same employee, requesting physician and date of injury" in response.content.decode()
    response = client.post(reverse("closures:consolidate", args=[surviving.number]), {"absorbed": "CM99-0000000"})
    assert response.status_code == 400 and "no case numbered CM99-0000000" in response.content.decode()


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.MANAGER, None])
def test_consolidation_forbidden_to_other_roles(client, role):
    absorbed, surviving = pair()
    if role:
        client.force_login(UserFactory(role=role))
    response = client.post(reverse("closures:consolidate", args=[surviving.number]), {"absorbed": absorbed.number})
    assert response.status_code == (403 if role else 302)
    assert not Consolidation.objects.exists()


# --- more than one reviewer -------------------------------------------------------------


def test_a_second_reviewer_is_refused_without_the_directors_approval():
    assignment = assigned_case()
    with pytest.raises(ServiceError) as exc:
        reviewer_services.reviewer_assign(case=assignment.case, reviewer=ReviewerFactory())
    assert "Administrative Director's written approval" in exc.value.message
    assert Assignment.objects.filter(case=assignment.case).count() == 1


def test_with_a_recorded_approval_one_additional_reviewer_is_offered_once():
    assignment = assigned_case()
    case = assignment.case
    approval = reviewer_services.additional_reviewer_approval_record(
        case=case, approved_on=timezone.localdate(), reference="AD-2026-17", reason="Two specialties needed.",
    )
    extra = reviewer_services.reviewer_assign(case=case, reviewer=ReviewerFactory(), additional_approval=approval)
    assert extra.additional_approval == approval and extra.status == Assignment.Status.OFFERED
    assert case.assignments.filter(status__in=Assignment.OPEN_STATUSES).count() == 2
    with pytest.raises(ServiceError) as exc:
        reviewer_services.reviewer_assign(case=case, reviewer=ReviewerFactory(), additional_approval=approval)
    assert exc.value.code == "approval_used"


def test_an_approval_is_for_an_additional_reviewer_of_its_own_case():
    first = assigned_case().case
    other = assigned_case().case
    approval = reviewer_services.additional_reviewer_approval_record(
        case=first, approved_on=timezone.localdate(), reference="AD-1", reason="Two specialties needed.",
    )
    with pytest.raises(ServiceError) as exc:
        reviewer_services.reviewer_assign(case=other, reviewer=ReviewerFactory(), additional_approval=approval)
    assert exc.value.code == "approval_other_case"
    unassigned = open_case()
    approval = reviewer_services.additional_reviewer_approval_record(
        case=unassigned, approved_on=timezone.localdate(), reference="AD-2", reason="Two specialties needed.",
    )
    with pytest.raises(ServiceError) as exc:
        reviewer_services.reviewer_assign(case=unassigned, reviewer=ReviewerFactory(), additional_approval=approval)
    assert exc.value.code == "no_first_reviewer"


def test_case_page_records_the_approval_and_offers_the_case(client, intake_user):
    case = assigned_case().case
    extra = ReviewerFactory()
    client.force_login(intake_user)
    data = {"reviewer": extra.pk, "approved_on": timezone.localdate().isoformat(), "reference": "AD-9",
            "reason": "Psychology item."}
    response = client.post(reverse("closures:additional_reviewer", args=[case.number]), data)
    assert response.status_code == 302
    assert Assignment.objects.get(case=case, reviewer=extra).additional_approval.reference == "AD-9"
    # Without a reference: refused, nothing recorded.
    response = client.post(reverse("closures:additional_reviewer", args=[case.number]), {**data, "reference": ""})
    assert response.status_code == 400 and "Give the approval&#x27;s reference" in response.content.decode()
    assert AdditionalReviewerApproval.objects.filter(case=case).count() == 1


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.MANAGER, None])
def test_additional_reviewer_forbidden_to_other_roles(client, role):
    case = assigned_case().case
    if role:
        client.force_login(UserFactory(role=role))
    response = client.post(reverse("closures:additional_reviewer", args=[case.number]), {"reference": "AD-1"})
    assert response.status_code == (403 if role else 302)
    assert not AdditionalReviewerApproval.objects.exists()
