"""No health information in logs or Celery messages (security.md §1.4 control 30).

A whole case, from registration to the rendered letter, is worked through the
views with a sentinel employee name and claim number while every log record
(every logger, DEBUG and up) and every task published is captured; the
sentinels must appear in none of them. The project's tasks must take ids only.
"""

import inspect
import logging
import typing
import uuid

import pytest
from celery.app.task import Task
from django.urls import reverse

from accounts.models import Role
from tests.factories import ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db

FIRST, LAST, CLAIM = "Zyxwvut", "Sentinelname", "SENTINEL-CLAIM-987"
SENTINELS = (FIRST, LAST, CLAIM, FIRST.lower(), LAST.lower(), CLAIM.lower())
PROJECT_APPS = ("accounts.", "cases.", "reviewers.", "determinations.", "imrsite.")


@pytest.fixture
def all_logs(caplog):
    """caplog at DEBUG on every logger, also those with their own level
    (weasyprint, fontTools) or that do not propagate to the root."""
    caplog.set_level(logging.DEBUG)
    detached = []
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger):
            continue
        caplog.set_level(logging.DEBUG, logger=name)
        if not logger.propagate:
            logger.addHandler(caplog.handler)
            detached.append(logger)
    for name in ("django.request", "django.security", "celery", "celery.app.trace", "celery.task"):
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog
    for logger in detached:
        logger.removeHandler(caplog.handler)


@pytest.fixture
def published(monkeypatch):
    """Every task sent, as its message would carry it (args, kwargs, options).

    `delay` and signatures both end in `Task.apply_async`, eager or not, so
    recording there sees exactly what would be serialized onto the broker."""
    sent = []
    original = Task.apply_async

    def recording(self, args=None, kwargs=None, *rest, **options):
        sent.append({"task": self.name, "args": tuple(args or ()), "kwargs": dict(kwargs or {}), "options": options})
        return original(self, args, kwargs, *rest, **options)

    monkeypatch.setattr(Task, "apply_async", recording)
    return sent


def _record_text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), repr(record.args), record.exc_text or ""]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


def _work_a_case_through(client, django_capture_on_commit_callbacks):
    from cases.models import Case
    from cases.tests.helpers import pdf_bytes, upload
    from cases.tests.test_views import doc_post, new_case_post
    from determinations.models import Letter
    from determinations.tests.review_helpers import form_data

    intake = UserFactory(role=Role.INTAKE)
    client.force_login(intake)
    post = new_case_post(employee_first_name=FIRST, employee_last_name=LAST, claim_number=CLAIM)
    assert client.post(reverse("cases:new"), post).status_code == 302
    case = Case.objects.get(claim_number=CLAIM)
    n = case.number
    client.post(reverse("cases:screen", args=[n]), {
        "signature_present": "on", "ur_decision_attached": "on", 
    })
    # The file name is the patient's too: uploads are often named after them.
    upload_response = client.post(
        reverse("cases:document_upload", args=[n]), doc_post(upload(pdf_bytes(1), f"{LAST} {CLAIM}.pdf"))
    )
    assert upload_response.status_code == 302
    client.post(reverse("cases:records_complete", args=[n]), {"on": case.received_on.isoformat()})
    reviewer = ReviewerFactory()
    assert client.post(reverse("cases:assign", args=[n]), {"reviewer": reviewer.pk}).status_code == 302
    client.get(reverse("cases:detail", args=[n]))

    client.force_login(reviewer.user)
    assert client.get(reverse("review:case", args=[n])).status_code == 200
    assert client.post(reverse("review:accept", args=[n]), {"attested": "on"}).status_code == 302
    client.get(reverse("review:determination", args=[n]))
    det = case.determinations.get()
    data = form_data(det, list(det.decisions.all()), summary=f"{FIRST} {LAST} is a 48 year old with low back pain.")
    assert client.post(reverse("review:determination", args=[n]), data).status_code == 302
    det.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("review:finalize", args=[n]), {"revision": det.revision}).status_code == 302
    letter = Letter.objects.filter(determination=det, status=Letter.Status.READY).first()
    assert letter is not None, "the letter did not render"
    assert client.get(reverse("letters:download", args=[n, letter.pk])).status_code == 200
    # A refused read logs too (django.request's "Not Found").
    client.get(reverse("review:case", args=["CM00-0000000"]))
    return case


def test_a_whole_case_leaves_no_phi_in_logs_or_task_messages(client, all_logs, published, django_capture_on_commit_callbacks):
    case = _work_a_case_through(client, django_capture_on_commit_callbacks)
    assert case.employee.last_name == LAST  # the sentinels really were in the data

    assert all_logs.records, "nothing was captured: the capture is broken, not the code clean"
    for record in all_logs.records:
        text = _record_text(record)
        leaked = [s for s in SENTINELS if s in text]
        assert not leaked, f"{record.name}:{record.lineno} logged {leaked}: {record.getMessage()[:200]}"

    assert any(m["task"] == "determinations.render_letter" for m in published), "no task was published"
    for message in published:
        body = repr(message)
        assert not [s for s in SENTINELS if s in body], message
        # Ids only: an int (or UUID) says which row, never what is in it.
        for value in [*message["args"], *message["kwargs"].values()]:
            assert isinstance(value, (int, uuid.UUID)) and not isinstance(value, bool), message


def test_every_project_task_takes_ids_only():
    """Checked on the declared signature, not on calls: a task the scripted run
    never sends (the sweep, a future one) is covered too, and the annotation
    is what a reviewer of a new task sees. Every parameter of `run` must be
    annotated int or UUID; bound tasks' `self` is not part of `run`'s
    signature once bound."""
    from imrsite.celery import app

    app.loader.import_default_modules()  # the autodiscovered task modules
    tasks = {name: task for name, task in app.tasks.items() if name.startswith(PROJECT_APPS)}
    assert "determinations.render_letter" in tasks

    for name, task in tasks.items():
        hints = typing.get_type_hints(task.run)
        for param in inspect.signature(task.run).parameters.values():
            assert param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD), f"{name} takes *{param.name}"
            assert hints.get(param.name) in (int, uuid.UUID), f"{name}({param.name}) must be an int or UUID id"
