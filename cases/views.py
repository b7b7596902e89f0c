"""Intake pages: case list, new case, the case page and its actions.

Every view is thin: it reads through `cases.selectors` (the access choke
point) and changes state only through services; a refused service call is
shown beside the field it names.
"""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import audit
from accounts.roles import user_roles
from imrsite.access import staff_required
from imrsite.downloads import StoredFileError, open_verified, protect_file_response
from imrsite.errors import ServiceError
from imrsite.forms import add_service_error
from imrsite import pagination
from imrsite.pagination import CappedPaginator
from reviewers import selectors as reviewer_selectors
from reviewers import services as reviewer_services
from reviewers.models import Reviewer

from . import deadlines, permissions, selectors, services
from .forms import (
    AssignForm,
    CaseForm,
    DisputedItemFormSet,
    DocumentFormSet,
    ExpediteForm,
    RecordsCompleteForm,
    ScreeningForm,
    WithdrawAssignmentForm,
    WithdrawDocumentForm,
)
from .models import Case, CaseDocument, Party

PAGE_SIZE = pagination.PAGE_SIZE
LETTER_STATUS_TEMPLATE = "letters/_status.html"


# --- list and registration -------------------------------------------------

@require_GET
@staff_required
def case_list(request):
    params = request.GET
    filters, sort = case_list_params(params)
    qs = selectors.case_search(user=request.user, sort=sort, **filters)
    # A search counts to the search cap, a work queue's list to the queue cap (imrsite.pagination).
    cap = pagination.SEARCH_COUNT_CAP if filters["q"] else pagination.QUEUE_COUNT_CAP if filters["queue"] else None
    page = CappedPaginator(qs, PAGE_SIZE, cap=cap).get_page(params.get("page"))
    from determinations.selectors import case_outcomes  # determinations depends on cases, not the reverse
    # The list shows employees' names: a read of health information.
    audit.record(audit.Action.CASE_LIST, detail={"page": page.number})
    query = params.copy()
    query.pop("page", None)
    unsorted = query.copy()
    unsorted.pop("sort", None)
    return render(
        request,
        "cases/case_list.html",
        {
            "nav": "cases",
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "columns": _sort_columns(sort or "due", unsorted.urlencode()),
            "sort_label": _sort_label(sort or "due", filters["queue"]),
            "sort": sort or "due",
            "sort_options": SORT_OPTIONS if any(value == (sort or "due") for value, _ in SORT_OPTIONS)
            else [(sort, _sort_label(sort, filters["queue"]).capitalize()), *SORT_OPTIONS],
            "statuses": Case.Status.choices,
            "today": timezone.localdate(),
            "outcomes": case_outcomes(page.object_list),
            **_worklist_context(request, filters),
        },
    )


def case_list_params(params) -> tuple[dict, str]:
    """The case list's filters and sort from its query string: the list, its CSV
    export and its saved views read them the same way."""
    from worklists import queues
    from worklists.queues import INTAKE_QUEUE_KEYS

    filters = {
        "q": params.get("q", "").strip()[:100],
        "status": params.get("status", ""),
        "review_type": params.get("review_type", ""),
        "overdue": params.get("overdue") == "1",
        "queue": params.get("queue", "") if params.get("queue", "") in INTAKE_QUEUE_KEYS else "",
    }
    sort = params.get("sort", "")
    if queues.queue_ordering(filters["queue"]) is not None and sort in ("", queues.QUEUE_SORT):
        sort = queues.QUEUE_SORT  # the queue's own order (worklists.queues.QUEUE_ORDERS)
    elif sort.lstrip("-") not in selectors.CASE_SORTS:
        sort = ""
    return filters, sort


_COLUMNS = [  # (heading, sort key or None)
    ("Case", "number"), ("Employee", "employee"), ("Claim", "claim"), ("Type", "type"), ("Status", "status"),
    ("Reviewer", None), ("Received", "received"), ("Next deadline", "due"),
]


# The same sorts as the column headings, for the filter form (and phones, where the headings are hidden).
SORT_OPTIONS = [
    ("due", "Soonest deadline"), ("-due", "Latest deadline"), ("-received", "Newest application"),
    ("received", "Oldest application"), ("number", "Case number"), ("employee", "Employee name"),
    ("claim", "Claim number"), ("status", "Status (workflow order)"), ("type", "Review type"),
]


def _worklist_context(request, filters) -> dict:
    """The case list's queue, saved views and bulk-action choices (worklists)."""
    from worklists import queues
    from worklists.forms import BulkActionForm
    from worklists.models import SavedView
    from worklists.selectors import saved_views
    from worklists.services import clean_query

    return {
        "queues": queues.INTAKE_QUEUES,
        "queue_label": queues.queue_label(filters["queue"]),
        "saved_views": saved_views(request.user, SavedView.Page.CASES),
        "view_query": clean_query(SavedView.Page.CASES, request.GET),
        "can_share_views": user_roles(request.user).admin,
        "view_roles": SavedView._meta.get_field("shared_with_role").choices,  # not "roles": the navbar's
        "bulk_form": BulkActionForm(user=request.user),
    }


def _sort_columns(sort: str, query: str) -> list[dict]:
    """Each column heading with its link: ascending first, the other way once sorted by it."""
    current, descending = sort.lstrip("-"), sort.startswith("-")
    columns = []
    for label, key in _COLUMNS:
        column = {"label": label, "key": key, "aria_sort": None, "url": None}
        if key:
            active = key == current
            next_sort = f"-{key}" if active and not descending else key
            column["url"] = f"?{query + '&' if query else ''}sort={next_sort}"
            if active:
                column["aria_sort"] = "descending" if descending else "ascending"
        columns.append(column)
    return columns


def _sort_label(sort: str, queue: str = "") -> str:
    from worklists import queues

    if sort == queues.QUEUE_SORT:
        return queues.queue_order_label(queue)
    key, descending = sort.lstrip("-"), sort.startswith("-")
    label = next((heading for heading, k in _COLUMNS if k == key), "Next deadline")
    if key == "due":
        return "latest deadline first" if descending else "soonest deadline first"
    return f"by {label.lower()}, {'descending' if descending else 'ascending'}"


@require_http_methods(["GET", "POST"])
@staff_required
def case_new(request):
    if request.method == "POST":
        form = CaseForm(request.POST)
        formset = DisputedItemFormSet(request.POST, prefix="items")
        if form.is_valid() and formset.is_valid():
            items = formset.items()
            form.check_duplicates([item.description for item in items])
        if form.is_valid() and formset.is_valid():
            try:
                case = services.case_intake(
                    parties=form.parties(),
                    data=form.case_data(),
                    items=items,
                    created_by=request.user,
                    untimely_override_reason=form.cleaned_data.get("untimely_override_reason", ""),
                    allow_duplicate=form.cleaned_data.get("allow_duplicate", False),
                )
            except ServiceError as exc:
                if exc.field == "disputed_items":
                    formset._non_form_errors.append(exc.message)
                else:
                    add_service_error(form, exc, prefix_map={"date_of_birth": "employee_date_of_birth"})
            else:
                messages.success(request, f"Case {case.number} registered. Screen it for eligibility next.")
                return redirect(case)
        status = 400
    else:
        form = CaseForm()
        formset = DisputedItemFormSet(prefix="items")
        status = 200
    return render(
        request,
        "cases/case_new.html",
        {
            "nav": "new",
            "form": form,
            "formset": formset,
            "organizations": selectors.party_suggestions(kind=Party.Kind.ORGANIZATION),
            "providers": selectors.party_suggestions(kind=Party.Kind.PERSON),
            # The filing window for static/js/case-form.js (cases.deadlines decides; this is only the hint).
            "window_days": deadlines.filing_window_days(Case.ServiceMethod.PERSONAL),
            "mail_window_days": deadlines.filing_window_days(Case.ServiceMethod.MAIL),
        },
        status=status,
    )


# --- the case page -----------------------------------------------------------

def _letter_status_template():
    """The letters' status partial, once the letters part of the product provides it."""
    try:
        get_template(LETTER_STATUS_TEMPLATE)
    except TemplateDoesNotExist:
        return None
    return LETTER_STATUS_TEMPLATE


def _render_case(request, case: Case, *, status: int = 200, **forms):
    from determinations.models import Letter

    today = timezone.localdate()
    open_assignment = case.open_assignments[0] if case.open_assignments else None
    can = permissions.case_permissions(case, user=request.user)
    letter_template = _letter_status_template()
    # The letters panel (it reads the letters itself) appears once there are any.
    has_letters = bool(letter_template) and Letter.objects.filter(determination__case=case).exists()
    context = {
        "nav": "cases",
        "case": case,
        "today": today,
        "items": case.items.all(),
        "documents": case.documents.all(),
        "withdrawn_documents": selectors.withdrawn_documents(case),
        "withdraw_document_form": forms.get("withdraw_document_form") or WithdrawDocumentForm(),
        "withdraw_document_pk": forms.get("withdraw_document_pk"),
        # Why the record takes no new documents, and where later papers go (none while it does).
        "upload_refusal": permissions.upload_refusal(case),
        "checklist": selectors.screening_checklist(case),
        "can": can,
        "screening_form": forms.get("screening_form") or ScreeningForm(case=case),
        "document_formset": forms.get("document_formset") or DocumentFormSet(prefix="docs"),
        "records_form": forms.get("records_form") or RecordsCompleteForm(initial={"on": today}),
        "expedite_form": forms.get("expedite_form") or ExpediteForm(initial={"on": today}, case=case),
        "open_assignment": open_assignment,
        "withdraw_assignment_form": forms.get("withdraw_assignment_form") or WithdrawAssignmentForm(),
        "assignments": selectors.case_assignments(case),
        "reviewer_checks": reviewer_selectors.eligible_reviewers_for(case=case) if can.assign else [],
        "assign_form": forms.get("assign_form"),
        "letter_template": letter_template,
        "has_letters": has_letters,
        # "Who looked at this case": admins only (it names the staff and reviewers who did).
        "access_events": audit.case_access_events(case) if user_roles(request.user).admin else None,
        # Refusals not tied to a field, shown at the top even when the form
        # that caused them is no longer offered (e.g. already expedited).
        "action_errors": [e for form in forms.values() if hasattr(form, "non_field_errors") for e in form.non_field_errors()],
    }
    # Forms of the panels other apps add to the page (closures: termination, consolidation), refused ones included.
    context.update({name: form for name, form in forms.items() if name not in context})
    return render(request, "cases/case_detail.html", context, status=status)


@require_GET
@staff_required
def case_detail(request, number):
    case = selectors.case_page(request.user, number)
    audit.record(audit.Action.CASE_VIEW, case=case, obj=case, detail={"page": "intake"})
    return _render_case(request, case)


@require_POST
@staff_required
def case_screen(request, number):
    case = selectors.case_page(request.user, number)
    form = ScreeningForm(request.POST, case=case)
    if form.is_valid():
        d = form.cleaned_data
        try:
            outcome = services.case_screen(
                case=case,
                signature_present=d["signature_present"],
                ur_decision_attached=d["ur_decision_attached"],
                conditional_non_certification=d["conditional_non_certification"],
                liability_disputed=d["liability_disputed"],
                untimely_override_reason=d.get("untimely_override_reason", ""),
                note=d.get("note", ""),
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            result = outcome.case
            if outcome.eligible:
                messages.success(
                    request,
                    "Eligible. The notice of assignment is issued; records become due when it is sent to the claims administrator.",
                )
            elif result.status == Case.Status.DEFERRED:
                messages.warning(request, "Deferred: the claims administrator disputes liability.")
            else:
                messages.warning(request, f"Ineligible: {result.get_ineligible_reason_display()}.")
            return redirect(result)
    return _render_case(request, case, status=400, screening_form=form)


@require_POST
@staff_required
def document_upload(request, number):
    case = selectors.case_page(request.user, number)
    formset = DocumentFormSet(request.POST, request.FILES, prefix="docs")
    if formset.is_valid():
        uploads = formset.uploads()
        try:
            documents = services.documents_add(case=case, uploads=uploads, user=request.user)
        except ServiceError as exc:
            formset._non_form_errors.append(exc.message)
        else:
            messages.success(request, f"{len(documents)} document{'s' if len(documents) != 1 else ''} added.")
            return redirect(f"{case.get_absolute_url()}#documents")
    return _render_case(request, case, status=400, document_formset=formset)


@require_GET
@never_cache
@login_required
def document_download(request, number, pk):
    """The only way to read a stored document: the user must see the case
    (staff, or the reviewer it is assigned to), and the file must still match
    the hash taken at upload."""
    case = selectors.case_for_user(request.user, number)
    # A withdrawn (misfiled) document is off the case: only an admin, reviewing the trail, still opens it.
    documents = CaseDocument.all_objects if user_roles(request.user).admin else CaseDocument.objects
    document = documents.filter(case=case, pk=pk).exclude(file="").first()
    if document is None:
        audit.denied(case=case, object_type="cases.casedocument", object_id=pk, reason="no_such_document")
        raise Http404("No such document")
    try:
        handle = open_verified(file=document.file, sha256=document.sha256, case=case, obj=document)
    except StoredFileError as exc:
        raise Http404("No such document") from exc
    audit.record(
        audit.Action.DOCUMENT_DOWNLOAD, case=case, obj=document,
        detail={"kind": document.kind, **({"withdrawn": True} if document.is_withdrawn else {})},
    )
    # Whatever the uploaded name was, the saved file ends in .pdf (issue 19 item 6).
    filename = document.download_name
    response = FileResponse(handle, content_type="application/pdf")
    # Inline: the reviewer's case file opens documents in the browser's viewer.
    return protect_file_response(response, filename=filename, inline=True)


@require_POST
@staff_required
def records_complete(request, number):
    case = selectors.case_page(request.user, number)
    form = RecordsCompleteForm(request.POST)
    if form.is_valid():
        try:
            from correspondence.services import records_mark_complete  # the records checklist's decision

            case = records_mark_complete(case=case, on=form.cleaned_data["on"], user=request.user, note=form.cleaned_data["note"])
        except ServiceError as exc:
            add_service_error(form, exc, prefix_map={"records_complete_on": "on"})
        else:
            messages.success(request, f"Records complete. Decision due {case.decision_due_on:%B %-d, %Y}.")
            return redirect(case)
    return _render_case(request, case, status=400, records_form=form)


@require_POST
@staff_required
def convert_to_expedited(request, number):
    case = selectors.case_page(request.user, number)
    form = ExpediteForm(request.POST, case=case)
    if form.is_valid():
        try:
            case = services.case_convert_to_expedited(case=case, on=form.cleaned_data["on"])
        except ServiceError as exc:
            add_service_error(form, exc, prefix_map={"review_type": None, "expedited_since": "on"})
        else:
            messages.success(request, "Converted to expedited review; deadlines recomputed. Notify the parties.")
            return redirect(case)
    return _render_case(request, case, status=400, expedite_form=form)


@require_POST
@staff_required
def assign(request, number):
    case = selectors.case_page(request.user, number)
    form = AssignForm(request.POST)
    if form.is_valid():
        reviewer = Reviewer.objects.filter(pk=form.cleaned_data["reviewer"]).first()
        if reviewer is None:
            form.add_error(None, "No such reviewer.")
        else:
            try:
                # The service re-checks eligibility and conflicts under a lock:
                # a hand-made POST for an ineligible reviewer is refused here.
                reviewer_services.reviewer_assign(case=case, reviewer=reviewer, assigned_by=request.user)
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Offered to {reviewer}.")
                return redirect(case)
    else:
        form.add_error(None, "Choose a reviewer.")
    return _render_case(request, selectors.case_page(request.user, number), status=400, assign_form=form)


@require_POST
@staff_required
def document_withdraw(request, number, pk):
    """Take a misfiled document off the case, with a reason (cases.services.document_withdraw)."""
    case = selectors.case_page(request.user, number)
    document = CaseDocument.objects.filter(case=case, pk=pk).first()
    if document is None:
        raise Http404("No such document")
    form = WithdrawDocumentForm(request.POST)
    if form.is_valid():
        try:
            services.document_withdraw(document=document, user=request.user, reason=form.cleaned_data["reason"])
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, f"“{document.title}” was withdrawn from the case. The reviewer's file and future letters no "
                "longer include it; the file is kept for the audit trail.",
            )
            return redirect(f"{case.get_absolute_url()}#documents")
    return _render_case(request, selectors.case_page(request.user, number), status=400,
                        withdraw_document_form=form, withdraw_document_pk=document.pk)


@require_POST
@staff_required
def assignment_withdraw(request, number):
    """Take the case back from its reviewer (offered or accepted), with a reason; then reassign."""
    case = selectors.case_page(request.user, number)
    open_assignment = case.open_assignments[0] if case.open_assignments else None
    form = WithdrawAssignmentForm(request.POST)
    if open_assignment is None:
        form.add_error(None, "The case has no open assignment to withdraw.")
    elif form.is_valid():
        try:
            reviewer_services.assignment_withdraw(
                assignment=open_assignment, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, f"The case was taken back from {open_assignment.reviewer}, who has been told. Offer it to another reviewer."
            )
            return redirect(f"{case.get_absolute_url()}#assignment")
    return _render_case(request, selectors.case_page(request.user, number), status=400, withdraw_assignment_form=form)
