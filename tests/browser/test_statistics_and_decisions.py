"""The public decision search signed out, and the statistics as a manager, in a real browser.

1. A reader with no account opens /decisions/, filters by treatment category,
   follows the seed case's public copy (a PDF, served without sign-in) and
   ends with no cookie in the browser.
2. The demo manager signs in, lands on /reports/, and reads a generated year
   and one month: every chart and table is on the page.

Every page goes through `check_page` (axe-core: no serious or critical
violation; screenshots at desktop and phone width in artifacts/screenshots/).
"""

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from cases.management.synthetic import generate_cases
from reports.selectors import add_months, month_start
from reports.services import reports_refresh
from tests.factories import PASSWORD

from .pages import check_page, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    """The demo (users, the seed case published) and a generated year of cases, with the figures computed."""
    call_command("seed_demo", password=PASSWORD, stdout=io.StringIO())
    generate_cases(count=500, seed=15)
    reports_refresh(full=True)


def test_public_search_signed_out(new_page, demo):
    from pypdf import PdfReader

    page = new_page()
    page.goto("/decisions/")
    expect(page.get_by_role("heading", name="Independent Medical Review decisions")).to_be_visible()
    expect(page.get_by_role("heading", name="Case CM13-0001234")).to_be_visible()
    check_page(page, "decisions search")

    page.get_by_label("Treatment category").select_option("Physical Medicine")
    page.get_by_label("Item outcome").select_option("upheld")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"category=Physical\+Medicine"))
    expect(page.get_by_role("heading", name="Matching decisions")).to_be_visible()
    check_page(page, "decisions filtered")

    link = page.get_by_role("link", name=re.compile(r"Public copy \(PDF.*CM13-0001234"))
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "REDACTED PUBLIC COPY" in text and "Reyes" not in text

    page.get_by_label("Decided from").fill("2030-01-01")
    page.get_by_label("Decided to").fill("2029-01-01")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("alert")).to_contain_text("must be on or after the start date")
    check_page(page, "decisions search error")
    assert page.context.cookies() == [], "a signed-out reader of the public search gets no cookie"


def test_manager_reads_the_statistics(new_page, demo):
    page = new_page()
    sign_in(page, "manager", PASSWORD)
    expect(page).to_have_url(re.compile(r"/reports/$"))
    current = month_start(timezone.localdate())
    year = f"start={add_months(current, -11):%Y-%m}&end={current:%Y-%m}"
    page.goto(f"/reports/?{year}")
    expect(page.get_by_role("heading", name=re.compile("IMR statistics"))).to_be_visible()
    for chart in ("Applications received and letters issued by month", "Upheld and overturned items by treatment category",
                  "How long the letters took", "Share of letters decided within the statutory time, by month"):
        expect(page.get_by_role("img", name=chart)).to_be_visible()
    expect(page.get_by_role("heading", name="Late medical records by claims administrator")).to_be_visible()
    check_page(page, "reports year")

    last_month = add_months(current, -1)
    page.get_by_label("From month").fill(f"{last_month:%Y-%m}")
    page.get_by_label("To month").fill(f"{last_month:%Y-%m}")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name=f"IMR statistics: {last_month:%B %Y}")).to_be_visible()
    check_page(page, "reports month")
