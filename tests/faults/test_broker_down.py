"""Fault 1: Redis down while a reviewer finalizes, intake screens and e-mails are queued.

The requests succeed within a few seconds (the work is recorded in the
database in the request's transaction; the publish gives up within the
broker timeouts), the pages say the document is being prepared, and when
Redis returns the sweeps publish everything, which a real worker renders
and sends exactly once.
"""

import time

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import DeliveryChannel
from correspondence import services as correspondence_services
from correspondence.documents import NOTICE
from correspondence.models import Delivery, Notice
from correspondence.tests.helpers import new_case
from determinations.letters import LETTER
from determinations.models import Letter
from determinations.tests.letters_helpers import draft_case
from imrsite import broker, pipeline
from imrsite.celery import app
from tests.factories import UserFactory

from .procs import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

MAX_BROKER_WAIT_SECONDS = 3  # what one request spends on the unreachable broker


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_redis_down_requests_succeed_and_the_sweep_publishes_once(fault, redis_up, smtp, workers, settings, monkeypatch):
    fault.name = "1. Redis down: finalize, screening, e-mails"
    waits = []
    real_publish = broker.publish

    def measured(task, *args):
        started = time.monotonic()
        try:
            return real_publish(task, *args)
        finally:
            waits.append(time.monotonic() - started)

    monkeypatch.setattr(broker, "publish", measured)
    monkeypatch.setattr(pipeline, "publish", measured)
    worker = workers(smtp=smtp)
    determination = draft_case()
    determination.refresh_from_db()
    case = new_case(channels={"claims_administrator": DeliveryChannel.EMAIL, "employee": DeliveryChannel.EMAIL})
    intake = UserFactory(role="intake")

    redis_up.stop()

    reviewer = Client()
    reviewer.force_login(determination.reviewer.user)
    finalized, finalize_seconds = timed(lambda: reviewer.post(
        reverse("review:finalize", args=[determination.case.number]), {"revision": determination.revision}))
    assert finalized.status_code == 302, finalized.content[:2000]
    finalized = reviewer.get(finalized["Location"])
    assert b"The letters are being prepared" in finalized.content
    letters = list(Letter.objects.filter(determination=determination))
    assert letters and {row.status for row in letters} == {Letter.Status.QUEUED}

    clerk = Client()
    clerk.force_login(intake)
    monkeypatch.setattr(broker, "_paused_until", 0.0)  # the clerk's request finds the broker down by itself
    screened, screen_seconds = timed(lambda: clerk.post(
        reverse("cases:screen", args=[case.number]), {"signature_present": "on", "ur_decision_attached": "on"}))
    assert screened.status_code == 302, screened.content[:2000]
    screened = clerk.get(screened["Location"])
    assert b"notice of assignment is issued" in screened.content
    notices = list(Notice.objects.filter(case=case))
    assert notices and {row.status for row in notices} == {Notice.Status.QUEUED}
    page = clerk.get(case.get_absolute_url()).content.decode()
    assert "Queued" in page or "queued" in page
    assert sum(waits) < MAX_BROKER_WAIT_SECONDS * 2, waits  # two requests, each gave up on the broker quickly
    broker_wait = sum(waits)

    # Redis returns; the worker reconnects by itself; the sweeps (Celery beat) publish what is owed.
    redis_up.start()
    wait_until(lambda: worker.text().count("Connected to redis") >= 2, 60, "the worker to reconnect", worker.log)
    monkeypatch.setattr(broker, "_paused_until", 0.0)
    settings.LETTER_QUEUED_STALE_SECONDS = 0
    monkeypatch.setattr(correspondence_services, "EMAIL_STALE_SECONDS", 0)
    app.conf.task_always_eager = False
    assert sorted(pipeline.sweep(LETTER).requeued) == sorted(row.pk for row in letters)
    assert pipeline.sweep(NOTICE).requeued == [row.pk for row in notices]

    def all_done():
        time.sleep(1)
        correspondence_services.correspondence_run_due()  # e-mails whose publish was lost, as beat would
        ready = all(row.status == row.Status.READY for row in [*Letter.objects.filter(determination=determination),
                                                                *Notice.objects.filter(case=case)])
        emails = Delivery.objects.filter(notice__case=case, channel=DeliveryChannel.EMAIL)
        return ready and emails.exists() and all(d.status == Delivery.Status.SENT for d in emails)

    wait_until(all_done, 90, "letters, notice and e-mails done", worker.log)
    # Once: one attempt each, one message per e-mail delivery, nothing more after further sweeps.
    for row in [*Letter.objects.filter(determination=determination), *Notice.objects.filter(case=case)]:
        assert row.attempts == 1, (row, row.attempts)
    emails = list(Delivery.objects.filter(notice__case=case, channel=DeliveryChannel.EMAIL))
    assert pipeline.sweep(LETTER).requeued == [] and pipeline.sweep(NOTICE).requeued == []
    correspondence_services.correspondence_run_due()
    time.sleep(3)
    assert sorted(smtp.accepted()) == sorted(d.message_id for d in emails)
    fault.record(
        saw=f"finalize and screening answered in {finalize_seconds:.1f} s / {screen_seconds:.1f} s "
            f"({broker_wait:.1f} s of it on the dead broker) with "
            f"'letters being prepared' / 'notice issued', documents shown Queued",
        lost=f"nothing: {len(letters)} letters and {len(notices)} notice rendered once, {len(emails)} e-mails sent once after Redis returned",
    )
