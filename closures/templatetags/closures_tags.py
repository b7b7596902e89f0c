"""The case page's termination and consolidation panel, and the consolidated-case pointer, each one include line."""

from django import template
from django.utils import timezone

from accounts.roles import user_roles
from reviewers.models import AdditionalReviewerApproval, Assignment
from reviewers.services import ADDITIONAL_ASSIGNABLE

from .. import services
from ..forms import AdditionalReviewerForm, ConsolidationForm, TerminationForm
from ..models import Consolidation, Termination

register = template.Library()


@register.inclusion_tag("closures/_pointer.html")
def consolidation_pointer(case):
    """An absorbed application's number points to the surviving case."""
    record = Consolidation.objects.filter(absorbed=case).select_related("surviving").first()
    return {"record": record}


@register.inclusion_tag("closures/_case_panel.html", takes_context=True)
def closures_panel(context, case):
    user = context.get("user")
    staff = user is not None and user_roles(user).staff
    termination = Termination.objects.filter(case=case).select_related("recorded_by").first()
    case._termination_cache = termination
    refusal = services.termination_refusal(case)
    has_reviewer = bool(getattr(case, "open_assignments", None))
    if getattr(case, "open_assignments", None) is None:
        has_reviewer = case.assignments.filter(status__in=Assignment.OPEN_STATUSES).exists()
    today = timezone.localdate()
    return {
        "case": case,
        "csrf_token": context.get("csrf_token"),
        "staff": staff,
        "termination": termination,
        "termination_refusal": refusal,
        "termination_form": context.get("termination_form") or TerminationForm(initial={"reported_on": today}),
        "forwarded": services.forwarded_to_reviewer(case) if refusal is None else None,
        "absorbed": list(Consolidation.objects.filter(surviving=case).select_related("absorbed").order_by("recorded_at")),
        "candidates": services.consolidation_candidates(case) if staff else [],
        "can_consolidate": staff and case.status in services.SURVIVABLE,
        "consolidation_form": context.get("consolidation_form") or ConsolidationForm(),
        "approvals": list(AdditionalReviewerApproval.objects.filter(case=case).select_related("assignment__reviewer__user")),
        "can_add_reviewer": staff and has_reviewer and case.status in ADDITIONAL_ASSIGNABLE,
        "additional_reviewer_form": context.get("additional_reviewer_form") or AdditionalReviewerForm(
            case=case, initial={"approved_on": today}),
    }
