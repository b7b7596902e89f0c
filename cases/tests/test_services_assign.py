"""Two staff assigning the same case at once: exactly one succeeds."""

import threading

import pytest
from django.db import IntegrityError, connection, connections
from django.utils import timezone

from cases import services
from imrsite.errors import ServiceError
from reviewers.models import Assignment
from reviewers.services import reviewer_assign
from tests.factories import CaseFactory, DisputedItemFactory, ReviewerFactory


def eligible_case():
    case = CaseFactory()
    DisputedItemFactory(case=case)
    return services.case_mark_eligible(case=case, assigned_on=timezone.localdate())


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks across two connections (PostgreSQL)")
def test_two_concurrent_assignments_only_one_succeeds():
    case = eligible_case()
    reviewers = [ReviewerFactory(), ReviewerFactory()]
    barrier = threading.Barrier(2)
    results: list = []

    def attempt(reviewer):
        try:
            barrier.wait(timeout=10)
            results.append(reviewer_assign(case=case, reviewer=reviewer))
        except ServiceError as exc:
            results.append(exc)
        finally:
            connections.close_all()  # each thread has its own connection

    threads = [threading.Thread(target=attempt, args=(r,)) for r in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    successes = [r for r in results if isinstance(r, Assignment)]
    refusals = [r for r in results if isinstance(r, ServiceError)]
    assert len(successes) == 1 and len(refusals) == 1
    # The loser waited on the case's row lock, then saw the case already with a reviewer.
    assert refusals[0].code in {"already_assigned", "not_assignable"}
    assert Assignment.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_a_lost_race_at_the_unique_index_is_a_clear_refusal(monkeypatch):
    """If two inserts slip past the check, the partial unique index refuses the second."""
    case = eligible_case()
    real_create = Assignment.objects.create

    def create_then_collide(**kwargs):
        real_create(**{**kwargs, "reviewer": ReviewerFactory()})  # the other clerk's row, committed first
        return real_create(**kwargs)

    monkeypatch.setattr(Assignment.objects, "create", create_then_collide)
    with pytest.raises(ServiceError) as exc:
        reviewer_assign(case=case, reviewer=ReviewerFactory())
    assert exc.value.code == "already_assigned"
    assert isinstance(exc.value.__cause__, IntegrityError)
