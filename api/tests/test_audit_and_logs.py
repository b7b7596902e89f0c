"""Every API call leaves one audit row (who, which case, what), and the log
lines it writes, errors included, carry a refId but no health information."""

import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEvent
from cases.models import Party

from .world import BASE, PDF

pytestmark = pytest.mark.django_db

SENTINEL = "Zzyzxsentinel"


def _rows_after(before):
    return list(AuditEvent.objects.filter(id__gt=before).order_by("id"))


def _last_id():
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_each_call_writes_one_row(client, world, as_a):
    a = world.a
    user = a.account.user
    listing = client.get(BASE + f"docs/search/cn/{a.decided.number}", **as_a).json()
    handle = listing["results"][0]["renderings"][0]["identifier"]
    calls = [
        (lambda: client.post(BASE + "cases/search", "{}", content_type="application/json", **as_a), "case.list", None),
        (lambda: client.post(BASE + "cases/searchrfi", "{}", content_type="application/json", **as_a), "case.list", None),
        (lambda: client.get(BASE + f"docs/search/cn/{a.open_case.number}", **as_a), "case.view", a.open_case),
        (lambda: client.get(BASE + f"docs/download/{handle}", **as_a), "letter.download", a.decided),
        (lambda: client.post(BASE + f"docs/upload/cn/{a.open_case.number}", {"file": SimpleUploadedFile("r.pdf", PDF, "application/pdf")}, **as_a), "document.upload", a.open_case),
        (lambda: client.get(BASE + f"docs/search/cn/{world.b.open_case.number}", **as_a), "authz.denied", world.b.open_case),
    ]
    for call, action, case in calls:
        before = _last_id()
        response = call()
        assert response.status_code in (200, 404)
        rows = _rows_after(before)
        assert [(r.action, r.user, r.case) for r in rows] == [(action, user, case)], action
        assert rows[0].request_id and rows[0].client_address == "127.0.0.1"


def test_log_lines_hold_a_ref_id_and_no_health_information(client, world, as_a, caplog):
    Party.objects.filter(pk=world.a.open_case.employee_id).update(name=f"{SENTINEL} Patient", last_name=SENTINEL)
    caplog.set_level(logging.DEBUG)
    responses = [
        client.post(BASE + "cases/search", json.dumps({"IMRID": ["x"], "CAID": SENTINEL}), content_type="application/json", **as_a),
        client.post(BASE + "cases/search", json.dumps({"CAID": world.a.open_case.claim_number}), content_type="application/json", **as_a),
        client.post(BASE + f"docs/upload/cn/{world.a.open_case.number}", {"file": SimpleUploadedFile(f"{SENTINEL}.pdf", b"not a pdf", "application/pdf")}, **as_a),
        client.get(BASE + f"docs/search/cn/{world.b.open_case.number}", **as_a),
    ]
    assert [r.status_code for r in responses] == [400, 200, 415, 404]
    assert SENTINEL in responses[1].content.decode()  # the caller does get its data
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert SENTINEL not in text
    for response in (responses[0], responses[2], responses[3]):
        ref_id = response.json()["refId"]
        (line,) = [r.getMessage() for r in caplog.records if ref_id in r.getMessage()]
        assert line.startswith(f"api error refId={ref_id} status={response.status_code} ")
