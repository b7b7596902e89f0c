"""Account and security actions leave their own audit rows: deactivation (the
bulk action and the change form), two-factor reset, lockout release (the User
action and deleting attempt rows), reviewer credential changes, and emergency
access revocation."""

from datetime import date, timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import AuditEvent, Role, User
from imrsite.errors import ServiceError
from imrsite.tests.admin_objects import form_data
from reviewers import services as reviewer_services
from reviewers.models import License
from tests.factories import ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db

A = AuditEvent.Action
CHANGELIST = "admin:accounts_user_changelist"


@pytest.fixture
def operator():
    return UserFactory(username="operator", role=Role.ADMIN, is_superuser=True)


@pytest.fixture
def admin_client(client, operator):
    client.force_login(operator)
    return client


def rows(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_bulk_deactivation_is_recorded_per_user(admin_client, operator):
    leavers = [UserFactory(), UserFactory()]
    already = UserFactory(is_active=False)
    admin_client.post(
        reverse(CHANGELIST),
        {"action": "deactivate", "_selected_action": [u.pk for u in (*leavers, already, operator)]},
    )
    events = rows(A.USER_DEACTIVATE)
    assert [(e.object_type, e.object_id, e.user) for e in events] == [
        ("accounts.user", str(u.pk), operator) for u in leavers
    ]
    assert not User.objects.filter(pk__in=[u.pk for u in leavers], is_active=True).exists()
    operator.refresh_from_db()
    assert operator.is_active  # refused: no row for it


def test_change_form_deactivation_and_reactivation_are_recorded(admin_client, operator):
    user = UserFactory()
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = form_data(admin_client.get(url))
    data.pop("is_active", None)
    assert admin_client.post(url, data).status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert [(e.object_id, e.user) for e in rows(A.USER_DEACTIVATE)] == [(str(user.pk), operator)]
    data["is_active"] = "on"
    assert admin_client.post(url, data).status_code == 302
    user.refresh_from_db()
    assert user.is_active and len(rows(A.USER_REACTIVATE)) == 1
    # Saving without touching the box records nothing more.
    admin_client.post(url, data)
    assert len(rows(A.USER_DEACTIVATE)) == 1 and len(rows(A.USER_REACTIVATE)) == 1


def test_an_operator_cannot_deactivate_themselves_even_through_the_service(operator):
    with pytest.raises(ServiceError):
        services.user_set_active(user=operator, active=False, by=operator)
    assert rows(A.USER_DEACTIVATE) == []


def test_two_factor_reset_is_recorded(admin_client, operator):
    user = UserFactory()
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    admin_client.post(reverse(CHANGELIST), {"action": "reset_two_factor", "_selected_action": [user.pk]})
    [event] = rows(A.AUTH_MFA_RESET)
    assert (event.object_id, event.user, event.detail) == (str(user.pk), operator, {"devices": 1})


def test_lockout_release_is_recorded_both_ways(admin_client, operator):
    locked = UserFactory(username="maria")
    AccessAttempt.objects.create(username="maria", ip_address="10.0.0.1", failures_since_start=10, user_agent="x")
    admin_client.post(reverse(CHANGELIST), {"action": "unlock_sign_in", "_selected_action": [locked.pk]})
    [event] = rows(A.AUTH_UNLOCK)
    assert (event.object_id, event.user, event.detail) == (str(locked.pk), operator, {"records": 1})

    attempt = AccessAttempt.objects.create(username="maria", ip_address="10.0.0.2", failures_since_start=10, user_agent="x")
    stranger = AccessAttempt.objects.create(username="nobody", ip_address="10.0.0.3", failures_since_start=10, user_agent="x")
    admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk, stranger.pk], "post": "yes"},
    )
    assert not AccessAttempt.objects.exists()
    events = rows(A.AUTH_UNLOCK)[1:]
    assert sorted((e.object_type, e.object_id) for e in events) == sorted(
        [("accounts.user", str(locked.pk)), ("axes.accessattempt", str(stranger.pk))]
    )
    assert all(e.user == operator for e in events)


def test_reviewer_credential_changes_are_recorded_in_admin(admin_client, operator):
    reviewer = ReviewerFactory()
    license = reviewer.licenses.get()
    url = reverse("admin:reviewers_license_change", args=[license.pk])
    data = form_data(admin_client.get(url))
    data["status"] = License.Status.SUSPENDED
    assert admin_client.post(url, data).status_code == 302
    [event] = [e for e in rows(A.REVIEWER_CREDENTIALS) if e.detail["change"] == "change"]
    assert event.user == operator and event.object_type == "reviewers.license"
    assert event.detail == {"reviewer": reviewer.pk, "credential": "license", "change": "change", "fields": ["status"]}

    url = reverse("admin:reviewers_reviewer_change", args=[reviewer.pk])
    data = form_data(admin_client.get(url))
    data["weekly_practice_hours"] = "20"
    data["capacity"] = "3"  # not a credential
    assert admin_client.post(url, data).status_code == 302
    last = rows(A.REVIEWER_CREDENTIALS)[-1]
    assert last.detail["fields"] == ["weekly_practice_hours"] and last.user == operator


def test_reviewer_credentials_added_by_import_or_seed_are_recorded():
    reviewer = reviewer_services.reviewer_upsert(
        data=reviewer_services.ReviewerData(
            email="new.reviewer@example.org", first_name="Ana", last_name="Ruiz", active_practice_since=2001,
            weekly_practice_hours=30, board_certifications=["Pain Medicine"],
            licenses=[reviewer_services.LicenseData(state="CA", number="A1", expires_on=date.today() + timedelta(days=30))],
            affiliations=["Sierra Medical Group"],
        )
    )
    kinds = sorted(e.detail["credential"] for e in rows(A.REVIEWER_CREDENTIALS))
    assert kinds == ["affiliation", "boardcertification", "license", "reviewer"]
    assert all(e.detail["reviewer"] == reviewer.pk and e.detail["change"] == "add" for e in rows(A.REVIEWER_CREDENTIALS))
    reviewer.licenses.get().delete()
    assert rows(A.REVIEWER_CREDENTIALS)[-1].detail == {
        "reviewer": reviewer.pk, "credential": "license", "change": "delete", "fields": [],
    }
