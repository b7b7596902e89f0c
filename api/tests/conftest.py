import pytest


@pytest.fixture(autouse=True)
def _own_rate_limit_counts(settings):
    """Each test counts its own calls (a local cache, never the shared Redis one)."""
    settings.CACHES = {
        **settings.CACHES,
        "api": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"api-tests-{id(settings)}"},
    }
    from django.core.cache import caches

    caches["api"].clear()


@pytest.fixture
def world(db):
    from .world import build

    return build()


@pytest.fixture
def token_a(client, world):
    from .world import login

    return login(client, world.a.username)


@pytest.fixture
def as_a(token_a):
    from .world import bearer

    return bearer(token_a["access_token"])
