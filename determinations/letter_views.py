"""Letter download and status views; every read goes through `letter_selectors`."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts import audit
from accounts.sessions import passive_session
from cases.visibility import case_for_user
from imrsite.downloads import protect_file_response

from .letter_selectors import letter_for_user, letters_for_case
from .letters import LetterIntegrityError, letter_read_verified
from .models import Letter

PENDING = {Letter.Status.QUEUED, Letter.Status.RENDERING}
BADGES = {
    Letter.Status.QUEUED: "text-bg-secondary",
    Letter.Status.RENDERING: "text-bg-info",
    Letter.Status.READY: "text-bg-success",
    Letter.Status.FAILED: "text-bg-danger",
}


def _private(response):
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def letter_status_rows(case, letters) -> dict:
    """The JSON the status partial polls, also used to render it the first time."""
    rows = []
    for letter in letters:
        rows.append(
            {
                "id": letter.pk,
                "variant": letter.variant,
                "label": f"{letter.get_variant_display()}, version {letter.version}",
                "status": letter.status,
                "status_label": letter.get_status_display(),
                "badge_class": BADGES.get(letter.status, "text-bg-secondary"),
                "page_count": letter.page_count,
                "error": letter.error.splitlines()[0][:300] if letter.error else "",
                "download_url": reverse("letters:download", kwargs={"number": case.number, "pk": letter.pk})
                if letter.status == Letter.Status.READY
                else "",
            }
        )
    return {"letters": rows, "pending": any(row["status"] in PENDING for row in rows)}


@passive_session  # polled on a timer: not activity, never extends the session
@login_required
@require_GET
def letter_status(request, number):
    case = case_for_user(request.user, number)
    return _private(JsonResponse(letter_status_rows(case, letters_for_case(case))))


@login_required
@require_GET
def letter_download(request, number, pk):
    letter = letter_for_user(request.user, number=number, pk=pk)
    if letter.status != Letter.Status.READY:
        raise Http404("The letter is not ready")
    try:
        data = letter_read_verified(letter=letter)
    except LetterIntegrityError as exc:
        response = HttpResponse(
            f"This letter cannot be served: {exc.message}. Re-render it from the admin.",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
        return _private(response)
    case = letter.determination.case
    filename = f"{case.number}-{letter.variant}-v{letter.version}.pdf"
    audit.record(audit.Action.LETTER_DOWNLOAD, case=case, obj=letter, detail={"variant": letter.variant, "version": letter.version})
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Length"] = str(len(data))
    return protect_file_response(response, filename=filename)

