"""Final Determination Letters: requesting, claiming, rendering, storing, sweeping.

A letter row is the unit of work. `letters_request` creates the rows and
publishes their render tasks when the surrounding transaction commits (a
rolled-back finalize sends nothing). `letter_render` is the one rendering
service, run by the Celery task:

1. claim the row with ONE conditional UPDATE (queued, or rendering with an
   expired lease; fewer than the maximum attempts), which also counts the
   attempt and sets a lease. A redelivered or duplicate task that finds no
   row to claim does nothing (security.md §2.3 F: a check-then-act guard is
   not enough);
2. render outside any transaction;
3. write the PDF to a temporary file, then, in one short transaction fenced
   by the attempt number, mark the row ready and move the file over its
   fixed key (`letters/<case>/<letter>-<variant>-v<version>.pdf`). A
   repeated render overwrites the same key; it never makes a second file.

A worker killed mid-render leaves the row "rendering"; its message comes
back (acks_late + reject_on_worker_lost) and is retried when the lease
expires, and `letters_sweep` re-publishes anything a lost message left
behind. Past `LETTER_MAX_ATTEMPTS` the letter is failed, so a letter that
crashes its worker every time (a poison message) cannot loop forever.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from accounts import audit
from imrsite.downloads import StoredFileError, open_verified
from imrsite.errors import ServiceError

from publications import services as publication_hooks

from . import rendering
from .models import Determination, Letter, letter_upload_to

logger = logging.getLogger(__name__)

# Worth retrying with backoff: the database or the disk hiccuped. Anything
# else (bad data, a template or WeasyPrint error) fails the letter at once.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)

S = Letter.Status


class LetterBusy(Exception):
    """Another worker holds a live claim on the letter; try again after `retry_in` seconds."""

    def __init__(self, retry_in: float):
        super().__init__(f"letter is being rendered elsewhere; retry in {retry_in:.0f}s")
        self.retry_in = retry_in


class LetterIntegrityError(ServiceError):
    """The stored PDF is missing or no longer matches its recorded sha256."""


def _lease_seconds() -> int:
    return settings.LETTER_RENDER_LEASE_SECONDS


def _max_attempts() -> int:
    return settings.LETTER_MAX_ATTEMPTS


def _publish_on_commit(letter_ids: list[int]) -> None:
    from .tasks import render_letter

    for pk in letter_ids:
        transaction.on_commit(lambda pk=pk: render_letter.delay(pk))


# --- requesting -------------------------------------------------------------

def _new_version(*, determination: Determination, variant: str, requested_by) -> Letter:
    latest = Letter.objects.filter(determination=determination, variant=variant).aggregate(v=Max("version"))["v"] or 0
    letter = Letter.objects.create(
        determination=determination,
        variant=variant,
        version=latest + 1,
        requested_by=requested_by,
        queued_at=timezone.now(),
    )
    audit.record(
        audit.Action.LETTER_REQUEST, actor=requested_by, case=determination.case_id, obj=letter,
        detail={"variant": variant, "version": letter.version},
    )
    return letter


def _lock_final_determination(determination: Determination) -> Determination:
    # The row lock serializes version numbers; the unique constraint backs it up.
    locked = Determination.objects.select_for_update().get(pk=determination.pk)
    if locked.status != Determination.Status.FINAL:
        raise ServiceError(
            "letters are issued only for a final determination"
            + (" (this one was superseded by a correction)" if locked.status == Determination.Status.SUPERSEDED else ""),
            code="determination_not_final",
        )
    return locked


@transaction.atomic
def letters_request(*, determination: Determination, requested_by=None) -> list[Letter]:
    """One new version of each variant, queued for rendering on commit."""
    determination = _lock_final_determination(determination)
    letters = [
        _new_version(determination=determination, variant=variant, requested_by=requested_by)
        for variant in Letter.Variant.values
    ]
    _publish_on_commit([letter.pk for letter in letters])
    return letters


def letter_rerender(*, letter: Letter, requested_by=None) -> Letter:
    """A new version of the letter's variant (the old version and its file stay)."""
    try:
        with transaction.atomic():
            determination = _lock_final_determination(letter.determination)
            new = _new_version(determination=determination, variant=letter.variant, requested_by=requested_by)
            _publish_on_commit([new.pk])
            return new
    except IntegrityError as exc:
        raise ServiceError("another re-render of this letter was requested at the same moment", code="letter_version_taken") from exc


# --- claiming and rendering ------------------------------------------------------

def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def letter_claim(*, letter_id: int) -> Letter | None:
    """Claim the letter for one render attempt, atomically; None if it is not claimable."""
    now = timezone.now()
    claimable = Q(status=S.QUEUED) | Q(status=S.RENDERING, lease_expires_at__lt=now) | Q(
        status=S.RENDERING, lease_expires_at__isnull=True
    )
    claimed = (
        Letter.objects.filter(claimable, pk=letter_id, attempts__lt=_max_attempts())
        .update(
            status=S.RENDERING,
            attempts=F("attempts") + 1,
            lease_expires_at=now + timedelta(seconds=_lease_seconds()),
            started_at=now,
            claimed_by=_worker_id(),
            error="",
        )
    )
    if not claimed:
        return None
    # The fresh lease keeps anyone else from claiming between the UPDATE and this read.
    return Letter.objects.get(pk=letter_id)


def _not_claimed(letter_id: int) -> Letter | None:
    """Why the claim found nothing: done already, given up, or busy elsewhere."""
    letter = Letter.objects.filter(pk=letter_id).first()
    if letter is None:
        logger.error("letter %s does not exist; render task dropped", letter_id)
        return None
    if letter.status in (S.READY, S.FAILED):
        return letter  # a redelivered or repeated task: nothing to do
    if letter.attempts >= _max_attempts():
        _give_up(letter_ids=[letter.pk])
        letter.refresh_from_db()
        return letter
    lease = letter.lease_expires_at
    retry_in = (lease - timezone.now()).total_seconds() if lease else 0
    raise LetterBusy(retry_in=max(retry_in, 1.0))


def _give_up(*, letter_ids) -> int:
    """Fail letters that used every attempt without finishing (a render that kills its worker)."""
    now = timezone.now()
    count = (
        Letter.objects.filter(pk__in=letter_ids, attempts__gte=_max_attempts())
        .filter(Q(status=S.QUEUED) | (Q(status=S.RENDERING) & (Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True))))
        .update(
            status=S.FAILED,
            lease_expires_at=None,
            error=f"gave up after {_max_attempts()} attempts: the render never finished (worker crash or time limit)",
        )
    )
    if count:
        logger.error("%s letter(s) failed after %s attempts", count, _max_attempts())
    return count


def _test_hooks() -> None:
    # Test-only: the worker-crash tests need a render that is slow (to kill it
    # mid-render) or that kills its own process (a poison message). Unset in
    # every real deployment.
    delay = os.environ.get("LETTER_RENDER_TEST_DELAY")
    if delay:
        time.sleep(float(delay))
    if os.environ.get("LETTER_RENDER_TEST_EXIT"):
        os._exit(1)


def letter_render(*, letter_id: int) -> Letter | None:
    """Render the letter once: claim, render, store, mark ready (or failed).

    Idempotent: a letter that is ready or failed is returned untouched. Raises
    `LetterBusy` when another live claim holds it, and re-raises transient
    database/disk errors after releasing the claim, for the caller to retry.
    """
    letter = letter_claim(letter_id=letter_id)
    if letter is None:
        return _not_claimed(letter_id)
    attempt = letter.attempts
    temp_path = None
    try:
        _test_hooks()
        determination = rendering.load_determination(letter.determination_id)
        pdf = rendering.letter_pdf(determination=determination, variant=letter.variant)
        name = letter_upload_to(letter, "letter.pdf")
        storage = letter.file.storage
        temp_path = _write_temp(storage, name, pdf.data)
        with transaction.atomic():
            won = Letter.objects.filter(pk=letter.pk, status=S.RENDERING, attempts=attempt).update(
                status=S.READY,
                file=name,
                sha256=pdf.sha256,
                page_count=pdf.page_count,
                rendered_at=timezone.now(),
                lease_expires_at=None,
                error="",
            )
            if won:
                # Inside the transaction: if the move fails, the row is not ready.
                _move_into_place(storage, name, temp_path, pdf.data)
                temp_path = None
            if won:
                publication_hooks.letter_ready(letter)  # a public copy goes into the public index on commit
                audit.record(
                    audit.Action.LETTER_RENDER, case=determination.case_id, obj=letter,
                    detail={"status": S.READY, "attempt": attempt, "pages": pdf.page_count}, system=True,
                )
        if not won:
            logger.warning("letter %s attempt %s lost its claim to a later attempt; output discarded", letter.pk, attempt)
    except TRANSIENT_ERRORS:
        _release(letter.pk, attempt)
        raise
    except Exception as exc:  # a permanent failure: record it, do not retry
        logger.exception("letter %s failed to render", letter.pk)
        message = f"{type(exc).__name__}: {exc}"[:2000]
        failed = Letter.objects.filter(pk=letter.pk, status=S.RENDERING, attempts=attempt).update(
            status=S.FAILED, error=message, lease_expires_at=None
        )
        if failed:
            # The error text stays on the letter: it may quote the letter's content.
            audit.record(
                audit.Action.LETTER_RENDER, case=letter.determination.case_id, obj=letter,
                detail={"status": S.FAILED, "attempt": attempt, "error": type(exc).__name__}, system=True,
            )
    finally:
        if temp_path:
            Path(temp_path).unlink(missing_ok=True)
    return Letter.objects.get(pk=letter.pk)


def _release(letter_id: int, attempt: int) -> None:
    """Hand the claim back so the retry can take it at once (best effort: the DB may be down)."""
    try:
        Letter.objects.filter(pk=letter_id, status=S.RENDERING, attempts=attempt).update(
            status=S.QUEUED, lease_expires_at=None, claimed_by=""
        )
    except TRANSIENT_ERRORS:
        logger.warning("letter %s: could not release the claim; it frees itself when the lease expires", letter_id)


# --- storage ---------------------------------------------------------------------

def _local_path(storage, name: str) -> Path | None:
    try:
        return Path(storage.path(name))
    except NotImplementedError:  # object storage: no local path
        return None


def _write_temp(storage, name: str, data: bytes) -> str | None:
    """Write the bytes beside their final place and fsync them; None for object storage."""
    path = _local_path(storage, name)
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return temp


def _move_into_place(storage, name: str, temp_path: str | None, data: bytes) -> None:
    if temp_path is not None:
        os.replace(temp_path, storage.path(name))  # atomic on one filesystem
        return
    # Object stores replace a key atomically on PUT; delete first so Django keeps the name.
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(data))
    if saved != name:
        raise OSError(f"storage saved the letter as {saved!r} instead of {name!r}")


def letter_read_verified(*, letter: Letter) -> bytes:
    """The stored PDF, refused unless it still matches the sha256 recorded when it was made."""
    if letter.status != S.READY or not letter.file.name:
        raise LetterIntegrityError("the letter is not ready", code="letter_not_ready")
    try:
        with open_verified(file=letter.file, sha256=letter.sha256, case=letter.determination.case, obj=letter) as handle:
            data = handle.read()
    except StoredFileError as exc:
        message = "the stored letter file is missing" if exc.code == "file_missing" else "the stored letter failed its integrity check"
        raise LetterIntegrityError(message, code=exc.code) from exc
    return data


# --- the sweep -------------------------------------------------------------------

@dataclass(frozen=True)
class SweepResult:
    requeued: list[int]
    failed: int


def letters_sweep(*, limit: int = 500) -> SweepResult:
    """Re-publish letters a lost message left behind; fail those out of attempts.

    Runs every few minutes (CELERY_BEAT_SCHEDULE, or `manage.py sweep_letters`)
    over letters not published for LETTER_QUEUED_STALE_SECONDS that are still
    queued, or rendering with an expired lease. Publishing twice is harmless:
    the claim lets one run.
    """
    from .tasks import render_letter

    now = timezone.now()
    failed = _give_up(
        letter_ids=Letter.objects.filter(status__in=[S.QUEUED, S.RENDERING], attempts__gte=_max_attempts()).values("pk")
    )
    cutoff = now - timedelta(seconds=settings.LETTER_QUEUED_STALE_SECONDS)
    # Not published within the stale period: a letter the sweep just re-published waits for that message.
    not_recent = Q(queued_at__lt=cutoff) | Q(queued_at__isnull=True, created_at__lt=cutoff)
    stale = (
        Letter.objects.filter(not_recent, attempts__lt=_max_attempts())
        .filter(
            Q(status=S.QUEUED)
            | Q(status=S.RENDERING, lease_expires_at__lt=now)
            | Q(status=S.RENDERING, lease_expires_at__isnull=True)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(stale)
    if ids:
        Letter.objects.filter(pk__in=ids).update(queued_at=now)
        for pk in ids:
            render_letter.delay(pk)
        logger.warning("letters sweep re-queued %s letter(s): %s", len(ids), ids)
    return SweepResult(requeued=ids, failed=failed)
