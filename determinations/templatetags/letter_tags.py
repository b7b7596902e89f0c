"""`{% load letter_tags %}{% letter_status case %}`: the case's letters, refreshing themselves."""

from django import template
from django.urls import reverse

from determinations.letter_selectors import letters_for_case
from determinations.letter_views import letter_status_rows

register = template.Library()


@register.inclusion_tag("letters/_status_panel.html")
def letter_status(case):
    """The letter-status panel of a case page (one query). The page's view has
    already checked that the user may see the case; the polled endpoint and
    the downloads check again."""
    data = letter_status_rows(case, letters_for_case(case))
    return {
        "rows": data["letters"],
        "pending": data["pending"],
        "status_url": reverse("letters:status", kwargs={"number": case.number}),
    }
