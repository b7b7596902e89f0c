"""Bulk actions from the case list: each case checked as if alone, refusals listed, one audit row per case."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import AuditEvent, Role
from reviewers.models import Affiliation, Assignment
from tests.factories import CaseFactory, UserFactory
from worklists.tests.conftest import assigned_case, eligible_case, ready_notice

pytestmark = pytest.mark.django_db


def _bulk(client, action, numbers, follow=False, **extra):
    return client.post(reverse("worklists:bulk"), {"action": action, "cases": numbers, **extra}, follow=follow)


def test_bulk_assign_assigns_the_eligible_and_lists_the_refused_with_their_reason(client, intake, reviewer, other_reviewer):
    ok = [eligible_case(), eligible_case()]
    conflicted = eligible_case()
    Affiliation.objects.create(reviewer=reviewer, party=conflicted.claims_administrator, name="Parent group")
    taken = assigned_case(other_reviewer, status=Assignment.Status.OFFERED)
    unscreened = CaseFactory()  # received: not assignable yet
    numbers = [c.number for c in [*ok, conflicted, taken, unscreened]] + ["CM26-0000000"]
    client.force_login(intake)
    response = _bulk(client, "assign", numbers, reviewer=reviewer.pk)
    assert response.status_code == 200
    result = response.context["result"]
    assert [o.number for o in result.done] == [c.number for c in ok]
    refused = {o.number: o.message for o in result.refused}
    assert set(refused) == {conflicted.number, taken.number, unscreened.number, "CM26-0000000"}
    assert refused[taken.number].startswith("the case already has a reviewer")
    assert "cannot be assigned" in refused[unscreened.number]
    assert refused["CM26-0000000"] == "no such case"
    assert refused[conflicted.number]  # the eligibility check's own words
    page = response.content.decode()
    assert "2 of 6 selected cases done" in page and refused[conflicted.number] in page
    # The same service as a single assignment: offers made, the reviewer told; the others untouched.
    assert set(Assignment.objects.filter(reviewer=reviewer).values_list("case__number", flat=True)) == {c.number for c in ok}
    assert not Assignment.objects.filter(case=conflicted).exists()
    # One bulk audit row per existing case, saying what happened; the unknown number is an access-denied row.
    rows = AuditEvent.objects.filter(action=AuditEvent.Action.BULK_ACTION)
    assert rows.count() == 5
    assert {r.case_id: r.detail["done"] for r in rows} == {
        ok[0].pk: True, ok[1].pk: True, conflicted.pk: False, taken.pk: False, unscreened.pk: False,
    }
    assert all(r.user_id == intake.pk for r in rows)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ASSIGNMENT_CREATE).count() == 2


def test_bulk_assign_to_oneself_is_refused_per_case(client, reviewer):
    """An intake clerk who is also a reviewer cannot give cases to themselves in bulk either."""
    from django.contrib.auth.models import Group

    reviewer.user.groups.add(Group.objects.get(name=Role.INTAKE))
    case = eligible_case()
    client.force_login(reviewer.user)
    response = _bulk(client, "assign", [case.number], reviewer=reviewer.pk)
    assert [o.message for o in response.context["result"].refused] == ["you cannot assign a case to yourself"]


def test_bulk_actions_are_refused_to_reviewers_managers_and_anonymous(client, reviewer, manager):
    case = eligible_case()
    response = _bulk(client, "assign", [case.number], reviewer=reviewer.pk)
    assert response["Location"].startswith(reverse("login"))
    for user in (reviewer.user, manager):
        client.force_login(user)
        assert _bulk(client, "assign", [case.number], reviewer=reviewer.pk).status_code == 403
        assert client.post(reverse("worklists:bulk_notices_pdf"), {"cases": [case.number]}).status_code == 403
    assert not Assignment.objects.exists()


def test_bulk_form_errors_name_the_field(client, intake):
    client.force_login(intake)
    response = _bulk(client, "assign", [eligible_case().number], follow=True)
    assert "Reviewer: choose the reviewer" in response.content.decode()
    response = _bulk(client, "owner", [], follow=True)
    assert "Select at least one case." in response.content.decode()


def test_bulk_change_owner(client, intake, admin, manager):
    cases = [eligible_case(), eligible_case()]
    client.force_login(intake)
    response = _bulk(client, "owner", [c.number for c in cases], owner=admin.pk)
    assert len(response.context["result"].done) == 2
    assert {c.owner_id for c in type(cases[0]).objects.filter(pk__in=[c.pk for c in cases])} == {admin.pk}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CASE_OWNER).count() == 2
    assert AuditEvent.objects.filter(action=AuditEvent.Action.BULK_ACTION, detail__action="owner").count() == 2
    # A manager is not staff: not a valid owner (the form offers only intake and admins).
    response = _bulk(client, "owner", [cases[0].number], owner=manager.pk, follow=True)
    assert "New owner" in response.content.decode()
    cases[0].refresh_from_db()
    assert cases[0].owner_id == admin.pk


def test_bulk_print_notices_lists_then_merges_the_ready_notices(client, intake):
    with_notices = eligible_case()
    ready_notice(with_notices, pages=2)
    ready_notice(with_notices, kind="expedited")
    other = eligible_case()
    ready_notice(other)
    without = CaseFactory()
    client.force_login(intake)
    response = _bulk(client, "notices", [with_notices.number, other.number, without.number])
    assert response.status_code == 200
    result = response.context["result"]
    assert [o.number for o in result.done] == [with_notices.number, other.number]
    assert [o.number for o in result.refused] == [without.number]
    assert "Download one PDF" in response.content.decode()
    pdf = client.post(reverse("worklists:bulk_notices_pdf"), {"cases": [with_notices.number, other.number, without.number]})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 4
    assert AuditEvent.objects.filter(action=AuditEvent.Action.NOTICE_DOWNLOAD, detail__via="bulk print").count() == 3
    assert AuditEvent.objects.filter(action=AuditEvent.Action.BULK_ACTION, detail__action="notices").count() == 3


def test_bulk_print_refuses_a_tampered_notice(client, intake):
    case = eligible_case()
    notice = ready_notice(case)
    type(notice).objects.filter(pk=notice.pk).update(sha256="0" * 64)
    client.force_login(intake)
    response = client.post(reverse("worklists:bulk_notices_pdf"), {"cases": [case.number]}, follow=True)
    assert "None of the selected cases has a notice ready to print." in response.content.decode()


def test_case_list_offers_the_bulk_form_with_a_box_per_case(client, intake):
    case = eligible_case()
    client.force_login(intake)
    page = client.get(reverse("cases:list")).content.decode()
    assert f'name="cases" value="{case.number}"' in page and 'form="bulk"' in page
    # The list's own context never hides the navbar's links (its "roles" once did).
    assert 'href="/correspondence/"' in page and ">Work queues</a>" in page
    assert UserFactory  # factories imported for the other tests
