import pytest

from accounts.models import Role
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test writes documents and letters to its own folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "media"), "base_url": None}},
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories set a password per user; the production hasher's deliberate
    slowness would dominate the suite's run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process in the ordinary suite, also when REDIS_URL is set;
    the worker tests start a real worker and turn this off themselves."""
    from imrsite.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _client_login_gives_axes_a_request(monkeypatch):
    """django-axes checks every authenticate() against its lockouts and needs
    the request for the client address; Django's test Client.login() passes
    none, so give it one from the test client's address."""
    from django.http import HttpRequest
    from django.test import Client

    original = Client.login

    def login(self, **credentials):
        if "request" not in credentials:
            request = HttpRequest()
            request.META["REMOTE_ADDR"] = "127.0.0.1"
            credentials["request"] = request
        return original(self, **credentials)

    monkeypatch.setattr(Client, "login", login)


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request):
    """A transactional test's database was flushed by the one before it: put
    back the roles, specialties and guidelines the data migrations made."""
    marker = request.node.get_closest_marker("django_db")
    if (marker and marker.kwargs.get("transaction")) or "transactional_db" in request.fixturenames:
        request.getfixturevalue("_django_db_helper")
        from tests.reference_data import reload_reference_data

        reload_reference_data()


@pytest.fixture
def intake_user(db):
    return UserFactory(username="intake1", role=Role.INTAKE)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin1", role=Role.ADMIN, is_superuser=True)


@pytest.fixture
def reviewer_user(db):
    from tests.factories import ReviewerFactory

    return ReviewerFactory(user__username="reviewer1").user


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The cache (the public pages' rate-limit counts) starts empty in every test."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()


# The fault tests (tests/faults) stop and start real PostgreSQL, Redis, worker
# and SMTP processes: `make faults` runs them against services of their own;
# the ordinary suite leaves them out.
collect_ignore = [] if __import__("os").environ.get("IMR_FAULTS") else ["tests/faults"]
