"""Service accounts are created and revoked by an admin in Django admin."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from api.models import ServiceAccount
from tests.factories import OrganizationFactory, UserFactory

from .world import BASE, bearer, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", role=Role.ADMIN, is_superuser=True, is_staff=True))
    return client


def test_an_admin_creates_an_account_that_can_log_in_to_the_api_only(admin_client, client):
    organization = OrganizationFactory(name="Sierra Claims")
    response = admin_client.post(reverse("admin:api_serviceaccount_add"), {
        "username": "sierra-api", "organization": organization.pk, "description": "Vendor X",
        "password1": "a long passphrase for sierra", "password2": "a long passphrase for sierra",
    })
    assert response.status_code == 302, response.content[:2000]
    account = ServiceAccount.objects.get(user__username="sierra-api")
    assert (account.organization, account.user.is_staff, account.user.groups.count()) == (organization, False, 0)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.API_ACCOUNT, detail__change="create").exists()
    admin_client.logout()
    assert login(client, "sierra-api", "a long passphrase for sierra")["access_token"]


def test_a_weak_password_or_a_person_organization_is_refused(admin_client):
    organization = OrganizationFactory()
    response = admin_client.post(reverse("admin:api_serviceaccount_add"), {
        "username": "weak-api", "organization": organization.pk, "password1": "short", "password2": "short",
    }, follow=True)
    assert not ServiceAccount.objects.filter(user__username="weak-api").exists()
    assert b"too short" in response.content


def test_the_revoke_actions(admin_client, client, world):
    token = login(client, world.a.username)["access_token"]
    changelist = reverse("admin:api_serviceaccount_changelist")
    admin_client.post(changelist, {"action": "revoke_tokens", "_selected_action": [world.a.account.pk]})
    assert client.get(BASE + f"docs/search/cn/{world.a.open_case.number}", **bearer(token)).status_code == 401
    token = login(client, world.a.username)["access_token"]
    admin_client.post(changelist, {"action": "revoke_accounts", "_selected_action": [world.a.account.pk]})
    world.a.account.refresh_from_db()
    assert world.a.account.revoked_at is not None and not world.a.account.user.is_active
    assert client.get(BASE + f"docs/search/cn/{world.a.open_case.number}", **bearer(token)).status_code == 401
    page = admin_client.get(reverse("admin:api_serviceaccount_change", args=[world.a.account.pk]))
    assert page.status_code == 200 and b"revoked" in admin_client.get(changelist).content
    assert admin_client.get(reverse("admin:api_serviceaccount_delete", args=[world.a.account.pk])).status_code == 403
