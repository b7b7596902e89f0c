import hashlib
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Role
from cases import services as case_services
from cases.models import Case
from cases.tests.helpers import pdf_bytes
from reviewers.models import Assignment
from tests.factories import CaseFactory, DisputedItemFactory, ReviewerFactory, UserFactory


@pytest.fixture
def intake(db):
    return UserFactory(role=Role.INTAKE)


@pytest.fixture
def admin(db):
    return UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True)


@pytest.fixture
def manager(db):
    return UserFactory(role=Role.MANAGER)


@pytest.fixture
def reviewer(db):
    return ReviewerFactory()


@pytest.fixture
def other_reviewer(db):
    return ReviewerFactory()


def eligible_case(**kwargs):
    """A case screened eligible, awaiting records (assignable)."""
    case = CaseFactory(**kwargs)
    DisputedItemFactory(case=case)
    return case_services.case_mark_eligible(case=case, assigned_on=timezone.localdate())


def assigned_case(reviewer, *, status=Assignment.Status.ACCEPTED, **kwargs):
    case = eligible_case(**kwargs)
    Assignment.objects.create(case=case, reviewer=reviewer, status=status, conflict_attested=status != "offered")
    Case.objects.filter(pk=case.pk).update(status=Case.Status.IN_REVIEW)
    case.refresh_from_db()
    return case


def ready_notice(case, kind="noarfi", pages=1):
    from correspondence.models import Notice

    data = pdf_bytes(pages)
    today = timezone.localdate()
    notice = Notice.objects.create(case=case, kind=kind, issued_on=today, send_by=today, content={})
    notice.file.save("notice.pdf", ContentFile(data), save=False)
    notice.sha256 = hashlib.sha256(data).hexdigest()
    notice.status = Notice.Status.READY
    notice.page_count = pages
    notice.save()
    return notice


@pytest.fixture
def queue_world(db, reviewer):
    """One case in each intake queue (and a few in none), with today fixed by the caller's clock."""
    from correspondence.models import Delivery
    from determinations.models import Determination, Letter

    today = timezone.localdate()
    world = {}
    world["ready_to_screen"] = CaseFactory(status=Case.Status.RECEIVED, due_on=today + timedelta(days=10))
    noarfi_case = eligible_case()
    notice = ready_notice(noarfi_case)
    Delivery.objects.create(case=noarfi_case, notice=notice, role="employee", name="Employee", address="e@example.org",
                            channel="email", send_by=today)
    world["noarfi_due"] = noarfi_case
    records = eligible_case()
    Case.objects.filter(pk=records.pk).update(records_due_on=today - timedelta(days=2), due_on=today - timedelta(days=2))
    world["records_overdue"] = records
    world["offers_unanswered"] = assigned_case(reviewer, status=Assignment.Status.OFFERED)
    soon = assigned_case(reviewer)
    Case.objects.filter(pk=soon.pk).update(
        status=Case.Status.IN_REVIEW, records_complete_on=today - timedelta(days=10), decision_due_on=today + timedelta(days=2),
        due_on=today + timedelta(days=2),
    )
    world["decisions_due"] = soon
    late = assigned_case(reviewer)
    Case.objects.filter(pk=late.pk).update(
        records_complete_on=today - timedelta(days=40), decision_due_on=today - timedelta(days=1), due_on=today - timedelta(days=1),
    )
    world["overdue"] = late
    decided = CaseFactory(status=Case.Status.DECIDED, decided_on=today)
    determination = Determination.objects.create(
        case=decided, reviewer=reviewer, status=Determination.Status.FINAL, decided_on=today,
        finalized_at=timezone.now(), records_basis=Determination.RecordsBasis.COMPLETE,
    )
    Letter.objects.create(determination=determination, variant=Letter.Variant.PARTIES, status=Letter.Status.FAILED)
    world["letters_failed"] = decided
    CaseFactory(status=Case.Status.WITHDRAWN)  # in no queue
    return world
