"""Review pages: a physician reviewer's queue, case file and determination.

Every page is for the reviewer role only (others: 403) and finds its case
through `cases.visibility.case_for_user`, narrowed to the reviewer's own
assignments: any other case is a 404, exactly like a case that does not exist.
"""

from csp.constants import SELF
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import audit
from accounts.roles import user_roles
from cases.visibility import case_for_user
from imrsite.errors import ServiceError
from imrsite.forms import add_service_error
from reviewers import services as reviewer_services
from reviewers.models import Assignment, Reviewer

from . import rendering, selectors, services
from .forms import AcceptForm, DeclineForm, DeterminationForm, ItemDecisionForm, guideline_choices
from .models import Letter, outcome_label

Status = Assignment.Status


def _reviewer(request):
    """The logged-in user's reviewer profile; intake and admins may not write determinations."""
    if not user_roles(request.user).reviewer:
        raise PermissionDenied("The review pages are for physician reviewers.")
    try:
        return request.user.reviewer
    except Reviewer.DoesNotExist as exc:
        raise PermissionDenied("Your account has no reviewer profile.") from exc


def _case_and_assignment(request, number):
    reviewer = _reviewer(request)
    case = case_for_user(request.user, number, base=selectors.reviewer_cases(reviewer))
    assignment = selectors.reviewer_assignment(reviewer=reviewer, case=case)
    if assignment is None:  # withdrawn between the two reads
        raise Http404("No such case")
    return reviewer, case, assignment


def _accepted(request, number):
    """Case, assignment and determination for the pages that need an accepted case."""
    reviewer, case, assignment = _case_and_assignment(request, number)
    if assignment.status == Status.OFFERED:
        messages.info(request, "Accept the case before you write the determination.")
        return reviewer, case, assignment, None
    # Only ever the reviewer's own version: a correction given to someone else is theirs.
    determination = selectors.reviewer_determination(case=case, reviewer=reviewer)
    if determination is None and assignment.status == Status.ACCEPTED:
        try:
            determination = services.determination_start(case=case, reviewer=reviewer)
        except ServiceError as exc:
            raise Http404("No such case") from exc
    if determination is None:
        raise Http404("No such case")
    return reviewer, case, assignment, determination


@login_required
@require_GET
def dashboard(request):
    from worklists import queues as work_queues
    from worklists.selectors import reviewer_home

    reviewer = _reviewer(request)
    today = timezone.localdate()
    key = request.GET.get("queue", "")
    only = work_queues.reviewer_queue_condition(key, today) if key in work_queues.REVIEWER_QUEUE_KEYS else None
    queue = selectors.reviewer_queue(reviewer=reviewer, today=today, only=only, after=request.GET.get("after", ""))
    audit.record(audit.Action.CASE_LIST, detail={"page": "review", **({"queue": key} if only is not None else {})})
    return render(request, "review/dashboard.html", {
        "queue": queue, "today": today, "nav": "review",
        "work": reviewer_home(request.user, reviewer, today),
        "current_queue": key if only is not None else "",
        "current_queue_label": next((q.label for q in work_queues.REVIEWER_QUEUES if q.key == key), ""),
    })


@login_required
@require_GET
@never_cache
def case_file(request, number):
    reviewer = _reviewer(request)
    case = case_for_user(request.user, number, base=selectors.reviewer_case_file_cases(reviewer))
    # No assignment: an emergency grant opened the case; the page is read-only then.
    assignment = selectors.reviewer_assignment(reviewer=reviewer, case=case)
    detail = {"page": "review"} if assignment else {"page": "review", "emergency": True}
    audit.record(audit.Action.CASE_VIEW, case=case, obj=case, detail=detail)
    return _case_file_page(request, case, assignment)


def _case_file_page(request, case, assignment, accept_form=None, decline_form=None, status=200):
    return render(
        request,
        "review/case_file.html",
        {
            "case": case,
            "assignment": assignment,
            # With each item's manufacturer: the reviewer attests to no tie with it.
            "items": list(case.items.select_related("manufacturer")),
            "documents": list(case.documents.all()),
            "determination": selectors.reviewer_determination(case=case, reviewer=assignment.reviewer) if assignment else None,
            "accept_form": accept_form or AcceptForm(),
            "decline_form": decline_form or DeclineForm(),
            "today": timezone.localdate(),
            "nav": "review",
        },
        status=status,
    )


@login_required
@require_POST
def accept(request, number):
    reviewer, case, assignment = _case_and_assignment(request, number)
    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            reviewer_services.assignment_accept(assignment=assignment, user=request.user, attested=True)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"You accepted {case.number}. Your attestation is recorded.")
            return redirect("review:determination", number=case.number)
    return _case_file_page(request, case, assignment, accept_form=form, status=400)


@login_required
@require_POST
def decline(request, number):
    reviewer, case, assignment = _case_and_assignment(request, number)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            reviewer_services.assignment_decline(
                assignment=assignment, user=request.user, reason=form.cleaned_data["reason"], kind=form.cleaned_data["kind"]
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"You declined {case.number}. Intake has been told and will reassign it.")
            return redirect("review:dashboard")
    return _case_file_page(request, case, assignment, decline_form=form, status=400)


def _decision_forms(determination, rows, data=None):
    catalog = selectors.guideline_catalog()
    by_id = {str(g.pk): g for g in catalog}
    choices = guideline_choices(catalog)
    forms = []
    for index, row in enumerate(rows):
        forms.append(
            ItemDecisionForm(
                data,
                prefix=f"item-{index}",
                initial=ItemDecisionForm.initial_for(row),
                item_decision=row,
                catalog=by_id,
                choices=choices,
            )
        )
    return forms, catalog


def _determination_page(request, case, assignment, determination, rows, form, item_forms, catalog, status=200):
    return render(
        request,
        "review/determination.html",
        {
            "case": case,
            "assignment": assignment,
            "determination": determination,
            "form": form,
            "item_pairs": list(zip(rows, item_forms)),
            # No outcome until every item is decided: a partial one would be a guess.
            "outcome": determination.outcome_from(rows),
            "problems": services.finalize_problems(determination) if not determination.is_final else [],
            "never_saved": determination.revision == 0,
            "guideline_levels": {str(g.pk): g.evidence_level for g in catalog},
            "mixed_label": settings.IMR_OUTCOME_MIXED_LABEL,
            "nav": "review",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def determination(request, number):
    reviewer, case, assignment, det = _accepted(request, number)
    if det is None:
        return redirect("review:case", number=case.number)
    rows = selectors.determination_decisions(det)
    if request.method == "GET" or det.is_final:
        if request.method == "POST":
            messages.error(request, "This determination is final and cannot be changed.")
            return redirect("review:determination", number=case.number)
        form = DeterminationForm(initial={"clinical_case_summary": det.clinical_case_summary, "revision": det.revision})
        item_forms, catalog = _decision_forms(det, rows)
        audit.record(audit.Action.DETERMINATION_VIEW, case=case, obj=det, detail={"page": "edit"})
        return _determination_page(request, case, assignment, det, rows, form, item_forms, catalog)

    form = DeterminationForm(request.POST)
    item_forms, catalog = _decision_forms(det, rows, data=request.POST)
    valid = form.is_valid() & all([f.is_valid() for f in item_forms])
    decisions = _decisions_from(item_forms, rows) if valid else []
    if not valid:
        messages.error(request, "Some answers need correcting; nothing was saved.")
        return _determination_page(request, case, assignment, det, rows, form, item_forms, catalog, status=400)
    try:
        det = services.determination_save_draft(
            determination=det,
            clinical_case_summary=form.cleaned_data["clinical_case_summary"],
            decisions=decisions,
            revision=form.cleaned_data["revision"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message[:1].upper() + exc.message[1:] + ".")
        if exc.code == "determination_final":
            return redirect("review:determination", number=case.number)
        return _determination_page(request, case, assignment, det, rows, form, item_forms, catalog, status=409)
    action = request.POST.get("action", "save")
    if action == "preview":
        return redirect("review:preview", number=case.number)
    if action == "finalize":
        return redirect("review:finalize", number=case.number)
    messages.success(request, "Draft saved. You can come back to it at any time.")
    return redirect("review:determination", number=case.number)


def _decisions_from(item_forms, rows) -> list:
    """The answers of the item forms (their valid fields) as the service takes them."""
    by_pk = {row.pk: row for row in rows}
    decisions = []
    for f in item_forms:
        data = f.cleaned_data
        row = by_pk.get(data.get("decision_id"))
        if row is None:  # an edited hidden field naming another case's row
            raise Http404("No such item")
        decisions.append(
            services.DecisionData(
                item_id=row.item_id,
                decision=data.get("decision") or "",
                guideline=data.get("guideline"),
                section=data.get("section") or "",
                pages=data.get("pages") or "",
                evidence_level=data.get("evidence_level") or "",
                lower_level_reason=data.get("lower_level_reason") or "",
                rationale=data.get("rationale") or "",
            )
        )
    if len({d.item_id for d in decisions}) != len(rows):
        raise Http404("No such item")
    return decisions


@login_required
@require_POST
@never_cache
def determination_check(request, number):
    """What still stops finalizing, judged on the form as typed (nothing is
    saved): the form's "Before you can finalize" list refreshes from this.
    The page's script sends each free text as "x" or "" (the rules ask only
    whether it is filled in), so typed text leaves the browser only on a save.

    Not audited: it returns the reviewer's own unsaved input judged by the
    rules, nothing the audited determination page did not already show.
    """
    reviewer, case, assignment, det = _accepted(request, number)
    if det is None or det.is_final:
        return JsonResponse({"final": True, "problems": [], "outcome": ""}, status=409)
    rows = selectors.determination_decisions(det)
    form = DeterminationForm(request.POST)
    item_forms, _ = _decision_forms(det, rows, data=request.POST)
    form.is_valid()
    for f in item_forms:
        f.is_valid()
    decisions = _decisions_from(item_forms, rows)
    problems = services.finalize_problems(
        det, clinical_case_summary=form.cleaned_data.get("clinical_case_summary") or "", decisions=decisions
    )
    invalid = [
        f"{row.item.description}: {f.fields[name].label}: {' '.join(errors)}"
        for row, f in zip(rows, item_forms)
        for name, errors in f.errors.items()
        if name in f.fields
    ]
    outcome = outcome_label([d.decision for d in decisions])
    response = JsonResponse({"final": False, "problems": invalid + [message for _, message in problems], "outcome": outcome})
    response.headers["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_GET
@never_cache
def preview(request, number):
    """The letter as the parties will read it, before finalizing."""
    reviewer, case, assignment, det = _accepted(request, number)
    if det is None:
        return redirect("review:case", number=case.number)
    audit.record(audit.Action.LETTER_PREVIEW, case=case, obj=det, detail={"page": "preview"})
    return render(
        request,
        "review/preview.html",
        {"case": case, "determination": det, "assignment": assignment, "nav": "review"},
    )


@login_required
@require_GET
@never_cache
@xframe_options_sameorigin  # shown in the preview page's frame, nowhere else
@csp_replace({"frame-ancestors": [SELF]})
def preview_letter(request, number):
    """The parties' letter from the template the PDF uses, with its print stylesheet."""
    reviewer, case, assignment, det = _accepted(request, number)
    if det is None:
        raise Http404("No determination")
    audit.record(audit.Action.LETTER_PREVIEW, case=case, obj=det, detail={"page": "letter"})
    html = rendering.letter_html(
        determination=rendering.load_determination(det.pk),
        variant=Letter.Variant.PARTIES,
        stylesheet_href=static("letters/letter.css"),
    )
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def finalize(request, number):
    reviewer, case, assignment, det = _accepted(request, number)
    if det is None:
        return redirect("review:case", number=case.number)
    if det.is_final:
        messages.info(request, "This determination is already final.")
        return redirect("review:determination", number=case.number)
    status = 200
    if request.method == "POST":
        try:
            revision = int(request.POST.get("revision", ""))
        except ValueError:
            revision = -1  # a missing or edited revision is never the current one
        try:
            services.determination_finalize(determination=det, user=request.user, revision=revision)
        except ServiceError as exc:
            messages.error(request, exc.message[:1].upper() + exc.message[1:] + ".")
            det.refresh_from_db()
            status = 409 if exc.code == "stale_revision" else 400
        else:
            messages.success(
                request, f"The determination of {case.number} is final. The letters are being prepared."
            )
            return redirect("review:case", number=case.number)
    rows = selectors.determination_decisions(det)
    if request.method == "GET":
        audit.record(audit.Action.DETERMINATION_VIEW, case=case, obj=det, detail={"page": "finalize"})
    return render(
        request,
        "review/finalize.html",
        {
            "case": case,
            "determination": det,
            "rows": rows,
            "outcome": det.outcome_from(rows),
            "problems": services.finalize_problems(det),
            "nav": "review",
        },
        status=status,
    )

