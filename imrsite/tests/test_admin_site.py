"""Every model registered in admin: its pages load for an admin, are refused
to everyone else, and its changelist costs the same queries for 3 rows as
for 30 (no query per row)."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from tests.factories import UserFactory

from .admin_objects import BUILDERS

REGISTERED = sorted(model._meta.label for model in admin.site._registry)


def _model(label):
    return next(model for model in admin.site._registry if model._meta.label == label)


def _urls(model, obj):
    info = (model._meta.app_label, model._meta.model_name)
    return {
        "changelist": reverse("admin:%s_%s_changelist" % info),
        "add": reverse("admin:%s_%s_add" % info),
        "change": reverse("admin:%s_%s_change" % info, args=[obj.pk]),
    }


def test_every_registered_model_has_a_builder():
    missing = [label for label in REGISTERED if label not in BUILDERS]
    assert not missing, f"add a builder to imrsite/tests/admin_objects.py for {missing}"


def test_the_admin_lives_at_admin_url(settings):
    assert reverse("admin:index") == "/" + settings.ADMIN_URL


@pytest.fixture
def superuser(db):
    return UserFactory(username="boss", role=Role.ADMIN, is_superuser=True, is_staff=True)


@pytest.mark.django_db
@pytest.mark.parametrize("label", REGISTERED)
def test_pages_load_for_an_admin(client, superuser, rf, label):
    model = _model(label)
    model_admin = admin.site._registry[model]
    (obj,) = BUILDERS[label](1)
    urls = _urls(model, obj)
    client.force_login(superuser)

    assert client.get(urls["changelist"]).status_code == 200
    assert client.get(urls["changelist"], {"q": "a"}).status_code == 200
    assert client.get(urls["change"]).status_code == 200

    request = rf.get(urls["add"])
    request.user = superuser
    expected_add = 200 if model_admin.has_add_permission(request) else 403
    assert client.get(urls["add"]).status_code == expected_add


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["reviewer", "intake", "anonymous"])
def test_pages_refused_to_everyone_but_staff(client, who):
    if who == "reviewer":
        client.force_login(BUILDERS["reviewers.Reviewer"](1)[0].user)
    elif who == "intake":
        client.force_login(UserFactory(role=Role.INTAKE))
    login = reverse("admin:login")
    objects = {label: BUILDERS[label](1)[0] for label in REGISTERED}
    for label, obj in objects.items():
        for kind, url in _urls(_model(label), obj).items():
            response = client.get(url)
            assert response.status_code == 302, (label, kind)
            assert response["Location"].startswith(login), (label, kind)
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("label", REGISTERED)
def test_changelist_queries_do_not_grow_with_rows(client, superuser, label):
    model = _model(label)
    url = reverse("admin:%s_%s_changelist" % (model._meta.app_label, model._meta.model_name))
    client.force_login(superuser)
    build = BUILDERS[label]

    def count():
        client.get(url)  # warm the session and content-type caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), response.context["cl"].result_count

    build(3)
    few, few_rows = count()
    build(27)
    many, many_rows = count()
    assert many_rows >= few_rows + 27
    assert many == few, f"{label}: {few} queries for {few_rows} rows, {many} for {many_rows}"
