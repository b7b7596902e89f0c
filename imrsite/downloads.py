"""Headers for every stored file we serve (documents, letters): security.md control 24.

The browser must not guess the type, keep a copy, or run anything in the
file; the user's file name is only a suggestion for saving, cleaned of
anything that could break the header (quotes, line breaks, path parts).
"""

import re
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import quote

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_UNSAFE_ASCII = re.compile(r'[^A-Za-z0-9._() -]+')


def clean_filename(name: str, *, default: str = "document.pdf") -> str:
    """The last path part, without control characters, at most 150 characters."""
    name = _CONTROL.sub(" ", name or "").replace("\\", "/")
    name = PurePosixPath(name).name.strip().strip(".") or default
    return name[:150]


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
