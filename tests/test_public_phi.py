"""Nothing private on a public surface: every public page and export of the demo data, scanned
for every party's name and identifier and every reviewer's name.

The demo is loaded as `make run` loads it (seed_demo, letters rendered by the
engine, the seed case published); then the search (unfiltered, with every
filter value, every page), the CSV of the index and every published PDF are
fetched signed out and searched, case-insensitively and without accents, for
every party name (and each part of a person's name), claim, EAMS and WCIS
number, adjuster, date of birth in the letters' date formats, and reviewer
name.
"""

import io
import re
import unicodedata
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.urls import reverse

from cases import classification
from cases.models import Case, Party, TreatmentCategory
from determinations.rendering import _date_formats
from publications.models import PublishedDecision
from reviewers.models import Reviewer

pytestmark = pytest.mark.django_db


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return " ".join("".join(ch for ch in text if not unicodedata.combining(ch)).casefold().split())


def secrets() -> set[str]:
    found: set[str] = set()
    for party in Party.objects.all():
        found.add(party.name)
        found |= {part for part in (party.first_name, party.last_name) if len(part) >= 3}
        found |= set(_date_formats(party.date_of_birth))
    for case in Case.objects.all():
        found |= {v for v in (case.claim_number, case.eams_number, case.wcis_number, case.adjuster_name) if v}
    for reviewer in Reviewer.objects.select_related("user"):
        user = reviewer.user
        found |= {user.get_full_name(), user.last_name, user.email}
        if len(user.first_name) >= 3:
            found.add(user.first_name)
    return {s for s in found if s and len(s.strip()) >= 3}


def public_responses(client) -> dict[str, str]:
    search = reverse("decisions:search")
    queries = [{}]
    queries += [{"category": c} for c in TreatmentCategory.values]
    queries += [{"subcategory": f"{c}|{s}"} for c, s in classification.all_subcategories()]
    queries += [{"outcome": o} for o in ("upheld", "overturned")]
    queries += [{"diagnosis": d} for d in classification.diagnosis_categories()]
    queries += [{"specialty": s} for s in PublishedDecision.objects.values_list("specialty", flat=True).distinct()]
    queries += [{"number": n} for n in PublishedDecision.objects.values_list("case_number", flat=True)]
    pages = {}
    for query in queries:
        url = f"{search}?{urlencode(query)}" if query else search
        while url:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            pages[url] = html
            more = re.search(r'href="(\?[^"]*after=[^"]+)">Next page', html)
            url = search + more.group(1).replace("&amp;", "&") if more else None
        csv_url = reverse("decisions:index_csv") + (f"?{urlencode(query)}" if query else "")
        pages[csv_url] = b"".join(client.get(csv_url).streaming_content).decode()
    return pages


def test_no_public_page_or_export_names_a_party_or_a_reviewer(client, django_capture_on_commit_callbacks, settings):
    from pypdf import PdfReader

    settings.PUBLIC_RATE_LIMIT = "0"  # the scan asks for every filter value
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", password="correct horse battery staple", stdout=io.StringIO())
    published = list(PublishedDecision.objects.all())
    assert "CM13-0001234" in [p.case_number for p in published], "the seed case is published"

    texts = public_responses(client)
    for row in published:
        url = reverse("decisions:pdf", args=[row.case_number])
        response = client.get(url)
        assert response.status_code == 200 and not response.cookies
        texts[url] = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        texts[url + " (bytes)"] = response.content.decode("latin-1")
    assert len(texts) > 50

    words = {fold(s): s for s in secrets()}
    assert {"daniel reyes", "wc-2012-0457781", "morgan ellison", "alan whitfield, md"} <= set(words)
    leaks = []
    for where, text in texts.items():
        folded = fold(text)
        # Squashed as well: PDF text can break a name across lines.
        squashed = folded.replace(" ", "")
        for word, original in words.items():
            if where.endswith("(bytes)") and " " not in word and len(word) < 8:
                # Compressed streams hold any short letter run by chance ("zoe" was
                # found once); in the raw bytes only whole names and long words count.
                continue
            pattern = re.compile(rf"(?<![\w]){re.escape(word)}(?![\w])")
            if pattern.search(folded) or (" " in word and word.replace(" ", "") in squashed):
                leaks.append(f"{original!r} in {where}")
    assert not leaks, "\n".join(leaks[:30])
    # And the scan would have seen them: the seed case's public copy is there and says what it decided.
    pdf_text = fold(texts[reverse("decisions:pdf", args=["CM13-0001234"])])
    assert "[employee]" in pdf_text.replace(" ", "") or "employee" in pdf_text
    assert "cm13-0001234" in fold(texts[reverse("decisions:search")])
