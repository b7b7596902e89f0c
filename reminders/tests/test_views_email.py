"""The settings page (every role, anonymous), the admin of rules, and the digest e-mail
through a real SMTP server, rendered by Chromium to look at."""

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.models import ReminderEmail, Role
from correspondence.tests.conftest import smtp  # noqa: F401  (the real SMTP server fixture)
from reminders.models import ReminderRule
from reminders.services import reminder_emails_send, reminders_rebuild, reminders_run
from tests.factories import CaseFactory, ReviewerFactory, UserFactory

TZ = ZoneInfo("America/Los_Angeles")
URL = "/accounts/reminders/settings/"


@pytest.mark.parametrize("role", [Role.INTAKE, Role.REVIEWER, Role.ADMIN, Role.MANAGER])
def test_everyone_chooses_their_reminder_emails(client, db, role):
    user = UserFactory(role=role)
    client.force_login(user)
    page = client.get(URL)
    assert page.status_code == 200 and b"Once a day, in a digest" in page.content
    response = client.post(URL, {"reminder_email": ReminderEmail.IMMEDIATELY})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.reminder_email == ReminderEmail.IMMEDIATELY


def test_a_wrong_choice_is_refused_naming_the_field(client, db):
    user = UserFactory(role=Role.INTAKE)
    client.force_login(user)
    response = client.post(URL, {"reminder_email": "hourly"})
    assert response.status_code == 400
    assert "reminder_email" in response.context["form"].errors
    user.refresh_from_db()
    assert user.reminder_email == ReminderEmail.DIGEST


def test_an_empty_post_is_refused_naming_the_field_not_shown_as_the_blank_page(client, db):
    # Found by tests/test_property_more.py: an empty POST was taken for a GET (200, no error, nothing saved).
    user = UserFactory(role=Role.INTAKE)
    client.force_login(user)
    response = client.post(URL, {})
    assert response.status_code == 400
    assert "reminder_email" in response.context["form"].errors


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.post(URL, {"reminder_email": "immediately"}).status_code == 302


def test_rules_are_edited_in_admin_by_admins_only(client, db):
    admin_user = UserFactory(role=Role.ADMIN, is_superuser=True)
    intake = UserFactory(role=Role.INTAKE, is_staff=True)
    rule = ReminderRule.objects.get(name="Offer unanswered 1 business day: remind the reviewer")
    url = reverse("admin:reminders_reminderrule_change", args=[rule.pk])
    client.force_login(intake)
    assert client.get(url).status_code in (302, 403)
    client.force_login(admin_user)
    assert client.get(reverse("admin:reminders_reminderrule_changelist")).status_code == 200
    page = client.get(url)
    assert page.status_code == 200 and b"An offered assignment not answered" in page.content
    # A repeating rule must allow more than one reminder: the form says which field.
    form = page.context["adminform"].form
    data = {**form.initial, "repeat_every": 1, "max_count": 1}
    response = client.post(url, {k: v for k, v in data.items() if v is not None and k != "id"})
    assert response.status_code == 200
    assert "max_count" in response.context["adminform"].form.errors


def test_the_digest_goes_through_smtp_without_phi_and_looks_right(db, smtp, tmp_path):  # noqa: F811
    monday = datetime(2026, 2, 2, 9, 0, tzinfo=TZ)
    with time_machine.travel(monday - timedelta(days=7), tick=False):
        intake = UserFactory(username="intake_dora", role=Role.INTAKE, email="dora@imro.example.org")
        reviewer = ReviewerFactory()
        from reviewers.models import Assignment

        cases = []
        for _ in range(3):
            case = CaseFactory(status="in_review", records_complete_on=monday.date() - timedelta(days=40),
                               decision_due_on=monday.date() - timedelta(days=10), created_by=intake)
            Assignment.objects.create(case=case, reviewer=reviewer, status=Assignment.Status.OFFERED)
            cases.append(case)
    with time_machine.travel(monday, tick=False):
        reminders_rebuild()
        reminders_run()
    assert smtp.handler.messages == []  # digest: nothing before the digest hour of the next business day
    with time_machine.travel(monday + timedelta(days=1, hours=-2), tick=False):  # Tue 07:00
        assert reminder_emails_send() == 2  # the intake person and the reviewer
    message = next(m["message"] for m in smtp.handler.messages if m["to"] == ["dora@imro.example.org"])
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert message["Subject"] == "IMR daily digest: 3 reminders"
    for case in cases:
        assert case.number not in text + html + message["Subject"]
        assert case.employee.name not in text + html
    assert "3 escalations wait for you" in text and "3 × offers awaiting an answer" in text
    assert "/accounts/notifications/" in html

    # Looked at as an image: Chromium renders the HTML part.
    sync_api = pytest.importorskip("playwright.sync_api")
    path = Path(tmp_path) / "digest.html"
    path.write_text(html)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 640, "height": 480})
        page.goto(path.as_uri())
        shot = Path("/tmp/reminders_digest.png")
        page.screenshot(path=str(shot), full_page=True)
        # The call to action is a visible button, and the text fits the card (no overflow).
        button = page.get_by_role("link", name="Sign in to see them").bounding_box()
        assert button and button["height"] >= 30
        assert page.evaluate("document.documentElement.scrollWidth") <= 640
        browser.close()
    assert shot.stat().st_size > 5000
