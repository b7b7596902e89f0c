"""docs/search, docs/download and the uploads: what a claims administrator may
see, the published fields, and every way an upload can be wrong."""

import hashlib
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEvent
from api.models import DocumentHandle
from cases.models import CaseDocument
from cases.tests.helpers import PNG, pdf_bytes
from imrsite.errors import ServiceError

from .world import BASE, PDF, bearer, login, stored

pytestmark = pytest.mark.django_db


def listing(client, auth, number):
    return client.get(BASE + f"docs/search/cn/{number}", **auth)


def download(client, auth, handle):
    response = client.get(BASE + f"docs/download/{handle}", **auth)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def upload(client, auth, number=None, *, content=PDF, name="records.pdf", content_type="application/pdf", filesize="auto", **extra):
    url = BASE + (f"docs/upload/cn/{number}" if number else "docs/upload")
    headers = dict(auth)
    if filesize == "auto":
        headers["HTTP_FILESIZE"] = str(len(content))
    elif filesize is not None:
        headers["HTTP_FILESIZE"] = filesize
    return client.post(url, {"file": SimpleUploadedFile(name, content, content_type=content_type), **extra}, **headers)


def _files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_the_published_fields_and_only_what_the_organization_may_see(client, world, as_a):
    a = world.a
    body = listing(client, as_a, a.open_case.number).json()
    assert list(body) == ["matchCount", "start", "limit", "results"]
    assert [r["name"] for r in body["results"]] == ["UR decision"]  # not the staff's record, not the employee's statement
    (item,) = body["results"]
    assert list(item) == ["identifier", "type", "types", "case", "dcn", "name", "renderings"]
    assert (item["type"], item["types"]) == ("URDecision", ["URDecision"])
    (rendering,) = item["renderings"]
    assert list(rendering) == ["identifier", "type", "size"]
    assert (rendering["type"], rendering["size"]) == ("application/pdf", len(PDF))
    for handle in (item["identifier"], rendering["identifier"], item["case"]):
        assert re.fullmatch(r"[0-9.]+/[0-9a-f]{20}", handle)
    assert item["dcn"].isdigit()
    # The letter once issued; never the redacted public copy, never a reviewer's name.
    decided = listing(client, as_a, a.decided.number).json()
    assert [(r["type"], r["name"]) for r in decided["results"]] == [("FinalDetermination", "Final Determination Letter")]
    reviewer = a.decided.assignments.first().reviewer.user
    assert reviewer.last_name not in str(decided) and reviewer.username not in str(decided)


def test_documents_uploaded_through_the_api_are_listed_and_downloadable(client, world, as_a):
    a = world.a
    assert upload(client, as_a, a.open_case.number, content=pdf_bytes(2), name="PT notes.pdf").status_code == 200
    names = [r["name"] for r in listing(client, as_a, a.open_case.number).json()["results"]]
    assert names == ["UR decision", "PT notes"]
    # Another organization's account never sees what A sent, even on its own case.
    b_token = login(client, world.b.username)["access_token"]
    assert upload(client, bearer(b_token), world.b.open_case.number, name="b.pdf").status_code == 200
    assert [r["name"] for r in listing(client, bearer(b_token), world.b.open_case.number).json()["results"]] == ["UR decision", "b"]


def test_download_each_listed_rendering(client, world, as_a):
    for case in (world.a.open_case, world.a.decided):
        for item in listing(client, as_a, case.number).json()["results"]:
            handle = item["renderings"][0]["identifier"]
            response, body = download(client, as_a, handle)  # the handle's slash goes unencoded
            assert response.status_code == 200
            assert response["Content-Type"] == "application/pdf"
            assert response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"] == "no-store"
            assert response["Content-Disposition"].startswith("attachment;")
            assert body == PDF and len(body) == item["renderings"][0]["size"]
    # Encoded slashes work too (PATH_INFO arrives decoded).
    handle = listing(client, as_a, world.a.open_case.number).json()["results"][0]["renderings"][0]["identifier"]
    assert download(client, as_a, handle.replace("/", "%2F"))[0].status_code == 200


def test_handles_and_dcns_are_stable_and_unique(client, world, as_a):
    first = listing(client, as_a, world.a.open_case.number).json()["results"]
    again = listing(client, as_a, world.a.open_case.number).json()["results"]
    assert first == again
    b_token = login(client, world.b.username)["access_token"]
    listing(client, bearer(b_token), world.b.decided.number)
    dcns = [h.dcn for h in DocumentHandle.objects.all()]
    assert len(dcns) == len(set(dcns)) == DocumentHandle.objects.count() >= 2


def test_other_organizations_documents_are_not_found(client, world, as_a):
    b_token = login(client, world.b.username)["access_token"]
    theirs = listing(client, bearer(b_token), world.b.decided.number).json()["results"][0]["renderings"][0]["identifier"]
    mine = listing(client, as_a, world.a.open_case.number).json()["results"][0]["renderings"][0]["identifier"]
    altered = mine[:-1] + ("1" if mine.endswith("0") else "0")  # never the handle itself (a random one may end in 0)
    for handle in (theirs, altered, "20.5000.900/nothing", "../../etc/passwd"):
        response, body = download(client, as_a, handle)
        assert response.status_code == 404
        assert body.startswith(b'{"status":404,"msg":"Document not found","refId":"')
    # A's handle for a private document that B's account somehow knew: still 404 for B.
    assert download(client, bearer(b_token), mine)[0].status_code == 404


def test_a_tampered_file_is_not_served(client, world, as_a):
    item = listing(client, as_a, world.a.open_case.number).json()["results"][0]
    document = world.a.ur_decision
    Path(document.file.path).write_bytes(PDF.replace(b"%%EOF", b"%%EOX"))
    response, body = download(client, as_a, item["renderings"][0]["identifier"])
    assert response.status_code == 500 and b'"status":500' in body
    assert AuditEvent.objects.filter(action=AuditEvent.Action.INTEGRITY_MISMATCH).exists()


# --- uploads -----------------------------------------------------------------------------


def test_an_upload_enters_the_case_records_with_its_receipt_time(client, world, as_a):
    case = world.a.open_case
    response = upload(client, as_a, case.number, content=pdf_bytes(3), name="Progress report 2026.pdf")
    assert response.status_code == 200 and response.content == b'{"status":200,"msg":"OK"}'
    document = CaseDocument.objects.get(case=case, uploaded_by=world.a.account.user)
    assert (document.kind, document.title, document.page_count, document.author) == ("medical_record", "Progress report 2026", 3, "Alpha Claims Services")
    # Filed in the records checklist: from the claims administrator, category (A) unless the caller says otherwise.
    assert (document.received_from, document.records_category) == ("claims_administrator", "A")
    assert document.sha256 == hashlib.sha256(pdf_bytes(3)).hexdigest() and document.received_on is not None and document.created_at
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DOCUMENT_UPLOAD, case=case, user=world.a.account.user).count() == 1


@pytest.mark.parametrize("category, kind", [("A", "medical_record"), ("b", "application"), ("C", "ur_correspondence"), ("D", "provider_submission")])
def test_an_upload_says_its_records_category(client, world, as_a, category, kind):
    case = world.a.open_case
    assert upload(client, as_a, case.number, category=category).status_code == 200
    document = CaseDocument.objects.get(case=case, uploaded_by=world.a.account.user)
    assert (document.records_category, document.kind) == (category.upper(), kind)


@pytest.mark.parametrize("category", ["E", "AB", "medical"])
def test_an_unknown_records_category_is_refused_and_nothing_is_stored(client, world, as_a, settings, category):
    case = world.a.open_case
    before = _files(settings)
    response = upload(client, as_a, case.number, category=category)
    assert response.status_code == 400 and "category" in response.json()["msg"]
    assert not CaseDocument.all_objects.filter(case=case, uploaded_by=world.a.account.user).exists()
    assert _files(settings) == before


def test_the_legacy_upload_takes_the_case_from_the_file_name(client, world, as_a):
    case = world.a.open_case
    assert upload(client, as_a, name=f"{case.number}_001.pdf").status_code == 200
    assert CaseDocument.objects.filter(case=case, title=f"{case.number}_001").exists()
    assert upload(client, as_a, name="records.pdf").status_code == 400
    assert upload(client, as_a, name=f"{world.b.open_case.number}_002.pdf").status_code == 404
    assert upload(client, as_a, name="CM99-9999999_003.pdf").status_code == 404


@pytest.mark.parametrize(
    "kind, status",
    [
        ("not_a_pdf", 415),
        ("png_named_pdf", 415),
        ("encrypted", 415),
        ("javascript", 415),
        ("truncated", 415),
        ("empty", 400),
        ("wrong_filesize", 400),
        ("bad_filesize", 400),
        ("declared_over_limit", 413),
        ("over_limit", 413),
        ("txt_name", 415),
        ("image_type", 415),
        ("no_file", 400),
        ("not_multipart", 415),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(client, world, as_a, settings, kind, status):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 4096
    case = world.a.open_case
    before_files, before_rows = _files(settings), CaseDocument.objects.count()
    if kind == "no_file":
        response = client.post(BASE + f"docs/upload/cn/{case.number}", {"other": "x"}, **as_a)
    elif kind == "not_multipart":
        response = client.post(BASE + f"docs/upload/cn/{case.number}", PDF, content_type="application/pdf", **as_a)
    else:
        args = {
            "not_a_pdf": dict(content=b"hello, world " * 10),
            "png_named_pdf": dict(content=PNG),
            "encrypted": dict(content=pdf_bytes(1, password="secret")),
            "javascript": dict(content=pdf_bytes(1, javascript=True)),
            "truncated": dict(content=PDF[: len(PDF) // 2]),
            "empty": dict(content=b""),
            "wrong_filesize": dict(filesize=str(len(PDF) + 1)),
            "bad_filesize": dict(filesize="lots"),
            "declared_over_limit": dict(filesize="999999999"),
            "over_limit": dict(content=PDF + b"%" * 8000, filesize=None),
            "txt_name": dict(name="records.txt"),
            "image_type": dict(content_type="image/png"),
        }[kind]
        response = upload(client, as_a, case.number, **args)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == status and body["refId"] and response.content.startswith(b'{"status":')
    assert _files(settings) == before_files and CaseDocument.objects.count() == before_rows


def test_a_file_name_with_a_path_is_never_a_path(client, world, as_a, settings):
    case = world.a.open_case
    assert upload(client, as_a, case.number, name="../../../etc/passwd.pdf").status_code == 200
    document = CaseDocument.objects.get(case=case, uploaded_by=world.a.account.user)
    assert document.original_filename == "passwd.pdf"
    assert re.fullmatch(rf"documents/{case.pk}/[0-9a-f]{{32}}\.pdf", document.file.name)
    assert all(Path(settings.MEDIA_ROOT) in p.parents for p in _files(settings))
    assert upload(client, as_a, name=f"../{case.number}_004.pdf").status_code == 200


def test_uploads_to_other_or_unknown_cases_are_not_found_and_read_no_file(client, world, as_a, settings):
    for number in (world.b.open_case.number, "CM99-9999999", "nothing"):
        response = upload(client, as_a, number)
        assert response.status_code == 404 and response.json()["msg"] == "Not found"
    assert not CaseDocument.objects.filter(uploaded_by=world.a.account.user).exists()


def test_the_virus_scan_hook_refuses_infected_files(client, world, as_a, settings):
    settings.DOCUMENT_SCANNER = "api.tests.test_documents.eicar_scanner"
    eicar = _pdf_with_comment(r"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
    before = _files(settings)
    response = upload(client, as_a, world.a.open_case.number, content=eicar)
    assert response.status_code == 400 and "virus" in response.json()["msg"]
    assert _files(settings) == before
    assert upload(client, as_a, world.a.open_case.number).status_code == 200


def _pdf_with_comment(text: str) -> bytes:
    import io

    from pypdf import PdfWriter

    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    contents = StreamObject()
    contents.set_data(b"% " + text.encode() + b"\n")  # a comment in the page's drawing instructions
    page[NameObject("/Contents")] = writer._add_object(contents)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def eicar_scanner(uploaded_file, *, name):
    uploaded_file.seek(0)
    if b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in uploaded_file.read():
        raise ServiceError(f"{name} was refused by the virus scanner", field="file", code="infected")


def test_the_document_list_costs_the_same_queries_for_few_and_many_documents(client, world, as_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = world.a.open_case
    url = BASE + f"docs/search/cn/{case.number}"

    def count():
        client.get(url, **as_a)  # first listing makes the handles
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, **as_a).status_code == 200
        return len(captured)

    few = count()
    for n in range(8):
        stored(case, kind=CaseDocument.Kind.UR_CORRESPONDENCE, title=f"UR letter {n}")
    assert count() == few
