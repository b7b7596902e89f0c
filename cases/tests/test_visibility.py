"""Who may see which case: `cases.visibility` is the one predicate, and every
reader (intake list, reviewer dashboard and pages, downloads, emergency grants)
derives from it."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from cases import services, visibility
from cases.models import Case
from determinations import selectors as review_selectors
from imrsite.errors import ServiceError
from imrsite.tests.admin_objects import draft_determination
from reviewers.models import Assignment
from reviewers.services import assignment_decline, reviewer_assign
from tests.factories import CaseFactory, DisputedItemFactory, ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db


def eligible_case():
    case = CaseFactory()
    DisputedItemFactory(case=case)
    return services.case_mark_eligible(case=case, assigned_on=case.received_on)


def test_the_reviewer_pages_never_widen_what_the_predicate_allows():
    reviewer = ReviewerFactory()
    mine, declined, other = eligible_case(), eligible_case(), eligible_case()
    reviewer_assign(case=mine, reviewer=reviewer, check_capacity=False)
    offer = reviewer_assign(case=declined, reviewer=reviewer, check_capacity=False)
    assignment_decline(assignment=offer, user=reviewer.user, reason="Conflict: treated the employee")
    visible = set(visibility.visible_cases(reviewer.user).values_list("pk", flat=True))
    assert visible == {mine.pk}
    assert set(visibility.reviewer_cases(reviewer).values_list("pk", flat=True)) <= visible
    assert set(visibility.reviewer_case_file_cases(reviewer).values_list("pk", flat=True)) <= visible
    queue = review_selectors.reviewer_queue(reviewer=reviewer)
    assert {row.case.pk for row in queue.rows} <= visible
    assert other.pk not in visible


def test_review_views_and_case_selectors_use_the_one_module():
    # The old import paths are the same functions, not copies.
    from cases import selectors

    assert selectors.visible_cases is visibility.visible_cases
    assert selectors.case_for_user is visibility.case_for_user
    assert review_selectors.reviewer_cases is visibility.reviewer_cases
    assert review_selectors.reviewer_assignment is visibility.reviewer_assignment


def test_a_grant_opens_what_the_predicate_keeps_closed_and_nothing_else():
    case = draft_determination().case
    admin = UserFactory(role=Role.ADMIN, is_staff=True)
    stranger = ReviewerFactory().user
    assert not visibility.can_see(stranger, case)
    grant = services.emergency_access_grant(case=case, user=stranger, granted_by=admin, reason="Covering today")
    assert visibility.can_see(stranger, case)
    assert set(visibility.reviewer_case_file_cases(stranger.reviewer)) == {case}
    assert not visibility.reviewer_cases(stranger.reviewer).exists()  # never a page that writes
    # A second grant, or one to someone who sees the case anyway, would mean nothing.
    for user in (stranger, UserFactory(role=Role.INTAKE), case.assignments.get().reviewer.user):
        with pytest.raises(ServiceError) as exc:
            services.emergency_access_grant(case=case, user=user, granted_by=admin, reason="again")
        assert exc.value.code == "already_visible"
    services.emergency_access_revoke(grant=grant, revoked_by=admin)
    assert not visibility.can_see(stranger, case)


def test_revocation_is_its_own_audit_action(client):
    case = draft_determination().case
    admin = UserFactory(role=Role.ADMIN, is_staff=True)
    grant = services.emergency_access_grant(case=case, user=ReviewerFactory().user, granted_by=admin, reason="Covering")
    client.force_login(admin)
    client.post(reverse("admin:cases_emergencyaccess_changelist"), {"action": "revoke", "_selected_action": [grant.pk]})
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.EMERGENCY_REVOKE)
    assert (event.user, event.case_id, event.object_id) == (admin, case.pk, str(grant.pk))
    assert event.detail == {"grantee": grant.user_id}
    # Revoking again changes nothing and records nothing.
    services.emergency_access_revoke(grant=grant, revoked_by=admin)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EMERGENCY_REVOKE).count() == 1


def test_nobody_else_sees_anything():
    case = eligible_case()
    inactive = UserFactory(role=Role.INTAKE, is_active=False)
    for user in (None, UserFactory(), inactive):
        assert not visibility.visible_cases(user).exists()
    assert Case.objects.filter(pk=case.pk).exists()
    assert not Assignment.objects.exists()
