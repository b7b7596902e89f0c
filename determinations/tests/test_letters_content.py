"""What the letters say: the seed letter reproduced, redaction, anonymity, layout, PDF/A, escaping."""

import io
import re

import pikepdf
import pytest
from django.conf import settings
from django.core.management import call_command

from determinations import rendering
from determinations.models import Letter

from .letters_helpers import SEED_LETTER, import_bundle, import_seed, pdf_pages, pdf_text, squash, variant_bundle

pytestmark = pytest.mark.django_db

PARTIES, PUBLIC = Letter.Variant.PARTIES, Letter.Variant.PUBLIC


def seed_chunks() -> list[str]:
    """The seed letter's sentences and labelled lines, with our IMRO in place of MAXIMUS."""
    text = " ".join(SEED_LETTER.read_text(encoding="utf-8").split())
    text = text.replace("MAXIMUS Federal Services", settings.IMRO_NAME).replace(
        "MAXIMUS guideline", f"{settings.IMRO_SHORT_NAME} guideline"
    )
    return [chunk for chunk in re.split(r"(?<=[.:])\s+", text) if chunk.strip()]


def render(determination, variant):
    return rendering.letter_pdf(determination=rendering.load_determination(determination.pk), variant=variant)


@pytest.fixture
def seed(tmp_path):
    return import_seed(tmp_path)


@pytest.fixture
def seed_pdfs(seed):
    return {variant: render(seed, variant) for variant in (PARTIES, PUBLIC)}


@pytest.mark.parametrize("variant", [PARTIES, PUBLIC])
def test_seed_letter_reproduced(seed_pdfs, variant):
    text = pdf_text(seed_pdfs[variant].data)
    missing = [chunk for chunk in seed_chunks() if squash(chunk) not in text]
    assert missing == []
    for heading in (
        "HOW THE IMR FINAL DETERMINATION WAS MADE",
        "DOCUMENTS REVIEWED",
        "CLINICAL CASE SUMMARY",
        "IMR ISSUES, DECISIONS AND RATIONALES",
        "WHAT HAPPENS NEXT",
    ):
        assert squash(heading) in text
    # The decision lines, exactly as the seed letter prints them.
    for line in (
        "Eight (8) physical therapy visits: Upheld",
        "Claims Administrator guideline: The Claims Administrator did not cite any medical evidence for its decision.",
        f"{settings.IMRO_SHORT_NAME} guideline: Decision based on MTUS Chronic Pain Treatment Guidelines Physical Medicine Page(s): 98-99.",
        "Decision rationale: Under CA MTUS Guidelines, active therapy is based on the philosophy",
        "The expert reviewer developed the following clinical case summary based on a review of the case file, including all medical records:",
        "The Final Determination was based on decisions for the disputed items/services set forth below:",
        "Board Certified in Physical Medicine & Rehabilitation, Pain Medicine and is licensed to practice in Texas.",
    ):
        assert squash(line) in text, line


@pytest.mark.parametrize("variant", [PARTIES, PUBLIC])
def test_seed_header_fields_and_next_steps(seed_pdfs, variant):
    text = pdf_text(seed_pdfs[variant].data)
    for line in (
        settings.IMRO_NAME,
        settings.IMRO_ADDRESS,
        "August 29, 2013",
        "Case Number: CM13-0001234",
        "Date Assigned: 07/26/2013",
        "UR Denial Date: 07/08/2013",
        "Date of Injury: 03/19/2012",
        "Application Received: 07/24/2013",
        "Review Type: Standard",
        "State(s) of Licensure: Texas",
        "Certification(s)/Specialty: Physical Medicine & Rehabilitation, Pain Medicine",
        "Case Outcome: Upheld",
        "the disputed items/services are not medically necessary",
        # Documents: kind, author and date.
        "Physical therapy progress note; Medical record / progress report; Physical therapist; 05/06/2013",
        "binding on all parties",
        "within 30 days of the mailing of this determination",
        "The determination was procured by fraud.",
        "plainly erroneous express or implied finding of fact",
        "Page 1 of",
    ):
        assert squash(line) in text, line


def test_parties_letter_names_the_parties(seed_pdfs):
    text = pdf_text(seed_pdfs[PARTIES].data)
    for line in (
        "Claim Number: WC-2012-0457781",
        "Employee: Daniel Reyes",
        "Employer: Central Valley Distribution Co.",
        "Claims Administrator: Golden State Claims Services",
        "Requesting Provider: Alan Whitfield, MD (Orthopaedic Surgery)",
        "Utilization Review determination; Golden State Claims Services; 07/08/2013",
    ):
        assert squash(line) in text, line


def test_public_copy_is_redacted(seed_pdfs):
    text = pdf_text(seed_pdfs[PUBLIC].data).lower()
    for identifier in (
        "Daniel", "Reyes", "WC-2012-0457781", "Central Valley", "Golden State", "Whitfield",
        "02/11/1975", "1975-02-11",
    ):
        assert squash(identifier).lower() not in text, identifier
    assert squash("REDACTED PUBLIC COPY").lower() in text
    # Who wrote a record is replaced by the party's role.
    assert squash("Utilization Review determination; [Claims administrator]; 07/08/2013").lower() in text


@pytest.mark.parametrize("variant", [PARTIES, PUBLIC])
def test_no_variant_names_the_reviewer(seed_pdfs, variant):
    text = pdf_text(seed_pdfs[variant].data).lower()
    for word in ("Morgan", "Ellison", "reviewer.seed"):
        assert word.lower() not in text
    assert squash("He/she has no affiliation with the employer, employee, providers or the claims administrator.").lower() in text


def test_reviewer_name_in_free_text_is_removed_from_both_variants(tmp_path):
    bundle = variant_bundle()
    decision = bundle["cases"][0]["determination"]["decisions"][0]
    decision["rationale"] = "Dr. Morgan Ellison notes the 9 visits. Ellison agrees with the guideline."
    determination = import_bundle(bundle, tmp_path)[0]
    for variant in (PARTIES, PUBLIC):
        text = pdf_text(render(determination, variant).data)
        assert "Ellison" not in text and "Morgan" not in text
        assert squash("Dr. [reviewer] notes the 9 visits.") in text


def test_public_copy_redacts_names_in_free_text(tmp_path):
    bundle = variant_bundle(
        case_number="CM13-0009001",
        employee={"first_name": "José", "last_name": "Núñez-Pérez"},
        determination={
            **variant_bundle()["cases"][0]["determination"],
            "clinical_case_summary": "Mr. Nunez-Perez (José) saw Dr. Whitfield on 02/11/1975; claim WC-2012-0457781.",
        },
    )
    determination = import_bundle(bundle, tmp_path)[0]
    public = pdf_text(render(determination, PUBLIC).data)
    for word in ("Núñez", "Nunez", "José", "Whitfield", "WC-2012-0457781", "02/11/1975"):
        assert squash(word) not in public, word
    assert squash("Mr. [Employee] ([Employee]) saw Dr. [Requesting provider] on [Date of birth]; claim [Claim number].") in public
    # The parties' letter keeps the summary as written, accents and all.
    parties = pdf_text(render(determination, PARTIES).data)
    assert squash("Employee: José Núñez-Pérez") in parties
    assert squash("Mr. Nunez-Perez (José) saw Dr. Whitfield") in parties


def three_item_bundle(**changes):
    bundle = variant_bundle(case_number="CM13-0009002", **changes)
    case = bundle["cases"][0]
    case["disputed_items"] = [
        {"description": "Eight (8) physical therapy visits", "category": "Physical Medicine", "claims_administrator_guideline": None},
        {"description": "Twelve (12) acupuncture sessions", "category": "Physical Medicine",
         "claims_administrator_guideline": "MTUS Acupuncture Medical Treatment Guidelines"},
        {"description": "One (1) lumbar MRI", "category": "Physical Medicine", "claims_administrator_guideline": "ACOEM"},
    ]
    base = case["determination"]["decisions"][0]
    case["determination"]["decisions"] = [
        {**base, "item": 0, "decision": "upheld"},
        {**base, "item": 1, "decision": "overturned", "rationale": "Acupuncture is recommended as an option."},
        {**base, "item": 2, "decision": "upheld", "section": "", "pages": "", "rationale": "No red flags."},
    ]
    return bundle


def test_three_items_with_mixed_outcomes(tmp_path):
    determination = import_bundle(three_item_bundle(), tmp_path)[0]
    for variant in (PARTIES, PUBLIC):
        text = pdf_text(render(determination, variant).data)
        for line in (
            "Case Outcome: Overturned in part",
            "Eight (8) physical therapy visits: Upheld",
            "Twelve (12) acupuncture sessions: Overturned",
            "One (1) lumbar MRI: Upheld",
            "Claims Administrator guideline: MTUS Acupuncture Medical Treatment Guidelines",
            "Claims Administrator guideline: ACOEM",
            f"{settings.IMRO_SHORT_NAME} guideline: Decision based on MTUS Chronic Pain Treatment Guidelines.",
            "Decision rationale: Acupuncture is recommended as an option.",
            # Implementation deadlines appear once an item is overturned.
            "must be authorized within 5 working days of receipt",
            "reimbursed within 20 days of receipt",
        ):
            assert squash(line) in text, line
        assert squash("is not required to authorize them") not in text


def test_accented_names_render(tmp_path):
    bundle = variant_bundle(
        case_number="CM13-0009003",
        employee={"first_name": "Zoë", "last_name": "Muñoz-Gutiérrez"},
        employer={"name": "Crème Brûlée Bäckerei Ltd"},
        requesting_provider={"name": "François Ćosić, MD", "specialty": "Orthopaedic Surgery"},
    )
    determination = import_bundle(bundle, tmp_path)[0]
    text = pdf_text(render(determination, PARTIES).data)
    for line in (
        "Employee: Zoë Muñoz-Gutiérrez",
        "Employer: Crème Brûlée Bäckerei Ltd",
        "Requesting Provider: François Ćosić, MD",
    ):
        assert squash(line) in text, line


def test_long_summary_spans_pages(tmp_path):
    paragraph = (
        "The patient reports persistent low back pain radiating to the left leg, worse with sitting and bending; "
        "examination shows paraspinal tenderness, limited flexion and a positive straight leg raise on the left. "
    ) * 6
    bundle = variant_bundle(case_number="CM13-0009004")
    bundle["cases"][0]["determination"]["clinical_case_summary"] = "\n\n".join([paragraph] * 12) + "\n\nEND OF SUMMARY."
    determination = import_bundle(bundle, tmp_path)[0]
    pdf = render(determination, PARTIES)
    assert pdf.page_count >= 4
    pages = pdf_pages(pdf.data)
    assert len(pages) == pdf.page_count
    assert squash(f"Page 2 of {pdf.page_count}") in squash(pages[1])
    assert squash(f"Page {pdf.page_count} of {pdf.page_count}") in squash(pages[-1])
    # Later pages repeat the case number in the running header.
    assert squash("Case Number: CM13-0009004") in squash(pages[2])
    assert squash("END OF SUMMARY.") in pdf_text(pdf.data)


def test_pdf_is_valid_pdfa_with_metadata(seed_pdfs):
    for variant, pdf in seed_pdfs.items():
        with pikepdf.open(io.BytesIO(pdf.data)) as document:
            assert document.check_pdf_syntax() == []  # qpdf's structural check (qpdf --check)
            assert len(document.pages) == pdf.page_count
            meta = document.open_metadata()
            assert meta.pdfa_status == "3U"
            assert str(document.docinfo["/Author"]) == settings.IMRO_NAME
            assert "CM13-0001234" in str(document.docinfo["/Title"])
            assert ("redacted public copy" in str(document.docinfo["/Title"])) == (variant == PUBLIC)
            fonts = [font for page in document.pages for font in page.Resources.get("/Font", {}).values()]
            # The one bundled font (@font-face "Letter Serif"), embedded as a subset, and nothing else.
            assert fonts and {str(font.BaseFont).split("+")[-1] for font in fonts} == {"Letter-Serif"}
            for font in fonts:
                descriptor = font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font else font.FontDescriptor
                assert "/FontFile2" in descriptor


def test_free_text_is_escaped_and_nothing_outside_is_fetched(tmp_path):
    hostile = '<img src="file:///etc/passwd"><script>alert("x")</script> <b>bold</b> & more'
    bundle = variant_bundle(case_number="CM13-0009005")
    bundle["cases"][0]["determination"]["decisions"][0]["rationale"] = hostile
    determination = import_bundle(bundle, tmp_path)[0]
    html = rendering.letter_html(determination=rendering.load_determination(determination.pk), variant=PARTIES)
    assert "<script>" not in html and "&lt;script&gt;" in html
    pdf = render(determination, PARTIES)
    assert pdf.refused_urls == ()  # escaped: the <img> is text, not a request
    assert squash('<img src="file:///etc/passwd"><script>alert("x")</script> <b>bold</b> & more') in pdf_text(pdf.data)


def test_url_fetcher_refuses_everything_but_letter_assets():
    html = (
        '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/evil.css">'
        '<link rel="stylesheet" href="file:///etc/passwd"></head><body>'
        '<img src="file:///etc/passwd"><img src="../../imrsite/settings.py"><img src="https://example.org/x.png">'
        '<img src="data:image/png;base64,iVBORw0KGgo="><p>Body text</p></body></html>'
    )
    pdf = rendering.html_to_pdf(html)
    refused = " ".join(pdf.refused_urls)
    for url in ("http://127.0.0.1:9/evil.css", "file:///etc/passwd", "settings.py", "https://example.org/x.png", "data:image/png"):
        assert url in refused, url
    assert "root:" not in pdf_text(pdf.data)
    assert "Bodytext" in pdf_text(pdf.data)


def test_render_letter_command_writes_both_variants_without_touching_letters(seed, tmp_path):
    out, public, html = tmp_path / "letter.pdf", tmp_path / "public.pdf", tmp_path / "letter.html"
    stdout = io.StringIO()
    call_command("render_letter", "CM13-0001234", "--output", str(out), "--html", str(html), stdout=stdout)
    call_command("render_letter", "CM13-0001234", "--output", str(public), "--public", stdout=stdout)
    assert "Daniel Reyes" in "".join(pdf_pages(out.read_bytes()))
    assert "Reyes" not in "".join(pdf_pages(public.read_bytes()))
    markup = html.read_text(encoding="utf-8")
    assert "letters/letter.css" in markup and "HOW THE IMR FINAL DETERMINATION WAS MADE" in markup
    assert Letter.objects.count() == 0


def test_render_letter_command_refuses_unknown_or_undecided_case(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no final determination"):
        call_command("render_letter", "CM13-7777777", "--output", str(tmp_path / "x.pdf"))
