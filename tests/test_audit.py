"""The audit trail (security.md controls 27-30; HIPAA 164.312(b)).

Every read of health information writes exactly one row; every change is
recorded by its service; sign-ins, refusals and integrity failures too; rows
can be neither changed nor deleted, not even by an admin; no health
information in the rows themselves.
"""

import json

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from accounts import audit
from accounts.models import AuditEvent
from tests.factories import PASSWORD

from .phi_world import build_world

pytestmark = pytest.mark.django_db
A = AuditEvent.Action


@pytest.fixture
def world(db):
    return build_world()


# --- one row per read -----------------------------------------------------------------------

def _reads(world):
    """(who, url, action, case) for every page that shows health information."""
    a = world.a
    return [
        ("intake", reverse("cases:list"), A.CASE_LIST, None),
        ("intake", reverse("cases:detail", args=[a.case.number]), A.CASE_VIEW, a.case),
        ("admin", reverse("cases:detail", args=[a.case.number]), A.CASE_VIEW, a.case),
        ("intake", reverse("cases:document_download", args=[a.case.number, a.document.pk]), A.DOCUMENT_DOWNLOAD, a.case),
        ("reviewer", reverse("cases:document_download", args=[a.case.number, a.document.pk]), A.DOCUMENT_DOWNLOAD, a.case),
        ("reviewer", reverse("review:dashboard"), A.CASE_LIST, None),
        ("reviewer", reverse("review:case", args=[a.case.number]), A.CASE_VIEW, a.case),
        ("reviewer", reverse("review:determination", args=[a.case.number]), A.DETERMINATION_VIEW, a.case),
        ("reviewer", reverse("review:preview", args=[a.case.number]), A.LETTER_PREVIEW, a.case),
        ("reviewer", reverse("review:preview_letter", args=[a.case.number]), A.LETTER_PREVIEW, a.case),
        ("reviewer", reverse("review:finalize", args=[a.case.number]), A.DETERMINATION_VIEW, a.case),
        ("intake", reverse("letters:download", args=[a.decided.number, a.letter.pk]), A.LETTER_DOWNLOAD, a.decided),
        ("reviewer", reverse("letters:download", args=[a.decided.number, a.letter.pk]), A.LETTER_DOWNLOAD, a.decided),
        ("admin", reverse("letters:download", args=[a.decided.number, a.letter.pk]), A.LETTER_DOWNLOAD, a.decided),
    ]


def test_every_read_of_health_information_writes_exactly_one_row(client, world):
    users = {"intake": world.intake, "admin": world.admin, "reviewer": world.a.user}
    checked = 0
    for who, url, action, case in _reads(world):
        client.force_login(users[who])
        before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = client.get(url, REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 200, url
        rows = list(AuditEvent.objects.filter(id__gt=before))
        assert len(rows) == 1, (url, [r.action for r in rows])
        (event,) = rows
        assert (event.user, event.action, event.case) == (users[who], action, case), url
        assert event.client_address == "203.0.113.7"
        assert event.request_id and response["X-Request-ID"] == event.request_id
        checked += 1
    assert checked == 14


def test_letter_status_polling_is_not_a_read_of_health_information(client, world):
    client.force_login(world.intake)
    count = AuditEvent.objects.count()
    assert client.get(reverse("letters:status", args=[world.a.decided.number])).status_code == 200
    assert AuditEvent.objects.count() == count


# --- who is asking, from where -------------------------------------------------------------------

def test_x_forwarded_for_counts_only_behind_a_trusted_proxy(client, world, settings):
    client.force_login(world.intake)
    url = reverse("cases:detail", args=[world.a.case.number])
    client.get(url, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.44")
    assert AuditEvent.objects.filter(action=A.CASE_VIEW).first().client_address == "10.0.0.2"
    settings.AUDIT_TRUSTED_PROXY_COUNT = 1
    client.get(url, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.44", HTTP_X_REQUEST_ID="lb-42")
    event = AuditEvent.objects.filter(action=A.CASE_VIEW).first()
    # The address our proxy saw, not the left-most entry the client may have made up.
    assert (event.client_address, event.request_id) == ("192.0.2.44", "lb-42")
    client.get(url, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip", HTTP_X_REQUEST_ID="bad id\nx")
    event = AuditEvent.objects.filter(action=A.CASE_VIEW).first()
    assert event.client_address == "10.0.0.2" and event.request_id != "bad id\nx"


# --- sign-in and refusals ------------------------------------------------------------------------

def test_sign_in_success_and_failure_are_recorded(client, world):
    login = reverse("login")
    client.post(login, {"username": world.intake.username, "password": "wrong password!"}, REMOTE_ADDR="192.0.2.9")
    client.post(login, {"username": "nobody-at-all", "password": "wrong password!"})
    failures = list(AuditEvent.objects.filter(action=A.AUTH_FAILURE).order_by("id"))
    assert [f.user for f in failures] == [world.intake, None]
    assert failures[0].client_address == "192.0.2.9"
    assert "nobody-at-all" not in json.dumps([f.detail for f in failures])  # typed usernames are not kept
    assert client.post(login, {"username": world.intake.username, "password": PASSWORD}).status_code == 302
    assert AuditEvent.objects.filter(action=A.AUTH_LOGIN, user=world.intake).exists()
    client.post(reverse("logout"))
    assert AuditEvent.objects.filter(action=A.AUTH_LOGOUT, user=world.intake).exists()


def test_a_request_for_another_reviewers_case_is_flagged(client, world):
    client.force_login(world.a.user)
    assert client.get(reverse("review:case", args=[world.b.case.number])).status_code == 404
    event = AuditEvent.objects.get(action=A.AUTHZ_DENIED)
    assert (event.user, event.case, event.detail) == (world.a.user, world.b.case, {"reason": "not_visible"})
    assert client.get(reverse("review:case", args=["CM99-0000001"])).status_code == 404
    assert AuditEvent.objects.filter(action=A.AUTHZ_DENIED, case=None, detail={"reason": "no_such_case"}).exists()


def test_a_role_refusal_is_flagged(client, world):
    client.force_login(world.a.user)
    assert client.get(reverse("cases:detail", args=[world.a.case.number])).status_code == 403
    assert AuditEvent.objects.filter(action=A.AUTHZ_DENIED, user=world.a.user, detail={"reason": "role"}).exists()


# --- changes, in a scripted run --------------------------------------------------------------------

def test_scripted_run_leaves_every_step_on_record(client, world, django_capture_on_commit_callbacks):
    """Intake registers, uploads and assigns; the reviewer reads, accepts, drafts and
    finalizes; an admin downloads the letter. Each step is on the trail."""
    from cases.models import Case
    from cases.tests.helpers import pdf_bytes, upload
    from cases.tests.test_views import doc_post, new_case_post
    from determinations.models import Letter
    from determinations.tests.review_helpers import form_data
    from tests.factories import ReviewerFactory

    sentinel = "Zyxwvuts"  # an employee name that must never reach the trail
    client.force_login(world.intake)
    assert client.post(reverse("cases:new"), new_case_post(employee_last_name=sentinel)).status_code == 302
    case = Case.objects.get(employee__last_name=sentinel)
    n = case.number
    client.post(reverse("cases:screen", args=[n]), {
        "signature_present": "on", "ur_decision_attached": "on", 
    })
    client.post(reverse("cases:document_upload", args=[n]), doc_post(upload(pdf_bytes(1), f"{sentinel}.pdf")))
    client.post(reverse("cases:records_complete", args=[n]), {"on": case.received_on.isoformat()})
    reviewer = ReviewerFactory(user__username="reviewer-c")
    assert client.post(reverse("cases:assign", args=[n]), {"reviewer": reviewer.pk}).status_code == 302

    client.force_login(reviewer.user)
    client.get(reverse("review:case", args=[n]))
    assert client.post(reverse("review:accept", args=[n]), {"attested": "on"}).status_code == 302
    client.get(reverse("review:determination", args=[n]))
    det = case.determinations.get()
    assert client.post(reverse("review:determination", args=[n]), form_data(det, list(det.decisions.all()))).status_code == 302
    det.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("review:finalize", args=[n]), {"revision": det.revision}).status_code == 302
    letter = Letter.objects.filter(determination=det, status=Letter.Status.READY).first()
    assert letter is not None

    client.force_login(world.admin)
    assert client.get(reverse("letters:download", args=[n, letter.pk])).status_code == 200

    trail = [(e.action, e.user.username if e.user else None) for e in AuditEvent.objects.filter(case=case).order_by("id")]
    intake, doctor, boss = world.intake.username, reviewer.user.username, world.admin.username
    for step in [
        (A.CASE_CREATE, intake), (A.CASE_SCREEN, intake), (A.CASE_STATUS, intake), (A.DOCUMENT_UPLOAD, intake),
        (A.ASSIGNMENT_CREATE, intake), (A.CASE_VIEW, doctor), (A.ASSIGNMENT_ACCEPT, doctor),
        (A.DETERMINATION_VIEW, doctor), (A.DETERMINATION_SAVE, doctor), (A.DETERMINATION_FINALIZE, doctor),
        (A.LETTER_REQUEST, doctor), (A.LETTER_RENDER, None), (A.LETTER_DOWNLOAD, boss),
    ]:
        assert step in trail, step
    statuses = [e.detail["to"] for e in AuditEvent.objects.filter(case=case, action=A.CASE_STATUS).order_by("id")]
    assert statuses == ["awaiting_records", "records_complete", "in_review", "decided"]
    everything = json.dumps(list(AuditEvent.objects.values("detail", "object_type", "object_id", "request_id")))
    assert sentinel not in everything

    # And the trail cannot be edited, not even through the admin.
    event = AuditEvent.objects.filter(case=case).first()
    change_url = reverse("admin:accounts_auditevent_change", args=[event.pk])
    response = client.post(change_url, {"action": "case.view", "detail": "{}"})
    assert response.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == event.action


# --- append-only ---------------------------------------------------------------------------------

def test_rows_cannot_be_changed_or_deleted_through_the_orm(world):
    event = audit.record(A.CASE_VIEW, actor=world.intake, case=world.a.case)
    event.detail = {"tampered": True}
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action=A.CASE_LIST)
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).detail == {}


def test_admin_is_read_only_even_for_superusers(client, world, rf):
    model_admin = admin.site._registry[AuditEvent]
    request = rf.get("/")
    request.user = world.admin
    assert world.admin.is_superuser
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)
    event = audit.record(A.CASE_VIEW, actor=world.intake, case=world.a.case)
    client.force_login(world.admin)
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:accounts_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    changelist = reverse("admin:accounts_auditevent_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [event.pk]})
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert client.get(reverse("admin:accounts_auditevent_change", args=[event.pk])).status_code == 200  # view only


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
def test_the_database_refuses_update_and_delete_of_audit_rows(world):
    event = audit.record(A.CASE_VIEW, actor=world.intake, case=world.a.case)
    for sql in (
        "UPDATE accounts_auditevent SET action = 'case.list' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == A.CASE_VIEW


# --- the admins' pages -----------------------------------------------------------------------------

def test_audit_page_filters_by_user_action_case_and_dates(client, world):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(world.intake)
    client.get(reverse("cases:detail", args=[world.a.case.number]))
    client.get(reverse("cases:detail", args=[world.b.case.number]))
    client.force_login(world.admin)
    url = reverse("admin:accounts_auditevent_changelist")

    def shown(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return list(response.context["cl"].result_list)

    assert {e.case for e in shown(q=world.a.case.number)} == {world.a.case}
    assert {e.action for e in shown(action__exact=A.CASE_VIEW)} == {A.CASE_VIEW}
    assert {e.user for e in shown(user__id__exact=world.intake.pk)} == {world.intake}
    today = timezone.localdate()
    assert shown(at_from=today.isoformat(), at_to=today.isoformat(), user__id__exact=world.intake.pk)
    assert not shown(at_to=(today - timedelta(days=1)).isoformat())


def test_audit_page_costs_the_same_queries_for_few_and_many_rows(client, world, django_assert_max_num_queries):
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.admin)
    url = reverse("admin:accounts_auditevent_changelist")
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    for i in range(40):
        audit.record(A.CASE_VIEW, actor=world.intake if i % 2 else world.a.user, case=world.a.case if i % 3 else world.b.case)
    assert count() == few


def test_case_page_shows_admins_who_looked_at_the_case(client, world):
    client.force_login(world.a.user)
    client.get(reverse("cases:document_download", args=[world.a.case.number, world.a.document.pk]))
    client.force_login(world.intake)
    url = reverse("cases:detail", args=[world.a.case.number])
    html = client.get(url).content.decode()
    assert "Who looked at this case" not in html  # intake staff do not see it
    client.force_login(world.admin)
    response = client.get(url)
    html = response.content.decode()
    assert "Who looked at this case" in html
    events = response.context["access_events"]
    assert [(e.action, e.user) for e in events][:3] == [
        (A.CASE_VIEW, world.admin), (A.CASE_VIEW, world.intake), (A.DOCUMENT_DOWNLOAD, world.a.user)
    ]
    assert world.a.user.get_full_name() in html


def test_admin_edits_are_recorded(client, world):
    from cases.models import Party

    client.force_login(world.admin)
    party = world.a.case.employer
    url = reverse("admin:cases_party_change", args=[party.pk])
    from imrsite.tests.admin_objects import form_data

    data = form_data(client.get(url))
    data["name"] = "Renamed Packing Co"
    assert client.post(url, data).status_code == 302
    assert Party.objects.get(pk=party.pk).name == "Renamed Packing Co"
    event = AuditEvent.objects.get(action=A.ADMIN_CHANGE)
    assert (event.user, event.object_type, event.object_id, event.detail) == (
        world.admin, "cases.party", str(party.pk), {"flag": "change", "fields": ["name"]}
    )
    assert "Renamed" not in json.dumps(event.detail)
