"""The case page's termination, consolidation and additional-reviewer actions (POST only, intake staff and admins).

Each view calls its service; a refusal comes back on the case page beside
the field it names (or above the panel), with HTTP 400.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from cases import selectors as case_selectors
from cases.models import Case
from cases.views import _render_case
from imrsite.access import staff_required
from imrsite.errors import ServiceError
from imrsite.forms import add_service_error
from reviewers import services as reviewer_services

from . import services
from .forms import AdditionalReviewerForm, ConsolidationForm, TerminationForm


@require_POST
@staff_required
def terminate(request, number):
    case = case_selectors.case_page(request.user, number)
    form = TerminationForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            termination = services.termination_record(
                case=case, reason=d["reason"], reported_by_role=d["reported_by_role"], reported_on=d["reported_on"],
                reported_by_name=d["reported_by_name"], note=d["note"], user=request.user,
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                f"Review closed: {termination.get_reason_display().lower()}. The parties get the notice of termination"
                + (", and the reviewer was told." if termination.closed_assignment_id else "."),
            )
            return redirect(case)
    return _render_case(request, case, status=400, termination_form=form)


@require_POST
@staff_required
def consolidate(request, number):
    case = case_selectors.case_page(request.user, number)
    form = ConsolidationForm(request.POST)
    if form.is_valid():
        absorbed_number = form.cleaned_data["absorbed"].strip().upper()
        try:
            # Only a case the user may see (staff see all); an unknown number is a form error, not a 404.
            absorbed = case_selectors.case_page(request.user, absorbed_number)
        except (Http404, Case.DoesNotExist):
            form.add_error("absorbed", f"no case numbered {absorbed_number}")
        else:
            try:
                services.case_consolidate(absorbed=absorbed, surviving=case, user=request.user, note=form.cleaned_data["note"])
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"{absorbed.number} is consolidated into {case.number}: its items are now decided here.")
                return redirect(case)
    return _render_case(request, case, status=400, consolidation_form=form)


@require_POST
@staff_required
def additional_reviewer(request, number):
    case = case_selectors.case_page(request.user, number)
    form = AdditionalReviewerForm(request.POST, case=case)
    if form.is_valid():
        d = form.cleaned_data
        try:
            reviewer_services.additional_reviewer_offer(
                case=case, reviewer=d["reviewer"], approved_on=d["approved_on"], reference=d["reference"],
                reason=d["reason"], user=request.user,
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{d['reviewer']} is offered the case as an additional reviewer (approval {d['reference']}).")
            return redirect(case)
    return _render_case(request, case, status=400, additional_reviewer_form=form)
