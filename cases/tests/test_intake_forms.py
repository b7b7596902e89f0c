"""Issue 19 items 11 and 12 (records countdown): what the intake forms and the case page show.

11. Screening: nothing pre-ticked; the exceptions (register a likely
    duplicate, accept a late application) appear only when they apply; a
    reason typed on a timely application is not shown as "late application
    accepted".
12. The records countdown stays while records are outstanding, also after a
    reviewer was assigned.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case
from reviewers.services import reviewer_assign
from tests.factories import CaseFactory, DisputedItemFactory, ReviewerFactory

from .test_views import new_case_post, same_parties_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def intake(client, intake_user):
    client.force_login(intake_user)
    return client


def checkbox(html: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html)[0]


def section(html: str, marker: str, end: str = "</section>") -> str:
    start = html.index(marker)
    return html[start:html.index(end, start)]


def test_nothing_is_pre_ticked_on_the_screening_form(intake):
    case = CaseFactory(information_not_received=True)  # the model's defaults say "signed" and "attached"
    DisputedItemFactory(case=case)
    html = intake.get(reverse("cases:detail", args=[case.number])).content.decode()
    for name in ("signature_present", "ur_decision_attached", "conditional_non_certification", "liability_disputed"):
        assert "checked" not in checkbox(html, name), name
    # What the application said is shown beside the box instead.
    assert "The application says the treatment was delayed or denied because information was not received." in html


def test_the_late_application_reason_is_offered_only_for_a_late_application(intake):
    today = timezone.localdate()
    timely = CaseFactory(received_on=today - timedelta(days=2), ur_decision_date=today - timedelta(days=12))
    late = CaseFactory(received_on=today - timedelta(days=2), ur_decision_date=today - timedelta(days=60),
                       untimely_override_reason="")
    assert 'name="untimely_override_reason"' not in intake.get(timely.get_absolute_url()).content.decode()
    assert 'name="untimely_override_reason"' in intake.get(late.get_absolute_url()).content.decode()


def test_the_new_case_form_shows_no_exception_until_one_applies(intake):
    html = intake.get(reverse("cases:new")).content.decode()
    exceptions = html[html.index("<fieldset class=\"mb-3\" data-exceptions"):]
    assert exceptions.startswith('<fieldset class="mb-3" data-exceptions hidden>')
    assert 'name="allow_duplicate"' not in html
    assert re.search(r"<div data-untimely-block[^>]* hidden>", html)
    assert "js/case-form.js" in html

    # A late application: the reason field is shown (and required).
    today = timezone.localdate()
    late = new_case_post(received_on=today.isoformat(), ur_decision_date=(today - timedelta(days=60)).isoformat(),
                         rfa_date=(today - timedelta(days=70)).isoformat())
    html = intake.post(reverse("cases:new"), late).content.decode()
    assert '<fieldset class="mb-3" data-exceptions>' in html
    assert not re.search(r"<div data-untimely-block[^>]* hidden>", html)
    assert 'name="allow_duplicate"' not in html

    # A likely duplicate: "register anyway" is shown, the late reason is not.
    intake.post(reverse("cases:new"), new_case_post())
    first = Case.objects.get()
    html = intake.post(reverse("cases:new"), new_case_post(**same_parties_as(first))).content.decode()
    assert 'name="allow_duplicate"' in html
    assert re.search(r"<div data-untimely-block[^>]* hidden>", html)


def test_a_reason_typed_for_a_timely_application_is_not_an_accepted_exception(intake):
    response = intake.post(reverse("cases:new"), new_case_post(untimely_override_reason="Just in case"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.untimely_override_reason == ""
    html = intake.get(case.get_absolute_url()).content.decode()
    assert "Late application accepted" not in html and "Just in case" not in html


def test_the_page_never_calls_a_stored_reason_on_a_timely_case_a_late_application(intake):
    """Rows registered before the service dropped such reasons still exist."""
    today = timezone.localdate()
    case = CaseFactory(received_on=today - timedelta(days=2), ur_decision_date=today - timedelta(days=12),
                       untimely_override_reason="Typed by mistake")
    DisputedItemFactory(case=case)
    html = intake.get(case.get_absolute_url()).content.decode()
    assert "Late application accepted" not in html


def test_screening_keeps_no_late_reason_for_a_timely_case(intake):
    case = CaseFactory()
    DisputedItemFactory(case=case)
    outcome = services.case_screen(
        case=case, signature_present=True, ur_decision_attached=True, conditional_non_certification=False,
        liability_disputed=False, untimely_override_reason="Because",
    )
    assert outcome.eligible and outcome.case.untimely_override_reason == ""


def test_the_records_countdown_stays_after_a_reviewer_is_assigned(intake):
    today = timezone.localdate()
    case = CaseFactory()
    DisputedItemFactory(case=case, category="Physical Medicine")
    case = services.case_mark_eligible(case=case, assigned_on=today - timedelta(days=2))  # electronic: 12 days
    deadlines = section(intake.get(case.get_absolute_url()).content.decode(), 'id="h-deadlines"')
    assert "10 days left" in deadlines
    reviewer_assign(case=case, reviewer=ReviewerFactory())
    case.refresh_from_db()
    assert case.status == Case.Status.IN_REVIEW and case.records_complete_on is None
    deadlines = section(intake.get(case.get_absolute_url()).content.decode(), 'id="h-deadlines"')
    assert "10 days left" in deadlines
    # Once records are complete, the records clock stops and the decision clock runs.
    services.case_mark_records_complete(case=case, on=today)
    deadlines = section(intake.get(case.get_absolute_url()).content.decode(), 'id="h-deadlines"')
    assert "10 days left" not in deadlines and "30 days left" in deadlines
