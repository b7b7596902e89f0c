"""Correspondence pages: the intake list, mail batches, the late-records report,
the case panel's actions, notice downloads and the e-mail link.

Thin: reads through `selectors` (case access through `cases.selectors`),
writes through `services`; a refusal is shown as a message naming what to fix.
"""

from django.conf import settings

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import audit
from accounts.roles import user_roles
from cases import services as case_services
from cases.models import PartyRole
from cases.selectors import case_for_user, case_page
from imrsite import pipeline
from imrsite.access import staff_required
from imrsite.csvexport import csv_response
from imrsite.downloads import protect_file_response
from imrsite.errors import ServiceError

from . import selectors, services
from .documents import MAIL_BATCH, NOTICE
from .forms import (
    AnswerForm,
    ContactForm,
    FailedForm,
    InformationRequestForm,
    MailedForm,
    RetryForm,
    ReviewerQuestionForm,
)
from .models import Delivery, InformationRequest, MailBatch
from .recipients import case_party
from .services.documents_read import document_bytes


def _back_to_case(case):
    return redirect(f"{case.get_absolute_url()}#correspondence")


def _refused(request, exc: ServiceError):
    messages.error(request, f"Refused: {exc.message}")


def _form_errors(request, form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label + ': ' if label else ''}{' '.join(errors)}")


# --- the intake list -----------------------------------------------------------------

@require_GET
@staff_required
def correspondence_list(request):
    today = timezone.localdate()
    outgoing = list(selectors.outgoing()[:300])
    audit.record(audit.Action.CORRESPONDENCE_VIEW, detail={"page": "list"})
    return render(request, "correspondence/list.html", {
        "nav": "correspondence",
        "today": today,
        "outgoing": outgoing,
        "due_today": selectors.due_by_count(today=today),
        "failures": selectors.failures(),
        "batches": selectors.recent_batches(),
        "printable": selectors.printable_count(),
        "mailed_form": MailedForm(initial={"on": today}),
        "retry_form": RetryForm(),
    })


@require_POST
@staff_required
def batch_prepare(request):
    try:
        batch = services.mail_batch_prepare(user=request.user)
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"Mail batch {batch.batch_date:%b %-d} #{batch.number} prepared with {batch.deliveries.count()} item(s); its print file is being made.")
    return redirect("correspondence:list")


@require_GET
@never_cache
@staff_required
def batch_pdf(request, pk):
    batch = get_object_or_404(MailBatch, pk=pk)
    try:
        data = pipeline.read_verified(MAIL_BATCH, row=batch)
    except pipeline.IntegrityFailure as exc:
        raise Http404(exc.message) from exc
    audit.record(audit.Action.NOTICE_DOWNLOAD, obj=batch, detail={"what": "mail batch"})
    response = HttpResponse(data, content_type="application/pdf")
    return protect_file_response(response, filename=f"mail-batch-{batch.batch_date:%Y-%m-%d}-{batch.number}.pdf")


@require_POST
@staff_required
def batch_mailed(request, pk):
    batch = get_object_or_404(MailBatch, pk=pk)
    form = MailedForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("correspondence:list")
    try:
        batch = services.mail_batch_mark_mailed(batch=batch, user=request.user, on=form.cleaned_data["on"])
    except ServiceError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"Mail batch #{batch.number} recorded mailed on {batch.mailed_on:%b %-d, %Y}.")
    return redirect("correspondence:list")


@require_POST
@staff_required
def batch_retry(request, pk):
    batch = get_object_or_404(MailBatch, pk=pk)
    try:
        services.mail_batch_retry(batch=batch, user=request.user)
    except ServiceError as exc:
        _refused(request, exc)
    return redirect("correspondence:list")


def _next(request, delivery):
    target = request.POST.get("next", "")
    return redirect(f"{delivery.case.get_absolute_url()}#correspondence" if target == "case" else reverse("correspondence:list"))


@require_POST
@staff_required
def delivery_retry(request, pk):
    delivery = get_object_or_404(Delivery.objects.select_related("case"), pk=pk)
    form = RetryForm(request.POST)
    if form.is_valid():
        try:
            services.delivery_retry(delivery=delivery, user=request.user, channel=form.cleaned_data.get("channel") or None)
        except ServiceError as exc:
            _refused(request, exc)
        else:
            messages.success(request, f"{delivery.document_label} to {delivery.name}: queued to send again.")
    else:
        _form_errors(request, form)
    return _next(request, delivery)


@require_POST
@staff_required
def delivery_confirm(request, pk):
    delivery = get_object_or_404(Delivery.objects.select_related("case"), pk=pk)
    try:
        services.delivery_confirm_sent(delivery=delivery, user=request.user)
    except ServiceError as exc:
        _refused(request, exc)
    return _next(request, delivery)


@require_POST
@staff_required
def delivery_failed(request, pk):
    """Staff record returned mail or a failed fax."""
    delivery = get_object_or_404(Delivery.objects.select_related("case"), pk=pk)
    form = FailedForm(request.POST)
    if form.is_valid():
        try:
            services.delivery_record_failed(delivery=delivery, reason=form.cleaned_data["reason"], user=request.user)
        except ServiceError as exc:
            _refused(request, exc)
    else:
        _form_errors(request, form)
    return _next(request, delivery)


@require_POST
@staff_required
def notice_retry(request, pk):
    from .models import Notice

    notice = get_object_or_404(Notice.objects.select_related("case"), pk=pk)
    try:
        services.notice_retry(notice=notice, user=request.user)
    except ServiceError as exc:
        _refused(request, exc)
    if request.POST.get("next") == "case":
        return _back_to_case(notice.case)
    return redirect("correspondence:list")


# --- the late-records report ------------------------------------------------------------

@require_GET
@staff_required
def late_records(request):
    late = selectors.late_records()
    audit.record(audit.Action.CORRESPONDENCE_VIEW, detail={"page": "late_records", "rows": len(late)})
    return render(request, "correspondence/late_records.html", {
        "nav": "correspondence", "groups": selectors.late_records_by_administrator(late), "today": timezone.localdate(),
        "per_day": settings.IMR_LATE_RECORDS_PENALTY_PER_DAY, "cap": settings.IMR_LATE_RECORDS_PENALTY_CAP,
    })


@require_GET
@never_cache
@staff_required
def late_records_csv(request):
    late = selectors.late_records()
    audit.record(audit.Action.CORRESPONDENCE_VIEW, detail={"page": "late_records_csv", "rows": len(late)})
    audit.record(audit.Action.LIST_EXPORT, detail={"page": "late_records", "rows": len(late)})
    header = ["claims_administrator", "case_number", "records_due_on", "received_or_counted_to", "days_late", "penalty_usd", "missing_categories"]
    rows = (
        [row.case.claims_administrator.name, row.case.number, row.due_on, row.received_on, row.days_late, row.penalty, "".join(row.missing)]
        for row in late
    )
    return csv_response(f"late-records-{timezone.localdate():%Y-%m-%d}.csv", header, rows)


# --- case panel actions -----------------------------------------------------------------

@require_POST
@staff_required
def contact_update(request, number, role):
    case = case_page(request.user, number)
    party = case_party(case, role) if role in PartyRole.values else None
    if party is None:
        raise Http404("No such party")
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            case_services.party_update_contact(party=party, actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            _refused(request, exc)
        else:
            messages.success(request, f"Contact details of {party.name} saved.")
    else:
        _form_errors(request, form)
    return _back_to_case(case)


@require_POST
@staff_required
def noarfi_issue(request, number):
    """Issue the notice of assignment now (when the automatic one is missing)."""
    case = case_page(request.user, number)
    try:
        services.noarfi_issue(case=case, requested_by=request.user)
    except ServiceError as exc:
        _refused(request, exc)
    return _back_to_case(case)


@require_POST
@staff_required
def information_request(request, number):
    case = case_page(request.user, number)
    form = InformationRequestForm(request.POST)
    if form.is_valid():
        try:
            req = services.information_request_create(case=case, user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            _refused(request, exc)
        else:
            messages.success(request, f"Request sent; the answer is due {req.due_on:%B %-d, %Y}. The case waits for it.")
    else:
        _form_errors(request, form)
    return _back_to_case(case)


@require_POST
@staff_required
def information_answer(request, number, pk):
    case = case_page(request.user, number)
    req = get_object_or_404(InformationRequest, pk=pk, case=case)
    form = AnswerForm(request.POST, documents=case.documents.all())
    if form.is_valid():
        document = case.documents.filter(pk=form.cleaned_data["document"]).first() if form.cleaned_data["document"] else None
        try:
            services.information_request_answer(request=req, user=request.user, answer=form.cleaned_data["answer"], document=document)
        except ServiceError as exc:
            _refused(request, exc)
        else:
            messages.success(request, "Answer recorded.")
    else:
        _form_errors(request, form)
    return _back_to_case(case)


# --- the reviewer's question --------------------------------------------------------------

@require_POST
@login_required
def reviewer_question(request, number):
    if not user_roles(request.user).reviewer:
        raise PermissionDenied("Only reviewers ask the parties from the review dashboard.")
    case = case_for_user(request.user, number)
    form = ReviewerQuestionForm(request.POST)
    if form.is_valid():
        try:
            req = services.reviewer_question_ask(case=case, user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            _refused(request, exc)
        else:
            messages.success(request, f"Your request was sent to the parties; the answer is due {req.due_on:%B %-d, %Y}.")
    else:
        _form_errors(request, form)
    return redirect(reverse("review:case", kwargs={"number": case.number}) + "#questions")


# --- documents --------------------------------------------------------------------------

def _pdf_response(data: bytes, filename: str):
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Length"] = str(len(data))
    return protect_file_response(response, filename=filename)


@require_GET
@never_cache
@login_required
def notice_download(request, number, pk):
    notice = selectors.notice_for_user(request.user, number=number, pk=pk)
    try:
        data = pipeline.read_verified(NOTICE, row=notice)
    except pipeline.IntegrityFailure as exc:
        raise Http404(exc.message) from exc
    audit.record(audit.Action.NOTICE_DOWNLOAD, case=notice.case_id, obj=notice, detail={"kind": notice.kind, "version": notice.version})
    return _pdf_response(data, f"{notice.case.number}-{notice.kind}-v{notice.version}.pdf")


@require_GET
@never_cache
@login_required
def open_document(request, token):
    """Where an e-mail links: the document, behind sign-in, for whoever may see the case."""
    delivery = selectors.delivery_by_token(request.user, token)
    document = delivery.document
    if document.status != document.Status.READY:
        raise Http404("The document is not ready")
    try:
        data = document_bytes(delivery)
    except pipeline.IntegrityFailure as exc:
        raise Http404(exc.message) from exc
    action = audit.Action.NOTICE_DOWNLOAD if delivery.notice_id else audit.Action.LETTER_DOWNLOAD
    audit.record(action, case=delivery.case_id, obj=document, detail={"via": "e-mail link", "delivery": delivery.pk})
    return _pdf_response(data, f"{delivery.case.number}-{'notice' if delivery.notice_id else 'letter'}.pdf")
