"""The conflict parties as intake meets them (issue 11 item 6; issue 19 item 13):
the new-case form offers the medical group, treating facility, MPN and, for
drugs and devices only, the manufacturer; the case page's reviewer table
blocks the manufacturer's consultant and explains each reviewer's place."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services as case_services
from cases.models import Case

from .pages import check_page, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_intake_records_the_parties_and_sees_the_conflict(new_page, people):
    from reviewers.models import Affiliation
    from tests.factories import ReviewerFactory

    today = timezone.localdate()
    page = new_page()
    sign_in(page, people.intake.username, people.password)
    page.goto("/cases/new/")
    manufacturer = page.locator("#id_items-0-manufacturer")
    expect(manufacturer).to_be_hidden()  # no category yet
    page.locator("#id_items-0-category").select_option("Pharmaceuticals")
    expect(manufacturer).to_be_visible()
    manufacturer.fill("Endo Pharmaceuticals")
    page.locator("#id_items-0-category").select_option("Physical Medicine")
    expect(manufacturer).to_be_hidden()
    expect(manufacturer).to_be_disabled()  # a hidden value is not sent
    page.locator("#id_items-0-category").select_option("Pharmaceuticals")
    expect(manufacturer).to_have_value("Endo Pharmaceuticals")  # what was typed is kept
    page.get_by_role("button", name="Add another treatment").click()
    expect(page.locator("#id_items-1-manufacturer")).to_be_hidden()
    page.locator("#id_items-1-category").select_option("DMEPOS")
    expect(page.locator("#id_items-1-manufacturer")).to_be_visible()

    page.get_by_label("Application received").fill((today - timedelta(days=3)).isoformat())
    page.get_by_label("Date of UR decision").fill((today - timedelta(days=12)).isoformat())
    page.get_by_label("First name (and middle initial)").fill("Rosa")
    page.get_by_label("Last name").fill("Villaseñor")
    page.locator("#id_claim_number").fill("WC-2026-00991")
    page.get_by_label("Date of injury").fill((today - timedelta(days=300)).isoformat())
    page.locator("#id_employer_name").fill("Harbor Packing Co.")
    page.locator("#id_claims_administrator_name").fill("Sierra Mutual Claims Services")
    page.get_by_label("Medical provider network (MPN)").fill("Sierra Mutual MPN")
    page.get_by_label("Requesting physician").fill("Lena Ortiz, MD")
    page.get_by_label("Physician's medical group or IPA").fill("Harbor Orthopaedic Medical Group")
    page.get_by_label("Facility where the treatment would be given").fill("Harbor Surgery Center")
    page.locator("#id_items-0-description").fill("Lidocaine 5% patch #30")
    page.locator("#id_items-1-description").fill("Lumbar support brace")
    page.locator("#id_items-1-manufacturer").fill("Orthotix Inc.")
    check_page(page, "conflicts 01 new case with conflict parties")
    page.get_by_role("button", name="Register case").click()
    expect(page.get_by_role("alert").filter(has_text="registered")).to_be_visible()

    number = page.locator("h1").inner_text().strip()
    case = Case.objects.get(number=number)
    assert case.medical_group.name == "Harbor Orthopaedic Medical Group"
    assert [i.manufacturer.name for i in case.items.order_by("position")] == ["Endo Pharmaceuticals", "Orthotix Inc."]

    case_services.case_mark_eligible(case=case, assigned_on=today)
    best = ReviewerFactory(specialties=["Pain Medicine", "Physical Medicine & Rehabilitation"], user__last_name="Abara")
    ReviewerFactory(specialties=["Physical Medicine & Rehabilitation"], user__last_name="Brandt")
    consultant = ReviewerFactory(specialties=["Pain Medicine", "Physical Medicine & Rehabilitation"], user__last_name="Castro")
    Affiliation.objects.create(
        reviewer=consultant, party=case.items.get(position=0).manufacturer, kind=Affiliation.Kind.FINANCIAL
    )
    page.reload()
    table = page.locator("#assignment table")
    expect(table.locator(f"#reviewer-{best.pk}")).to_be_checked()
    expect(table.locator(f"#reviewer-{consultant.pk}")).to_be_disabled()
    expect(table).to_contain_text("affiliated with the manufacturer of Lidocaine 5% patch #30 (Endo Pharmaceuticals")
    expect(table.locator(f"#score-{best.pk}")).to_contain_text(re.compile(r"^Fit 2 = 1 \(Pharmaceuticals: Pain Medicine\) \+ 1 \(DMEPOS"))
    page.locator("#assignment").scroll_into_view_if_needed()
    check_page(page, "conflicts 02 case page reviewer table")
