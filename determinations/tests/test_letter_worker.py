"""A real Celery worker on a real Redis broker renders letters and survives being killed.

Runs only with REDIS_URL set and PostgreSQL (the worker process must reach
the test database). Settings shortened for the test, as in security.md §2.4:
visibility timeout 15 s, unacked-restore scan every 2 s, a 3 s render
(LETTER_RENDER_TEST_DELAY) and an 8 s claim lease.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from determinations import letters
from determinations import services as determination_services
from determinations.models import Letter
from imrsite.celery import app

from .letters_helpers import draft_case

pytestmark = [
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a Redis broker (REDIS_URL)"),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(settings.BASE_DIR)
RENDER_SECONDS = 3
LEASE_SECONDS = 8
VISIBILITY_TIMEOUT = 15


class Worker:
    """`celery worker -c1 --pool=prefork` in its own process group, logging to a file."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log = env, log
        self.proc = None

    def start(self) -> "Worker":
        handle = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "imrsite", "worker", "-c1", "--pool=prefork",
             "--without-mingle", "--without-gossip", "--loglevel=INFO", f"--hostname=letters-test-{time.time_ns()}@%h"],
            cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )
        handle.close()
        wait_for(lambda: " ready." in self.log.read_text(errors="replace"), 60, self, "worker start")
        return self

    def kill(self) -> None:
        """SIGKILL the whole node: the main process and its pool child."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


def wait_for(predicate, seconds: float, worker: Worker, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    tail = worker.log.read_text(errors="replace")[-4000:] if worker.log.exists() else ""
    pytest.fail(f"timed out after {seconds}s waiting for {what}\n--- worker log ---\n{tail}")


def database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_env(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a shared database (PostgreSQL)")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "imrsite.settings",
        "DATABASE_URL": database_url(),  # the test database, which this test commits to
        "MEDIA_ROOT": settings.MEDIA_ROOT,
        "CONN_MAX_AGE": "0",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "CELERY_UNACKED_RESTORE_INTERVAL": "2",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "LETTER_RENDER_TEST_DELAY": str(RENDER_SECONDS),
        "LETTER_RENDER_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    env.pop("LETTER_RENDER_TEST_EXIT", None)
    return env


@pytest.fixture
def workers(worker_env, tmp_path):
    started = []

    def start(**extra_env):
        worker = Worker({**worker_env, **extra_env}, tmp_path / f"worker-{len(started)}.log").start()
        started.append(worker)
        return worker

    app.conf.task_always_eager = False  # publish to Redis (the conftest fixture restores it)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)  # nothing left from an earlier run
    yield start
    for worker in started:
        worker.kill()


def letter_files(letter: Letter) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "letters" / str(letter.determination.case_id)
    return sorted(folder.glob(f"{letter.pk}-*")) + sorted(folder.glob(f".{letter.pk}-*"))


def status(letter: Letter) -> Letter:
    return Letter.objects.get(pk=letter.pk)


def assert_ready_once(letter: Letter, attempts: int) -> None:
    letter = status(letter)
    assert (letter.status, letter.attempts) == (Letter.Status.READY, attempts), letter.error
    files = letter_files(letter)
    assert [f.name for f in files] == [Path(letter.file.name).name]  # one file, no temporary leftovers
    assert letters.letter_read_verified(letter=letter)  # and its bytes match the recorded sha256


def claimed_pid(letter: Letter, worker: Worker) -> int:
    def rendering():
        row = status(letter)
        return row.claimed_by if row.status == Letter.Status.RENDERING and row.claimed_by else None

    claimed_by = wait_for(rendering, 30, worker, "the render to start")
    return int(re.search(r":(\d+)$", claimed_by).group(1))


def test_finalize_renders_on_a_real_worker_and_a_killed_render_recovers(workers):
    worker = workers()

    # 1. Finalizing publishes the letters on commit; the worker renders them.
    determination = draft_case()
    determination_services.determination_finalize(determination=determination, user=determination.reviewer.user)
    made = list(Letter.objects.filter(determination=determination))
    assert {row.status for row in made} == {Letter.Status.QUEUED}
    wait_for(lambda: all(status(row).status == Letter.Status.READY for row in made), 60, worker, "both letters ready")
    for row in made:
        assert_ready_once(row, attempts=1)

    # 2. The pool child is killed mid-render (an OOM kill): the message comes back
    #    (acks_late + reject_on_worker_lost), waits out the lease, renders once more.
    again = letters.letter_rerender(letter=made[0])
    pid = claimed_pid(again, worker)
    assert pid != worker.proc.pid
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: status(again).status == Letter.Status.READY, 60, worker, "ready after the child was killed")
    assert_ready_once(again, attempts=2)
    assert "WorkerLostError" in worker.log.read_text(errors="replace")

    # 3. The whole node dies mid-render; a new worker finds the unacked message
    #    after the visibility timeout and finishes the letter.
    third = letters.letter_rerender(letter=made[1])
    claimed_pid(third, worker)
    worker.kill()
    assert status(third).status == Letter.Status.RENDERING
    replacement = workers()
    wait_for(lambda: status(third).status == Letter.Status.READY, VISIBILITY_TIMEOUT + 45, replacement, "ready on the new worker")
    assert_ready_once(third, attempts=2)
    # Nothing else was rendered twice.
    for row in made:
        assert_ready_once(row, attempts=1)


def test_poison_letter_fails_after_max_attempts_on_a_real_worker(workers):
    """A render that kills its worker child every time ends failed, not in an endless loop."""
    determination = draft_case()
    determination_services.determination_finalize(determination=determination, user=determination.reviewer.user, request_letters=False)
    worker = workers(LETTER_RENDER_TEST_EXIT="1", LETTER_MAX_ATTEMPTS="2", LETTER_RENDER_LEASE_SECONDS="2")
    letter = letters.letters_request(determination=determination)[0]
    wait_for(lambda: status(letter).status == Letter.Status.FAILED, 60, worker, "the poison letter to fail")
    letter = status(letter)
    assert letter.attempts == 2 and "gave up after 2 attempts" in letter.error
    assert letter_files(letter) == []
