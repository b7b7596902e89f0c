"""Published decisions for the tests, built without rendering (a stand-in PDF as the public copy)."""

import hashlib
from datetime import date, datetime, time

from django.core.files.base import ContentFile
from django.utils import timezone

from cases.models import Case, DisputedItem
from determinations.models import Determination, ItemDecision, Letter
from publications.services import publication_sync
from reviewers.models import Assignment
from tests.factories import CaseFactory, ReviewerFactory, specialty

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def ready_letter(determination, variant=Letter.Variant.PUBLIC, content: bytes = PDF, version: int = 1) -> Letter:
    letter = Letter.objects.create(determination=determination, variant=variant, version=version)
    letter.file.save("letter.pdf", ContentFile(content), save=False)
    letter.sha256 = hashlib.sha256(content).hexdigest()
    letter.status = Letter.Status.READY
    letter.page_count = 2
    letter.rendered_at = timezone.now()
    letter.save()
    return letter


def decided_case(*, items=(("Physical Medicine", "Eight (8) physical therapy visits", "upheld"),), decided_on=date(2026, 3, 10),
                 matched="Physical Medicine & Rehabilitation", reviewer=None, status=Case.Status.DECIDED, **case_kwargs):
    """A decided case with its final determination (no letters yet)."""
    reviewer = reviewer or ReviewerFactory()
    case = CaseFactory(status=status, decided_on=decided_on, received_on=date(2026, 1, 5), **case_kwargs)
    rows = [DisputedItem.objects.create(case=case, position=p, category=c, description=d) for p, (c, d, _) in enumerate(items)]
    Assignment.objects.create(case=case, reviewer=reviewer, status=Assignment.Status.COMPLETED, conflict_attested=True,
                              matched_specialty=specialty(matched) if matched else None)
    determination = Determination.objects.create(
        records_basis=Determination.RecordsBasis.COMPLETE, case=case, reviewer=reviewer, status=Determination.Status.FINAL, decided_on=decided_on,
        finalized_at=timezone.make_aware(datetime.combine(decided_on, time(12))),
    )
    for row, (_, _, outcome) in zip(rows, items):
        ItemDecision.objects.create(determination=determination, item=row, decision=outcome)
    return case, determination


def published(**kwargs):
    """A decided case whose public copy is ready, published."""
    case, determination = decided_case(**kwargs)
    ready_letter(determination, Letter.Variant.PARTIES, content=PDF + b"parties")
    letter = ready_letter(determination)
    return publication_sync(case_id=case.pk), case, determination, letter
