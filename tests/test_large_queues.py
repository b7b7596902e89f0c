"""Issue 17: pages that stay flat at a million cases.

The reviewer dashboard pages through a long queue by key, off the assignment's
copies of the case's dates; the case search reads one folded column. Both are
kept by database triggers (reviewers migration 0006, cases migration 0012),
so these tests write through every kind of caller: services, plain ORM saves,
`QuerySet.update` and raw SQL.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Role
from cases import selectors as case_selectors
from cases.models import Case, Party
from determinations.selectors import QUEUE_LIMIT, QueueKey, reviewer_queue
from reviewers.models import QUEUE_UNDATED, Assignment
from tests.factories import CaseFactory, OrganizationFactory, PersonFactory, ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _assigned(reviewer, *, decision_due_on=None, due_on=None, status=Assignment.Status.ACCEPTED, decided_on=None, **kwargs):
    case = CaseFactory(
        status=Case.Status.DECIDED if decided_on else Case.Status.IN_REVIEW,
        decision_due_on=decision_due_on, due_on=due_on if due_on is not None else decision_due_on, decided_on=decided_on,
        **kwargs,
    )
    return Assignment.objects.create(case=case, reviewer=reviewer, status=status, conflict_attested=True)


def _dates(assignment):
    row = Assignment.objects.values("queue_due_on", "case_due_on", "case_decided_on").get(pk=assignment.pk)
    return row["queue_due_on"], row["case_due_on"], row["case_decided_on"]


# --- the copies of the case's dates -------------------------------------------------------------

def test_a_new_assignment_takes_its_cases_dates_whatever_django_wrote():
    reviewer = ReviewerFactory()
    due = date(2026, 12, 10)
    assignment = _assigned(reviewer, decision_due_on=due)
    assert _dates(assignment) == (due, due, None)
    undated = _assigned(reviewer, decision_due_on=None)
    assert _dates(undated) == (QUEUE_UNDATED, None, None)
    # A full save of a stale instance cannot write stale dates back.
    Case.objects.filter(pk=assignment.case_id).update(decision_due_on=due + timedelta(days=3), due_on=due + timedelta(days=3))
    assignment.status = Assignment.Status.ACCEPTED
    assignment.save()
    assert _dates(assignment)[0] == due + timedelta(days=3)


@pytest.mark.parametrize("writer", ["save", "update", "raw"])
def test_a_case_whose_dates_change_passes_them_to_its_assignments(writer):
    reviewer = ReviewerFactory()
    assignment = _assigned(reviewer, decision_due_on=date(2026, 12, 10))
    new_due, decided = date(2026, 12, 3), date(2026, 12, 2)
    case = Case.objects.get(pk=assignment.case_id)
    if writer == "save":
        case.decision_due_on, case.due_on, case.decided_on = new_due, None, decided
        case.save()
    elif writer == "update":
        Case.objects.filter(pk=case.pk).update(decision_due_on=new_due, due_on=None, decided_on=decided)
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_case SET decision_due_on = %s, due_on = NULL, decided_on = %s WHERE id = %s",
                [new_due, decided, case.pk],
            )
    assert _dates(assignment) == (new_due, None, decided)


def test_records_complete_through_the_service_moves_the_reviewers_deadline():
    from cases import services
    from tests.factories import DisputedItemFactory

    reviewer = ReviewerFactory()
    case = CaseFactory(status=Case.Status.RECEIVED)
    DisputedItemFactory(case=case)
    case = services.case_mark_eligible(case=case, assigned_on=date.today() - timedelta(days=2))
    assignment = Assignment.objects.create(case=case, reviewer=reviewer, conflict_attested=True, status="accepted")
    assert _dates(assignment)[0] == QUEUE_UNDATED  # no decision deadline before the records are complete
    case = services.case_mark_records_complete(case=case, on=date.today())
    assert _dates(assignment)[0] == Case.objects.get(pk=case.pk).decision_due_on


# --- the dashboard, page by page ----------------------------------------------------------------

def _queue_numbers(reviewer, today, limit, **kwargs):
    """Every page of the queue, following next_after: the case numbers in order and the page sizes."""
    numbers, sizes, after = [], [], ""
    while True:
        queue = reviewer_queue(reviewer=reviewer, today=today, limit=limit, after=after, **kwargs)
        numbers += [row.case.number for row in queue.rows]
        sizes.append(len(queue.rows))
        if not queue.next_after:
            return numbers, sizes
        after = queue.next_after


def test_pages_by_key_cover_the_whole_queue_in_order_once():
    reviewer = ReviewerFactory()
    today = date(2026, 12, 15)
    base = date(2026, 12, 20)
    open_ones = [_assigned(reviewer, decision_due_on=base + timedelta(days=i % 4)) for i in range(9)]  # ties on dates
    undated = [_assigned(reviewer, decision_due_on=None) for _ in range(2)]
    done = [
        _assigned(reviewer, status=Assignment.Status.COMPLETED, decided_on=date(2026, 12, 1) + timedelta(days=i % 3))
        for i in range(5)
    ]
    _assigned(reviewer, status=Assignment.Status.COMPLETED, decided_on=date(2026, 11, 30))  # last month: not shown
    _assigned(ReviewerFactory(), decision_due_on=base)  # someone else's
    expected = (
        [a.case.number for a in sorted(open_ones, key=lambda a: (a.case.decision_due_on, a.pk))]
        + [a.case.number for a in sorted(undated, key=lambda a: a.pk)]
        + [a.case.number for a in sorted(done, key=lambda a: (a.case.decided_on, a.pk), reverse=True)]
    )
    for limit in (1, 3, 4, 11, 50):
        numbers, sizes = _queue_numbers(reviewer, today, limit)
        assert numbers == expected, limit
        assert all(size == limit for size in sizes[:-1]) and 0 < sizes[-1] <= limit


def test_a_bad_key_shows_the_first_page():
    reviewer = ReviewerFactory()
    _assigned(reviewer, decision_due_on=date(2026, 12, 20))
    first = reviewer_queue(reviewer=reviewer)
    for bad in ("x", "o2026-13-01.1", "oabc", "d2026-12-01", "o2026-12-01.1.2", "\x00"):
        assert QueueKey.parse(bad) is None
        assert [r.case.pk for r in reviewer_queue(reviewer=reviewer, after=bad).rows] == [r.case.pk for r in first.rows]


def test_queue_filters_page_by_key_too():
    from worklists.queues import reviewer_queue_condition

    reviewer = ReviewerFactory()
    today = date(2026, 12, 15)
    overdue = [_assigned(reviewer, decision_due_on=today - timedelta(days=i + 1)) for i in range(5)]
    _assigned(reviewer, decision_due_on=today + timedelta(days=9))
    numbers, _ = _queue_numbers(reviewer, today, 2, only=reviewer_queue_condition("overdue", today))
    assert numbers == [a.case.number for a in sorted(overdue, key=lambda a: a.case.decision_due_on)]


def test_the_dashboard_links_the_next_page_and_back(client):
    reviewer = ReviewerFactory()
    for i in range(QUEUE_LIMIT + 3):
        _assigned(reviewer, decision_due_on=date(2026, 12, 1) + timedelta(days=i))
    client.force_login(reviewer.user)
    url = reverse("review:dashboard")
    first = client.get(url)
    queue = first.context["queue"]
    assert len(queue.rows) == QUEUE_LIMIT and queue.next_after
    html = first.content.decode()
    assert f'rel="next" href="{url}?after={queue.next_after}"' in html
    second = client.get(url, {"after": queue.next_after})
    assert len(second.context["queue"].rows) == 3 and not second.context["queue"].next_after
    assert "Most urgent" in second.content.decode()
    # Another reviewer's key shows only this reviewer's cases.
    other = ReviewerFactory()
    client.force_login(other.user)
    assert client.get(url, {"after": queue.next_after}).context["queue"].rows == []


def test_the_queue_reads_the_assignments_indexes_not_the_cases():
    """Two queries: the counts and one page of rows; the page's ids come off the assignment alone."""
    from django.test.utils import CaptureQueriesContext

    reviewer = ReviewerFactory()
    _assigned(reviewer, decision_due_on=date(2026, 12, 20))
    with CaptureQueriesContext(connection) as queries:
        reviewer_queue(reviewer=reviewer)
    assert len(queries) == 2
    page_ids = queries.captured_queries[1]["sql"].split("IN (", 1)[1]
    assert '"cases_case"' not in page_ids.split(") AS part1")[0]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'assignment_open_queue_idx'")
            assert "(reviewer_id, queue_due_on, id) WHERE" in cursor.fetchone()[0]


# --- the search column ---------------------------------------------------------------------------

def _search(user, q):
    return [c.number for c in case_selectors.case_search(user=user, q=q)]


def test_search_text_follows_the_case_and_its_parties():
    intake = UserFactory(role=Role.INTAKE)
    employee = PersonFactory(name="Zoë Brontë-Okafor")
    case = CaseFactory(
        employee=employee, claim_number="WC-778812", employer=OrganizationFactory(name="Delta Canning Co."),
        claims_administrator=OrganizationFactory(name="Sierra Mutual Claims, Inc."),
    )
    text = Case.objects.values_list("search_text", flat=True).get(pk=case.pk)
    assert text == f"{case.number.lower()} wc-778812 zoe bronte okafor delta canning sierra mutual claims"
    assert _search(intake, "zoe okafor") == [case.number]
    assert _search(intake, "778812") == [case.number]
    assert _search(intake, case.number) == [case.number]
    # A party renamed (any writer) renames the case in the search.
    employee.name = "Zoë Adebayo"
    employee.save()
    assert _search(intake, "adebayo") == [case.number] and _search(intake, "okafor") == []
    # A case moved to another employer by a bulk update.
    Case.objects.filter(pk=case.pk).update(employer=OrganizationFactory(name="Harbor Freight Lines"))
    assert _search(intake, "harbor freight") == [case.number] and _search(intake, "delta canning") == []
    # Whatever Django writes into the column does not stick.
    case.refresh_from_db()
    case.search_text = "nothing like it"
    case.save()
    assert _search(intake, "harbor freight") == [case.number] and _search(intake, "nothing like") == []


def test_search_matches_html_and_sql_as_text():
    intake = UserFactory(role=Role.INTAKE)
    case = CaseFactory(employee=PersonFactory(name="<b>Renée</b> O'Connor"))
    assert _search(intake, "<b>renee") == [case.number]
    assert _search(intake, "o'connor") == [case.number]
    assert _search(intake, "' OR 1=1--") == []
    assert _search(intake, "100%") == [] and _search(intake, "_") == []


def test_search_is_one_column_no_party_join():
    sql = str(Case.objects.filter(case_selectors.case_search_condition("Central Valley")).query).split(" WHERE ", 1)[1]
    assert "cases_party" not in sql and sql.count("search_text") == 2


def test_generated_cases_are_searchable(settings):
    """The data generator's COPY and SQL copies pass through the same triggers."""
    from cases.management.synthetic import generate_cases

    generate_cases(count=12, seed=3, distinct=5 if connection.vendor == "postgresql" else None)
    rows = list(Case.objects.values_list("search_text", "number", "employee__normalized_name"))
    assert len(rows) == 12
    assert all(text.startswith(number.lower()) and name in text for text, number, name in rows)
    assert Party.objects.filter(normalized_name="").count() == 0


def test_the_reviewer_admin_page_shows_the_latest_assignments_only(client, monkeypatch):
    from reviewers.admin import ReviewerAssignmentInline

    monkeypatch.setattr(ReviewerAssignmentInline, "LATEST", 3)
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    reviewer = ReviewerFactory()
    assignments = [_assigned(reviewer, decision_due_on=date(2026, 12, 20)) for _ in range(5)]
    response = client.get(reverse("admin:reviewers_reviewer_change", args=[reviewer.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    shown = [a for a in assignments if a.case.number in html]
    assert shown == assignments[2:]  # the three latest
    listed = client.get(reverse("admin:reviewers_reviewer_changelist"))
    assert next(r for r in listed.context["cl"].result_list if r.pk == reviewer.pk).open_case_count == 5
