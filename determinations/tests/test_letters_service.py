"""Letter services: queued on commit, claimed atomically, stored once, retried, swept, re-rendered."""

import hashlib
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from determinations import letters, rendering
from determinations import services as determination_services
from determinations.models import Letter
from determinations.tasks import render_letter, sweep_letters
from imrsite.errors import ServiceError

from .letters_helpers import draft_case, import_seed

pytestmark = pytest.mark.django_db
S = Letter.Status


def media_files(root=None) -> list[Path]:
    root = Path(root or settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def seed(tmp_path):
    return import_seed(tmp_path)


@pytest.fixture
def queued(seed, django_capture_on_commit_callbacks):
    """The seed's two letters, queued; their render tasks captured, not run."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        made = letters.letters_request(determination=seed)
    assert len(callbacks) == 2
    return made


def expire_lease(letter):
    Letter.objects.filter(pk=letter.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def test_finalize_queues_letters_on_commit_and_they_render(django_capture_on_commit_callbacks):
    determination = draft_case()
    with django_capture_on_commit_callbacks(execute=True):
        determination_services.determination_finalize(determination=determination, user=determination.reviewer.user)
    rows = list(Letter.objects.filter(determination=determination).order_by("variant"))
    assert [(r.variant, r.version, r.status, r.attempts) for r in rows] == [
        ("parties", 1, S.READY, 1), ("public", 1, S.READY, 1),
    ]
    for row in rows:
        data = Path(row.file.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row.sha256
        assert row.page_count >= 1 and row.rendered_at and row.lease_expires_at is None
        assert row.file.name == f"letters/{determination.case_id}/{row.pk}-{row.variant}-v1.pdf"
    assert len(media_files()) == 2  # no temporary files left behind


def test_rolled_back_finalize_publishes_nothing(django_capture_on_commit_callbacks):
    determination = draft_case()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                determination_services.determination_finalize(determination=determination, user=determination.reviewer.user)
                raise RuntimeError("something later in the request failed")
    assert callbacks == []
    assert not Letter.objects.exists()


def test_letters_only_for_a_final_determination():
    determination = draft_case()
    with pytest.raises(ServiceError, match="final determination"):
        letters.letters_request(determination=determination)


def test_repeated_task_on_a_ready_letter_changes_nothing(queued):
    letter = queued[0]
    render_letter.apply(args=[letter.pk])
    letter.refresh_from_db()
    before = (letter.status, letter.attempts, letter.sha256, letter.file.name, letter.rendered_at)
    assert letter.status == S.READY
    for _ in range(2):  # redelivered, then repeated by hand
        render_letter.apply(args=[letter.pk])
        assert letters.letter_render(letter_id=letter.pk).status == S.READY
    letter.refresh_from_db()
    assert (letter.status, letter.attempts, letter.sha256, letter.file.name, letter.rendered_at) == before
    assert Letter.objects.filter(determination=letter.determination, variant=letter.variant).count() == 1
    assert media_files() == [Path(letter.file.path)]


def test_claim_is_atomic_and_counts_attempts(queued):
    letter = queued[0]
    first = letters.letter_claim(letter_id=letter.pk)
    assert first.status == S.RENDERING and first.attempts == 1 and first.claimed_by
    assert first.lease_expires_at > timezone.now() + timedelta(seconds=settings.LETTER_RENDER_LEASE_SECONDS - 5)
    assert letters.letter_claim(letter_id=letter.pk) is None  # a live claim: nobody else
    with pytest.raises(letters.LetterBusy) as busy:
        letters.letter_render(letter_id=letter.pk)
    assert busy.value.retry_in > settings.LETTER_RENDER_LEASE_SECONDS - 5
    expire_lease(letter)  # the claimant died
    second = letters.letter_claim(letter_id=letter.pk)
    assert second.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_let_exactly_one_through(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database with real concurrent connections (PostgreSQL)")
    determination = import_seed(tmp_path)
    with transaction.atomic():
        letter = letters.letters_request(determination=determination)[0]
    # Eager tasks ran on commit; put the letter back in the queue to race for it.
    Letter.objects.filter(pk=letter.pk).update(status=S.QUEUED, attempts=0, sha256="", lease_expires_at=None)
    barrier = threading.Barrier(8)
    results = []

    def claim():
        try:
            barrier.wait()
            results.append(letters.letter_claim(letter_id=letter.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([r for r in results if r is not None]) == 1
    assert Letter.objects.get(pk=letter.pk).attempts == 1


def test_duplicate_run_after_lease_expiry_makes_one_file_and_one_ready(queued, monkeypatch):
    """Two runs overlap (the first outlived its lease): the later attempt wins, the earlier one's output is discarded."""
    letter = queued[0]
    real = rendering.letter_pdf
    calls = []

    def slow_first_render(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            expire_lease(letter)
            assert letters.letter_render(letter_id=letter.pk).status == S.READY  # the duplicate delivery
        return real(**kwargs)

    monkeypatch.setattr(rendering, "letter_pdf", slow_first_render)
    result = letters.letter_render(letter_id=letter.pk)
    assert result.status == S.READY and result.attempts == 2
    assert hashlib.sha256(Path(result.file.path).read_bytes()).hexdigest() == result.sha256
    assert media_files() == [Path(result.file.path)]


def test_permanent_error_fails_the_letter_with_the_error(queued, monkeypatch):
    def broken(**kwargs):
        raise ValueError("template exploded")

    monkeypatch.setattr(rendering, "letter_pdf", broken)
    render_letter.apply(args=[queued[0].pk])
    letter = Letter.objects.get(pk=queued[0].pk)
    assert letter.status == S.FAILED and letter.attempts == 1
    assert "ValueError: template exploded" in letter.error
    assert media_files() == []


def test_transient_error_releases_the_claim_and_the_task_retries(queued, monkeypatch):
    real = rendering.letter_pdf
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(rendering, "letter_pdf", flaky)
    with pytest.raises(OperationalError):
        letters.letter_render(letter_id=queued[0].pk)
    letter = Letter.objects.get(pk=queued[0].pk)
    assert (letter.status, letter.attempts, letter.lease_expires_at) == (S.QUEUED, 1, None)
    # Through the task: autoretry (eager here) renders it on the next try.
    calls.clear()
    monkeypatch.setattr(rendering, "letter_pdf", flaky)
    render_letter.apply(args=[queued[1].pk])
    letter = Letter.objects.get(pk=queued[1].pk)
    assert (letter.status, letter.attempts) == (S.READY, 2)


def test_task_options_survive_a_crash_and_retry_with_backoff():
    assert render_letter.acks_late is True
    assert render_letter.reject_on_worker_lost is True
    assert render_letter.max_retries == 5
    assert render_letter.retry_backoff and render_letter.retry_jitter
    assert OperationalError in render_letter.autoretry_for
    assert render_letter.time_limit == 300 and render_letter.soft_time_limit == 240
    assert settings.LETTER_RENDER_LEASE_SECONDS > render_letter.time_limit
    assert settings.CELERY_BEAT_SCHEDULE["sweep-letters"] == {"task": "determinations.sweep_letters", "schedule": 300.0}


def test_poison_letter_fails_after_max_attempts(queued):
    """A render that kills its worker every time: each redelivery claims again until attempts run out."""
    letter = queued[0]
    for attempt in range(1, settings.LETTER_MAX_ATTEMPTS + 1):
        claimed = letters.letter_claim(letter_id=letter.pk)
        assert claimed.attempts == attempt
        expire_lease(letter)  # ...and the worker died mid-render
    result = letters.letter_render(letter_id=letter.pk)
    assert result.status == S.FAILED and result.attempts == settings.LETTER_MAX_ATTEMPTS
    assert f"gave up after {settings.LETTER_MAX_ATTEMPTS} attempts" in result.error
    assert letters.letter_claim(letter_id=letter.pk) is None


def test_sweep_requeues_stuck_letters_and_fails_exhausted_ones(queued, monkeypatch):
    parties, public = queued
    long_ago = timezone.now() - timedelta(seconds=settings.LETTER_QUEUED_STALE_SECONDS + 60)
    Letter.objects.filter(pk=parties.pk).update(queued_at=long_ago)  # its message was lost
    Letter.objects.filter(pk=public.pk).update(  # its render crashed
        status=S.RENDERING, attempts=1, lease_expires_at=timezone.now(), queued_at=long_ago
    )
    fresh = letters.letter_rerender(letter=parties)  # queued just now: its message is on its way
    exhausted = letters.letter_rerender(letter=public)
    Letter.objects.filter(pk=exhausted.pk).update(
        status=S.RENDERING, attempts=settings.LETTER_MAX_ATTEMPTS, lease_expires_at=long_ago
    )
    published = []
    monkeypatch.setattr(render_letter, "delay", lambda pk: published.append(pk))
    result = letters.letters_sweep()
    assert sorted(result.requeued) == sorted([parties.pk, public.pk]) == sorted(published)
    assert result.failed == 1
    assert Letter.objects.get(pk=exhausted.pk).status == S.FAILED
    assert Letter.objects.get(pk=fresh.pk).status == S.QUEUED
    # Re-queued letters are not re-published again until they go stale once more.
    published.clear()
    assert letters.letters_sweep().requeued == [] and published == []


def test_sweep_task_and_command_render_what_was_lost(queued):
    from io import StringIO

    from django.core.management import call_command

    long_ago = timezone.now() - timedelta(hours=1)
    Letter.objects.filter(pk=queued[0].pk).update(queued_at=long_ago)
    sweep_letters.apply()
    assert Letter.objects.get(pk=queued[0].pk).status == S.READY
    Letter.objects.filter(pk=queued[1].pk).update(queued_at=long_ago)
    out = StringIO()
    call_command("sweep_letters", stdout=out)
    assert "re-queued 1 letter(s)" in out.getvalue()
    assert Letter.objects.get(pk=queued[1].pk).status == S.READY


def test_rerender_makes_a_new_version_and_keeps_the_old(queued, django_capture_on_commit_callbacks):
    for letter in queued:
        render_letter.apply(args=[letter.pk])
    old = Letter.objects.get(pk=queued[0].pk)
    with django_capture_on_commit_callbacks(execute=True):
        new = letters.letter_rerender(letter=old)
    new.refresh_from_db()
    assert (new.variant, new.version, new.status) == (old.variant, 2, S.READY)
    assert new.file.name != old.file.name
    assert Path(old.file.path).exists() and Path(new.file.path).exists()
    assert Letter.objects.get(pk=old.pk).sha256 == old.sha256


def test_read_verified_refuses_a_changed_or_missing_file(queued):
    letter = queued[0]
    render_letter.apply(args=[letter.pk])
    letter.refresh_from_db()
    assert letters.letter_read_verified(letter=letter).startswith(b"%PDF-")
    path = Path(letter.file.path)
    path.write_bytes(path.read_bytes() + b"\n% tampered")
    with pytest.raises(letters.LetterIntegrityError, match="integrity"):
        letters.letter_read_verified(letter=letter)
    path.unlink()
    with pytest.raises(letters.LetterIntegrityError, match="missing"):
        letters.letter_read_verified(letter=letter)
