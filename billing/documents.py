"""The invoice PDF: a document of the rendering engine (imrsite.pipeline), like the letters.

The HTML is a print template (templates/billing/invoice_pdf.html) with the
letters' stylesheet; the figures come from the invoice row and its lines,
whose total the service computed (`billing.services`), never the template.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import audit
from determinations.rendering import html_to_pdf
from imrsite import pipeline

from .models import InvoiceDocument
from .selectors import invoice_lines

TEMPLATE = "billing/invoice_pdf.html"


def invoice_html(invoice) -> str:
    return render_to_string(TEMPLATE, {
        "invoice": invoice,
        "lines": invoice_lines(invoice),
        "imro_name": settings.IMRO_NAME,
        "imro_address": settings.IMRO_ADDRESS,
        "generated_at": timezone.localtime(),
    })


def _render(row: InvoiceDocument) -> pipeline.RenderedPDF:
    from .models import Invoice

    invoice = Invoice.objects.select_related("claims_administrator").get(pk=row.invoice_id)
    return html_to_pdf(invoice_html(invoice))


INVOICE = pipeline.register(
    pipeline.DocumentType(
        kind="invoice",
        model="billing.InvoiceDocument",
        render=_render,
        task="billing.tasks.render_invoice",
        audit_render=audit.Action.INVOICE_RENDER,
        case_of=lambda row: None,
        noun="invoice",
    )
)


class InvoiceIntegrityError(pipeline.IntegrityFailure):
    """The stored invoice PDF is missing or no longer matches its recorded sha256."""


def invoice_document_read(row: InvoiceDocument) -> bytes:
    return pipeline.read_verified(INVOICE, row=row, error_class=InvoiceIntegrityError)
