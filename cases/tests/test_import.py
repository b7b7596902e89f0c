"""import_cases: the seed bundle imports; every refusal names the field and imports nothing."""

import copy
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cases.bundle import BundleError, load_bundle
from determinations.bundle_import import import_bundle
from cases.models import Case, CaseDocument, DisputedItem, Party
from determinations.models import Determination, Letter
from reviewers.models import Assignment, Reviewer

SEED = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "seed-case.json").read_text())

pytestmark = pytest.mark.django_db


def seed_case() -> dict:
    return copy.deepcopy(SEED["cases"][0])


def run(tmp_path, *cases) -> tuple[str, str]:
    """Run the command on a bundle of `cases`; return (stdout, stderr)."""
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps({"cases": list(cases)}), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_cases", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(tmp_path, *cases) -> list[str]:
    """Run the command expecting a refusal; return the problem lines."""
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps({"cases": list(cases)}), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_cases", str(path), stdout=io.StringIO(), stderr=err)
    assert Case.objects.count() == 0
    assert Determination.objects.count() == 0
    return err.getvalue().splitlines()


def test_seed_bundle_imports_as_a_decided_case(tmp_path):
    out, err = run(tmp_path, seed_case())

    assert "CM13-0001234" in out and err == ""
    case = Case.objects.get()
    assert case.number == "CM13-0001234"
    assert case.status == Case.Status.DECIDED
    assert str(case.decided_on) == "2013-08-29"
    assert str(case.assigned_on) == "2013-07-26" and str(case.records_complete_on) == "2013-08-07"
    # No service keys: served by mail on the decision's date (case-bundle.md).
    assert str(case.ur_decision_served_on) == "2013-07-08" and case.ur_decision_service == "mail"
    assert case.is_subject_to_imr and not case.is_untimely and not case.is_formulary_dispute
    assert case.employee.name == "Daniel Reyes" and case.employee.kind == Party.Kind.PERSON
    assert case.claims_administrator.name == "Golden State Claims Services"
    assert case.requesting_provider.specialty == "Orthopaedic Surgery"
    item = DisputedItem.objects.get(case=case)
    assert item.description == "Eight (8) physical therapy visits" and item.claims_administrator_guideline == ""
    assert CaseDocument.objects.filter(case=case).count() == 3
    reviewer = Reviewer.objects.get(user__email="reviewer.seed@example.org")
    assert reviewer.licenses.get().state == "TX"
    assignment = Assignment.objects.get(case=case)
    assert assignment.reviewer == reviewer and assignment.status == Assignment.Status.COMPLETED
    determination = Determination.objects.get(case=case)
    assert determination.status == Determination.Status.FINAL
    assert determination.finalized_at is not None and str(determination.decided_on) == "2013-08-29"
    decision = determination.decisions.get()
    assert decision.decision == "upheld" and decision.evidence_level == "A"
    assert decision.guideline.name == "MTUS Chronic Pain Treatment Guidelines"
    assert decision.pages == "98-99" and decision.section == "Physical Medicine"
    assert determination.outcome == "Upheld"
    # Imports never queue letters; render_letter makes them on demand.
    assert Letter.objects.count() == 0


def test_case_number_is_assigned_when_absent(tmp_path):
    case = seed_case()
    del case["case_number"]
    run(tmp_path, case)
    assert Case.objects.get().number == "CM13-0000001"


def test_unknown_key_is_refused_at_any_level(tmp_path):
    case = seed_case()
    case["employee"]["middle_name"] = "Q"
    case["disputed_items"][0]["cost"] = 120
    case["colour"] = "blue"
    lines = refused(tmp_path, case)
    assert "cases[0].employee.middle_name: unknown key" in lines
    assert "cases[0].disputed_items[0].cost: unknown key" in lines
    assert "cases[0].colour: unknown key" in lines


def test_impossible_date_is_refused_naming_the_field(tmp_path):
    case = seed_case()
    case["received_on"] = "2013-02-30"
    lines = refused(tmp_path, case)
    assert lines[0] == 'cases[0].received_on: not a valid date (YYYY-MM-DD): "2013-02-30"'


def test_decision_must_be_upheld_or_overturned(tmp_path):
    case = seed_case()
    case["determination"]["decisions"][0]["decision"] = "denied"
    lines = refused(tmp_path, case)
    assert 'cases[0].determination.decisions[0].decision: must be "upheld" or "overturned"' in lines


def test_case_without_disputed_items_is_refused(tmp_path):
    case = seed_case()
    case["disputed_items"] = []
    lines = refused(tmp_path, case)
    assert "cases[0].disputed_items: at least 1 required" in lines


def test_decision_must_point_at_an_existing_item(tmp_path):
    case = seed_case()
    case["determination"]["decisions"][0]["item"] = 3
    lines = refused(tmp_path, case)
    assert "cases[0].determination.decisions[0].item: no disputed item 3 (the case has 1)" in lines


def test_all_structure_problems_of_the_file_are_listed(tmp_path):
    first, second = seed_case(), seed_case()
    first["review_type"] = "urgent"
    second["case_number"] = "CM13-0001235"
    second["employee"]["sex"] = "x"
    del second["claim_number"]
    lines = refused(tmp_path, first, second)
    assert 'cases[0].review_type: must be one of: "standard", "expedited"' in lines
    assert any(line.startswith("cases[1].employee.sex: must be one of") for line in lines)
    assert "cases[1].claim_number: required" in lines


def test_reviewer_affiliated_with_the_claims_administrator_is_refused(tmp_path):
    case = seed_case()
    case["reviewer"]["affiliations"] = ["Golden State Claims Services, Inc."]
    lines = refused(tmp_path, case)
    assert len(lines) == 1
    assert lines[0].startswith("cases[0].reviewer: Morgan Ellison cannot be assigned: affiliated with the claims administrator")
    assert Reviewer.objects.count() == 0  # the reviewer created on the way is rolled back too


@pytest.mark.parametrize("years, ok", [(5, False), (6, True)])
def test_reviewer_needs_more_than_five_years_of_practice(tmp_path, years, ok):
    case = seed_case()
    case["reviewer"]["active_practice_since"] = 2013 - years  # assigned in 2013
    if ok:
        run(tmp_path, case)
        assert Case.objects.get().status == Case.Status.DECIDED
    else:
        lines = refused(tmp_path, case)
        assert lines[0].startswith("cases[0].reviewer: Morgan Ellison cannot be assigned: 5 years of active practice")


@pytest.mark.parametrize("hours, ok", [(23, False), (24, True)])
def test_reviewer_needs_24_weekly_hours(tmp_path, hours, ok):
    case = seed_case()
    case["reviewer"]["weekly_practice_hours"] = hours
    if ok:
        run(tmp_path, case)
        assert Case.objects.count() == 1
    else:
        lines = refused(tmp_path, case)
        assert lines[0].startswith("cases[0].reviewer: Morgan Ellison cannot be assigned: 23 hours a week")


def test_a_bad_second_case_imports_nothing(tmp_path):
    good, bad = seed_case(), seed_case()
    bad["case_number"] = "CM13-0001235"
    bad["claim_number"] = "WC-2013-0000002"
    bad["reviewer"]["weekly_practice_hours"] = 10
    lines = refused(tmp_path, good, bad)
    assert len(lines) == 1 and lines[0].startswith("cases[1].reviewer:")
    assert Reviewer.objects.count() == 0 and Party.objects.count() == 0


def test_existing_case_number_is_refused(tmp_path):
    run(tmp_path, seed_case())
    again = seed_case()
    again["claim_number"] = "WC-OTHER"
    path = tmp_path / "again.json"
    path.write_text(json.dumps({"cases": [again]}))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_cases", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == ["cases[0].case_number: CM13-0001234 already exists"]
    assert Case.objects.count() == 1


# --- the rules an imported case is held to (README "Rules") -------------------------

@pytest.mark.parametrize(
    "keys, received_on, ok",
    [
        ({}, "2013-08-12", True),  # served by mail (the default) 2013-07-08: 30 + 5 days
        ({}, "2013-08-13", False),
        ({"ur_decision_service": "electronic"}, "2013-08-07", True),
        ({"ur_decision_service": "electronic"}, "2013-08-08", False),
        ({"ur_decision_service": "personal"}, "2013-08-08", False),
        # The window runs from service.
        ({"ur_decision_service": "electronic", "ur_decision_served_on": "2013-07-10"}, "2013-08-09", True),
        ({"ur_decision_service": "electronic", "ur_decision_served_on": "2013-07-10"}, "2013-08-10", False),
    ],
)
def test_filing_window_runs_from_service(tmp_path, keys, received_on, ok):
    case = seed_case()
    case.update(keys, received_on=received_on)
    for key in ("assigned_on", "records_complete_on", "reviewer", "determination"):
        del case[key]
    if ok:
        run(tmp_path, case)
        assert Case.objects.get().untimely_override_reason == ""
        return
    lines = refused(tmp_path, case)
    assert len(lines) == 1
    assert lines[0].startswith("cases[0].received_on: untimely: received ")
    assert "LC 4610.5(h)(1)" in lines[0]


def test_a_late_decided_case_is_refused_naming_the_case_and_the_rule(tmp_path):
    case = seed_case()
    case["ur_decision_service"] = "electronic"
    case["received_on"] = "2013-08-08"  # 31 days after electronic service
    case["assigned_on"] = "2013-08-09"
    case["records_complete_on"] = "2013-08-12"
    lines = refused(tmp_path, case)
    assert lines == [
        "cases[0].received_on: untimely: received 31 days after the UR decision was served (electronic (e-mail or fax), "
        "2013-07-08); the last timely day was 2013-08-07 (30 days, LC 4610.5(h)(1))"
    ]


def test_service_date_must_fall_between_the_decision_and_the_application(tmp_path):
    before, after = seed_case(), seed_case()
    before["ur_decision_served_on"] = "2013-07-07"
    after["case_number"] = "CM13-0001235"
    after["ur_decision_served_on"] = "2013-07-25"
    lines = refused(tmp_path, before, after)
    assert lines[0] == "cases[0].ur_decision_served_on: the UR decision cannot be served before it was made"
    assert lines[1].startswith("cases[1].ur_decision_served_on: the application (with its copy of the UR decision)")


def test_service_keys_are_checked_like_any_other(tmp_path):
    case = seed_case()
    case["ur_decision_service"] = "fax"
    case["ur_decision_served_on"] = "2013-7-9"
    lines = refused(tmp_path, case)
    assert 'cases[0].ur_decision_service: must be one of: "mail", "electronic", "personal"' in lines
    assert 'cases[0].ur_decision_served_on: not a valid date (YYYY-MM-DD): "2013-7-9"' in lines


@pytest.mark.parametrize(
    "injured, ur_decision, ok",
    [
        ("2012-03-19", "2013-07-01", True),  # a 2012 injury: covered once the decision is communicated from July 1, 2013
        ("2012-03-19", "2013-06-30", False),
        ("2013-01-01", "2013-06-30", True),  # a 2013 injury: covered whenever decided
        ("2012-12-31", "2013-06-30", False),
    ],
)
def test_applicability_of_imr(tmp_path, injured, ur_decision, ok):
    case = seed_case()
    case.update(date_of_injury=injured, ur_decision_date=ur_decision, received_on="2013-07-15")
    case["assigned_on"], case["records_complete_on"] = "2013-07-16", "2013-07-20"
    for doc in case["documents"]:
        doc["dated"] = min(doc["dated"], "2013-06-30")
    if ok:
        run(tmp_path, case)
        assert Case.objects.get().status == Case.Status.DECIDED
        return
    lines = refused(tmp_path, case)
    assert lines == [
        f"cases[0].date_of_injury: not subject to IMR: injured {injured}, UR decision served {ur_decision}; "
        "IMR covers injuries on or after 2013-01-01 or UR decisions communicated on or after 2013-07-01 (LC 4610.5(a))"
    ]


def test_applicability_counts_the_service_date_as_the_communication(tmp_path):
    case = seed_case()
    case.update(date_of_injury="2012-03-19", ur_decision_date="2013-06-28", ur_decision_served_on="2013-07-01")
    run(tmp_path, case)
    assert Case.objects.get().is_subject_to_imr


def test_a_case_not_subject_to_imr_is_refused_at_any_stage(tmp_path):
    case = seed_case()
    case.update(ur_decision_date="2013-06-28", received_on="2013-07-10")
    for key in ("assigned_on", "records_complete_on", "reviewer", "determination"):
        del case[key]
    lines = refused(tmp_path, case)
    assert lines[0].startswith("cases[0].date_of_injury: not subject to IMR")


@pytest.mark.parametrize("flags, formulary", [([], False), ([False], False), ([True], True), ([False, True], True)])
def test_one_formulary_item_puts_the_case_on_the_formulary_clock(tmp_path, flags, formulary):
    case = seed_case()
    del case["determination"], case["reviewer"]
    template = case["disputed_items"][0]
    case["disputed_items"] = [
        {**template, "description": f"Item {i}", "category": "Pharmaceuticals", "formulary": flag} for i, flag in enumerate(flags)
    ] or [template]
    run(tmp_path, case)
    imported = Case.objects.get()
    assert imported.is_formulary_dispute is formulary
    # Records complete Wed Aug 7, 2013: 5 working days is Wed Aug 14; otherwise 30 days.
    assert str(imported.decision_due_on) == ("2013-08-14" if formulary else "2013-09-06")


@pytest.mark.parametrize(
    "review_type, formulary, due",
    [
        ("standard", False, "2013-09-06"),  # 30 days after Wed Aug 7, 2013
        ("standard", True, "2013-08-14"),  # 5 working days
        ("expedited", False, "2013-08-10"),  # 3 days
        ("expedited", True, "2013-08-10"),  # the shorter clock governs
    ],
)
def test_decision_due_for_every_review_type_and_formulary_combination(tmp_path, review_type, formulary, due):
    case = seed_case()
    del case["determination"], case["reviewer"]
    case["review_type"] = review_type
    case["disputed_items"][0]["formulary"] = formulary
    run(tmp_path, case)
    assert str(Case.objects.get().decision_due_on) == due


def test_formulary_must_be_true_or_false(tmp_path):
    case = seed_case()
    case["disputed_items"][0]["formulary"] = "yes"
    assert "cases[0].disputed_items[0].formulary: must be true or false" in refused(tmp_path, case)


@pytest.mark.parametrize(
    "records_complete_on, line",
    [
        ("2999-01-01", "cases[0].records_complete_on: cannot be in the future"),
        ("2013-07-25", "cases[0].records_complete_on: cannot be before the notice of assignment"),
    ],
)
def test_records_complete_date_is_held_to_the_records_rule(tmp_path, records_complete_on, line):
    case = seed_case()
    del case["determination"], case["reviewer"]
    case["records_complete_on"] = records_complete_on
    assert refused(tmp_path, case) == [line]


def test_future_dates_and_bad_email_are_refused(tmp_path):
    future, bad_email = seed_case(), seed_case()
    future["determination"]["decided_on"] = "2999-01-01"
    bad_email["case_number"] = "CM13-0001235"
    bad_email["reviewer"]["email"] = "not an email"
    lines = refused(tmp_path, future, bad_email)
    assert lines == [
        "cases[0].determination.decided_on: cannot be in the future",
        "cases[1].reviewer.email: not a valid email address",
    ]


def test_dates_must_be_in_order(tmp_path):
    case = seed_case()
    case["date_of_injury"] = "2013-07-09"  # after the UR decision
    lines = refused(tmp_path, case)
    assert lines == ["cases[0].date_of_injury: the injury cannot be after the UR decision"]


def test_determination_resting_only_on_the_ur_decision_is_refused(tmp_path):
    case = seed_case()
    case["documents"] = [d for d in case["documents"] if d["kind"] == "ur_determination"]
    lines = refused(tmp_path, case)
    assert lines[0].startswith("cases[0].documents: cannot finalize: no determination may rest solely on the UR determination")


def test_determination_needs_a_reviewer(tmp_path):
    case = seed_case()
    del case["reviewer"]
    assert refused(tmp_path, case) == ['cases[0].determination: needs "reviewer"']


def test_unknown_guideline_is_refused_not_added_to_the_catalog(tmp_path):
    """Issue 19 item 18: a guideline name the catalog does not hold is a problem, not a new catalog entry."""
    from determinations.models import Guideline

    before = Guideline.objects.count()
    case = seed_case()
    case["determination"]["decisions"][0]["guideline"] = "Official Disability Guidelines (ODG) Low Back 2013"
    [line] = refused(tmp_path, case)
    assert line.startswith("cases[0].determination.decisions[0].guideline: unknown guideline")
    assert Guideline.objects.count() == before and not Case.objects.exists()


def test_a_catalog_guideline_below_mtus_is_imported_with_the_level_and_a_reason(tmp_path):
    case = seed_case()
    case["determination"]["decisions"][0]["guideline"] = "official disability guidelines (odg)"  # any case
    run(tmp_path, case)
    decision = Determination.objects.get().decisions.get()
    assert decision.guideline.name == "Official Disability Guidelines (ODG)"
    assert decision.evidence_level == "C" and decision.lower_level_reason


def test_accented_names_and_html_are_kept_as_text(tmp_path):
    case = seed_case()
    case["employee"].update(first_name="José", last_name="Núñez")
    case["diagnosis"] = "<b>Lumbar</b> strain"
    run(tmp_path, case)
    imported = Case.objects.get()
    assert imported.employee.name == "José Núñez" and imported.diagnosis == "<b>Lumbar</b> strain"


def test_open_case_stages(tmp_path):
    received = seed_case()
    for key in ("case_number", "assigned_on", "records_complete_on", "reviewer", "determination"):
        del received[key]
    awaiting = copy.deepcopy(received)
    awaiting.update(assigned_on="2013-07-26", claim_number="WC-2")
    run(tmp_path, received, awaiting)
    assert sorted(Case.objects.values_list("status", flat=True)) == ["awaiting_records", "received"]
    assert Case.objects.get(claim_number="WC-2").records_due_on is not None


def test_bad_json_and_missing_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_cases", str(path), stderr=err)
    assert err.getvalue().startswith("(file): not valid JSON")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_cases", str(tmp_path / "missing.json"))


def test_service_api_reports_every_problem():
    with pytest.raises(BundleError) as info:
        load_bundle(json.dumps({"cases": [{}], "extra": 1}))
    assert "extra: unknown key" in info.value.problems
    assert "cases[0].review_type: required" in info.value.problems
    assert import_bundle(load_bundle(json.dumps(SEED)))[0].number == "CM13-0001234"


@pytest.mark.parametrize("shape", ["[" * 100_000 + "]" * 100_000, '{"cases": ' + "[" * 100_000 + "]" * 100_000 + "}"])
def test_deeply_nested_json_is_a_one_line_refusal_not_a_traceback(tmp_path, shape):
    """Issue 19 item 18: thousands of nested brackets overflow the JSON parser's recursion."""
    path = tmp_path / "nested.json"
    path.write_text(shape)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_cases", str(path), stderr=err)
    assert err.getvalue().splitlines() == ["(file): not a case bundle: nested too deeply"]
