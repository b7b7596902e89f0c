"""Property-based fuzzing of the API from its own OpenAPI description
(schemathesis): whatever arrives, no 500, the answer is as described, and
nothing is half-written (every stored document has its file, every file its
row, every handle its document)."""

from pathlib import Path

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import content_type_conformance, not_a_server_error, status_code_conformance

from api.models import DocumentHandle
from cases.models import CaseDocument

from .world import login

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


@pytest.fixture
def api_description(db):
    from api.pages import api_schema

    return schemathesis.openapi.from_dict(api_schema())


schema = schemathesis.pytest.from_fixture("api_description")


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, minus the end-of-request connection cleanup the
    test client also skips (it would close the test's transaction on PostgreSQL)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(world, client, settings):
    # The fuzzer calls far more often than any rate limit allows.
    settings.API_RATE_LIMIT = settings.API_ADDRESS_RATE_LIMIT = settings.API_TOKEN_RATE_LIMIT = "1000000/minute"
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 64 * 1024
    return world, login(client, world.a.username)["access_token"]


def _consistent(media_root: str) -> None:
    """No row without its file, no file without its row, no handle without its document."""
    root = Path(media_root)
    stored = {str(p.relative_to(root)) for p in (root / "documents").rglob("*") if p.is_file()} if (root / "documents").exists() else set()
    named = set(CaseDocument.objects.exclude(file="").values_list("file", flat=True))
    assert stored == named, (stored ^ named)
    documents = set(CaseDocument.objects.values_list("pk", flat=True))
    assert set(DocumentHandle.objects.filter(kind="document").values_list("object_id", flat=True)) <= documents


@schema.parametrize()
@hypothesis_settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_no_partial_write(case, fuzz_world, wsgi_app, settings):
    world, token = fuzz_world
    app = wsgi_app
    headers = {"Authorization": f"Bearer {token}"}
    if "number" in (case.path_parameters or {}) and case.path_parameters["number"][-1:].isdigit():
        # Half the generated calls aim at a case the account may use, so the
        # fuzzed bodies reach the upload and listing code, not just the 404.
        case.path_parameters["number"] = world.a.open_case.number
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)
    _consistent(settings.MEDIA_ROOT)


# --- uploads, deeper than the description's generated parts reach ----------------------------

from hypothesis import given, strategies as st  # noqa: E402

from cases.tests.helpers import pdf_bytes  # noqa: E402

VALID = pdf_bytes(1)


@st.composite
def upload_bodies(draw):
    """A file that is a valid PDF, a damaged one (bytes flipped, cut, spliced) or noise,
    under a name, part type and filesize header that may or may not agree with it."""
    kind = draw(st.sampled_from(["valid", "flipped", "cut", "noise", "spliced"]))
    if kind == "valid":
        content = VALID
    elif kind == "flipped":
        position = draw(st.integers(0, len(VALID) - 1))
        content = VALID[:position] + bytes([VALID[position] ^ draw(st.integers(1, 255))]) + VALID[position + 1:]
    elif kind == "cut":
        content = VALID[: draw(st.integers(0, len(VALID)))]
    elif kind == "spliced":
        content = b"%PDF-1.4\n" + draw(st.binary(max_size=300)) + b"\n%%EOF\n"
    else:
        content = draw(st.binary(max_size=400))
    name = draw(st.one_of(st.just("records.pdf"), st.text(max_size=40).map(lambda t: t + ".pdf"), st.text(max_size=40)))
    content_type = draw(st.sampled_from(["application/pdf", "application/octet-stream", "text/plain", "image/png", ""]))
    filesize = draw(st.one_of(st.none(), st.just(str(len(content))), st.text(max_size=12), st.integers(-5, 10**12).map(str)))
    return content, name, content_type, filesize


@given(body=upload_bodies())
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_arbitrary_uploads_never_fail_and_never_half_write(fuzz_world, client, settings, body):
    from django.core.files.uploadedfile import SimpleUploadedFile

    world, token = fuzz_world
    content, name, content_type, filesize = body
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if filesize is not None:
        headers["HTTP_FILESIZE"] = filesize.replace("\n", " ").replace("\r", " ")
    part = SimpleUploadedFile(name.replace("\x00", "") or "x", content, content_type=content_type or "application/pdf")
    before = CaseDocument.objects.count()
    response = client.post(f"/apigw/webservices/rest/apigw/docs/upload/cn/{world.a.open_case.number}", {"file": part}, **headers)
    assert response.status_code in (200, 400, 413, 415), response.content
    assert response["Content-Type"] == "application/json"
    assert CaseDocument.objects.count() == before + (1 if response.status_code == 200 else 0)
    _consistent(settings.MEDIA_ROOT)
