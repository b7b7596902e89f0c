"""The rendering engine of every document the organization sends.

Letters, notices, mail batches (and later invoices and the monthly DWC
report) are rows of a model that extends `RenderedDocument`; each kind is
described once by a `DocumentType` (how to render it, which Celery task
renders it, what to audit) and the functions below do the rest:

1. `publish_on_commit` queues render tasks when the transaction that
   created the rows commits (a rolled-back request sends nothing);
2. `claim` takes the row with ONE conditional UPDATE (queued, or rendering
   with an expired lease; fewer than the maximum attempts), which also
   counts the attempt and sets a lease. A redelivered or duplicate task that
   finds nothing to claim does nothing (security.md §2.3 F: a check-then-act
   guard is not enough);
3. `render` renders outside any transaction, writes the PDF beside its fixed
   key, then in one short transaction fenced by the attempt number marks the
   row ready and moves the file over the key. A repeated render overwrites
   the same key; it never makes a second file;
4. `read_verified` serves the stored bytes only while they match the sha256
   recorded when they were made;
5. `sweep` (Celery beat, every few minutes) re-publishes rows a lost message
   left behind and fails those out of attempts, so a render that kills its
   worker every time (a poison message) cannot loop forever.

A worker killed mid-render leaves the row "rendering"; its message comes
back (acks_late + reject_on_worker_lost) and is retried when the lease
expires. The claim lease, attempts and staleness are the LETTER_* settings,
shared by every document type.

When a row becomes ready, `document_ready` is sent after the commit (sender:
the model class, `pk`): senders of the document (e-mail, portal) listen to it,
and their own sweeps catch what a crash between commit and signal missed.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, models, transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.module_loading import import_string

from imrsite.broker import publish
from imrsite.crashpoints import crash_point
from imrsite.downloads import StoredFileError, open_verified
from imrsite.errors import ServiceError

logger = logging.getLogger(__name__)

# Worth retrying with backoff: the database or the disk hiccuped. Anything
# else (bad data, a template or WeasyPrint error) fails the document at once.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)

# Sent after the commit that made a document ready: sender=model class, pk=row id.
document_ready = Signal()


class RenderedDocument(models.Model):
    """What every rendered document keeps: its render status, claim and file."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Who holds the render claim ("host:pid"), so an operator (or the crash test) can find the process.
    claimed_by = models.CharField(max_length=120, blank=True)
    # Last time a render task was published; the sweep re-publishes rows stuck in the queue since.
    queued_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(blank=True, max_length=255)  # subclasses set upload_to: a key fixed per row
    sha256 = models.CharField(max_length=64, blank=True)
    page_count = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    def storage_key(self) -> str:
        """Where the PDF lives: derived from the row (and its version), never random."""
        upload_to = self._meta.get_field("file").upload_to
        return upload_to(self, "document.pdf")


def status_constraints(prefix: str) -> list[models.BaseConstraint]:
    """The check constraints every rendered-document table carries, named for it."""
    return [
        models.CheckConstraint(
            condition=Q(status__in=["queued", "rendering", "ready", "failed"]), name=f"{prefix}_status_valid"
        ),
        models.CheckConstraint(condition=~Q(status="ready") | ~Q(sha256=""), name=f"{prefix}_ready_has_hash"),
    ]


@dataclass(frozen=True)
class RenderedPDF:
    data: bytes
    page_count: int
    sha256: str
    refused_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentType:
    """One kind of rendered document.

    `render(row) -> RenderedPDF` builds the PDF from data (it may read the
    database, never write); `task` is the dotted path of the Celery task made
    by `render_task`; `case_of(row)` the case id its audit rows carry.
    """

    kind: str
    model: str  # "app_label.ModelName"
    render: Callable
    task: str
    audit_render: str
    case_of: Callable
    noun: str = "document"
    select_related: tuple[str, ...] = field(default=())

    @property
    def model_class(self) -> type[RenderedDocument]:
        return apps.get_model(self.model)

    def task_object(self):
        return import_string(self.task)


REGISTRY: dict[str, DocumentType] = {}


def register(doc_type: DocumentType) -> DocumentType:
    REGISTRY[doc_type.kind] = doc_type
    return doc_type


class Busy(Exception):
    """Another worker holds a live claim on the document; try again after `retry_in` seconds."""

    def __init__(self, retry_in: float, noun: str = "document"):
        super().__init__(f"{noun} is being rendered elsewhere; retry in {retry_in:.0f}s")
        self.retry_in = retry_in


class IntegrityFailure(ServiceError):
    """The stored PDF is missing or no longer matches its recorded sha256."""


S = RenderedDocument.Status


def _lease_seconds() -> int:
    return settings.LETTER_RENDER_LEASE_SECONDS


def _max_attempts() -> int:
    return settings.LETTER_MAX_ATTEMPTS


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


# --- publishing --------------------------------------------------------------

def publish_on_commit(doc_type: DocumentType, pks: list[int]) -> None:
    """Queue the render tasks once the surrounding transaction commits.

    A broker outage does not fail the request that committed the rows: the
    publish gives up within the broker timeouts and the sweep publishes later.
    """
    for pk in pks:
        transaction.on_commit(lambda pk=pk: publish(doc_type.task_object(), pk))


def requeue(doc_type: DocumentType, *, pk: int) -> bool:
    """Put a failed document back in the queue with fresh attempts (a staff retry).

    Only a failed row moves, so a double click queues it once; True if it moved.
    """
    moved = doc_type.model_class.objects.filter(pk=pk, status=S.FAILED).update(
        status=S.QUEUED, attempts=0, error="", lease_expires_at=None, claimed_by="", queued_at=timezone.now()
    )
    if moved:
        publish_on_commit(doc_type, [pk])
    return bool(moved)


# --- claiming and rendering -----------------------------------------------------

def claim(doc_type: DocumentType, *, pk: int):
    """Claim the row for one render attempt, atomically; None if it is not claimable."""
    model = doc_type.model_class
    now = timezone.now()
    claimable = Q(status=S.QUEUED) | Q(status=S.RENDERING, lease_expires_at__lt=now) | Q(
        status=S.RENDERING, lease_expires_at__isnull=True
    )
    claimed = model.objects.filter(claimable, pk=pk, attempts__lt=_max_attempts()).update(
        status=S.RENDERING,
        attempts=F("attempts") + 1,
        lease_expires_at=now + timedelta(seconds=_lease_seconds()),
        started_at=now,
        claimed_by=_worker_id(),
        error="",
    )
    if not claimed:
        return None
    # The fresh lease keeps anyone else from claiming between the UPDATE and this read.
    return model.objects.select_related(*doc_type.select_related).get(pk=pk)


def _not_claimed(doc_type: DocumentType, pk: int):
    """Why the claim found nothing: done already, given up, or busy elsewhere."""
    row = doc_type.model_class.objects.filter(pk=pk).first()
    if row is None:
        logger.error("%s %s does not exist; render task dropped", doc_type.noun, pk)
        return None
    if row.status in (S.READY, S.FAILED):
        return row  # a redelivered or repeated task: nothing to do
    if row.attempts >= _max_attempts():
        give_up(doc_type, pks=[row.pk])
        row.refresh_from_db()
        return row
    lease = row.lease_expires_at
    retry_in = (lease - timezone.now()).total_seconds() if lease else 0
    raise Busy(retry_in=max(retry_in, 1.0), noun=doc_type.noun)


def give_up(doc_type: DocumentType, *, pks) -> int:
    """Fail rows that used every attempt without finishing (a render that kills its worker)."""
    now = timezone.now()
    count = (
        doc_type.model_class.objects.filter(pk__in=pks, attempts__gte=_max_attempts())
        .filter(Q(status=S.QUEUED) | (Q(status=S.RENDERING) & (Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True))))
        .update(
            status=S.FAILED,
            lease_expires_at=None,
            error=f"gave up after {_max_attempts()} attempts: the render never finished (worker crash or time limit)",
        )
    )
    if count:
        logger.error("%s %s(s) failed after %s attempts", count, doc_type.noun, _max_attempts())
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


def _audit(doc_type: DocumentType, row, detail: dict) -> None:
    from accounts import audit

    audit.record(doc_type.audit_render, case=doc_type.case_of(row), obj=row, detail=detail, system=True)


def render(doc_type: DocumentType, *, pk: int):
    """Render the document once: claim, render, store, mark ready (or failed).

    Idempotent: a row that is ready or failed is returned untouched. Raises
    `Busy` when another live claim holds it, and re-raises transient
    database/disk errors after releasing the claim, for the caller to retry.
    """
    model = doc_type.model_class
    row = claim(doc_type, pk=pk)
    if row is None:
        return _not_claimed(doc_type, pk)
    attempt = row.attempts
    temp_path = None
    try:
        _test_hooks()
        crash_point("render.before_render")
        pdf = doc_type.render(row)
        crash_point("render.after_render")
        name = row.storage_key()
        storage = row.file.storage
        temp_path = _write_temp(storage, name, pdf.data)
        crash_point("render.after_store")
        with transaction.atomic():
            won = model.objects.filter(pk=row.pk, status=S.RENDERING, attempts=attempt).update(
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
                _audit(doc_type, row, {"status": S.READY, "attempt": attempt, "pages": pdf.page_count})
                transaction.on_commit(lambda: document_ready.send_robust(sender=model, pk=row.pk))
        if won:
            crash_point("render.after_ready")
        if not won:
            logger.warning("%s %s attempt %s lost its claim to a later attempt; output discarded", doc_type.noun, row.pk, attempt)
    except TRANSIENT_ERRORS as exc:
        # Kept on the row while it waits for the retry: staff see why (e.g. "No space left on device").
        _release(doc_type, row.pk, attempt, error=f"attempt {attempt} failed, retrying: {type(exc).__name__}: {exc}"[:2000])
        raise
    except Exception as exc:  # a permanent failure: record it, do not retry
        logger.exception("%s %s failed to render", doc_type.noun, row.pk)
        message = f"{type(exc).__name__}: {exc}"[:2000]
        failed = model.objects.filter(pk=row.pk, status=S.RENDERING, attempts=attempt).update(
            status=S.FAILED, error=message, lease_expires_at=None
        )
        if failed:
            # The error text stays on the row: it may quote the document's content.
            _audit(doc_type, row, {"status": S.FAILED, "attempt": attempt, "error": type(exc).__name__})
    finally:
        if temp_path:
            Path(temp_path).unlink(missing_ok=True)
    return model.objects.get(pk=row.pk)


def _release(doc_type: DocumentType, pk: int, attempt: int, error: str = "") -> None:
    """Hand the claim back so the retry can take it at once (best effort: the DB may be down)."""
    try:
        doc_type.model_class.objects.filter(pk=pk, status=S.RENDERING, attempts=attempt).update(
            status=S.QUEUED, lease_expires_at=None, claimed_by="", error=error
        )
    except TRANSIENT_ERRORS:
        logger.warning("%s %s: could not release the claim; it frees itself when the lease expires", doc_type.noun, pk)


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
    # A worker killed between writing and moving left its temporary file. We
    # hold the row's only live claim (an older render lost it and its fenced
    # update cannot win), so any leftover for this key is garbage.
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        leftover.unlink(missing_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(temp).unlink(missing_ok=True)  # a disk that filled up mid-write keeps no partial file
        raise
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
        raise OSError(f"storage saved the document as {saved!r} instead of {name!r}")


def read_verified(doc_type: DocumentType, *, row, error_class: type[IntegrityFailure] = IntegrityFailure) -> bytes:
    """The stored PDF, refused unless it still matches the sha256 recorded when it was made."""
    noun = doc_type.noun
    if row.status != S.READY or not row.file.name:
        raise error_class(f"the {noun} is not ready", code=f"{noun.replace(' ', '_')}_not_ready")
    try:
        with open_verified(file=row.file, sha256=row.sha256, case=doc_type.case_of(row), obj=row) as handle:
            data = handle.read()
    except StoredFileError as exc:
        message = f"the stored {noun} file is missing" if exc.code == "file_missing" else f"the stored {noun} failed its integrity check"
        raise error_class(message, code=exc.code) from exc
    return data


# --- the sweep -------------------------------------------------------------------

@dataclass(frozen=True)
class SweepResult:
    requeued: list[int]
    failed: int


def sweep(doc_type: DocumentType, *, limit: int = 500) -> SweepResult:
    """Re-publish rows a lost message left behind; fail those out of attempts.

    Runs every few minutes (CELERY_BEAT_SCHEDULE) over rows not published for
    LETTER_QUEUED_STALE_SECONDS that are still queued, or rendering with an
    expired lease. Publishing twice is harmless: the claim lets one run.
    """
    model = doc_type.model_class
    now = timezone.now()
    failed = give_up(
        doc_type, pks=model.objects.filter(status__in=[S.QUEUED, S.RENDERING], attempts__gte=_max_attempts()).values("pk")
    )
    cutoff = now - timedelta(seconds=settings.LETTER_QUEUED_STALE_SECONDS)
    # Not published within the stale period: a row the sweep just re-published waits for that message.
    not_recent = Q(queued_at__lt=cutoff) | Q(queued_at__isnull=True, created_at__lt=cutoff)
    stale = (
        model.objects.filter(not_recent, attempts__lt=_max_attempts())
        .filter(
            Q(status=S.QUEUED)
            | Q(status=S.RENDERING, lease_expires_at__lt=now)
            | Q(status=S.RENDERING, lease_expires_at__isnull=True)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    published = []
    task = doc_type.task_object()
    for pk in stale:
        if not publish(task, pk):
            break  # the broker is down: the next sweep tries again
        published.append(pk)
    if published:
        model.objects.filter(pk__in=published).update(queued_at=now)
        logger.warning("%s sweep re-queued %s row(s): %s", doc_type.kind, len(published), published)
    return SweepResult(requeued=published, failed=failed)


# --- Celery tasks ------------------------------------------------------------------

def render_task(*, name: str, document_type: str):
    """The Celery task that renders one row of a document type (by id, never content).

    acks_late + reject_on_worker_lost survive a killed worker; the attempts
    counter in `claim` is the loop guard reject_on_worker_lost needs. The
    options are stated on the task so they hold whatever the worker's config.
    """
    import random

    from celery import shared_task
    from celery.exceptions import MaxRetriesExceededError

    @shared_task(
        bind=True,
        name=name,
        acks_late=True,
        reject_on_worker_lost=True,
        autoretry_for=TRANSIENT_ERRORS,
        retry_backoff=2,
        retry_backoff_max=120,
        retry_jitter=True,
        max_retries=5,
        time_limit=300,
        soft_time_limit=240,
    )
    def task(self, pk: int) -> None:
        doc_type = import_string(document_type)
        try:
            render(doc_type, pk=pk)
        except Busy as busy:
            # A crashed render holds the claim until its lease expires; come back then.
            try:
                raise self.retry(countdown=busy.retry_in + random.uniform(0, 2))
            except MaxRetriesExceededError:
                logger.warning("%s %s still busy after %s retries; the sweep will pick it up", doc_type.noun, pk, self.max_retries)

    return task


def sweep_task(*, name: str, document_type: str):
    """The periodic sweep task of one document type (schedule it in CELERY_BEAT_SCHEDULE)."""
    from celery import shared_task

    @shared_task(name=name, acks_late=True, time_limit=120)
    def task() -> None:
        sweep(import_string(document_type))

    return task
