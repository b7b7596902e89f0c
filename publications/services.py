"""Publishing decided cases to the public index (domain.md §2.9, §7 req. 29).

`publication_sync(case_id=...)` is the one writer: it looks at the case as it
is now and makes the index agree, so it is idempotent and safe to call from
anywhere, any number of times:

- a decided case whose current (final) determination has a ready public copy
  is published from that copy: the index row is built from the same redacted
  content the public PDF prints (`rendering.letter_context`, public variant),
  plus de-identified facts (age range, gender, diagnosis category), never a
  name, claim number or date of birth;
- a correction supersedes the determination: the old copy leaves the index
  at once and the corrected copy replaces it when its public letter is ready;
- withdrawn, terminated and ineligible cases (anything not decided) are never
  published, and leave the index if they were.

Callers: the `determinations.signals.public_copy_ready` receiver (connected in
publications.apps; it runs in the worker that rendered the copy), the periodic sweep
`publications_sweep` (catches up after a lost task or an outage), and
`manage.py publish_decisions`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cases import classification
from cases.models import Case
from determinations import rendering
from determinations.models import Determination, Letter
from reviewers.models import Assignment

from .models import PublicationState, PublishedDecision, PublishedItem

logger = logging.getLogger(__name__)

# The sweep looks this far behind its last run: a letter marked ready in a
# transaction that committed after the sweep read the clock is still seen.
SWEEP_OVERLAP = timedelta(minutes=10)


# --- what is publishable ---------------------------------------------------------------

def publishable_letter(case: Case) -> Letter | None:
    """The public copy that should be out for this case, or None.

    Only a decided case; only its current final determination (a superseded
    one's copy is never out); its newest ready public letter (a re-render in
    progress leaves the previous copy of the same determination out).
    """
    if case.status != Case.Status.DECIDED:
        return None
    return (
        Letter.objects.filter(
            determination__case=case,
            determination__status=Determination.Status.FINAL,
            variant=Letter.Variant.PUBLIC,
            status=Letter.Status.READY,
        )
        .exclude(sha256="")
        .select_related("determination")
        .order_by("-version")
        .first()
    )


def _specialty(determination: Determination) -> str:
    """The specialty the case was matched to at assignment (DWC's "IMRO Specialty"),
    else the reviewer's first board certification: a specialty, never a name."""
    matched = (
        Assignment.objects.filter(case_id=determination.case_id, reviewer_id=determination.reviewer_id)
        .exclude(matched_specialty=None)
        .order_by("-assigned_at")
        .values_list("matched_specialty__name", flat=True)
        .first()
    )
    if matched:
        return matched
    certifications = list(determination.reviewer.certifications.all())
    return certifications[0].specialty.name if certifications else ""


@dataclass(frozen=True)
class PublicRecord:
    """What the index holds for one case: redacted or de-identified values only."""

    decision: dict
    items: list[dict]


def public_record(letter: Letter) -> PublicRecord:
    """The index row of a case, from its public copy's redacted content."""
    determination = rendering.load_determination(letter.determination_id)
    case = determination.case
    context = rendering.letter_context(determination=determination, variant=Letter.Variant.PUBLIC)
    decisions = list(determination.decisions.all())
    decided_on = determination.decided_on
    diagnosis, diagnosis_sub = classification.diagnosis_category(case.diagnosis_icd, case.diagnosis)
    specialty = _specialty(determination)
    decision = {
        "decision_date": decided_on,
        "review_type": case.get_review_type_display(),
        "case_outcome": context["outcome"],
        "specialty": specialty,
        "diagnosis_category": diagnosis,
        "diagnosis_subcategory": diagnosis_sub,
        # Age and sex become the open data's buckets here; the birth date goes no further.
        "age_range": classification.age_range(case.employee.date_of_birth, decided_on),
        "gender": classification.gender(case.employee.sex),
        "determination_version": determination.version,
        "letter_version": letter.version,
        "pdf_pages": letter.page_count,
    }
    items = []
    for position, (row, printed) in enumerate(zip(decisions, context["items"])):
        item = row.item
        items.append({
            "position": position,
            # The description as the public copy prints it: through the letter's redactor.
            "description": printed["description"][:500],
            "category": item.category,
            "subcategory": classification.treatment_subcategory(item.category, item.description),
            "outcome": row.decision,
            "decision_date": decided_on,
            "specialty": specialty,
            "diagnosis_category": diagnosis,
        })
    return PublicRecord(decision=decision, items=items)


# --- the writer ------------------------------------------------------------------------

def _state_locked() -> PublicationState:
    state, _ = PublicationState.objects.select_for_update().get_or_create(
        key="index", defaults={"changed_at": timezone.now()}
    )
    return state


def _withdraw(case_number: str) -> bool:
    deleted, _ = PublishedDecision.objects.filter(case_number=case_number).delete()
    if deleted:
        state = _state_locked()
        state.changed_at = timezone.now()
        state.published_count = max(0, state.published_count - 1)
        state.save(update_fields=["changed_at", "published_count"])
        logger.info("publication withdrawn: %s", case_number)
    return bool(deleted)


@transaction.atomic
def publication_sync(*, case_id: int) -> PublishedDecision | None:
    """Make the index agree with the case now (publish, replace, withdraw or nothing)."""
    # The case's row lock serializes two syncs of one case (hook and sweep).
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        return None
    letter = publishable_letter(case)
    existing = PublishedDecision.objects.filter(case_number=case.number).first()
    if letter is None:
        _withdraw(case.number)
        return None
    if existing is not None and existing.source_letter_id == letter.pk:
        return existing  # already out: nothing to do
    record = public_record(letter)
    now = timezone.now()
    values = {
        **record.decision,
        "pdf": letter.file.name,
        "pdf_sha256": letter.sha256,
        "pdf_size": letter.file.storage.size(letter.file.name),
        "source_letter": letter,
    }
    if existing is None:
        published = PublishedDecision.objects.create(case_number=case.number, published_at=now, **values)
    else:
        published = existing
        for field, value in values.items():
            setattr(published, field, value)
        published.replaced_at = now
        published.save()
        published.items.all().delete()
    PublishedItem.objects.bulk_create([PublishedItem(decision=published, **item) for item in record.items])
    state = _state_locked()
    state.changed_at = now
    if existing is None:
        state.published_count += 1
    if published.specialty and published.specialty not in state.specialties:
        state.specialties = sorted({*state.specialties, published.specialty})
    state.save()
    logger.info("publication %s: %s (letter %s)", "replaced" if existing else "published", case.number, letter.pk)
    return published


# --- the sweep -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SweepResult:
    cases: int
    published: int


def _changed_case_ids(since) -> set[int]:
    """Cases whose publication may have changed since `since` (None: every decided
    case and every published one, for the first run or a rebuild)."""
    if since is None:
        decided = set(Case.objects.filter(status=Case.Status.DECIDED).values_list("pk", flat=True))
        published = set(
            Case.objects.filter(number__in=PublishedDecision.objects.values("case_number")).values_list("pk", flat=True)
        )
        return decided | published
    ids = set(
        Letter.objects.filter(variant=Letter.Variant.PUBLIC, rendered_at__gte=since)
        .values_list("determination__case_id", flat=True)
    )
    # Corrections: a determination superseded, or a new version finalized.
    ids |= set(Determination.objects.filter(updated_at__gte=since).values_list("case_id", flat=True))
    # A published case that changed status (never expected after a decision, but the index must follow).
    ids |= set(
        Case.objects.filter(updated_at__gte=since, number__in=PublishedDecision.objects.values("case_number"))
        .exclude(status=Case.Status.DECIDED)
        .values_list("pk", flat=True)
    )
    return ids


def publications_sweep(*, rebuild: bool = False) -> SweepResult:
    """Publish what the hook missed (a lost task, an outage), withdraw what must go.

    Looks at what changed since the last sweep (with SWEEP_OVERLAP), so a run
    after a missed one catches up, and two runs do the work once (each sync is
    idempotent). `rebuild=True` looks at every decided and published case.
    """
    started = timezone.now()
    with transaction.atomic():
        state = _state_locked()
        since = None if rebuild or state.swept_until is None else state.swept_until - SWEEP_OVERLAP
    case_ids = sorted(_changed_case_ids(since))
    published = 0
    for case_id in case_ids:
        if publication_sync(case_id=case_id) is not None:
            published += 1
    with transaction.atomic():
        state = _state_locked()
        if state.swept_until is None or started > state.swept_until:
            state.swept_until = started
            state.save(update_fields=["swept_until"])
    return SweepResult(cases=len(case_ids), published=published)

