"""The virus-scan hook of every upload (security.md control 25).

`cases.services.documents_add` (the browser's and the API's uploads alike)
calls `scan_upload` on each file after its content checks and before
anything is stored. DOCUMENT_SCANNER names the scanner: a callable
`scanner(uploaded_file, *, name)` that raises imrsite.errors.ServiceError
(code "infected") to refuse the file, e.g. a small function sending the
file to clamd's INSTREAM. Unset: no scan here (scan MEDIA_ROOT on write
instead; README "Antivirus for uploads").
"""

from django.conf import settings
from django.utils.module_loading import import_string


def scan_upload(uploaded_file, *, name: str) -> None:
    path = settings.DOCUMENT_SCANNER
    if not path:
        return
    import_string(path)(uploaded_file, name=name)
    uploaded_file.seek(0)
