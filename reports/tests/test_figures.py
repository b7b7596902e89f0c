"""Every figure of the report against a brute-force count of cases with known outcomes and dates."""

from datetime import date

import pytest

from cases.models import Case
from reports import selectors
from reports.selectors import Period
from reports.services import reports_refresh

from . import world

pytestmark = pytest.mark.django_db

TODAY = date(2026, 7, 10)
PERIODS = [
    Period(date(2026, 3, 1), date(2026, 3, 1)),  # a month
    Period(date(2026, 2, 1), date(2026, 4, 1)),  # a range
    Period(date(2026, 1, 1), date(2026, 12, 1)),  # the year
]


def rows_by_label(table, width=1):
    return {tuple(row[:width]) if width > 1 else row[0]: row for row in table.rows}


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import connection, transaction

        # One world for every test of the module, rolled back at the end.
        atomic = transaction.atomic()
        atomic.__enter__()
        specs, fixed = world.build()
        reports_refresh(full=True, today=TODAY)
        yield specs, fixed
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
        connection.close()


@pytest.mark.parametrize("period", PERIODS, ids=["month", "range", "year"])
def test_every_figure_matches_a_brute_force_count(built, period):
    specs, _ = built
    e = world.expected(specs, set(period.months), TODAY)
    report = selectors.report(period)
    f, t = report.figures, report.tables

    # Applications and screening.
    assert (f["applications"], f["duplicates"], f["unique"]) == (e["gross"], e["duplicates"], e["unique"])
    apps = rows_by_label(t["applications"])
    assert apps["Eligible"][1] == e["eligible"] and apps["Ineligible"][1] == e["ineligible"]
    assert apps["Deferred (liability disputed)"][1] == e["deferred"]
    assert apps["Not yet screened"][1] == e["pending"]
    assert apps["Withdrawn or terminated before screening"][1] == e["closed"]
    assert e["eligible"] + e["ineligible"] + e["deferred"] + e["pending"] + e["closed"] == e["gross"]
    reasons = rows_by_label(t["ineligible"])
    assert {label: row[1] for label, row in reasons.items() if row[1]} == dict(e["by_reason"])
    assert set(reasons) == {label for _, label in selectors.DWC_INELIGIBLE_REASONS}

    # Letters and outcomes.
    assert (f["letters"], f["items"], f["upheld"], f["overturned"]) == (e["letters"], e["items"], e["upheld"], e["overturned"])
    letters = rows_by_label(t["letters"])
    assert letters["Letters issued, standard review"][1] == e["letters_by_type"]["standard"]
    assert letters["Letters issued, expedited review"][1] == e["letters_by_type"]["expedited"]
    for label in ("Upheld", "Overturned", "Overturned in part"):
        assert letters[f"Cases {label.lower()}"][1] == e["case_outcomes"][label]
    for table, expected in (("by_category", e["by_category"]), ("by_specialty", e["by_specialty"]),
                            ("by_review_type", e["by_review_type"]), ("by_claims_administrator", e["by_ca"])):
        got = {row[0]: (row[1], row[2], row[3]) for row in t[table].rows}
        assert got == {k: (c["upheld"] + c["overturned"], c["upheld"], c["overturned"]) for k, c in expected.items()}, table
        for row in t[table].rows:
            assert row[4] == pytest.approx(row[3] / row[1])
    got = {(row[0], row[1]): (row[3], row[4]) for row in t["by_subcategory"].rows}
    assert got == {k: (c["upheld"], c["overturned"]) for k, c in e["by_subcategory"].items()}

    # Ages.
    assert f["age_assigned"] == pytest.approx(e["age_assigned"])
    assert f["age_records"] == pytest.approx(e["age_records"])
    ages = rows_by_label(t["ages"])
    assert ages["Average Age from Assigned Date"][1] == e["age_assigned_n"]
    assert ages["Average Age from Complete Medical Records"][1] == e["age_records_n"]
    assert ages["Average Age from Complete Medical Records"][3] == e["letters"] - e["age_records_n"]
    assert [row[2] for row in t["age_distribution"].rows] == e["age_records_buckets"]

    # Within the statutory time, and the late ones listed.
    timeliness = rows_by_label(t["timeliness"])["All letters"]
    assert timeliness[1:5] == [e["letters"], e["within"], e["late"], e["unknown"]]
    assert f["within_share"] == pytest.approx(e["within_share"])
    late = t["late"].rows
    assert report.late_total == e["late"] and len(late) == min(e["late"], selectors.LATE_LIMIT)
    assert [row[6] for row in late] == sorted((days for days, _ in e["late_cases"]), reverse=True)[: len(late)]

    # Records by claims administrator.
    records = {row[0]: (row[1], row[2]) for row in t["records"].rows if row[0] != "All claims administrators"}
    assert records == {name: (c["due"], c["late"]) for name, c in e["records"].items()}

    # Pharmaceuticals, opioids, concentration.
    assert f["rx_share"] == pytest.approx(e["rx"] / e["items"] if e["items"] else None)
    assert f["opioid_share"] == pytest.approx(e["opioids"] / e["rx"] if e["rx"] else None)
    concentration = rows_by_label(t["concentration"])
    assert concentration["All requesting providers"][1:3] == [e["providers"], e["letters"]]
    assert concentration["Top 1% of requesting providers"][2] == e["top1_letters"]
    assert concentration["Top 10% of requesting providers"][2] == e["top10_letters"]


def test_the_world_reaches_every_figure(built):
    """The drawn cases exercise every branch the figures count (else the comparison proves little)."""
    specs, _ = built
    e = world.expected(specs, set(PERIODS[2].months), TODAY)
    assert all(e[k] for k in ("duplicates", "deferred", "pending", "closed", "late", "unknown", "rx", "opioids"))
    assert len(e["by_reason"]) >= 5 and e["case_outcomes"]["Overturned in part"] and e["letters_by_type"]["expedited"]
    assert any(c["late"] for c in e["records"].values())
    assert any(s["corrected"] for s in specs if s["status"] == "decided")


def test_trend_months_match_the_monthly_counts(built):
    specs, _ = built
    report = selectors.report(Period(date(2026, 6, 1), date(2026, 6, 1)))
    assert len(report.trend["months"]) == 12 and report.trend["months"][-1] == date(2026, 6, 1)
    for month, applications, letters in zip(report.trend["months"], report.trend["applications"], report.trend["letters"]):
        e = world.expected(specs, {month}, TODAY)
        assert (applications, letters) == (e["gross"], e["letters"]), month


def test_every_ineligible_reason_of_a_case_maps_to_a_dwc_reason():
    """One table maps the case's coded reasons to DWC's: a new reason must be placed on purpose."""
    dwc = {key for key, _ in selectors.DWC_INELIGIBLE_REASONS}
    for value in Case.IneligibleReason.values:
        assert value in selectors.INELIGIBLE_REASON_TO_DWC, f"map Case.IneligibleReason {value!r} in reports.selectors"
        assert selectors.INELIGIBLE_REASON_TO_DWC[value] in dwc

