"""Final Determination Letters: requesting and re-rendering; the engine does the rest.

A letter row is the unit of work. `letters_request` creates the rows and
publishes their render tasks when the surrounding transaction commits (a
rolled-back finalize sends nothing). Claiming, rendering, storing at a key
fixed per letter and version (`letters/<case>/<letter>-<variant>-v<version>.pdf`),
verified reads and the re-queue sweep are the shared engine's
(`imrsite.pipeline`, see its docstring); `LETTER` describes letters to it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts import audit
from imrsite import pipeline
from imrsite.errors import ServiceError

from . import rendering
from .models import Determination, Letter

TRANSIENT_ERRORS = pipeline.TRANSIENT_ERRORS
LetterBusy = pipeline.Busy
SweepResult = pipeline.SweepResult

S = Letter.Status


class LetterIntegrityError(pipeline.IntegrityFailure):
    """The stored PDF is missing or no longer matches its recorded sha256."""


def _render(letter: Letter) -> pipeline.RenderedPDF:
    # Looked up on the module at call time (tests replace rendering.letter_pdf).
    determination = rendering.load_determination(letter.determination_id)
    return rendering.letter_pdf(determination=determination, variant=letter.variant)


LETTER = pipeline.register(
    pipeline.DocumentType(
        kind="letter",
        model="determinations.Letter",
        render=_render,
        task="determinations.tasks.render_letter",
        audit_render=audit.Action.LETTER_RENDER,
        case_of=lambda letter: letter.determination.case_id,
        noun="letter",
        select_related=("determination",),
    )
)


def _publish_on_commit(letter_ids: list[int]) -> None:
    pipeline.publish_on_commit(LETTER, letter_ids)


# --- requesting -------------------------------------------------------------

def _new_version(*, determination: Determination, variant: str, requested_by) -> Letter:
    latest = Letter.objects.filter(determination=determination, variant=variant).aggregate(v=Max("version"))["v"] or 0
    letter = Letter.objects.create(
        determination=determination,
        variant=variant,
        version=latest + 1,
        requested_by=requested_by,
        queued_at=timezone.now(),
    )
    audit.record(
        audit.Action.LETTER_REQUEST, actor=requested_by, case=determination.case_id, obj=letter,
        detail={"variant": variant, "version": letter.version},
    )
    return letter


def _lock_final_determination(determination: Determination) -> Determination:
    # The row lock serializes version numbers; the unique constraint backs it up.
    locked = Determination.objects.select_for_update().get(pk=determination.pk)
    if locked.status != Determination.Status.FINAL:
        raise ServiceError(
            "letters are issued only for a final determination"
            + (" (this one was superseded by a correction)" if locked.status == Determination.Status.SUPERSEDED else ""),
            code="determination_not_final",
        )
    return locked


@transaction.atomic
def letters_request(*, determination: Determination, requested_by=None) -> list[Letter]:
    """One new version of each variant, queued for rendering on commit."""
    determination = _lock_final_determination(determination)
    letters = [
        _new_version(determination=determination, variant=variant, requested_by=requested_by)
        for variant in Letter.Variant.values
    ]
    _publish_on_commit([letter.pk for letter in letters])
    return letters


def letter_rerender(*, letter: Letter, requested_by=None) -> Letter:
    """A new version of the letter's variant (the old version and its file stay)."""
    try:
        with transaction.atomic():
            determination = _lock_final_determination(letter.determination)
            new = _new_version(determination=determination, variant=letter.variant, requested_by=requested_by)
            _publish_on_commit([new.pk])
            return new
    except IntegrityError as exc:
        raise ServiceError("another re-render of this letter was requested at the same moment", code="letter_version_taken") from exc


# --- the engine, for letters ----------------------------------------------------

def letter_claim(*, letter_id: int) -> Letter | None:
    """Claim the letter for one render attempt, atomically; None if it is not claimable."""
    return pipeline.claim(LETTER, pk=letter_id)


def letter_render(*, letter_id: int) -> Letter | None:
    """Render the letter once (idempotent); see `imrsite.pipeline.render`."""
    return pipeline.render(LETTER, pk=letter_id)


def letter_read_verified(*, letter: Letter) -> bytes:
    """The stored PDF, refused unless it still matches the sha256 recorded when it was made."""
    return pipeline.read_verified(LETTER, row=letter, error_class=LetterIntegrityError)


def letters_sweep(*, limit: int = 500) -> SweepResult:
    """Re-publish letters a lost message left behind; fail those out of attempts
    (Celery beat every 5 minutes, or `manage.py sweep_letters`)."""
    return pipeline.sweep(LETTER, limit=limit)
