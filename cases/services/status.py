"""The case state machine and its stored deadlines.

No caller changes `Case.status` itself: every move goes through
`case_transition`, which refuses an illegal one and recomputes the due dates.
"""

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import audit
from imrsite.errors import ServiceError

from .. import deadlines
from ..models import Case, ReviewType
from ..permissions import expedite_refusal, records_complete_refusal, require
from ..signals import case_expedited

S = Case.Status

# Legal moves of the case state machine (domain.md §2.13).
TRANSITIONS: dict[str, set[str]] = {
    S.RECEIVED: {S.INELIGIBLE, S.DEFERRED, S.AWAITING_RECORDS, S.AWAITING_INFO, S.WITHDRAWN, S.TERMINATED, S.CONSOLIDATED},
    # Waiting for a party's answer (9792.10.3(b)); back to screening when answered or out of time.
    S.AWAITING_INFO: {S.RECEIVED, S.DEFERRED, S.WITHDRAWN, S.TERMINATED, S.CONSOLIDATED},
    S.DEFERRED: {S.RECEIVED, S.INELIGIBLE, S.AWAITING_RECORDS, S.AWAITING_INFO, S.WITHDRAWN, S.TERMINATED, S.CONSOLIDATED},
    S.AWAITING_RECORDS: {S.RECORDS_COMPLETE, S.IN_REVIEW, S.TERMINATED, S.WITHDRAWN, S.CONSOLIDATED},
    S.RECORDS_COMPLETE: {S.IN_REVIEW, S.TERMINATED, S.WITHDRAWN, S.CONSOLIDATED},
    S.IN_REVIEW: {S.AWAITING_RECORDS, S.RECORDS_COMPLETE, S.DECIDED, S.TERMINATED, S.WITHDRAWN},
    S.INELIGIBLE: set(),
    S.DECIDED: set(),
    S.TERMINATED: set(),
    S.WITHDRAWN: set(),
    S.CONSOLIDATED: set(),
}



def _apply_deadlines(case: Case) -> None:
    """Recompute the stored due dates from the case's dates (one rule, one place)."""
    expedited = case.review_type == ReviewType.EXPEDITED
    case.records_due_on = deadlines.records_due(
        assigned_on=case.assigned_on, expedited=expedited, electronic_notice=case.notice_method == Case.NoticeMethod.ELECTRONIC,
        expedited_since=case.expedited_since,
    )
    case.decision_due_on = deadlines.decision_due(
        records_complete_on=case.records_complete_on, expedited=expedited, formulary=case.is_formulary_dispute,
        expedited_since=case.expedited_since,
    )
    if case.records_clock_running:
        case.due_on = case.records_due_on
    elif case.decision_clock_running:
        case.due_on = case.decision_due_on or case.records_due_on
    else:
        case.due_on = None


def _reminders_touch(case: Case) -> None:
    """The case's reminders are looked at again on the next run (reminders app)."""
    from reminders.services import reminders_touch

    reminders_touch(case)


def case_compute_deadlines(*, case: Case) -> Case:
    """Set the due dates on an unsaved case (bulk generators save them themselves)."""
    _apply_deadlines(case)
    return case


def case_transition(*, case: Case, to: str, save: bool = True, actor=None) -> Case:
    """Move the case to status `to`; audited (`actor` defaults to the request's user)."""
    if to not in TRANSITIONS.get(case.status, set()):
        raise ServiceError(
            f"a case that is {case.get_status_display().lower()} cannot become {S(to).label.lower()}",
            field="status",
            code="illegal_transition",
        )
    previous = case.status
    case.status = to
    _apply_deadlines(case)
    if save:
        case.save()
    if case.pk:  # bulk generators move unsaved cases; they are not yet on record
        audit.record(audit.Action.CASE_STATUS, actor=actor, case=case, obj=case, detail={"from": previous, "to": to})
        _reminders_touch(case)
    return case


def case_lock(case_or_pk) -> Case:
    """Re-read a case with a row lock (inside a transaction)."""
    pk = getattr(case_or_pk, "pk", case_or_pk)
    return Case.objects.select_for_update().get(pk=pk)


@transaction.atomic
def case_mark_eligible(
    *, case: Case, assigned_on: date | None = None, notice_method: str = Case.NoticeMethod.ELECTRONIC
) -> Case:
    """Eligible: the case waits for records.

    The records clock starts when the notice of assignment (NOARFI) is
    recorded sent to the claims administrator (`case_record_assignment_notice`,
    called by the correspondence service). `assigned_on` is given only for a
    notice already sent outside the system (imported historical cases).
    """
    case = case_lock(case)
    if assigned_on is not None:
        case.assigned_on = assigned_on
        case.notice_method = notice_method
    case.ineligible_reason = ""
    case.eligibility_decided_at = timezone.now()
    return case_transition(case=case, to=S.AWAITING_RECORDS)


@transaction.atomic
def case_record_assignment_notice(*, case: Case, sent_on: date | None, electronic: bool) -> Case:
    """The recorded copy of the NOARFI's sending to the claims administrator
    (or None when that delivery failed): the records clock reads it."""
    case = case_lock(case)
    method = Case.NoticeMethod.ELECTRONIC if electronic else Case.NoticeMethod.MAIL
    if (case.assigned_on, case.notice_method) == (sent_on, method):
        return case
    case.assigned_on = sent_on
    case.notice_method = method
    _apply_deadlines(case)
    case.save(update_fields=["assigned_on", "notice_method", "records_due_on", "decision_due_on", "due_on", "updated_at"])
    audit.record(
        audit.Action.CASE_UPDATE, case=case, obj=case,
        detail={"fields": ["assigned_on", "notice_method"], "notice_method": method},
    )
    _reminders_touch(case)
    return case


def case_record_letter_mailing(*, case: Case, mailed_on: date) -> Case:
    """The first recorded sending of the Final Determination Letter (statistics)."""
    updated = Case.objects.filter(pk=case.pk).filter(
        Q(letter_mailed_on__isnull=True) | Q(letter_mailed_on__gt=mailed_on)
    ).update(letter_mailed_on=mailed_on)
    if updated:
        case.letter_mailed_on = mailed_on
        audit.record(audit.Action.CASE_UPDATE, case=case, obj=case, detail={"fields": ["letter_mailed_on"]})
    return case


@transaction.atomic
def case_await_information(*, case: Case) -> Case:
    """An information request went to a party: the case waits (9792.10.3(b))."""
    case = case_lock(case)
    return case_transition(case=case, to=S.AWAITING_INFO)


@transaction.atomic
def case_resume_after_information(*, case: Case, to: str) -> Case:
    """The party answered or the time ran out: back to where the case was."""
    case = case_lock(case)
    if case.status != S.AWAITING_INFO:
        return case
    return case_transition(case=case, to=to)


@transaction.atomic
def case_mark_ineligible(*, case: Case, reason: str, note: str = "") -> Case:
    if reason not in Case.IneligibleReason.values:
        raise ServiceError("choose a reason", field="ineligible_reason")
    case = case_lock(case)
    case.ineligible_reason = reason
    case.eligibility_note = note
    case.eligibility_decided_at = timezone.now()
    to = S.DEFERRED if reason == Case.IneligibleReason.LIABILITY else S.INELIGIBLE
    if to == S.DEFERRED:
        case.ineligible_reason = ""
    return case_transition(case=case, to=to)


@transaction.atomic
def case_mark_records_complete(*, case: Case, on: date, today: date | None = None) -> Case:
    """All records are in (9792.10.5): the decision clock starts on `on`.

    Refused (`cases.permissions.records_complete_refusal`) before screening,
    after the end, a second time, on a future date or before the notice of
    assignment, whoever calls: the case page, the admin action, the import.
    """
    case = case_lock(case)
    require(records_complete_refusal(case, on=on, today=today))
    case.records_complete_on = on
    if case.status == S.AWAITING_RECORDS:
        return case_transition(case=case, to=S.RECORDS_COMPLETE)
    # Already with a reviewer (assigned before the records were in): the status stays.
    _apply_deadlines(case)
    case.save()
    audit.record(audit.Action.CASE_UPDATE, case=case, obj=case, detail={"fields": ["records_complete_on"]})
    _reminders_touch(case)
    return case


@transaction.atomic
def case_convert_to_expedited(*, case: Case, on: date, today: date | None = None) -> Case:
    """A treating physician certified an imminent and serious threat (9792.10.4(c))."""
    case = case_lock(case)
    require(expedite_refusal(case, on=on, today=today))
    case.review_type = ReviewType.EXPEDITED
    case.expedited_since = on
    _apply_deadlines(case)
    case.save()
    audit.record(
        audit.Action.CASE_UPDATE, case=case, obj=case, detail={"fields": ["review_type", "expedited_since"], "review_type": case.review_type}
    )
    # The parties are told at once (the correspondence app's notice of conversion).
    case_expedited.send(sender=Case, case=case)
    _reminders_touch(case)
    return case


def case_mark_decided(*, case: Case, on: date, actor=None) -> Case:
    """Called by the determination service inside its transaction."""
    case.decided_on = on
    return case_transition(case=case, to=S.DECIDED, actor=actor)


def case_refresh_deadlines(*, case: Case) -> Case:
    _apply_deadlines(case)
    Case.objects.filter(pk=case.pk).update(
        records_due_on=case.records_due_on, decision_due_on=case.decision_due_on, due_on=case.due_on
    )
    _reminders_touch(case)
    return case

