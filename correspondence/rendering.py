"""Notices, cover sheets and mail batches as PDF: pure functions, no writes.

Everything goes through the letters' `html_to_pdf` (locked URL fetcher, the
bundled font, the print stylesheet family of static/letters/). A notice is
rendered from its frozen `content` only, so a re-render prints the same
words. The Code 128 barcode of the case number is drawn by python-barcode as
SVG, inline in the HTML (no URL to fetch).
"""

from __future__ import annotations

import hashlib
import io
from datetime import date

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from cases.models import DeliveryChannel
from determinations.rendering import html_to_pdf
from imrsite.pipeline import RenderedPDF

from .models import NoticeKind

NOTICE_TEMPLATE = "letters/notice.html"
COVER_TEMPLATE = "letters/cover_sheets.html"
STYLESHEETS = ("notice.css",)  # beside letter.css in static/letters/


def long_date(value: str | date | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.strftime('%B')} {value.day}, {value.year}"


def short_date(value: str | date | None) -> str:
    if not value:
        return "Not recorded"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.strftime("%m/%d/%Y")


def code128_svg(text: str) -> str:
    """The text as a Code 128 barcode, an inline <svg> element (no XML prolog)."""
    import barcode
    from barcode.writer import SVGWriter

    buffer = io.BytesIO()
    barcode.get("code128", text, writer=SVGWriter()).write(
        buffer, options={"module_width": 0.33, "module_height": 14.0, "quiet_zone": 6.0, "write_text": False, "compress": False}
    )
    svg = buffer.getvalue().decode("utf-8")
    return svg[svg.index("<svg"):]


def notice_context(content: dict, kind: str, version: int = 1) -> dict:
    """Template context: the frozen content with dates in the letters' formats."""
    dates = {key: long_date(content.get(key)) for key in ("issued_on", "records_due_on", "decision_due_on", "due_on", "expedited_since", "answered_on", "asked_on", "reported_on")}
    short = {key: short_date(content.get(key)) for key in ("received_on", "ur_decision_date", "rfa_date", "date_of_injury")}
    return {**content, "kind": kind, "version": version, "long": dates, "short": short, "kinds": NoticeKind}


def notice_html(*, content: dict, kind: str, version: int = 1) -> str:
    return render_to_string(NOTICE_TEMPLATE, notice_context(content, kind, version))


def notice_pdf(notice) -> RenderedPDF:
    return html_to_pdf(notice_html(content=notice.content, kind=notice.kind, version=notice.version), extra_stylesheets=STYLESHEETS)


def cover_sheets_html(deliveries) -> str:
    """One separator page per delivery: where it goes, what it is, the case number as a barcode."""
    sheets = []
    for delivery in deliveries:
        case_number = delivery.case.number
        sheets.append({
            "case_number": case_number,
            "barcode": mark_safe(code128_svg(case_number)),  # noqa: S308  (our own SVG of a validated case number)
            "channel": DeliveryChannel(delivery.channel).label,
            "fax": delivery.channel == DeliveryChannel.FAX,
            "name": delivery.name,
            "role": delivery.get_role_display(),
            "address_lines": [line for line in delivery.address.splitlines() if line.strip()],
            "document": delivery.document_label,
            "pages": delivery.document.page_count,
            "delivery_id": delivery.pk,
        })
    from django.conf import settings

    return render_to_string(COVER_TEMPLATE, {
        "sheets": sheets, "imro_name": settings.IMRO_NAME, "imro_short_name": settings.IMRO_SHORT_NAME,
        "imro_address": settings.IMRO_ADDRESS,
    })


def batch_pdf(deliveries, documents: list[bytes]) -> RenderedPDF:
    """The print file of a mail batch: each delivery's cover sheet, then its document."""
    from pypdf import PdfReader, PdfWriter

    covers = PdfReader(io.BytesIO(html_to_pdf(cover_sheets_html(deliveries), extra_stylesheets=STYLESHEETS).data))
    writer = PdfWriter()
    for index, data in enumerate(documents):
        writer.add_page(covers.pages[index])
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    writer.add_metadata({"/Title": "Mail batch", "/Producer": "IMR case management"})
    buffer = io.BytesIO()
    writer.write(buffer)
    data = buffer.getvalue()
    return RenderedPDF(data=data, page_count=len(writer.pages), sha256=hashlib.sha256(data).hexdigest())
