"""The intake home page's work queues: each count is what its filtered case list shows."""

import pytest
from django.urls import reverse

from cases.models import Case
from worklists import queues
from worklists.tests.conftest import assigned_case

pytestmark = pytest.mark.django_db


def _list_numbers(client, query):
    response = client.get(reverse("cases:list") + query)
    assert response.status_code == 200
    return {case.number for case in response.context["page"].object_list}


def test_each_queue_opens_the_case_list_filtered_to_the_cases_it_counts(client, intake, queue_world):
    client.force_login(intake)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    counts = {row["queue"].key: row["count"] for row in response.context["queues"]}
    assert list(counts) == queues.INTAKE_QUEUE_KEYS
    for key, case in queue_world.items():
        numbers = _list_numbers(client, f"?queue={key}")
        assert case.number in numbers, key
        assert counts[key] == len(numbers), key
        assert f'href="/cases/?queue={key}"' in response.content.decode()


def test_queues_hold_what_they_say(client, intake, queue_world):
    client.force_login(intake)
    assert _list_numbers(client, "?queue=ready_to_screen") == {queue_world["ready_to_screen"].number}
    assert _list_numbers(client, "?queue=offers_unanswered") == {queue_world["offers_unanswered"].number}
    assert _list_numbers(client, "?queue=letters_failed") == {queue_world["letters_failed"].number}
    assert _list_numbers(client, "?queue=overdue") >= {queue_world["overdue"].number, queue_world["records_overdue"].number}
    assert queue_world["records_overdue"].number in _list_numbers(client, "?queue=ready_to_assign")
    # Assigned cases are not ready to assign; a withdrawn case is in no queue.
    assert queue_world["offers_unanswered"].number not in _list_numbers(client, "?queue=ready_to_assign")
    assert Case.objects.filter(status=Case.Status.WITHDRAWN).count() == 1
    # An unknown queue is ignored, not an error.
    assert len(_list_numbers(client, "?queue=nonsense")) == Case.objects.count()


def test_queue_is_combined_with_the_other_filters(client, intake, queue_world):
    client.force_login(intake)
    assert _list_numbers(client, "?queue=overdue&review_type=expedited") == set()
    assert _list_numbers(client, f"?queue=overdue&q={queue_world['overdue'].number}") == {queue_world["overdue"].number}


def test_home_page_counts_cost_the_same_few_queries_for_few_or_many_cases(client, intake, queue_world, reviewer,
                                                                          django_assert_num_queries):
    client.force_login(intake)
    client.get(reverse("home"))  # warm the session
    # session, user, roles; the eight counts (one query); the pinned views (one); the navbar's
    # notifications (one); the session's idle clock saved (savepoint, update, release)
    with django_assert_num_queries(9):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    for _ in range(5):
        assigned_case(reviewer)
    with django_assert_num_queries(9):
        response = client.get(reverse("home"))
    assert {row["queue"].key: row["count"] for row in response.context["queues"]}["overdue"] >= 1


def test_counts_are_one_query(queue_world, django_assert_num_queries):
    from django.utils import timezone

    with django_assert_num_queries(1):
        counts = queues.intake_queue_counts(Case.objects.all(), timezone.localdate())
    assert counts["ready_to_screen"] == 1 and counts["letters_failed"] == 1 and counts["offers_unanswered"] == 1


def test_counts_stop_at_the_cap_and_the_lists_say_more_than(client, intake, queue_world, monkeypatch):
    """A count reads at most cap + 1 rows however many cases wait: the home page says "2+"
    and the queue's list "More than 2 cases" (caps of 100 and 1,000 in use, 2 here)."""
    from imrsite import pagination
    from tests.factories import CaseFactory

    monkeypatch.setattr(queues, "HOME_COUNT_CAP", 2)
    monkeypatch.setattr(pagination, "QUEUE_COUNT_CAP", 2)
    for _ in range(3):
        CaseFactory(status=Case.Status.RECEIVED)
    client.force_login(intake)
    response = client.get(reverse("home"))
    count = {row["queue"].key: row["count"] for row in response.context["queues"]}["ready_to_screen"]
    assert (int(count), count.capped) == (2, True) and "2+" in response.content.decode()
    listed = client.get(reverse("cases:list") + "?queue=ready_to_screen")
    assert listed.context["page"].paginator.capped and "More than 2 cases" in listed.content.decode()


def test_home_page_by_role(client, reviewer, manager):
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    client.force_login(reviewer.user)
    assert client.get(reverse("home"))["Location"] == reverse("review:dashboard")
    client.force_login(manager)
    assert client.get(reverse("home"))["Location"] == reverse("reports:index")


def test_reviewer_dashboard_queues_count_and_filter_only_their_own_cases(client, reviewer, other_reviewer, queue_world):
    from reviewers.models import Assignment

    mine_offer = queue_world["offers_unanswered"]
    theirs = assigned_case(other_reviewer, status=Assignment.Status.OFFERED)
    client.force_login(reviewer.user)
    response = client.get(reverse("review:dashboard") + "?queue=offers")
    assert response.status_code == 200
    counts = {row["queue"].key: row["count"] for row in response.context["work"]["queues"]}
    assert counts == {"offers": 1, "drafts_due": 1, "overdue": 1}
    numbers = {row.case.number for row in response.context["queue"].rows}
    assert numbers == {mine_offer.number}
    assert theirs.number not in response.content.decode()
    due = client.get(reverse("review:dashboard") + "?queue=drafts_due")
    assert {row.case.number for row in due.context["queue"].rows} == {queue_world["decisions_due"].number}
    # Another reviewer's case stays a 404 for this one.
    assert client.get(reverse("review:case", args=[theirs.number])).status_code == 404


def test_reviewer_dashboard_forbidden_to_intake_and_anonymous(client, intake):
    assert client.get(reverse("review:dashboard") + "?queue=offers")["Location"].startswith(reverse("login"))
    client.force_login(intake)
    assert client.get(reverse("review:dashboard") + "?queue=offers").status_code == 403


def test_decisions_due_is_every_case_whose_decision_deadline_is_within_the_window():
    """The queue reads the next deadline (its index serves the list's order): for every status a case's
    services can leave it in, that selects exactly the cases whose *decision* is due in the window."""
    from datetime import timedelta

    from cases.tests.test_rules import case_in
    from tests.dates import today

    S = Case.Status
    cases = []
    for status in (S.AWAITING_RECORDS, S.RECORDS_COMPLETE, S.IN_REVIEW, S.DECIDED, S.RECEIVED):
        for complete_days_ago in (None, 27, 29, 33):  # decision due (30 days) in 3, 1 and -3 days
            if status in (S.RECORDS_COMPLETE, S.DECIDED) and complete_days_ago is None:
                continue
            complete = None if complete_days_ago is None else today() - timedelta(days=complete_days_ago)
            cases.append(case_in(status, records_complete_on=complete))
    window = (today(), today() + timedelta(days=queues.DUE_SOON_DAYS))
    expected = {c.pk for c in cases if c.status in (S.RECORDS_COMPLETE, S.IN_REVIEW)
                and c.decision_due_on and window[0] <= c.decision_due_on <= window[1]}
    assert len(expected) == 4  # records complete and in review, each due in 3 days and in 1
    assert set(Case.objects.filter(queues.queue_condition("decisions_due", today())).values_list("pk", flat=True)) == expected


def test_offers_unanswered_lists_the_oldest_offer_first_whatever_the_deadlines(client, intake, reviewer, other_reviewer):
    from datetime import timedelta

    from django.utils import timezone

    from reviewers.models import Assignment

    now = timezone.now()
    newest = assigned_case(reviewer, status=Assignment.Status.OFFERED)
    oldest = assigned_case(other_reviewer, status=Assignment.Status.OFFERED)
    middle = assigned_case(reviewer, status=Assignment.Status.OFFERED)
    accepted = assigned_case(reviewer)  # answered: in no row
    for case, hours_ago, due_in in ((newest, 1, -5), (oldest, 50, 20), (middle, 20, 2)):
        Assignment.objects.filter(case=case).update(assigned_at=now - timedelta(hours=hours_ago))
        Case.objects.filter(pk=case.pk).update(due_on=timezone.localdate() + timedelta(days=due_in))
    client.force_login(intake)
    response = client.get(reverse("cases:list") + "?queue=offers_unanswered")
    assert [c.number for c in response.context["page"].object_list] == [oldest.number, middle.number, newest.number]
    assert response.context["sort"] == "queue"
    assert "3 cases, oldest offer first." in response.content.decode()
    assert '<option value="queue" selected>Oldest offer first</option>' in response.content.decode()
    assert accepted.number not in {c.number for c in response.context["page"].object_list}
    # A sort the person chooses applies within the queue: soonest deadline first.
    by_due = client.get(reverse("cases:list") + "?queue=offers_unanswered&sort=due")
    assert [c.number for c in by_due.context["page"].object_list] == [newest.number, middle.number, oldest.number]
    # The queue's own order is no sort outside it.
    assert client.get(reverse("cases:list") + "?sort=queue").context["sort"] == "due"
