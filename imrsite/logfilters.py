"""Logging filters that keep health information out of the logs (security.md control 30)."""

import logging


class DropTemplateContext(logging.Filter):
    """django.template logs a missing variable at DEBUG with the exception,
    whose text is the whole template context (employee names, claim numbers).
    Keep the message, which names only the variable and template; drop the exception."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True
