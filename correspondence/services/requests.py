"""Questions to a party and their answers.

The organization's request (9792.10.3(b)-(c)) goes to the one party asked
and the case waits in "Awaiting party information" until the answer is
recorded or the 5 business days run out, then goes back to screening. The
reviewer's request (LC 4610.6(b)) is copied to all parties, and so is the
answer; the review goes on meanwhile.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.roles import user_roles
from cases import deadlines
from cases import services as case_services
from cases.models import Case, CaseDocument
from cases.permissions import information_request_refusal, require, reviewer_question_refusal
from imrsite.errors import ServiceError
from reviewers.models import Assignment

from ..models import InformationRequest, NoticeKind
from ..recipients import ASKABLE_ROLES, recipient_for, require_sendable
from .notices import request_notice_issue

R = InformationRequest.Status


def _check_question(question: str, role: str, case: Case) -> str:
    question = (question or "").strip()
    if not question:
        raise ServiceError("write the question", field="question")
    if len(question) > 4000:
        raise ServiceError("keep the question under 4,000 characters", field="question")
    if role not in ASKABLE_ROLES:
        raise ServiceError("choose the party to ask", field="role")
    recipient = recipient_for(case, role)
    if recipient is None:
        raise ServiceError("the case has no party in that role", field="role")
    # A clear refusal before anything is recorded: the notice could not reach them.
    require_sendable(recipient)
    return question


@transaction.atomic
def information_request_create(*, case: Case, role: str, question: str, user, today: date | None = None) -> InformationRequest:
    """The organization asks a party for information; the case waits for the answer."""
    if not user_roles(user).staff:
        raise ServiceError("only intake staff can send an information request", code="forbidden")
    case = case_services.case_lock(case)
    require(information_request_refusal(case))
    question = _check_question(question, role, case)
    today = today or timezone.localdate()
    request = InformationRequest.objects.create(
        case=case, origin=InformationRequest.Origin.ORGANIZATION, role=role, question=question, asked_by=user,
        due_on=deadlines.party_information_due(today), resume_status=case.status,
    )
    request_notice_issue(request=request, kind=NoticeKind.INFO_REQUEST, requested_by=user, today=today)
    case_services.case_await_information(case=case)
    audit.record(audit.Action.INFO_REQUEST, actor=user, case=case, obj=request, detail={"step": "asked", "role": role, "origin": request.origin})
    return request


@transaction.atomic
def reviewer_question_ask(*, case: Case, role: str, question: str, user, today: date | None = None) -> InformationRequest:
    """The reviewer asks a party for more information; the request is copied to all parties."""
    case = case_services.case_lock(case)
    assignment = Assignment.objects.filter(case=case, reviewer__user=user, status=Assignment.Status.ACCEPTED).first()
    if assignment is None:
        raise ServiceError("only the reviewer who accepted the case can ask the parties", code="not_owner")
    require(reviewer_question_refusal(case))
    question = _check_question(question, role, case)
    today = today or timezone.localdate()
    request = InformationRequest.objects.create(
        case=case, origin=InformationRequest.Origin.REVIEWER, role=role, question=question, asked_by=user,
        due_on=deadlines.party_information_due(today),
    )
    request_notice_issue(request=request, kind=NoticeKind.REVIEWER_REQUEST, today=today)
    audit.record(audit.Action.INFO_REQUEST, actor=user, case=case, obj=request, detail={"step": "asked", "role": role, "origin": request.origin})
    return request


@transaction.atomic
def information_request_answer(
    *, request: InformationRequest, user, answer: str = "", document: CaseDocument | None = None, today: date | None = None,
) -> InformationRequest:
    """Record the party's answer: the case resumes (the organization's request)
    or the answer is copied to all parties (the reviewer's)."""
    request = InformationRequest.objects.select_for_update().select_related("case").get(pk=request.pk)
    if request.status == R.ANSWERED:
        return request  # a second click
    answer = (answer or "").strip()
    if not answer and document is None:
        raise ServiceError("write the answer or attach the document received", field="answer")
    if document is not None and document.case_id != request.case_id:
        raise ServiceError("the document belongs to another case", field="document")
    now = timezone.now()
    request.status, request.answer, request.answer_document = R.ANSWERED, answer, document
    request.answered_at, request.answered_by, request.closed_at = now, user, now
    request.save()
    if request.origin == InformationRequest.Origin.ORGANIZATION:
        case_services.case_resume_after_information(case=request.case, to=request.resume_status or Case.Status.RECEIVED)
    else:
        request_notice_issue(request=request, kind=NoticeKind.REVIEWER_RESPONSE, requested_by=user, today=today)
    audit.record(audit.Action.INFO_REQUEST, actor=user, case=request.case_id, obj=request, detail={"step": "answered", "origin": request.origin})
    return request


def information_requests_expire(*, today: date | None = None) -> list[int]:
    """Organization requests past their due date: the case stops waiting (decided on the information on file)."""
    today = today or timezone.localdate()
    expired = []
    for request in InformationRequest.objects.filter(status=R.OPEN, origin=InformationRequest.Origin.ORGANIZATION, due_on__lt=today):
        with transaction.atomic():
            locked = InformationRequest.objects.select_for_update().get(pk=request.pk)
            if locked.status != R.OPEN:
                continue
            locked.status, locked.closed_at = R.EXPIRED, timezone.now()
            locked.save(update_fields=["status", "closed_at"])
            case_services.case_resume_after_information(case=locked.case, to=locked.resume_status or Case.Status.RECEIVED)
            audit.record(audit.Action.INFO_REQUEST, case=locked.case_id, obj=locked, detail={"step": "expired"}, system=True)
            expired.append(locked.pk)
    return expired
