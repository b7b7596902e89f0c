"""seed_demo and generate_cases: what they create, and that it keeps every invariant."""

import io
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.roles import user_roles
from cases.models import Case, CaseNumberCounter, DisputedItem
from cases.services import case_numbers_issue_block
from determinations.models import Determination, ItemDecision, Letter
from reviewers.models import Assignment, Reviewer
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def seed(**kwargs) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **kwargs)
    return out.getvalue()


def test_seed_demo_creates_one_user_per_role_and_the_seed_case():
    out = seed(password=PASSWORD)

    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=["intake", "reviewer", "reviewer2", "admin"])}
    assert set(users) == {"intake", "reviewer", "reviewer2", "admin"}
    assert all(u.check_password(PASSWORD) for u in users.values())
    assert user_roles(users["intake"]).intake and not user_roles(users["intake"]).reviewer
    assert user_roles(users["reviewer"]).reviewer and user_roles(users["reviewer2"]).reviewer
    assert users["admin"].is_staff and users["admin"].is_superuser and user_roles(users["admin"]).admin
    assert Reviewer.objects.filter(user__username__in=["reviewer", "reviewer2"]).count() == 2

    case = Case.objects.get(number="CM13-0001234")
    assert case.status == Case.Status.DECIDED
    determination = case.determinations.get()
    assert determination.status == Determination.Status.FINAL and determination.outcome == "Upheld"
    assert set(Letter.objects.filter(determination=determination).values_list("variant", flat=True)) == {"parties", "public"}
    assert "CM13-0001234" in out and PASSWORD not in out


def test_seed_demo_opens_cases_at_every_stage():
    seed(password=PASSWORD)
    statuses = Counter(Case.objects.values_list("status", flat=True))
    for status in ["received", "awaiting_records", "records_complete", "in_review", "decided", "ineligible"]:
        assert statuses[status] >= 1, status
    assert Case.objects.filter(review_type="expedited").exclude(status="decided").exists()
    overdue = Case.objects.filter(status__in=Case.OPEN_STATUSES, due_on__lt=timezone.localdate())
    assert set(overdue.values_list("status", flat=True)) == {"awaiting_records", "in_review"}
    mine = Assignment.objects.filter(reviewer__user__username="reviewer")
    # "completed": the two after-the-decision demo cases it decided (issue 14).
    assert set(mine.values_list("status", flat=True)) == {"offered", "accepted", "completed"}
    assert Determination.objects.filter(reviewer__user__username="reviewer", status="draft").exists()
    assert Assignment.objects.filter(reviewer__user__username="reviewer2", status="accepted").count() >= 1
    assert Case.objects.filter(employee__name="José Núñez").exists()
    # After the decision: an overturned item authorized late, and a remand decided by another reviewer.
    from appeals.models import Remand
    from implementation import selectors as implementation_selectors

    late = [r for g in implementation_selectors.implementation_report() for r in g["rows"] if r.row.implementation]
    assert [r.row.days_late for r in late] == [4]
    remand = Remand.objects.select_related("new_case", "original_case").get()
    assert remand.new_case.status == "decided"
    assert remand.new_case.determinations.get().reviewer.user.username == "reviewer2"
    assert remand.original_case.determinations.get().reviewer.user.username == "reviewer"


def test_seed_demo_has_a_case_corrected_with_amended_letters():
    seed(password=PASSWORD)
    case = Case.objects.get(claim_number="WC-2026-0262318")
    assert case.status == Case.Status.DECIDED
    first, corrected = case.determinations.order_by("version")
    assert (first.status, corrected.status) == (Determination.Status.SUPERSEDED, Determination.Status.FINAL)
    assert corrected.supersedes == first and "wrong pages" in corrected.correction_reason
    assert corrected.correction_opened_by.username == "admin" and corrected.reviewer.user.username == "reviewer2"
    assert corrected.decisions.get().pages == "343-345" and first.decisions.get().pages == "334-335"
    assert set(Letter.objects.filter(determination=first).values_list("variant", flat=True)) == {"parties", "public"}
    assert set(Letter.objects.filter(determination=corrected).values_list("variant", flat=True)) == {"parties", "public"}


def test_seed_demo_twice_adds_nothing():
    seed(password=PASSWORD)
    counts = (Case.objects.count(), get_user_model().objects.count(), Letter.objects.count(), Assignment.objects.count())
    out = seed()
    assert "nothing to do" in out
    assert counts == (Case.objects.count(), get_user_model().objects.count(), Letter.objects.count(), Assignment.objects.count())


def test_seed_demo_generates_and_prints_a_password_once():
    out = seed()
    line = next(line for line in out.splitlines() if line.startswith("Password for the new demo users"))
    password = line.rsplit(": ", 1)[1]
    assert get_user_model().objects.get(username="intake").check_password(password)
    assert "Password" not in seed()


def test_seed_demo_refuses_a_weak_password():
    with pytest.raises(CommandError, match="--password"):
        seed(password="demo")
    assert not get_user_model().objects.filter(username="intake").exists()


def generate(count: int, **kwargs) -> str:
    out = io.StringIO()
    call_command("generate_cases", count=count, stdout=out, **kwargs)
    return out.getvalue()


def test_generate_cases_creates_spread_cases_that_keep_the_invariants():
    out = generate(50, seed=7, batch_size=20)

    assert Case.objects.count() == 50
    assert "Created 50 cases in" in out and "cases/s" in out
    statuses = Counter(Case.objects.values_list("status", flat=True))
    assert len(statuses) >= 4 and statuses["decided"] >= 20
    # The database's check constraints would refuse a violation; these read the rules back.
    assert not Case.objects.filter(Q(date_of_injury__gt=F("ur_decision_date")) | Q(ur_decision_date__gt=F("received_on"))).exists()
    assert not Case.objects.filter(status="ineligible", ineligible_reason="").exists()
    assert not Case.objects.annotate(items_count=Count("items")).filter(items_count=0).exists()
    open_per_case = Assignment.objects.filter(status__in=["offered", "accepted"]).values("case").annotate(n=Count("id"))
    assert all(row["n"] == 1 for row in open_per_case)
    assert not Case.objects.filter(status="in_review").exclude(assignments__status__in=["offered", "accepted"]).exists()
    assert not Case.objects.filter(status__in=["awaiting_records", "records_complete", "in_review"], due_on__isnull=True).exists()
    # Numbers: unique, in the CMyy-nnnnnnn form, the counter past the last one.
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 50 and all(n.startswith("CM") and len(n) == 12 for n in numbers)
    for counter in CaseNumberCounter.objects.all():
        issued = [n for n in numbers if n[2:4] == f"{counter.year:02d}"]
        assert max(int(n[5:]) for n in issued) <= counter.last


def test_generated_decided_cases_have_final_determinations_with_item_decisions():
    generate(50, seed=11)
    decided = Case.objects.filter(status="decided")
    assert decided.exists()
    for case in decided.prefetch_related("items", "determinations__decisions", "assignments"):
        determination = case.determinations.get()
        assert determination.status == "final" and determination.finalized_at and determination.decided_on == case.decided_on
        assert {d.item_id for d in determination.decisions.all()} == {i.pk for i in case.items.all()}
        assert all(d.decision in ("upheld", "overturned") and d.guideline_id and d.rationale for d in determination.decisions.all())
        assert [a.status for a in case.assignments.all()] == ["completed"]
        assert case.assigned_on <= case.records_complete_on <= case.decided_on
    assert not ItemDecision.objects.filter(evidence_level="").exists()
    assert Letter.objects.count() == 0


def test_generated_reviewers_are_eligible_for_their_cases():
    from reviewers.selectors import reviewer_check, reviewers_with_credentials

    generate(30, seed=3)
    assert Reviewer.objects.exists()
    for assignment in Assignment.objects.select_related("case"):
        reviewer = reviewers_with_credentials().get(pk=assignment.reviewer_id)
        check = reviewer_check(reviewer=reviewer, case=assignment.case, on=assignment.case.assigned_on, check_capacity=False)
        assert check.eligible, check.reasons


def test_generate_cases_twice_adds_more_with_new_numbers():
    generate(10, seed=1)
    generate(10, seed=1)
    assert Case.objects.count() == 20
    assert Case.objects.values("number").distinct().count() == 20
    assert DisputedItem.objects.values("case").distinct().count() == 20


def test_numbers_block_skips_a_number_an_import_took():
    CaseNumberCounter.objects.create(year=24, last=1)
    CaseFactory(number="CM24-0000003")  # an imported case sits ahead of the counter
    assert case_numbers_issue_block(year=2024, count=3) == ["CM24-0000002", "CM24-0000004", "CM24-0000005"]
    assert CaseNumberCounter.objects.get(year=24).last == 5


def test_generate_cases_refuses_a_bad_count():
    with pytest.raises(CommandError):
        generate(0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and the SQL copies are PostgreSQL's")
def test_generate_cases_copies_past_distinct_with_new_numbers_keys_and_employees():

    def plain_indexes():
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'cases_case' ORDER BY 1")
            return [row[0] for row in cursor.fetchall()]

    before = plain_indexes()
    out = generate(25, seed=3, batch_size=5, distinct=10)
    assert "25 / 25 cases" in out and "Created 25 cases in" in out
    cases = list(Case.objects.order_by("id"))
    assert len(cases) == 25
    numbers = [c.number for c in cases]
    assert len(set(numbers)) == 25
    for counter in CaseNumberCounter.objects.all():
        issued = [int(n[5:]) for n in numbers if n[2:4] == f"{counter.year:02d}"]
        assert max(issued) <= counter.last
    # Each copy has its own employee row and its own items, assignment, determination and decisions.
    assert len({c.employee_id for c in cases}) == 25
    assert not Case.objects.annotate(n=Count("items")).filter(n=0).exists()
    pattern, copy = cases[0], cases[10]
    assert (copy.employee.name, copy.status, copy.received_on) == (pattern.employee.name, pattern.status, pattern.received_on)
    assert copy.number != pattern.number
    assert Determination.objects.filter(status="final").count() == Case.objects.filter(status="decided").count()
    assert not ItemDecision.objects.exclude(item__case=F("determination__case")).exists()
    assert not Assignment.objects.exclude(case__status__in=["decided", "in_review", "records_complete", "awaiting_records", "terminated"]).exists()
    assert plain_indexes() == before  # the plain indexes dropped for the copies are back
