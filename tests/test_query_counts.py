"""Every list page runs the same number of queries whatever the number of rows.

Each test measures a page with a few rows, adds more, and asserts the same
count with django_assert_num_queries: an N+1 (a per-row query) fails CI.
BENCHMARKS.md has the same pages' query counts at 1,000 and 100,000 cases;
timings stay out of the test suite.
"""

from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import audit
from accounts.models import Role
from cases.models import Case
from determinations.models import Determination, ItemDecision, Letter
from determinations.selectors import reviewer_queue
from imrsite.pagination import CappedPaginator
from reviewers.models import Assignment
from tests.factories import CaseFactory, DisputedItemFactory, DocumentFactory, PersonFactory, ReviewerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _cases(n, *, reviewer, start=0):
    """n cases at every stage the lists show, each with the rows its list reads."""
    today = date.today()
    statuses = [Case.Status.AWAITING_RECORDS, Case.Status.IN_REVIEW, Case.Status.DECIDED]
    for i in range(start, start + n):
        status = statuses[i % 3]
        case = CaseFactory(
            status=status,
            review_type="expedited" if i % 2 else "standard",
            due_on=None if status == Case.Status.DECIDED else today + timedelta(days=i - 3),
            decided_on=today if status == Case.Status.DECIDED else None,
            employee__last_name=f"Kowalski{i}",
        )
        item = DisputedItemFactory(case=case, position=0)
        DocumentFactory(case=case)
        if status == Case.Status.AWAITING_RECORDS:
            continue
        decided = status == Case.Status.DECIDED
        Assignment.objects.create(
            case=case, reviewer=reviewer, conflict_attested=True,
            status=Assignment.Status.COMPLETED if decided else Assignment.Status.ACCEPTED,
        )
        determination = Determination.objects.create(
            case=case, reviewer=reviewer,
            status=Determination.Status.FINAL if decided else Determination.Status.DRAFT,
            decided_on=today if decided else None,
            finalized_at=case.created_at if decided else None,
            records_basis=Determination.RecordsBasis.COMPLETE if decided else "",
        )
        ItemDecision.objects.create(determination=determination, item=item, decision="upheld" if decided else "")
        if decided:
            Letter.objects.create(determination=determination, variant=Letter.Variant.PARTIES)
        audit.record(audit.Action.CASE_VIEW, actor=reviewer.user, case=case, obj=case)


@pytest.fixture
def reviewer():
    return ReviewerFactory()


def _same_count(client, url, grow, django_assert_num_queries):
    """The page's query count with few rows equals its count with more rows."""
    client.get(url)  # warm the session and per-process caches
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200, url
    grow()
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200, url
    return response


@pytest.mark.parametrize(
    "query",
    ["", "?q=Kowalski", "?q=kowalski1", "?status=in_review", "?review_type=expedited", "?overdue=1", "?status=decided&q=WC-",
     "?q=Organization", "?q=Tester", "?sort=-employee", "?sort=status&q=Kowalski"],
    ids=["unfiltered", "searched", "searched-one", "by-status", "by-type", "overdue", "filtered-and-searched",
         "by-organization", "by-reviewer", "sorted-by-employee", "sorted-by-stage-and-searched"],
)
def test_case_list(client, reviewer, query, django_assert_num_queries):
    client.force_login(UserFactory(role=Role.INTAKE))
    _cases(3, reviewer=reviewer)
    response = _same_count(
        client, reverse("cases:list") + query, lambda: _cases(27, reviewer=reviewer, start=3), django_assert_num_queries
    )
    assert response.context["page"].object_list


def test_case_list_count_is_capped(client, reviewer, monkeypatch):
    """Past the cap the list says "more than" instead of counting every case."""
    monkeypatch.setattr(CappedPaginator, "cap", 4)
    client.force_login(UserFactory(role=Role.INTAKE))
    _cases(6, reviewer=reviewer)
    response = client.get(reverse("cases:list"))
    assert response.context["page"].paginator.capped
    assert "More than 4 cases" in response.content.decode()


def test_reviewer_dashboard(client, reviewer, django_assert_num_queries):
    client.force_login(reviewer.user)
    _cases(3, reviewer=reviewer)
    response = _same_count(
        client, reverse("review:dashboard"), lambda: _cases(27, reviewer=reviewer, start=3), django_assert_num_queries
    )
    assert len(response.context["queue"].rows) == 20  # 30 cases: 10 awaiting records, 20 assigned


def test_reviewer_queue_is_bounded_and_counts_everything(reviewer):
    """A long queue shows its most urgent rows; the counts still cover every row."""
    _cases(12, reviewer=reviewer)
    full = reviewer_queue(reviewer=reviewer)
    short = reviewer_queue(reviewer=reviewer, limit=3)
    assert (short.total, full.total) == (8, 8)
    assert [r.case.number for r in short.rows] == [r.case.number for r in full.rows[:3]]
    assert all(r.assignment.is_open for r in short.rows)  # open work first


def _admin_changelists():
    return sorted(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist" for model in admin.site._registry
    )


@pytest.mark.parametrize("url_name", _admin_changelists())
def test_admin_changelists(client, reviewer, url_name, django_assert_num_queries):
    """Every admin list, the case and audit lists included."""
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    _cases(3, reviewer=reviewer)
    more_reviewers = lambda: [ReviewerFactory() for _ in range(3)]  # noqa: E731

    def grow():
        _cases(12, reviewer=reviewer, start=3)
        more_reviewers()
        UserFactory.create_batch(3, role=Role.INTAKE)

    _same_count(client, reverse(url_name), grow, django_assert_num_queries)


def test_admin_case_search_uses_the_case_list_search(client, reviewer):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    _cases(4, reviewer=reviewer)
    case = Case.objects.get(employee__last_name="Kowalski2")
    response = client.get(reverse("admin:cases_case_changelist") + "?q=kowalski2")
    assert list(response.context["cl"].result_list) == [case]


def test_reviewer_dashboard_counts_stop_at_the_cap(client, reviewer, monkeypatch):
    """Past COUNT_CAP a count shows "N+" instead of reading every row of a huge queue."""
    from determinations import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr(selectors.capped_counts, "__defaults__", (3,))
    _cases(12, reviewer=reviewer)  # 4 in progress, 4 finalized this month
    queue = reviewer_queue(reviewer=reviewer)
    assert (int(queue.in_progress), queue.in_progress.capped) == (3, True)
    assert str(queue.in_progress) == "3+"
    assert (int(queue.to_accept), queue.to_accept.capped, str(queue.to_accept)) == (0, False, "0")
    client.force_login(reviewer.user)
    assert "3+" in client.get(reverse("review:dashboard")).content.decode()


def test_searched_case_list_counts_at_most_the_search_cap(client, reviewer, monkeypatch):
    from imrsite import pagination

    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 4)
    client.force_login(UserFactory(role=Role.INTAKE))
    _cases(6, reviewer=reviewer)
    searched = client.get(reverse("cases:list") + "?q=Kowalski")
    assert searched.context["page"].paginator.capped
    assert "More than 4 cases" in searched.content.decode()
    assert not client.get(reverse("cases:list")).context["page"].paginator.capped  # the plain list keeps its cap


def test_a_work_queue_list_counts_to_the_queue_cap_and_a_search_in_it_to_the_search_cap(client, reviewer, monkeypatch):
    from imrsite import pagination

    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 4)
    monkeypatch.setattr(pagination, "QUEUE_COUNT_CAP", 10)
    client.force_login(UserFactory(role=Role.INTAKE))
    for _ in range(6):
        CaseFactory(status=Case.Status.RECEIVED, employee=PersonFactory(name="Ana Kowalski", last_name="Kowalski"))
    queue = client.get(reverse("cases:list") + "?queue=ready_to_screen").context["page"].paginator
    assert (queue.count, queue.capped) == (6, False)
    searched = client.get(reverse("cases:list") + "?queue=ready_to_screen&q=Kowalski").context["page"].paginator
    assert (searched.count, searched.capped) == (4, True)


def test_searched_admin_case_list_counts_at_most_the_search_cap(client, reviewer, monkeypatch):
    from django.conf import settings

    from imrsite import pagination

    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 4)
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True))
    _cases(6, reviewer=reviewer)
    url = f"/{settings.ADMIN_URL}cases/case/"
    searched = client.get(url + "?q=Kowalski")
    assert searched.context["cl"].paginator.capped
    html = searched.content.decode()
    assert "more than 4 results" in html and "more than 4 cases" in html
    plain = client.get(url)
    assert not plain.context["cl"].paginator.capped and "6 cases" in plain.content.decode()
