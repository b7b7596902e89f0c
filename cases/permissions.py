"""What may be done to a case in its current state: one rule per action.

Each `*_refusal` function returns the ServiceError its service raises, or
None when the action is allowed. The services raise it (`require`), for every
caller: views, admin actions, import, commands. The case page and admin ask
the same functions through `case_permissions`, so a button or a form shows
exactly when the service would accept it. No view, template or admin holds a
status test of its own.

Who may see a case at all is `cases.visibility`; which role may open a page
is `imrsite.access`.
"""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from imrsite.errors import ServiceError

from .models import Case

S = Case.Status

SCREENABLE = (S.RECEIVED, S.DEFERRED)
# Reviewer assignment: after screening found the case eligible, before a decision.
ASSIGNABLE = (S.AWAITING_RECORDS, S.RECORDS_COMPLETE)
# Records can be complete only while the records clock, or the review it
# feeds, runs: not before screening (received, deferred), not after the end
# (decided, ineligible, terminated, withdrawn).
RECORDS_COMPLETABLE = (S.AWAITING_RECORDS, S.RECORDS_COMPLETE, S.IN_REVIEW)
# The organization asks a party for information while eligibility is pending (9792.10.3(b)-(c)).
INFORMATION_REQUESTABLE = (S.RECEIVED, S.DEFERRED)
# A reviewer asks the parties while the case is with them (LC 4610.6(b)).
REVIEWER_QUESTIONABLE = (S.AWAITING_RECORDS, S.RECORDS_COMPLETE, S.IN_REVIEW)
# Documents join the record while the case can still be decided.
UPLOADABLE = (S.RECEIVED, S.AWAITING_INFO, S.DEFERRED, S.AWAITING_RECORDS, S.RECORDS_COMPLETE, S.IN_REVIEW)


def _state(case: Case) -> str:
    return case.get_status_display().lower()


def screen_refusal(case: Case) -> ServiceError | None:
    if case.status not in SCREENABLE:
        return ServiceError(f"a case that is {_state(case)} has already been screened", field="status", code="already_screened")
    return None


def records_complete_refusal(case: Case, *, on: date | None = None, today: date | None = None) -> ServiceError | None:
    """Records complete once, on a date that has come, not before the notice of assignment."""
    if case.status not in RECORDS_COMPLETABLE:
        return ServiceError(
            f"records cannot be marked complete on a case that is {_state(case)}", field="status", code="not_completable"
        )
    if case.records_complete_on is not None:
        return ServiceError(
            f"records were already marked complete on {case.records_complete_on:%Y-%m-%d}",
            field="records_complete_on",
            code="already_complete",
        )
    if on is None:
        return None
    if on > (today or timezone.localdate()):
        return ServiceError("cannot be in the future", field="records_complete_on", code="future_date")
    if case.assigned_on and on < case.assigned_on:
        return ServiceError("cannot be before the notice of assignment", field="records_complete_on", code="before_notice")
    return None


def _has_open_assignment(case: Case) -> bool:
    prefetched = getattr(case, "open_assignments", None)
    if prefetched is not None:
        return bool(prefetched)
    from reviewers.models import Assignment

    return case.assignments.filter(status__in=Assignment.OPEN_STATUSES).exists()


def assign_refusal(case: Case) -> ServiceError | None:
    if case.status not in ASSIGNABLE:
        return ServiceError(f"a case that is {_state(case)} cannot be assigned", field="reviewer", code="not_assignable")
    if _has_open_assignment(case):
        return ServiceError("the case already has a reviewer", field="reviewer", code="already_assigned")
    return None


def expedite_refusal(case: Case, *, on: date | None = None, today: date | None = None) -> ServiceError | None:
    """Conversion to expedited (9792.10.4(c)): an open standard case, on a certification received by now."""
    if case.is_expedited:
        return ServiceError("the case is already expedited", field="review_type", code="already_expedited")
    if not case.is_open:
        return ServiceError("only an open case can be expedited", field="review_type", code="not_open")
    if on is None:
        return None
    if on > (today or timezone.localdate()):
        return ServiceError("cannot be in the future", field="on", code="future_date")
    if on < case.received_on:
        return ServiceError("cannot be before the application was received", field="on", code="before_received")
    return None


def upload_refusal(case: Case) -> ServiceError | None:
    """A closed case's record takes no new documents; the refusal says where later papers go (issue 19 item 5)."""
    if case.status in UPLOADABLE:
        return None
    message = f"documents cannot be added to a case that is {_state(case)}"
    if case.status == S.DECIDED:
        message += (
            ": the determination rested on this record; papers received later (a party's correspondence, "
            "a WCAB appeal) go to the correspondence or appeal record"
        )
    elif case.status == S.INELIGIBLE:
        message += (
            ": papers received later go with a new application, or with the WCAB appeal of the ineligibility finding"
        )
    else:
        message += ": its record is closed"
    return ServiceError(message, field="file", code="case_closed")


def information_request_refusal(case: Case) -> ServiceError | None:
    if case.status not in INFORMATION_REQUESTABLE:
        return ServiceError(
            f"information can be requested only while eligibility is pending (the case is {_state(case)})",
            code="not_screening",
        )
    return None


def reviewer_question_refusal(case: Case) -> ServiceError | None:
    if case.status not in REVIEWER_QUESTIONABLE:
        return ServiceError("questions can be asked only while the case is under review", code="not_in_review")
    return None


def items_refusal(case: Case) -> ServiceError | None:
    """Disputed items change only while the case is open; after that they are part of its record."""
    if not case.is_open:
        return ServiceError(f"the items of a case that is {_state(case)} cannot change", field="items", code="case_closed")
    return None


def require(refusal: ServiceError | None) -> None:
    if refusal is not None:
        raise refusal


@dataclass(frozen=True)
class CasePermissions:
    """What the user may do to the case now; templates read `can.screen` etc."""

    screen: bool
    mark_records_complete: bool
    assign: bool
    expedite: bool
    upload: bool
    request_information: bool
    ask_parties: bool  # the reviewer's question; whose it is, the service checks (the accepted reviewer)


def case_permissions(case: Case, user=None) -> CasePermissions:
    """The actions open to `user` (every action here is intake staff's or an
    admin's; no user: the case's state alone)."""
    from accounts.roles import user_roles

    roles = user_roles(user) if user is not None else None
    staff = roles is None or roles.staff
    reviewer = roles is None or roles.reviewer
    return CasePermissions(
        screen=staff and screen_refusal(case) is None,
        mark_records_complete=staff and records_complete_refusal(case) is None,
        assign=staff and assign_refusal(case) is None,
        expedite=staff and expedite_refusal(case) is None,
        upload=staff and upload_refusal(case) is None,
        request_information=staff and information_request_refusal(case) is None,
        ask_parties=reviewer and reviewer_question_refusal(case) is None,
    )
