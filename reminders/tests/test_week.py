"""Done when (issue 16): with `generate_cases`, a week of clocks walked with
time-machine; exactly which reminders and escalations were sent, to whom, by
which channel; a second run sends nothing; a missed run catches up without a flood.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from accounts.models import ReminderEmail, Role
from cases.management.synthetic import generate_cases
from cases.models import Case, ReviewType
from reminders.clocks import CLOCK_KINDS
from reminders.models import ReminderDelivery, ReminderRule, SentReminder
from reminders.schedule import hold_to_working_hours, step_moment
from reminders.services import reminders_rebuild, reminders_run
from reviewers.models import Assignment
from tests.factories import UserFactory

TZ = ZoneInfo("America/Los_Angeles")
START = datetime(2026, 2, 2, 9, 0, tzinfo=TZ)  # a Monday; no state holiday that week
END = START + timedelta(days=7)
STEP = timedelta(minutes=30)
RUNS = [START + i * STEP for i in range((END - START) // STEP + 1)]

pytestmark = pytest.mark.django_db


def at(day, hour, minute=0):
    return datetime(2026, 2, day, hour, minute, tzinfo=TZ)


def _first_run_from(moment):
    if moment <= START:
        return START
    for run in RUNS:
        if run >= moment:
            return run
    return None


def _expected_sends(rule, event):
    """Forward enumeration (an oracle built differently from the job): every
    occurrence's held moment goes to the first run at or after it; occurrences
    landing on the same run make one reminder, the latest."""
    by_run = {}
    for k in range(rule.max_count if rule.repeat_every else 1):
        moment = step_moment(rule, event.due_at, k)
        run = _first_run_from(hold_to_working_hours(moment) if rule.working_hours_only else moment)
        if run is None:
            break
        if rule.offset < 0 and run >= event.due_at:
            continue
        by_run[run] = max(by_run.get(run, -1), k)
    return sorted(by_run.items())


@pytest.fixture
def world():
    with time_machine.travel(START, tick=False):
        intake_digest = UserFactory(username="intake_digest", role=Role.INTAKE)  # digest by default
        intake_no_mail = UserFactory(username="intake_no_mail", role=Role.INTAKE, email="")
        supervisor = UserFactory(username="supervisor", role=Role.ADMIN)
        supervisor.reminder_email = ReminderEmail.IMMEDIATELY
        supervisor.save()
        generate_cases(count=60, seed=16)
        open_cases = Case.objects.filter(status__in=Case.OPEN_STATUSES)
        # Two arranged decision clocks, on generated cases with an accepted reviewer.
        accepted = list(
            open_cases.filter(status=Case.Status.IN_REVIEW, assignments__status=Assignment.Status.ACCEPTED)
            .order_by("number")[:2]
        )
        assert len(accepted) == 2, "the generated data has fewer accepted reviews than the test needs"
        standard, expedited = accepted
        Case.objects.filter(pk=standard.pk).update(review_type=ReviewType.STANDARD, decision_due_on=date(2026, 2, 5))
        Case.objects.filter(pk=expedited.pk).update(review_type=ReviewType.EXPEDITED, decision_due_on=date(2026, 2, 4))
        # One reviewer wants e-mails at once, the others the digest (the default).
        immediate_reviewer = standard.assignments.get(status=Assignment.Status.ACCEPTED).reviewer.user
        immediate_reviewer.reminder_email = ReminderEmail.IMMEDIATELY
        immediate_reviewer.save()
        reminders_rebuild()
    return {
        "intakes": [intake_digest, intake_no_mail], "supervisor": supervisor,
        "standard": Case.objects.get(pk=standard.pk), "expedited": Case.objects.get(pk=expedited.pk),
        "immediate_reviewer": immediate_reviewer,
    }


def _expected(world):
    """{(rule, case number, event, occurrence, sent at, username, channel)} for the week."""
    from reminders.clocks import _failed_letters_prefetch, _open_assignments_prefetch

    rules = list(ReminderRule.objects.filter(active=True))
    cases = Case.objects.prefetch_related(_open_assignments_prefetch(), _failed_letters_prefetch()).select_related("created_by")
    expected = set()
    for case in cases:
        for rule in rules:
            if rule.review_type not in ("any", case.review_type):
                continue
            for event in CLOCK_KINDS[rule.clock].events(case):
                if rule.audience == "reviewer":
                    people = [event.reviewer] if event.reviewer else []
                elif rule.audience == "case_owner":
                    people = world["intakes"]  # generated cases have no owner: every intake person
                else:
                    people = [world["supervisor"]]
                for run, k in _expected_sends(rule, event):
                    for user in people:
                        channels = ["in_app"]
                        if user.email:
                            channels.append("email" if user.reminder_email == ReminderEmail.IMMEDIATELY else "digest")
                        for channel in channels:
                            expected.add((rule.name, case.number, event.key, k, run, user.username, channel))
    return expected


def _sent():
    return {
        (d.reminder.rule.name, d.reminder.case.number, d.reminder.event, d.reminder.occurrence,
         d.reminder.sent_at.astimezone(TZ), d.user.username, d.channel)
        for d in ReminderDelivery.objects.select_related("reminder__rule", "reminder__case", "user")
    }


def test_a_week_of_clocks(world):
    for run in RUNS:
        with time_machine.travel(run, tick=False):
            reminders_run()
            # A second run at the same moment sends nothing, in the app or by e-mail.
            outbox, notes = len(mail.outbox), ReminderDelivery.objects.count()
            assert reminders_run() == {"reminders": 0, "emails": 0}
            assert (len(mail.outbox), ReminderDelivery.objects.count()) == (outbox, notes)

    sent = _sent()
    assert sent == _expected(world)
    assert len(sent) > 20  # the generated week is not empty

    # Literal checks, worked out by hand.
    std, exp = world["standard"].number, world["expedited"].number
    reviewer = world["immediate_reviewer"].username
    mine = {row for row in sent if row[1] == std}
    assert mine == {
        # due Thu Feb 5: "3 days before" is Mon 00:00, caught up at the first run (Mon 09:00)
        ("Decision due in 3 days: remind the reviewer", std, "decision:2026-02-05", 0, at(2, 9), reviewer, "in_app"),
        ("Decision due in 3 days: remind the reviewer", std, "decision:2026-02-05", 0, at(2, 9), reviewer, "email"),
        # overdue from Fri 00:00: held to 08:00; Sat, Sun and Mon 00:00 are held to Mon 08:00: one, the 4th
        ("Decision overdue: escalate to a supervisor daily", std, "decision:2026-02-05", 0, at(6, 8), "supervisor", "in_app"),
        ("Decision overdue: escalate to a supervisor daily", std, "decision:2026-02-05", 0, at(6, 8), "supervisor", "email"),
        ("Decision overdue: escalate to a supervisor daily", std, "decision:2026-02-05", 3, at(9, 8), "supervisor", "in_app"),
        ("Decision overdue: escalate to a supervisor daily", std, "decision:2026-02-05", 3, at(9, 8), "supervisor", "email"),
    }
    exp_reviewer = world["expedited"].assignments.get(status="accepted").reviewer.user.username
    mine = {(row[0], row[3], row[4], row[5]) for row in sent if row[1] == exp and row[6] == "in_app"}
    assert mine == {
        # due Wed Feb 4: 24 hours before is Tue 00:00, held to 08:00
        ("Expedited decision due in 24 hours: remind the reviewer", 0, at(3, 8), exp_reviewer),
        # overdue Thu 00:00, then every 4 hours: 00:00, 04:00 and 08:00 make one at 08:00; 12:00; 16:00; 20:00 held to Fri 08:00
        ("Expedited decision overdue: escalate to a supervisor every 4 hours", 2, at(5, 8), "supervisor"),
        ("Expedited decision overdue: escalate to a supervisor every 4 hours", 3, at(5, 12), "supervisor"),
        ("Expedited decision overdue: escalate to a supervisor every 4 hours", 4, at(5, 16), "supervisor"),
        ("Expedited decision overdue: escalate to a supervisor every 4 hours", 5, at(6, 8), "supervisor"),
    }
    # Every generated standard offer (made Mon 09:00): the reviewer on Tue 09:00, intake on Wed 09:00.
    offers = Assignment.objects.filter(status="offered", case__review_type="standard").select_related("case", "reviewer__user")
    assert offers
    for offer in offers:
        rows = {(row[0], row[4], row[5]) for row in sent if row[1] == offer.case.number and row[6] == "in_app"
                and row[2] == f"offer:{offer.pk}"}
        assert rows == {
            ("Offer unanswered 1 business day: remind the reviewer", at(3, 9), offer.reviewer.user.username),
            ("Offer unanswered 2 business days: intake to reassign", at(4, 9), "intake_digest"),
            ("Offer unanswered 2 business days: intake to reassign", at(4, 9), "intake_no_mail"),
        }
    # Nobody is reminded at night, on the weekend, or more than once per event and step.
    for row in sent:
        local = row[4]
        assert local.weekday() < 5 and 8 <= local.hour < 18, row
    assert SentReminder.objects.count() == len({row[:4] for row in sent})

    # E-mails: one per person per run (immediate) or per business morning (digest); never a case number.
    numbers = set(Case.objects.values_list("number", flat=True))
    assert mail.outbox
    for message in mail.outbox:
        body = message.body + "".join(content for content, _ in message.alternatives)
        assert not any(number in body or number in message.subject for number in numbers)
        assert "/accounts/notifications/" in body
    digests = [m for m in mail.outbox if m.subject.startswith("IMR daily digest")]
    assert {m.to[0] for m in digests} >= {"intake_digest@example.org"}
    assert not any(m.to == [""] for m in mail.outbox)

    # Next week, one more run: nothing is sent twice.
    with time_machine.travel(END, tick=False):
        before = ReminderDelivery.objects.count()
        assert reminders_run()["reminders"] == 0
        assert ReminderDelivery.objects.count() == before


def test_a_missed_day_catches_up_with_one_reminder_per_step(world):
    """The job did not run from Wed 08:00 to Mon 09:00: the supervisor gets the
    standard case's escalation once (its latest occurrence), not one per missed run."""
    for run in RUNS:
        if at(4, 8) <= run < at(9, 9):
            continue
        with time_machine.travel(run, tick=False):
            reminders_run()
    std = world["standard"].number
    escalations = SentReminder.objects.filter(case__number=std, rule__is_escalation=True)
    assert [(e.occurrence, e.sent_at.astimezone(TZ)) for e in escalations] == [(3, at(9, 9))]
