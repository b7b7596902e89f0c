"""The determination on intake's pages: `{% determination_panel case %}` on the
case page and `{{ outcomes|outcome_for:case }}` in the case list."""

from django import template

from determinations.selectors import case_determination

register = template.Library()


@register.inclusion_tag("determinations/_case_panel.html")
def determination_panel(case):
    """The page's view has already checked that the user may see the case."""
    return {"case": case, "panel": case_determination(case)}


@register.filter
def outcome_for(outcomes, case):
    """The case's outcome from `determinations.selectors.case_outcomes`, or ""."""
    return (outcomes or {}).get(case.pk, "")
