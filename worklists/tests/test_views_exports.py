"""Saved views and CSV exports."""

import csv
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from accounts.models import AuditEvent, Role
from cases.models import Case
from tests.factories import CaseFactory, UserFactory
from worklists.models import SavedView
from worklists.tests.conftest import assigned_case

pytestmark = pytest.mark.django_db


def _save(client, page="cases", query="queue=overdue&sort=-received&page=3&evil=1", follow=False, **extra):
    return client.post(reverse("worklists:view_save"), {"page": page, "query": query, "name": "Late ones", **extra}, follow=follow)


def test_intake_saves_pins_and_opens_a_view(client, intake):
    client.force_login(intake)
    response = _save(client, pinned="on")
    view = SavedView.objects.get()
    assert view.query == "queue=overdue&sort=-received"  # only what the list understands
    assert response["Location"] == "/cases/?queue=overdue&sort=-received"
    home = client.get(reverse("home")).content.decode()
    assert "Late ones" in home and 'href="/cases/?queue=overdue&amp;sort=-received"' in home
    _save(client, query="status=received")  # the same name again replaces it
    assert SavedView.objects.get().query == "status=received"


def test_only_an_admin_shares_a_view_with_a_role(client, intake, admin):
    client.force_login(intake)
    response = _save(client, shared_with_role=Role.INTAKE, follow=True)
    assert "only an administrator can share" in response.content.decode()
    assert not SavedView.objects.exists()
    client.force_login(admin)
    _save(client, shared_with_role=Role.INTAKE, pinned="on")
    client.force_login(intake)
    listed = client.get(reverse("cases:list")).context["saved_views"]
    assert [v.name for v in listed] == ["Late ones"]
    assert "Late ones" in client.get(reverse("worklists:views")).content.decode()
    # Someone else's (shared) view: not theirs to change.
    view = SavedView.objects.get()
    assert client.post(reverse("worklists:view_delete", args=[view.pk])).status_code == 404
    assert client.post(reverse("worklists:view_pin", args=[view.pk]), {"pinned": "0"}).status_code == 404
    assert SavedView.objects.get().pinned


def test_owner_pins_and_deletes(client, intake):
    client.force_login(intake)
    _save(client)
    view = SavedView.objects.get()
    client.post(reverse("worklists:view_pin", args=[view.pk]), {"pinned": "1"})
    view.refresh_from_db()
    assert view.pinned
    client.post(reverse("worklists:view_delete", args=[view.pk]))
    assert not SavedView.objects.exists()


def test_saved_views_by_role(client, reviewer, manager):
    assert _save(client)["Location"].startswith(reverse("login"))
    client.force_login(reviewer.user)
    assert _save(client).status_code == 403  # the case list is not a reviewer's
    response = _save(client, page="review", query="queue=offers&q=x")
    assert response["Location"] == "/review/?queue=offers"
    assert [v.name for v in client.get(reverse("review:dashboard")).context["work"]["views"]] == ["Late ones"]
    client.force_login(manager)
    assert _save(client, page="review").status_code == 403
    assert client.get(reverse("worklists:views")).status_code == 403


def _csv(response):
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_case_export_applies_the_filters_is_formula_safe_and_audited(client, intake, reviewer):
    overdue = assigned_case(reviewer, employee__name="=HYPERLINK(\"http://x\")")
    from datetime import timedelta

    from django.utils import timezone

    Case.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    CaseFactory()
    client.force_login(intake)
    rows = _csv(client.get(reverse("worklists:export_cases") + "?queue=overdue&q=" + overdue.number))
    assert rows[0][0] == "case_number" and len(rows) == 2
    assert rows[1][0] == overdue.number and rows[1][1] == "'=HYPERLINK(\"http://x\")"
    assert reviewer.user.last_name not in "".join(rows[1])  # never a reviewer's name
    assert len(_csv(client.get(reverse("worklists:export_cases")))) == 3
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LIST_EXPORT).order_by("pk").first()
    assert event.detail["page"] == "cases" and event.detail["filters"]["queue"] == "overdue"
    assert event.detail["filters"]["q"] is True  # the search text itself is not kept


def test_exports_by_role(client, reviewer, other_reviewer, manager):
    mine = assigned_case(reviewer)
    theirs = assigned_case(other_reviewer)
    assert client.get(reverse("worklists:export_cases"))["Location"].startswith(reverse("login"))
    client.force_login(reviewer.user)
    assert client.get(reverse("worklists:export_cases")).status_code == 403
    assert client.get(reverse("worklists:export_correspondence")).status_code == 403
    numbers = [r[0] for r in _csv(client.get(reverse("worklists:export_review")))[1:]]
    assert numbers == [mine.number] and theirs.number not in numbers
    client.force_login(manager)
    assert client.get(reverse("worklists:export_review")).status_code == 403


def test_correspondence_and_report_exports_stream_through_the_shared_helper(client, intake, admin):
    client.force_login(intake)
    rows = _csv(client.get(reverse("worklists:export_correspondence")))
    assert rows[0][:2] == ["send_by", "case_number"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LIST_EXPORT, detail__page="correspondence").exists()
    late = _csv(client.get(reverse("correspondence:late_records_csv")))
    assert late[0][0] == "claims_administrator"
    client.force_login(admin)
    response = client.get(reverse("reports:export", args=["applications", "csv"]))
    assert response.status_code == 200 and isinstance(response, StreamingHttpResponse)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LIST_EXPORT, detail__page="reports").exists()


def test_csv_safe_cells():
    from imrsite.csvexport import csv_safe

    assert [csv_safe(v) for v in ["=1+2", "+x", "-x", "@sum", "\tx", "-3.5", "plain", None, True]] == [
        "'=1+2", "'+x", "'-x", "'@sum", "'\tx", "-3.5", "plain", "", "yes",
    ]
    assert UserFactory
