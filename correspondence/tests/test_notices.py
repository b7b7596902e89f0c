"""Notices: issued by the events that require them, once, rendered from frozen content; the records clock reads their sending."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, DeliveryChannel, PartyRole
from correspondence import services
from correspondence.models import Delivery, Notice, NoticeKind
from correspondence.rendering import notice_pdf
from imrsite.errors import ServiceError

from .helpers import new_case, pdf_text, screen_eligible

pytestmark = pytest.mark.django_db


def run_on_commit(django_capture_on_commit_callbacks, fn, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return fn(**kwargs)


def test_eligible_screening_issues_one_noarfi_to_every_party(django_capture_on_commit_callbacks):
    case = new_case()
    with django_capture_on_commit_callbacks(execute=True):
        screen_eligible(case)
    notice = Notice.objects.get(case=case)
    assert (notice.kind, notice.version, notice.status) == (NoticeKind.NOARFI, 1, Notice.Status.READY)
    assert notice.sha256 and notice.page_count >= 1
    roles = set(notice.deliveries.values_list("role", flat=True))
    assert roles == {"employee", "attorney", "requesting_provider", "employer", "claims_administrator"}
    assert set(notice.deliveries.values_list("status", flat=True)) == {Delivery.Status.PENDING}
    # The event again (a repeated signal, the catch-up job, a double click): the same notice.
    assert services.noarfi_issue(case=case).pk == notice.pk
    assert services.notices_catch_up() == []
    assert Notice.objects.filter(case=case).count() == 1 and Delivery.objects.filter(notice=notice).count() == 5


def test_noarfi_says_what_the_regulation_asks():
    case = new_case()
    case.rfa_date = case.ur_decision_date - timedelta(days=5)
    case.save()
    screen_eligible(case)
    notice = Notice.objects.get(case=case)
    text = pdf_text(notice_pdf(notice).data)
    issued = notice.issued_on
    due = issued + timedelta(days=15)  # the claims administrator is reached by mail
    for expected in (
        "NOTICE OF ASSIGNMENT AND REQUEST FOR INFORMATION",
        "Pacific Independent Review Organization",  # the IMRO's name and address
        "P.O. Box 138009, Sacramento, CA 95813-8009",
        f"Case Number: {case.number}",
        "Eight (8) physical therapy visits",
        f"Request for authorization dated {case.rfa_date:%m/%d/%Y}",
        f"UR decision dated {case.ur_decision_date:%m/%d/%Y}",
        f"The application was received on {case.received_on:%m/%d/%Y}",
        "This is a regular review",
        case.requesting_provider.name,
        f"Records due: {due:%B} {due.day}, {due.year}",
        "(A) All reports of the requesting physician",
        "six months before the date of the request for authorization",
        "(B) A copy of the DWC Form IMR",
        "(C) All other information and correspondence",
        "(D) All materials the employee or the requesting physician submitted",
    ):
        assert expected in text, expected
    # The reviewer is never named on anything a party sees; the notice names no reviewer at all.
    assert "reviewer" not in text.lower() or "physician reviewer" not in text.lower()


def test_content_is_frozen_and_a_rerender_prints_the_same_words():
    case = new_case()
    screen_eligible(case)
    notice = Notice.objects.get(case=case)
    before = pdf_text(notice_pdf(notice).data)
    case.employer.name = "Renamed Employer Inc."
    case.employer.save()
    assert pdf_text(notice_pdf(Notice.objects.get(pk=notice.pk)).data) == before


@pytest.mark.parametrize(
    "eligible_on, due",
    [
        (date(2025, 11, 5), date(2025, 11, 6)),  # Wednesday -> Thursday
        (date(2025, 11, 7), date(2025, 11, 10)),  # Friday -> Monday, over the weekend
        (date(2025, 11, 10), date(2025, 11, 12)),  # Monday -> Wednesday: Veterans Day (Tue, Nov 11) is a state holiday
        (date(2025, 11, 26), date(2025, 12, 1)),  # Wednesday -> Monday: Thanksgiving, the day after, the weekend
        (date(2026, 1, 16), date(2026, 1, 20)),  # Friday -> Tuesday: weekend, then Martin Luther King Jr. Day
    ],
)
def test_noarfi_goes_out_within_one_business_day(eligible_on, due):
    case = new_case(received_on=eligible_on - timedelta(days=2))
    noon = timezone.make_aware(datetime.combine(eligible_on, datetime.min.time()) + timedelta(hours=12))
    with time_machine.travel(noon, tick=False):
        screen_eligible(case)
    notice = Notice.objects.get(case=case)
    assert notice.send_by == due
    assert set(notice.deliveries.values_list("send_by", flat=True)) == {due}


def test_the_catch_up_job_issues_a_missed_noarfi_with_its_original_due_date(django_capture_on_commit_callbacks):
    friday = date(2025, 11, 7)
    case = new_case(received_on=friday - timedelta(days=3))
    friday_noon = timezone.make_aware(datetime.combine(friday, datetime.min.time()) + timedelta(hours=12))
    with time_machine.travel(friday_noon, tick=False):
        case_services.case_mark_eligible(case=case)  # eligible, but the event was lost (no notice)
    assert not Notice.objects.filter(case=case).exists()
    saturday = friday_noon + timedelta(days=1)
    with time_machine.travel(saturday, tick=False):
        result = services.correspondence_run_due()
        assert len(result["notices"]) == 1
        # Run twice, or after an outage: the work is done once.
        assert services.correspondence_run_due()["notices"] == []
    notice = Notice.objects.get(case=case)
    assert notice.send_by == date(2025, 11, 10)  # Monday: one business day after Friday's finding


def test_noarfi_sending_starts_the_records_clock_by_its_channel(django_capture_on_commit_callbacks, intake_user):
    # The claims administrator takes notices by mail: 15 days from the recorded mailing.
    case = new_case()
    with django_capture_on_commit_callbacks(execute=True):
        screen_eligible(case)
    case.refresh_from_db()
    assert case.records_due_on is None and case.assigned_on is None
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.mail_batch_prepare(user=intake_user)
    mailed = timezone.localdate()
    services.mail_batch_mark_mailed(batch=batch, user=intake_user, on=mailed)
    case.refresh_from_db()
    assert (case.assigned_on, case.notice_method, case.records_due_on) == (mailed, Case.NoticeMethod.MAIL, mailed + timedelta(days=15))
    assert case.due_on == case.records_due_on

    # Through the portal (the API): electronic, 12 days from the day it was made available.
    case2 = new_case(channels={"claims_administrator": DeliveryChannel.PORTAL})
    with django_capture_on_commit_callbacks(execute=True):
        screen_eligible(case2)
    case2.refresh_from_db()
    ca = Delivery.objects.get(case=case2, role=PartyRole.CLAIMS_ADMINISTRATOR)
    assert (ca.status, ca.sent_on) == (Delivery.Status.SENT, timezone.localdate())
    assert (case2.notice_method, case2.records_due_on) == (Case.NoticeMethod.ELECTRONIC, ca.sent_on + timedelta(days=12))


def test_returned_mail_stops_the_clock_until_it_is_sent_again(django_capture_on_commit_callbacks, intake_user):
    case = new_case()
    with django_capture_on_commit_callbacks(execute=True):
        screen_eligible(case)
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.mail_batch_prepare(user=intake_user)
    services.mail_batch_mark_mailed(batch=batch, user=intake_user)
    ca = Delivery.objects.get(case=case, role=PartyRole.CLAIMS_ADMINISTRATOR)
    services.delivery_record_failed(delivery=ca, reason="Returned: addressee unknown", user=intake_user)
    case.refresh_from_db()
    assert case.assigned_on is None and case.records_due_on is None
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_retry(delivery=ca, user=intake_user, channel=DeliveryChannel.FAX)
    with django_capture_on_commit_callbacks(execute=True):
        batch2 = services.mail_batch_prepare(user=intake_user)
    assert list(batch2.deliveries.all()) == [ca]
    services.mail_batch_mark_mailed(batch=batch2, user=intake_user)
    case.refresh_from_db()
    assert case.records_due_on == timezone.localdate() + timedelta(days=12)  # faxed: electronic (a setting)


def test_a_party_without_an_address_is_refused_by_name_and_field(django_capture_on_commit_callbacks, intake_user):
    case = new_case(channels={"employer": DeliveryChannel.FAX})
    case.employer.fax = ""
    case.employer.save()
    with django_capture_on_commit_callbacks(execute=True):
        screen_eligible(case)
    employer = Delivery.objects.get(case=case, role=PartyRole.EMPLOYER)
    assert employer.status == Delivery.Status.FAILED and employer.sent_on is None
    assert f"{case.employer.name} (employer) has no fax number on file for fax" in employer.failure_reason
    with pytest.raises(ServiceError) as refused:
        services.delivery_retry(delivery=employer, user=intake_user)
    assert refused.value.field == "fax" and case.employer.name in refused.value.message
    # It never goes into a batch while it has no address.
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.mail_batch_prepare(user=intake_user)
    assert employer not in batch.deliveries.all()
    case_services.party_update_contact(party=case.employer, fax="916-555-0199")
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_retry(delivery=employer, user=intake_user)
    employer.refresh_from_db()
    assert (employer.status, employer.address) == (Delivery.Status.PENDING, "916-555-0199")


def test_ineligibility_notice_gives_the_reason_in_plain_words_and_the_appeal_right():
    case = new_case()
    case_services.case_screen(case=case, signature_present=False, ur_decision_attached=True, conditional_non_certification=False,
                              liability_disputed=False)
    notice = Notice.objects.get(case=case)
    assert notice.kind == NoticeKind.INELIGIBLE and notice.deliveries.count() == 5
    text = pdf_text(notice_pdf(notice).data)
    assert "The application was not signed by the employee or by the employee's representative." in text
    assert "Workers' Compensation Appeals Board" in text and "30 days after service of this notice" in text


def test_deferral_sends_no_notice():
    case = new_case()
    case_services.case_screen(case=case, signature_present=True, ur_decision_attached=True, conditional_non_certification=False,
                              liability_disputed=True)
    assert not Notice.objects.filter(case=case).exists()


def test_conversion_to_expedited_notifies_every_party_at_once_with_new_due_dates(django_capture_on_commit_callbacks, intake_user):
    case = new_case()
    with django_capture_on_commit_callbacks(execute=True):
        screen_eligible(case)
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.mail_batch_prepare(user=intake_user)
    services.mail_batch_mark_mailed(batch=batch, user=intake_user)
    today = timezone.localdate()
    case_services.case_convert_to_expedited(case=case, on=today)
    notice = Notice.objects.get(case=case, kind=NoticeKind.EXPEDITED)
    assert notice.send_by == today and notice.deliveries.count() == 5
    text = pdf_text(notice_pdf(notice).data)
    tomorrow = today + timedelta(days=1)
    assert f"Records due: {tomorrow:%B} {tomorrow.day}, {tomorrow.year}" in text
    assert "imminent and serious threat" in text


def test_failed_render_is_visible_and_retried_once(django_capture_on_commit_callbacks, monkeypatch, intake_user):
    from correspondence import rendering

    case = new_case()

    def broken(notice):
        raise ValueError("template exploded")

    monkeypatch.setattr(rendering, "notice_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        screen_eligible(case)
    notice = Notice.objects.get(case=case)
    assert notice.status == Notice.Status.FAILED and "template exploded" in notice.error
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.notice_retry(notice=notice, user=intake_user)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.READY and notice.version == 1
    with pytest.raises(ServiceError):
        services.notice_retry(notice=notice, user=intake_user)


def test_the_notice_sweep_republishes_a_lost_render(monkeypatch):
    from correspondence.tasks import render_notice

    case = new_case()
    screen_eligible(case)  # on_commit never ran: the message was lost
    notice = Notice.objects.get(case=case)
    Notice.objects.filter(pk=notice.pk).update(queued_at=timezone.now() - timedelta(hours=1))
    from correspondence.tasks import sweep_notices

    sweep_notices.apply()
    notice.refresh_from_db()
    assert notice.status == Notice.Status.READY
    assert render_notice.name == "correspondence.render_notice" and render_notice.acks_late
