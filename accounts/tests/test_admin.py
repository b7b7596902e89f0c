"""User and notification admin: roles visible, accounts deactivated, never deleted."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import Notification, Role, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accounts_user_changelist"


@pytest.fixture
def operator():
    return UserFactory(username="operator", role=Role.ADMIN, is_superuser=True)


@pytest.fixture
def admin_client(client, operator):
    client.force_login(operator)
    return client


def test_list_shows_roles_and_filters_by_group(admin_client):
    intake = UserFactory(username="maria", role=Role.INTAKE)
    reviewer = UserFactory(username="drlee", role=Role.REVIEWER)
    response = admin_client.get(reverse(CHANGELIST))
    model_admin = response.context["cl"].model_admin
    rows = {u.username: u for u in response.context["cl"].result_list}
    assert model_admin.roles(rows["maria"]) == "intake"
    assert model_admin.roles(rows["drlee"]) == "reviewer"
    group = Group.objects.get(name=Role.REVIEWER)
    listed = admin_client.get(reverse(CHANGELIST), {"groups__id__exact": group.pk}).context["cl"].result_list
    assert [u.pk for u in listed] == [reviewer.pk]
    assert intake.pk not in [u.pk for u in listed]


def test_users_are_never_deleted(admin_client):
    user = UserFactory()
    assert admin_client.get(reverse("admin:accounts_user_delete", args=[user.pk])).status_code == 403
    assert admin_client.post(reverse("admin:accounts_user_delete", args=[user.pk]), {"post": "yes"}).status_code == 403
    admin_client.post(reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [user.pk], "post": "yes"})
    assert User.objects.filter(pk=user.pk).exists()
    choices = [name for name, _ in admin_client.get(reverse(CHANGELIST)).context["action_form"].fields["action"].choices]
    assert "delete_selected" not in choices and "deactivate" in choices


def test_deactivate_action_spares_the_operator(admin_client, operator):
    leaver = UserFactory(username="leaver")
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "deactivate", "_selected_action": [leaver.pk, operator.pk]}, follow=True
    )
    leaver.refresh_from_db()
    operator.refresh_from_db()
    assert leaver.is_active is False
    assert operator.is_active is True
    messages = [str(m) for m in response.context["messages"]]
    assert "You cannot deactivate your own account." in messages
    assert "Deactivated 1 user(s)." in messages


def test_add_user_with_a_role(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {"username": "newintake", "password1": "a long enough passphrase", "password2": "a long enough passphrase",
         "usable_password": "true"},
    )
    assert response.status_code == 302
    user = User.objects.get(username="newintake")
    assert user.check_password("a long enough passphrase")
    assert user.is_staff is False


def test_notifications_list_and_edit(admin_client):
    note = Notification.objects.create(role=Role.INTAKE, message="CM26-0000123: records due tomorrow")
    body = admin_client.get(reverse("admin:accounts_notification_changelist")).content.decode()
    assert "records due tomorrow" in body
    unread = admin_client.get(
        reverse("admin:accounts_notification_changelist"), {"read_at__isempty": "1"}
    ).context["cl"].result_list
    assert [n.pk for n in unread] == [note.pk]
