"""/reports/: who may see it, what it shows, its exports, its PDF, and its query count."""

import csv
import io
import re
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from cases.models import Case
from reports.models import ReportDocument
from reports.services import reports_refresh
from tests.factories import CaseFactory, OrganizationFactory, UserFactory

from .world import build

pytestmark = pytest.mark.django_db

INDEX = reverse("reports:index")
MARCH = {"start": "2026-03", "end": "2026-03"}
YEAR = {"start": "2026-01", "end": "2026-12"}


@pytest.fixture
def manager():
    user = UserFactory(username="manager1")
    user.groups.add(Group.objects.get(name=Role.MANAGER))
    return user


@pytest.fixture
def figures():
    specs, fixed = build(seed=3, n=60)
    reports_refresh(full=True, today=date(2026, 7, 10))
    return specs, fixed


@pytest.mark.parametrize("who, status", [("manager", 200), ("admin", 200), ("intake", 403), ("reviewer", 403), ("anonymous", 302)])
def test_the_page_is_for_managers_and_admins(client, who, status, manager, admin_user, intake_user, reviewer_user):
    user = {"manager": manager, "admin": admin_user, "intake": intake_user, "reviewer": reviewer_user}.get(who)
    if user:
        client.force_login(user)
    response = client.get(INDEX)
    assert response.status_code == status
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    for url in (reverse("reports:export", args=["letters", "csv"]), reverse("reports:export", args=["all", "xlsx"])):
        assert client.get(url).status_code == status



def body(response) -> bytes:
    """A download's bytes, streamed (the CSVs) or not (XLSX, PDF)."""
    return b"".join(response.streaming_content) if response.streaming else response.content

def test_a_manager_signs_in_to_the_reports_and_sees_no_case_page(client, manager):
    client.force_login(manager)
    assert client.get(reverse("home"))["Location"] == INDEX
    assert client.get(reverse("cases:list")).status_code == 403
    html = client.get(INDEX).content.decode()
    assert 'href="/reports/"' in html and 'href="/cases/"' not in html


def test_the_page_shows_every_figure_and_chart_of_the_period(client, manager, figures):
    client.force_login(manager)
    html = client.get(INDEX, YEAR).content.decode()
    assert "IMR statistics: January–December 2026" in html
    for heading in ("Applications received", "Ineligible applications by reason", "Final Determination Letters issued",
                    "Upheld and overturned by treatment category", "Upheld and overturned by treatment subcategory",
                    "Upheld and overturned by reviewer specialty", "Upheld and overturned by review type",
                    "Average age of the letters", "Decided within the statutory time", "Letters issued late",
                    "Late medical records by claims administrator", "Pharmaceutical and opioid requests",
                    "Concentration of requests among requesting providers", "Overturn rate by claims administrator",
                    "Average Age from Assigned Date", "Average Age from Complete Medical Records"):
        assert heading in html, heading
    assert "Figures last refreshed" in html and "recorded mailing of the notice of assignment" in html
    # Four charts, each an image with a title and a description, with a table beside it.
    charts = re.findall(r'<svg [^>]*role="img" aria-labelledby="([\w-]+)-title \1-desc"', html)
    assert charts == ["chart-trend", "chart-outcomes", "chart-ages", "chart-within"]
    for chart in charts:
        assert f'<title id="{chart}-title">' in html and f'<desc id="{chart}-desc">' in html
    # CSP (script-src and style-src 'self'): no inline script, style element or style attribute.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "<style" not in html and " style=" not in html


def test_a_period_before_the_figures_exist_says_so(client, manager):
    client.force_login(manager)
    html = client.get(INDEX).content.decode()
    assert "have not been computed yet" in html


def test_a_bad_period_is_refused_beside_its_field(client, manager):
    client.force_login(manager)
    response = client.get(INDEX, {"start": "2026-05", "end": "2026-02"})
    assert response.status_code == 200
    assert "must be the same month as the start or later" in response.content.decode()


def test_every_table_exports_as_csv_and_xlsx(client, manager, figures):
    from openpyxl import load_workbook

    client.force_login(manager)
    page = client.get(INDEX, YEAR).content.decode()
    table_ids = sorted(set(re.findall(r'/reports/export/(\w+)\.csv\?', page)))
    assert len(table_ids) == 17
    for table in table_ids:
        response = client.get(reverse("reports:export", args=[table, "csv"]), YEAR)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
        assert rows and rows[0], table
        response = client.get(reverse("reports:export", args=[table, "xlsx"]), YEAR)
        sheet = load_workbook(io.BytesIO(body(response))).worksheets[0]
        assert [c.value for c in next(sheet.iter_rows(max_row=1))] == [h.removesuffix(" (%)") for h in rows[0]], table
    book = load_workbook(io.BytesIO(body(client.get(reverse("reports:export", args=["all", "xlsx"]), YEAR))))
    assert len(book.worksheets) == 18 and book.worksheets[-1].title == "About"
    assert client.get(reverse("reports:export", args=["nosuch", "csv"])).status_code == 404
    assert client.get(reverse("reports:export", args=["letters", "pdf"])).status_code == 404


def test_exported_numbers_match_the_page(client, manager, figures):
    client.force_login(manager)
    rows = list(csv.reader(io.StringIO(body(client.get(reverse("reports:export", args=["letters", "csv"]), YEAR)).decode("utf-8-sig"))))
    from reports.selectors import Period, report

    expected = report(Period(date(2026, 1, 1), date(2026, 12, 1))).tables["letters"].rows
    assert [[r[0], int(r[1])] for r in rows[1:]] == expected


def test_text_that_looks_like_a_formula_is_exported_as_text(client, manager):
    from openpyxl import load_workbook

    CaseFactory(received_on=date(2026, 3, 2), status=Case.Status.AWAITING_RECORDS, assigned_on=date(2026, 3, 3),
                records_due_on=date(2026, 3, 15), claims_administrator=OrganizationFactory(name='=HYPERLINK("http://x","y")'))
    reports_refresh(full=True, today=date(2026, 4, 1))
    client.force_login(manager)
    text = body(client.get(reverse("reports:export", args=["records", "csv"]), MARCH)).decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    sheet = load_workbook(io.BytesIO(body(client.get(reverse("reports:export", args=["records", "xlsx"]), MARCH)))).worksheets[0]
    assert sheet.cell(row=2, column=1).value.startswith("'=") and sheet.cell(row=2, column=1).data_type == "s"


def test_the_late_list_exports_every_late_letter(client, manager, figures, monkeypatch):
    from reports import selectors

    monkeypatch.setattr(selectors, "LATE_LIMIT", 2)
    client.force_login(manager)
    late = selectors.report(selectors.Period(date(2026, 1, 1), date(2026, 12, 1))).late_total
    assert late > 2
    rows = list(csv.reader(io.StringIO(body(client.get(reverse("reports:export", args=["late", "csv"]), YEAR)).decode("utf-8-sig"))))
    assert len(rows) == 1 + late
    html = client.get(INDEX, YEAR).content.decode()
    assert f"Showing the 2 latest of {late} late letters" in html


def test_the_printable_report_is_rendered_by_the_engine_and_served_verified(client, manager, figures,
                                                                             django_capture_on_commit_callbacks):
    from pypdf import PdfReader

    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:pdf_request"), MARCH)
    assert response.status_code == 302 and response["Location"].endswith("?start=2026-03&end=2026-03#report-pdfs")
    row = ReportDocument.objects.get()
    assert (row.status, row.first_month, row.last_month, row.version) == ("ready", date(2026, 3, 1), date(2026, 3, 1), 1)
    html = client.get(INDEX, MARCH).content.decode()
    download = reverse("reports:pdf_download", args=[row.pk])
    assert download in html
    pdf = client.get(download)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and "no-store" in pdf["Cache-Control"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for words in ("Independent Medical Review statistics", "March 2026", "Average Age from Assigned Date",
                  "Applications received and letters issued by month", "Late medical records by claims administrator"):
        assert words.lower() in " ".join(text.split()).lower(), words
    # Tampered on disk: refused.
    with open(row.file.path, "ab") as handle:
        handle.write(b"x")
    assert client.get(download).status_code == 409


def test_only_admins_refresh_by_hand(client, manager, admin_user):
    client.force_login(manager)
    assert client.post(reverse("reports:refresh"), MARCH).status_code == 403
    client.force_login(admin_user)
    CaseFactory(received_on=date(2026, 3, 3))
    response = client.post(reverse("reports:refresh"), MARCH)
    assert response.status_code == 302 and "start=2026-03" in response["Location"]
    assert "Applications received" in client.get(response["Location"]).content.decode()


def test_the_page_runs_the_same_queries_for_a_month_and_a_year_with_few_or_many_cases(client, manager, django_assert_num_queries):
    """The page reads the summary tables only: its query count depends on neither the period nor the data."""
    client.force_login(manager)
    CaseFactory(received_on=date(2026, 3, 3))
    reports_refresh(full=True, today=date(2026, 7, 10))
    client.get(INDEX, MARCH)
    with CaptureQueriesContext(connection) as month:
        client.get(INDEX, MARCH)
    with django_assert_num_queries(len(month.captured_queries)):
        client.get(INDEX, YEAR)
    build(seed=5, n=80)
    reports_refresh(full=True, today=date(2026, 7, 10))
    with django_assert_num_queries(len(month.captured_queries)):
        client.get(INDEX, MARCH)
    with django_assert_num_queries(len(month.captured_queries)):
        client.get(INDEX, YEAR)
    tables = {t for q in month.captured_queries for t in re.findall(r'FROM "(\w+)"', q["sql"])}
    assert not tables & {"cases_case", "cases_disputeditem", "determinations_itemdecision", "determinations_determination"}
