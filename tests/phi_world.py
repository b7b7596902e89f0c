"""A small world with health information in it, for the access and audit tests.

Two reviewers (A and B), each with an accepted case holding a draft
determination and a stored PDF, and a decided case with a ready letter;
intake staff and an admin. Built with the services, except the letter's PDF,
which is written directly (rendering is the letter tests' business).
"""

import hashlib
from dataclasses import dataclass

from django.core.files.base import ContentFile

from accounts.models import Role
from cases.models import Case, CaseDocument
from determinations import services as determination_services
from determinations.models import Determination, Letter
from imrsite.tests.admin_objects import draft_determination
from tests.factories import DocumentFactory, ReviewerFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def stored_document(case: Case, *, name: str = 'PT "note" 2026.pdf', content: bytes = PDF) -> CaseDocument:
    document = DocumentFactory(case=case, title="PT progress note", kind=CaseDocument.Kind.MEDICAL_RECORD)
    document.file.save("record.pdf", ContentFile(content), save=False)
    document.sha256 = hashlib.sha256(content).hexdigest()
    document.original_filename = name
    document.size = len(content)
    document.save()
    return document


def ready_letter(determination: Determination) -> Letter:
    letter = Letter.objects.create(determination=determination)  # its file name needs its id
    letter.file.save("letter.pdf", ContentFile(PDF), save=False)
    letter.sha256 = hashlib.sha256(PDF).hexdigest()
    letter.status = Letter.Status.READY
    letter.page_count = 1
    letter.save()
    return letter


@dataclass
class Side:
    """One reviewer's objects."""

    reviewer: object
    case: Case  # accepted, draft determination
    document: CaseDocument
    determination: Determination
    decided: Case  # final determination, letter ready
    letter: Letter

    @property
    def user(self):
        return self.reviewer.user


@dataclass
class World:
    intake: object
    admin: object
    a: Side
    b: Side


def _side(username: str) -> Side:
    reviewer = ReviewerFactory(user__username=username)
    draft = draft_determination(reviewer=reviewer)
    document = stored_document(draft.case)
    decided_draft = draft_determination(reviewer=reviewer)
    final = determination_services.determination_finalize(
        determination=decided_draft, user=reviewer.user, request_letters=False
    )
    return Side(
        reviewer=reviewer,
        case=Case.objects.get(pk=draft.case_id),
        document=document,
        determination=draft,
        decided=Case.objects.get(pk=final.case_id),
        letter=ready_letter(final),
    )


def build_world() -> World:
    return World(
        intake=UserFactory(username="intake-w", role=Role.INTAKE),
        admin=UserFactory(username="admin-w", role=Role.ADMIN, is_superuser=True, is_staff=True),
        a=_side("reviewer-a"),
        b=_side("reviewer-b"),
    )


def correspondence_objects(world) -> dict:
    """A ready notice on reviewer A's case, its e-mail delivery, and a ready mail batch (made once per world)."""
    cached = getattr(world, "_correspondence", None)
    if cached:
        return cached
    from django.utils import timezone

    from correspondence.models import Delivery, MailBatch, Notice

    today = timezone.localdate()
    notice = Notice.objects.create(case=world.a.case, kind="noarfi", issued_on=today, send_by=today, content={})
    batch = MailBatch.objects.create(batch_date=today, number=1)
    for row in (notice, batch):
        row.file.save("doc.pdf", ContentFile(PDF), save=False)
        row.sha256 = hashlib.sha256(PDF).hexdigest()
        row.status = row.Status.READY
        row.page_count = 1
        row.save()
    delivery = Delivery.objects.create(
        case=world.a.case, notice=notice, role="employee", name="Employee", address="employee@example.org", channel="email",
        send_by=today,
    )
    world._correspondence = {"notice": notice, "batch": batch, "delivery": delivery}
    return world._correspondence
