"""Reads on letters: which letters a case shows, and which one a user may download.

Every read starts from `cases.visibility.case_for_user`, the one access rule:
staff see every case, a reviewer only the cases assigned to them, and
anyone else gets a 404.
"""

from django.db.models import QuerySet
from django.http import Http404

from cases.models import Case
from cases.visibility import case_for_user

from .models import Determination, Letter


def letters_for_case(case: Case) -> QuerySet[Letter]:
    """The case's letters, newest version first within each determination and variant."""
    return (
        Letter.objects.filter(determination__case=case)
        .select_related("determination")
        .order_by("-determination__version", "variant", "-version")
    )


def letter_for_user(user, *, number: str, pk: int) -> Letter:
    """The letter if the user may see its case; 404 otherwise (no existence oracle)."""
    case = case_for_user(user, number)
    letter = Letter.objects.filter(pk=pk, determination__case=case).select_related("determination__case").first()
    if letter is None:
        from accounts import audit

        audit.denied(case=case, object_type="determinations.letter", object_id=pk, reason="no_such_letter")
        raise Http404("No such letter")
    return letter


def final_determination_for(number: str) -> Determination | None:
    """The case's current final determination (a correction's, once there is one)."""
    return (
        Determination.objects.filter(case__number=number, status=Determination.Status.FINAL).order_by("-version").first()
    )
