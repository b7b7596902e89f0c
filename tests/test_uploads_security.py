"""Uploads and downloads (security.md controls 21-24, 26).

The content checks themselves live in `cases.services.documents_add`; here
they are attacked through the upload page, and the download headers and the
integrity check are proven on the served responses.
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from cases.models import CaseDocument
from cases.tests.helpers import PNG, pdf_bytes, upload
from cases.tests.test_views import doc_post
from imrsite.downloads import clean_filename, content_disposition

from .phi_world import build_world, stored_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def intake(client, world):
    client.force_login(world.intake)
    return client


def _stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _upload(client, case, *files):
    return client.post(reverse("cases:document_upload", args=[case.number]), doc_post(*files))


def test_an_upload_over_the_limit_is_refused_and_nothing_is_stored(intake, world, settings):
    # The real limit is 50 MB; a 50 KB limit and a 51 KB file prove the same rule fast.
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 50 * 1024
    body = pdf_bytes(1)
    big = body[:-6] + b" " * (51 * 1024 - len(body)) + body[-6:]
    files_before, docs_before = _stored_files(settings), CaseDocument.objects.count()
    response = _upload(intake, world.a.case, upload(big, "scan.pdf"))
    assert response.status_code == 400
    assert "the limit is" in response.content.decode()
    assert CaseDocument.objects.count() == docs_before
    assert _stored_files(settings) == files_before


def _malformed():
    good = pdf_bytes(1)
    return {
        "empty": b"",
        "magic only": b"%PDF-",
        "magic and eof": b"%PDF-1.7\n%%EOF\n",
        "truncated": good[: len(good) // 2],
        "garbage body": b"%PDF-1.4\n" + os.urandom(4096) + b"\n%%EOF\n",
        "broken xref": good.replace(b"xref", b"xrfe"),
        "recursive object": b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
        "huge page count": b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 999999999/Kids[]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n",
        "png renamed": PNG,
        "zip renamed": b"PK\x03\x04" + os.urandom(200),
        "exe renamed": b"MZ" + os.urandom(200),
        "html": b"<html><script>alert(1)</script></html>",
        "encrypted": pdf_bytes(1, password="secret"),
        "javascript": pdf_bytes(1, javascript=True),
    }


@pytest.mark.parametrize("kind", list(_malformed()))
def test_malformed_and_disguised_files_are_refused_without_a_500(intake, world, settings, kind):
    files_before, docs_before = _stored_files(settings), CaseDocument.objects.count()
    response = _upload(intake, world.a.case, upload(_malformed()[kind], "record.pdf"))
    assert response.status_code == 400, kind
    assert CaseDocument.objects.count() == docs_before
    assert _stored_files(settings) == files_before


def test_a_valid_pdf_next_to_a_bad_one_is_not_stored_either(intake, world, settings):
    files_before = _stored_files(settings)
    response = _upload(intake, world.a.case, upload(pdf_bytes(2), "good.pdf"), upload(PNG, "bad.pdf"))
    assert response.status_code == 400
    assert _stored_files(settings) == files_before


def test_the_users_file_name_is_never_a_path(intake, world, settings):
    response = _upload(intake, world.a.case, upload(pdf_bytes(1), "../../../etc/passwd.pdf"))
    assert response.status_code == 302
    document = CaseDocument.objects.latest("pk")
    assert document.original_filename == "passwd.pdf"
    stored = Path(settings.MEDIA_ROOT, document.file.name).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert "passwd" not in document.file.name  # a generated key, the name is metadata only


def test_stored_files_have_no_public_url(client, world):
    client.force_login(world.intake)
    assert client.get("/media/" + world.a.document.file.name).status_code == 404
    assert client.get("/" + world.a.document.file.name).status_code == 404


# --- download headers ---------------------------------------------------------------------------

def test_document_download_headers(client, world):
    client.force_login(world.a.user)
    response = client.get(reverse("cases:document_download", args=[world.a.case.number, world.a.document.pk]))
    assert response.status_code == 200
    # The stored name is 'PT "note" 2026.pdf': the quotes never reach the header unescaped.
    assert response["Content-Disposition"] == (
        "inline; filename=\"PT _note_ 2026.pdf\"; filename*=UTF-8''PT%20%22note%22%202026.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Content-Type"] == "application/pdf"


def test_letter_download_headers(client, world):
    client.force_login(world.intake)
    letter = world.a.letter
    response = client.get(reverse("letters:download", args=[world.a.decided.number, letter.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=\"")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Security-Policy"] == "sandbox"


def test_a_hostile_stored_file_name_is_sanitized_in_the_header(client, world):
    document = stored_document(world.a.case, name='evil"\r\nSet-Cookie: x=1\r\n..\\..\\Résumé "final".pdf')
    client.force_login(world.intake)
    response = client.get(reverse("cases:document_download", args=[world.a.case.number, document.pk]))
    assert response.status_code == 200
    header = response["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    assert "Set-Cookie" not in response.headers or "x=1" not in response.headers.get("Set-Cookie", "")
    assert header.startswith('inline; filename="Resume _final_.pdf"; filename*=UTF-8\'\'R%C3%A9sum%C3%A9%20%22final%22.pdf')


@pytest.mark.parametrize(
    "name, expected",
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\temp\\scan.pdf", "scan.pdf"),
        ("a\r\nb.pdf", "a b.pdf"),
        ("", "document.pdf"),
        ("..", "document.pdf"),
    ],
)
def test_clean_filename(name, expected):
    assert clean_filename(name) == expected


def test_content_disposition_is_rfc_6266():
    assert content_disposition('Núñez "x";.pdf') == "attachment; filename=\"Nunez _x_.pdf\"; filename*=UTF-8''N%C3%BA%C3%B1ez%20%22x%22%3B.pdf"


# --- integrity -------------------------------------------------------------------------------------

def _flip_a_byte(path):
    with open(path, "r+b") as handle:
        handle.seek(10)
        byte = handle.read(1)
        handle.seek(10)
        handle.write(bytes([byte[0] ^ 0x01]))


def test_a_flipped_byte_in_a_document_fails_the_download_and_is_recorded(client, world):
    _flip_a_byte(world.a.document.file.path)
    client.force_login(world.a.user)
    response = client.get(reverse("cases:document_download", args=[world.a.case.number, world.a.document.pk]))
    assert response.status_code == 404
    event = AuditEvent.objects.get(action=AuditEvent.Action.INTEGRITY_MISMATCH)
    assert (event.user, event.case, event.object_type, event.object_id) == (
        world.a.user, world.a.case, "cases.casedocument", str(world.a.document.pk)
    )
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DOCUMENT_DOWNLOAD).exists()


def test_a_flipped_byte_in_a_letter_fails_the_download_and_is_recorded(client, world):
    _flip_a_byte(world.a.letter.file.path)
    client.force_login(world.intake)
    response = client.get(reverse("letters:download", args=[world.a.decided.number, world.a.letter.pk]))
    assert response.status_code == 409
    assert b"%PDF" not in response.content
    event = AuditEvent.objects.get(action=AuditEvent.Action.INTEGRITY_MISMATCH)
    assert (event.case, event.object_type) == (world.a.decided, "determinations.letter")
