"""The engine's render and sweep tasks for the invoice PDF (imrsite.pipeline)."""

from imrsite import pipeline

render_invoice = pipeline.render_task(name="billing.render_invoice", document_type="billing.documents.INVOICE")
sweep_invoices = pipeline.sweep_task(name="billing.sweep_documents", document_type="billing.documents.INVOICE")
