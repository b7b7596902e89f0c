"""The case page's correspondence panel and the reviewer's questions, each one include line."""

from django import template
from django.utils import timezone

from cases.models import Case
from cases.permissions import case_permissions

from .. import selectors
from cases.forms import RecordsCompleteForm

from ..forms import AnswerForm, ContactForm, InformationRequestForm, RetryForm, ReviewerQuestionForm
from ..models import InformationRequest

register = template.Library()


@register.inclusion_tag("correspondence/_case_panel.html", takes_context=True)
def correspondence_panel(context, case):
    today = timezone.localdate()
    data = selectors.case_panel(case, today=today)
    can = case_permissions(case, context.get("user"))
    documents = list(case.documents.all())
    return {
        **data,
        "case": case,
        "csrf_token": context.get("csrf_token"),
        "can_complete": can.mark_records_complete,
        # The case page's refused form (cases.views.records_complete), or a fresh one.
        "complete_form": context.get("records_form") or RecordsCompleteForm(initial={"on": today}),
        "can_ask": can.request_information,
        "ask_form": InformationRequestForm(),
        "answer_form": AnswerForm(documents=documents),
        "retry_form": RetryForm(),
        "contact_forms": [
            (row, ContactForm(initial={name: getattr(row["party"], name) for name in ContactForm.base_fields}, prefix=row["role"]))
            for row in data["contacts"] if row["party"] is not None
        ],
        "noarfi_missing": data["noarfi"] is None and case.eligibility_decided_at is not None
        and case.status in (Case.Status.AWAITING_RECORDS, Case.Status.RECORDS_COMPLETE, Case.Status.IN_REVIEW)
        and case.assigned_on is None,
    }


@register.inclusion_tag("correspondence/_reviewer_questions.html", takes_context=True)
def reviewer_questions(context, case):
    """The reviewer's requests for information on this case and the form to ask one (LC 4610.6(b))."""
    return {
        "case": case,
        "csrf_token": context.get("csrf_token"),
        "requests": InformationRequest.objects.filter(case=case, origin=InformationRequest.Origin.REVIEWER).order_by("-asked_at"),
        "form": ReviewerQuestionForm(),
        "can_ask": case_permissions(case).ask_parties,
    }
