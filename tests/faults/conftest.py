"""Fixtures of the fault tests: the real services they stop and start.

Run them with `make faults` (tests/faults/run.py), which starts the
PostgreSQL cluster they restart and picks the port of their own Redis; the
ordinary suite leaves this folder out (conftest.py at the root).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from django.db import connection

from .procs import PostgresCluster, RedisServer, Worker

BASE = Path(os.environ.get("FAULTS_BASE", "/tmp"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


class Fault:
    """One row of the `make faults` table, written when the test ends."""

    def __init__(self, name: str):
        self.name, self.saw, self.lost = name, "", ""

    def record(self, *, saw: str, lost: str) -> None:
        self.saw, self.lost = saw, lost


@pytest.fixture
def fault(request):
    row = Fault(request.node.name)
    yield row
    call = getattr(request.node, "rep_call", None)
    if call is None or call.skipped:
        reason = call.longrepr[-1] if call is not None and isinstance(call.longrepr, tuple) else "skipped"
        saw, lost = "SKIPPED", str(reason)
    elif call.failed:
        saw, lost = row.saw or "-", "NOT PROVEN: the test failed (see its output above)"
    else:
        saw, lost = row.saw, row.lost
    path = os.environ.get("FAULTS_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"fault": row.name, "saw": saw, "lost": lost}) + "\n")


def _require_postgres():
    if not os.environ.get("FAULTS_PG_PORT"):
        pytest.skip("no PostgreSQL binaries (initdb/pg_ctl): run through `make faults`")
    if connection.vendor != "postgresql" or str(connection.settings_dict["PORT"]) != os.environ["FAULTS_PG_PORT"]:
        pytest.skip("not connected to the faults' own PostgreSQL cluster: run through `make faults`")


@pytest.fixture(scope="session")
def pg_cluster():
    """The cluster `make faults` started for this run (tests may stop and restart it)."""
    _require_postgres()
    return PostgresCluster(Path(os.environ["FAULTS_PG_BASE"]), port=int(os.environ["FAULTS_PG_PORT"]))


@pytest.fixture(scope="session", autouse=True)
def redis_server():
    """Started before anything else: the API's cache and the broker live on it."""
    if not os.environ.get("FAULTS_REDIS_PORT"):
        yield None
        return
    server = RedisServer(BASE / "redis", port=int(os.environ["FAULTS_REDIS_PORT"])).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _redis_running(redis_server):
    """Every test starts with Redis up (the broker test stops it)."""
    if redis_server is not None and (redis_server.proc is None or redis_server.proc.poll() is not None):
        redis_server.start()


@pytest.fixture
def redis_up(redis_server):
    """Redis running at the start of the test (an earlier test may have stopped it)."""
    if redis_server is None:
        pytest.skip("no redis-server binary: the broker faults need one")
    if redis_server.proc is None or redis_server.proc.poll() is not None:
        redis_server.start()
    from imrsite.celery import app

    app.conf.task_always_eager = False  # publish to Redis (the root conftest restores it)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    yield redis_server
    if redis_server.proc is None or redis_server.proc.poll() is not None:
        redis_server.start()


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd); it writes each accepted Message-ID to a log the reconciler reads."""
    from .smtp import SMTPServer

    server = SMTPServer(BASE / f"smtp-{os.getpid()}-{id(settings)}.log").start()
    settings.EMAIL_BACKEND = "correspondence.mail.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.EMAIL_RECONCILER = "tests.faults.smtp.reconcile"
    os.environ["FAULTS_SMTP_LOG"] = str(server.log)
    yield server
    server.stop()


@pytest.fixture
def workers(redis_up, pg_cluster, tmp_path, settings):
    """Start real Celery workers on the test database and the faults' Redis."""
    started = []

    def start(smtp=None, beat=False, **extra):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "imrsite.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_up.url(0),
            "MEDIA_ROOT": settings.MEDIA_ROOT,
            "CONN_MAX_AGE": "60",
            "CELERY_VISIBILITY_TIMEOUT": "15",
            "CELERY_UNACKED_RESTORE_INTERVAL": "2",
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
            "LETTER_RENDER_LEASE_SECONDS": "4",
            "EMAIL_SEND_LEASE_SECONDS": "4",
            "EMAIL_RETRY_BACKOFF_SECONDS": "1",
            "IMR_CRASH_FILE": str(tmp_path / "crash-at"),
        }
        if smtp is not None:
            env.update({"EMAIL_BACKEND": "correspondence.mail.EmailBackend", "EMAIL_HOST": "127.0.0.1",
                        "EMAIL_PORT": str(smtp.port), "EMAIL_TIMEOUT": "5", "EMAIL_RECONCILER": "tests.faults.smtp.reconcile",
                        "FAULTS_SMTP_LOG": str(smtp.log)})
        env.update({k: str(v) for k, v in extra.items()})
        worker = Worker(env, tmp_path / f"worker-{len(started)}.log", beat=beat).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()
    for worker in started:
        if os.environ.get("FAULTS_KEEP_LOGS"):
            shutil.copy(worker.log, BASE / worker.log.name)
