"""Correspondence pages as the roles that may use them, one that may not, and anonymous."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from cases.models import Case, DeliveryChannel, PartyRole
from correspondence.models import Delivery, MailBatch, Notice
from tests.factories import ReviewerFactory

from .helpers import new_case, screen_eligible

pytestmark = pytest.mark.django_db


@pytest.fixture
def screened(django_capture_on_commit_callbacks):
    case = new_case(channels={"employer": DeliveryChannel.FAX})
    case.employer.fax = ""
    case.employer.save()
    with django_capture_on_commit_callbacks(execute=True):
        screen_eligible(case)
    return case


def test_the_list_shows_what_goes_out_today_and_what_failed(client, intake_user, screened):
    client.force_login(intake_user)
    response = client.get(reverse("correspondence:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "To go out (4): 0 due today or late" in html and screened.number in html  # the NOARFI is due the next business day
    assert "has no fax number on file for fax" in html  # the employer's failed delivery, with its retry
    assert "4 items ready to print." in html
    assert AuditEvent.objects.filter(action="correspondence.view").count() == 1


def test_the_list_refuses_reviewers_and_sends_strangers_to_sign_in(client, screened):
    client.force_login(ReviewerFactory().user)
    assert client.get(reverse("correspondence:list")).status_code == 403
    client.logout()
    response = client.get(reverse("correspondence:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_batch_prepared_printed_and_mailed_from_the_list(client, intake_user, screened, django_capture_on_commit_callbacks):
    client.force_login(intake_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("correspondence:batch_prepare")).status_code == 302
    batch = MailBatch.objects.get()
    response = client.get(reverse("correspondence:batch_pdf", args=[batch.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"] and response["Content-Security-Policy"] == "sandbox"
    today = timezone.localdate().isoformat()
    assert client.post(reverse("correspondence:batch_mailed", args=[batch.pk]), {"on": today}).status_code == 302
    assert Delivery.objects.filter(batch=batch, status=Delivery.Status.SENT).count() == 4
    screened.refresh_from_db()
    assert screened.assigned_on == timezone.localdate()
    # A reviewer cannot print or mark a batch.
    client.force_login(ReviewerFactory().user)
    assert client.get(reverse("correspondence:batch_pdf", args=[batch.pk])).status_code == 403


def test_case_panel_shows_the_timeline_checklist_and_contacts(client, intake_user, screened):
    client.force_login(intake_user)
    html = client.get(screened.get_absolute_url()).content.decode()
    assert 'id="correspondence"' in html and "Notice of Assignment and Request for Information" in html
    assert "(A) Treating physician" in html and "Records complete" not in html.split('id="records-checklist"')[0][-200:]
    assert "has no fax number on file for fax" in html


def test_fixing_a_contact_and_retrying_from_the_case_page(client, intake_user, screened):
    client.force_login(intake_user)
    employer = Delivery.objects.get(case=screened, role=PartyRole.EMPLOYER)
    response = client.post(reverse("correspondence:delivery_retry", args=[employer.pk]), {"next": "case"}, follow=True)
    assert "Refused:" in response.content.decode() and "has no fax number on file" in response.content.decode()
    client.post(reverse("correspondence:contact_update", args=[screened.number, "employer"]),
                {"fax": "916-555-0100", "address": "1 Oak St", "email": "", "phone": "", "preferred_channel": "fax"})
    screened.employer.refresh_from_db()
    assert screened.employer.fax == "916-555-0100"
    client.post(reverse("correspondence:delivery_retry", args=[employer.pk]), {"next": "case"})
    employer.refresh_from_db()
    assert employer.status == Delivery.Status.PENDING and employer.address == "916-555-0100"


def test_records_complete_from_the_panel(client, intake_user, screened):
    client.force_login(intake_user)
    response = client.post(reverse("cases:records_complete", args=[screened.number]), {"on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    screened.refresh_from_db()
    assert screened.status == Case.Status.RECORDS_COMPLETE and screened.records_completion.basis == "checklist"


def test_upload_classifies_a_record(client, intake_user, screened):
    from cases.tests.helpers import pdf_bytes, upload

    client.force_login(intake_user)
    response = client.post(reverse("cases:document_upload", args=[screened.number]), {
        "docs-TOTAL_FORMS": "1", "docs-INITIAL_FORMS": "0", "docs-MIN_NUM_FORMS": "0", "docs-MAX_NUM_FORMS": "20",
        "docs-0-file": upload(pdf_bytes(), "pr2.pdf"), "docs-0-kind": "medical_record", "docs-0-title": "PR-2 May",
        "docs-0-received_from": "claims_administrator", "docs-0-records_category": "A",
    })
    assert response.status_code == 302
    doc = screened.documents.get()
    assert (doc.received_from, doc.records_category) == ("claims_administrator", "A") and doc.received_at
    response = client.post(reverse("cases:document_upload", args=[screened.number]), {
        "docs-TOTAL_FORMS": "1", "docs-INITIAL_FORMS": "0", "docs-MIN_NUM_FORMS": "0", "docs-MAX_NUM_FORMS": "20",
        "docs-0-file": upload(pdf_bytes(), "x.pdf"), "docs-0-kind": "medical_record",
        "docs-0-received_from": "employee", "docs-0-records_category": "B",
    })
    assert response.status_code == 400 and "come from the claims administrator" in response.content.decode()


def test_notice_download_and_the_email_link_behind_sign_in(client, intake_user, screened):
    notice = Notice.objects.get(case=screened)
    delivery = notice.deliveries.get(role=PartyRole.EMPLOYEE)
    link = reverse("correspondence:open", args=[delivery.token])
    response = client.get(link)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(intake_user)
    assert client.get(link).status_code == 200
    response = client.get(reverse("correspondence:notice_download", args=[screened.number, notice.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="notice.download", case=screened).count() == 2
    # A reviewer not assigned to the case: 404, as for any case they cannot see.
    client.force_login(ReviewerFactory().user)
    assert client.get(link).status_code == 404
    assert client.get(reverse("correspondence:notice_download", args=[screened.number, notice.pk])).status_code == 404


def test_list_query_count_does_not_grow_with_rows(client, intake_user, django_capture_on_commit_callbacks, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        case = new_case()
        with django_capture_on_commit_callbacks(execute=True):
            screen_eligible(case)
    client.force_login(intake_user)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("correspondence:list"))
    for _ in range(3):
        case = new_case()
        with django_capture_on_commit_callbacks(execute=True):
            screen_eligible(case)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("correspondence:list"))
