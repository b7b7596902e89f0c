"""E-mail deliveries against a real SMTP server: received once, no health information, refusals and outages recorded."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import DeliveryChannel, PartyRole
from correspondence import services
from correspondence.models import Delivery
from correspondence.services import email as email_service
from correspondence.tasks import send_email

from .helpers import new_case, screen_eligible

pytestmark = pytest.mark.django_db

EMAIL_ALL = {role: DeliveryChannel.EMAIL for role in ("employee", "attorney", "requesting_provider", "employer", "claims_administrator")}


def emailed_case(django_capture_on_commit_callbacks, channels=None):
    case = new_case(channels=channels or EMAIL_ALL)
    with django_capture_on_commit_callbacks(execute=True):
        screen_eligible(case)
    # The notice rendered on commit; its ready signal handed the e-mails to the send task.
    with django_capture_on_commit_callbacks(execute=True):
        pass
    return case


def test_each_party_receives_one_message_without_health_information(smtp, django_capture_on_commit_callbacks):
    case = emailed_case(django_capture_on_commit_callbacks)
    deliveries = list(Delivery.objects.filter(case=case).order_by("role"))
    assert {d.status for d in deliveries} == {Delivery.Status.SENT}
    assert len(smtp.handler.messages) == 5
    by_to = {m["to"][0]: m["message"] for m in smtp.handler.messages}
    employee = Delivery.objects.get(case=case, role=PartyRole.EMPLOYEE)
    message = by_to[case.employee.email]
    assert message["Message-ID"].strip() == employee.message_id and employee.message_id.startswith("<")
    assert message["Subject"] == f"IMR case {case.number}: Notice of Assignment and Request for Information is ready"
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_content()
    assert f"/correspondence/d/{employee.token}/" in body and "Sign in" in body
    # No name, claim number, date of birth, treatment or diagnosis: only that a document is ready.
    for private in (case.employee.name, case.employee.last_name, case.claim_number, "physical therapy", case.employer.name,
                    case.employee.date_of_birth.strftime("%m/%d/%Y"), case.claims_administrator.name):
        assert private not in body and private not in message["Subject"], private
    assert employee.sent_on == timezone.localdate() and employee.smtp_commit_at is not None
    # The claims administrator's e-mail starts the 12-day clock.
    case.refresh_from_db()
    assert case.records_due_on == timezone.localdate() + timedelta(days=12)
    # A redelivered send task changes nothing and sends nothing.
    send_email.apply(args=[employee.pk])
    assert len(smtp.handler.messages) == 5


def test_a_refused_recipient_is_recorded_failed_with_the_servers_answer(smtp, django_capture_on_commit_callbacks, intake_user):
    case = new_case(channels=EMAIL_ALL)
    case.employer.email = "refuse-me@example.org"
    case.employer.save()
    with django_capture_on_commit_callbacks(execute=True):
        screen_eligible(case)
    employer = Delivery.objects.get(case=case, role=PartyRole.EMPLOYER)
    assert employer.status == Delivery.Status.FAILED and employer.sent_on is None
    assert "refused refuse-me@example.org" in employer.failure_reason and "550" in employer.failure_reason
    assert len(smtp.handler.messages) == 4  # the others went
    # Staff correct the address and send it again: it goes once.
    from cases import services as case_services

    case_services.party_update_contact(party=case.employer, email="hr@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_retry(delivery=employer, user=intake_user)
    employer.refresh_from_db()
    assert employer.status == Delivery.Status.SENT and len(smtp.handler.messages) == 5


def test_a_busy_server_is_retried_with_backoff_then_the_delivery_fails_visibly(smtp, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_MAX_ATTEMPTS = 3
    smtp.handler.busy = True
    case = new_case(channels={"employee": DeliveryChannel.EMAIL})
    with django_capture_on_commit_callbacks(execute=True):
        screen_eligible(case)
    employee = Delivery.objects.get(case=case, role=PartyRole.EMPLOYEE)
    assert employee.status == Delivery.Status.FAILED and employee.attempts == 3
    assert "gave up after 3 attempts" in employee.failure_reason
    assert smtp.handler.messages == []
    assert [email_service.backoff_seconds(n) for n in (1, 2, 3)] == [15.0, 30.0, 60.0]


def test_server_down_then_back(smtp, settings, django_capture_on_commit_callbacks):
    """The task's first try finds no server: the delivery stays pending with the reason; the next try sends it once."""
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nothing listens there
    case = new_case(channels={"employee": DeliveryChannel.EMAIL})
    screen_eligible(case)
    from correspondence.models import Notice
    from imrsite import pipeline
    from correspondence.documents import NOTICE

    pipeline.render(NOTICE, pk=Notice.objects.get(case=case).pk)
    employee = Delivery.objects.get(case=case, role=PartyRole.EMPLOYEE)
    assert email_service.email_send(delivery_id=employee.pk) == 15.0
    employee.refresh_from_db()
    assert employee.status == Delivery.Status.PENDING and "attempt 1 failed" in employee.failure_reason
    settings.EMAIL_PORT = port
    assert email_service.email_send(delivery_id=employee.pk) is None
    employee.refresh_from_db()
    assert employee.status == Delivery.Status.SENT and len(smtp.handler.messages) == 1


def _interrupted_after_commit(case):
    """A delivery whose worker died after the commit point (recorded) and before recording it sent."""
    employee = Delivery.objects.get(case=case, role=PartyRole.EMPLOYEE)
    Delivery.objects.filter(pk=employee.pk).update(
        status=Delivery.Status.SENDING, attempts=1, message_id="<delivery-x@imro.example.org>",
        smtp_commit_at=timezone.now() - timedelta(minutes=5), lease_expires_at=timezone.now() - timedelta(minutes=1),
    )
    return employee


def test_an_email_interrupted_after_the_commit_point_is_never_sent_twice(smtp, django_capture_on_commit_callbacks, intake_user):
    case = new_case(channels={"employee": DeliveryChannel.EMAIL})
    case.employee.preferred_channel = DeliveryChannel.EMAIL
    screen_eligible(case)
    employee = _interrupted_after_commit(case)
    # The redelivered task may not take it: the server may have the message.
    assert email_service.email_send(delivery_id=employee.pk) is None
    assert smtp.handler.messages == []
    # Without a reconciler the sweep leaves it to staff, visibly.
    outcome = email_service.emails_reconcile()
    assert outcome["unconfirmed"] == [employee.pk]
    employee.refresh_from_db()
    assert employee.status == Delivery.Status.UNCONFIRMED and "Message-ID <delivery-x@imro.example.org>" in employee.failure_reason
    services.delivery_confirm_sent(delivery=employee, user=intake_user)
    employee.refresh_from_db()
    assert employee.status == Delivery.Status.SENT and smtp.handler.messages == []


def test_the_reconciler_decides_by_message_id(smtp, settings):
    accepted = {"<delivery-x@imro.example.org>"}
    settings.EMAIL_RECONCILER = "correspondence.tests.test_email.reconciler"
    reconciler.accepted = accepted
    case = new_case(channels={"employee": DeliveryChannel.EMAIL})
    screen_eligible(case)
    employee = _interrupted_after_commit(case)
    assert email_service.emails_reconcile()["sent"] == [employee.pk]
    employee.refresh_from_db()
    assert employee.status == Delivery.Status.SENT

    case2 = new_case(channels={"employee": DeliveryChannel.EMAIL})
    screen_eligible(case2)
    other = _interrupted_after_commit(case2)
    Delivery.objects.filter(pk=other.pk).update(message_id="<delivery-y@imro.example.org>")  # the relay never got it
    assert email_service.emails_reconcile()["resend"] == [other.pk]
    assert Delivery.objects.get(pk=other.pk).status == Delivery.Status.PENDING


def reconciler(message_id):
    return message_id in reconciler.accepted


def test_a_crash_before_the_commit_point_is_retried_by_the_next_claim(smtp):
    case = new_case(channels={"employee": DeliveryChannel.EMAIL})
    screen_eligible(case)
    from correspondence.documents import NOTICE
    from correspondence.models import Notice
    from imrsite import pipeline

    pipeline.render(NOTICE, pk=Notice.objects.get(case=case).pk)
    employee = Delivery.objects.get(case=case, role=PartyRole.EMPLOYEE)
    Delivery.objects.filter(pk=employee.pk).update(status=Delivery.Status.SENDING, attempts=1, lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert email_service.email_send(delivery_id=employee.pk) is None
    employee.refresh_from_db()
    assert (employee.status, employee.attempts) == (Delivery.Status.SENT, 2)
    assert len(smtp.handler.messages) == 1
