"""Letter distribution and appeal deadlines, mail batches, records checklist and penalties, information requests."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, DeliveryChannel, PartyRole, RecordsCategory
from correspondence import selectors, services
from correspondence.documents import MAIL_BATCH
from correspondence.models import Delivery, InformationRequest, MailBatch, Notice, NoticeKind, RecordsCompletion
from correspondence.rendering import notice_pdf
from determinations import services as determination_services
from determinations.models import Letter
from determinations.tests.letters_helpers import draft_case
from imrsite import pipeline
from imrsite.errors import ServiceError
from reviewers import services as reviewer_services
from tests.factories import ReviewerFactory

from .helpers import minimal_pdf, new_case, pdf_text, reachable, screen_eligible

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 12):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour))


# --- the Final Determination Letter ---------------------------------------------------

def test_finalized_letter_goes_to_each_recipient_and_the_appeal_clock_reads_each_delivery(
    django_capture_on_commit_callbacks, intake_user, settings
):
    settings.IMR_AD_CHANNEL = "mail"
    determination = draft_case()
    case = determination.case
    for i, role in enumerate(("employee", "requesting_provider", "employer", "claims_administrator")):
        reachable(getattr(case, role), DeliveryChannel.PORTAL if role == "claims_administrator" else DeliveryChannel.MAIL, i)
    with django_capture_on_commit_callbacks(execute=True):
        determination_services.determination_finalize(determination=determination, user=determination.reviewer.user)
    letter = Letter.objects.get(determination=determination, variant=Letter.Variant.PARTIES)
    deliveries = {d.role: d for d in Delivery.objects.filter(letter=letter)}
    assert set(deliveries) == {"employee", "requesting_provider", "employer", "claims_administrator", "administrative_director"}
    assert deliveries["administrative_director"].name == settings.IMR_AD_NAME
    # The public copy is never distributed; the portal copy is available at once.
    assert not Delivery.objects.filter(letter__variant=Letter.Variant.PUBLIC).exists()
    assert deliveries["claims_administrator"].status == Delivery.Status.SENT
    today = timezone.localdate()
    case.refresh_from_db()
    assert case.letter_mailed_on == today
    # The letter carries the addressee, the mailing date and the cc list.
    from determinations.letters import letter_read_verified

    text = pdf_text(letter_read_verified(letter=letter))
    assert case.employee.name in text.split("Case Number")[0]
    assert f"Date Mailed: {case.decided_on:%m/%d/%Y}" in text
    assert "cc:" in text and f"{case.claims_administrator.name}, Claims administrator" in text and settings.IMR_AD_NAME in text
    # Re-rendering the letter does not send it again.
    from determinations.letters import letter_rerender

    with django_capture_on_commit_callbacks(execute=True):
        letter_rerender(letter=letter)
    assert Delivery.objects.filter(letter__determination=determination).count() == 5
    # Mailed the next day: 30 days from service plus the mail extension.
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.mail_batch_prepare(user=intake_user)
    assert batch.deliveries.count() == 4
    tomorrow = today + timedelta(days=1)
    with time_machine.travel(at(tomorrow), tick=False):
        services.mail_batch_mark_mailed(batch=batch, user=intake_user, on=tomorrow)
    deadlines = {row["delivery"].role: row["deadline"] for row in services.appeal_deadlines(Delivery.objects.filter(letter=letter))}
    assert deadlines["employee"] == tomorrow + timedelta(days=35)
    assert deadlines["claims_administrator"] == today + timedelta(days=30)  # portal: no mail extension
    case.refresh_from_db()
    assert case.letter_mailed_on == today  # the first sending, for the statistics
    response = _intake_client(intake_user).get(case.get_absolute_url())
    html = response.content.decode()
    assert f"appeal by <strong>{deadlines['employee']:%b} {deadlines['employee'].day}, {deadlines['employee'].year}</strong>" in html


def _intake_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


# --- the mail batch ---------------------------------------------------------------------

def test_the_batch_prints_each_delivery_behind_a_scannable_cover_sheet(django_capture_on_commit_callbacks, intake_user):
    import pypdfium2
    import zxingcpp

    case = new_case()
    case.employer.preferred_channel = DeliveryChannel.FAX
    case.employer.save()
    with django_capture_on_commit_callbacks(execute=True):
        screen_eligible(case)
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.mail_batch_prepare(user=intake_user)
    with pytest.raises(ServiceError, match="nothing to print"):  # the double click
        services.mail_batch_prepare(user=intake_user)
    batch.refresh_from_db()
    assert batch.status == MailBatch.Status.READY and batch.deliveries.count() == 5
    notice = Notice.objects.get(case=case)
    assert batch.page_count == 5 * (1 + notice.page_count)
    data = pipeline.read_verified(MAIL_BATCH, row=batch)
    pdf = pypdfium2.PdfDocument(data)
    first = pdf[0].render(scale=3).to_pil()
    assert [(r.text, r.format.name) for r in zxingcpp.read_barcodes(first)] == [(case.number, "Code128")]
    text = pdf_text(data)
    assert "FAX: NOTICE OF ASSIGNMENT" in text and case.employer.fax in text
    assert "MAIL: NOTICE OF ASSIGNMENT" in text and "100 Main Street" in text
    # Marked mailed twice (a double click): recorded once, by that user, on that day.
    services.mail_batch_mark_mailed(batch=batch, user=intake_user)
    services.mail_batch_mark_mailed(batch=batch, user=intake_user)
    sent = Delivery.objects.filter(batch=batch)
    assert {(d.status, d.sent_on, d.sent_by_id) for d in sent} == {(Delivery.Status.SENT, timezone.localdate(), intake_user.pk)}


# --- records ---------------------------------------------------------------------------

def _mailed_case(django_capture_on_commit_callbacks, intake_user, mailed_on):
    case = new_case(received_on=mailed_on - timedelta(days=3))
    with time_machine.travel(at(mailed_on - timedelta(days=1)), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            screen_eligible(case)
    with time_machine.travel(at(mailed_on), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            batch = services.mail_batch_prepare(user=intake_user)
        services.mail_batch_mark_mailed(batch=batch, user=intake_user, on=mailed_on)
    case.refresh_from_db()
    assert case.records_due_on == mailed_on + timedelta(days=15)
    return case


def test_records_per_category_late_flags_and_penalty_exposure(django_capture_on_commit_callbacks, intake_user, client):
    mailed = timezone.localdate() - timedelta(days=40)
    case = _mailed_case(django_capture_on_commit_callbacks, intake_user, mailed)
    due = case.records_due_on
    receive = lambda category, day, sender=PartyRole.CLAIMS_ADMINISTRATOR: services.records_receive(  # noqa: E731
        case=case, uploads=[services.RecordUpload(uploaded_file=minimal_pdf(f"cat-{category}"))], received_from=sender,
        category=category, received_at=at(day, 9), user=intake_user,
    )
    receive(RecordsCategory.REPORTS, due - timedelta(days=2))
    receive(RecordsCategory.APPLICATION, due)
    receive(RecordsCategory.UR_CORRESPONDENCE, due + timedelta(days=3))
    receive(RecordsCategory.SUPPORTING, due + timedelta(days=1), sender=PartyRole.REQUESTING_PROVIDER)
    checklist = selectors.records_checklist(case)
    rows = {row.code: row for row in checklist.categories}
    assert [rows[c].late for c in "ABC"] == [False, False, True]
    assert rows["D"].first_received_on is None and rows["D"].late  # the physician's (D) does not count for the administrator
    assert checklist.missing == ["D"] and checklist.others[0].received_from == PartyRole.REQUESTING_PROVIDER
    # (D) never came from the claims administrator: still owed, so the penalty reached its cap.
    assert checklist.days_late == (timezone.localdate() - due).days and checklist.penalty == settings.IMR_LATE_RECORDS_PENALTY_CAP
    # Staff decide the records are complete with the checklist: the decision clock starts, what was missing is kept.
    case = services.records_mark_complete(case=case, on=due + timedelta(days=4), user=intake_user)
    assert case.status == Case.Status.RECORDS_COMPLETE and case.decision_due_on == due + timedelta(days=34)
    assert RecordsCompletion.objects.get(case=case).missing == ["D"]
    checklist = selectors.records_checklist(case)
    assert checklist.days_late == 4 and checklist.penalty == 4 * settings.IMR_LATE_RECORDS_PENALTY_PER_DAY
    with pytest.raises(ServiceError, match="already marked complete"):
        services.records_mark_complete(case=case, on=due + timedelta(days=4), user=intake_user)
    # The report per claims administrator, and its CSV.
    late = selectors.late_records()
    assert [(row.case, row.days_late, row.penalty) for row in late] == [(case, 4, 2000)]
    client.force_login(intake_user)
    response = client.get(reverse("correspondence:late_records_csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["claims_administrator", "case_number", "records_due_on"]
    assert rows[1][1:6] == [case.number, due.isoformat(), (due + timedelta(days=4)).isoformat(), "4", "2000"]
    assert client.get(reverse("correspondence:late_records")).status_code == 200


def test_a_record_from_someone_else_cannot_claim_the_administrators_categories(intake_user):
    case = new_case()
    with pytest.raises(ServiceError) as refused:
        services.records_receive(case=case, uploads=[services.RecordUpload(uploaded_file=minimal_pdf())],
                                 received_from=PartyRole.EMPLOYEE, category=RecordsCategory.REPORTS)
    assert refused.value.field == "records_category"
    with pytest.raises(ServiceError, match="future"):
        services.records_receive(case=case, uploads=[services.RecordUpload(uploaded_file=minimal_pdf())],
                                 received_from=PartyRole.CLAIMS_ADMINISTRATOR, category=RecordsCategory.REPORTS,
                                 received_at=timezone.now() + timedelta(hours=2))
    assert not case.documents.exists()


def test_when_the_time_for_records_runs_out_the_review_goes_on(django_capture_on_commit_callbacks, intake_user):
    mailed = timezone.localdate() - timedelta(days=20)
    case = _mailed_case(django_capture_on_commit_callbacks, intake_user, mailed)
    result = services.correspondence_run_due()
    assert result["records_timed_out"] == [case.pk]
    assert services.correspondence_run_due()["records_timed_out"] == []  # once
    case.refresh_from_db()
    completion = RecordsCompletion.objects.get(case=case)
    assert (case.status, case.records_complete_on, completion.basis) == (Case.Status.RECORDS_COMPLETE, case.records_due_on, "time_out")
    assert completion.missing == ["A", "B", "C", "D"]
    assert case.decision_due_on == case.records_due_on + timedelta(days=30)


# --- information requests -----------------------------------------------------------------

def test_an_information_request_makes_the_case_wait_until_answered(django_capture_on_commit_callbacks, intake_user):
    case = new_case()
    with django_capture_on_commit_callbacks(execute=True):
        request = services.information_request_create(
            case=case, role=PartyRole.EMPLOYEE, question="Please send the signed page 2 of the application.", user=intake_user,
        )
    case.refresh_from_db()
    assert case.status == Case.Status.AWAITING_INFO and case.get_status_display() == "Awaiting party information"
    notice = Notice.objects.get(information_request=request)
    assert notice.kind == NoticeKind.INFO_REQUEST and [d.role for d in notice.deliveries.all()] == ["employee"]
    text = pdf_text(notice_pdf(notice).data)
    assert "Please send the signed page 2 of the application." in text and f"{request.due_on:%B}" in text
    with pytest.raises(ServiceError, match="already been screened|eligibility is pending"):
        services.information_request_create(case=case, role=PartyRole.EMPLOYEE, question="Again?", user=intake_user)
    services.information_request_answer(request=request, user=intake_user, answer="Signed page received by fax.")
    case.refresh_from_db()
    assert case.status == Case.Status.RECEIVED
    screen_eligible(case)  # and screening goes on


def test_an_unanswered_request_runs_out_after_five_business_days(intake_user):
    friday = date(2025, 11, 7)
    case = new_case(received_on=friday - timedelta(days=2))
    with time_machine.travel(at(friday), tick=False):
        request = services.information_request_create(case=case, role=PartyRole.CLAIMS_ADMINISTRATOR, question="Is liability disputed?", user=intake_user)
    assert request.due_on == date(2025, 11, 17)  # 5 business days, over a weekend and Veterans Day
    with time_machine.travel(at(date(2025, 11, 17)), tick=False):
        assert services.correspondence_run_due()["information_expired"] == []
    with time_machine.travel(at(date(2025, 11, 18)), tick=False):
        assert services.correspondence_run_due()["information_expired"] == [request.pk]
    case.refresh_from_db()
    request.refresh_from_db()
    assert (case.status, request.status) == (Case.Status.RECEIVED, InformationRequest.Status.EXPIRED)


def test_an_information_request_to_a_party_without_an_address_is_refused_before_anything_is_recorded(intake_user):
    case = new_case()
    case.employee.address = ""
    case.employee.save()
    with pytest.raises(ServiceError) as refused:
        services.information_request_create(case=case, role=PartyRole.EMPLOYEE, question="?", user=intake_user)
    assert case.employee.name in refused.value.message and "mailing address" in refused.value.message
    case.refresh_from_db()
    assert case.status == Case.Status.RECEIVED and not InformationRequest.objects.exists()


def test_the_reviewers_question_and_its_answer_are_copied_to_all_parties(django_capture_on_commit_callbacks, intake_user, client):
    case = new_case()
    screen_eligible(case)
    reviewer = ReviewerFactory()
    reviewer_services.reviewer_assign(case=case, reviewer=reviewer, accepted=True, check_capacity=False)
    client.force_login(reviewer.user)
    response = client.post(reverse("correspondence:reviewer_question", args=[case.number]),
                           {"role": PartyRole.REQUESTING_PROVIDER, "question": "Send the last two PT progress notes."})
    assert response.status_code == 302
    request = InformationRequest.objects.get(case=case)
    notice = Notice.objects.get(information_request=request, kind=NoticeKind.REVIEWER_REQUEST)
    assert notice.deliveries.count() == 5
    text = pdf_text(notice_pdf(notice).data)
    assert "Send the last two PT progress notes." in text
    assert reviewer.user.last_name not in text and reviewer.user.get_full_name() not in text  # anonymity
    services.information_request_answer(request=request, user=intake_user, answer="Two notes sent, dated May 2 and May 16.")
    response_notice = Notice.objects.get(information_request=request, kind=NoticeKind.REVIEWER_RESPONSE)
    assert response_notice.deliveries.count() == 5
    assert "Two notes sent, dated May 2 and May 16." in pdf_text(notice_pdf(response_notice).data)
    # Another reviewer (or intake) cannot ask.
    other = ReviewerFactory()
    client.force_login(other.user)
    assert client.post(reverse("correspondence:reviewer_question", args=[case.number]), {"role": "employee", "question": "x"}).status_code == 404
    client.force_login(intake_user)
    assert client.post(reverse("correspondence:reviewer_question", args=[case.number]), {"role": "employee", "question": "x"}).status_code == 403


# --- the API's hooks -------------------------------------------------------------------------

def test_claims_administrators_see_and_acknowledge_their_notices_by_day(django_capture_on_commit_callbacks, intake_user):
    portal = {"claims_administrator": DeliveryChannel.PORTAL}
    case = new_case(channels=portal)
    with django_capture_on_commit_callbacks(execute=True):
        screen_eligible(case)
    ca = case.claims_administrator
    today = timezone.localdate()
    assert [d.case for d in selectors.notices_for_claims_administrator(party=ca, day=today, unacknowledged=True)] == [case]
    assert services.deliveries_acknowledge(party=ca, day=today, user=intake_user) == 1
    assert services.deliveries_acknowledge(party=ca, day=today, user=intake_user) == 0
    assert list(selectors.notices_for_claims_administrator(party=ca, day=today, unacknowledged=True)) == []
    delivery = Delivery.objects.get(case=case, role=PartyRole.CLAIMS_ADMINISTRATOR)
    assert delivery.status == Delivery.Status.DELIVERED and delivery.acknowledged_at
