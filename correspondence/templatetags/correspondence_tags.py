"""The case page's correspondence panel and the reviewer's questions, each one include line."""

from django import template
from django.utils import timezone

from cases.models import Case

from .. import selectors
from ..forms import AnswerForm, ContactForm, InformationRequestForm, RecordsCompleteForm, RetryForm, ReviewerQuestionForm
from ..models import InformationRequest
from ..services.requests import ASKABLE_STATUSES

register = template.Library()


@register.inclusion_tag("correspondence/_case_panel.html", takes_context=True)
def correspondence_panel(context, case):
    today = timezone.localdate()
    data = selectors.case_panel(case, today=today)
    documents = list(case.documents.all())
    return {
        **data,
        "case": case,
        "csrf_token": context.get("csrf_token"),
        "can_complete": case.status in (Case.Status.AWAITING_RECORDS, Case.Status.IN_REVIEW) and case.records_complete_on is None,
        "complete_form": RecordsCompleteForm(initial={"on": today}),
        "can_ask": case.status in ASKABLE_STATUSES,
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
        "can_ask": case.status in (Case.Status.IN_REVIEW, Case.Status.RECORDS_COMPLETE, Case.Status.AWAITING_RECORDS),
    }
