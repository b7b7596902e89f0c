"""Writes on cases: registration, numbering, status transitions, deadlines.

Every caller (intake views, admin, import, generators, other apps' services)
goes through these functions; none of them changes `Case.status` itself.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit
from imrsite.errors import ServiceError

from . import deadlines
from .models import Case, CaseNumberCounter, DisputedItem, Party, ReviewType
from .text import normalize_name

S = Case.Status

# Legal moves of the case state machine (domain.md §2.13).
TRANSITIONS: dict[str, set[str]] = {
    S.RECEIVED: {S.INELIGIBLE, S.DEFERRED, S.AWAITING_RECORDS, S.WITHDRAWN, S.TERMINATED},
    S.DEFERRED: {S.RECEIVED, S.INELIGIBLE, S.AWAITING_RECORDS, S.WITHDRAWN},
    S.AWAITING_RECORDS: {S.RECORDS_COMPLETE, S.IN_REVIEW, S.TERMINATED, S.WITHDRAWN},
    S.RECORDS_COMPLETE: {S.IN_REVIEW, S.TERMINATED, S.WITHDRAWN},
    S.IN_REVIEW: {S.AWAITING_RECORDS, S.RECORDS_COMPLETE, S.DECIDED, S.TERMINATED, S.WITHDRAWN},
    S.INELIGIBLE: set(),
    S.DECIDED: set(),
    S.TERMINATED: set(),
    S.WITHDRAWN: set(),
}


# --- numbering -------------------------------------------------------------

def format_case_number(year: int, sequence: int) -> str:
    return f"{settings.IMR_CASE_NUMBER_PREFIX}{year % 100:02d}-{sequence:07d}"


def parse_case_number(number: str) -> tuple[int, int] | None:
    prefix = settings.IMR_CASE_NUMBER_PREFIX
    if not number.startswith(prefix):
        return None
    rest = number[len(prefix):]
    if len(rest) != 10 or rest[2] != "-" or not rest[:2].isdigit() or not rest[3:].isdigit():
        return None
    return int(rest[:2]), int(rest[3:])


def _locked_counter(year: int) -> CaseNumberCounter:
    """The year's counter row, locked until the transaction ends.

    The row lock serializes concurrent registrations on PostgreSQL, so no two
    cases get the same number; a number is never handed out twice because the
    counter only grows (gaps from rolled-back registrations are allowed).
    """
    try:
        with transaction.atomic():
            CaseNumberCounter.objects.get_or_create(year=year)
    except IntegrityError:
        pass  # another transaction created it first
    return CaseNumberCounter.objects.select_for_update().get(year=year)


def case_number_issue(*, year: int) -> str:
    yy = year % 100
    with transaction.atomic():
        counter = _locked_counter(yy)
        while True:
            counter.last += 1
            number = format_case_number(yy, counter.last)
            if not Case.objects.filter(number=number).exists():  # an imported number may sit ahead
                break
        counter.save(update_fields=["last"])
    return number


def case_numbers_issue_block(*, year: int, count: int) -> list[str]:
    """`count` new numbers for the year at once (bulk generators): the
    counter is locked once and advanced past the block, skipping any number
    an import already took."""
    yy = year % 100
    numbers: list[str] = []
    with transaction.atomic():
        counter = _locked_counter(yy)
        while len(numbers) < count:
            wanted = count - len(numbers)
            candidates = [format_case_number(yy, counter.last + i) for i in range(1, wanted + 1)]
            counter.last += wanted
            taken = set(Case.objects.filter(number__in=candidates).values_list("number", flat=True))
            numbers += [number for number in candidates if number not in taken]
        counter.save(update_fields=["last"])
    return numbers


def case_number_reserve(*, number: str) -> str:
    """Accept an externally assigned number (import) and keep the counter past it."""
    parsed = parse_case_number(number)
    if parsed is None:
        raise ServiceError(
            f'must look like "{format_case_number(13, 1234)}"', field="case_number", code="case_number_format"
        )
    yy, sequence = parsed
    with transaction.atomic():
        counter = _locked_counter(yy)
        if Case.objects.filter(number=number).exists():
            raise ServiceError(f"{number} already exists", field="case_number", code="case_number_taken")
        if sequence > counter.last:
            CaseNumberCounter.objects.filter(pk=counter.pk).update(last=sequence)
    return number


# --- parties ---------------------------------------------------------------

def party_get_or_create(*, kind: str, name: str, **details) -> Party:
    """Find a party by kind and normalized name (and birth date for people), or create it."""
    name = (name or "").strip()
    if not name and kind == Party.Kind.PERSON:
        name = f"{details.get('first_name', '')} {details.get('last_name', '')}".strip()
    if not name:
        raise ServiceError("a name is required", field="name")
    lookup = {"kind": kind, "normalized_name": normalize_name(name)}
    if details.get("date_of_birth"):
        lookup["date_of_birth"] = details["date_of_birth"]
    party = Party.objects.filter(**lookup).order_by("id").first()
    if party is None:
        party = Party(kind=kind, name=name, **details)
        party.save()
    return party


# --- registration ----------------------------------------------------------

@dataclass
class ItemData:
    description: str
    category: str
    claims_administrator_guideline: str = ""
    ur_decision: str = DisputedItem.URDecision.DENIED


@dataclass
class CaseData:
    review_type: str
    received_on: date
    ur_decision_date: date
    date_of_injury: date
    claim_number: str
    employee: Party
    employer: Party
    claims_administrator: Party
    requesting_provider: Party
    attorney: Party | None = None
    diagnosis: str = ""
    extra: dict = field(default_factory=dict)  # any other Case field by name


def case_date_problems(
    *, received_on: date, ur_decision_date: date, date_of_injury: date, today: date | None = None
) -> list[ServiceError]:
    """Every date rule the application breaks, so a form can mark all fields at once."""
    today = today or timezone.localdate()
    problems = []
    for name, value in (("received_on", received_on), ("ur_decision_date", ur_decision_date), ("date_of_injury", date_of_injury)):
        if value > today:
            problems.append(ServiceError("cannot be in the future", field=name, code="future_date"))
    if date_of_injury > ur_decision_date:
        problems.append(
            ServiceError("the injury cannot be after the UR decision", field="date_of_injury", code="injury_after_ur")
        )
    if ur_decision_date > received_on:
        problems.append(
            ServiceError(
                "the application cannot be received before the UR decision", field="received_on", code="received_before_ur"
            )
        )
    return problems


def validate_case_dates(*, received_on: date, ur_decision_date: date, date_of_injury: date, today: date | None = None):
    """Date rules every caller shares; raises the first broken one as a ServiceError naming the field."""
    problems = case_date_problems(
        received_on=received_on, ur_decision_date=ur_decision_date, date_of_injury=date_of_injury, today=today
    )
    if problems:
        raise problems[0]


def find_duplicates(*, employee: Party, claim_number: str, ur_decision_date: date, descriptions: list[str], exclude_pk=None):
    """Cases with the same employee, claim, UR decision date and a same treatment (req. 5)."""
    wanted = {normalize_name(d) for d in descriptions}
    qs = (
        Case.objects.filter(
            employee__normalized_name=employee.normalized_name,
            claim_number__iexact=claim_number.strip(),
            ur_decision_date=ur_decision_date,
        )
        .exclude(pk=exclude_pk)
        .prefetch_related("items")
    )
    if employee.date_of_birth:
        qs = qs.filter(employee__date_of_birth=employee.date_of_birth)
    return [c for c in qs if wanted & {normalize_name(i.description) for i in c.items.all()}]


@transaction.atomic
def case_register(
    *,
    data: CaseData,
    items: list[ItemData],
    created_by=None,
    number: str | None = None,
    untimely_override_reason: str = "",
    allow_duplicate: bool = False,
    today: date | None = None,
) -> Case:
    """Register an IMR application with its disputed items."""
    if not items:
        raise ServiceError("at least one disputed item is required", field="disputed_items", code="no_items")
    if data.review_type not in ReviewType.values:
        raise ServiceError('must be "standard" or "expedited"', field="review_type")
    validate_case_dates(
        received_on=data.received_on, ur_decision_date=data.ur_decision_date, date_of_injury=data.date_of_injury, today=today
    )
    late = (data.received_on - data.ur_decision_date).days > settings.IMR_APPLICATION_WINDOW_DAYS
    if late and not untimely_override_reason.strip():
        raise ServiceError(
            f"received {(data.received_on - data.ur_decision_date).days} days after the UR decision "
            f"(more than {settings.IMR_APPLICATION_WINDOW_DAYS}): give an override reason to register it",
            field="untimely_override_reason",
            code="untimely",
        )
    duplicates = find_duplicates(
        employee=data.employee,
        claim_number=data.claim_number,
        ur_decision_date=data.ur_decision_date,
        descriptions=[i.description for i in items],
    )
    if duplicates and not allow_duplicate:
        raise ServiceError(
            f"likely duplicate of {duplicates[0].number} (same employee, claim, UR decision date and treatment)",
            field="claim_number",
            code="duplicate",
        )
    number = case_number_reserve(number=number) if number else case_number_issue(year=data.received_on.year)
    case = Case(
        number=number,
        review_type=data.review_type,
        received_on=data.received_on,
        ur_decision_date=data.ur_decision_date,
        date_of_injury=data.date_of_injury,
        claim_number=data.claim_number.strip(),
        employee=data.employee,
        employer=data.employer,
        claims_administrator=data.claims_administrator,
        requesting_provider=data.requesting_provider,
        attorney=data.attorney,
        diagnosis=data.diagnosis,
        untimely_override_reason=untimely_override_reason.strip(),
        duplicate_of=duplicates[0] if duplicates else None,
        created_by=created_by,
        **data.extra,
    )
    if data.review_type == ReviewType.EXPEDITED:
        case.expedited_since = data.received_on
    _apply_deadlines(case)
    case.save()
    DisputedItem.objects.bulk_create(
        [
            DisputedItem(
                case=case,
                position=position,
                description=item.description.strip(),
                category=item.category,
                claims_administrator_guideline=(item.claims_administrator_guideline or "").strip(),
                ur_decision=item.ur_decision,
            )
            for position, item in enumerate(items)
        ]
    )
    audit.record(
        audit.Action.CASE_CREATE, actor=created_by, case=case, obj=case,
        detail={"status": case.status, "review_type": case.review_type, "items": len(items)},
    )
    return case


# --- status and deadlines ----------------------------------------------------

def _apply_deadlines(case: Case) -> None:
    """Recompute the stored due dates from the case's dates (one rule, one place)."""
    expedited = case.review_type == ReviewType.EXPEDITED
    case.records_due_on = deadlines.records_due(
        assigned_on=case.assigned_on, expedited=expedited, electronic_notice=case.notice_method == Case.NoticeMethod.ELECTRONIC,
        expedited_since=case.expedited_since,
    )
    case.decision_due_on = deadlines.decision_due(
        records_complete_on=case.records_complete_on, expedited=expedited, formulary=case.is_formulary_dispute,
        expedited_since=case.expedited_since,
    )
    if case.status in (S.AWAITING_RECORDS,):
        case.due_on = case.records_due_on
    elif case.status in (S.RECORDS_COMPLETE, S.IN_REVIEW):
        case.due_on = case.decision_due_on or case.records_due_on
    else:
        case.due_on = None


def case_compute_deadlines(*, case: Case) -> Case:
    """Set the due dates on an unsaved case (bulk generators save them themselves)."""
    _apply_deadlines(case)
    return case


def case_transition(*, case: Case, to: str, save: bool = True, actor=None) -> Case:
    """Move the case to status `to`; audited (`actor` defaults to the request's user)."""
    if to not in TRANSITIONS.get(case.status, set()):
        raise ServiceError(
            f"a case that is {case.get_status_display().lower()} cannot become {S(to).label.lower()}",
            field="status",
            code="illegal_transition",
        )
    previous = case.status
    case.status = to
    _apply_deadlines(case)
    if save:
        case.save()
    if case.pk:  # bulk generators move unsaved cases; they are not yet on record
        audit.record(audit.Action.CASE_STATUS, actor=actor, case=case, obj=case, detail={"from": previous, "to": to})
    return case


def case_lock(case_or_pk) -> Case:
    """Re-read a case with a row lock (inside a transaction)."""
    pk = getattr(case_or_pk, "pk", case_or_pk)
    return Case.objects.select_for_update().get(pk=pk)


@transaction.atomic
def case_mark_eligible(*, case: Case, assigned_on: date, notice_method: str = Case.NoticeMethod.ELECTRONIC) -> Case:
    """Eligible: the notice of assignment goes out and records become due."""
    case = case_lock(case)
    case.assigned_on = assigned_on
    case.notice_method = notice_method
    case.ineligible_reason = ""
    case.eligibility_decided_at = timezone.now()
    return case_transition(case=case, to=S.AWAITING_RECORDS)


@transaction.atomic
def case_mark_ineligible(*, case: Case, reason: str, note: str = "") -> Case:
    if reason not in Case.IneligibleReason.values:
        raise ServiceError("choose a reason", field="ineligible_reason")
    case = case_lock(case)
    case.ineligible_reason = reason
    case.eligibility_note = note
    case.eligibility_decided_at = timezone.now()
    to = S.DEFERRED if reason == Case.IneligibleReason.LIABILITY else S.INELIGIBLE
    if to == S.DEFERRED:
        case.ineligible_reason = ""
    return case_transition(case=case, to=to)


@transaction.atomic
def case_mark_records_complete(*, case: Case, on: date) -> Case:
    case = case_lock(case)
    if case.assigned_on and on < case.assigned_on:
        raise ServiceError("cannot be before the notice of assignment", field="records_complete_on")
    case.records_complete_on = on
    if case.status == S.AWAITING_RECORDS:
        return case_transition(case=case, to=S.RECORDS_COMPLETE)
    _apply_deadlines(case)
    case.save()
    audit.record(audit.Action.CASE_UPDATE, case=case, obj=case, detail={"fields": ["records_complete_on"]})
    return case


@transaction.atomic
def case_convert_to_expedited(*, case: Case, on: date) -> Case:
    """A treating physician certified an imminent and serious threat (9792.10.4(c))."""
    case = case_lock(case)
    if case.review_type == ReviewType.EXPEDITED:
        raise ServiceError("the case is already expedited", field="review_type")
    if not case.is_open:
        raise ServiceError("only an open case can be expedited", field="review_type")
    case.review_type = ReviewType.EXPEDITED
    case.expedited_since = on
    _apply_deadlines(case)
    case.save()
    audit.record(
        audit.Action.CASE_UPDATE, case=case, obj=case, detail={"fields": ["review_type", "expedited_since"], "review_type": case.review_type}
    )
    return case


def case_mark_decided(*, case: Case, on: date, actor=None) -> Case:
    """Called by the determination service inside its transaction."""
    case.decided_on = on
    return case_transition(case=case, to=S.DECIDED, actor=actor)


def case_refresh_deadlines(*, case: Case) -> Case:
    _apply_deadlines(case)
    Case.objects.filter(pk=case.pk).update(
        records_due_on=case.records_due_on, decision_due_on=case.decision_due_on, due_on=case.due_on
    )
    return case


# --- eligibility screening (domain.md §2.3; requirement 4) -------------------

# Duplicates count against applications still pending or already decided; an
# earlier filing found ineligible or withdrawn does not block a new one.
_DUPLICATE_BLOCKING = (S.RECEIVED, S.DEFERRED, S.AWAITING_RECORDS, S.RECORDS_COMPLETE, S.IN_REVIEW, S.DECIDED)


def screening_duplicates(*, case: Case) -> list[Case]:
    """Earlier applications this case duplicates (same employee, claim, UR date, treatment)."""
    found = find_duplicates(
        employee=case.employee,
        claim_number=case.claim_number,
        ur_decision_date=case.ur_decision_date,
        descriptions=[item.description for item in case.items.all()],
        exclude_pk=case.pk,
    )
    return [c for c in found if c.status in _DUPLICATE_BLOCKING and c.pk < case.pk]


@dataclass
class ScreeningOutcome:
    case: Case
    reason: str  # an IneligibleReason value, "liability" for a deferral, "" when eligible

    @property
    def eligible(self) -> bool:
        return not self.reason


@transaction.atomic
def case_screen(
    *,
    case: Case,
    signature_present: bool,
    ur_decision_attached: bool,
    conditional_non_certification: bool,
    liability_disputed: bool,
    untimely_override_reason: str = "",
    note: str = "",
    notice_on: date | None = None,
    notice_method: str = Case.NoticeMethod.ELECTRONIC,
    today: date | None = None,
) -> ScreeningOutcome:
    """Apply the eligibility checklist, in the order DWC reports reasons.

    Hard defects (signature, UR decision, timeliness, CNC, duplicate) make the
    application ineligible with that coded reason; a liability dispute defers
    it; otherwise it is eligible and the notice of assignment starts the
    records clock.
    """
    today = today or timezone.localdate()
    case = case_lock(case)
    if case.status not in (S.RECEIVED, S.DEFERRED):
        raise ServiceError(
            f"a case that is {case.get_status_display().lower()} has already been screened",
            field="status",
            code="already_screened",
        )
    if notice_method not in Case.NoticeMethod.values:
        raise ServiceError("choose mail or electronic", field="notice_method")
    notice_on = notice_on or today
    if notice_on > today:
        raise ServiceError("cannot be in the future", field="notice_on", code="future_date")
    if notice_on < case.received_on:
        raise ServiceError("cannot be before the application was received", field="notice_on")
    override = (untimely_override_reason or "").strip() or case.untimely_override_reason
    duplicates = screening_duplicates(case=case)

    checks = [
        (not signature_present, Case.IneligibleReason.NO_SIGNATURE),
        (not ur_decision_attached, Case.IneligibleReason.NO_UR_DECISION),
        (case.is_untimely and not override, Case.IneligibleReason.UNTIMELY),
        (conditional_non_certification, Case.IneligibleReason.CNC),
        (bool(duplicates), Case.IneligibleReason.DUPLICATE),
        (liability_disputed, Case.IneligibleReason.LIABILITY),
    ]
    reason = next((code for failed, code in checks if failed), "")

    # The checklist answers are kept whatever the outcome, so the page shows
    # what was decided and why.
    Case.objects.filter(pk=case.pk).update(
        signature_present=signature_present,
        ur_decision_attached=ur_decision_attached,
        information_not_received=conditional_non_certification,
        liability_disputed=liability_disputed,
        untimely_override_reason=override,
        duplicate_of=duplicates[0] if duplicates else None,
    )
    note = (note or "").strip()
    if reason == Case.IneligibleReason.LIABILITY and case.status == S.DEFERRED:
        # Still disputed: the case stays deferred; only the note changes.
        Case.objects.filter(pk=case.pk).update(eligibility_note=note, eligibility_decided_at=timezone.now())
    elif not reason:
        case = case_mark_eligible(case=case, assigned_on=notice_on, notice_method=notice_method)
        if note:
            Case.objects.filter(pk=case.pk).update(eligibility_note=note)
            case.eligibility_note = note
    else:
        if reason == Case.IneligibleReason.DUPLICATE and not note:
            note = f"Duplicate of {duplicates[0].number}."
        case = case_mark_ineligible(case=case, reason=reason, note=note)
    case.refresh_from_db()
    audit.record(audit.Action.CASE_SCREEN, case=case, obj=case, detail={"outcome": reason or "eligible", "status": case.status})
    return ScreeningOutcome(case=case, reason=reason)


# --- documents (requirement 12; security.md 21–23, 26) -------------------------

@dataclass
class DocumentUpload:
    uploaded_file: object  # a Django UploadedFile
    kind: str
    author: str = ""
    dated: date | None = None
    title: str = ""


def _pdf_page_count(uploaded_file, *, field_name: str) -> int:
    """Refuse anything that is not a readable, unencrypted PDF; return its page count.

    The name and the browser's content type prove nothing: the bytes must
    start with the PDF magic, end with an end-of-file marker (a truncated
    upload does not) and parse.
    """
    from pypdf import PdfReader

    name = getattr(uploaded_file, "name", "") or "file"
    uploaded_file.seek(0)
    head = uploaded_file.read(1024)
    if not head.startswith(b"%PDF-"):
        raise ServiceError(f"{name} is not a PDF (its content is not a PDF file)", field=field_name, code="not_pdf")
    size = uploaded_file.size
    uploaded_file.seek(max(0, size - 2048))
    if b"%%EOF" not in uploaded_file.read():
        raise ServiceError(f"{name} is incomplete or damaged (no end-of-file marker)", field=field_name, code="pdf_truncated")
    uploaded_file.seek(0)
    try:
        reader = PdfReader(uploaded_file, strict=False)
        if reader.is_encrypted:
            raise ServiceError(f"{name} is encrypted or password-protected", field=field_name, code="pdf_encrypted")
        pages = len(reader.pages)
        root = reader.trailer["/Root"]
        names = root.get("/Names")
        names = names.get_object() if names is not None else {}
        active = "/OpenAction" in root and "/JS" in str(root["/OpenAction"].get_object())
        if "/JavaScript" in names or "/EmbeddedFiles" in names or active:
            raise ServiceError(
                f"{name} contains scripts or embedded files, which are not accepted", field=field_name, code="pdf_active"
            )
    except ServiceError:
        raise
    except Exception as exc:  # a hostile file can make the parser fail in any way; all mean "not a PDF we accept"
        raise ServiceError(f"{name} could not be read as a PDF ({exc.__class__.__name__})", field=field_name, code="pdf_malformed") from exc
    if pages < 1:
        raise ServiceError(f"{name} has no pages", field=field_name, code="pdf_empty")
    uploaded_file.seek(0)
    return pages


def documents_add(*, case: Case, uploads: list[DocumentUpload], user=None, today: date | None = None):
    """Store several PDFs for a case, all or none.

    Every file is checked before anything is written; stored files are
    removed again if the transaction fails, so nothing is left half-written.
    """
    import hashlib
    from pathlib import PurePath

    from .models import CaseDocument

    if not uploads:
        raise ServiceError("choose at least one PDF", field="file", code="no_files")
    today = today or timezone.localdate()
    prepared = []
    for upload in uploads:
        f = upload.uploaded_file
        field_name = "file"
        if f.size > settings.DOCUMENT_MAX_UPLOAD_BYTES:
            raise ServiceError(
                f"{f.name} is {f.size / 1_048_576:.1f} MB; the limit is {settings.DOCUMENT_MAX_UPLOAD_BYTES / 1_048_576:.0f} MB",
                field=field_name,
                code="too_large",
            )
        if upload.kind not in CaseDocument.Kind.values:
            raise ServiceError("choose a document kind", field="kind")
        if upload.dated and upload.dated > today:
            raise ServiceError("cannot be in the future", field="dated", code="future_date")
        pages = _pdf_page_count(f, field_name=field_name)
        digest = hashlib.sha256()
        f.seek(0)
        for chunk in f.chunks():
            digest.update(chunk)
        f.seek(0)
        original = PurePath((f.name or "").replace("\\", "/")).name[:255]
        title = (upload.title or "").strip() or PurePath(original).stem or "Document"
        prepared.append((upload, f, pages, digest.hexdigest(), original, title[:255]))

    written = []
    try:
        with transaction.atomic():
            case = case_lock(case)
            documents = []
            for upload, f, pages, sha, original, title in prepared:
                doc = CaseDocument(
                    case=case,
                    title=title,
                    kind=upload.kind,
                    author=(upload.author or "").strip(),
                    dated=upload.dated,
                    received_on=today,
                    original_filename=original,
                    size=f.size,
                    sha256=sha,
                    page_count=pages,
                    uploaded_by=user,
                )
                # upload_to names the stored file by a UUID, never the user's name.
                doc.file.save(original or "document.pdf", f, save=False)
                written.append(doc.file.name)
                doc.save()
                audit.record(
                    audit.Action.DOCUMENT_UPLOAD, actor=user, case=case, obj=doc,
                    detail={"kind": doc.kind, "pages": pages, "size": doc.size},
                )
                documents.append(doc)
    except Exception:
        for name in written:
            CaseDocument._meta.get_field("file").storage.delete(name)
        raise
    return documents


def document_add(*, case: Case, uploaded_file, kind: str, author: str = "", dated: date | None = None, title: str = "", user=None):
    """One PDF; see `documents_add`."""
    return documents_add(
        case=case, uploads=[DocumentUpload(uploaded_file=uploaded_file, kind=kind, author=author, dated=dated, title=title)], user=user
    )[0]


# --- intake registration from the browser ------------------------------------

@dataclass
class PartyInput:
    kind: str
    name: str
    details: dict = field(default_factory=dict)


@transaction.atomic
def case_intake(
    *,
    parties: dict[str, PartyInput | None],
    data: dict,
    items: list[ItemData],
    created_by=None,
    untimely_override_reason: str = "",
    allow_duplicate: bool = False,
    today: date | None = None,
) -> Case:
    """Register an application typed in by intake staff.

    Parties are matched by name (and birth date for people) or created, in
    the same transaction as the case, so a refused registration leaves no
    stray parties behind. `parties` keys are the Case fields (employee,
    employer, claims_administrator, requesting_provider, attorney).
    """
    resolved = {}
    for role, party in parties.items():
        if party is None:
            resolved[role] = None
            continue
        try:
            resolved[role] = party_get_or_create(kind=party.kind, name=party.name, **party.details)
        except ServiceError as exc:
            raise ServiceError(exc.message, field=f"{role}_name", code=exc.code) from exc
    extra = dict(data)
    case_data = CaseData(
        review_type=extra.pop("review_type"),
        received_on=extra.pop("received_on"),
        ur_decision_date=extra.pop("ur_decision_date"),
        date_of_injury=extra.pop("date_of_injury"),
        claim_number=extra.pop("claim_number"),
        diagnosis=extra.pop("diagnosis", ""),
        extra=extra,
        **resolved,
    )
    return case_register(
        data=case_data,
        items=items,
        created_by=created_by,
        untimely_override_reason=untimely_override_reason,
        allow_duplicate=allow_duplicate,
        today=today,
    )


# --- break-glass access (security.md §1.4 control 15) ------------------------------

def emergency_access_check(*, case: Case, user, granted_by, reason: str) -> str:
    """Refuse a grant that may not be made; returns the reason as it will be stored.

    The admin form calls this to show the refusal beside its field before
    anything is written; `emergency_access_grant` calls it again.
    """
    from accounts.roles import user_roles

    if not user_roles(granted_by).admin:
        raise ServiceError("Only an administrator may grant emergency access.", code="not_admin")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Say why this user needs emergency access to the case.", field="reason", code="no_reason")
    if user is None or not user.is_active:
        raise ServiceError("Choose an active user account.", field="user", code="inactive_user")
    if case is None:
        raise ServiceError("Choose a case.", field="case", code="no_case")
    return reason


@transaction.atomic
def emergency_access_grant(*, case: Case, user, granted_by, reason: str, hours: int | None = None):
    """Let `user` see `case` for `hours` (default IMR_EMERGENCY_ACCESS_HOURS):
    audited (`emergency.grant`), announced to every admin and to the log."""
    import logging
    from datetime import timedelta

    from django.urls import reverse

    from accounts.models import Notification, Role

    from .models import EmergencyAccess

    reason = emergency_access_check(case=case, user=user, granted_by=granted_by, reason=reason)
    hours = settings.IMR_EMERGENCY_ACCESS_HOURS if hours is None else hours
    if not 1 <= hours <= 72:
        raise ServiceError("Emergency access lasts from 1 to 72 hours.", field="hours", code="bad_hours")
    now = timezone.now()
    grant = EmergencyAccess.objects.create(
        case=case, user=user, granted_by=granted_by, reason=reason,
        granted_at=now, expires_at=now + timedelta(hours=hours),
    )
    audit.record(
        audit.Action.EMERGENCY_GRANT, actor=granted_by, case=case, obj=grant,
        detail={"grantee": user.pk, "hours": hours},
    )
    # Ids only: the case number is not health information, the reason may be.
    Notification.objects.create(
        role=Role.ADMIN,
        message=f"Emergency access to case {case.number} granted to user {user.pk} by user {granted_by.pk} for {hours} h.",
        link=reverse("admin:cases_emergencyaccess_change", args=[grant.pk]),
    )
    logging.getLogger(__name__).warning(
        "emergency access granted: grant=%s case=%s user=%s by=%s hours=%s",
        grant.pk, case.pk, user.pk, granted_by.pk, hours,
    )
    return grant


@transaction.atomic
def emergency_access_revoke(*, grant, revoked_by):
    """End a grant now (a no-op on one already revoked or expired)."""
    from accounts.roles import user_roles

    from .models import EmergencyAccess

    if not user_roles(revoked_by).admin:
        raise ServiceError("Only an administrator may revoke emergency access.", code="not_admin")
    grant = EmergencyAccess.objects.select_for_update().get(pk=grant.pk)
    if not grant.is_active():
        return grant
    grant.revoked_at = timezone.now()
    grant.revoked_by = revoked_by
    grant.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        audit.Action.ADMIN_CHANGE, actor=revoked_by, case=grant.case_id, obj=grant, detail={"flag": "emergency_revoke"}
    )
    return grant
