"""Appeals to the WCAB (LC 4610.6(h); 8 CCR 10575) and remands (LC 4610.6(i))."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appeals import selectors, services
from appeals.models import Appeal, Ground, Remand
from cases import deadlines
from cases.models import Case, DeliveryChannel, PartyRole
from correspondence.models import Delivery, Notice, NoticeKind
from imrsite.errors import ServiceError
from implementation.tests.helpers import decided_case, serve
from reviewers import selectors as reviewer_selectors
from reviewers import services as reviewer_services
from tests.factories import CaseFactory, DisputedItemFactory, ReviewerFactory

pytestmark = pytest.mark.django_db


def data(**kw):
    base = dict(petitioner=PartyRole.EMPLOYEE, adj_number="adj12345678", filed_on=timezone.localdate(),
                grounds=[Ground.FACT_ERROR], verified=True)
    base.update(kw)
    return services.AppealData(**base)


# --- the clock ----------------------------------------------------------------------------

def test_appeal_window_is_30_days_from_service_plus_the_mail_extension(settings):
    settings.IMR_APPEAL_MAIL_EXTENSION_DAYS = 5
    served = date(2026, 3, 2)
    assert deadlines.appeal_deadline(served_on=served, by_mail=False) == date(2026, 4, 1)
    assert deadlines.appeal_deadline(served_on=served, by_mail=True) == date(2026, 4, 6)


def test_filing_on_the_last_day_is_timely_and_the_day_after_is_recorded_late(intake_user, settings):
    settings.IMR_APPEAL_MAIL_EXTENSION_DAYS = 5
    case, letter = decided_case(("overturned",))
    served = case.decided_on
    serve(case, letter, on=served, role=PartyRole.EMPLOYEE, channel=DeliveryChannel.MAIL)
    serve(case, letter, on=served, channel=DeliveryChannel.PORTAL)
    last = served + timedelta(days=35)
    on_time = services.appeal_record(case=case, data=data(filed_on=last), user=intake_user, today=last)
    assert (on_time.deadline, on_time.late, on_time.served_by_mail) == (last, False, True)
    late = services.appeal_record(case=case, data=data(filed_on=last + timedelta(days=1), adj_number="ADJ2"),
                                  user=intake_user, today=last + timedelta(days=1))
    assert late.late and late.days_late == 1
    # The claims administrator was served through the portal: no mail extension for its petition.
    ca = services.appeal_record(case=case, data=data(petitioner=PartyRole.CLAIMS_ADMINISTRATOR, filed_on=served + timedelta(days=31),
                                                     adj_number="ADJ3"), user=intake_user, today=served + timedelta(days=31))
    assert ca.deadline == served + timedelta(days=30) and ca.late


# --- refusals -----------------------------------------------------------------------------

def test_an_appeal_before_the_letter_was_served_is_refused(intake_user):
    case, letter = decided_case(("upheld",))
    Delivery.objects.create(case=case, letter=letter, role=PartyRole.EMPLOYEE, name="x", channel=DeliveryChannel.MAIL,
                            send_by=case.decided_on)  # prepared, not yet mailed
    with pytest.raises(ServiceError) as exc:
        services.appeal_record(case=case, data=data(), user=intake_user)
    assert exc.value.code == "not_served" and "not been served" in exc.value.message
    assert not Appeal.objects.exists()


def test_an_open_case_has_nothing_to_appeal(intake_user):
    case = CaseFactory()
    with pytest.raises(ServiceError) as exc:
        services.appeal_record(case=case, data=data(), user=intake_user)
    assert exc.value.code == "no_decision"


def test_grounds_adj_number_and_dates_are_checked(intake_user):
    case, letter = decided_case(("upheld",))
    serve(case, letter, on=case.decided_on, role=PartyRole.EMPLOYEE)
    for kw, field in (
        ({"grounds": []}, "grounds"), ({"grounds": ["unhappy"]}, "grounds"), ({"adj_number": "  "}, "adj_number"),
        ({"filed_on": case.decided_on + timedelta(days=400)}, "filed_on"), ({"petitioner": "reviewer"}, "petitioner"),
    ):
        with pytest.raises(ServiceError) as exc:
            services.appeal_record(case=case, data=data(**kw), user=intake_user)
        assert exc.value.field == field
    appeal = services.appeal_record(case=case, data=data(grounds=[Ground.BIAS, Ground.FRAUD, Ground.BIAS]), user=intake_user)
    assert appeal.grounds == [Ground.FRAUD, Ground.BIAS] and appeal.adj_number == "ADJ12345678"


def test_an_ineligibility_decision_is_appealable_the_same_way(intake_user):
    case = CaseFactory()
    DisputedItemFactory(case=case)
    from cases import services as case_services

    case_services.case_mark_ineligible(case=case, reason=Case.IneligibleReason.UNTIMELY)
    with pytest.raises(ServiceError):
        services.appeal_record(case=case, data=data(), user=intake_user)
    today = timezone.localdate()
    notice = Notice.objects.create(case=case, kind=NoticeKind.INELIGIBLE, issued_on=today, send_by=today)
    Delivery.objects.create(case=case, notice=notice, role=PartyRole.EMPLOYEE, name="x", channel=DeliveryChannel.EMAIL,
                            status=Delivery.Status.SENT, send_by=today, sent_on=today)
    appeal = services.appeal_record(case=case, data=data(), user=intake_user)
    assert appeal.decision == Appeal.Decision.INELIGIBILITY and appeal.deadline == today + timedelta(days=30)


def test_the_case_is_final_once_the_window_passes_with_no_appeal(intake_user):
    case, letter = decided_case(("upheld",))
    served = case.decided_on
    serve(case, letter, on=served, role=PartyRole.EMPLOYEE, channel=DeliveryChannel.EMAIL)
    serve(case, letter, on=served + timedelta(days=2), role=PartyRole.EMPLOYER, channel=DeliveryChannel.EMAIL)
    closes = served + timedelta(days=32)
    assert not selectors.case_standing(case, today=closes).final
    standing = selectors.case_standing(case, today=closes + timedelta(days=1))
    assert standing.final and standing.label.startswith("Final")
    # A pending appeal keeps it open; an affirmed one lets it become final.
    appeal = services.appeal_record(case=case, data=data(filed_on=served + timedelta(days=5)), user=intake_user,
                                    today=served + timedelta(days=5))
    assert not selectors.case_standing(case, today=closes + timedelta(days=1)).final
    services.appeal_decide(appeal=appeal, outcome=Appeal.Outcome.AFFIRMED, on=served + timedelta(days=40), user=intake_user,
                           today=served + timedelta(days=40))
    assert selectors.case_standing(case, today=closes + timedelta(days=41)).final
    with pytest.raises(ServiceError) as exc:
        services.appeal_decide(appeal=appeal, outcome=Appeal.Outcome.REVERSED, on=served + timedelta(days=41), user=intake_user,
                               today=served + timedelta(days=41))
    assert exc.value.code == "decided"


# --- remand -------------------------------------------------------------------------------

def _reversed(intake_user):
    case, letter = decided_case(("overturned", "upheld"))
    serve(case, letter, on=case.decided_on, role=PartyRole.EMPLOYEE)
    appeal = services.appeal_record(case=case, data=data(), user=intake_user)
    services.appeal_decide(appeal=appeal, outcome=Appeal.Outcome.REVERSED, on=timezone.localdate(), user=intake_user)
    return case, Remand.objects.get(appeal=appeal)


def test_a_reversal_opens_a_linked_new_review_of_the_same_items(intake_user):
    case, remand = _reversed(intake_user)
    new = remand.new_case
    assert new.number != case.number and new.status == Case.Status.RECORDS_COMPLETE
    assert [i.description for i in new.items.all()] == [i.description for i in case.items.all()]
    assert {d.sha256 for d in new.documents.all()} == {d.sha256 for d in case.documents.all()}
    assert new.decision_due_on == timezone.localdate() + timedelta(days=30)
    assert case.remanded_as == remand and new.remand_of == remand
    assert remand.original_reviewer == case.determinations.get().reviewer
    # A second reversal of the same decision is refused; so is a new appeal of it.
    with pytest.raises(ServiceError):
        services.appeal_record(case=case, data=data(adj_number="ADJ9"), user=intake_user)


def test_the_original_reviewer_is_refused_by_the_assignment_rule_for_every_caller(intake_user):
    case, remand = _reversed(intake_user)
    new, original = remand.new_case, remand.original_reviewer
    checks = {c.reviewer.pk: c for c in reviewer_selectors.eligible_reviewers_for(case=new)}
    assert not checks[original.pk].eligible
    assert any(f.code == "remand_original_reviewer" for f in checks[original.pk].conflicts)
    with pytest.raises(ServiceError) as exc:
        reviewer_services.reviewer_assign(case=new, reviewer=original, assigned_by=intake_user)
    assert exc.value.code == "reviewer_ineligible" and "WCAB reversed" in exc.value.message
    other = ReviewerFactory()
    assignment = reviewer_services.reviewer_assign(case=new, reviewer=other, assigned_by=intake_user)
    assert assignment.reviewer == other
    # The original case itself is untouched by the bar.
    assert reviewer_selectors.reviewer_check(reviewer=original, case=case, check_capacity=False).conflicts == []


def test_remand_queries_on_the_suggestions_do_not_grow_with_reviewers(intake_user):
    case, remand = _reversed(intake_user)
    ReviewerFactory()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        fresh = Case.objects.get(pk=remand.new_case_id)
        with CaptureQueriesContext(connection) as captured:
            reviewer_selectors.eligible_reviewers_for(case=fresh)
        return len(captured)

    few = count()
    ReviewerFactory(), ReviewerFactory()
    assert count() == few


# --- pages ----------------------------------------------------------------------------------

def _client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_record_and_reverse_from_the_case_page_and_both_pages_link(intake_user):
    case, letter = decided_case(("overturned",))
    serve(case, letter, on=case.decided_on, role=PartyRole.EMPLOYEE)
    client = _client(intake_user)
    html = client.get(case.get_absolute_url()).content.decode()
    assert "Record an appeal" in html and "Open to appeal until" in html
    response = client.post(reverse("appeals:record", args=[case.number]), {
        "appeal-petitioner": "employee", "appeal-adj_number": "ADJ7654321", "appeal-filed_on": case.decided_on.isoformat(),
        "appeal-grounds": [Ground.CONFLICT],
    }, follow=True)
    assert "Appeal recorded" in response.content.decode()
    appeal = Appeal.objects.get()
    response = client.post(reverse("appeals:decide", args=[case.number, appeal.pk]), {
        f"outcome{appeal.pk}-outcome": "reversed", f"outcome{appeal.pk}-outcome_on": timezone.localdate().isoformat(),
    })
    new = Remand.objects.get().new_case
    assert response.status_code == 302 and response["Location"] == new.get_absolute_url()
    assert f"Remand of <a href=\"{case.get_absolute_url()}#appeals\">{case.number}</a>" in client.get(new.get_absolute_url()).content.decode()
    assert f"Remanded as <a href=\"{new.get_absolute_url()}\">{new.number}</a>" in client.get(case.get_absolute_url()).content.decode()


def test_form_errors_name_the_field(intake_user):
    case, letter = decided_case(("overturned",))
    response = _client(intake_user).post(reverse("appeals:record", args=[case.number]), {
        "appeal-petitioner": "employee", "appeal-adj_number": "ADJ1", "appeal-filed_on": case.decided_on.isoformat(),
        "appeal-grounds": [Ground.FRAUD],
    }, follow=True)
    assert "Refused: Petition filed on: the decision has not been served" in response.content.decode()
    response = _client(intake_user).post(reverse("appeals:record", args=[case.number]), {"appeal-petitioner": "employee"}, follow=True)
    assert "WCAB (ADJ) case number: This field is required." in response.content.decode()


@pytest.mark.parametrize("name", ["record", "decide"])
def test_appeal_actions_are_forbidden_to_a_reviewer_and_send_anonymous_to_login(name, reviewer_user, intake_user):
    case, letter = decided_case(("overturned",))
    serve(case, letter, on=case.decided_on, role=PartyRole.EMPLOYEE)
    appeal = services.appeal_record(case=case, data=data(), user=intake_user)
    args = [case.number] + ([appeal.pk] if name == "decide" else [])
    url = reverse(f"appeals:{name}", args=args)
    assert _client(reviewer_user).post(url, {}).status_code == 403
    response = _client().post(url, {})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Appeal.objects.count() == 1 and Appeal.objects.get().outcome == Appeal.Outcome.PENDING


def test_admin_list_action_records_the_outcome_through_the_service_and_shows_refusals(admin_user, intake_user):
    case, letter = decided_case(("upheld",))
    serve(case, letter, on=case.decided_on, role=PartyRole.EMPLOYEE)
    appeal = services.appeal_record(case=case, data=data(), user=intake_user)
    client = _client(admin_user)
    url = reverse("admin:appeals_appeal_changelist")
    post = {"action": "record_dismissed", "_selected_action": [appeal.pk]}
    response = client.post(url, post, follow=True)
    assert "Dismissed" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.outcome == Appeal.Outcome.DISMISSED and appeal.decided_by == admin_user
    response = client.post(url, {"action": "record_reversed", "_selected_action": [appeal.pk]}, follow=True)
    assert "refused: this appeal was already decided" in response.content.decode()
    assert not Remand.objects.exists()
