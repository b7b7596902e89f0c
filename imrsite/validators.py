"""Field validators shared by models, forms and the bundle schema."""

import re

from django.core.exceptions import ValidationError

_RANGE = re.compile(r"^(\d{1,5})(?:\s*[-\u2013]\s*(\d{1,5}))?$")


def page_range_problem(value: str) -> str | None:
    """Why `value` is not a list of pages ("98", "98-99", "12, 14-15"), or None.

    Pages are counted from 1 and a range runs forwards: "0", "-3" and
    "99-98" are typing mistakes a letter must not print.
    """
    value = (value or "").strip()
    if not value:
        return None
    for part in re.split(r"\s*[,;]\s*", value):
        match = _RANGE.match(part)
        if not match:
            return 'pages as numbers, e.g. "98", "98-99" or "12, 14-15"'
        start, end = int(match[1]), int(match[2] or match[1])
        if start < 1 or end < 1:
            return "page numbers start at 1"
        if end < start:
            return f"the range {part} runs backwards"
    return None


def validate_page_range(value: str) -> None:
    problem = page_range_problem(value)
    if problem:
        raise ValidationError(problem, code="page_range")
