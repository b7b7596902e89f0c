"""Browser tests: Playwright for Python driving Debian's Chromium (/usr/bin/chromium,
installed by `make test` when missing; never a downloaded browser build) against
pytest-django's live server. Helpers for the tests are in pages.py.
"""

import os
from types import SimpleNamespace
from pathlib import Path

import pytest
from django.conf import settings

from .pages import CHROMIUM, CHROMIUM_ARGS, DESKTOP, TIMEOUT_MS


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"needs Debian's Chromium at {CHROMIUM} (`make test` installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop in this thread, which Django
    # would take for async code and refuse ORM calls from; only while it runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_api.sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser, live_server):
    """`new_page()`: a page in a fresh browser context (one person's browser) on the live server."""
    contexts = []

    def make(**options):
        context = browser.new_context(
            base_url=live_server.url, viewport=DESKTOP, locale="en-US", timezone_id=settings.TIME_ZONE,
            accept_downloads=True, **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()




@pytest.fixture
def people(transactional_db):
    """The journeys' cast. Names with accents, as real input has; the reviewer's
    surname is distinctive so a leak into the letter would be found."""
    from accounts.models import Role
    from tests.factories import PASSWORD, ReviewerFactory, UserFactory

    # Roles and the guideline catalog are back: the root conftest reloads them for transactional tests.
    return SimpleNamespace(
        password=PASSWORD,
        intake=UserFactory(username="irene", first_name="Irène", last_name="Okafor", role=Role.INTAKE),
        reviewer=ReviewerFactory(
            user__username="drvasquez", user__first_name="Eleanor", user__last_name="Vásquez-Whitcombe"
        ).user,
        # Eligible for other treatment only, so the ranked list's top is the first reviewer.
        reviewer2=ReviewerFactory(
            user__username="drlindqvist", user__first_name="Sören", user__last_name="Lindqvist",
            specialties=["Orthopaedic Surgery"],
        ).user,
        admin=UserFactory(username="ada", first_name="Ada", last_name="Nwosu", role=Role.ADMIN, is_superuser=True),
    )


class LetterRenderer:
    """Holds finalized letters in the queue, then renders them on `release()`:
    with REDIS_URL and PostgreSQL, by starting a real Celery worker on the test
    database and media folder (the letters' own worker helper); otherwise
    in-process, by the same service the task calls."""

    def __init__(self, tmp_path: Path):
        from django.db import connection

        self.log = tmp_path / "worker.log"
        self.real = bool(os.environ.get("REDIS_URL")) and connection.vendor == "postgresql"
        self.worker = None

    def _purge(self) -> None:
        from imrsite.celery import app

        if os.environ.get("REDIS_URL"):
            with app.connection_for_write() as conn:
                conn.default_channel.queue_purge(app.conf.task_default_queue)

    def hold(self) -> None:
        """Before finalizing: publish to the broker instead of rendering inside the request."""
        from imrsite.celery import app

        self._purge()
        app.conf.task_always_eager = False  # the autouse _eager_celery fixture restores it

    def release(self) -> None:
        if self.real:
            from determinations.tests.test_letter_worker import Worker, database_url

            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "imrsite.settings",
                "DATABASE_URL": database_url(),  # the live server's test database
                "MEDIA_ROOT": settings.MEDIA_ROOT,  # and its storage folder (conftest _private_media)
                "CONN_MAX_AGE": "0",
            }
            for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "LETTER_RENDER_TEST_DELAY", "LETTER_RENDER_TEST_EXIT"):
                env.pop(name, None)
            self.worker = Worker(env, self.log).start()
            return
        from determinations import letters
        from determinations.models import Letter

        for pk in Letter.objects.filter(status=Letter.Status.QUEUED).values_list("pk", flat=True):
            letters.letter_render(letter_id=pk)

    def worker_log(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.kill()
        self._purge()


@pytest.fixture
def letter_renderer(tmp_path):
    renderer = LetterRenderer(tmp_path)
    yield renderer
    renderer.stop()
