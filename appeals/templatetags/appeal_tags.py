"""The case page's appeals panel (and the remand links), one include line."""

from django import template
from django.utils import timezone

from accounts.roles import user_roles

from .. import selectors
from ..forms import AppealForm, OutcomeForm
from ..models import Appeal

register = template.Library()


@register.inclusion_tag("appeals/_case_panel.html", takes_context=True)
def appeals_panel(context, case):
    standing = selectors.case_standing(case, today=timezone.localdate())
    kind = selectors.decision_kind(case)
    if kind is None and standing.remand_of is None:
        return {"show": False}
    can = user_roles(context.get("user")).staff
    return {
        "show": True,
        "case": case,
        "standing": standing,
        "can_appeal": can and kind is not None and standing.window_closes is not None and standing.remand is None,
        "can": can,
        "csrf_token": context.get("csrf_token"),
        "appeal_form": AppealForm(prefix="appeal"),
        "appeals": [
            (a, OutcomeForm(prefix=f"outcome{a.pk}") if a.outcome == Appeal.Outcome.PENDING else None) for a in standing.appeals
        ],
    }
