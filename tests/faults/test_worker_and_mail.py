"""Faults 3 and 4: a worker killed at each step of a notice's and an e-mail's
life, and an SMTP server that is down, against a real Celery worker, Redis
and SMTP server.

3. The worker process is killed (os._exit, as an OOM kill) once at a named
   step (imrsite.crashpoints); the message comes back (acks_late +
   reject_on_worker_lost) or the catch-up run (beat) finds the work. The
   notice ends ready once, each e-mail reaches the SMTP server exactly once:
   the send is recorded before the end of DATA and reconciled by Message-ID.
4. The SMTP server is down: the send is retried with backoff, then fails
   visibly; staff see it on the correspondence page, resend it once the
   server is back, and it goes out once.
"""

import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from cases.models import DeliveryChannel
from correspondence import services as correspondence_services
from correspondence.models import Delivery, Notice
from correspondence.tests.helpers import new_case, screen_eligible
from imrsite import broker
from imrsite.celery import app
from tests.factories import UserFactory

from .procs import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = DeliveryChannel.EMAIL
RENDER_STEPS = ["render.before_render", "render.after_render", "render.after_store", "render.after_ready"]
EMAIL_STEPS = ["email.after_claim", "email.before_data", "email.after_data"]


@pytest.fixture
def catch_up(settings, monkeypatch):
    """What Celery beat runs every few minutes, run by the test (stale limits at zero)."""
    settings.LETTER_QUEUED_STALE_SECONDS = 0
    monkeypatch.setattr(correspondence_services, "EMAIL_STALE_SECONDS", 0)
    monkeypatch.setattr(broker, "_paused_until", 0.0)

    def run():
        from correspondence.documents import NOTICE
        from imrsite import pipeline

        app.conf.task_always_eager = False
        pipeline.sweep(NOTICE)
        return correspondence_services.correspondence_run_due()

    return run


def emailed_case():
    case = new_case(channels={"claims_administrator": EMAIL, "employee": EMAIL})
    screen_eligible(case)
    return case


def notice_files(notice: Notice) -> list[str]:
    folder = Path(settings.MEDIA_ROOT) / "notices" / str(notice.case_id)
    return sorted(p.name for p in folder.glob(f"*{notice.pk}-*")) if folder.exists() else []


def settled(case) -> bool:
    notice = Notice.objects.get(case=case)
    emails = Delivery.objects.filter(notice=notice, channel=EMAIL)
    return notice.status == Notice.Status.READY and emails.exists() and all(d.status == Delivery.Status.SENT for d in emails)


def test_worker_killed_at_each_step_of_a_notice_and_an_email(fault, workers, smtp, catch_up, tmp_path):
    fault.name = "3. Worker killed at each step (notice render, e-mail send)"
    worker = workers(smtp=smtp)
    crash_file = Path(worker.env["IMR_CRASH_FILE"])
    outcomes = []
    for step in RENDER_STEPS + EMAIL_STEPS:
        Path(str(crash_file) + ".done").unlink(missing_ok=True)
        crash_file.write_text(step)
        app.conf.task_always_eager = False
        case = emailed_case()  # the NOARFI is published on commit; the worker takes it

        def done(case=case):
            time.sleep(1)
            if not Path(str(crash_file) + ".done").exists():
                return False
            catch_up()
            return settled(case)

        wait_until(done, 90, f"the notice and its e-mails after a crash at {step}", worker.log)
        notice = Notice.objects.get(case=case)
        emails = list(Delivery.objects.filter(notice=notice, channel=EMAIL))
        # The notice: ready, rendered once more at most (the crashed attempt), one file, no temporary left.
        assert notice.attempts == (1 if step in ("render.after_ready",) or step in EMAIL_STEPS else 2), (step, notice.attempts)
        assert notice_files(notice) == [Path(notice.file.name).name], (step, notice_files(notice))
        # Each e-mail: exactly one message at the SMTP server.
        accepted = smtp.accepted()
        for delivery in emails:
            assert accepted.count(delivery.message_id) == 1, (step, delivery.pk, accepted.count(delivery.message_id))
        outcomes.append(step)
    # A last catch-up changes nothing: no message twice.
    before = len(smtp.accepted())
    catch_up()
    time.sleep(3)
    assert len(smtp.accepted()) == before == len(set(smtp.accepted()))
    assert worker.text().count("WorkerLostError") >= len(outcomes)
    fault.record(
        saw="nothing: staff see the notice Queued then Ready; the e-mail arrives once",
        lost=f"nothing: killed at {len(outcomes)} steps ({', '.join(s.split('.', 1)[1] for s in outcomes)}); "
             f"each notice rendered and each of {before} e-mails sent exactly once",
    )


def test_smtp_down_retries_then_fails_visibly_and_staff_resend(fault, workers, smtp, catch_up):
    fault.name = "4. SMTP server down"
    smtp.stop()
    worker = workers(smtp=smtp, EMAIL_MAX_ATTEMPTS=3)
    app.conf.task_always_eager = False
    case = emailed_case()
    notice_emails = Delivery.objects.filter(notice__case=case, channel=EMAIL)

    seen = []

    def failed():
        time.sleep(0.5)
        statuses = list(Delivery.objects.filter(notice__case=case, channel=EMAIL).values_list("status", flat=True))
        seen.append(statuses)
        return bool(statuses) and set(statuses) == {Delivery.Status.FAILED}

    try:
        wait_until(failed, 60, "the e-mails to fail after their retries", worker.log)
    except TimeoutError:
        pytest.fail(f"not failed: {seen[-3:]} {list(notice_emails.values('pk', 'status', 'attempts', 'failure_reason'))}")
    notice = Notice.objects.get(case=case)
    assert notice.status == Notice.Status.READY  # the render was not held up by the mail server
    for delivery in notice_emails:
        assert delivery.attempts == 3 and "gave up after 3 attempts" in delivery.failure_reason, delivery.failure_reason
    retries = worker.text().count("Retry in")
    assert retries >= 2 * notice_emails.count()

    staff = Client()
    staff.force_login(UserFactory(role="intake"))
    page = staff.get(reverse("correspondence:list")).content.decode()
    for delivery in notice_emails:
        assert delivery.name in page
    assert "gave up after 3 attempts" in page

    smtp.start()
    for delivery in notice_emails:
        response = staff.post(reverse("correspondence:delivery_retry", args=[delivery.pk]), {})
        assert response.status_code == 302
    wait_until(lambda: time.sleep(0.5) or settled(case), 60, "the resent e-mails", worker.log)
    accepted = smtp.accepted()
    assert sorted(accepted) == sorted(d.message_id for d in notice_emails.all())
    fault.record(
        saw=f"e-mails retried {retries} times with backoff, then listed as failed with the reason on the "
            "correspondence page; 'Send again' after the server returned",
        lost=f"nothing: notice rendered meanwhile; {len(accepted)} e-mails sent once each after the resend",
    )
