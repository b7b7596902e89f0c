"""The case page's implementation panel, one include line."""

from django import template
from django.utils import timezone

from accounts.roles import user_roles
from cases.models import Case

from .. import selectors
from ..forms import ItemImplementationForm, ReceiptForm

register = template.Library()


@register.inclusion_tag("implementation/_case_panel.html", takes_context=True)
def implementation_panel(context, case):
    if case.status != Case.Status.DECIDED:
        return {"show": False}
    data = selectors.case_implementation(case, today=timezone.localdate())
    if not data["items"]:
        return {"show": False}
    can = user_roles(context.get("user")).staff
    return {
        **data,
        "show": True,
        "case": case,
        "can": can,
        "csrf_token": context.get("csrf_token"),
        "receipt_form": ReceiptForm(),
        "rows": [
            (row, ItemImplementationForm(prefix=f"item{row.item.pk}", initial={
                "service": row.implementation.service if row.implementation else None,
                "outcome": row.implementation.outcome if row.implementation else None,
                "on": row.implementation.on if row.implementation else None,
                "note": row.implementation.note if row.implementation else "",
            }))
            for row in data["items"]
        ],
    }
