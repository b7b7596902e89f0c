"""assignment_accept / assignment_decline: attestation, conflicts, back to intake's queue."""

from datetime import date

import pytest

from accounts.models import Notification, Role
from cases.models import Case
from cases.selectors import visible_cases
from determinations.tests.review_helpers import offered_case
from imrsite.errors import ServiceError
from reviewers.models import Affiliation, Assignment
from reviewers.services import ATTESTATION_TEXT, assignment_accept, assignment_decline
from tests.factories import ReviewerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(reviewer_user):
    return reviewer_user.reviewer


def test_accept_records_the_attestation(reviewer):
    case, assignment = offered_case(reviewer)
    accepted = assignment_accept(assignment=assignment, user=reviewer.user, attested=True)
    accepted.refresh_from_db()
    assert accepted.status == Assignment.Status.ACCEPTED
    assert accepted.conflict_attested is True
    assert accepted.attestation_text == ATTESTATION_TEXT
    assert accepted.responded_at is not None


def test_accept_without_attestation_is_refused(reviewer):
    case, assignment = offered_case(reviewer)
    with pytest.raises(ServiceError) as refused:
        assignment_accept(assignment=assignment, user=reviewer.user, attested=False)
    assert refused.value.field == "attested"
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.OFFERED and not assignment.conflict_attested


def test_only_the_offered_reviewer_may_answer(reviewer, intake_user):
    case, assignment = offered_case(reviewer)
    for user in (ReviewerFactory().user, intake_user):
        with pytest.raises(ServiceError, match="only the reviewer"):
            assignment_accept(assignment=assignment, user=user, attested=True)
        with pytest.raises(ServiceError, match="only the reviewer"):
            assignment_decline(assignment=assignment, user=user, reason="not mine")
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.OFFERED


def test_a_conflict_recorded_after_the_offer_blocks_acceptance(reviewer):
    case, assignment = offered_case(reviewer)
    Affiliation.objects.create(reviewer=reviewer, name=case.claims_administrator.name, kind=Affiliation.Kind.FINANCIAL)
    with pytest.raises(ServiceError, match="affiliated with the claims administrator"):
        assignment_accept(assignment=assignment, user=reviewer.user, attested=True)


def test_accept_twice_is_refused(reviewer):
    case, assignment = offered_case(reviewer)
    assignment_accept(assignment=assignment, user=reviewer.user, attested=True)
    with pytest.raises(ServiceError, match="can no longer be accepted"):
        assignment_accept(assignment=assignment, user=reviewer.user, attested=True)


def test_decline_requires_a_reason(reviewer):
    case, assignment = offered_case(reviewer)
    with pytest.raises(ServiceError) as refused:
        assignment_decline(assignment=assignment, user=reviewer.user, reason="   ")
    assert refused.value.field == "reason"
    assert not Notification.objects.filter(role=Role.INTAKE).exists()


def test_decline_returns_a_records_complete_case_and_notifies_intake(reviewer):
    case, assignment = offered_case(reviewer)
    reason = "Conflict: I am on the <b>medical staff</b> of the employer's clinic — José Núñez."
    assignment_decline(assignment=assignment, user=reviewer.user, reason=reason)
    assignment.refresh_from_db()
    case.refresh_from_db()
    assert assignment.status == Assignment.Status.DECLINED and assignment.decline_reason == reason
    assert case.status == Case.Status.RECORDS_COMPLETE
    assert case.due_on == case.decision_due_on
    note = Notification.objects.get(role=Role.INTAKE)
    assert note.recipient is None and note.read_at is None
    assert case.number in note.message and reason in note.message
    assert note.link == case.get_absolute_url()
    assert not visible_cases(reviewer.user).filter(pk=case.pk).exists()  # access ends at once


def test_decline_before_records_complete_goes_back_to_awaiting_records(reviewer):
    case, assignment = offered_case(reviewer)
    Case.objects.filter(pk=case.pk).update(records_complete_on=None)
    assignment_decline(assignment=assignment, user=reviewer.user, reason="Too busy this week.")
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_RECORDS
    assert case.due_on == case.records_due_on


def test_declined_case_can_be_offered_to_another_reviewer(reviewer):
    case, assignment = offered_case(reviewer)
    assignment_decline(assignment=assignment, user=reviewer.user, reason="x" * 700)
    assert len(Notification.objects.get(role=Role.INTAKE).message) <= 500
    from reviewers.services import reviewer_assign

    second = reviewer_assign(case=case, reviewer=ReviewerFactory(), on=date.today())
    assert second.status == Assignment.Status.OFFERED
    case.refresh_from_db()
    assert case.status == Case.Status.IN_REVIEW


def test_accepted_assignment_cannot_be_declined(reviewer):
    case, assignment = offered_case(reviewer)
    assignment_accept(assignment=assignment, user=reviewer.user, attested=True)
    with pytest.raises(ServiceError, match="ask intake to withdraw it"):
        assignment_decline(assignment=assignment, user=reviewer.user, reason="changed my mind")
    case.refresh_from_db()
    assert case.status == Case.Status.IN_REVIEW


def test_a_reviewer_cannot_assign_a_case_even_through_the_service(db):
    """The staff-only rule holds in the service, not only behind the intake views."""
    import pytest

    from cases import services as case_services
    from imrsite.errors import ServiceError
    from reviewers.models import Assignment
    from reviewers.services import reviewer_assign
    from tests.factories import CaseFactory, DisputedItemFactory, ReviewerFactory

    case = CaseFactory()
    DisputedItemFactory(case=case)
    case = case_services.case_mark_eligible(case=case, assigned_on=case.received_on)
    other = ReviewerFactory()
    with pytest.raises(ServiceError) as refused:
        reviewer_assign(case=case, reviewer=other, assigned_by=ReviewerFactory().user)
    assert refused.value.code == "not_staff"
    assert not Assignment.objects.filter(case=case).exists()
