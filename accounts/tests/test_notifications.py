"""Notifications reach people (issue 19 item 10): a reviewer is told of an
offer, admins read their notifications (they used to get 403), and the
grantee of emergency access is told, with a link to the case."""

import pytest
from django.urls import reverse

from accounts.models import Notification, Role
from cases import services as case_services
from determinations.tests.review_helpers import offered_case
from tests.factories import ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    return ReviewerFactory(user__username="drlee")


@pytest.fixture
def admin():
    return UserFactory(username="ada", role=Role.ADMIN, is_staff=True, is_superuser=True)


def test_an_offer_notifies_the_reviewer_and_the_navbar_shows_it(client, reviewer):
    case, assignment = offered_case(reviewer)
    note = Notification.objects.get(recipient=reviewer.user)
    assert note.role == "" and note.read_at is None
    assert case.number in note.message and "offered to you" in note.message
    assert case.employee.name not in note.message  # the navbar is no place for health information
    assert note.link == reverse("review:case", args=[case.number])

    client.force_login(reviewer.user)
    dashboard = client.get(reverse("review:dashboard")).content.decode()
    assert 'id="notification-count">1' in dashboard
    assert f'href="{note.link}"' in dashboard
    inbox = client.get(reverse("accounts:notifications"))
    assert inbox.status_code == 200 and case.number in inbox.content.decode()
    assert client.get(note.link).status_code == 200  # the link opens the offer
    assert client.post(reverse("accounts:notifications_read")).status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None


def test_only_the_reviewer_offered_the_case_is_told(client, reviewer):
    offered_case(reviewer)
    other = ReviewerFactory()
    client.force_login(other.user)
    assert "notification-count" not in client.get(reverse("review:dashboard")).content.decode()
    assert "offered to you" not in client.get(reverse("accounts:notifications")).content.decode()


def test_an_imported_accepted_assignment_notifies_nobody(reviewer):
    """Bundles of decided cases record the assignment as accepted: there is no offer to answer."""
    from datetime import date

    from reviewers.services import reviewer_assign
    from tests.factories import CaseFactory

    case = CaseFactory()
    case_services.case_mark_eligible(case=case, assigned_on=date.today())
    reviewer_assign(case=case, reviewer=reviewer, accepted=True, check_capacity=False)
    assert not Notification.objects.exists()


def test_admins_read_their_notifications(client, admin):
    Notification.objects.create(role=Role.ADMIN, message="Emergency access to case CM26-0000007 granted to user 4 by user 1 for 4 h.")
    Notification.objects.create(role=Role.INTAKE, message="CM26-0000008: the reviewer declined the case.")
    client.force_login(admin)
    inbox = client.get(reverse("accounts:notifications"))
    assert inbox.status_code == 200
    html = inbox.content.decode()
    assert "CM26-0000007" in html and "CM26-0000008" not in html
    # Django admin, where admins work, shows the count too.
    assert "Notifications (1 unread)" in client.get(reverse("admin:index")).content.decode()
    client.post(reverse("accounts:notifications_read"))
    assert "Notifications (1 unread)" not in client.get(reverse("admin:index")).content.decode()


# Only someone who cannot see the case may be granted it (staff see every case).
def test_the_grantee_of_emergency_access_is_told_with_a_link(client, admin):
    from imrsite.tests.admin_objects import draft_determination

    case = draft_determination().case
    grantee = ReviewerFactory().user
    case_services.emergency_access_grant(case=case, user=grantee, granted_by=admin, reason="Covering for the reviewer.", hours=4)

    note = Notification.objects.get(recipient=grantee)
    assert case.number in note.message and "Covering" not in note.message
    assert note.link == reverse("review:case", args=[case.number])
    client.force_login(grantee)
    assert note.message in client.get(reverse("accounts:notifications")).content.decode()
    assert client.get(note.link).status_code == 200
