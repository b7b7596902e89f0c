"""Headers for every stored file we serve (documents, letters): security.md control 24.

The browser must not guess the type, keep a copy, or run anything in the
file; the user's file name is only a suggestion for saving, cleaned of
anything that could break the header (quotes, line breaks, path parts).
"""

import hashlib
import logging
import re
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import quote

from accounts import audit
from imrsite.errors import ServiceError

logger = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_UNSAFE_ASCII = re.compile(r'[^A-Za-z0-9._() -]+')


def clean_filename(name: str, *, default: str = "document.pdf") -> str:
    """The last path part, without control characters, at most 150 characters."""
    name = _CONTROL.sub(" ", name or "").replace("\\", "/")
    name = PurePosixPath(name).name.strip().strip(".") or default
    return name[:150]


def pdf_filename(name: str, *, default: str = "document") -> str:
    """A saved-file name that ends in ".pdf" whatever was uploaded ("notes.exe" → "notes.exe.pdf")."""
    name = clean_filename(name, default=default)
    base = re.sub(r"(\.pdf)+$", "", name, flags=re.IGNORECASE).rstrip(". ") or default
    return base[:146] + ".pdf"


def content_disposition(name: str, *, inline: bool = False) -> str:
    """RFC 6266: an ASCII fallback `filename` and the exact UTF-8 `filename*`."""
    name = clean_filename(name)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = _UNSAFE_ASCII.sub("_", ascii_name).strip() or "document.pdf"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def protect_file_response(response, *, filename: str, inline: bool = False):
    """Set the download headers on a response that carries a stored file."""
    response["Content-Disposition"] = content_disposition(filename, inline=inline)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    # A file opened from our origin gets a unique origin: no scripts, no cookies, no forms.
    response["Content-Security-Policy"] = "sandbox"
    return response


class StoredFileError(ServiceError):
    """A stored file is missing or no longer matches the sha256 taken when it was stored."""


def open_verified(*, file, sha256: str, case=None, obj=None):
    """Open a stored file for serving, refused unless its content still has
    the recorded sha256 (HIPAA 164.312(c)(2)). A mismatch is logged and
    written to the audit trail. The caller closes the returned handle
    (FileResponse does)."""
    try:
        handle = file.storage.open(file.name, "rb")
    except FileNotFoundError as exc:
        logger.error("stored file %s is missing", file.name)
        raise StoredFileError("the stored file is missing", code="file_missing") from exc
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    if sha256 and digest.hexdigest() != sha256:
        handle.close()
        logger.error("integrity.mismatch %s", file.name)
        audit.record(audit.Action.INTEGRITY_MISMATCH, case=case, obj=obj, detail={"stored_sha256": sha256})
        raise StoredFileError("the stored file failed its integrity check", code="file_tampered")
    handle.seek(0)
    return handle
