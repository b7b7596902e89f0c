"""What each notice says, built from the case once, when the notice is issued.

The result is a plain JSON dict stored on the notice (`Notice.content`): a
re-render prints the same words, and a later change to the case never
rewrites a notice already sent. No reviewer's name ever goes in.
"""

from datetime import date

from django.conf import settings

from cases import deadlines
from cases.models import Case, PartyRole, RecordsCategory

from .models import NoticeKind
from .recipients import NOTICE_ROLES, recipient_for

# Each ineligibility reason in plain words (9792.10.3; domain.md §2.3).
INELIGIBLE_WORDS = {
    Case.IneligibleReason.NOT_SUBJECT: (
        "Independent Medical Review covers only the injuries and Utilization Review decisions that Labor Code "
        "section 4610.5(a) names (the dates are stated below); this dispute falls outside them, so it is not "
        "resolved by Independent Medical Review."
    ),
    Case.IneligibleReason.NO_SIGNATURE: (
        "The application was not signed by the employee or by the employee's representative."
    ),
    Case.IneligibleReason.NO_UR_DECISION: (
        "The application did not include a copy of the written Utilization Review decision, which must be sent with it."
    ),
    Case.IneligibleReason.UNTIMELY: (
        "The application was filed more than 30 days after the Utilization Review decision was served "
        "(plus five days when it was served by mail), which is later than the law allows."
    ),
    Case.IneligibleReason.CNC: (
        "The Utilization Review decision was a conditional non-certification: the treatment was denied because "
        "requested medical information was not received, not because of its medical necessity."
    ),
    Case.IneligibleReason.DUPLICATE: (
        "An application for the same employee, the same Utilization Review decision and the same treatment is "
        "already pending or has already been decided."
    ),
    Case.IneligibleReason.LIABILITY: (
        "The claims administrator disputes liability for the injury or the body part, which must be resolved first."
    ),
    Case.IneligibleReason.OTHER: "The application cannot be reviewed for the reason stated below.",
}

RECORDS_WORDS = {
    RecordsCategory.REPORTS: (
        "All reports of the requesting physician relevant to the employee's current condition produced within six "
        "months before the date of the request for authorization, including any identified in the request or the "
        "Utilization Review determination (and, if the physician has treated the employee for less than six months, "
        "the reports of the prior or referring physicians for that period)."
    ),
    RecordsCategory.APPLICATION: "A copy of the DWC Form IMR (without the Utilization Review determination or its instructions).",
    RecordsCategory.UR_CORRESPONDENCE: (
        "All other information and correspondence the claims administrator provided to the employee about the "
        "Utilization Review decision."
    ),
    RecordsCategory.SUPPORTING: (
        "All materials the employee or the requesting physician submitted to the claims administrator in support "
        "of the request for authorization."
    ),
}


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""


def _parties(case: Case, roles=NOTICE_ROLES) -> list[dict]:
    out = []
    for role in roles:
        r = recipient_for(case, role)
        if r is not None:
            out.append({"role": r.role_label, "role_code": role, "name": r.name})
    return out


def _common(case: Case, *, issued_on: date) -> dict:
    provider = case.requesting_provider
    return {
        "imro_name": settings.IMRO_NAME,
        "imro_short_name": settings.IMRO_SHORT_NAME,
        "imro_address": settings.IMRO_ADDRESS,
        "case_number": case.number,
        "issued_on": _d(issued_on),
        "review_type": case.get_review_type_display(),
        "expedited": case.is_expedited,
        "received_on": _d(case.received_on),
        "ur_decision_date": _d(case.ur_decision_date),
        "rfa_date": _d(case.rfa_date),
        "date_of_injury": _d(case.date_of_injury),
        "claim_number": case.claim_number,
        "employee": case.employee.name,
        "employer": case.employer.name,
        "claims_administrator": case.claims_administrator.name,
        "requesting_provider": provider.name + (f" ({provider.specialty})" if provider.specialty else ""),
        "attorney": case.attorney.name if case.attorney_id else "",
        "items": [
            {"description": item.description, "category": item.get_category_display(), "ur_decision": item.get_ur_decision_display()}
            for item in case.items.all()
        ],
        "recipients": _parties(case),
    }


def noarfi_content(case: Case, *, issued_on: date, electronic_to_claims_administrator: bool) -> dict:
    """8 CCR 9792.10.4(b) and 9792.10.5: assignment, and the records requested with their due date."""
    due = deadlines.records_due(
        assigned_on=issued_on, expedited=case.is_expedited, electronic_notice=electronic_to_claims_administrator,
        expedited_since=case.expedited_since,
    )
    return {
        **_common(case, issued_on=issued_on),
        "title": NoticeKind.NOARFI.label,
        "records": [{"code": c.value, "label": c.label, "words": RECORDS_WORDS[c]} for c in RecordsCategory],
        "records_due_on": _d(due),
        "records_days_mail": settings.IMR_RECORDS_DUE_DAYS_MAIL,
        "records_days_electronic": settings.IMR_RECORDS_DUE_DAYS_ELECTRONIC,
        "records_hours_expedited": settings.IMR_RECORDS_DUE_HOURS_EXPEDITED,
        "sent_electronically": electronic_to_claims_administrator,
    }


def ineligible_content(case: Case, *, issued_on: date) -> dict:
    reason = case.ineligible_reason or Case.IneligibleReason.OTHER
    return {
        **_common(case, issued_on=issued_on),
        "title": NoticeKind.INELIGIBLE.label,
        "reason_code": reason,
        "reason_label": Case.IneligibleReason(reason).label,
        "reason_words": INELIGIBLE_WORDS[Case.IneligibleReason(reason)],
        "note": case.eligibility_note,
        "appeal_days": settings.IMR_APPEAL_DAYS,
    }


def expedited_content(case: Case, *, issued_on: date) -> dict:
    return {
        **_common(case, issued_on=issued_on),
        "title": NoticeKind.EXPEDITED.label,
        "expedited_since": _d(case.expedited_since),
        "records_due_on": _d(case.records_due_on),
        "decision_due_on": _d(case.decision_due_on),
        "records_hours_expedited": settings.IMR_RECORDS_DUE_HOURS_EXPEDITED,
        "decision_days_expedited": settings.IMR_DECISION_DUE_DAYS_EXPEDITED,
    }


def termination_content(case: Case, *, termination, issued_on: date) -> dict:
    """The review ended before a decision (9792.10.6(a)): authorized, or withdrawn by the employee."""
    return {
        **_common(case, issued_on=issued_on),
        "title": NoticeKind.TERMINATION.label,
        "termination_reason": termination.reason,
        "reported_by": PartyRole(termination.reported_by_role).label,
        "reported_on": _d(termination.reported_on),
    }


def request_content(case: Case, *, request, issued_on: date, kind: str) -> dict:
    """An information request (the organization's or the reviewer's), or the reviewer's answer."""
    asked = recipient_for(case, request.role)
    content = {
        **_common(case, issued_on=issued_on),
        "title": NoticeKind(kind).label,
        "asked_role": PartyRole(request.role).label,
        "asked_name": asked.name if asked else "",
        "question": request.question,
        "due_on": _d(request.due_on),
        "business_days": settings.IMR_PARTY_INFORMATION_BUSINESS_DAYS,
        "asked_on": _d(request.asked_at.date() if request.asked_at else issued_on),
    }
    if kind == NoticeKind.INFO_REQUEST:
        # Addressed to the one party asked.
        content["recipients"] = [p for p in content["recipients"] if p["role_code"] == request.role]
    if kind == NoticeKind.REVIEWER_RESPONSE:
        content["answer"] = request.answer
        content["answer_document"] = request.answer_document.title if request.answer_document_id else ""
        content["answered_on"] = _d(request.answered_at.date() if request.answered_at else issued_on)
    return content


def role_label(role: str) -> str:
    return PartyRole(role).label
