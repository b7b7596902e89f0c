"""Appeal actions from the case page. Thin: writes through `services`; a
refusal is shown as a message naming the field at fault."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from cases.selectors import case_page
from imrsite.access import staff_required
from imrsite.errors import ServiceError

from . import services
from .forms import AppealForm, OutcomeForm
from .models import Appeal


def _back(case):
    return redirect(f"{case.get_absolute_url()}#appeals")


def _form_errors(request, form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label + ': ' if label else ''}{' '.join(errors)}")


def _refused(request, exc: ServiceError, form):
    label = form.fields[exc.field].label if exc.field in form.fields else ""
    messages.error(request, f"Refused: {label + ': ' if label else ''}{exc.message}")


@require_POST
@staff_required
def appeal_record(request, number):
    case = case_page(request.user, number)
    form = AppealForm(request.POST, prefix="appeal")
    if form.is_valid():
        try:
            appeal = services.appeal_record(case=case, user=request.user, data=services.AppealData(**form.cleaned_data))
        except ServiceError as exc:
            _refused(request, exc, form)
        else:
            if appeal.late:
                messages.warning(
                    request, f"Appeal recorded, filed late: {appeal.days_late} day{'s' if appeal.days_late != 1 else ''} "
                    f"after the last day ({appeal.deadline:%b %-d, %Y}).",
                )
            else:
                messages.success(request, f"Appeal recorded; filed within the window (last day {appeal.deadline:%b %-d, %Y}).")
    else:
        _form_errors(request, form)
    return _back(case)


@require_POST
@staff_required
def appeal_decide(request, number, pk):
    case = case_page(request.user, number)
    appeal = get_object_or_404(Appeal, pk=pk, case=case)
    form = OutcomeForm(request.POST, prefix=f"outcome{appeal.pk}")
    if form.is_valid():
        d = form.cleaned_data
        try:
            appeal = services.appeal_decide(appeal=appeal, outcome=d["outcome"], on=d["outcome_on"], note=d["note"], user=request.user)
        except ServiceError as exc:
            _refused(request, exc, form)
        else:
            if appeal.outcome == Appeal.Outcome.REVERSED:
                new = appeal.remand.new_case
                messages.success(request, f"Reversal recorded: the remand is a new case, {new.number}, for a different reviewer.")
                return redirect(new)
            messages.success(request, f"Outcome recorded: {appeal.get_outcome_display()}.")
    else:
        _form_errors(request, form)
    return _back(case)
