"""Case and party admin: what an operator sees and may do."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from cases import services
from cases.models import Case
from imrsite.tests.admin_objects import assigned_case, final_determination, form_data, open_case
from tests.factories import CaseFactory, DisputedItemFactory, DocumentFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:cases_case_changelist"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    return client


def change_url(case):
    return reverse("admin:cases_case_change", args=[case.pk])


def test_changelist_shows_the_current_reviewer(admin_client):
    assignment = assigned_case()
    unassigned = open_case()
    response = admin_client.get(reverse(CHANGELIST))
    body = response.content.decode()
    assert assignment.case.number in body and unassigned.number in body
    assert str(assignment.reviewer) in body
    assert response.context["cl"].result_count == 2


def test_overdue_filter(admin_client):
    today = timezone.localdate()
    overdue = open_case()
    Case.objects.filter(pk=overdue.pk).update(due_on=today - timedelta(days=1))
    due_today = open_case()
    Case.objects.filter(pk=due_today.pk).update(due_on=today)
    decided = final_determination().case
    Case.objects.filter(pk=decided.pk).update(due_on=today - timedelta(days=3))
    listed = admin_client.get(reverse(CHANGELIST), {"overdue": "yes"}).context["cl"].result_list
    assert [c.pk for c in listed] == [overdue.pk]
    others = admin_client.get(reverse(CHANGELIST), {"overdue": "no"}).context["cl"].result_list
    assert {c.pk for c in others} == {due_today.pk, decided.pk}


@pytest.mark.parametrize("term", ["CM26-77", "wc-find-me", "Núñez", "jose nunez", "NUNEZ"])
def test_search_by_number_claim_and_employee(admin_client, term):
    wanted = CaseFactory(
        number="CM26-7700001", claim_number="WC-FIND-ME",
        employee=PersonFactory(name="José Núñez", first_name="José", last_name="Núñez"),
    )
    CaseFactory()
    listed = admin_client.get(reverse(CHANGELIST), {"q": term}).context["cl"].result_list
    assert [c.pk for c in listed] == [wanted.pk]


def test_changelist_filters_and_search_cost_no_query_per_row(admin_client):
    def count(params):
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(reverse(CHANGELIST), params)
        assert response.status_code == 200
        return len(captured)

    params = [{}, {"status__exact": "in_review"}, {"overdue": "yes"}, {"q": "Reyes"}, {"review_type__exact": "standard"}]
    for _ in range(3):
        assigned_case()
    admin_client.get(reverse(CHANGELIST))
    few = [count(p) for p in params]
    for _ in range(27):
        assigned_case()
    many = [count(p) for p in params]
    assert few == many


def test_change_page_shows_items_documents_assignment_and_determination(admin_client):
    determination = final_determination()
    case = determination.case
    document = case.documents.get()
    body = admin_client.get(change_url(case)).content.decode()
    assert case.items.get().description in body
    assert document.sha256 in body and document.original_filename in body
    assert str(determination.reviewer) in body
    assert reverse("admin:determinations_determination_change", args=[determination.pk]) in body


def test_status_and_number_cannot_be_edited(admin_client):
    case = open_case()
    data = form_data(admin_client.get(change_url(case)))
    assert "status" not in data and "number" not in data
    data.update(status=Case.Status.DECIDED, number="CM26-0000009", diagnosis="Lumbar radiculopathy")
    response = admin_client.post(change_url(case), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_RECORDS
    assert case.number != "CM26-0000009"
    assert case.diagnosis == "Lumbar radiculopathy"


def test_corrected_notice_date_recomputes_the_deadlines(admin_client):
    case = open_case()
    data = form_data(admin_client.get(change_url(case)))
    new_notice = case.assigned_on - timedelta(days=2)
    data["assigned_on"] = new_notice.isoformat()
    assert admin_client.post(change_url(case), data).status_code == 302
    case.refresh_from_db()
    expected = open_case()
    expected.assigned_on = new_notice
    services._apply_deadlines(expected)
    assert case.records_due_on == expected.records_due_on
    assert case.due_on == expected.records_due_on


def test_dates_out_of_order_are_a_form_error(admin_client):
    case = open_case()
    data = form_data(admin_client.get(change_url(case)))
    data["date_of_injury"] = (case.ur_decision_date + timedelta(days=1)).isoformat()
    response = admin_client.post(change_url(case), data)
    assert response.status_code == 200
    assert "date_of_injury" in response.context["adminform"].form.errors


def test_items_of_a_decided_case_are_read_only(admin_client):
    case = final_determination().case
    item = case.items.get()
    response = admin_client.get(change_url(case))
    assert 'name="items-0-description"' not in response.content.decode()
    assert item.description in response.content.decode()
    data = form_data(response)
    data["items-0-description"] = "Twelve (12) physical therapy visits"
    assert admin_client.post(change_url(case), data).status_code == 302
    item.refresh_from_db()
    assert item.description == "Eight (8) physical therapy visits"


def test_items_of_an_open_case_can_be_corrected(admin_client):
    case = open_case()
    item = case.items.get()
    data = form_data(admin_client.get(change_url(case)))
    data["items-0-description"] = "Six (6) physical therapy visits"
    assert admin_client.post(change_url(case), data).status_code == 302
    item.refresh_from_db()
    assert item.description == "Six (6) physical therapy visits"


def test_no_add_and_no_delete(admin_client):
    case = open_case()
    assert admin_client.get(reverse("admin:cases_case_add")).status_code == 403
    assert admin_client.get(reverse("admin:cases_case_delete", args=[case.pk])).status_code == 403
    assert admin_client.post(reverse("admin:cases_case_delete", args=[case.pk]), {"post": "yes"}).status_code == 403
    assert Case.objects.filter(pk=case.pk).exists()
    actions = admin_client.get(reverse(CHANGELIST)).context["action_form"].fields["action"].choices
    assert "delete_selected" not in [name for name, _ in actions]


def test_mark_records_complete_action_calls_the_service(admin_client):
    awaiting = open_case()
    received = CaseFactory()
    DisputedItemFactory(case=received)
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "mark_records_complete_today", "_selected_action": [awaiting.pk, received.pk]},
        follow=True,
    )
    awaiting.refresh_from_db()
    received.refresh_from_db()
    assert awaiting.status == Case.Status.RECORDS_COMPLETE
    assert awaiting.records_complete_on == timezone.localdate()
    assert awaiting.decision_due_on is not None and awaiting.due_on == awaiting.decision_due_on
    assert received.status == Case.Status.RECEIVED  # only a case awaiting records moves on
    messages = [str(m) for m in response.context["messages"]]
    assert any("Records marked complete" in m for m in messages)


def test_convert_to_expedited_action_reports_refusals(admin_client):
    standard = open_case()
    decided = final_determination().case
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "convert_to_expedited_today", "_selected_action": [standard.pk, decided.pk]},
        follow=True,
    )
    standard.refresh_from_db()
    decided.refresh_from_db()
    assert standard.review_type == "expedited" and standard.expedited_since == timezone.localdate()
    assert decided.review_type == "standard"
    messages = [str(m) for m in response.context["messages"]]
    assert any(decided.number in m and "only an open case" in m for m in messages)


def test_party_search_folds_accents_and_suffixes(admin_client):
    wanted = PersonFactory(name="José Núñez", first_name="José", last_name="Núñez")
    PersonFactory(name="Joseph Nunn")
    for term in ["jose nunez", "Núñez", "JOSÉ NÚÑEZ"]:
        listed = admin_client.get(reverse("admin:cases_party_changelist"), {"q": term}).context["cl"].result_list
        assert [p.pk for p in listed] == [wanted.pk], term


def test_document_metadata_is_read_only(admin_client):
    document = DocumentFactory(sha256="c" * 64, page_count=12, size=4096)
    url = reverse("admin:cases_casedocument_change", args=[document.pk])
    data = form_data(admin_client.get(url))
    assert not {"sha256", "page_count", "size", "file", "case"} & set(data)
    data.update(title="Orthopedic consultation", sha256="0" * 64, page_count="1")
    assert admin_client.post(url, data).status_code == 302
    document.refresh_from_db()
    assert (document.title, document.sha256, document.page_count) == ("Orthopedic consultation", "c" * 64, 12)
    assert admin_client.get(reverse("admin:cases_casedocument_add")).status_code == 403


def test_adding_an_item_to_an_open_case(admin_client):
    case = open_case()
    data = form_data(admin_client.get(change_url(case)))
    data.update({
        "items-TOTAL_FORMS": "2", "items-1-case": str(case.pk), "items-1-position": "0",
        "items-1-description": "Lumbar MRI without contrast", "items-1-category": "Diagnostic Testing",
        "items-1-ur_decision": "denied", "items-1-claims_administrator_guideline": "",
    })
    response = admin_client.post(change_url(case), data)
    assert response.status_code == 200  # position 0 is taken: a form error, not a crash
    assert case.items.count() == 1
    data["items-1-position"] = "1"
    assert admin_client.post(change_url(case), data).status_code == 302
    assert list(case.items.values_list("description", flat=True)) == [
        "Eight (8) physical therapy visits", "Lumbar MRI without contrast",
    ]


def test_change_page_suggests_eligible_reviewers(admin_client):
    from tests.factories import ReviewerFactory

    case = open_case()
    fit = ReviewerFactory(user__last_name="Okafor")
    ReviewerFactory(user__last_name="Conflicted", affiliations=[case.employer.name])
    body = admin_client.get(change_url(case)).content.decode()
    assert f"{fit} (Physical Medicine &amp; Rehabilitation, 0 open)" in body
    assert "Conflicted" not in body


def test_a_searched_changelist_shows_pages_of_25_and_a_plain_one_pages_of_100(admin_client):
    employee = PersonFactory(name="Ana Kowalski", first_name="Ana", last_name="Kowalski")
    CaseFactory.create_batch(30, employee=employee)
    CaseFactory.create_batch(2)
    plain = admin_client.get(reverse(CHANGELIST)).context["cl"]
    assert plain.list_per_page == 100 and len(plain.result_list) == 32 and not plain.multi_page
    searched = admin_client.get(reverse(CHANGELIST), {"q": "Kowalski"}).context["cl"]
    assert searched.list_per_page == 25 and len(searched.result_list) == 25 and searched.multi_page
    second = admin_client.get(reverse(CHANGELIST), {"q": "Kowalski", "p": "2"})
    assert len(second.context["cl"].result_list) == 5
    assert "Kowalski" in second.content.decode()
