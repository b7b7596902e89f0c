"""Issue 19 #21: the public copy also removes phone numbers, e-mail addresses
and street addresses typed in free text; the parties' letter keeps them."""

import pytest

from determinations import rendering
from determinations.rendering import Redactor

from .letters_helpers import import_bundle, pdf_text, squash, variant_bundle

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Call (559) 555-0142 or 559-555-0143.", "Call [Phone number] or [Phone number]."),
        ("Phone 559.555.0144 ext. 12, fax +1 559 555 0145.", "Phone [Phone number], fax [Phone number]."),
        ("Write to daniel.reyes@example.org today.", "Write to [E-mail address] today."),
        ("Lives at 1234 Elm Street, Fresno, CA 93721 with family.", "Lives at [Street address] with family."),
        ("Clinic at 77 W. Shaw Ave, Suite 210.", "Clinic at [Street address]."),
        ("Moved to 12B North Oak Blvd last year.", "Moved to [Street address] last year."),
        ("Mail to P.O. Box 4411, Visalia, CA 93279.", "Mail to [Mailing address]."),
        ("Works at 300 5th Ave.", "Works at [Street address]"),
    ],
)
def test_contact_details_are_removed(text, expected):
    assert Redactor(contact_details=True)(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Eight (8) physical therapy visits; 9 visits to date; pages 98-99.",
        "Injured 03/19/2012; UR decision 2013-05-24; L3-S1 discectomy on 01/08/2013.",
        "He walked 3 blocks down the road and 2 miles on the street.",
        "Seen on 8 January Dr. Lee and on 2 May St. Agnes Hospital staff agreed.",
        "Claim WC-2012-0457781; ICD M51.26; Norco 10/325 #60; 75% normal motion; 5/5 strength.",
        "Tramadol 50 mg 1-2 tablets every 4-6 hours, 120 tablets.",
    ],
)
def test_clinical_text_is_left_alone(text):
    assert Redactor(contact_details=True)(text) == text


def test_without_contact_details_nothing_changes():
    text = "Call (559) 555-0142, write to a@b.org, 1234 Elm Street."
    assert Redactor()(text) == text


def test_the_public_copy_removes_them_and_the_parties_letter_keeps_them(tmp_path):
    bundle = variant_bundle(case_number="CM13-0009021")
    summary = (
        "The patient (cell 559-555-0142, jdoe@example.com) lives at 1234 Elm Street, Fresno, CA 93721. "
        "He reported low back pain."
    )
    bundle["cases"][0]["determination"]["clinical_case_summary"] = summary
    bundle["cases"][0]["determination"]["decisions"][0]["rationale"] = "Reached the provider at (559) 555-0199 to confirm."
    determination = import_bundle(bundle, tmp_path)[0]
    loaded = rendering.load_determination(determination.pk)
    public = pdf_text(rendering.letter_pdf(determination=loaded, variant="public").data)
    for detail in ("559-555-0142", "jdoe@example.com", "1234 Elm Street", "93721", "555-0199"):
        assert squash(detail) not in public, detail
    assert squash("(cell [Phone number], [E-mail address]) lives at [Street address].") in public
    assert squash("Reached the provider at [Phone number] to confirm.") in public
    parties = pdf_text(rendering.letter_pdf(determination=loaded, variant="parties").data)
    assert squash("lives at 1234 Elm Street, Fresno, CA 93721") in parties
