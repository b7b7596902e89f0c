"""Final Determination Letters: requesting, rendering, storing.

`letters_request` creates the letter rows and queues their rendering when
the surrounding transaction commits (a rolled-back finalize sends nothing).
"""

from django.db import transaction
from django.db.models import Max

from .models import Determination, Letter


def letters_request(*, determination: Determination, requested_by=None) -> list[Letter]:
    """One new version of each variant, queued for rendering on commit."""
    letters = []
    for variant in Letter.Variant.values:
        latest = Letter.objects.filter(determination=determination, variant=variant).aggregate(v=Max("version"))["v"] or 0
        letters.append(
            Letter.objects.create(determination=determination, variant=variant, version=latest + 1, requested_by=requested_by)
        )
    from .tasks import render_letter

    for letter in letters:
        transaction.on_commit(lambda pk=letter.pk: render_letter.delay(pk))
    return letters
