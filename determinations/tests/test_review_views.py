"""The review pages, through the views: the workflow, each refusal, and who may open what."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Notification, Role
from cases.models import Case
from determinations import services
from determinations.models import Determination, ItemDecision, Letter
from imrsite.errors import ServiceError
from reviewers.models import Assignment
from reviewers.services import ATTESTATION_TEXT
from tests.factories import PASSWORD, ReviewerFactory

from .review_helpers import accepted_case, form_data, mtus_guideline, odg_guideline, offered_case, with_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(reviewer_user):
    return reviewer_user.reviewer


@pytest.fixture
def other_reviewer(db):
    return ReviewerFactory(user__username="reviewer2")


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def owner_client(client, reviewer):
    return login(client, reviewer.user)


def draft_of(case, reviewer):
    return services.determination_start(case=case, reviewer=reviewer)


def rows_of(determination):
    return list(determination.decisions.select_related("item").order_by("item__position"))


def messages_text(response):
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- the whole workflow ------------------------------------------------------------


def test_workflow_accept_draft_come_back_preview_finalize(owner_client, reviewer):
    case, assignment = offered_case(reviewer, items=("Eight (8) physical therapy visits", "Norco 10/325 #60"))

    # The offer: parties and items are shown; the attestation is required.
    page = owner_client.get(reverse("review:case", args=[case.number]))
    assert page.status_code == 200
    assert case.employer.name in page.content.decode()
    assert "MTUS Chronic Pain Medical Treatment Guidelines" in page.content.decode()
    assert ATTESTATION_TEXT in page.content.decode()
    refused = owner_client.post(reverse("review:accept", args=[case.number]), {})
    assert refused.status_code == 400
    assert "Confirm that you have no conflict of interest" in refused.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.OFFERED

    accepted = owner_client.post(reverse("review:accept", args=[case.number]), {"attested": "on"})
    assert accepted.status_code == 302
    assert accepted.url == reverse("review:determination", args=[case.number])
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ACCEPTED
    assert assignment.conflict_attested and assignment.attestation_text == ATTESTATION_TEXT

    # First visit creates the draft, one row per item.
    form_page = owner_client.get(reverse("review:determination", args=[case.number]))
    assert form_page.status_code == 200
    determination = Determination.objects.get(case=case)
    rows = rows_of(determination)
    assert len(rows) == 2

    # A partial draft is kept as typed.
    data = form_data(determination, rows, summary="Partial <b>summary</b> — José", rationale="")
    data["item-1-decision"] = "overturned"
    data["item-1-guideline"] = ""
    saved = owner_client.post(reverse("review:determination", args=[case.number]), data | {"action": "save"})
    assert saved.status_code == 302
    determination.refresh_from_db()
    assert determination.clinical_case_summary == "Partial <b>summary</b> — José"
    assert determination.status == Determination.Status.DRAFT

    # Coming back later: the saved answers are in the form, escaped, with the derived outcome.
    again = owner_client.get(reverse("review:determination", args=[case.number]))
    body = again.content.decode()
    assert "Partial &lt;b&gt;summary&lt;/b&gt; — José" in body
    assert "Overturned in part" in body
    assert again.context["outcome"] == "Overturned in part"
    assert "the decision rationale is required" in body  # the checklist says what is missing

    # Complete it and preview.
    rows = rows_of(determination)
    data = form_data(determination, rows, summary="This is a 38 year old male patient with low back pain.")
    data["item-1-decision"] = "overturned"
    preview = owner_client.post(reverse("review:determination", args=[case.number]), data | {"action": "preview"})
    assert preview.status_code == 302 and preview.url == reverse("review:preview", args=[case.number])
    assert owner_client.get(preview.url).status_code == 200
    letter = owner_client.get(reverse("review:preview_letter", args=[case.number]))
    assert letter.status_code == 200
    letter_body = letter.content.decode()
    assert case.number in letter_body
    assert "Eight (8) physical therapy visits" in letter_body
    assert reviewer.user.last_name not in letter_body  # the letter never names the reviewer

    # Confirmation step, then finalize.
    determination.refresh_from_db()
    confirm = owner_client.get(reverse("review:finalize", args=[case.number]))
    assert confirm.status_code == 200
    assert "cannot be changed" in confirm.content.decode()
    done = owner_client.post(reverse("review:finalize", args=[case.number]), {"revision": determination.revision})
    assert done.status_code == 302
    determination.refresh_from_db()
    case.refresh_from_db()
    assignment.refresh_from_db()
    assert determination.status == Determination.Status.FINAL
    assert determination.finalized_by == reviewer.user
    assert determination.outcome == "Overturned in part"
    assert case.status == Case.Status.DECIDED
    assert assignment.status == Assignment.Status.COMPLETED
    assert Letter.objects.filter(determination=determination).count() == 2

    # Afterwards: read-only, and still the reviewer's own case.
    final_page = owner_client.get(reverse("review:determination", args=[case.number]))
    assert final_page.status_code == 200
    assert "can no longer be changed" in final_page.content.decode()
    assert b'name="action"' not in final_page.content


def test_finalized_determination_cannot_be_changed_through_the_form_or_the_service(owner_client, reviewer):
    case, _ = accepted_case(reviewer)
    determination = draft_of(case, reviewer)
    rows = rows_of(determination)
    services.determination_save_draft(
        determination=determination,
        clinical_case_summary="Summary",
        decisions=[services.DecisionData(item_id=rows[0].item_id, decision="upheld", guideline=mtus_guideline(), rationale="Because.")],
    )
    services.determination_finalize(determination=determination, user=reviewer.user)
    determination.refresh_from_db()

    posted = owner_client.post(
        reverse("review:determination", args=[case.number]),
        form_data(determination, rows, summary="Changed afterwards", decision="overturned"),
        follow=True,
    )
    assert "final and cannot be changed" in messages_text(posted)
    determination.refresh_from_db()
    assert determination.clinical_case_summary == "Summary"
    assert determination.decisions.get().decision == "upheld"

    with pytest.raises(ServiceError, match="final determination cannot be changed"):
        services.determination_save_draft(determination=determination, clinical_case_summary="x", decisions=[])
    with pytest.raises(ServiceError, match="final determination cannot be changed"):
        services.determination_finalize(determination=determination, user=reviewer.user)
    again = owner_client.post(reverse("review:finalize", args=[case.number]), {"revision": determination.revision})
    assert again.status_code == 302
    assert Letter.objects.filter(determination=determination).count() == 2  # not queued twice


def test_stale_second_tab_is_refused_and_nothing_overwritten(owner_client, reviewer):
    case, _ = accepted_case(reviewer)
    determination = draft_of(case, reviewer)
    rows = rows_of(determination)
    tab_one = form_data(determination, rows, summary="Tab one's summary")
    tab_two = form_data(determination, rows, summary="Tab two's summary")  # read at the same revision

    assert owner_client.post(reverse("review:determination", args=[case.number]), tab_one).status_code == 302
    stale = owner_client.post(reverse("review:determination", args=[case.number]), tab_two)
    assert stale.status_code == 409
    assert "saved elsewhere after you opened it" in messages_text(stale)
    assert "Tab two&#x27;s summary" in stale.content.decode()  # the reviewer's typing is still on screen
    determination.refresh_from_db()
    assert determination.clinical_case_summary == "Tab one's summary"


def test_finalize_with_a_stale_revision_is_refused(owner_client, reviewer):
    case, _ = accepted_case(reviewer)
    determination = draft_of(case, reviewer)
    owner_client.post(reverse("review:determination", args=[case.number]), form_data(determination, rows_of(determination)))
    determination.refresh_from_db()
    response = owner_client.post(reverse("review:finalize", args=[case.number]), {"revision": determination.revision - 1})
    assert response.status_code == 409
    assert "saved elsewhere after you reviewed it" in messages_text(response)
    determination.refresh_from_db()
    assert determination.status == Determination.Status.DRAFT


# --- refusals at finalize, each through the view ---------------------------------------


@pytest.mark.parametrize(
    "overrides, records, expected",
    [
        ({"decision": ""}, True, "choose Upheld or Overturned"),
        ({"rationale": ""}, True, "the decision rationale is required"),
        ({"guideline": ""}, True, "cite the guideline relied on"),
        ({}, False, "no determination may rest solely on the UR determination"),
        ({"evidence_level": "C"}, True, "say why the higher evidence levels"),
    ],
    ids=["undecided", "no-rationale", "no-guideline", "only-ur-decision", "lower-level-without-reason"],
)
def test_finalize_refusals_are_shown_and_nothing_changes(owner_client, reviewer, overrides, records, expected):
    case, _ = accepted_case(reviewer, records=records)
    determination = draft_of(case, reviewer)
    saved = owner_client.post(
        reverse("review:determination", args=[case.number]),
        form_data(determination, rows_of(determination), **overrides) | {"action": "finalize"},
    )
    assert saved.status_code == 302 and saved.url == reverse("review:finalize", args=[case.number])
    confirm = owner_client.get(saved.url)
    assert expected.lower() in confirm.content.decode().lower()
    assert b"Finalize the determination</button>" not in confirm.content

    determination.refresh_from_db()
    posted = owner_client.post(reverse("review:finalize", args=[case.number]), {"revision": determination.revision})
    assert posted.status_code == 400
    assert expected in messages_text(posted)
    determination.refresh_from_db()
    case.refresh_from_db()
    assert determination.status == Determination.Status.DRAFT
    assert case.status == Case.Status.IN_REVIEW
    assert not Letter.objects.exists()


def test_lower_evidence_level_with_a_reason_may_be_finalized(owner_client, reviewer):
    case, _ = accepted_case(reviewer)
    determination = draft_of(case, reviewer)
    data = form_data(
        determination, rows_of(determination), guideline=odg_guideline().pk,
        lower_level_reason="The MTUS does not address this treatment.",
    )
    owner_client.post(reverse("review:determination", args=[case.number]), data)
    determination.refresh_from_db()
    assert determination.decisions.get().evidence_level == "C"  # the guideline's level by default
    response = owner_client.post(reverse("review:finalize", args=[case.number]), {"revision": determination.revision})
    assert response.status_code == 302
    determination.refresh_from_db()
    assert determination.status == Determination.Status.FINAL


# --- decline -------------------------------------------------------------------------


def test_decline_requires_a_reason(owner_client, reviewer):
    case, assignment = offered_case(reviewer)
    response = owner_client.post(reverse("review:decline", args=[case.number]), {"reason": "  "})
    assert response.status_code == 400
    assert "Give a reason for declining" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.OFFERED


def test_decline_returns_the_case_to_intake_and_notifies_them(owner_client, reviewer, intake_user, client):
    case, assignment = offered_case(reviewer)
    response = owner_client.post(
        reverse("review:decline", args=[case.number]), {"kind": "conflict", "reason": "I examined this employee in 2019."}
    )
    assert response.status_code == 302 and response.url == reverse("review:dashboard")
    assignment.refresh_from_db()
    case.refresh_from_db()
    assert assignment.status == Assignment.Status.DECLINED
    assert assignment.decline_reason == "I examined this employee in 2019."
    assert assignment.decline_kind == Assignment.DeclineKind.CONFLICT
    assert case.status == Case.Status.RECORDS_COMPLETE
    note = Notification.objects.get(role=Role.INTAKE)
    assert case.number in note.message and "examined" in note.message
    assert note.link == case.get_absolute_url()
    # Declining drops the reviewer's access at once.
    assert owner_client.get(reverse("review:case", args=[case.number])).status_code == 404

    # Intake sees the count in the navbar and can mark it read.
    owner_client.logout()
    login(client, intake_user)
    page = client.get(reverse("accounts:notifications"))
    assert page.status_code == 200
    assert case.number in page.content.decode()
    assert 'id="notification-count">1' in page.content.decode()
    assert client.post(reverse("accounts:notifications_read")).status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None


def test_accepting_after_a_conflict_was_recorded_is_refused(owner_client, reviewer):
    from reviewers.models import Affiliation

    case, assignment = offered_case(reviewer)
    Affiliation.objects.create(reviewer=reviewer, name=case.employer.name)
    response = owner_client.post(reverse("review:accept", args=[case.number]), {"attested": "on"})
    assert response.status_code == 400
    assert "affiliated with the employer" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.OFFERED


def test_offered_case_has_no_determination_form_until_accepted(owner_client, reviewer):
    case, _ = offered_case(reviewer)
    response = owner_client.get(reverse("review:determination", args=[case.number]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("review:case", args=[case.number])
    assert "Accept the case before" in messages_text(response)
    assert not Determination.objects.exists()


# --- object access: hidden fields, other cases, documents -------------------------------


def test_foreign_item_decision_id_in_a_hidden_field_is_404(owner_client, reviewer, other_reviewer):
    mine, _ = accepted_case(reviewer)
    theirs, _ = accepted_case(other_reviewer)
    my_draft = draft_of(mine, reviewer)
    their_draft = draft_of(theirs, other_reviewer)
    data = form_data(my_draft, rows_of(my_draft))
    data["item-0-decision_id"] = rows_of(their_draft)[0].pk
    response = owner_client.post(reverse("review:determination", args=[mine.number]), data)
    assert response.status_code == 404
    assert ItemDecision.objects.filter(decision="").count() == 2  # nothing written anywhere


def test_posting_to_another_reviewers_case_is_404_and_writes_nothing(owner_client, reviewer, other_reviewer):
    theirs, their_assignment = accepted_case(other_reviewer)
    draft = draft_of(theirs, other_reviewer)
    for name, data in [
        ("review:determination", form_data(draft, rows_of(draft), summary="Hijacked")),
        ("review:finalize", {"revision": draft.revision}),
        ("review:accept", {"attested": "on"}),
        ("review:decline", {"reason": "not mine"}),
    ]:
        assert owner_client.post(reverse(name, args=[theirs.number]), data).status_code == 404, name
    draft.refresh_from_db()
    their_assignment.refresh_from_db()
    assert draft.clinical_case_summary == "" and draft.status == Determination.Status.DRAFT
    assert their_assignment.status == Assignment.Status.ACCEPTED


def test_case_file_opens_documents_inline_through_the_checked_view(owner_client, reviewer, other_reviewer):
    case, _ = accepted_case(reviewer)
    doc = with_pdf(case.documents.get(kind="medical_record"))
    url = reverse("cases:document_download", args=[case.number, doc.pk])
    page = owner_client.get(reverse("review:case", args=[case.number]))
    assert f'href="{url}"' in page.content.decode()
    response = owner_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]

    # Another reviewer's document, by its own URL or through mine: 404.
    theirs, _ = accepted_case(other_reviewer)
    their_doc = with_pdf(theirs.documents.get(kind="medical_record"))
    assert owner_client.get(reverse("cases:document_download", args=[theirs.number, their_doc.pk])).status_code == 404
    assert owner_client.get(reverse("cases:document_download", args=[case.number, their_doc.pk])).status_code == 404


# --- who may open each review URL ------------------------------------------------------


def review_urls(case, document):
    """(name, url, method, data) for every review URL that takes a case."""
    n = case.number
    return [
        ("case", reverse("review:case", args=[n]), "get", None),
        ("accept", reverse("review:accept", args=[n]), "post", {"attested": "on"}),
        ("decline", reverse("review:decline", args=[n]), "post", {"reason": "x"}),
        ("determination", reverse("review:determination", args=[n]), "get", None),
        ("determination-post", reverse("review:determination", args=[n]), "post", {"revision": 0}),
        ("preview", reverse("review:preview", args=[n]), "get", None),
        ("preview-letter", reverse("review:preview_letter", args=[n]), "get", None),
        ("finalize", reverse("review:finalize", args=[n]), "get", None),
        ("finalize-post", reverse("review:finalize", args=[n]), "post", {"revision": 0}),
    ]


@pytest.fixture
def accessible_case(reviewer):
    case, _ = accepted_case(reviewer)
    draft_of(case, reviewer)
    doc = with_pdf(case.documents.get(kind="medical_record"))
    return case, doc


def test_owner_can_open_every_review_page(owner_client, accessible_case):
    case, doc = accessible_case
    for name, url, method, data in review_urls(case, doc):
        if method == "post":
            continue  # the workflow tests post as the owner
        assert owner_client.get(url).status_code == 200, name
    assert owner_client.get(reverse("review:dashboard")).status_code == 200


@pytest.mark.parametrize("who", ["other_reviewer", "intake", "admin", "anonymous"])
def test_everyone_else_is_kept_out_of_every_review_url(client, accessible_case, other_reviewer, intake_user, admin_user, who):
    case, doc = accessible_case
    user = {"other_reviewer": other_reviewer.user, "intake": intake_user, "admin": admin_user, "anonymous": None}[who]
    if user is not None:
        login(client, user)
    expected = {"other_reviewer": 404, "intake": 403, "admin": 403, "anonymous": 302}[who]
    for name, url, method, data in review_urls(case, doc):
        response = getattr(client, method)(url, data or {})
        assert response.status_code == expected, (who, name)
        if who == "anonymous":
            assert response.url.startswith(reverse("login")), name
    # A case that does not exist looks the same to another reviewer.
    if who == "other_reviewer":
        assert client.get(reverse("review:case", args=["CM26-0000000"])).status_code == 404
    dashboard = client.get(reverse("review:dashboard"))
    assert dashboard.status_code == {"other_reviewer": 200, "intake": 403, "admin": 403, "anonymous": 302}[who]
    if who in ("other_reviewer", "anonymous"):
        document = client.get(reverse("cases:document_download", args=[case.number, doc.pk]))
        assert document.status_code == (404 if who == "other_reviewer" else 302)
    if who == "other_reviewer":
        assert case.number not in dashboard.content.decode()
    determination = Determination.objects.get(case=case)
    assert determination.status == Determination.Status.DRAFT and determination.revision == 0
    assert Assignment.objects.get(case=case).status == Assignment.Status.ACCEPTED


def test_reviewers_have_their_own_notifications(client, reviewer):
    assert client.get(reverse("accounts:notifications")).status_code == 302
    login(client, reviewer.user)
    assert client.get(reverse("accounts:notifications")).status_code == 200
    assert client.post(reverse("accounts:notifications_read")).status_code == 302
    assert b"Notifications" in client.get(reverse("review:dashboard")).content


# --- dashboard -------------------------------------------------------------------------


def test_dashboard_shows_own_work_sorted_with_badges_and_counts(owner_client, reviewer, other_reviewer):
    later, _ = offered_case(reviewer)
    expedited, _ = accepted_case(reviewer, expedited=True)
    overdue, _ = accepted_case(reviewer)
    Case.objects.filter(pk=overdue.pk).update(due_on=date.today() - timedelta(days=3))
    finished, _ = accepted_case(reviewer)
    draft = draft_of(finished, reviewer)
    services.determination_save_draft(
        determination=draft, clinical_case_summary="Summary",
        decisions=[services.DecisionData(item_id=rows_of(draft)[0].item_id, decision="upheld", guideline=mtus_guideline(), rationale="R.")],
    )
    services.determination_finalize(determination=draft, user=reviewer.user)
    not_mine, _ = offered_case(other_reviewer)

    response = owner_client.get(reverse("review:dashboard"))
    assert response.status_code == 200
    queue = response.context["queue"]
    assert (queue.to_accept, queue.in_progress, queue.finalized_this_month, queue.overdue) == (1, 2, 1, 1)
    numbers = [row.case.number for row in queue.rows]
    assert numbers[0] == overdue.number
    assert numbers.index(expedited.number) < numbers.index(later.number)  # expedited: due in 3 days
    assert numbers[-1] == finished.number
    body = response.content.decode()
    assert not_mine.number not in body
    assert "Expedited" in body and "Overdue 3 d" in body


def _bulk_assignments(reviewer, count, start=0):
    """Cases in each dashboard state, written directly: this test is about reading."""
    from tests.factories import CaseFactory, DisputedItemFactory

    today = date.today()
    statuses = [Assignment.Status.OFFERED, Assignment.Status.ACCEPTED, Assignment.Status.COMPLETED]
    for i in range(start, start + count):
        status = statuses[i % 3]
        case = CaseFactory(
            status=Case.Status.DECIDED if status == Assignment.Status.COMPLETED else Case.Status.IN_REVIEW,
            review_type="expedited" if i % 2 else "standard",
            due_on=None if status == Assignment.Status.COMPLETED else today + timedelta(days=i - 5),
            decided_on=today if status == Assignment.Status.COMPLETED else None,
        )
        DisputedItemFactory(case=case, position=0)
        Assignment.objects.create(
            case=case, reviewer=reviewer, status=status,
            conflict_attested=status != Assignment.Status.OFFERED,
        )
        if status != Assignment.Status.OFFERED:
            Determination.objects.create(
                case=case, reviewer=reviewer,
                status=Determination.Status.FINAL if status == Assignment.Status.COMPLETED else Determination.Status.DRAFT,
                finalized_at=case.created_at if status == Assignment.Status.COMPLETED else None,
                decided_on=today if status == Assignment.Status.COMPLETED else None,
            )


def test_dashboard_query_count_is_the_same_for_3_and_30_assignments(owner_client, reviewer, django_assert_num_queries):
    _bulk_assignments(reviewer, 3)
    url = reverse("review:dashboard")
    owner_client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as three:
        assert owner_client.get(url).status_code == 200
    _bulk_assignments(reviewer, 27, start=3)
    with django_assert_num_queries(len(three.captured_queries)):
        response = owner_client.get(url)
    assert len(response.context["queue"].rows) == 30
    assert (response.context["queue"].to_accept, response.context["queue"].in_progress) == (10, 10)
