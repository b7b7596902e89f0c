"""Free-text limits (issue 19 item 17): every field has one, every service checks it.

A 200,000-character diagnosis or a 540 KB determination is never a
legitimate entry: it slows every page and letter that prints it. Each text
field's limit is its model's `max_length` (on a TextField, also a
validator, since Django enforces a TextField's max_length only in forms);
services call `check_lengths` before writing, so the browser, admin, the
importer and any other caller get the same refusal, naming the field.
"""

from django.core.validators import MaxLengthValidator
from django.db import models

from imrsite.errors import ServiceError


def LimitedTextField(max_length: int, **kwargs) -> models.TextField:  # noqa: N802 (reads like a field class)
    """A TextField whose limit holds for forms (max_length) and full_clean (validator)."""
    return models.TextField(max_length=max_length, validators=[MaxLengthValidator(max_length)], **kwargs)


def too_long(value: str, max_length: int, *, field: str) -> ServiceError:
    return ServiceError(f"at most {max_length:,} characters (this has {len(value):,})", field=field, code="too_long")


def check_lengths(instance, *, fields=None) -> None:
    """Refuse a text value longer than its field's limit (first offending field)."""
    for f in instance._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        limit = getattr(f, "max_length", None)
        if not limit or not isinstance(f, (models.CharField, models.TextField)):
            continue
        value = getattr(instance, f.attname)
        if isinstance(value, str) and len(value) > limit:
            raise too_long(value, limit, field=f.name)


def check_text(value: str, max_length: int, *, field: str) -> str:
    """The same check for a value not yet on a model (a reason, a note)."""
    if value and len(value) > max_length:
        raise too_long(value, max_length, field=field)
    return value
