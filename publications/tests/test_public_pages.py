"""The public decision search: no sign-in, no cookies, cache-friendly, rate-limited, searchable,
and reading the public index's own tables only."""

import csv
import io
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import http_date

from accounts.models import AuditEvent
from publications import selectors
from publications.models import PublishedDecision
from publications.views import CSV_COLUMNS
from tests.factories import UserFactory

from .helpers import published

pytestmark = pytest.mark.django_db

SEARCH = reverse("decisions:search")
CSV_URL = reverse("decisions:index_csv")


@pytest.fixture
def index():
    """Five published cases with different keys."""
    rows = [
        published(decided_on=date(2026, 3, 10), matched="Physical Medicine & Rehabilitation", diagnosis_icd="M54.16",
                  items=(("Physical Medicine", "Eight (8) physical therapy visits", "upheld"),))[0],
        published(decided_on=date(2026, 3, 12), matched="Pain Medicine", diagnosis_icd="G89.4",
                  items=(("Pharmaceuticals", "Norco (hydrocodone/acetaminophen) 10/325 mg #60", "overturned"),
                         ("Pharmaceuticals", "Oxycodone 10 mg #90", "overturned"),
                         ("Pharmaceuticals", "Cyclobenzaprine 7.5 mg #90", "upheld")))[0],
        published(decided_on=date(2026, 4, 2), matched="Orthopaedic Surgery", diagnosis_icd="M23.203",
                  items=(("Surgery", "Right knee arthroscopy with partial medial meniscectomy", "upheld"),))[0],
        published(decided_on=date(2026, 4, 20), matched="Psychiatry", diagnosis_icd="F43.23", review_type="expedited",
                  items=(("Behavioral/Mental Health", "Six (6) sessions of cognitive behavioral therapy", "overturned"),))[0],
        published(decided_on=date(2026, 5, 1), matched="Pain Medicine", diagnosis_icd="M54.16",
                  items=(("Pharmaceuticals", "Gabapentin 600 mg #90", "upheld"),
                         ("Physical Medicine", "Six (6) sessions of aquatic therapy", "overturned")))[0],
    ]
    return rows


def numbers_in(response) -> list[str]:
    return re.findall(r'id="case-\d+">Case (CM[\d-]+)<', response.content.decode())


def test_anonymous_readers_get_the_page_without_any_cookie_or_vary(client, index):
    response = client.get(SEARCH)
    assert response.status_code == 200
    assert not response.cookies, response.cookies
    assert "Set-Cookie" not in response.headers
    assert "cookie" not in response.get("Vary", "").lower()
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["ETag"] and response["Last-Modified"]
    # Latest first.
    assert numbers_in(response) == [row.case_number for row in sorted(index, key=lambda r: r.decision_date, reverse=True)]
    html = response.content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert "<script" not in html and " style=" not in html and "<style" not in html  # CSP: nothing inline


def test_conditional_get_answers_304_until_the_index_changes(client, index):
    first = client.get(SEARCH, {"category": "Pharmaceuticals"})
    etag, modified = first["ETag"], first["Last-Modified"]
    again = client.get(SEARCH, {"category": "Pharmaceuticals"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    assert client.get(SEARCH, {"category": "Pharmaceuticals"}, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    # Another query is another resource.
    assert client.get(SEARCH, {"category": "Surgery"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    published(decided_on=date(2026, 6, 1))
    changed = client.get(SEARCH, {"category": "Pharmaceuticals"}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    pdf_url = reverse("decisions:pdf", args=[index[0].case_number])
    pdf = client.get(pdf_url)
    assert client.get(pdf_url, HTTP_IF_NONE_MATCH=pdf["ETag"]).status_code == 304
    assert client.get(CSV_URL, HTTP_IF_NONE_MATCH=client.get(CSV_URL)["ETag"]).status_code == 304


def test_a_signed_in_reader_gets_a_private_response(client, index):
    client.force_login(UserFactory())
    response = client.get(SEARCH)
    assert response.status_code == 200
    if response.cookies:  # the session is extended: no shared cache may keep this response
        assert "no-store" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_each_address_is_rate_limited(client, settings, index):
    settings.PUBLIC_RATE_LIMIT = "3/60"
    assert [client.get(SEARCH).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(CSV_URL)
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1 and not limited.cookies
    assert client.get(SEARCH, REMOTE_ADDR="203.0.113.9").status_code == 200  # another address
    # A forged X-Forwarded-For does not make a new address (no trusted proxy configured).
    assert client.get(SEARCH, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429


@pytest.mark.parametrize("query, expected", [
    ({"category": "Pharmaceuticals"}, [4, 1]),
    ({"category": "Pharmaceuticals", "subcategory": "Pharmaceuticals|Opioids"}, [1]),
    ({"subcategory": "Physical Medicine|Aquatic therapy"}, [4]),
    ({"outcome": "overturned"}, [4, 3, 1]),
    ({"outcome": "overturned", "category": "Physical Medicine"}, [4]),
    ({"diagnosis": "Mental"}, [3]),
    ({"diagnosis": "Orthopedic / Musculoskeletal"}, [4, 2, 0]),
    ({"specialty": "Pain Medicine"}, [4, 1]),
    ({"decided_from": "2026-04-01", "decided_to": "2026-04-30"}, [3, 2]),
    ({"number": "placeholder"}, [2]),
])
def test_each_filter_finds_exactly_its_decisions(client, index, query, expected):
    if "number" in query:
        query = {"number": " " + index[2].case_number.lower() + " "}
    response = client.get(SEARCH, query)
    assert numbers_in(response) == [index[i].case_number for i in expected]
    rows = list(csv.reader(io.StringIO(b"".join(client.get(CSV_URL, query).streaming_content).decode())))
    assert sorted({row[0] for row in rows[1:]}) == sorted(index[i].case_number for i in expected)


def test_a_bad_search_says_what_is_wrong_and_shows_nothing(client, index):
    response = client.get(SEARCH, {"category": "Surgery", "subcategory": "Pharmaceuticals|Opioids"})
    assert response.status_code == 200 and numbers_in(response) == []
    assert "is not a subcategory of Surgery" in response.content.decode()
    assert client.get(CSV_URL, {"decided_from": "2026-05-01", "decided_to": "2026-04-01"}).status_code == 400


def test_pages_follow_by_key_and_list_every_decision_once(client, index, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    seen, url = [], SEARCH
    for _ in range(5):
        response = client.get(url)
        seen += numbers_in(response)
        match = re.search(r'href="(\?[^"]*after=[^"]+)">Next page', response.content.decode())
        if not match:
            break
        url = SEARCH + match.group(1).replace("&amp;", "&")
    assert seen == [row.case_number for row in sorted(index, key=lambda r: r.decision_date, reverse=True)]


def test_a_decision_with_several_matching_items_is_listed_once(client, index, monkeypatch):
    monkeypatch.setattr(selectors, "_WALK", 1)  # one item row per round: the walk must still collect distinct decisions
    response = client.get(SEARCH, {"category": "Pharmaceuticals"})
    assert numbers_in(response) == [index[4].case_number, index[1].case_number]


def test_results_show_each_item_with_its_outcome_the_specialty_and_the_pdf_link(client, index):
    html = client.get(SEARCH, {"number": index[1].case_number}).content.decode()
    assert "Decided Mar 12, 2026" in html and "Reviewer specialty: Pain Medicine" in html
    assert html.count('class="outcome-overturned">Overturned</span>') == 2 and 'class="outcome-upheld">Upheld</span>' in html
    assert reverse("decisions:pdf", args=[index[1].case_number]) in html


def test_the_csv_has_the_open_data_columns_and_one_row_per_item(client, index):
    response = client.get(CSV_URL)
    assert response["Content-Type"].startswith("text/csv") and not response.cookies
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == CSV_COLUMNS
    assert rows[0][:10] == ["ReferenceID", "ReportYear", "DiagnosisCategory", "DiagnosisSubCategory", "TreatmentCategory",
                            "TreatmentSubCategory", "Determination", "Type", "AgeRange", "PatientGender"]
    assert len(rows) == 1 + 8
    opioid = next(r for r in rows if r[5] == "Opioids")
    assert opioid[:11] == [index[1].case_number, "2026", "Chronic Pain", "Chronic pain", "Pharmaceuticals", "Opioids",
                           "Overturned Decision of Utilization Review", "Medical Necessity", "51-64", "Male", "Standard"]


def test_the_public_copy_is_served_signed_out_verified_and_only_the_public_variant(client, index):
    row = PublishedDecision.objects.get(pk=index[0].pk)
    response = client.get(reverse("decisions:pdf", args=[row.case_number]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == row.source_letter.file.open("rb").read()
    assert row.source_letter.variant == "public" and not response.cookies
    assert response["ETag"] == f'"{row.pdf_sha256}"' and response["Content-Security-Policy"] == "sandbox"
    parties = row.source_letter.determination.letters.get(variant="parties")
    assert parties.file.name != row.pdf.name
    assert client.get(reverse("decisions:pdf", args=["CM99-0000000"])).status_code == 404


def test_a_tampered_public_copy_is_not_served(client, index):
    row = PublishedDecision.objects.get(pk=index[0].pk)
    with open(row.pdf.path, "ab") as handle:
        handle.write(b"tampered")
    response = client.get(reverse("decisions:pdf", args=[row.case_number]))
    assert response.status_code == 503 and "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.INTEGRITY_MISMATCH).exists()


def _tables(queries) -> set[str]:
    tables = set()
    for q in queries:
        tables |= set(re.findall(r'(?:FROM|JOIN)\s+"?([a-z_]+)"?', q["sql"], re.IGNORECASE))
    return tables


@pytest.mark.parametrize("url, query", [
    (SEARCH, {}), (SEARCH, {"category": "Pharmaceuticals", "outcome": "overturned"}), (CSV_URL, {}), ("pdf", {}),
])
def test_public_pages_read_the_public_index_and_nothing_else(client, index, url, query):
    """No query of a public page can reach a name, a claim number or a birth date: it reads these tables only."""
    if url == "pdf":
        url = reverse("decisions:pdf", args=[index[0].case_number])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, query)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    tables = _tables(ctx.captured_queries)
    assert tables and all(t.startswith("publications_") for t in tables), tables


def test_the_search_runs_the_same_queries_with_or_without_filters_and_few_or_many_decisions(client, index, django_assert_num_queries):
    client.get(SEARCH)
    with CaptureQueriesContext(connection) as plain:
        client.get(SEARCH)
    with CaptureQueriesContext(connection) as filtered:
        client.get(SEARCH, {"category": "Pharmaceuticals", "outcome": "overturned", "decided_from": "2026-01-01"})
    assert len(plain.captured_queries) == len(filtered.captured_queries)
    for day in range(1, 20):
        published(decided_on=date(2026, 2, day),
                  items=(("Pharmaceuticals", "Oxycodone 10 mg #90", "overturned"), ("Physical Medicine", "PT", "upheld")))
    with django_assert_num_queries(len(plain.captured_queries)):
        client.get(SEARCH)
    with django_assert_num_queries(len(plain.captured_queries)):
        client.get(SEARCH, {"category": "Pharmaceuticals", "outcome": "overturned", "decided_from": "2026-01-01"})


def test_last_modified_is_the_index_s_last_change(client, index):
    from publications.models import PublicationState

    state = PublicationState.objects.get()
    assert client.get(SEARCH)["Last-Modified"] == http_date(state.changed_at.timestamp())
