"""Issue 19 item 18: concurrent submissions on SQLite, and database conflicts or outages.

- SQLite (the first-run default) is configured for several people at once:
  WAL, a busy timeout, immediate transactions. Proven with real concurrent
  read-then-write transactions on a file database, in a separate process
  that runs the project's own settings.
- Whatever conflict or outage remains (OperationalError) is answered with a
  "try again" page, HTTP 503, no traceback, DEBUG on or off, on SQLite and
  on PostgreSQL (a real lock timeout there).
"""

import json
import os
import subprocess
import sys
import threading
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from imrsite.database import configure

pytestmark = pytest.mark.django_db

WORKERS = """
import json, os, sys, threading, time
import django
django.setup()
from django.db import connection, transaction

with connection.cursor() as c:
    c.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
    c.execute("INSERT INTO counter VALUES (1, 0)")
    c.execute("PRAGMA journal_mode")
    journal = c.fetchone()[0]
    c.execute("PRAGMA busy_timeout")
    busy = c.fetchone()[0]
connection.close()
errors = []
start = threading.Barrier(4)

def submit():
    # What a form submission does: read, think, write, in one transaction.
    try:
        start.wait()
        with transaction.atomic():
            with connection.cursor() as c:
                c.execute("SELECT n FROM counter WHERE id = 1")
                n = c.fetchone()[0]
                time.sleep(0.15)
                c.execute("UPDATE counter SET n = %s WHERE id = 1", [n + 1])
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()

threads = [threading.Thread(target=submit) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
with connection.cursor() as c:
    c.execute("SELECT n FROM counter WHERE id = 1")
    n = c.fetchone()[0]
print(json.dumps({"errors": errors, "n": n, "journal": journal, "busy": busy}))
"""


def test_sqlite_is_configured_for_concurrent_web_use():
    options = configure({"ENGINE": "django.db.backends.sqlite3", "NAME": "x"}, sqlite_busy_seconds=7)["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] == 7
    assert "journal_mode=WAL" in options["init_command"] and "busy_timeout=7000" in options["init_command"]


def test_concurrent_submissions_on_a_sqlite_file_all_succeed(tmp_path):
    """Four read-then-write transactions at once on the default set-up: none fails with
    "database is locked", and no update is lost (each waits its turn at BEGIN)."""
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "imrsite.settings", "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "SQLITE_BUSY_TIMEOUT": "10",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", WORKERS], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert outcome["n"] == 4
    assert (outcome["journal"], outcome["busy"]) == ("wal", 10000)


# --- the "try again" page -------------------------------------------------------------------

@pytest.fixture
def intake_client(intake_user):
    client = Client(raise_request_exception=False)
    client.force_login(intake_user)
    return client


def assert_try_again(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert "please try again" in html
    for leak in ("Traceback", "database is locked", "OperationalError", "File &quot;", 'File "'):
        assert leak not in html, leak


@pytest.mark.parametrize("debug", [True, False])
def test_a_database_error_in_a_view_is_the_try_again_page(intake_client, settings, debug):
    settings.DEBUG = debug
    with mock.patch("cases.selectors.case_search", side_effect=OperationalError("database is locked")):
        assert_try_again(intake_client.get(reverse("cases:list")))


@pytest.mark.parametrize("debug", [True, False])
def test_a_database_error_after_the_view_is_the_try_again_page(intake_client, settings, debug):
    """The session is saved by middleware after the view: Django turns an error there into a 500
    (with DEBUG, the debug page) before any view code could catch it."""
    settings.DEBUG = debug
    from django.contrib.sessions.backends.db import SessionStore

    with mock.patch.object(SessionStore, "save", side_effect=OperationalError("database is locked")):
        assert_try_again(intake_client.get(reverse("cases:list")))


def test_a_connection_lost_while_saving_the_session_is_the_try_again_page(intake_client, settings):
    """Django's database session store reports any database error on update as
    "the session was deleted" (400 Bad Request); a lost connection is an outage
    (seen in `make faults` while PostgreSQL restarted)."""
    settings.DEBUG = False
    from django.contrib.sessions.models import Session

    with mock.patch.object(Session, "save", side_effect=OperationalError("the connection is closed")):
        assert_try_again(intake_client.get(reverse("cases:list")))


def test_a_session_really_deleted_meanwhile_is_still_refused(intake_client, settings):
    """Signed out in another tab while this request ran: Django's answer stands."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.backends.base import UpdateError

    with mock.patch.object(SessionStore, "save", side_effect=UpdateError):
        response = intake_client.get(reverse("cases:list"))
    assert response.status_code == 400


def test_other_errors_are_still_the_500_page(intake_client, settings):
    settings.DEBUG = False
    with mock.patch("cases.selectors.case_search", side_effect=ValueError("a bug")):
        response = intake_client.get(reverse("cases:list"))
    assert response.status_code == 500 and "Something went wrong" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_lock_timeout_is_the_try_again_page(intake_user):
    """A real conflict: another transaction holds the case's row lock longer than lock_timeout."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (run with DATABASE_URL=postgres://...)")
    from django.db import connections

    from cases import services
    from tests.factories import CaseFactory, DisputedItemFactory

    case = CaseFactory()
    DisputedItemFactory(case=case)
    case = services.case_mark_eligible(case=case, assigned_on=case.received_on)
    holding, release = threading.Event(), threading.Event()

    def hold_the_row():
        other = connections.create_connection("default")
        try:
            other.set_autocommit(False)
            with other.cursor() as cursor:
                cursor.execute("SELECT id FROM cases_case WHERE id = %s FOR UPDATE", [case.pk])
                holding.set()
                release.wait(20)
            other.rollback()
        finally:
            other.close()

    thread = threading.Thread(target=hold_the_row)
    thread.start()
    try:
        assert holding.wait(20)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
        client = Client(raise_request_exception=False)
        client.force_login(intake_user)
        response = client.post(reverse("cases:records_complete", args=[case.number]), {"on": case.received_on.isoformat()})
        assert_try_again(response)
    finally:
        release.set()
        thread.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    case.refresh_from_db()
    assert case.records_complete_on is None
