"""One home per rule: what may be done to a case in each state (`cases.permissions`),
records complete, overdue and untimely, each through the service and an outer caller."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from accounts.models import Role
from cases import permissions, services
from cases.models import Case
from imrsite.errors import ServiceError
from reviewers.services import reviewer_assign
from tests.factories import CaseFactory, DisputedItemFactory, ReviewerFactory, UserFactory
from tests.dates import today

from .helpers import pdf_bytes, upload

pytestmark = pytest.mark.django_db

S = Case.Status


def case_in(status: str, **kwargs) -> Case:
    """A case standing in `status` as its services would leave it (dates included)."""
    past_screening = status not in (S.RECEIVED, S.AWAITING_INFO, S.DEFERRED, S.INELIGIBLE, S.WITHDRAWN)
    fields = dict(
        status=status,
        received_on=today() - timedelta(days=20),
        assigned_on=today() - timedelta(days=18) if past_screening else None,
        ineligible_reason=Case.IneligibleReason.NO_SIGNATURE if status == S.INELIGIBLE else "",
        records_complete_on=today() - timedelta(days=10) if status in (S.RECORDS_COMPLETE, S.DECIDED) else None,
        decided_on=today() - timedelta(days=2) if status == S.DECIDED else None,
    )
    fields.update(kwargs)
    case = CaseFactory(**fields)
    DisputedItemFactory(case=case)
    return services.case_refresh_deadlines(case=case)


def accepts(call) -> bool:
    try:
        call()
    except ServiceError:
        return False
    return True


# --- the page offers exactly what the services accept -----------------------------

SERVICE_CALLS = {
    "screen": lambda case: services.case_screen(
        case=case, signature_present=True, ur_decision_attached=True, conditional_non_certification=False,
        liability_disputed=False,
    ),
    "mark_records_complete": lambda case: services.case_mark_records_complete(case=case, on=today()),
    "assign": lambda case: reviewer_assign(case=case, reviewer=ReviewerFactory(), check_capacity=False),
    "expedite": lambda case: services.case_convert_to_expedited(case=case, on=today()),
    "upload": lambda case: services.document_add(case=case, uploaded_file=upload(pdf_bytes(1)), kind="medical_record"),
}

EXPECTED = {
    # status: actions allowed
    S.RECEIVED: {"screen", "expedite", "upload"},
    S.AWAITING_INFO: {"expedite", "upload"},  # the party's answer arrives as a document
    S.DEFERRED: {"screen", "upload"},
    S.AWAITING_RECORDS: {"mark_records_complete", "assign", "expedite", "upload"},
    S.RECORDS_COMPLETE: {"assign", "expedite", "upload"},
    S.IN_REVIEW: {"mark_records_complete", "expedite", "upload"},
    S.INELIGIBLE: set(),
    S.DECIDED: set(),
    S.TERMINATED: set(),
    S.WITHDRAWN: set(),
}


@pytest.mark.parametrize("status", list(EXPECTED))
@pytest.mark.parametrize("action", list(SERVICE_CALLS))
def test_permissions_and_services_agree_for_every_status(status, action):
    case = case_in(status)
    allowed = action in EXPECTED[status]
    assert getattr(permissions.case_permissions(case), action) is allowed
    assert accepts(lambda: SERVICE_CALLS[action](case)) is allowed


def test_only_staff_are_offered_the_staff_actions_and_reviewers_their_question(reviewer_user, intake_user):
    case = case_in(S.AWAITING_RECORDS)
    staff, reviewer = permissions.case_permissions(case, user=intake_user), permissions.case_permissions(case, user=reviewer_user)
    assert staff.assign and not staff.ask_parties
    assert reviewer.ask_parties
    assert not any(value for name, value in vars(reviewer).items() if name != "ask_parties")
    assert not any(vars(permissions.case_permissions(case, user=UserFactory())).values())


def test_case_page_shows_the_forms_the_permissions_allow(client, intake_user):
    client.force_login(intake_user)
    awaiting = case_in(S.AWAITING_RECORDS)
    html = client.get(awaiting.get_absolute_url()).content.decode()
    for action in ("records_complete", "expedite", "document_upload", "assign"):
        assert reverse(f"cases:{action}", args=[awaiting.number]) in html, action
    decided = case_in(S.DECIDED)
    html = client.get(decided.get_absolute_url()).content.decode()
    for action in ("records_complete", "expedite", "document_upload", "assign", "screen"):
        assert reverse(f"cases:{action}", args=[decided.number]) not in html, action


# --- records complete: the service refuses, whoever calls ------------------------

@pytest.mark.parametrize("status", [S.RECEIVED, S.DEFERRED, S.INELIGIBLE, S.DECIDED, S.TERMINATED, S.WITHDRAWN])
def test_records_complete_refused_where_it_makes_no_sense(status):
    case = case_in(status)
    before = (case.records_complete_on, case.decision_due_on, case.status)
    with pytest.raises(ServiceError) as exc:
        services.case_mark_records_complete(case=case, on=today())
    assert exc.value.code == "not_completable"
    case.refresh_from_db()
    assert (case.records_complete_on, case.decision_due_on, case.status) == before


@pytest.mark.parametrize("status", [S.RECORDS_COMPLETE, S.IN_REVIEW])
def test_records_complete_is_never_overwritten(status):
    case = case_in(status, records_complete_on=today() - timedelta(days=3))
    with pytest.raises(ServiceError) as exc:
        services.case_mark_records_complete(case=case, on=today())
    assert exc.value.code == "already_complete"
    case.refresh_from_db()
    assert case.records_complete_on == today() - timedelta(days=3)


@pytest.mark.parametrize(
    "days_from_today, ok",
    [(1, False), (0, True), (-18, True), (-19, False)],  # tomorrow; today; the notice day; the day before it
)
def test_records_complete_date_limits(days_from_today, ok):
    case = case_in(S.AWAITING_RECORDS)  # notice sent 18 days ago
    on = today() + timedelta(days=days_from_today)
    if ok:
        case = services.case_mark_records_complete(case=case, on=on)
        assert (case.status, case.records_complete_on) == (S.RECORDS_COMPLETE, on)
        assert case.decision_due_on == on + timedelta(days=30)
    else:
        with pytest.raises(ServiceError) as exc:
            services.case_mark_records_complete(case=case, on=on)
        assert exc.value.field == "records_complete_on"
        case.refresh_from_db()
        assert case.status == S.AWAITING_RECORDS and case.records_complete_on is None


def test_records_complete_with_the_reviewer_keeps_the_status():
    case = case_in(S.IN_REVIEW)
    case = services.case_mark_records_complete(case=case, on=today())
    assert case.status == S.IN_REVIEW and case.decision_due_on == today() + timedelta(days=30) == case.due_on


def test_records_complete_view_shows_the_refusal_beside_the_date(client, intake_user):
    client.force_login(intake_user)
    case = case_in(S.AWAITING_RECORDS)
    url = reverse("cases:records_complete", args=[case.number])
    response = client.post(url, {"on": (today() + timedelta(days=1)).isoformat()})
    assert response.status_code == 400
    assert response.context["records_form"].errors["on"] == ["cannot be in the future"]
    decided = case_in(S.DECIDED)
    response = client.post(reverse("cases:records_complete", args=[decided.number]), {"on": today().isoformat()})
    assert response.status_code == 400
    assert "records cannot be marked complete on a case that is decided" in response.content.decode()


def test_records_complete_admin_action_refuses_per_case(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    received, awaiting, decided = case_in(S.RECEIVED), case_in(S.AWAITING_RECORDS), case_in(S.DECIDED)
    decided_on = decided.records_complete_on
    response = client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "mark_records_complete_today", "_selected_action": [received.pk, awaiting.pk, decided.pk]},
        follow=True,
    )
    text = " ".join(str(m) for m in response.context["messages"])
    assert f"{received.number}: records cannot be marked complete on a case that is received" in text
    assert f"{decided.number}: records cannot be marked complete on a case that is decided" in text
    assert "Records marked complete: 1 case(s)." in text
    received.refresh_from_db(), awaiting.refresh_from_db(), decided.refresh_from_db()
    assert received.decision_due_on is None and received.records_complete_on is None
    assert decided.records_complete_on == decided_on
    assert awaiting.records_complete_on == today() and awaiting.status == S.RECORDS_COMPLETE


def test_admin_change_form_cannot_edit_the_records_complete_date(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    case = case_in(S.DECIDED)
    response = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert "records_complete_on" in response.context["adminform"].readonly_fields
    assert 'name="records_complete_on"' not in response.content.decode()


# --- conversion and uploads: the same guards for every caller ---------------------

def test_expedite_refuses_a_future_or_pre_application_date(client, intake_user):
    case = case_in(S.AWAITING_RECORDS)
    with pytest.raises(ServiceError) as exc:
        services.case_convert_to_expedited(case=case, on=case.received_on - timedelta(days=1))
    assert exc.value.code == "before_received"
    client.force_login(intake_user)
    response = client.post(reverse("cases:expedite", args=[case.number]), {"on": (today() + timedelta(days=1)).isoformat()})
    assert response.status_code == 400
    assert response.context["expedite_form"].errors["on"] == ["cannot be in the future"]
    case.refresh_from_db()
    assert case.review_type == "standard"


def test_upload_to_a_decided_case_is_refused_through_the_page(client, intake_user):
    client.force_login(intake_user)
    case = case_in(S.DECIDED)
    data = {
        "docs-TOTAL_FORMS": "1", "docs-INITIAL_FORMS": "0", "docs-MIN_NUM_FORMS": "0", "docs-MAX_NUM_FORMS": "20",
        "docs-0-file": upload(pdf_bytes(1)), "docs-0-kind": "medical_record", "docs-0-author": "", "docs-0-dated": "",
        "docs-0-title": "",
    }
    response = client.post(reverse("cases:document_upload", args=[case.number]), data)
    assert response.status_code == 400
    assert "documents cannot be added to a case that is decided" in response.content.decode()
    assert not case.documents.exists()


def test_assign_is_refused_on_a_case_with_a_reviewer():
    case = case_in(S.RECORDS_COMPLETE)
    reviewer_assign(case=case, reviewer=ReviewerFactory(), check_capacity=False)
    case.refresh_from_db()
    assert permissions.assign_refusal(case).code == "not_assignable"  # in review now
    case = case_in(S.AWAITING_RECORDS)
    reviewer_assign(case=case, reviewer=ReviewerFactory(), check_capacity=False)
    Case.objects.filter(pk=case.pk).update(status=S.AWAITING_RECORDS)  # as if the status lagged behind
    case.refresh_from_db()
    assert permissions.assign_refusal(case).code == "already_assigned"


# --- overdue and untimely: one queryset method and one property each -----------------

@pytest.mark.parametrize(
    "status, due_in_days, overdue",
    [
        (S.AWAITING_RECORDS, -1, True),
        (S.AWAITING_RECORDS, 0, False),  # due today is not overdue yet
        (S.IN_REVIEW, -5, True),
        (S.RECEIVED, None, False),
        (S.DECIDED, -3, False),  # a closed case is never overdue
        (S.DEFERRED, -3, False),
    ],
)
def test_overdue_queryset_and_property_agree(status, due_in_days, overdue):
    case = case_in(status)
    due_on = None if due_in_days is None else today() + timedelta(days=due_in_days)
    Case.objects.filter(pk=case.pk).update(due_on=due_on)
    case.refresh_from_db()
    assert case.is_overdue is overdue
    assert Case.objects.overdue().filter(pk=case.pk).exists() is overdue


@pytest.mark.parametrize(
    "service, days_after_service, late",
    [("mail", 35, False), ("mail", 36, True), ("electronic", 30, False), ("electronic", 31, True), ("personal", 31, True)],
)
def test_untimely_queryset_and_property_agree(service, days_after_service, late):
    served = date(2025, 1, 10)
    case = CaseFactory(
        ur_decision_date=served - timedelta(days=3), ur_decision_served_on=served, ur_decision_service=service,
        received_on=served + timedelta(days=days_after_service),
    )
    assert case.is_untimely is late
    assert Case.objects.untimely().filter(pk=case.pk).exists() is late


def test_admin_filters_use_the_queryset_methods(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    late = CaseFactory(ur_decision_date=today() - timedelta(days=50), received_on=today() - timedelta(days=10))
    timely = CaseFactory()
    changelist = reverse("admin:cases_case_changelist")
    assert [c.pk for c in client.get(changelist, {"untimely": "yes"}).context["cl"].result_list] == [late.pk]
    assert [c.pk for c in client.get(changelist, {"untimely": "no"}).context["cl"].result_list] == [timely.pk]


def test_items_of_a_closed_case_are_read_only_in_admin(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    open_item = case_in(S.AWAITING_RECORDS).items.get()
    closed_item = case_in(S.DECIDED).items.get()
    assert permissions.items_refusal(closed_item.case).code == "case_closed"
    url = "admin:cases_disputeditem_change"
    assert 'name="description"' in client.get(reverse(url, args=[open_item.pk])).content.decode()
    assert 'name="description"' not in client.get(reverse(url, args=[closed_item.pk])).content.decode()
