"""Issue 19 item 17: dates that cannot be, sizes that make no sense, invisible claim numbers.

Each rule lives in a service or model, for every caller; the forms show it
beside the field.
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import services
from cases.models import Case, Party
from determinations.models import Determination, ItemDecision
from determinations.tests.review_helpers import offered_case
from imrsite.errors import ServiceError
from imrsite.tests.admin_objects import draft_determination
from reviewers.services import assignment_decline
from tests.factories import CaseFactory, DisputedItemFactory, ReviewerFactory
from tests.dates import FromToday, resolved, today

from .helpers import pdf_bytes, upload
from .test_import import refused, seed_case
from .test_views import new_case_post

pytestmark = pytest.mark.django_db



@pytest.fixture
def intake(client, intake_user):
    client.force_login(intake_user)
    return client


def form_errors(response, name):
    assert response.status_code == 400
    return response.context["form"].errors.get(name, [])


def register(**changes):
    """case_register with parties made directly; `changes` override CaseData fields or add to `extra`."""
    employee = Party.objects.create(kind=Party.Kind.PERSON, name="Rosa Diaz", date_of_birth=changes.pop("born", date(1980, 3, 3)))
    org = Party.objects.create(kind=Party.Kind.ORGANIZATION, name="Acme")
    doctor = Party.objects.create(kind=Party.Kind.PERSON, name="Dr Who", specialty="Orthopaedic Surgery")
    fields = dict(
        review_type="standard", received_on=today() - timedelta(days=2), ur_decision_date=today() - timedelta(days=12),
        date_of_injury=date(2024, 1, 5), claim_number="CLM-1", employee=employee, employer=org, claims_administrator=org,
        requesting_provider=doctor,
    )
    extra = changes.pop("extra", {})
    items = [services.ItemData(description=changes.pop("description", "Eight (8) physical therapy visits"), category="Physical Medicine")]
    fields.update(changes)
    return services.case_register(data=services.CaseData(**fields, extra=extra), items=items)


# --- dates -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "changes, field",
    [
        ({"date_of_injury": date(1899, 12, 31)}, "date_of_injury"),
        ({"date_of_injury": FromToday(1)}, "date_of_injury"),
        ({"born": FromToday(1)}, "date_of_birth"),
        ({"born": date(2024, 6, 1)}, "date_of_birth"),  # after the injury
        ({"extra": {"rfa_date": FromToday(-5)}}, "rfa_date"),  # after the UR decision
    ],
)
def test_impossible_dates_are_refused_by_the_service(changes, field):
    with pytest.raises(ServiceError) as exc:
        register(**resolved(changes))
    assert exc.value.field == field
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"date_of_injury": "1899-12-31"}, "date_of_injury"),
        ({"employee_date_of_birth": FromToday(3, iso=True)}, "employee_date_of_birth"),
        ({"employee_date_of_birth": "2024-03-01"}, "employee_date_of_birth"),  # injury 2024-02-10
        ({"rfa_date": FromToday(-5, iso=True)}, "rfa_date"),
    ],
)
def test_impossible_dates_are_shown_beside_the_field(intake, changes, field):
    response = intake.post(reverse("cases:new"), new_case_post(**resolved(changes)))
    assert form_errors(response, field)
    assert not Case.objects.exists()


def test_a_birth_date_in_the_future_is_refused_for_a_party_too():
    with pytest.raises(ServiceError) as exc:
        services.party_match_or_create(kind=Party.Kind.PERSON, name="Baby Future", date_of_birth=today() + timedelta(days=1))
    assert exc.value.field == "date_of_birth"


def test_expedite_certification_cannot_predate_the_application(intake):
    case = CaseFactory(received_on=today() - timedelta(days=5))
    DisputedItemFactory(case=case)
    case = services.case_mark_eligible(case=case, assigned_on=today() - timedelta(days=4))
    with pytest.raises(ServiceError) as exc:
        services.case_convert_to_expedited(case=case, on=today() - timedelta(days=6))
    assert exc.value.field == "on"
    response = intake.post(reverse("cases:expedite", args=[case.number]), {"on": (today() - timedelta(days=6)).isoformat()})
    assert response.status_code == 400
    assert "cannot be before the application was received" in response.context["expedite_form"].errors["on"][0]
    case.refresh_from_db()
    assert case.review_type == "standard"
    services.case_convert_to_expedited(case=case, on=today() - timedelta(days=5))  # the same day is fine


# --- sizes -------------------------------------------------------------------------------

def test_a_200000_character_diagnosis_is_refused(intake):
    with pytest.raises(ServiceError) as exc:
        register(diagnosis="x" * 200_000)
    assert exc.value.field == "diagnosis" and exc.value.code == "too_long"
    response = intake.post(reverse("cases:new"), new_case_post(diagnosis="x" * 200_000))
    assert "Ensure this value has at most 1000 characters" in form_errors(response, "diagnosis")[0]
    assert 'maxlength="1000"' in intake.get(reverse("cases:new")).content.decode()


def test_a_one_megabyte_address_is_refused(intake):
    with pytest.raises(ServiceError) as exc:
        services.party_match_or_create(kind=Party.Kind.ORGANIZATION, name="Big Address Co", address="a" * 1_000_000)
    assert exc.value.field == "address"
    response = intake.post(reverse("cases:new"), new_case_post(employee_address="a" * 1_000_000))
    assert form_errors(response, "employee_address")
    assert not Party.objects.filter(name="Big Address Co").exists()


def test_every_free_text_field_of_the_record_has_a_limit():
    from django.apps import apps
    from django.db import models

    unlimited = [
        f"{model._meta.label}.{field.name}"
        for app in ("cases", "reviewers", "determinations")
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.TextField) and not field.max_length
    ]
    # Letter.error is written by the renderer (a bounded exception text), never typed;
    # Case.search_text by database triggers from bounded fields (cases migration 0012).
    assert unlimited == ["cases.Case.search_text", "determinations.Letter.error"]


def test_other_services_check_their_text_too(intake_user):
    case = CaseFactory()
    DisputedItemFactory(case=case)
    with pytest.raises(ServiceError) as exc:
        services.case_screen(case=case, signature_present=True, ur_decision_attached=True, conditional_non_certification=False,
                             liability_disputed=False, note="n" * 5000)
    assert exc.value.field == "note"
    with pytest.raises(ServiceError) as exc:
        services.document_add(case=case, uploaded_file=upload(pdf_bytes(1)), kind="other", title="t" * 300)
    assert exc.value.field == "title"
    reviewer = ReviewerFactory()
    _, assignment = offered_case(reviewer)
    with pytest.raises(ServiceError) as exc:
        assignment_decline(assignment=assignment, user=reviewer.user, reason="r" * 2001)
    assert exc.value.field == "reason"
    with pytest.raises(ServiceError) as exc:
        register(description="Eight (8) physical therapy visits " * 20)
    assert exc.value.field == "disputed_items"


def test_the_determination_limits_are_on_the_model():
    """The determination's text (corrections' area) carries its limits as model validators:
    a 540 KB summary is refused by full_clean, and by the importer."""
    determination = draft_determination()
    determination.clinical_case_summary = "s" * 540_000
    with pytest.raises(ValidationError) as exc:
        determination.full_clean()
    assert "clinical_case_summary" in exc.value.message_dict
    decision = ItemDecision.objects.filter(determination=determination).first()
    decision.rationale = "r" * 10_001
    with pytest.raises(ValidationError):
        decision.full_clean()
    assert Determination._meta.get_field("clinical_case_summary").max_length == 20_000


def test_the_importer_refuses_a_540_kb_determination(tmp_path):
    case = seed_case()
    case["determination"]["clinical_case_summary"] = "s" * 540_000
    assert refused(tmp_path, case) == ["cases[0].determination.clinical_case_summary: at most 20000 characters"]


# --- numbers and page ranges -------------------------------------------------------------

BAD_PAGES = ["0", "-3", "99-98", "0-4", "abc", "1--2"]


def test_page_ranges_must_be_positive_and_forwards_on_the_model():
    determination = draft_determination()
    decision = ItemDecision.objects.filter(determination=determination).first()
    for pages in BAD_PAGES:
        decision.pages = pages
        with pytest.raises(ValidationError) as exc:
            decision.full_clean()
        assert "pages" in exc.value.message_dict, pages


@pytest.mark.parametrize("pages", BAD_PAGES)
def test_page_ranges_must_be_positive_and_forwards_in_a_bundle(pages, tmp_path):
    case = seed_case()
    case["determination"]["decisions"][0]["pages"] = pages
    assert refused(tmp_path, case)[0].startswith("cases[0].determination.decisions[0].pages: ")


@pytest.mark.parametrize("pages", ["", "98", "98-99", "12, 14-15", "7 – 9"])
def test_page_ranges_people_write_are_accepted(pages):
    from imrsite.validators import validate_page_range

    validate_page_range(pages)


# --- invisible claim numbers ---------------------------------------------------------------

@pytest.mark.parametrize("claim", ["\u200b\u200b", "\u00a0\u3000", "\ufeff", "\u2800\u3164"])
def test_a_claim_number_of_invisible_characters_is_refused(intake, claim):
    with pytest.raises(ServiceError) as exc:
        register(claim_number=claim)
    assert exc.value.field == "claim_number"
    response = intake.post(reverse("cases:new"), new_case_post(claim_number=claim))
    assert form_errors(response, "claim_number")
    assert not Case.objects.exists()


def test_invisible_characters_around_a_claim_number_are_dropped():
    case = register(claim_number="\u200bWC-1\u00a0234\u200b")
    assert case.claim_number == "WC-1 234"
