"""Non-physician reviewers (issue 11 item 7): chiropractors, acupuncturists and
psychologists review care in their own discipline on a current, unrestricted
license in it; physicians need board certification. Through the rule, the
assignment service, import_cases and the letter."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.models import TreatmentCategory
from imrsite.errors import ServiceError
from reviewers import services
from reviewers.models import BoardCertification, License, Profession, Reviewer, Specialty, SpecialtyFit
from reviewers.selectors import eligible_reviewers_for, reviewer_check
from tests.factories import CaseFactory, DisputedItemFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 16)


def case_of(*categories):
    case = CaseFactory(received_on=TODAY - timedelta(days=10))
    for position, category in enumerate(categories):
        DisputedItemFactory(case=case, position=position, category=category)
    return case


def licensed(degree, *, profession=None, specialties=(), **license_fields):
    reviewer = ReviewerFactory(degree=degree, specialties=list(specialties), license=False)
    fields = {"state": "CA", "number": f"L{reviewer.pk:06d}", "expires_on": TODAY + timedelta(days=200), **license_fields}
    License.objects.create(reviewer=reviewer, profession=profession or "", **fields)
    return reviewer


def codes(result):
    return {f.code for f in result.problems + result.conflicts}


def test_reference_data_marks_the_licensed_disciplines_and_their_categories():
    disciplines = dict(Specialty.objects.exclude(license_profession="").values_list("name", "license_profession"))
    assert disciplines == {"Chiropractic": "chiropractic", "Acupuncture": "acupuncture", "Psychology": "psychology"}
    fits = set(SpecialtyFit.objects.filter(specialty__name__in=disciplines).values_list("specialty__name", "category", "rank"))
    assert ("Chiropractic", TreatmentCategory.CHIROPRACTIC, 1) in fits
    assert ("Acupuncture", TreatmentCategory.ACUPUNCTURE, 1) in fits
    assert ("Psychology", TreatmentCategory.BEHAVIORAL_HEALTH, 2) in fits
    # A chiropractor reviews chiropractic care, not physical therapy.
    assert not any(name == "Chiropractic" and cat == TreatmentCategory.PHYSICAL_MEDICINE for name, cat, _ in fits)


@pytest.mark.parametrize(
    "degree, category, specialty",
    [
        ("DC", "Chiropractic", "Chiropractic"),
        ("LAc", "Acupuncture", "Acupuncture"),
        ("PhD", "Behavioral/Mental Health", "Psychology"),
        ("PsyD", "Behavioral/Mental Health", "Psychology"),
    ],
)
def test_a_non_physician_reviews_their_own_discipline_on_a_license_without_board_certification(degree, category, specialty):
    reviewer = licensed(degree)
    assert reviewer.licenses.get().profession == Reviewer(degree=degree).profession  # from the degree
    result = reviewer_check(reviewer=reviewer, case=case_of(category), on=TODAY)
    assert result.eligible, result.reasons
    assert result.matched_specialty.name == specialty
    assert result.matches[0].by_license


@pytest.mark.parametrize("degree, category", [("DC", "Physical Medicine"), ("LAc", "Pharmaceuticals"), ("PhD", "Chiropractic")])
def test_not_outside_their_discipline(degree, category):
    result = reviewer_check(reviewer=licensed(degree), case=case_of(category), on=TODAY)
    assert codes(result) == {"specialty"}
    assert result.reasons == [f"no current, unrestricted license in a discipline that fits {category}"]


def test_every_item_must_be_in_the_discipline():
    result = reviewer_check(reviewer=licensed("DC"), case=case_of("Chiropractic", "Physical Medicine"), on=TODAY)
    assert codes(result) == {"specialty"}


@pytest.mark.parametrize(
    "expires_on, eligible", [(TODAY - timedelta(days=1), False), (TODAY, True), (TODAY + timedelta(days=1), True)]
)
def test_the_discipline_license_must_be_current(expires_on, eligible):
    result = reviewer_check(reviewer=licensed("DC", expires_on=expires_on), case=case_of("Chiropractic"), on=TODAY)
    assert result.eligible is eligible
    assert ("specialty" in codes(result)) is not eligible


@pytest.mark.parametrize("fields", [{"restricted": True}, {"status": License.Status.SUSPENDED}, {"status": License.Status.INACTIVE}])
def test_the_discipline_license_must_be_unrestricted_and_active(fields):
    result = reviewer_check(reviewer=licensed("LAc", **fields), case=case_of("Acupuncture"), on=TODAY)
    assert {"license", "specialty"} <= codes(result)


def test_a_chiropractor_licensed_only_in_another_profession_is_not_qualified():
    result = reviewer_check(reviewer=licensed("DC", profession=Profession.ACUPUNCTURE), case=case_of("Chiropractic"), on=TODAY)
    assert "no active, unrestricted, unexpired license to practice chiropractic" in result.reasons
    assert "specialty" in codes(result)


def test_board_certification_is_still_required_of_physicians():
    assert codes(reviewer_check(reviewer=licensed("MD"), case=case_of("Physical Medicine"), on=TODAY)) == {"specialty"}
    # A physician's license that is not to practice medicine does not count.
    wrong = licensed("MD", profession=Profession.CHIROPRACTIC, specialties=["Physical Medicine & Rehabilitation"])
    assert codes(reviewer_check(reviewer=wrong, case=case_of("Physical Medicine"), on=TODAY)) == {"license"}
    # A physician whose board fits chiropractic care may review it.
    result = reviewer_check(reviewer=ReviewerFactory(), case=case_of("Chiropractic"), on=TODAY)
    assert result.eligible and result.matched_specialty.name == "Physical Medicine & Rehabilitation"


def test_a_board_certification_does_not_stand_in_for_a_non_physicians_license():
    reviewer = licensed("DC", expires_on=TODAY - timedelta(days=1), specialties=["Chiropractic"])
    assert "specialty" in codes(reviewer_check(reviewer=reviewer, case=case_of("Chiropractic"), on=TODAY))


def test_the_chiropractor_ranks_first_for_chiropractic_care():
    physician = ReviewerFactory()  # PM&R: second choice for chiropractic care
    chiropractor = licensed("DC")
    ranked = eligible_reviewers_for(case=case_of("Chiropractic"), on=TODAY)
    assert [c.reviewer for c in ranked] == [chiropractor, physician]
    assert ranked[0].score_details.startswith("Fit 1 (Chiropractic: Chiropractic, licensed discipline).")


def test_assign_and_accept_a_chiropractor():
    case = case_services.case_mark_eligible(case=case_of("Chiropractic"), assigned_on=timezone.localdate())
    chiropractor = ReviewerFactory(degree="DC", specialties=[])
    assignment = services.reviewer_assign(case=case, reviewer=chiropractor)
    assert assignment.matched_specialty.name == "Chiropractic"
    other = case_services.case_mark_eligible(case=case_of("Physical Medicine"), assigned_on=timezone.localdate())
    with pytest.raises(ServiceError, match="license in a discipline that fits Physical Medicine"):
        services.reviewer_assign(case=other, reviewer=chiropractor)


def test_upsert_gives_licenses_the_profession_of_the_degree():
    reviewer = services.reviewer_upsert(
        data=services.ReviewerData(
            email="dc@example.org", first_name="Roberto", last_name="Castellanos", degree="DC",
            active_practice_since=2001, weekly_practice_hours=30,
            licenses=[services.LicenseData(state="CA", number="DC31877", expires_on=date(2030, 1, 1))],
        )
    )
    assert reviewer.licenses.get().profession == Profession.CHIROPRACTIC
    assert not BoardCertification.objects.filter(reviewer=reviewer).exists()
    with pytest.raises(ServiceError) as refused:
        services.reviewer_upsert(
            data=services.ReviewerData(
                email="nd@example.org", first_name="N", last_name="D", degree="ND",
                active_practice_since=2001, weekly_practice_hours=30,
            )
        )
    assert refused.value.field == "degree"


# --- import_cases and the letter ----------------------------------------------

def chiropractic_bundle(**reviewer):
    from determinations.tests.letters_helpers import variant_bundle

    bundle = variant_bundle(case_number="CM13-0007001")
    case = bundle["cases"][0]
    case["disputed_items"] = [
        {"description": "Six (6) chiropractic manipulation sessions", "category": "Chiropractic",
         "claims_administrator_guideline": None},
    ]
    case["reviewer"] = {
        **case["reviewer"], "email": "dc.reviewer@example.org", "degree": "DC", "board_certifications": [],
        "licenses": [{"state": "CA", "number": "DC-31877", "expires_on": "2030-08-31"}], **reviewer,
    }
    decision = case["determination"]["decisions"][0]
    decision.update(guideline="MTUS Chronic Pain Treatment Guidelines", section="Manual therapy & manipulation", pages="58-59")
    return bundle


def test_import_a_chiropractor_and_the_letter_describes_them_truthfully(tmp_path):
    from determinations import rendering
    from determinations.models import Letter
    from determinations.tests.letters_helpers import import_bundle, pdf_text, squash

    determination = import_bundle(chiropractic_bundle(), tmp_path)[0]
    assert determination.reviewer.degree == "DC"
    assert determination.case.assignments.get().matched_specialty.name == "Chiropractic"
    pdf = rendering.letter_pdf(determination=rendering.load_determination(determination.pk), variant=Letter.Variant.PARTIES)
    text = pdf_text(pdf.data)
    for sentence in (
        "sent the complete case file to a reviewer who is a Doctor of Chiropractic (DC).",
        "The reviewer is licensed to practice chiropractic in California.",
        "He/she has been in active clinical practice for more than five years",
        "State(s) of Licensure: California",
        "Certification(s)/Specialty: Chiropractic",
    ):
        assert squash(sentence) in text, sentence
    assert squash("physician reviewer") not in text.lower()
    assert squash("Board Certified") not in text


@pytest.mark.parametrize(
    "degree, nevada_expires, phrase, practice",
    [
        # An expired license is not one the letter may cite.
        ("LAc", TODAY - timedelta(days=1), "a Licensed Acupuncturist (LAc)", "acupuncture in California"),
        ("PsyD", TODAY, "a psychologist (PsyD)", "psychology in California and Nevada"),
    ],
)
def test_letter_paragraph_for_acupuncturists_and_psychologists(degree, nevada_expires, phrase, practice):
    from determinations import rendering

    reviewer = licensed(degree)
    License.objects.create(reviewer=reviewer, state="NV", number=f"NV{reviewer.pk}", expires_on=nevada_expires)
    qualifications = rendering.reviewer_qualifications(reviewer, TODAY)
    assert qualifications["physician"] is False
    assert (qualifications["degree_phrase"], qualifications["practice"], qualifications["board_certified"]) == (phrase, practice, "")


def test_letter_mentions_a_non_physicians_board_certification_only_when_current():
    from determinations import rendering

    reviewer = licensed("PhD", specialties=["Psychology"])
    assert rendering.reviewer_qualifications(reviewer, TODAY)["board_certified"] == "Psychology"
    BoardCertification.objects.filter(reviewer=reviewer).update(expires_on=TODAY - timedelta(days=1))
    assert rendering.reviewer_qualifications(reviewer, TODAY)["board_certified"] == ""


def test_a_board_certified_podiatrist_is_not_called_a_physician_reviewer():
    from determinations import rendering

    reviewer = ReviewerFactory(degree="DPM", specialties=["Orthopaedic Surgery"])
    q = rendering.reviewer_qualifications(reviewer, TODAY)
    assert (q["physician"], q["degree_phrase"], q["practice"], q["board_certified"]) == (
        False, "a Doctor of Podiatric Medicine (DPM)", "podiatric medicine in California", "Orthopaedic Surgery",
    )


def test_import_refuses_a_chiropractor_for_physical_therapy_naming_the_case_and_rule(tmp_path):
    from cases.tests.test_import import refused

    bundle = chiropractic_bundle()
    bundle["cases"][0]["disputed_items"][0].update(description="Eight (8) physical therapy visits", category="Physical Medicine")
    lines = refused(tmp_path, *bundle["cases"])
    assert lines == [
        "cases[0].reviewer: Morgan Ellison cannot be assigned: "
        "no current, unrestricted license in a discipline that fits Physical Medicine"
    ]


def test_import_refuses_an_unknown_degree_and_a_physician_without_boards(tmp_path):
    from cases.tests.test_import import refused

    bad = chiropractic_bundle(degree="ND")["cases"][0]
    assert refused(tmp_path, bad) == ['cases[0].reviewer.degree: must be one of: "MD", "DO", "DC", "LAc", "PhD", "PsyD", "DPM", "DDS"']
    physician = chiropractic_bundle(degree="MD")["cases"][0]
    physician["disputed_items"][0]["category"] = "Physical Medicine"
    assert refused(tmp_path, physician) == [
        "cases[0].reviewer: Morgan Ellison cannot be assigned: no current board certification that fits Physical Medicine"
    ]


def test_bundle_degree_defaults_to_md(tmp_path):
    from determinations.tests.letters_helpers import import_bundle, variant_bundle

    bundle = variant_bundle()
    assert "degree" not in bundle["cases"][0]["reviewer"]
    determination = import_bundle(json.loads(json.dumps(bundle)), tmp_path)[0]
    assert determination.reviewer.degree == "MD"
