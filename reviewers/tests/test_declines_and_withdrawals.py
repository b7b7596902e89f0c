"""Issue 19 items 2 and 7: what a decline means for the next offer, and intake taking a case back.

2. A reviewer who declined a case for a conflict of interest is never offered
   it again, by any caller (reviewer_check); any other decline is shown
   beside the reviewer's name and ranks them after the others.
7. Intake withdraws an offer or an accepted assignment with a reason; the
   reviewer is told, loses the case, and the case can be offered again.
"""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Notification, Role
from cases.models import Case
from cases.selectors import visible_cases
from determinations.models import Determination
from determinations.tests.review_helpers import offered_case
from imrsite.errors import ServiceError
from imrsite.tests.admin_objects import draft_determination
from reviewers.models import Assignment
from reviewers.selectors import eligible_reviewers_for, reviewer_check
from reviewers.services import assignment_accept, assignment_decline, assignment_withdraw, reviewer_assign
from tests.factories import ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db

CONFLICT = Assignment.DeclineKind.CONFLICT
OTHER = Assignment.DeclineKind.OTHER


@pytest.fixture
def reviewer():
    return ReviewerFactory(user__first_name="Eleanor", user__last_name="Vasquez")


@pytest.fixture
def intake(client, intake_user):
    client.force_login(intake_user)
    return client


def declined(reviewer, kind, reason="I examined this employee in 2019."):
    case, assignment = offered_case(reviewer)
    assignment_decline(assignment=assignment, user=reviewer.user, reason=reason, kind=kind)
    case.refresh_from_db()
    return case


# --- item 2 --------------------------------------------------------------------------------

def test_a_conflict_decline_excludes_the_reviewer_from_that_case_for_every_caller(reviewer, intake_user):
    case = declined(reviewer, CONFLICT)
    check = reviewer_check(reviewer=reviewer, case=case)
    assert not check.eligible
    assert check.conflicts[-1].code == "declined_conflict"
    # Suggestions: still listed (with the reason), never eligible, never first.
    checks = eligible_reviewers_for(case=case)
    mine = next(c for c in checks if c.reviewer == reviewer)
    assert not mine.eligible and "declined this case for a conflict of interest" in " ".join(mine.reasons)
    assert reviewer not in [c.reviewer for c in eligible_reviewers_for(case=case, include_ineligible=False)]
    # Assignment (browser, admin, import all call it): refused.
    with pytest.raises(ServiceError, match="declined this case for a conflict of interest"):
        reviewer_assign(case=case, reviewer=reviewer, assigned_by=intake_user)
    # Other cases are not affected.
    other_case, _ = offered_case(reviewer)
    assert reviewer_check(reviewer=reviewer, case=other_case, check_capacity=False).eligible


def test_the_intake_page_neither_preselects_nor_offers_a_reviewer_who_declined_for_a_conflict(reviewer, intake):
    case = declined(reviewer, CONFLICT)
    ReviewerFactory(user__first_name="Sam", user__last_name="Other")
    html = intake.get(reverse("cases:detail", args=[case.number])).content.decode()
    at = html.index(f'value="{reviewer.pk}" id="reviewer-{reviewer.pk}"')
    row = html[html.rindex("<tr", 0, at):html.index("</tr>", at)]
    assert "disabled" in row and "checked" not in row
    assert "declined this case for a conflict of interest" in row
    response = intake.post(reverse("cases:assign", args=[case.number]), {"reviewer": reviewer.pk})
    assert response.status_code == 400
    assert not Assignment.objects.filter(case=case, status__in=Assignment.OPEN_STATUSES).exists()


def test_another_decline_is_shown_beside_the_name_and_ranks_after_the_others(reviewer, intake):
    case = declined(reviewer, OTHER, reason="On leave until the 20th.")
    colleague = ReviewerFactory(user__first_name="Sam", user__last_name="Other")
    checks = eligible_reviewers_for(case=case, include_ineligible=False)
    assert [c.reviewer for c in checks] == [colleague, reviewer]  # both eligible; the one who declined last
    assert "declined this case" in checks[1].history[0].message and "On leave until the 20th." in checks[1].history[0].message
    html = intake.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "On leave until the 20th." in html
    assert f'value="{colleague.pk}" id="reviewer-{colleague.pk}" checked' in html
    # Still assignable if intake chooses them.
    reviewer_assign(case=case, reviewer=reviewer, check_capacity=False)


def test_the_reviewer_says_which_kind_of_decline_it_is(reviewer, client):
    case, assignment = offered_case(reviewer)
    client.force_login(reviewer.user)
    url = reverse("review:decline", args=[case.number])
    page = client.get(reverse("review:case", args=[case.number])).content.decode()
    assert 'name="kind" value="conflict"' in page and 'name="kind" value="other"' in page
    assert 'value="conflict" checked' not in page and 'value="other" checked' not in page  # nothing pre-ticked
    response = client.post(url, {"reason": "I treated this employee."})
    assert response.status_code == 400 and response.context["decline_form"].errors["kind"]
    response = client.post(url, {"kind": "conflict", "reason": "I treated this employee."})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.status, assignment.decline_kind) == (Assignment.Status.DECLINED, CONFLICT)
    assert "for a conflict of interest" in Notification.objects.get(role=Role.INTAKE).message


def test_the_database_refuses_a_decline_without_its_kind(reviewer):
    from django.db import IntegrityError, transaction

    case, assignment = offered_case(reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.DECLINED, decline_reason="x")


# --- item 7 --------------------------------------------------------------------------------

def test_intake_withdraws_an_offer_and_reassigns(reviewer, intake_user):
    case, assignment = offered_case(reviewer)
    assignment_withdraw(assignment=assignment, user=intake_user, reason="Offered to the wrong reviewer.")
    assignment.refresh_from_db()
    case.refresh_from_db()
    assert (assignment.status, assignment.withdrawn_by, assignment.withdrawal_reason) == (
        Assignment.Status.WITHDRAWN, intake_user, "Offered to the wrong reviewer."
    )
    assert case.status == Case.Status.RECORDS_COMPLETE
    assert case not in visible_cases(reviewer.user)
    note = Notification.objects.filter(recipient=reviewer.user).latest("created_at")  # after the offer's own
    assert case.number in note.message and "withdrawn" in note.message and "Offered to the wrong reviewer." in note.message
    event = AuditEvent.objects.get(action=AuditEvent.Action.ASSIGNMENT_WITHDRAW)
    assert event.detail == {"reviewer_id": reviewer.pk, "from": "offered", "draft_discarded": False}
    colleague = ReviewerFactory()
    assert reviewer_assign(case=case, reviewer=colleague, assigned_by=intake_user).status == Assignment.Status.OFFERED


def test_intake_withdraws_an_accepted_case_with_a_draft_and_the_next_reviewer_starts_afresh(intake_user):
    determination = draft_determination()
    assignment = Assignment.objects.get(case=determination.case, status=Assignment.Status.ACCEPTED)
    assignment_withdraw(assignment=assignment, user=intake_user, reason="The reviewer is ill for a month.")
    assert not Determination.objects.filter(case=determination.case).exists()
    case = Case.objects.get(pk=determination.case_id)
    assert case.status == Case.Status.AWAITING_RECORDS
    colleague = ReviewerFactory()
    new = reviewer_assign(case=case, reviewer=colleague, assigned_by=intake_user)
    assignment_accept(assignment=new, user=colleague.user, attested=True)
    from determinations.services import determination_start

    assert determination_start(case=case, reviewer=colleague).reviewer == colleague


def test_only_staff_with_a_reason_can_withdraw_and_not_a_completed_case(reviewer, intake_user):
    case, assignment = offered_case(reviewer)
    for user in (reviewer.user, UserFactory(), None):
        with pytest.raises(ServiceError, match="only intake staff"):
            assignment_withdraw(assignment=assignment, user=user, reason="x")
    with pytest.raises(ServiceError) as exc:
        assignment_withdraw(assignment=assignment, user=intake_user, reason="   ")
    assert exc.value.field == "reason"
    Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.COMPLETED, conflict_attested=True)
    with pytest.raises(ServiceError, match="only an offer or an accepted case"):
        assignment_withdraw(assignment=assignment, user=intake_user, reason="too late")


def test_the_reviewer_is_no_longer_told_to_ask_for_something_nobody_can_do(reviewer, intake_user):
    """Declining an accepted case says intake can withdraw it, and intake can."""
    case, assignment = offered_case(reviewer)
    assignment_accept(assignment=assignment, user=reviewer.user, attested=True)
    with pytest.raises(ServiceError, match="ask intake to withdraw it") as exc:
        assignment_decline(assignment=assignment, user=reviewer.user, reason="Too busy")
    assert "case page" in exc.value.message
    assignment_withdraw(assignment=assignment, user=intake_user, reason="Reviewer asked to be relieved.")
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.WITHDRAWN


def test_withdraw_from_the_case_page(reviewer, intake):
    case, assignment = offered_case(reviewer)
    url = reverse("cases:assignment_withdraw", args=[case.number])
    page = intake.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert f'action="{url}"' in page and "Take the case back from Eleanor Vasquez" in page
    response = intake.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "Say why the case is taken back from the reviewer." in response.content.decode()
    response = intake.post(url, {"reason": "Reviewer unavailable"})
    assert response.status_code == 302
    page = intake.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "Withdrawn by intake (Reviewer unavailable" in page
    assert "Offer the case to the chosen reviewer" in page  # assignable again


def test_withdraw_view_refuses_reviewers_and_anonymous(reviewer, client):
    case, assignment = offered_case(reviewer)
    url = reverse("cases:assignment_withdraw", args=[case.number])
    assert client.post(url, {"reason": "x"}).status_code == 302  # to sign-in
    client.force_login(reviewer.user)
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.OFFERED
