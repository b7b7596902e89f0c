"""Letter download and status: the case's staff and reviewer only; private, verified bytes."""

import hashlib
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse

from determinations import letters
from determinations.models import Letter
from determinations.tasks import render_letter
from tests.factories import PASSWORD

from .letters_helpers import import_seed

pytestmark = pytest.mark.django_db
NUMBER = "CM13-0001234"


@pytest.fixture
def ready(tmp_path, django_capture_on_commit_callbacks):
    determination = import_seed(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        made = letters.letters_request(determination=determination)
    return [Letter.objects.get(pk=letter.pk) for letter in made]


@pytest.fixture
def case_reviewer(ready):
    return ready[0].determination.reviewer.user


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD) or client.force_login(user) is None
    return client


def download_url(letter):
    return reverse("letters:download", kwargs={"number": NUMBER, "pk": letter.pk})


STATUS_URL = f"/letters/{NUMBER}/status/"


@pytest.mark.parametrize("who", ["intake", "case_reviewer"])
def test_staff_and_the_case_reviewer_download_the_pdf(client, ready, intake_user, case_reviewer, who, django_assert_num_queries):
    login(client, intake_user if who == "intake" else case_reviewer)
    letter = ready[0]
    # session, user, roles, (the reviewer row,) case, letter, the audit row, and the session save (savepoint, update, release)
    with django_assert_num_queries(9 if who == "intake" else 10):
        response = client.get(download_url(letter))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{NUMBER}-parties-v1.pdf"; filename*=UTF-8\'\'{NUMBER}-parties-v1.pdf'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert hashlib.sha256(response.content).hexdigest() == letter.sha256


def test_another_reviewer_gets_404(client, ready, reviewer_user):
    login(client, reviewer_user)
    assert client.get(download_url(ready[0])).status_code == 404
    assert client.get(STATUS_URL).status_code == 404


def test_a_letter_of_another_case_is_404_under_this_case(client, ready, intake_user):
    login(client, intake_user)
    assert client.get(reverse("letters:download", kwargs={"number": "CM13-0000001", "pk": ready[0].pk})).status_code == 404
    assert client.get(reverse("letters:download", kwargs={"number": NUMBER, "pk": 999999})).status_code == 404


def test_anonymous_is_sent_to_login(client, ready):
    for url in (download_url(ready[0]), STATUS_URL):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_letter_not_ready_is_404(client, ready, intake_user):
    Letter.objects.filter(pk=ready[0].pk).update(status=Letter.Status.RENDERING)
    login(client, intake_user)
    assert client.get(download_url(ready[0])).status_code == 404


def test_a_tampered_file_is_refused(client, ready, intake_user):
    path = Path(ready[0].file.path)
    path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOF\n% changed"))
    login(client, intake_user)
    response = client.get(download_url(ready[0]))
    assert response.status_code == 409
    assert b"integrity check" in response.content
    assert response["Content-Type"].startswith("text/plain")


def test_download_is_get_only(client, ready, intake_user):
    login(client, intake_user)
    assert client.post(download_url(ready[0])).status_code == 405


@pytest.mark.parametrize("who", ["intake", "case_reviewer"])
def test_status_json(client, ready, intake_user, case_reviewer, who, django_assert_num_queries):
    login(client, intake_user if who == "intake" else case_reviewer)
    # session, user, roles, (the reviewer row,) case, letters; polling is passive (accounts.sessions):
    # no session save, so it never keeps an idle session alive
    with django_assert_num_queries(5 if who == "intake" else 6):
        response = client.get(STATUS_URL)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["pending"] is False
    assert [(row["variant"], row["status"], row["download_url"]) for row in data["letters"]] == [
        ("parties", "ready", download_url(ready[0])),
        ("public", "ready", download_url(ready[1])),
    ]
    assert data["letters"][0]["label"] == "Parties' letter, version 1"


def test_status_json_while_rendering_and_after_failure(client, ready, intake_user):
    Letter.objects.filter(pk=ready[0].pk).update(status=Letter.Status.RENDERING)
    Letter.objects.filter(pk=ready[1].pk).update(status=Letter.Status.FAILED, error="ValueError: bad\ntraceback…")
    login(client, intake_user)
    data = client.get(STATUS_URL).json()
    assert data["pending"] is True
    assert [(row["status"], row["download_url"], row["error"]) for row in data["letters"]] == [
        ("rendering", "", ""), ("failed", "", "ValueError: bad"),
    ]


def test_status_partial_renders_and_links_its_script(ready, django_assert_num_queries):
    case = ready[0].determination.case
    template = Template("{% load letter_tags %}{% letter_status case %}")
    with django_assert_num_queries(1):
        html = template.render(Context({"case": case}))
    assert f'data-letter-status-url="{STATUS_URL}"' in html
    assert 'data-pending="false"' in html
    assert "js/letter-status.js" in html and "<script>" not in html
    assert download_url(ready[0]) in html and "Parties&#x27; letter, version 1" in html


def test_status_partial_polls_while_pending(ready):
    Letter.objects.filter(pk=ready[0].pk).update(status=Letter.Status.QUEUED)
    html = Template("{% load letter_tags %}{% letter_status case %}").render(Context({"case": ready[0].determination.case}))
    assert 'data-pending="true"' in html
    assert "Queued" in html


def test_admin_action_rerenders_as_a_new_version(client, ready, admin_user, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:determinations_letter_changelist"),
            {"action": "rerender_letters", "_selected_action": [ready[0].pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert "Queued for rendering" in response.content.decode()
    versions = list(Letter.objects.filter(variant="parties").order_by("version").values_list("version", "status"))
    assert versions == [(1, "ready"), (2, "ready")]


def test_admin_action_refused_to_intake(client, ready, intake_user):
    login(client, intake_user)
    response = client.post(
        reverse("admin:determinations_letter_changelist"), {"action": "rerender_letters", "_selected_action": [ready[0].pk]}
    )
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Letter.objects.count() == 2


def test_render_task_is_what_the_view_serves(client, ready, intake_user):
    """A repeated task leaves the served bytes unchanged."""
    login(client, intake_user)
    before = client.get(download_url(ready[0])).content
    render_letter.apply(args=[ready[0].pk])
    assert client.get(download_url(ready[0])).content == before


def test_status_partial_included_with_case_in_context(ready):
    html = Template('{% include "letters/_status.html" %}').render(Context({"case": ready[0].determination.case}))
    assert f'data-letter-status-url="{STATUS_URL}"' in html and download_url(ready[1]) in html


def test_case_page_shows_letter_status(client, ready, intake_user):
    login(client, intake_user)
    response = client.get(reverse("cases:detail", kwargs={"number": NUMBER}))
    assert response.status_code == 200
    assert f'data-letter-status-url="{STATUS_URL}"' in response.content.decode()
