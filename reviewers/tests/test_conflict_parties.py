"""Conflict of interest (LC 139.5; domain.md §3.3; issue 11 item 6): every
party the law names, compared as rows, with names only as the fallback that
links an affiliation to its row; in the rule, the assignment service, the
case page and import_cases."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from imrsite.errors import ServiceError
from reviewers import services
from reviewers.models import Affiliation, Assignment
from reviewers.selectors import case_parties, eligible_reviewers_for, reviewer_check
from tests.factories import (
    CaseFactory,
    DisputedItemFactory,
    OrganizationFactory,
    PersonFactory,
    ReviewerFactory,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 16)


@pytest.fixture
def case():
    case = CaseFactory(
        received_on=TODAY - timedelta(days=10),
        medical_provider_network=OrganizationFactory(name="Golden State MPN"),
        medical_group=OrganizationFactory(name="Sierra Orthopaedic Medical Group"),
        treating_facility=OrganizationFactory(name="Valley Surgery Center"),
    )
    DisputedItemFactory(case=case, position=0, category="Physical Medicine", description="Eight (8) physical therapy visits")
    DisputedItemFactory(
        case=case, position=1, category="Physical Medicine", description="TENS unit",
        manufacturer=OrganizationFactory(name="Acme Devices, Inc."),
    )
    return case


def affiliated(party, kind=Affiliation.Kind.PROFESSIONAL, **reviewer_fields):
    reviewer = ReviewerFactory(**reviewer_fields)
    Affiliation.objects.create(reviewer=reviewer, party=party, kind=kind)
    return reviewer


ROLES = [
    ("medical_provider_network", "medical provider network"),
    ("medical_group", "requesting provider's medical group or IPA"),
    ("treating_facility", "treating facility"),
    ("employer", "employer"),
    ("claims_administrator", "claims administrator"),
    ("requesting_provider", "requesting provider"),
]


@pytest.mark.parametrize("field, role", ROLES)
def test_an_affiliation_with_any_party_the_law_names_is_a_conflict(case, field, role):
    party = getattr(case, field)
    result = reviewer_check(reviewer=affiliated(party), case=case, on=TODAY)
    assert [f.code for f in result.conflicts] == ["conflict"]
    assert result.conflicts[0].message == f"affiliated with the {role} ({party.name}: professional (group, ipa, mpn, hospital))"
    assert not result.eligible


def test_the_manufacturer_of_a_disputed_item_is_a_conflict(case):
    maker = case.items.get(position=1).manufacturer
    result = reviewer_check(reviewer=affiliated(maker, kind=Affiliation.Kind.FINANCIAL), case=case, on=TODAY)
    assert result.reasons == ["affiliated with the manufacturer of TENS unit (Acme Devices, Inc.: financial interest (> 5% of revenue))"]


def test_previously_treating_or_examining_the_employee_is_a_conflict(case):
    result = reviewer_check(reviewer=affiliated(case.employee, kind=Affiliation.Kind.TREATED), case=case, on=TODAY)
    assert result.reasons == [f"previously treated or examined the employee ({case.employee.name})"]


def test_rows_not_names_decide(case):
    """A linked affiliation with another party of the same name is no conflict
    (it is shown as a note to check); the same party under another name is."""
    namesake = OrganizationFactory(name="Valley Surgery Center")  # another organization, same name
    reviewer = affiliated(namesake)
    result = reviewer_check(reviewer=reviewer, case=case, on=TODAY)
    assert result.eligible
    assert result.notes == ["affiliation “Valley Surgery Center” is with another party of the same name as the treating facility"]

    renamed = ReviewerFactory()
    Affiliation.objects.create(reviewer=renamed, party=case.treating_facility, name="VSC (former employer)")
    assert [f.code for f in reviewer_check(reviewer=renamed, case=case, on=TODAY).conflicts] == ["conflict"]


def test_a_name_only_affiliation_still_matches_by_name(case):
    reviewer = ReviewerFactory(affiliations=["sierra orthopaedic medical group, inc."])
    result = reviewer_check(reviewer=reviewer, case=case, on=TODAY)
    assert result.reasons == [
        "affiliated with the requesting provider's medical group or IPA "
        "(Sierra Orthopaedic Medical Group: professional (group, ipa, mpn, hospital); matched by name)"
    ]


def test_parties_the_case_does_not_have_are_not_compared():
    case = CaseFactory()
    DisputedItemFactory(case=case)
    assert [cp.role for cp in case_parties(case)] == ["employee", "employer", "claims administrator", "requesting provider"]
    reviewer = ReviewerFactory(affiliations=["Valley Surgery Center", "Acme Devices"])
    assert reviewer_check(reviewer=reviewer, case=case).eligible


def test_another_items_manufacturer_is_no_conflict_for_this_case(case):
    other = CaseFactory()
    DisputedItemFactory(case=other, manufacturer=OrganizationFactory(name="Other Pharma"))
    assert reviewer_check(reviewer=affiliated(other.items.get().manufacturer), case=case, on=TODAY).eligible


# --- linking names to rows -----------------------------------------------------

def test_link_by_name_only_where_one_party_bears_it(case):
    reviewer = ReviewerFactory(affiliations=["Golden State MPN", "Nowhere Clinic"])
    OrganizationFactory(name="Twin Name"), OrganizationFactory(name="Twin Name")
    Affiliation.objects.create(reviewer=reviewer, name="Twin Name")
    assert services.affiliations_link_parties(affiliations=reviewer.affiliations.all()) == 1
    links = dict(reviewer.affiliations.values_list("name", "party_id"))
    assert links == {"Golden State MPN": case.medical_provider_network.pk, "Nowhere Clinic": None, "Twin Name": None}


def test_upsert_links_new_affiliations_to_their_party(case):
    reviewer = services.reviewer_upsert(
        data=services.ReviewerData(
            email="new.reviewer@example.org", first_name="Ana", last_name="Lima", active_practice_since=2000,
            weekly_practice_hours=30, affiliations=["Acme Devices Inc"],
            licenses=[services.LicenseData(state="CA", number="A555", expires_on=date(2030, 1, 1))],
            board_certifications=["Physical Medicine & Rehabilitation"],
        )
    )
    assert reviewer.affiliations.get().party == case.items.get(position=1).manufacturer


# --- the assignment service and its callers -------------------------------------

@pytest.fixture
def eligible_case(case):
    return case_services.case_mark_eligible(case=case, assigned_on=timezone.localdate())


@pytest.mark.parametrize("field", ["medical_provider_network", "medical_group", "treating_facility"])
def test_assign_refuses_a_reviewer_affiliated_with_a_new_party(eligible_case, field):
    reviewer = affiliated(getattr(eligible_case, field))
    with pytest.raises(ServiceError, match="cannot be assigned: affiliated with the") as refused:
        services.reviewer_assign(case=eligible_case, reviewer=reviewer)
    assert refused.value.code == "reviewer_ineligible"
    assert not Assignment.objects.exists()


def test_assign_links_a_name_recorded_before_its_party_existed(eligible_case):
    reviewer = ReviewerFactory(affiliations=["Valley Surgery Center"])  # a name only, as typed
    affiliation = reviewer.affiliations.get()
    assert affiliation.party is None
    with pytest.raises(ServiceError, match="treating facility"):
        services.reviewer_assign(case=eligible_case, reviewer=reviewer)
    affiliation.refresh_from_db()
    assert affiliation.party == eligible_case.treating_facility


def test_accept_rechecks_a_previously_treated_record_added_after_the_offer(eligible_case):
    reviewer = ReviewerFactory()
    assignment = services.reviewer_assign(case=eligible_case, reviewer=reviewer)
    Affiliation.objects.create(reviewer=reviewer, party=eligible_case.employee, kind=Affiliation.Kind.TREATED)
    with pytest.raises(ServiceError, match="previously treated or examined the employee"):
        services.assignment_accept(assignment=assignment, user=reviewer.user, attested=True)


def test_suggestions_read_the_new_parties_in_a_constant_number_of_queries(case):
    def count():
        fresh = Case.objects.get(pk=case.pk)
        with CaptureQueriesContext(connection) as captured:
            eligible_reviewers_for(case=fresh, on=TODAY)
        return len(captured)

    affiliated(case.treating_facility)
    few = count()
    for i in range(5):
        affiliated(OrganizationFactory(name=f"Clinic {i}"))
        ReviewerFactory(affiliations=[f"Group {i}"])
    assert count() == few


def test_new_case_form_records_the_parties_and_the_case_page_blocks_a_conflicted_reviewer(client, intake_user):
    from cases.tests.test_views import new_case_post

    client.force_login(intake_user)
    post = new_case_post(**{
        "medical_provider_network_name": "Golden State MPN",
        "medical_group_name": "Sierra Orthopaedic Medical Group",
        "treating_facility_name": "Valley Surgery Center",
        "items-0-description": "Lidocaine 5% patch #30", "items-0-category": "Pharmaceuticals",
        "items-0-manufacturer": "Endo Pharmaceuticals",
    })
    response = client.post(reverse("cases:new"), post)
    assert response.status_code == 302, response.context["form"].errors
    case = Case.objects.get()
    assert (case.medical_provider_network.name, case.medical_group.name, case.treating_facility.name) == (
        "Golden State MPN", "Sierra Orthopaedic Medical Group", "Valley Surgery Center",
    )
    assert case.items.get().manufacturer.name == "Endo Pharmaceuticals"
    case = case_services.case_mark_eligible(case=case, assigned_on=timezone.localdate())
    maker = affiliated(case.items.get().manufacturer, kind=Affiliation.Kind.FINANCIAL, specialties=["Pain Medicine"])
    html = client.get(case.get_absolute_url()).content.decode()
    assert "Manufacturer: Endo Pharmaceuticals" in html
    assert "Treating facility" in html and "Valley Surgery Center" in html
    assert "affiliated with the manufacturer of Lidocaine 5% patch #30 (Endo Pharmaceuticals" in html
    assert f'value="{maker.pk}" id="reviewer-{maker.pk}" disabled' in html
    response = client.post(reverse("cases:assign", args=[case.number]), {"reviewer": maker.pk})
    assert response.status_code == 400 and not Assignment.objects.exists()


def test_new_case_form_without_the_optional_parties(client, intake_user):
    from cases.tests.test_views import new_case_post

    client.force_login(intake_user)
    assert client.post(reverse("cases:new"), new_case_post()).status_code == 302
    case = Case.objects.get()
    assert (case.medical_provider_network, case.medical_group, case.treating_facility) == (None, None, None)
    assert case.items.get().manufacturer is None


def test_new_case_form_offers_the_fields_and_manufacturer_where_it_applies(client, intake_user):
    client.force_login(intake_user)
    html = client.get(reverse("cases:new")).content.decode()
    for name in ("medical_provider_network_name", "medical_group_name", "treating_facility_name", "items-0-manufacturer"):
        assert f'name="{name}"' in html, name
    assert 'data-manufacturer-for="Pharmaceuticals|DMEPOS|Injections|Surgery"' in html
    assert "js/manufacturer.js" in html


def test_admin_edits_the_parties_on_the_case(client, admin_user):
    client.force_login(admin_user)
    case = CaseFactory()
    DisputedItemFactory(case=case)
    html = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    for name in ("medical_provider_network", "medical_group", "treating_facility", "items-0-manufacturer"):
        assert f'name="{name}"' in html, name


def test_a_person_party_of_the_same_name_is_not_the_employee(case):
    """Rows decide for people too: a namesake's affiliation row is not the employee's."""
    namesake = PersonFactory(name=case.employee.name, first_name=case.employee.first_name,
                             last_name=case.employee.last_name, date_of_birth=date(1990, 1, 1))
    result = reviewer_check(reviewer=affiliated(namesake, kind=Affiliation.Kind.TREATED), case=case, on=TODAY)
    assert result.eligible and len(result.notes) == 1


def test_the_reviewer_sees_the_parties_they_attest_to_before_accepting(client, eligible_case):
    reviewer = ReviewerFactory()
    services.reviewer_assign(case=eligible_case, reviewer=reviewer)
    client.force_login(reviewer.user)
    html = client.get(reverse("review:case", args=[eligible_case.number])).content.decode()
    for name in ("Golden State MPN", "Sierra Orthopaedic Medical Group", "Valley Surgery Center", "Manufacturer: Acme Devices, Inc."):
        assert name in html, name
    assert "the facility where the treatment would be provided, or the developer or manufacturer" in html


def _bundle_case_with_parties():
    from cases.tests.test_import import seed_case

    case = seed_case()
    case["requesting_provider"]["medical_group"] = "Whitfield Spine Medical Group"
    case["treating_facility"] = {"name": "Fresno Surgical Hospital"}
    case["disputed_items"][0]["manufacturer"] = "Zimmer Biomet"
    return case


def test_import_records_the_medical_group_facility_and_manufacturer(tmp_path):
    from cases.tests.test_import import run

    run(tmp_path, _bundle_case_with_parties())
    case = Case.objects.get()
    assert (case.medical_group.name, case.treating_facility.name) == ("Whitfield Spine Medical Group", "Fresno Surgical Hospital")
    assert case.items.get().manufacturer.name == "Zimmer Biomet"


@pytest.mark.parametrize(
    "affiliation, role",
    [
        ("Whitfield Spine Medical Group", "requesting provider's medical group or IPA"),
        ("Fresno Surgical Hospital", "treating facility"),
        ("Zimmer Biomet, Inc.", "manufacturer of Eight (8) physical therapy visits"),
    ],
)
def test_import_refuses_a_conflicted_reviewer_naming_the_case_and_the_party(tmp_path, affiliation, role):
    from cases.tests.test_import import refused

    case = _bundle_case_with_parties()
    case["reviewer"]["affiliations"] = [affiliation]
    lines = refused(tmp_path, case)
    assert len(lines) == 1
    assert lines[0].startswith(f"cases[0].reviewer: Morgan Ellison cannot be assigned: affiliated with the {role} (")


def test_bundle_keys_are_checked_like_the_others(tmp_path):
    from cases.tests.test_import import refused

    case = _bundle_case_with_parties()
    case["treating_facility"] = {"name": "", "city": "Fresno"}
    case["disputed_items"][0]["manufacturer"] = "x" * 201
    case["requesting_provider"]["medical_group"] = 7
    assert sorted(refused(tmp_path, case)) == sorted([
        "cases[0].treating_facility.city: unknown key",
        "cases[0].treating_facility.name: must not be blank",
        "cases[0].disputed_items[0].manufacturer: at most 200 characters",
        "cases[0].requesting_provider.medical_group: must be a string",
    ])
