"""Records received, per party and per required category, and "records complete".

`records_receive` is the one way a record enters a case with its source,
category and receipt time: the intake upload form, the claims
administrators' API and imports call it. "Records complete" is a decision:
staff make it with the checklist in front of them (`records_mark_complete`),
or the time for records runs out (`records_time_out`, 9792.10.5); either
starts the decision clock and is kept with what was missing then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from accounts import audit
from cases import services as case_services
from cases.permissions import RECORDS_COMPLETABLE, records_complete_refusal, require
from cases.models import Case, CaseDocument, PartyRole, RecordsCategory
from imrsite.errors import ServiceError

from ..models import RecordsCompletion

# The document kind a record of each category is filed as, unless given.
CATEGORY_KIND = {
    RecordsCategory.REPORTS: CaseDocument.Kind.MEDICAL_RECORD,
    RecordsCategory.APPLICATION: CaseDocument.Kind.APPLICATION,
    RecordsCategory.UR_CORRESPONDENCE: CaseDocument.Kind.UR_CORRESPONDENCE,
    RecordsCategory.SUPPORTING: CaseDocument.Kind.PROVIDER_SUBMISSION,
}


@dataclass
class RecordUpload:
    uploaded_file: object  # a Django UploadedFile
    title: str = ""
    kind: str = ""  # default: by category
    author: str = ""
    dated: date | None = None


def validate_source(*, received_from: str, category: str) -> None:
    # One rule, kept beside the fields it checks (cases.services.documents).
    from cases.services.documents import validate_record_source

    validate_record_source(received_from=received_from, records_category=category)


def records_receive(
    *, case: Case, uploads: list[RecordUpload], received_from: str, category: str = "", received_at: datetime | None = None, user=None,
) -> list[CaseDocument]:
    """Store documents received from a party, classified into a records category, at a time.

    The API and the intake form call this; `received_at` defaults to now
    and may not be in the future (the records clock compares it with the due date).
    """
    validate_source(received_from=received_from, category=category)
    now = timezone.now()
    received_at = received_at or now
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    if received_at > now:
        raise ServiceError("cannot be in the future", field="received_at", code="future_date")
    if timezone.localdate(received_at) < case.received_on:
        raise ServiceError("cannot be before the application was received", field="received_at")
    documents = case_services.documents_add(
        case=case,
        uploads=[
            case_services.DocumentUpload(
                uploaded_file=u.uploaded_file, kind=u.kind or CATEGORY_KIND.get(category, CaseDocument.Kind.MEDICAL_RECORD),
                author=u.author, dated=u.dated, title=u.title, received_from=received_from, records_category=category,
                received_at=received_at,
            )
            for u in uploads
        ],
        user=user,
        today=timezone.localdate(received_at),
    )
    return documents


def missing_categories(case: Case) -> list[str]:
    """The required categories (A-D) nothing was received in from the claims administrator."""
    received = set(
        case.documents.filter(received_from=PartyRole.CLAIMS_ADMINISTRATOR).exclude(records_category="")
        .values_list("records_category", flat=True)
    )
    return [c for c in RecordsCategory.values if c not in received]


@transaction.atomic
def records_mark_complete(*, case: Case, on: date, user, note: str = "") -> Case:
    """Staff declare the records complete, with the checklist in front of them; the decision clock starts."""
    case = case_services.case_lock(case)
    # The one rule (cases.permissions), checked before the checklist is read; the service checks it again.
    require(records_complete_refusal(case, on=on))
    missing = missing_categories(case)
    case = case_services.case_mark_records_complete(case=case, on=on)
    completion = RecordsCompletion.objects.create(case=case, on=on, basis=RecordsCompletion.Basis.CHECKLIST, missing=missing,
                                                  decided_by=user, note=(note or "").strip())
    audit.record(audit.Action.RECORDS_COMPLETE, actor=user, case=case, obj=completion,
                 detail={"basis": completion.basis, "missing": missing, "on": on.isoformat()})
    return case


def records_time_out(*, today: date | None = None, limit: int = 500) -> list[int]:
    """Cases whose records are past due and not complete: complete as of the due date
    (the review goes on with what was received, 9792.10.5 / 9792.10.6(b)(2))."""
    today = today or timezone.localdate()
    overdue = (
        Case.objects.filter(status__in=RECORDS_COMPLETABLE, records_complete_on__isnull=True,
                            records_due_on__lt=today)
        .exclude(records_completion__isnull=False)
        .order_by("records_due_on")[:limit]
    )
    done = []
    for case in overdue:
        with transaction.atomic():
            locked = case_services.case_lock(case)
            if locked.records_complete_on or RecordsCompletion.objects.filter(case=locked).exists():
                continue
            on = locked.records_due_on
            missing = missing_categories(locked)
            locked = case_services.case_mark_records_complete(case=locked, on=on)
            completion = RecordsCompletion.objects.create(case=locked, on=on, basis=RecordsCompletion.Basis.TIME_OUT, missing=missing)
            audit.record(audit.Action.RECORDS_COMPLETE, case=locked, obj=completion,
                         detail={"basis": completion.basis, "missing": missing, "on": on.isoformat()}, system=True)
            done.append(locked.pk)
    return done
