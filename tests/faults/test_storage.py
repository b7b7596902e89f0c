"""Fault 5: the document storage full, then read-only, for uploads and letters.

A real tmpfs mounted for the test (a few hundred KB) is MEDIA_ROOT: filled
to the last byte, then remounted read-only. An upload is refused with a
clear message, leaving no row without its file and no file without its
row; a letter render fails visibly (the reason on the row), is retried, and
renders once the storage has room again.
"""

import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.models import CaseDocument
from determinations import services as determination_services
from determinations.letters import LETTER
from determinations.models import Letter
from determinations.tests.letters_helpers import draft_case
from imrsite import pipeline
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_disk(tmp_path, settings):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "media"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, text=True)
    if result.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(mount), "base_url": None}}}
    settings.MEDIA_ROOT = str(mount)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(mount: Path) -> None:
    """Write until the file system says "No space left on device"."""
    try:
        fd = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
    except OSError:
        return  # full already
    try:
        for size in (65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)


def stored_files(mount: Path) -> set[str]:
    return {str(p.relative_to(mount)) for p in mount.rglob("*") if p.is_file() and p.name != "filler"}


def big_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_metadata({"/Padding": "x" * 200_000})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload(client, case, n=2):
    data = {"docs-TOTAL_FORMS": str(n), "docs-INITIAL_FORMS": "0", "docs-MIN_NUM_FORMS": "0", "docs-MAX_NUM_FORMS": "20"}
    for i in range(n):
        data.update({f"docs-{i}-file": SimpleUploadedFile(f"record-{i}.pdf", big_pdf(), content_type="application/pdf"),
                     f"docs-{i}-kind": "medical_record", f"docs-{i}-title": f"Record {i}"})
    return client.post(reverse("cases:document_upload", args=[case.number]), data)


def test_storage_full_then_read_only(fault, small_disk, settings):
    fault.name = "5. Storage full / read-only (uploads, letters)"
    clerk = Client()
    clerk.force_login(UserFactory(role="intake"))
    case = CaseFactory()
    assert upload(clerk, case, n=1).status_code == 302  # room for one: stored
    baseline_rows = CaseDocument.objects.filter(case=case).count()
    baseline_files = stored_files(small_disk)
    assert baseline_rows == len(baseline_files) == 1

    # Full: two files, the first fits partly. Refused; neither row nor file stays.
    fill(small_disk)
    response = upload(clerk, case)
    page = response.content.decode()
    assert response.status_code == 400 and "could not be stored" in page and "Traceback" not in page
    assert CaseDocument.objects.filter(case=case).count() == baseline_rows
    assert stored_files(small_disk) == baseline_files

    # A letter render on the full disk: fails visibly, retried later, then rendered once there is room.
    determination = draft_case()
    determination_services.determination_finalize(determination=determination, user=determination.reviewer.user, request_letters=False)
    from determinations import letters

    letter = letters.letters_request(determination=determination)[0]
    with pytest.raises(OSError):
        pipeline.render(LETTER, pk=letter.pk)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.QUEUED and "No space left on device" in letter.error and letter.attempts == 1
    assert not [p for p in small_disk.rglob("*") if p.is_file() and p.name != "filler" and "letters" in str(p)]

    # Read-only: the same refusal.
    (small_disk / "filler").unlink(missing_ok=True)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    response = upload(clerk, case)
    assert response.status_code == 400 and "could not be stored" in response.content.decode()
    assert CaseDocument.objects.filter(case=case).count() == baseline_rows
    with pytest.raises(OSError):
        pipeline.render(LETTER, pk=letter.pk)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.QUEUED and "Read-only file system" in letter.error

    # Writable again: the retry renders the letter, and uploads work.
    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    pipeline.render(LETTER, pk=letter.pk)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.READY and letter.attempts == 3 and letters.letter_read_verified(letter=letter)
    assert upload(clerk, case).status_code == 302
    rows = CaseDocument.objects.filter(case=case)
    assert rows.count() == baseline_rows + 2
    assert {d.file.name for d in rows} == {f for f in stored_files(small_disk) if not f.startswith("letters")}
    fault.record(
        saw="upload refused (400) with 'could not be stored ... nothing was saved. Try again later'; letter shows "
            "'No space left on device' / 'Read-only file system' while it waits for its retry",
        lost="nothing: no row without file, no file without row; the letter rendered on the retry after space returned",
    )
