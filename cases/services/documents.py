"""Case documents: checked, hashed, stored privately (requirement 12; security.md 21–23, 26)."""

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import audit
from imrsite.errors import ServiceError
from imrsite.limits import check_text
from imrsite.scanning import scan_upload

from ..models import Case
from ..permissions import require, upload_refusal
from .status import case_lock

logger = logging.getLogger(__name__)

@dataclass
class DocumentUpload:
    uploaded_file: object  # a Django UploadedFile
    kind: str
    author: str = ""
    dated: date | None = None
    title: str = ""
    # Who sent it, which required record it is, when it arrived (the records
    # checklist; correspondence.services.records_receive validates them).
    received_from: str = ""
    records_category: str = ""
    received_at: datetime | None = None


SENDER_ROLES = ("claims_administrator", "employee", "attorney", "requesting_provider", "employer")


def validate_record_source(*, received_from: str, records_category: str) -> None:
    """Who may send which required record (the records checklist, 9792.10.5):
    (A)-(C) come from the claims administrator; anyone may send (D) material."""
    from ..models import RecordsCategory

    if received_from and received_from not in SENDER_ROLES:
        raise ServiceError("choose who sent it", field="received_from")
    if records_category and records_category not in RecordsCategory.values:
        raise ServiceError("choose a records category (A-D) or none", field="records_category")
    if records_category and not received_from:
        raise ServiceError("say who sent this record", field="received_from")
    if records_category and received_from != "claims_administrator" and records_category != RecordsCategory.SUPPORTING:
        raise ServiceError("records (A) to (C) come from the claims administrator", field="records_category")


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

    from ..models import CaseDocument

    require(upload_refusal(case))
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
        validate_record_source(received_from=upload.received_from, records_category=upload.records_category)
        if upload.dated and upload.dated > today:
            raise ServiceError("cannot be in the future", field="dated", code="future_date")
        pages = _pdf_page_count(f, field_name=field_name)
        scan_upload(f, name=f.name or "file")
        digest = hashlib.sha256()
        f.seek(0)
        for chunk in f.chunks():
            digest.update(chunk)
        f.seek(0)
        original = PurePath((f.name or "").replace("\\", "/")).name[:255]
        title = (upload.title or "").strip() or PurePath(original).stem[:255] or "Document"
        check_text(title, CaseDocument._meta.get_field("title").max_length, field="title")
        check_text((upload.author or "").strip(), CaseDocument._meta.get_field("author").max_length, field="author")
        prepared.append((upload, f, pages, digest.hexdigest(), original, title))

    written = []
    try:
        with transaction.atomic():
            case = case_lock(case)
            require(upload_refusal(case))  # again under the lock: the case may have closed meanwhile
            documents = []
            for upload, f, pages, sha, original, title in prepared:
                doc = CaseDocument(
                    case=case,
                    title=title,
                    kind=upload.kind,
                    author=(upload.author or "").strip(),
                    dated=upload.dated,
                    received_on=timezone.localdate(upload.received_at) if upload.received_at else today,
                    received_at=upload.received_at or timezone.now(),
                    received_from=upload.received_from,
                    records_category=upload.records_category,
                    original_filename=original,
                    size=f.size,
                    sha256=sha,
                    page_count=pages,
                    uploaded_by=user,
                )
                # upload_to names the stored file by a UUID, never the user's name.
                # The name is known before writing, so a write cut short (disk full) is removed too.
                name = doc.file.field.generate_filename(doc, original or "document.pdf")
                written.append(name)
                saved = doc.file.storage.save(name, f)
                written[-1] = doc.file.name = saved
                doc.save()
                audit.record(
                    audit.Action.DOCUMENT_UPLOAD, actor=user, case=case, obj=doc,
                    detail={"kind": doc.kind, "pages": pages, "size": doc.size, "from": doc.received_from, "category": doc.records_category},
                )
                documents.append(doc)
    except Exception as exc:
        storage = CaseDocument._meta.get_field("file").storage
        for name in written:
            try:
                storage.delete(name)
            except OSError:
                logger.error("could not remove %s after a failed upload", name)
        if isinstance(exc, OSError):
            # Storage full, read-only or unreachable: refused, nothing kept (issue 18, fault 5).
            logger.error("document storage refused an upload: %s", type(exc).__name__)
            raise ServiceError(
                "the documents could not be stored (the file storage is full or unavailable); nothing was saved. "
                "Try again later, and tell the administrator if it persists",
                field="file", code="storage_unavailable",
            ) from exc
        raise
    return documents


def document_add(*, case: Case, uploaded_file, kind: str, author: str = "", dated: date | None = None, title: str = "", user=None):
    """One PDF; see `documents_add`."""
    return documents_add(
        case=case, uploads=[DocumentUpload(uploaded_file=uploaded_file, kind=kind, author=author, dated=dated, title=title)], user=user
    )[0]



@transaction.atomic
def document_withdraw(*, document, user, reason: str):
    """Take a misfiled document (another patient's records) off the case (issue 19 item 6).

    Intake or an admin, with a reason. The document leaves the case record:
    the reviewer's file, downloads, future letters and the finalize checks
    no longer see it (`CaseDocument.objects` skips withdrawn ones). The
    file stays in storage, untouched, for the audit trail; the withdrawal
    is audited.
    """
    from accounts.roles import user_roles

    from ..models import CaseDocument

    if user is None or not user_roles(user).staff:
        raise ServiceError("only intake staff or an administrator can withdraw a document", code="not_staff")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("say why the document is withdrawn (e.g. another patient's records)", field="reason",
                           code="no_reason")
    check_text(reason, CaseDocument._meta.get_field("withdrawal_reason").max_length, field="reason")
    case_lock(document.case_id)
    document = CaseDocument.all_objects.select_for_update().get(pk=document.pk)
    if document.withdrawn_at is not None:
        raise ServiceError("the document was already withdrawn", code="already_withdrawn")
    document.withdrawn_at = timezone.now()
    document.withdrawn_by = user
    document.withdrawal_reason = reason
    document.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    # The reason is free text (it may name the other patient): it stays on the row, not in the trail.
    audit.record(audit.Action.DOCUMENT_WITHDRAW, actor=user, case=document.case_id, obj=document,
                 detail={"kind": document.kind})
    return document
