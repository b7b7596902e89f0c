"""The stored bytes of a delivery's document, verified against their sha256."""

from imrsite import pipeline

from ..documents import NOTICE


def document_bytes(delivery) -> bytes:
    if delivery.notice_id:
        return pipeline.read_verified(NOTICE, row=delivery.notice)
    from determinations.letters import letter_read_verified

    return letter_read_verified(letter=delivery.letter)
