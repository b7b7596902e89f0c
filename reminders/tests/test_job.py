"""The job's cost, the working-hours arithmetic, and the services that bring a case back to the job."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from cases import services as case_services
from cases.management.synthetic import generate_cases
from cases.models import Case
from reminders.models import ReminderRule, ReminderSchedule, SentReminder, Unit
from reminders.schedule import hold_to_working_hours, shift, shift_business_days
from reminders.services import reminders_evaluate, reminders_rebuild, reminders_run, reminders_touch
from reviewers import services as reviewer_services
from reviewers.models import Assignment
from tests.factories import CaseFactory, ReviewerFactory, UserFactory

TZ = ZoneInfo("America/Los_Angeles")
MONDAY = datetime(2026, 2, 2, 9, 0, tzinfo=TZ)


# --- arithmetic (literal values) -----------------------------------------------------

@pytest.mark.parametrize("moment, held", [
    (datetime(2026, 2, 2, 9, 30, tzinfo=TZ), datetime(2026, 2, 2, 9, 30, tzinfo=TZ)),  # Monday morning: as is
    (datetime(2026, 2, 2, 6, 0, tzinfo=TZ), datetime(2026, 2, 2, 8, 0, tzinfo=TZ)),  # before 8: same day 8:00
    (datetime(2026, 2, 2, 18, 0, tzinfo=TZ), datetime(2026, 2, 3, 8, 0, tzinfo=TZ)),  # evening: next morning
    (datetime(2026, 2, 6, 20, 0, tzinfo=TZ), datetime(2026, 2, 9, 8, 0, tzinfo=TZ)),  # Friday night: Monday
    (datetime(2026, 2, 13, 19, 0, tzinfo=TZ), datetime(2026, 2, 17, 8, 0, tzinfo=TZ)),  # Presidents' Day Monday skipped
])
def test_hold_to_working_hours(moment, held):
    assert hold_to_working_hours(moment) == held


def test_business_day_offsets_use_the_state_calendar():
    assert shift_business_days(date(2026, 2, 13), 1) == date(2026, 2, 17)  # Fri + 1 over Presidents' Day
    assert shift_business_days(date(2026, 2, 17), -1) == date(2026, 2, 13)
    assert shift_business_days(date(2026, 2, 4), -3) == date(2026, 1, 30)
    friday = datetime(2026, 2, 6, 15, 0, tzinfo=TZ)
    assert shift(friday, 1, Unit.BUSINESS_DAYS) == datetime(2026, 2, 9, 15, 0, tzinfo=TZ)
    assert shift(friday, -3, Unit.DAYS) == datetime(2026, 2, 3, 15, 0, tzinfo=TZ)
    assert shift(friday, 10, Unit.HOURS) == datetime(2026, 2, 7, 1, 0, tzinfo=TZ)
    # Over the DST change (Mar 8), a day keeps the wall-clock time.
    assert shift(datetime(2026, 3, 7, 9, 0, tzinfo=TZ), 1, Unit.DAYS) == datetime(2026, 3, 8, 9, 0, tzinfo=TZ)


# --- cost ---------------------------------------------------------------------------

def _due_cases(count: int, reviewer, owner) -> None:
    """`count` cases with a decision overdue since Friday and an offer unanswered since the Monday before."""
    with time_machine.travel(MONDAY - timedelta(days=7), tick=False):
        for _ in range(count):
            case = CaseFactory(
                status=Case.Status.IN_REVIEW, records_complete_on=date(2026, 1, 2), decision_due_on=date(2026, 1, 30),
                created_by=owner,
            )
            Assignment.objects.create(case=case, reviewer=reviewer, status=Assignment.Status.OFFERED)


def _run_queries() -> tuple[int, int]:
    with time_machine.travel(MONDAY, tick=False):
        reminders_rebuild()
        with CaptureQueriesContext(connection) as ctx:
            sent = reminders_evaluate()
    return len(ctx), sent


@pytest.mark.django_db
def test_the_job_costs_the_same_queries_for_10_or_20_cases():
    owner = UserFactory(username="intake", role=Role.INTAKE)
    UserFactory(username="boss", role=Role.ADMIN)
    reviewer = ReviewerFactory()
    _due_cases(10, reviewer, owner)
    small, sent_small = _run_queries()
    _due_cases(20, reviewer, owner)
    large, sent_large = _run_queries()
    assert (sent_small, sent_large) == (10 * 3, 20 * 3)  # offer: reviewer + intake; decision: supervisor
    assert small == large
    # rules, lock, cases, open assignments, failed letters, the log, the admin
    # members, 3 inserts (log, notifications, deliveries), the schedule update.
    # and the batch's savepoint and its release.
    assert large == 13


@pytest.mark.django_db
def test_a_quiet_run_reads_only_due_schedule_rows(django_assert_num_queries):
    with time_machine.travel(MONDAY, tick=False):
        generate_cases(count=8, seed=5)
        reminders_rebuild()
        reminders_run()
    assert ReminderSchedule.objects.filter(next_at__lte=MONDAY).count() == 0
    with time_machine.travel(MONDAY + timedelta(minutes=5), tick=False):
        # the rules, the batch's savepoint, the (empty) due rows, the release, the (empty) e-mails owed
        with django_assert_num_queries(5):
            assert reminders_run() == {"reminders": 0, "emails": 0}


def test_the_schedule_lookup_uses_its_index(db):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT case_id FROM reminders_reminderschedule WHERE next_at <= now() ORDER BY next_at LIMIT 500"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "reminder_next_at_idx" in plan


# --- services bring the case back ----------------------------------------------------------

@pytest.fixture
def offered(db, intake_user):
    reviewer = ReviewerFactory()
    case = CaseFactory(status=Case.Status.RECORDS_COMPLETE, records_complete_on=date.today(), created_by=intake_user)
    case_services.case_refresh_deadlines(case=case)
    ReminderSchedule.objects.all().delete()
    assignment = reviewer_services.reviewer_assign(case=case, reviewer=reviewer, assigned_by=intake_user)
    return assignment


def _next_at(case_id):
    return ReminderSchedule.objects.get(case_id=case_id).next_at


def test_an_offer_an_answer_and_a_status_change_touch_the_schedule(offered, intake_user):
    assert _next_at(offered.case_id) is not None  # the offer
    ReminderSchedule.objects.filter(case_id=offered.case_id).update(next_at=None)
    reviewer_services.assignment_accept(assignment=offered, user=offered.reviewer.user, attested=True)
    assert _next_at(offered.case_id) is not None  # the answer
    ReminderSchedule.objects.filter(case_id=offered.case_id).update(next_at=None)
    reviewer_services.assignment_withdraw(assignment=offered, user=intake_user, reason="Reviewer on leave")
    assert _next_at(offered.case_id) is not None  # the status change


def test_an_answered_offer_is_no_longer_reminded(offered, intake_user):
    """The reviewer accepts before the day is out: no offer reminder on Tuesday."""
    UserFactory(username="boss", role=Role.ADMIN)
    reviewer_services.assignment_accept(assignment=offered, user=offered.reviewer.user, attested=True)
    with time_machine.travel(datetime.now(TZ) + timedelta(days=4), tick=False):
        reminders_run()
    assert not SentReminder.objects.filter(rule__clock="offer_unanswered").exists()


def test_records_complete_touches_the_schedule(db):
    case = CaseFactory(status=Case.Status.AWAITING_RECORDS, assigned_on=date.today() - timedelta(days=3))
    case_services.case_refresh_deadlines(case=case)
    ReminderSchedule.objects.all().delete()
    case_services.case_mark_records_complete(case=case, on=date.today())
    assert _next_at(case.pk) is not None


def test_a_schedule_row_is_one_upsert(db, django_assert_num_queries):
    case = CaseFactory()
    with django_assert_num_queries(1):
        reminders_touch(case)
    with django_assert_num_queries(1):
        reminders_touch(case.pk)
    assert ReminderSchedule.objects.filter(case=case).count() == 1


def test_an_inactive_rule_sends_nothing(offered):
    UserFactory(username="boss", role=Role.ADMIN)
    ReminderRule.objects.update(active=False)
    with time_machine.travel(datetime.now(TZ) + timedelta(days=5), tick=False):
        assert reminders_run()["reminders"] == 0
    assert not Assignment.objects.filter(pk=offered.pk, status="accepted").exists()
