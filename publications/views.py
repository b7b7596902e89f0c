"""The public decision search (no sign-in): /decisions/.

The views read the public index only (publications.selectors), render
without a request context (no user, no session, no CSRF token: nothing that
sets a cookie or varies by reader), answer conditional GETs from the index's
last change (ETag / Last-Modified, 304), and are rate-limited per address.
"""

import csv

from django.conf import settings
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_GET

from cases import classification
from imrsite.downloads import StoredFileError, open_verified, protect_file_response

from . import selectors
from .forms import SearchForm
from .ratelimit import rate_limited

# Part of every validator: a new release's pages are not answered 304 from an old one's.
PAGE_VERSION = "1"
# The state's open IMR data columns (domain.md §6.1), then ours.
CSV_COLUMNS = [
    "ReferenceID", "ReportYear", "DiagnosisCategory", "DiagnosisSubCategory", "TreatmentCategory",
    "TreatmentSubCategory", "Determination", "Type", "AgeRange", "PatientGender",
    "IMRType", "DecisionDate", "ItemNumber", "CaseOutcome", "ReviewerSpecialty",
]
# The open data's wording ("Upheld Decision of Health Plan"), with the workers' comp decision reviewed.
DETERMINATION_WORDS = {"upheld": "Upheld Decision of Utilization Review", "overturned": "Overturned Decision of Utilization Review"}
# IMR in workers' compensation decides medical necessity only (LC 4610.6(a)).
IMR_TYPE = "Medical Necessity"


def _public(response, *, etag=None, last_modified=None, max_age=None):
    """Headers every public response carries; marks it for PublicPageMiddleware."""
    if etag:
        response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = f"public, max-age={settings.PUBLIC_CACHE_SECONDS if max_age is None else max_age}"
    response.public_page = True
    return response


def _seconds(moment):
    return int(moment.timestamp()) if moment else None


def _conditional(request, *parts):
    """(304 response or None, etag, last_modified, state) for a page of the index."""
    state = selectors.index_state()
    etag, last_modified = selectors.validator(state, PAGE_VERSION, *parts)
    response = get_conditional_response(request, etag=etag, last_modified=_seconds(last_modified))
    return response, etag, last_modified, state


@require_GET
@rate_limited
def decision_search(request):
    not_modified, etag, last_modified, state = _conditional(request, "search", request.GET.urlencode())
    if not_modified is not None:
        return _public(not_modified, etag=etag, last_modified=last_modified)
    form = SearchForm(request.GET, specialties=state.specialties if state else [])
    page, cursor = selectors.SearchPage(), selectors.Cursor.parse(request.GET.get("after"))
    if form.is_valid():
        page = selectors.search(form.filters(), after=cursor, limit=selectors.PAGE_SIZE)
    query = request.GET.copy()
    query.pop("after", None)
    next_url = ""
    if page.next_cursor:
        following = query.copy()
        following["after"] = page.next_cursor.token()
        next_url = f"?{following.urlencode()}"
    html = render_to_string("publications/search.html", {
        "form": form,
        "page": page,
        "state": state,
        "paged": cursor is not None,
        "first_url": f"?{query.urlencode()}" if query else reverse("decisions:search"),
        "next_url": next_url,
        "csv_url": reverse("decisions:index_csv") + (f"?{query.urlencode()}" if query else ""),
        "filtered": any(v for k, v in request.GET.items() if k != "after"),
        "subcategories_confirmed": classification.SUBCATEGORIES_CONFIRMED,
        "imro_name": settings.IMRO_NAME,
        "imro_short_name": settings.IMRO_SHORT_NAME,
    })
    return _public(HttpResponse(html), etag=etag, last_modified=last_modified)


class _Echo:
    def write(self, value):
        return value


def _csv_rows(filters):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for item in selectors.index_rows(filters):
        d = item.decision
        yield writer.writerow([
            d.case_number, d.decision_date.year, d.diagnosis_category, d.diagnosis_subcategory, item.category,
            item.subcategory, DETERMINATION_WORDS.get(item.outcome, item.outcome), IMR_TYPE, d.age_range, d.gender,
            d.review_type, d.decision_date.isoformat(), item.position + 1, d.case_outcome, d.specialty,
        ])


@require_GET
@rate_limited
def decision_index_csv(request):
    """The index as CSV, one row per decided item, in the open IMR data's columns (filters as the search)."""
    not_modified, etag, last_modified, state = _conditional(request, "csv", request.GET.urlencode())
    if not_modified is not None:
        return _public(not_modified, etag=etag, last_modified=last_modified)
    form = SearchForm(request.GET, specialties=state.specialties if state else [])
    if not form.is_valid():
        errors = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in form.errors.items())
        response = HttpResponse(f"Bad filter: {errors}\n", status=400, content_type="text/plain; charset=utf-8")
        return _public(response, max_age=0)
    response = StreamingHttpResponse(_csv_rows(form.filters()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="imr-decisions.csv"'
    return _public(response, etag=etag, last_modified=last_modified)


@require_GET
@rate_limited
def decision_pdf(request, number):
    """The redacted public copy, as published: served only while it matches its recorded sha256."""
    published = selectors.published_copy(number)
    if published is None:
        raise Http404("No published decision with this number")
    etag = f'"{published.pdf_sha256}"'
    last_modified = published.replaced_at or published.published_at
    not_modified = get_conditional_response(request, etag=etag, last_modified=_seconds(last_modified))
    if not_modified is not None:
        return _public(not_modified, etag=etag, last_modified=last_modified)
    try:
        with open_verified(file=published.pdf, sha256=published.pdf_sha256, obj=published) as handle:
            data = handle.read()
    except StoredFileError:
        response = HttpResponse(
            "This decision's public copy is temporarily unavailable.\n", status=503, content_type="text/plain; charset=utf-8"
        )
        response["Cache-Control"] = "no-store"
        return response
    response = protect_file_response(
        HttpResponse(data, content_type="application/pdf"), filename=f"{published.case_number}-public.pdf", inline=True
    )
    response["Content-Length"] = str(len(data))
    return _public(response, etag=etag, last_modified=last_modified)
