"""Final Determination Letter: content, HTML and PDF.

Pure functions of a determination: nothing here writes to the database, so
the Celery task (through `letters.letter_render`) and the `render_letter`
command produce the same bytes from the same code.

Security: the template autoescapes every free text, and WeasyPrint fetches
resources only through `LetterURLFetcher`, which serves the project's own
`static/letters/` assets and refuses everything else (file://, http://,
data: and the like), so a rationale with `<img src="file:///etc/passwd">`
prints as text and could not read the file even if it were markup.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import io
import re
import unicodedata
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string

from cases.models import CaseDocument, Party
from reviewers.models import PROFESSION_WORDS, STATE_NAMES, BoardCertification, License, Profession, Reviewer

from imrsite.pipeline import RenderedPDF  # noqa: F401  (callers import it from here too)

from .models import Determination, ItemDecision, Letter, Outcome

ASSETS_DIR = Path(settings.BASE_DIR) / "static" / "letters"
STYLESHEET = ASSETS_DIR / "letter.css"
TEMPLATE = "letters/letter.html"
PDF_VARIANT = "pdf/a-3u"

NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}

OUTCOME_MEANING = {
    Outcome.UPHELD.label: (
        "The Utilization Review decision is upheld: the disputed items/services are not medically necessary."
    ),
    Outcome.OVERTURNED.label: (
        "The Utilization Review decision is overturned: the disputed items/services are medically necessary "
        "and appropriate, and the claims administrator must authorize them."
    ),
}
MIXED_MEANING = (
    "The Utilization Review decision is overturned for some of the disputed items/services and upheld for the "
    "others. Items marked Overturned are medically necessary and must be authorized; items marked Upheld are not "
    "medically necessary."
)
ITEM_MEANING = {Outcome.UPHELD: "not medically necessary", Outcome.OVERTURNED: "medically necessary"}


# --- resources ----------------------------------------------------------------

@functools.cache
def _fetcher_class():
    """Built on first use so importing this module does not import WeasyPrint."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = ASSETS_DIR.resolve()

    class LetterURLFetcher(URLFetcher):
        """Serves only files inside static/letters/; refuses every other URL."""

        def __init__(self):
            super().__init__(allowed_protocols=("file",), allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" and parts.netloc in ("", "localhost") else None
            if path is None or not path.is_relative_to(root) or not path.is_file():
                self.refused.append(url)
                raise ValueError(f"letters may only use their own static assets, not {url[:200]!r}")
            return URLFetcherResponse(path.as_uri(), path.read_bytes())

    return LetterURLFetcher


def letter_url_fetcher():
    """A fresh fetcher; its `refused` list names what a render tried to load."""
    return _fetcher_class()()


@functools.cache
def _style():
    """Font configuration and stylesheet, built once per process.

    Registering the @font-face with fontconfig is the slow part of a small
    render; doing it once per worker child (lazily, after the fork) makes
    every later letter cheaper.
    """
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    css = CSS(filename=str(STYLESHEET), font_config=font_config, url_fetcher=letter_url_fetcher())
    # Let it remove its temporary font folder while the interpreter can still do so.
    atexit.register(_style.cache_clear)
    return font_config, css


# --- content ------------------------------------------------------------------

PARTY_FIELDS = ("employee", "employer", "claims_administrator", "requesting_provider", "attorney")


def load_determination(pk: int) -> Determination:
    """The determination with everything a letter prints, in a fixed number of queries."""
    # The parties come in one query of their own: joined in, the nine-table
    # join cost PostgreSQL ~8 ms of planning per letter, more than running the
    # queries (BENCHMARKS.md, letter rendering).
    determination = (
        Determination.objects.select_related("case", "reviewer__user")
        # Explicit orderings, the models' own within one parent: the models'
        # orderings start with the parent ("determination", "case", "reviewer"),
        # which Django expands into joins to order by the parent's own ordering.
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=ItemDecision.objects.select_related("item", "guideline").order_by("item__position", "item_id"),
            ),
            Prefetch("case__documents", queryset=CaseDocument.objects.order_by("dated", "id")),
            Prefetch(
                "reviewer__certifications",
                queryset=BoardCertification.objects.select_related("specialty").order_by("position", "id"),
            ),
            Prefetch("reviewer__licenses", queryset=License.objects.order_by("state")),
        )
        .get(pk=pk)
    )
    case = determination.case
    parties = Party.objects.in_bulk([getattr(case, f"{name}_id") for name in PARTY_FIELDS if getattr(case, f"{name}_id")])
    for name in PARTY_FIELDS:
        setattr(case, name, parties.get(getattr(case, f"{name}_id")))
    return determination


def join_words(words: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    words = [w for w in words if w]
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


# How the letter names a reviewer who is not a physician (MD/DO): by degree,
# never as "physician reviewer" (issue 11 item 7).
DEGREE_PHRASES = {
    Reviewer.Degree.DC: "a Doctor of Chiropractic (DC)",
    Reviewer.Degree.LAC: "a Licensed Acupuncturist (LAc)",
    Reviewer.Degree.PHD: "a psychologist (PhD)",
    Reviewer.Degree.PSYD: "a psychologist (PsyD)",
    Reviewer.Degree.DPM: "a Doctor of Podiatric Medicine (DPM)",
    Reviewer.Degree.DDS: "a Doctor of Dental Surgery (DDS)",
    Reviewer.Degree.OTHER: "a licensed health care professional",
}
PHYSICIAN_DEGREES = (Reviewer.Degree.MD, Reviewer.Degree.DO)
DISCIPLINES = (Profession.CHIROPRACTIC, Profession.ACUPUNCTURE, Profession.PSYCHOLOGY)


def _states(licenses) -> list[str]:
    return list(dict.fromkeys(STATE_NAMES.get(lic.state, lic.state) for lic in licenses))


def reviewer_qualifications(reviewer, on: date) -> dict:
    """What the letter may say about the reviewer: credentials, never identity.

    Physicians (MD/DO) read exactly as in the seed letter. Anyone else is
    named by degree; a chiropractor, acupuncturist or psychologist by the
    license in their discipline they were chosen for ("licensed to practice
    chiropractic in California"), and "Board Certified" only with a current
    board certification.
    """
    certifications = list(reviewer.certifications.all())
    current = [c for c in certifications if c.is_current(on)]
    licenses = list(reviewer.licenses.all())
    years = settings.IMR_REVIEWER_MIN_PRACTICE_YEARS
    common = {
        "years_words": NUMBER_WORDS.get(years, str(years)),
        "weekly_hours": settings.IMR_REVIEWER_MIN_WEEKLY_HOURS,
    }
    if reviewer.qualifies_by_license:
        held = [lic for lic in licenses if lic.profession in DISCIPLINES]
        shown = [lic for lic in held if lic.is_good_standing(on)] or held or licenses
        by_profession: dict[str, list] = {}
        for lic in shown:
            by_profession.setdefault(lic.profession, []).append(lic)
        disciplines = [Profession(p).label for p in by_profession if p in DISCIPLINES]
        boards = [c.specialty.name for c in current]
        return {
            **common,
            "physician": False,
            "degree_phrase": DEGREE_PHRASES[reviewer.degree],
            "practice": join_words(
                [f"{PROFESSION_WORDS.get(p, p)} in {join_words(_states(group))}" for p, group in by_profession.items()]
            ),
            "board_certified": ", ".join(boards),
            "certifications": ", ".join(dict.fromkeys(disciplines + boards)),
            "states": join_words(_states(shown)),
        }
    own = [lic for lic in licenses if lic.profession == reviewer.profession] or licenses
    good = [lic for lic in own if lic.is_good_standing(on)] or own
    # Joined with commas, as the letters print them.
    board = ", ".join(c.specialty.name for c in (current or certifications))
    return {
        **common,
        "physician": reviewer.degree in PHYSICIAN_DEGREES,
        "degree_phrase": DEGREE_PHRASES.get(reviewer.degree, ""),
        "practice": f"{PROFESSION_WORDS.get(reviewer.profession, reviewer.profession)} in {join_words(_states(good))}",
        "board_certified": board,
        "certifications": board,
        "states": join_words(_states(good)),
    }


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


_DEGREE_WORDS = {"md", "do", "dc", "phd", "psyd", "dpm", "lac", "pt", "dpt", "np", "pa", "rn", "jr", "sr", "ii", "iii", "dr"}


def _person_terms(party_or_user) -> tuple[set[str], set[str]]:
    """(case-insensitive terms, case-sensitive first names) naming a person."""
    full = party_or_user.get_full_name() if hasattr(party_or_user, "get_full_name") else party_or_user.name
    first = getattr(party_or_user, "first_name", "") or ""
    last = getattr(party_or_user, "last_name", "") or ""
    if not (first or last) and full:
        words = [w for w in re.split(r"[\s,]+", full.split(",")[0]) if w and w.lower().strip(".") not in _DEGREE_WORDS]
        if len(words) >= 2:
            first, last = words[0], words[-1]
    exact = {t for t in (full, full.split(",")[0].strip(), f"{first} {last}".strip(), last) if len(t.strip()) >= 2}
    firsts = {first} if len(first) >= 2 else set()
    return exact, firsts


_ORG_SUFFIX = re.compile(r"[,\s]+(inc|incorporated|co|company|corp|corporation|llc|llp|ltd|lp)\.?$", re.IGNORECASE)


class Redactor:
    """Replaces names and identifiers in free text with their role, e.g. "[Employee]".

    Longest terms first, whole words only; names also match without accents.
    First names match case-sensitively so a name like "May" does not
    swallow the verb.
    """

    def __init__(self):
        self._insensitive: dict[str, str] = {}
        self._sensitive: dict[str, str] = {}

    def add(self, term: str, label: str, *, case_sensitive: bool = False) -> None:
        term = (term or "").strip()
        if len(term) < 2:
            return
        target = self._sensitive if case_sensitive else self._insensitive
        for variant in {term, _strip_accents(term)}:
            target.setdefault(variant, label)

    def add_person(self, person, label: str) -> None:
        if person is None:
            return
        exact, firsts = _person_terms(person)
        for term in exact:
            self.add(term, label)
        for term in firsts:
            self.add(term, label, case_sensitive=True)

    def add_organization(self, party, label: str) -> None:
        if party is None:
            return
        if party.kind == Party.Kind.PERSON:
            self.add_person(party, label)
            return
        self.add(party.name, label)
        self.add(_ORG_SUFFIX.sub("", party.name), label)

    @functools.cached_property
    def _patterns(self):
        def build(terms: dict[str, str], flags):
            if not terms:
                return None
            alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
            return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", flags)

        return (
            (build(self._insensitive, re.IGNORECASE), {k.casefold(): v for k, v in self._insensitive.items()}, True),
            (build(self._sensitive, 0), self._sensitive, False),
        )

    def __call__(self, text: str) -> str:
        for pattern, labels, fold in self._patterns:
            if pattern is not None and text:
                text = pattern.sub(lambda m: f"[{labels[m.group(0).casefold() if fold else m.group(0)]}]", text)
        return text


def _date_formats(value: date | None) -> list[str]:
    if value is None:
        return []
    return [
        value.strftime("%m/%d/%Y"), f"{value.month}/{value.day}/{value.year}", value.isoformat(),
        value.strftime("%m-%d-%Y"), value.strftime("%B %d, %Y"), f"{value.strftime('%B')} {value.day}, {value.year}",
    ]


def build_redactor(determination: Determination, *, public: bool) -> Redactor:
    """The reviewer's name goes from every variant; the public copy also loses the parties'."""
    case = determination.case
    redactor = Redactor()
    redactor.add_person(determination.reviewer.user, "reviewer")
    if public:
        redactor.add_person(case.employee, "Employee")
        for dob in _date_formats(case.employee.date_of_birth):
            redactor.add(dob, "Date of birth")
        redactor.add_organization(case.requesting_provider, "Requesting provider")
        redactor.add_organization(case.employer, "Employer")
        redactor.add_organization(case.claims_administrator, "Claims administrator")
        redactor.add_organization(case.attorney, "Attorney")
        redactor.add(case.adjuster_name, "Claims adjuster")
        for number in (case.claim_number, case.eams_number, case.wcis_number):
            redactor.add(number, "Claim number")
    return redactor


def _fmt(value: date | None) -> str:
    return value.strftime("%m/%d/%Y") if value else "Not recorded"


def letter_context(*, determination: Determination, variant: str) -> dict:
    """Everything the template prints, already redacted for the variant."""
    public = variant == Letter.Variant.PUBLIC
    case = determination.case
    redact = build_redactor(determination, public=public)
    decisions = list(determination.decisions.all())
    outcome = determination.outcome_from(decisions)
    on = determination.decided_on or date.today()
    qualifications = reviewer_qualifications(determination.reviewer, on)

    items = []
    for d in decisions:
        guideline = d.guideline.name if d.guideline else ""
        citation = " ".join(part for part in (guideline, d.section) if part)
        items.append(
            {
                "description": redact(d.item.description),
                "decision": d.get_decision_display(),
                "meaning": ITEM_MEANING.get(d.decision, ""),
                "claims_administrator_guideline": redact(d.item.claims_administrator_guideline),
                "citation": citation,
                "pages": d.pages,
                "rationale": redact(d.rationale),
            }
        )
    documents = [
        {
            "title": redact(doc.title),
            "kind": doc.get_kind_display(),
            "author": redact(doc.author) if doc.author else "Author not stated",
            "dated": _fmt(doc.dated) if doc.dated else "Undated",
        }
        for doc in case.documents.all()
    ]
    provider = case.requesting_provider
    # Who the parties' letter is addressed to and copied to (correspondence's recipient rules).
    from correspondence.recipients import letter_distribution

    title = f"Final Determination Letter, IMR Case {case.number}" + (" (redacted public copy)" if public else "")
    return {
        "public": public,
        "title": title,
        "imro_name": settings.IMRO_NAME,
        "imro_short_name": settings.IMRO_SHORT_NAME,
        "imro_address": settings.IMRO_ADDRESS,
        "letter_date": f"{on.strftime('%B')} {on.day}, {on.year}",
        # Issued and mailed the day it is decided (that day's mail batch); each
        # recipient's recorded delivery is what the appeal clock reads.
        "mailing_date": _fmt(on),
        "distribution": None if public else letter_distribution(case),
        "case_number": case.number,
        "assigned_on": _fmt(case.assigned_on),
        "ur_decision_date": _fmt(case.ur_decision_date),
        "date_of_injury": _fmt(case.date_of_injury),
        "received_on": _fmt(case.received_on),
        "review_type": case.get_review_type_display(),
        "claim_number": case.claim_number,
        "employee": case.employee.name,
        "employer": case.employer.name,
        "claims_administrator": case.claims_administrator.name,
        "requesting_provider": provider.name + (f" ({provider.specialty})" if provider.specialty else ""),
        "qualifications": qualifications,
        "outcome": outcome or "Not yet decided",
        "outcome_meaning": OUTCOME_MEANING.get(outcome, MIXED_MEANING) if outcome else "",
        "any_overturned": any(d.decision == Outcome.OVERTURNED for d in decisions),
        "all_upheld": bool(decisions) and all(d.decision == Outcome.UPHELD for d in decisions),
        "items": items,
        "documents": documents,
        "clinical_case_summary": redact(determination.clinical_case_summary),
    }


def letter_html(*, determination: Determination, variant: str, stylesheet_href: str = "") -> str:
    """The letter as HTML. `stylesheet_href` links the print CSS for viewing in a browser;
    the PDF path passes the stylesheet to WeasyPrint once per process instead."""
    context = letter_context(determination=determination, variant=variant)
    context["stylesheet_href"] = stylesheet_href
    return render_to_string(TEMPLATE, context)


# --- PDF ----------------------------------------------------------------------

@functools.cache
def _extra_style(name: str):
    """Another stylesheet of the family in static/letters/ (notices, cover sheets), parsed once per process."""
    from weasyprint import CSS

    font_config, _ = _style()
    path = (ASSETS_DIR / name).resolve()
    if not path.is_relative_to(ASSETS_DIR.resolve()):
        raise ValueError(f"stylesheets come from static/letters/ only, not {name!r}")
    return CSS(filename=str(path), font_config=font_config, url_fetcher=letter_url_fetcher())


def html_to_pdf(html: str, *, extra_stylesheets: tuple[str, ...] = ()) -> RenderedPDF:
    """PDF/A-3u bytes of a letter's (or notice's) HTML, with the letter stylesheet
    (plus `extra_stylesheets` of static/letters/) and the bundled font."""
    from weasyprint import HTML

    font_config, css = _style()
    fetcher = letter_url_fetcher()
    options = {"pdf_variant": PDF_VARIANT, "stylesheets": [css, *(_extra_style(name) for name in extra_stylesheets)]}
    document = HTML(string=html, base_url=ASSETS_DIR.resolve().as_uri() + "/", url_fetcher=fetcher).render(
        font_config=font_config, **options
    )
    buffer = io.BytesIO()
    document.write_pdf(buffer, **options)
    data = buffer.getvalue()
    return RenderedPDF(
        data=data, page_count=len(document.pages), sha256=hashlib.sha256(data).hexdigest(), refused_urls=tuple(fetcher.refused)
    )


def letter_pdf(*, determination: Determination, variant: str) -> RenderedPDF:
    return html_to_pdf(letter_html(determination=determination, variant=variant))
