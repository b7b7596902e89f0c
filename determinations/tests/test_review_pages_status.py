"""Issue 19 #9 and #12: what reviewers and intake see of a determination.

The reviewer's dashboard "Due" is the decision deadline; the determination
form shows no outcome before every item is decided, no "Last saved" on a
draft never saved, and refreshes its "Before you can finalize" list from the
server as the reviewer types; after finalizing, the reviewer sees their
letters' status and downloads them; intake sees each item's decision and
the outcome on the case page and in the case list.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from cases.models import Case
from determinations import services
from determinations.models import Letter
from tests.factories import ReviewerFactory, UserFactory

from .correction_helpers import decided
from .review_helpers import accepted_case, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(db):
    return ReviewerFactory()


# --- dashboard ------------------------------------------------------------------------------


def test_the_dashboard_due_column_is_the_decision_deadline(client, reviewer):
    today = timezone.localdate()
    with_records, _ = accepted_case(reviewer)
    waiting, _ = accepted_case(reviewer, records=False)
    # Records not complete yet: the case's next deadline is the records', not the reviewer's.
    Case.objects.filter(pk=waiting.pk).update(
        records_complete_on=None, decision_due_on=None, due_on=today + timedelta(days=2), status=Case.Status.IN_REVIEW
    )
    client.force_login(reviewer.user)
    response = client.get(reverse("review:dashboard"))
    rows = {row.case.number: row for row in response.context["queue"].rows}
    decision_due = Case.objects.get(pk=with_records.pk).decision_due_on
    assert rows[with_records.number].days_left == (decision_due - today).days
    assert rows[waiting.number].days_left is None
    body = response.content.decode()
    assert "Decision due" in body and "once records are complete" in body
    assert f"{decision_due:%b} {decision_due.day}, {decision_due.year}" in body


# --- the determination form ---------------------------------------------------------------


def test_no_outcome_until_every_item_is_decided_and_no_last_saved_before_a_save(client, reviewer):
    case, _ = accepted_case(reviewer, items=("Eight (8) physical therapy visits", "Norco 10/325 #60"))
    client.force_login(reviewer.user)
    url = reverse("review:determination", args=[case.number])
    page = client.get(url)
    body = page.content.decode()
    assert "Not saved yet." in body and "Last saved" not in body
    draft = page.context["determination"]
    rows = list(draft.decisions.select_related("item").order_by("item__position"))
    data = form_data(draft, rows)
    data["item-1-decision"] = ""  # one item decided, the other not
    client.post(url, data)
    page = client.get(url)
    assert page.context["outcome"] == ""
    assert 'id="derived-outcome" aria-live="polite">Not decided yet<' in page.content.decode()
    assert "Last saved" in page.content.decode()


def test_the_finalize_list_is_judged_on_the_form_as_typed(client, reviewer):
    case, _ = accepted_case(reviewer)
    client.force_login(reviewer.user)
    page = client.get(reverse("review:determination", args=[case.number]))
    draft = page.context["determination"]
    rows = list(draft.decisions.select_related("item"))
    saved_problems = page.context["problems"]
    assert any("rationale" in message for _, message in saved_problems)
    check = reverse("review:determination_check", args=[case.number])
    typed = client.post(check, form_data(draft, rows))
    assert typed.status_code == 200 and typed["Cache-Control"].startswith("no-store")
    assert typed.json() == {"final": False, "problems": [], "outcome": "Upheld"}
    partial = client.post(check, form_data(draft, rows, rationale="", evidence_level="C")).json()
    assert partial["problems"] == [
        "Eight (8) physical therapy visits: the decision rationale is required",
        "Eight (8) physical therapy visits: say why the higher evidence levels (LC 4610.5(c)(2)) do not apply",
    ]
    # Nothing was saved by checking.
    draft.refresh_from_db()
    assert draft.revision == 0 and not draft.decisions.get().rationale
    # The rules of the service, not a copy: a file without records outside the UR file is listed.
    case.documents.filter(kind="medical_record").delete()
    assert any("solely on the UR file" in p for p in client.post(check, form_data(draft, rows)).json()["problems"])


def test_the_check_is_the_owner_s_only(client, reviewer):
    case, _ = accepted_case(reviewer)
    client.force_login(ReviewerFactory().user)
    assert client.post(reverse("review:determination_check", args=[case.number]), {}).status_code == 404
    client.force_login(UserFactory(role=Role.INTAKE))
    assert client.post(reverse("review:determination_check", args=[case.number]), {}).status_code == 403
    client.logout()
    assert client.post(reverse("review:determination_check", args=[case.number]), {}).status_code == 302


# --- letters after finalizing ------------------------------------------------------------------


def test_the_reviewer_sees_their_letters_and_downloads_them(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        final = decided()
    letters = list(final.letters.order_by("variant"))
    assert [letter.status for letter in letters] == [Letter.Status.READY, Letter.Status.READY]
    client.force_login(final.reviewer.user)
    for url_name in ("review:case", "review:determination"):
        body = client.get(reverse(url_name, args=[final.case.number])).content.decode()
        assert "Final Determination Letters" in body, url_name
        for letter in letters:
            assert reverse("letters:download", args=[final.case.number, letter.pk]) in body
    download = client.get(reverse("letters:download", args=[final.case.number, letters[0].pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    client.force_login(ReviewerFactory().user)
    assert client.get(reverse("letters:download", args=[final.case.number, letters[0].pk])).status_code == 404


# --- intake ------------------------------------------------------------------------------------


def test_intake_sees_each_item_s_decision_and_the_outcome(client, intake_user):
    final = decided(items=("Eight (8) physical therapy visits", "Norco 10/325 #60"))
    rows = list(final.decisions.order_by("item__position"))
    rows[1].decision = "overturned"
    rows[1].save()
    client.force_login(intake_user)
    page = client.get(reverse("cases:detail", args=[final.case.number])).content.decode()
    assert "Case outcome: <strong" in page and "Overturned in part" in page
    assert "Eight (8) physical therapy visits" in page and "Norco 10/325 #60" in page
    assert page.count('text-bg-success">Overturned<') == 1 and page.count('text-bg-secondary">Upheld<') == 1
    listing = client.get(reverse("cases:list"))
    assert listing.context["outcomes"][final.case_id] == "Overturned in part"
    assert "Overturned in part" in listing.content.decode()


def test_a_draft_shows_no_decisions_to_intake(client, intake_user, reviewer):
    case, _ = accepted_case(reviewer)
    services.determination_start(case=case, reviewer=reviewer)
    client.force_login(intake_user)
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "With the reviewer: a draft, not final yet." in page and "Case outcome" not in page
