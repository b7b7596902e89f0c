"""The correspondence app's documents, described to the rendering engine."""

from accounts import audit
from imrsite import pipeline

from . import rendering


def _render_notice(notice):
    return rendering.notice_pdf(notice)


def _render_batch(batch):
    # Imported here: services import this module's document types.
    from .services.batches import batch_render

    return batch_render(batch)


NOTICE = pipeline.register(
    pipeline.DocumentType(
        kind="notice",
        model="correspondence.Notice",
        render=_render_notice,
        task="correspondence.tasks.render_notice",
        audit_render=audit.Action.NOTICE_RENDER,
        case_of=lambda notice: notice.case_id,
        noun="notice",
    )
)

MAIL_BATCH = pipeline.register(
    pipeline.DocumentType(
        kind="mail_batch",
        model="correspondence.MailBatch",
        render=_render_batch,
        task="correspondence.tasks.render_mail_batch",
        audit_render=audit.Action.NOTICE_RENDER,
        case_of=lambda batch: None,
        noun="mail batch",
    )
)
