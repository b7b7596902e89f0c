"""Issuing notices: one row per notice and version, one delivery per recipient.

Every notice is created inside the caller's transaction (the event that
requires it, e.g. screening), its content frozen then, and rendered by the
engine once the transaction commits. Issuing is idempotent: the case row is
locked and a notice that exists is returned (a double click, a redelivered
event or the catch-up job finds the first one); the unique constraints
back this up.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts import audit
from cases import deadlines
from cases import services as case_services
from cases.models import Case, PartyRole
from imrsite import pipeline
from imrsite.errors import ServiceError

from .. import content as notice_content
from ..documents import NOTICE
from ..models import InformationRequest, Notice, NoticeKind
from ..recipients import NOTICE_ROLES, recipient_for, recipients_for
from .deliveries import deliveries_prepare

# Cases whose NOARFI is owed: eligible (screened in this system), notice not yet recorded sent.
NOARFI_OWED_STATUSES = (Case.Status.AWAITING_RECORDS, Case.Status.RECORDS_COMPLETE, Case.Status.IN_REVIEW)


def _issue(
    *, case: Case, kind: str, content: dict, roles, send_by: date, issued_on: date, requested_by=None,
    information_request: InformationRequest | None = None,
) -> Notice:
    """Create the notice (next version) and its deliveries; render on commit."""
    scope = {"information_request": information_request} if information_request else {"case": case, "information_request": None}
    latest = Notice.objects.filter(kind=kind, **scope).aggregate(v=Max("version"))["v"] or 0
    notice = Notice.objects.create(
        case=case, kind=kind, version=latest + 1, information_request=information_request, issued_on=issued_on,
        send_by=send_by, content=content, requested_by=requested_by, queued_at=timezone.now(),
    )
    deliveries_prepare(case=case, notice=notice, recipients=recipients_for(case, roles), send_by=send_by)
    audit.record(
        audit.Action.NOTICE_ISSUE, actor=requested_by, case=case, obj=notice,
        detail={"kind": kind, "version": notice.version, "send_by": send_by.isoformat()},
    )
    pipeline.publish_on_commit(NOTICE, [notice.pk])
    return notice


def _existing(case: Case, kind: str) -> Notice | None:
    return Notice.objects.filter(case=case, kind=kind, information_request=None).order_by("version").first()


def _eligible_on(case: Case) -> date:
    decided = case.eligibility_decided_at
    return timezone.localdate(decided) if decided else timezone.localdate()


@transaction.atomic
def noarfi_issue(*, case: Case, requested_by=None, today: date | None = None) -> Notice:
    """The Notice of Assignment and Request for Information (9792.10.4(b)), once per case.

    Due to go out within one business day of the eligibility finding; its
    records due date is computed for the claims administrator's channel and
    the day it is issued; the clock itself starts from the recorded sending.
    """
    case = case_services.case_lock(case)
    existing = _existing(case, NoticeKind.NOARFI)
    if existing is not None:
        return existing
    if case.status not in NOARFI_OWED_STATUSES:
        raise ServiceError(f"a case that is {case.get_status_display().lower()} gets no notice of assignment", code="not_eligible")
    today = today or timezone.localdate()
    ca = recipient_for(case, PartyRole.CLAIMS_ADMINISTRATOR)
    electronic = ca.channel in settings.IMR_ELECTRONIC_CHANNELS
    return _issue(
        case=case, kind=NoticeKind.NOARFI, roles=NOTICE_ROLES, issued_on=today, requested_by=requested_by,
        send_by=deadlines.noarfi_due(_eligible_on(case)),
        content=notice_content.noarfi_content(case, issued_on=today, electronic_to_claims_administrator=electronic),
    )


@transaction.atomic
def ineligibility_notice_issue(*, case: Case, requested_by=None, today: date | None = None) -> Notice:
    """The notice of ineligibility (9792.10.3) with the reason in plain words and the appeal right."""
    case = case_services.case_lock(case)
    existing = _existing(case, NoticeKind.INELIGIBLE)
    if existing is not None:
        return existing
    if case.status != Case.Status.INELIGIBLE:
        raise ServiceError("only an ineligible case gets a notice of ineligibility", code="not_ineligible")
    today = today or timezone.localdate()
    return _issue(
        case=case, kind=NoticeKind.INELIGIBLE, roles=NOTICE_ROLES, issued_on=today, send_by=deadlines.noarfi_due(_eligible_on(case)),
        requested_by=requested_by, content=notice_content.ineligible_content(case, issued_on=today),
    )


@transaction.atomic
def expedited_notice_issue(*, case: Case, requested_by=None, today: date | None = None) -> Notice:
    """Notice of conversion to expedited review (9792.10.4(c)): all parties, at once."""
    case = case_services.case_lock(case)
    existing = _existing(case, NoticeKind.EXPEDITED)
    if existing is not None:
        return existing
    today = today or timezone.localdate()
    return _issue(
        case=case, kind=NoticeKind.EXPEDITED, roles=NOTICE_ROLES, issued_on=today, send_by=today,
        requested_by=requested_by, content=notice_content.expedited_content(case, issued_on=today),
    )


@transaction.atomic
def termination_notice_issue(*, case: Case, termination, requested_by=None, today: date | None = None) -> Notice:
    """Notice of termination of review (9792.10.6(a)): every party, at once; once per case."""
    case = case_services.case_lock(case)
    existing = _existing(case, NoticeKind.TERMINATION)
    if existing is not None:
        return existing
    if case.status not in (Case.Status.TERMINATED, Case.Status.WITHDRAWN):
        raise ServiceError("only a terminated or withdrawn case gets a notice of termination", code="not_terminated")
    today = today or timezone.localdate()
    return _issue(
        case=case, kind=NoticeKind.TERMINATION, roles=NOTICE_ROLES, issued_on=today, send_by=today,
        requested_by=requested_by, content=notice_content.termination_content(case, termination=termination, issued_on=today),
    )


def request_notice_issue(*, request: InformationRequest, kind: str, requested_by=None, today: date | None = None) -> Notice:
    """The notice of an information request (to the party asked) or of the
    reviewer's request or its answer (to every party), once per request and kind."""
    existing = Notice.objects.filter(information_request=request, kind=kind).order_by("version").first()
    if existing is not None:
        return existing
    case = request.case
    today = today or timezone.localdate()
    roles = [request.role] if kind == NoticeKind.INFO_REQUEST else NOTICE_ROLES
    return _issue(
        case=case, kind=kind, roles=roles, issued_on=today, send_by=today, requested_by=requested_by,
        information_request=request,
        content=notice_content.request_content(case, request=request, issued_on=today, kind=kind),
    )


def notice_retry(*, notice: Notice, user=None) -> Notice:
    """Render a failed notice again (same version and content: nothing was sent)."""
    if notice.status != Notice.Status.FAILED:
        raise ServiceError("only a notice that failed to render can be retried", code="not_failed")
    with transaction.atomic():
        if pipeline.requeue(NOTICE, pk=notice.pk):
            audit.record(audit.Action.NOTICE_ISSUE, actor=user, case=notice.case_id, obj=notice, detail={"retry": True})
    notice.refresh_from_db()
    return notice


@transaction.atomic
def notices_catch_up(*, today: date | None = None, limit: int = 200) -> list[int]:
    """NOARFIs and ineligibility notices the screening event did not issue
    (a crash, a bug, a case screened before this app): issued now, with the
    due date of their eligibility finding. Cases imported with a notice date
    (sent outside the system) owe nothing."""
    today = today or timezone.localdate()
    # Only recent findings: historical cases (imports, generators) got their notices elsewhere.
    since = timezone.now() - timedelta(days=settings.IMR_CORRESPONDENCE_CATCH_UP_DAYS)
    issued = []
    owed_noarfi = (
        Case.objects.filter(status__in=NOARFI_OWED_STATUSES, assigned_on__isnull=True, eligibility_decided_at__gte=since)
        .exclude(notices__kind=NoticeKind.NOARFI)
        .order_by("eligibility_decided_at")[:limit]
    )
    for case in owed_noarfi:
        issued.append(noarfi_issue(case=case, today=today).pk)
    owed_ineligible = (
        Case.objects.filter(status=Case.Status.INELIGIBLE, eligibility_decided_at__gte=since)
        .exclude(notices__kind=NoticeKind.INELIGIBLE)
        .order_by("eligibility_decided_at")[:limit]
    )
    for case in owed_ineligible:
        issued.append(ineligibility_notice_issue(case=case, today=today).pk)
    return issued
