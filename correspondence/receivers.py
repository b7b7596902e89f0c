"""Events that make correspondence: screening, conversion, documents becoming ready.

Screening and conversion receivers run inside the event's transaction, so
the notice is on record with the event or not at all (the render task is
published on commit; the sweep covers a lost publish). The ready receivers
run after the render's commit; the periodic catch-up covers a crash there.
"""

import logging

from django.dispatch import receiver

from cases.models import Case
from cases.signals import case_expedited, case_screened, case_terminated
from determinations.models import Letter
from imrsite.pipeline import document_ready

from . import services
from .models import Notice

logger = logging.getLogger(__name__)


@receiver(case_screened, dispatch_uid="correspondence.case_screened")
def _on_screened(sender, case, outcome, **kwargs):
    if outcome.eligible:
        services.noarfi_issue(case=case)
    elif case.status == Case.Status.INELIGIBLE:
        services.ineligibility_notice_issue(case=case)


@receiver(case_expedited, dispatch_uid="correspondence.case_expedited")
def _on_expedited(sender, case, **kwargs):
    services.expedited_notice_issue(case=case)


@receiver(case_terminated, dispatch_uid="correspondence.case_terminated")
def _on_terminated(sender, case, termination, **kwargs):
    services.termination_notice_issue(case=case, termination=termination, requested_by=termination.recorded_by)


@receiver(document_ready, sender=Notice, dispatch_uid="correspondence.notice_ready")
def _on_notice_ready(sender, pk, **kwargs):
    services.dispatch(document=Notice.objects.get(pk=pk))


@receiver(document_ready, sender=Letter, dispatch_uid="correspondence.letter_ready")
def _on_letter_ready(sender, pk, **kwargs):
    letter = Letter.objects.get(pk=pk)
    if services.letter_distribute(letter=letter):
        services.dispatch(document=letter)
