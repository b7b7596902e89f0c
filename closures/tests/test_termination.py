"""Termination and withdrawal (8 CCR 9792.10.6(a)): the service at its boundaries, for every caller."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, Role
from billing.models import FeeLine
from cases.models import Case
from closures.models import Termination
from closures.services import termination_record
from correspondence.models import Notice, NoticeKind
from imrsite.errors import ServiceError
from imrsite.tests.admin_objects import assigned_case, draft_determination, final_determination, open_case
from reviewers.models import Assignment
from tests.factories import CaseFactory, DisputedItemFactory, UserFactory
from tests.dates import FromToday, resolved

pytestmark = pytest.mark.django_db


def terminate(case, **kwargs):
    data = {"reason": "authorized", "reported_by_role": "claims_administrator", "reported_on": timezone.localdate()}
    data.update(kwargs)
    return termination_record(case=case, **data)


def test_authorized_before_forwarding_closes_the_case_and_earns_the_fee_before_forwarding():
    case = open_case()
    termination = terminate(case, reported_by_name="J. Adjuster")
    case.refresh_from_db()
    assert case.status == Case.Status.TERMINATED
    assert termination.forwarded_to_reviewer is False
    assert termination.status_before == Case.Status.AWAITING_RECORDS
    line = FeeLine.objects.get(case=case)
    assert (line.kind, line.amount, line.earned_on) == ("terminated_before", Decimal("115.00"), termination.reported_on)


def test_withdrawal_after_forwarding_closes_the_assignment_tells_the_reviewer_and_notifies_the_parties():
    assignment = assigned_case(accepted=True)
    case = assignment.case
    draft_reviewer_user = assignment.reviewer.user
    termination = terminate(case, reason="withdrawn", reported_by_role="employee")
    case.refresh_from_db()
    assignment.refresh_from_db()
    assert case.status == Case.Status.WITHDRAWN
    assert termination.forwarded_to_reviewer is True and termination.closed_assignment_id == assignment.pk
    assert assignment.status == Assignment.Status.WITHDRAWN and "withdrew" in assignment.withdrawal_reason
    note = Notification.objects.get(recipient=draft_reviewer_user, message__contains="closed before a decision")
    assert case.number in note.message and note.link == reverse("review:dashboard")
    assert FeeLine.objects.get(case=case).kind == "terminated_after"
    notice = Notice.objects.get(case=case, kind=NoticeKind.TERMINATION)
    assert notice.content["termination_reason"] == "withdrawn"
    assert {d.role for d in notice.deliveries.all()} >= {"employee", "claims_administrator", "requesting_provider"}


def test_an_offer_not_yet_accepted_counts_as_forwarded():
    assignment = assigned_case(accepted=False)
    termination = terminate(assignment.case)
    assert termination.forwarded_to_reviewer is True


def test_a_draft_determination_is_discarded_with_the_assignment():
    determination = draft_determination()
    terminate(determination.case)
    assert not determination.case.determinations.exists()


@pytest.mark.parametrize(
    ("reported_on", "before", "after"),
    [(date(2019, 12, 31), "160.00", "420.00"), (date(2020, 1, 1), "115.00", "345.00")],
)
def test_the_rate_in_force_on_the_report_date_applies_not_todays(reported_on, before, after):
    early = open_case(received_on=date(2019, 11, 20))
    terminate(early, reported_on=reported_on)
    assert FeeLine.objects.get(case=early).amount == Decimal(before)
    forwarded = assigned_case(accepted=True).case
    Case.objects.filter(pk=forwarded.pk).update(received_on=date(2019, 11, 20), ur_decision_date=date(2019, 11, 8),
                                                ur_decision_served_on=date(2019, 11, 8), date_of_injury=date(2019, 1, 1))
    forwarded.refresh_from_db()
    terminate(forwarded, reported_on=reported_on)
    assert FeeLine.objects.get(case=forwarded).amount == Decimal(after)


def test_a_decided_case_cannot_be_terminated():
    case = final_determination().case
    with pytest.raises(ServiceError) as exc:
        terminate(case)
    assert exc.value.code == "decided" and "decided case cannot be terminated" in exc.value.message
    assert not Termination.objects.filter(case=case).exists()


def test_a_second_termination_is_refused_and_changes_nothing():
    case = open_case()
    terminate(case)
    with pytest.raises(ServiceError) as exc:
        terminate(case, reason="withdrawn", reported_by_role="employee")
    assert exc.value.code == "already_terminated"
    assert Termination.objects.filter(case=case).count() == 1 and FeeLine.objects.filter(case=case).count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": "withdrawn", "reported_by_role": "claims_administrator"}, "reported_by_role"),
        ({"reason": "nonsense"}, "reason"),
        ({"reported_on": FromToday(1)}, "reported_on"),
        ({"reported_on": date(2000, 1, 1)}, "reported_on"),
    ],
)
def test_bad_input_is_refused_naming_the_field(kwargs, field):
    case = open_case()
    with pytest.raises(ServiceError) as exc:
        terminate(case, **resolved(kwargs))
    assert exc.value.field == field
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_RECORDS


def test_a_reviewer_cannot_terminate(reviewer_user):
    with pytest.raises(ServiceError) as exc:
        terminate(open_case(), user=reviewer_user)
    assert exc.value.code == "not_staff"


def test_ineligible_case_cannot_be_terminated():
    case = CaseFactory()
    DisputedItemFactory(case=case)
    from cases import services as case_services

    case_services.case_mark_ineligible(case=case, reason=Case.IneligibleReason.NO_SIGNATURE)
    with pytest.raises(ServiceError) as exc:
        terminate(case)
    assert exc.value.code == "not_open"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks across two connections (PostgreSQL)")
def test_two_staff_terminating_at_once_leave_one_termination():
    case = open_case()
    staff = [UserFactory(role=Role.INTAKE), UserFactory(role=Role.INTAKE)]
    barrier = threading.Barrier(2)
    results = []

    def attempt(user, reason, role):
        try:
            barrier.wait(timeout=10)
            results.append(termination_record(case=case, reason=reason, reported_by_role=role,
                                              reported_on=timezone.localdate(), user=user))
        except ServiceError as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=attempt, args=(staff[0], "authorized", "claims_administrator")),
        threading.Thread(target=attempt, args=(staff[1], "withdrawn", "employee")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(type(r).__name__ for r in results) == ["ServiceError", "Termination"]
    refusal = next(r for r in results if isinstance(r, ServiceError))
    assert refusal.code == "already_terminated"
    assert Termination.objects.filter(case=case).count() == 1
    assert FeeLine.objects.filter(case=case).count() == 1
    assert Notice.objects.filter(case=case, kind=NoticeKind.TERMINATION).count() == 1


def test_the_database_refuses_a_second_termination_row():
    from django.db import IntegrityError, transaction

    termination = terminate(open_case())
    with pytest.raises(IntegrityError), transaction.atomic():
        Termination.objects.create(case=termination.case, reason="authorized", reported_by_role="claims_administrator",
                                   reported_on=termination.reported_on, forwarded_to_reviewer=False,
                                   status_before="awaiting_records")


# --- the case page and admin ----------------------------------------------------------


def _post(client, case, **data):
    payload = {"reason": "authorized", "reported_by_role": "claims_administrator", "reported_on": timezone.localdate().isoformat()}
    payload.update(data)
    return client.post(reverse("closures:terminate", args=[case.number]), payload)


def test_intake_terminates_from_the_case_page(client, intake_user):
    case = open_case()
    client.force_login(intake_user)
    page = client.get(case.get_absolute_url())
    assert "Terminate: treatment authorized, or application withdrawn" in page.content.decode()
    response = _post(client, case)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.TERMINATED
    assert Termination.objects.get(case=case).recorded_by == intake_user
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Closed before a decision" in page and "Claims administrator authorized the disputed treatment" in page


def test_the_page_shows_the_refusal_for_a_decided_case(client, intake_user):
    case = final_determination().case
    client.force_login(intake_user)
    response = _post(client, case)
    assert response.status_code == 400
    assert "a decided case cannot be terminated" in response.content.decode()


def test_a_missing_date_is_named(client, intake_user):
    case = open_case()
    client.force_login(intake_user)
    response = _post(client, case, reported_on="")
    assert response.status_code == 400
    assert "Give the date the report was received." in response.content.decode()


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.MANAGER])
def test_other_roles_are_forbidden(client, role):
    case = open_case()
    client.force_login(UserFactory(role=role))
    assert _post(client, case).status_code == 403
    assert not Termination.objects.exists()


def test_anonymous_goes_to_the_login_page(client):
    case = open_case()
    response = _post(client, case)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not Termination.objects.exists()


def test_admin_action_terminates_through_the_service_and_reports_refusals(client, admin_user):
    open_one, decided = open_case(), final_determination().case
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "terminate_withdrawn_today", "_selected_action": [open_one.pk, decided.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert f"{decided.number}: a decided case cannot be terminated" in text
    open_one.refresh_from_db()
    assert open_one.status == Case.Status.WITHDRAWN
    assert Termination.objects.get(case=open_one).reported_by_role == "employee"
