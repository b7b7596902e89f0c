"""Break-glass access (security.md §1.4 control 15): an admin grants one user
one case for a few hours with a reason; audited, announced, reviewable, and
closed again by expiry or revocation."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Notification, Role
from cases import services
from cases.models import EmergencyAccess
from cases.selectors import visible_cases
from imrsite.errors import ServiceError
from imrsite.tests.admin_objects import draft_determination
from tests.factories import ReviewerFactory, UserFactory
from tests.phi_world import ready_letter, stored_document

REASON = "The assigned reviewer is in surgery; Dr. Núñez covers <b>today</b>."


@pytest.fixture
def world(db):
    """A case assigned to one reviewer, with a stored document and a ready letter,
    and a second reviewer (the grantee) with no assignment on it."""
    determination = draft_determination()
    case = determination.case
    return {
        "case": case,
        "document": stored_document(case),
        "letter": ready_letter(determination),
        "grantee": ReviewerFactory().user,
        "admin": UserFactory(role=Role.ADMIN, is_staff=True),
    }


def _urls(world):
    case = world["case"]
    return [
        reverse("review:case", args=[case.number]),
        reverse("cases:document_download", args=[case.number, world["document"].pk]),
        reverse("letters:download", kwargs={"number": case.number, "pk": world["letter"].pk}),
    ]


def _grant(world, **kwargs):
    return services.emergency_access_grant(
        case=world["case"], user=world["grantee"], granted_by=world["admin"], reason=REASON, **kwargs
    )


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_grant_without_a_reason_is_refused(world, reason):
    with pytest.raises(ServiceError) as exc:
        services.emergency_access_grant(
            case=world["case"], user=world["grantee"], granted_by=world["admin"], reason=reason
        )
    assert exc.value.field == "reason"
    assert not EmergencyAccess.objects.exists()


@pytest.mark.parametrize("role", [Role.INTAKE, Role.REVIEWER, None])
def test_only_an_admin_may_grant(world, role):
    someone = UserFactory(role=role) if role else UserFactory()
    with pytest.raises(ServiceError):
        services.emergency_access_grant(case=world["case"], user=world["grantee"], granted_by=someone, reason=REASON)
    assert not EmergencyAccess.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EMERGENCY_GRANT).exists()


def test_a_grant_is_audited_announced_and_time_boxed(world, settings, caplog):
    settings.IMR_EMERGENCY_ACCESS_HOURS = 4
    with caplog.at_level("WARNING", logger="cases.services"):
        grant = _grant(world)

    assert grant.reason == REASON.strip()
    assert grant.expires_at - grant.granted_at == timedelta(hours=4)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EMERGENCY_GRANT)
    assert (event.user, event.case, event.object_id) == (world["admin"], world["case"], str(grant.pk))
    assert event.detail == {"grantee": world["grantee"].pk, "hours": 4}
    note = Notification.objects.get(role=Role.ADMIN)
    assert world["case"].number in note.message
    assert "Núñez" not in note.message  # the reason may hold health information
    (record,) = [r for r in caplog.records if "emergency access granted" in r.getMessage()]
    assert record.levelname == "WARNING"
    assert REASON not in record.getMessage()


def test_the_grantee_reads_the_case_until_expiry(world, client):
    client.force_login(world["grantee"])
    for url in _urls(world):
        assert client.get(url).status_code == 404, url

    grant = _grant(world, hours=2)
    for url in _urls(world):
        assert client.get(url).status_code == 200, url
    page = client.get(_urls(world)[0])
    assert b"Emergency access" in page.content
    assert b"Accept the case" not in page.content
    # Reads under a grant are audited as any other.
    view = AuditEvent.objects.filter(action=AuditEvent.Action.CASE_VIEW, user=world["grantee"]).first()
    assert view.detail == {"page": "review", "emergency": True}
    # The grant opens the case file only, never the pages that write.
    number = world["case"].number
    assert client.get(reverse("review:determination", args=[number])).status_code == 404

    with time_machine.travel(grant.expires_at + timedelta(seconds=1), tick=False):
        client.force_login(world["grantee"])  # the idle session timeout is shorter than the grant
        for url in _urls(world):
            assert client.get(url).status_code == 404, url


def test_revocation_closes_the_case_at_once(world, client):
    grant = _grant(world)
    client.force_login(world["grantee"])
    assert client.get(_urls(world)[0]).status_code == 200

    services.emergency_access_revoke(grant=grant, revoked_by=world["admin"])

    for url in _urls(world):
        assert client.get(url).status_code == 404, url
    grant.refresh_from_db()
    assert grant.revoked_by == world["admin"]


def test_a_grant_opens_only_its_case_to_only_its_user(world):
    other = draft_determination().case
    _grant(world)
    assert list(visible_cases(world["grantee"]).filter(pk__in=[world["case"].pk, other.pk])) == [world["case"]]
    assert not visible_cases(ReviewerFactory().user).filter(pk=world["case"].pk).exists()


def test_visible_cases_stays_one_query(world, django_assert_num_queries):
    _grant(world)
    grantee = type(world["grantee"]).objects.get(pk=world["grantee"].pk)
    grantee.reviewer  # the profile is loaded once per request by the views
    from accounts.roles import user_roles

    user_roles(grantee)
    with django_assert_num_queries(1):
        assert list(visible_cases(grantee).values_list("pk", flat=True)) == [world["case"].pk]


# --- admin ----------------------------------------------------------------------------

def _add_url():
    return reverse("admin:cases_emergencyaccess_add")


def _post(world, reason, hours=""):
    # As an admin knows them (issue 19 item 15): the case number and the username, not internal ids.
    return {"case_number": world["case"].number, "username": world["grantee"].username, "reason": reason, "hours": hours}


def test_admin_form_requires_a_reason(world, client):
    client.force_login(world["admin"])
    for reason in ["", "   "]:
        response = client.post(_add_url(), _post(world, reason))
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["reason"]
    assert not EmergencyAccess.objects.exists()


def test_admin_grants_through_the_service_and_revokes(world, client, settings):
    settings.IMR_EMERGENCY_ACCESS_HOURS = 4
    client.force_login(world["admin"])
    response = client.post(_add_url(), _post(world, REASON, hours="3"))
    assert response.status_code == 302
    grant = EmergencyAccess.objects.get()
    assert (grant.user, grant.granted_by) == (world["grantee"], world["admin"])
    assert grant.expires_at - grant.granted_at == timedelta(hours=3)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EMERGENCY_GRANT, object_id=str(grant.pk)).exists()
    assert Notification.objects.filter(role=Role.ADMIN).count() == 1

    # Kept as granted: no editing, no deleting.
    change = client.post(reverse("admin:cases_emergencyaccess_change", args=[grant.pk]), _post(world, "edited"))
    assert change.status_code == 403
    assert client.get(reverse("admin:cases_emergencyaccess_delete", args=[grant.pk])).status_code == 403

    changelist = reverse("admin:cases_emergencyaccess_changelist")
    response = client.post(changelist, {"action": "revoke", "_selected_action": [grant.pk]})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert grant.reason == REASON.strip()


def test_staff_who_are_not_admins_cannot_grant_in_admin(world, client):
    clerk = UserFactory(role=Role.INTAKE, is_staff=True)
    # Even with the model permissions, only the admin role may grant.
    clerk.user_permissions.add(*Permission.objects.filter(codename__endswith="emergencyaccess"))
    client.force_login(clerk)
    assert client.get(_add_url()).status_code == 403
    assert client.post(_add_url(), _post(world, REASON)).status_code == 403
    assert not EmergencyAccess.objects.exists()


def test_the_database_refuses_a_blank_reason(world):
    from django.db import IntegrityError, transaction

    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        EmergencyAccess.objects.create(
            case=world["case"], user=world["grantee"], granted_by=world["admin"], reason="",
            granted_at=now, expires_at=now + timedelta(hours=1),
        )


def test_admin_form_asks_for_a_case_number_and_a_username_not_ids(world, client):
    """Issue 19 item 15: the add form has no raw id fields; unknown numbers and names are refused beside their field."""
    client.force_login(world["admin"])
    page = client.get(_add_url()).content.decode()
    assert 'name="case_number"' in page and 'name="username"' in page
    assert 'name="case"' not in page and 'name="user"' not in page and "vForeignKeyRawIdAdminField" not in page
    response = client.post(_add_url(), {"case_number": "CM99-9999999", "username": "nobody-here", "reason": REASON})
    errors = response.context["adminform"].form.errors
    assert "No case CM99-9999999" in errors["case_number"][0] and "No user" in errors["username"][0]
    # Typed as people type them: lower case, spaces around, the username in any case.
    response = client.post(_add_url(), {
        "case_number": f"  {world['case'].number.lower()} ", "username": world["grantee"].username.upper(), "reason": REASON,
    })
    assert response.status_code == 302
    grant = EmergencyAccess.objects.get()
    assert (grant.case, grant.user) == (world["case"], world["grantee"])
