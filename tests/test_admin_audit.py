"""Django admin on the audit trail (issue 19 item 20; security.md control 27):
an admin's reads of health information (a case, a determination, its items
and documents, and the lists of them) are recorded like the web pages'
reads, and an admin's edits record the fields they changed, with old → new
values only for fields that are not health information."""

import json

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts import audit
from accounts.models import AuditEvent
from cases.models import Case
from determinations.models import Guideline
from imrsite.admin_mixins import AuditedAdminMixin
from imrsite.tests.admin_objects import form_data
from reviewers.models import Assignment

from .phi_world import build_world

pytestmark = pytest.mark.django_db
A = AuditEvent.Action


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def rows_after(before):
    return list(AuditEvent.objects.filter(id__gt=before).order_by("id"))


def last_id():
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _phi_pages(world):
    """(model label, object, its case, the read's action) for every admin change page showing health information."""
    a = world.a
    item = a.case.items.first()
    decision = a.determination.decisions.first()
    return [
        ("cases.case", a.case, a.case, A.CASE_VIEW),
        ("cases.party", a.case.employee, None, A.CASE_VIEW),  # a person is not one case's
        ("cases.disputeditem", item, a.case, A.CASE_VIEW),
        ("cases.casedocument", a.document, a.case, A.CASE_VIEW),
        ("reviewers.assignment", Assignment.objects.get(case=a.case), a.case, A.CASE_VIEW),
        ("determinations.determination", a.determination, a.case, A.DETERMINATION_VIEW),
        ("determinations.itemdecision", decision, a.case, A.DETERMINATION_VIEW),
    ]


def test_every_admin_read_of_health_information_writes_one_row(admin_client, world):
    for label, obj, case, action in _phi_pages(world):
        app, model = label.split(".")
        before = last_id()
        response = admin_client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk]), REMOTE_ADDR="203.0.113.5")
        assert response.status_code == 200, label
        (event,) = rows_after(before)
        assert (event.user, event.action, event.case, event.object_type, event.object_id) == (
            world.admin, action, case, label, str(obj.pk)
        ), label
        assert event.detail == {"page": "admin"}
        assert event.client_address == "203.0.113.5" and event.request_id == response["X-Request-ID"]


def test_admin_reads_show_in_who_looked_at_the_case(admin_client, world):
    admin_client.get(reverse("admin:cases_casedocument_change", args=[world.a.document.pk]))
    (event,) = audit.case_access_events(world.a.case)[:1]
    assert (event.user, event.action, event.object_type) == (world.admin, A.CASE_VIEW, "cases.casedocument")


def test_lists_of_health_information_are_reads_too(admin_client, world):
    before = last_id()
    assert admin_client.get(reverse("admin:cases_case_changelist"), {"q": world.a.case.number}).status_code == 200
    (event,) = rows_after(before)
    assert (event.user, event.action, event.case, event.detail) == (
        world.admin, A.CASE_LIST, None, {"page": "admin", "model": "cases.case"}
    )
    # Reference data holds no health information: no row.
    before = last_id()
    assert admin_client.get(reverse("admin:determinations_guideline_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:determinations_guideline_change", args=[Guideline.objects.first().pk])).status_code == 200
    assert rows_after(before) == []


def test_every_registered_admin_is_audited():
    """The site gives the mixin to every model admin, including ones added later."""
    assert all(isinstance(model_admin, AuditedAdminMixin) for model_admin in admin.site._registry.values())


def test_a_case_edit_records_field_names_and_only_non_phi_values(admin_client, world):
    case = world.a.case
    url = reverse("admin:cases_case_change", args=[case.pk])
    data = form_data(admin_client.get(url))
    old_channel = case.channel
    data.update(diagnosis="Lumbar radiculopathy, sentinel-diagnosis", channel="fax", is_formulary_dispute="on",
                eams_number="ADJ-SENTINEL-42")
    item_prefix = next(key[: -len("-description")] for key in data if key.endswith("-description"))
    data[f"{item_prefix}-description"] = "Sentinel-treatment twelve (12) sessions"
    before = last_id()
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    (event,) = [e for e in rows_after(before) if e.action == A.ADMIN_CHANGE]
    assert (event.user, event.case, event.object_type, event.object_id) == (world.admin, case, "cases.case", str(case.pk))
    detail = event.detail
    assert detail["flag"] == "change"
    assert set(detail["fields"]) == {"diagnosis", "channel", "is_formulary_dispute", "eams_number"}
    assert detail["values"] == {"channel": [old_channel, "fax"], "is_formulary_dispute": [False, True]}
    (item_change,) = detail["inlines"]
    assert item_change == {
        "model": "cases.disputeditem", "id": case.items.first().pk, "op": "change", "fields": ["description"]
    }
    dumped = json.dumps(detail)
    assert "sentinel" not in dumped.lower() and "Lumbar" not in dumped  # never a value of health information
    assert Case.objects.get(pk=case.pk).channel == "fax"


def test_an_edit_records_its_inline_items_by_name(admin_client, world):
    # Determinations are read-only in admin (issue 11 #8): an open case and its disputed items show the same record.
    case = world.a.case
    url = reverse("admin:cases_case_change", args=[case.pk])
    data = form_data(admin_client.get(url))
    data["diagnosis"] = "Sentinel diagnosis: a 51-year-old with neck pain."
    description = next(key for key in data if key.startswith("items-") and key.endswith("-description"))
    data[description] = "Sentinel item: twelve (12) acupuncture sessions"
    before = last_id()
    assert admin_client.post(url, data).status_code == 302
    (event,) = [e for e in rows_after(before) if e.action == A.ADMIN_CHANGE]
    assert event.case == case and event.detail["fields"] == ["diagnosis"]
    assert [(i["model"], i["op"], i["fields"]) for i in event.detail["inlines"]] == [
        ("cases.disputeditem", "change", ["description"])
    ]
    assert "Sentinel" not in json.dumps(event.detail)


def test_a_user_edit_records_flags_and_group_ids(admin_client, world):
    from django.contrib.auth.models import Group

    user = world.intake
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = form_data(admin_client.get(url))
    old_groups = sorted(user.groups.values_list("pk", flat=True))
    reviewer_group = Group.objects.get(name="reviewer")
    data["groups"] = [str(pk) for pk in old_groups + [reviewer_group.pk]]
    data.pop("is_active", None)  # unticked
    data["last_name"] = "Renamed"
    before = last_id()
    assert admin_client.post(url, data).status_code == 302
    (event,) = [e for e in rows_after(before) if e.action == A.ADMIN_CHANGE]
    # (date_joined comes back from the split date/time boxes without microseconds: changed, by name only.)
    assert {"groups", "is_active", "last_name"} <= set(event.detail["fields"])
    assert event.detail["values"] == {"groups": [old_groups, sorted(old_groups + [reviewer_group.pk])], "is_active": [True, False]}


def test_a_refused_save_is_a_read_and_a_good_one_a_change(admin_client, world):
    case = world.a.case
    url = reverse("admin:cases_case_change", args=[case.pk])
    data = form_data(admin_client.get(url))
    data["received_on"] = "not a date"
    before = last_id()
    assert admin_client.post(url, data).status_code == 200  # shown again with the error
    assert [(e.action, e.case) for e in rows_after(before)] == [(A.CASE_VIEW, case)]


# --- history, delete confirmation, autocomplete; Django's own log ------------------------------


def test_the_history_page_is_a_read_too(admin_client, world):
    case = world.a.case
    before = last_id()
    response = admin_client.get(reverse("admin:cases_case_history", args=[case.pk]))
    assert response.status_code == 200
    (event,) = rows_after(before)
    assert (event.user, event.action, event.case, event.object_id, event.detail) == (
        world.admin, A.CASE_VIEW, case, str(case.pk), {"page": "admin-history"}
    )


def test_the_delete_confirmation_is_a_read_and_the_log_keeps_no_name(admin_client, world):
    from django.contrib.admin.models import LogEntry

    from cases.models import Party

    person = Party.objects.create(kind=Party.Kind.PERSON, name="Sentinel Namesake", first_name="Sentinel", last_name="Namesake")
    url = reverse("admin:cases_party_delete", args=[person.pk])
    before = last_id()
    assert admin_client.get(url).status_code == 200
    (event,) = rows_after(before)
    assert (event.action, event.object_type, event.detail) == (A.CASE_VIEW, "cases.party", {"page": "admin-delete"})
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    entry = LogEntry.objects.get(object_id=str(person.pk), content_type__model="party")
    assert "Sentinel" not in entry.object_repr and entry.object_repr == f"party {person.pk}"


def test_an_autocomplete_search_of_people_is_a_list_read(admin_client, world):
    params = {"app_label": "cases", "model_name": "case", "field_name": "employee", "term": world.a.case.employee.last_name}
    before = last_id()
    response = admin_client.get(reverse("admin:autocomplete"), params)
    assert response.status_code == 200 and response.json()["results"]
    (event,) = rows_after(before)
    assert (event.user, event.action, event.detail) == (
        world.admin, A.CASE_LIST, {"page": "admin-autocomplete", "model": "cases.party"}
    )
    assert world.a.case.employee.last_name not in json.dumps(event.detail)  # the term typed is not kept
    # A refused search lists nothing and records no read.
    before = last_id()
    assert admin_client.get(reverse("admin:autocomplete"), {**params, "field_name": "nope"}).status_code == 403
    assert A.CASE_LIST not in [e.action for e in rows_after(before)]


def test_django_s_admin_log_keeps_no_health_information(admin_client, world):
    from django.contrib.admin.models import LogEntry

    person = world.a.case.employee
    url = reverse("admin:cases_party_change", args=[person.pk])
    data = form_data(admin_client.get(url))
    data["phone"] = "555-0142"
    assert admin_client.post(url, data).status_code == 302
    entry = LogEntry.objects.filter(object_id=str(person.pk), content_type__model="party").latest("pk")
    assert person.name not in entry.object_repr and entry.object_repr == f"party {person.pk}"

    # A case keeps its number; its inline items are named by id, never by their treatment.
    case = world.a.case
    url = reverse("admin:cases_case_change", args=[case.pk])
    data = form_data(admin_client.get(url))
    description = next(key for key in data if key.startswith("items-") and key.endswith("-description"))
    data[description] = "Sentinel item: twelve (12) acupuncture sessions"
    assert admin_client.post(url, data).status_code == 302
    entry = LogEntry.objects.filter(object_id=str(case.pk), content_type__model="case").latest("pk")
    assert entry.object_repr == case.number
    item = case.items.first()
    assert entry.get_change_message() and "Sentinel" not in entry.change_message
    assert f"disputed item {item.pk}" in entry.get_change_message()
    # The history page shows the same.
    history = admin_client.get(reverse("admin:cases_case_history", args=[case.pk])).content.decode()
    assert "acupuncture" not in history and "Sentinel" not in history
