"""One streamed CSV writer for every list the product exports.

`csv_response` streams rows as they come from the database
(StreamingHttpResponse), so an export of a large list never sits in memory;
the caller passes an iterator whose queryset already carries the person's
visibility and the page's filters. Every text cell that a spreadsheet would
take for a formula (starting with = + - @, a tab or a carriage return) is
written as text, prefixed with an apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import date, datetime

from django.http import StreamingHttpResponse

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def csv_safe(value):
    """A cell value as written: text that could start a formula is quoted; dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        # A negative number ("-3.5") is a number, not a formula; anything else starting so is quoted.
        return "'" + value if value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value) else value
    return value


class _Echo:
    """A file-like object whose write returns what it was given (csv.writer → generator)."""

    def write(self, value):
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable]):
    """The CSV text line by line: a byte-order mark (spreadsheets read UTF-8 right), the header, the rows."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([csv_safe(h) for h in header])
    for row in rows:
        yield writer.writerow([csv_safe(value) for value in row])


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """A streamed CSV download, never cached."""
    response = StreamingHttpResponse((line.encode("utf-8") for line in csv_lines(header, rows)), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
