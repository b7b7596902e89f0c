"""Termination, withdrawal and consolidation: the rules, for every caller.

The case page, Django admin and `seed_demo` call these functions; each
refuses an illegal state with a `ServiceError` naming the field at fault,
and writes nothing then.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accounts import audit
from accounts.roles import user_roles
from cases import services as case_services
from cases.models import Case, CaseDocument, DisputedItem, PartyRole
from cases.signals import case_terminated
from imrsite.errors import ServiceError
from imrsite.limits import check_text

from .models import Consolidation, Termination

S = Case.Status

# A review can end before its decision while it is open, or on hold (deferred).
TERMINABLE = (S.RECEIVED, S.AWAITING_INFO, S.DEFERRED, S.AWAITING_RECORDS, S.RECORDS_COMPLETE, S.IN_REVIEW)
# An application can be absorbed before it goes to a reviewer; the surviving case until its decision.
ABSORBABLE = (S.RECEIVED, S.AWAITING_INFO, S.DEFERRED, S.AWAITING_RECORDS, S.RECORDS_COMPLETE)
SURVIVABLE = (S.RECEIVED, S.AWAITING_INFO, S.DEFERRED, S.AWAITING_RECORDS, S.RECORDS_COMPLETE, S.IN_REVIEW)


def _state(case: Case) -> str:
    return case.get_status_display().lower()


def _require_staff(user, what: str) -> None:
    if user is not None and not user_roles(user).staff:
        raise ServiceError(f"only intake staff or an administrator can {what}", code="not_staff")


# --- termination ---------------------------------------------------------------------


def termination_refusal(case: Case) -> ServiceError | None:
    """Why this case cannot be terminated now (None: it can)."""
    existing = getattr(case, "_termination_cache", None)
    if existing is None:
        existing = Termination.objects.filter(case_id=case.pk).first()
    if existing is not None:
        return ServiceError(
            f"the case was already closed: {existing.get_reason_display().lower()}, reported {existing.reported_on:%Y-%m-%d}",
            field="reason", code="already_terminated",
        )
    if case.status == S.DECIDED:
        return ServiceError(
            "a decided case cannot be terminated: the Final Determination Letter stands (a correction or a WCAB "
            "appeal is the way to change it)",
            field="reason", code="decided",
        )
    if case.status not in TERMINABLE:
        return ServiceError(f"a case that is {_state(case)} cannot be terminated", field="reason", code="not_open")
    return None


def forwarded_to_reviewer(case: Case) -> bool:
    """Whether the case has gone to a reviewer: an offer or acceptance open now,
    or a reviewer who accepted it earlier (8 CCR 9792.10.8 fee)."""
    from reviewers.models import Assignment

    return case.assignments.filter(status__in=Assignment.OPEN_STATUSES).exists() or case.assignments.filter(
        conflict_attested=True
    ).exists()


def _close_assignment(case: Case, *, user, reason_text: str):
    """End the open assignment (if any) and tell its reviewer in their dashboard."""
    from accounts.services import notification_send
    from determinations.models import Determination
    from reviewers.models import Assignment

    assignment = Assignment.objects.select_for_update().select_related("reviewer__user").filter(
        case=case, status__in=Assignment.OPEN_STATUSES
    ).first()
    if assignment is None:
        return None
    # A draft has nothing left to decide; the constraint of one current determination per case is kept.
    Determination.objects.filter(case=case, reviewer=assignment.reviewer, status=Determination.Status.DRAFT).delete()
    assignment.status = Assignment.Status.WITHDRAWN
    assignment.withdrawn_at = timezone.now()
    assignment.withdrawn_by = user
    assignment.withdrawal_reason = reason_text
    assignment.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    notification_send(
        recipient=assignment.reviewer.user,
        message=f"{case.number} was closed before a decision ({reason_text}). It has left your queue; nothing more is due.",
        link=reverse("review:dashboard"),
    )
    return assignment


def termination_record(
    *,
    case: Case,
    reason: str,
    reported_by_role: str,
    reported_on: date,
    user=None,
    reported_by_name: str = "",
    note: str = "",
    today: date | None = None,
) -> Termination:
    """The review ends before a decision (8 CCR 9792.10.6(a)).

    Recorded once (the case row is locked; the one-to-one on the case backs
    it up), with who reported it and when, and whether the case had gone to
    a reviewer; the open assignment is closed and its reviewer told, the
    case becomes terminated (authorized) or withdrawn (the employee's
    withdrawal), its fee line is earned at the rate of the report date, and
    the parties get the notice of termination (correspondence).
    """
    from billing.services import fee_line_for_termination

    _require_staff(user, "terminate a review")
    if reason not in Termination.Reason.values:
        raise ServiceError("choose whether the treatment was authorized or the application withdrawn", field="reason", code="reason")
    if reported_by_role not in Termination.REPORTERS[reason]:
        allowed = ", ".join(PartyRole(r).label.lower() for r in Termination.REPORTERS[reason])
        raise ServiceError(
            f"{Termination.Reason(reason).label.lower()} is reported by the {allowed}", field="reported_by_role", code="reporter",
        )
    if reported_on is None:
        raise ServiceError("give the date the report was received", field="reported_on", code="no_date")
    today = today or timezone.localdate()
    if reported_on > today:
        raise ServiceError("cannot be in the future", field="reported_on", code="future_date")
    check_text(note, 2000, field="note")
    reported_by_name = (reported_by_name or "").strip()
    check_text(reported_by_name, 200, field="reported_by_name")
    try:
        with transaction.atomic():
            case = case_services.case_lock(case)
            refusal = termination_refusal(case)
            if refusal is not None:
                raise refusal
            if reported_on < case.received_on:
                raise ServiceError(
                    f"cannot be before the application was received ({case.received_on:%Y-%m-%d})", field="reported_on",
                    code="before_received",
                )
            forwarded = forwarded_to_reviewer(case)
            label = Termination.Reason(reason).label.lower()
            assignment = _close_assignment(case, user=user, reason_text=label)
            status_before = case.status
            termination = Termination.objects.create(
                case=case, reason=reason, reported_by_role=reported_by_role, reported_by_name=reported_by_name,
                reported_on=reported_on, forwarded_to_reviewer=forwarded, closed_assignment=assignment,
                status_before=status_before, note=note.strip(), recorded_by=user,
            )
            case_services.case_transition(case=case, to=termination.case_status, actor=user)
            audit.record(
                audit.Action.CASE_TERMINATE, actor=user, case=case, obj=termination,
                detail={"reason": reason, "reported_by": reported_by_role, "reported_on": reported_on.isoformat(),
                        "forwarded_to_reviewer": forwarded, "assignment_closed": assignment.pk if assignment else None},
            )
            fee_line_for_termination(termination=termination, actor=user)
            case_terminated.send(sender=Case, case=case, termination=termination)
            return termination
    except IntegrityError as exc:
        raise ServiceError("someone else recorded the termination of this case a moment ago", field="reason",
                           code="already_terminated") from exc


# --- consolidation -------------------------------------------------------------------


def consolidation_problems(absorbed: Case, surviving: Case) -> list[str]:
    """Why `absorbed` cannot be consolidated into `surviving` (empty: it can; 8 CCR 9792.10.4(a))."""
    if absorbed.pk == surviving.pk:
        return ["an application cannot be consolidated with itself"]
    problems = []
    if absorbed.employee_id != surviving.employee_id:
        problems.append("a different employee")
    if absorbed.requesting_provider_id != surviving.requesting_provider_id:
        problems.append("a different requesting physician")
    if absorbed.date_of_injury != surviving.date_of_injury:
        problems.append(
            f"a different date of injury ({absorbed.date_of_injury:%Y-%m-%d}, not {surviving.date_of_injury:%Y-%m-%d})"
        )
    if problems:
        return [f"{absorbed.number} has " + ", ".join(problems) + f" than {surviving.number}: only applications of the "
                "same employee, requesting physician and date of injury are consolidated"]
    if absorbed.status not in ABSORBABLE:
        extra = " (take it back from its reviewer first)" if absorbed.status == S.IN_REVIEW else ""
        problems.append(f"{absorbed.number} is {_state(absorbed)} and cannot be absorbed{extra}")
    if surviving.status not in SURVIVABLE:
        problems.append(f"{surviving.number} is {_state(surviving)} and cannot take in another application")
    if absorbed.review_type != surviving.review_type:
        problems.append(
            f"{absorbed.number} is a {absorbed.get_review_type_display().lower()} review and {surviving.number} a "
            f"{surviving.get_review_type_display().lower()} one: convert the standard one to expedited first"
        )
    if Consolidation.objects.filter(surviving=absorbed).exists():
        problems.append(f"{absorbed.number} already absorbed other applications: consolidate into it instead")
    if surviving.determinations.exists():
        problems.append(f"the reviewer has started the determination of {surviving.number}: it can no longer take in items")
    return problems


def consolidation_candidates(case: Case) -> list[Case]:
    """Open applications that may be absorbed into `case` (same employee, physician and injury)."""
    if case.status not in SURVIVABLE:
        return []
    rows = (
        Case.objects.filter(
            employee_id=case.employee_id, requesting_provider_id=case.requesting_provider_id,
            date_of_injury=case.date_of_injury, status__in=ABSORBABLE, review_type=case.review_type,
        )
        .exclude(pk=case.pk)
        .exclude(consolidations__isnull=False)
        .order_by("received_on", "number")
    )
    return list(rows[:20])


def case_consolidate(*, absorbed: Case, surviving: Case, user=None, note: str = "") -> Consolidation:
    """Absorb one application into another: its disputed items and documents
    move to the surviving case, decided by one determination; the absorbed
    case is closed as consolidated, its number pointing to the surviving one."""
    _require_staff(user, "consolidate applications")
    check_text(note, 2000, field="note")
    try:
        with transaction.atomic():
            # Lock both rows in id order (two staff consolidating the pair either way round cannot deadlock).
            first, second = sorted([absorbed.pk, surviving.pk])
            locked = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
            if absorbed.pk not in locked or surviving.pk not in locked:
                raise ServiceError("no such case", field="absorbed", code="not_found")
            absorbed, surviving = locked[absorbed.pk], locked.get(surviving.pk, surviving)
            problems = consolidation_problems(absorbed, surviving)
            if problems:
                raise ServiceError("cannot consolidate: " + "; ".join(problems), field="absorbed", code="not_consolidable")
            start = (DisputedItem.objects.filter(case=surviving).aggregate(m=Max("position"))["m"] or 0) + 1
            items = list(DisputedItem.objects.filter(case=absorbed).order_by("position", "id"))
            moved = [{"id": item.pk, "description": item.description, "position_before": item.position} for item in items]
            for offset, item in enumerate(items):
                item.case = surviving
                item.position = start + offset
                item.save(update_fields=["case", "position"])
            documents = list(CaseDocument.all_objects.filter(case=absorbed).values_list("pk", flat=True))
            CaseDocument.all_objects.filter(pk__in=documents).update(case=surviving)
            status_before = absorbed.status
            consolidation = Consolidation.objects.create(
                absorbed=absorbed, surviving=surviving, items_moved=moved, status_before=status_before,
                note=note.strip(), recorded_by=user,
            )
            case_services.case_transition(case=absorbed, to=S.CONSOLIDATED, actor=user)
            if absorbed.is_formulary_dispute and not surviving.is_formulary_dispute:
                # One determination for all items: the shortest clock that applies governs.
                surviving.is_formulary_dispute = True
                surviving.save(update_fields=["is_formulary_dispute", "updated_at"])
                case_services.case_refresh_deadlines(case=surviving)
            audit.record(
                audit.Action.CASE_CONSOLIDATE, actor=user, case=surviving, obj=consolidation,
                detail={"absorbed": absorbed.number, "surviving": surviving.number, "items": [m["id"] for m in moved],
                        "documents": documents},
            )
            audit.record(
                audit.Action.CASE_CONSOLIDATE, actor=user, case=absorbed, obj=consolidation,
                detail={"absorbed": absorbed.number, "surviving": surviving.number},
            )
            return consolidation
    except IntegrityError as exc:
        raise ServiceError("someone else consolidated this application a moment ago", field="absorbed",
                           code="already_consolidated") from exc
