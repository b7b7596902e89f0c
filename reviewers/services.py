"""Writes on reviewers and assignments."""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role
from accounts.roles import user_roles
from cases import services as case_services
from cases.permissions import assign_refusal, require
from cases.models import Case, Party
from accounts import audit
from imrsite.errors import ServiceError
from imrsite.limits import check_text

from .models import Affiliation, Assignment, BoardCertification, License, Reviewer, Specialty, validate_practice_start
from .selectors import reviewer_check, reviewers_with_credentials

ATTESTATION_TEXT = (
    "I have no material professional, familial or financial affiliation with the employee, the employer, "
    "the claims administrator or its medical provider network, the requesting provider or their medical group "
    "or IPA, the facility where the treatment would be provided, or the developer or manufacturer of the "
    "disputed treatment, and I have not treated or examined the employee."
)


@dataclass
class LicenseData:
    state: str
    number: str
    expires_on: date
    status: str = License.Status.ACTIVE
    restricted: bool = False
    profession: str = ""  # blank: the profession of the reviewer's degree


@dataclass
class ReviewerData:
    email: str
    first_name: str
    last_name: str
    active_practice_since: int
    weekly_practice_hours: int
    board_certifications: list[str] = field(default_factory=list)
    licenses: list[LicenseData] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
    degree: str = Reviewer.Degree.MD


def reviewer_account_problem(user) -> str | None:
    """Why an existing account may not carry a reviewer profile, or None.

    Only an account in the reviewer role may: attaching a profile to a staff
    account would let it be assigned cases, and an import must never grant a
    role (issue 19 item 3). An administrator gives the role first, in admin.
    """
    if not user.groups.filter(name=Role.REVIEWER).exists():
        return "an account with this email exists and is not in the reviewer role; a reviewer profile is attached only to a reviewer's account"
    return None


def affiliations_link_parties(*, affiliations) -> int:
    """Link affiliations known only by name to their party row, where exactly
    one party bears that (normalized) name; return how many were linked.

    The conflict check compares rows; a name stays the fallback only while
    no party, or more than one, answers to it.
    """
    linked = 0
    for affiliation in affiliations:
        if affiliation.party_id is not None or not affiliation.normalized_name:
            continue
        candidates = list(Party.objects.filter(normalized_name=affiliation.normalized_name).values_list("pk", flat=True)[:2])
        if len(candidates) == 1:
            affiliation.party_id = candidates[0]
            affiliation.save(update_fields=["party"])
            linked += 1
    return linked


@transaction.atomic
def reviewer_upsert(*, data: ReviewerData) -> Reviewer:
    """Create a reviewer (with a login in the reviewer role), or update the one
    with this email, which must already be a reviewer's account."""
    User = get_user_model()
    email = data.email.strip().lower()
    if data.degree not in Reviewer.Degree.values:
        raise ServiceError(f"unknown degree {data.degree!r}", field="degree", code="degree")
    try:
        validate_practice_start(data.active_practice_since)  # the model's rule, for admin too
    except ValidationError as exc:
        raise ServiceError(exc.messages[0], field="active_practice_since", code="future_practice_start") from exc
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        problem = reviewer_account_problem(user)
        if problem:
            raise ServiceError(problem, field="email", code="not_reviewer_account")
    else:
        username = email.split("@")[0][:140]
        base, n = username, 1
        while User.objects.filter(username=username).exists():
            n += 1
            username = f"{base}{n}"
        user = User(username=username, email=email, first_name=data.first_name, last_name=data.last_name)
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=Role.REVIEWER))
    reviewer, _ = Reviewer.objects.update_or_create(
        user=user,
        defaults={
            "degree": data.degree,
            "active_practice_since": data.active_practice_since,
            "weekly_practice_hours": data.weekly_practice_hours,
        },
    )
    for position, name in enumerate(data.board_certifications):
        specialty, _ = Specialty.objects.get_or_create(name=name.strip())
        BoardCertification.objects.update_or_create(reviewer=reviewer, specialty=specialty, defaults={"position": position})
    for lic in data.licenses:
        if License.objects.filter(state=lic.state, number=lic.number).exclude(reviewer=reviewer).exists():
            raise ServiceError(
                f"license {lic.state} {lic.number} belongs to another reviewer", field="licenses", code="license_taken"
            )
        License.objects.update_or_create(
            reviewer=reviewer, state=lic.state, number=lic.number,
            defaults={
                "expires_on": lic.expires_on, "status": lic.status, "restricted": lic.restricted,
                "profession": lic.profession or reviewer.profession,
            },
        )
    existing = set(reviewer.affiliations.values_list("name", flat=True))
    created = [Affiliation.objects.create(reviewer=reviewer, name=name) for name in data.affiliations if name not in existing]
    affiliations_link_parties(affiliations=created)
    return reviewer


def _checked_reviewer(reviewer_id, case: Case, on: date | None, check_capacity: bool):
    reviewer = reviewers_with_credentials().filter(pk=reviewer_id).first()
    if reviewer is None:
        raise ServiceError("no such reviewer", field="reviewer")
    check = reviewer_check(reviewer=reviewer, case=case, on=on, check_capacity=check_capacity)
    if not check.eligible:
        raise ServiceError(
            f"{reviewer} cannot be assigned: " + "; ".join(check.reasons), field="reviewer", code="reviewer_ineligible"
        )
    return reviewer, check


def reviewer_assign(
    *, case: Case, reviewer: Reviewer, assigned_by=None, on: date | None = None, accepted: bool = False, check_capacity: bool = True,
    additional_approval=None,
) -> Assignment:
    """Offer the case to a reviewer, who must be eligible and free of conflicts.

    The case row is locked, so two staff assigning at once cannot both
    succeed; the partial unique index on open assignments backs that up.
    `accepted=True` (imports of decided cases) records the reviewer's
    attestation at once.
    """
    # Assigning is intake's and admins' work, whoever calls (a view, admin, a command).
    if assigned_by is not None and not user_roles(assigned_by).staff:
        raise ServiceError("only intake staff or an administrator can assign a reviewer", field="reviewer", code="not_staff")
    # Nobody assigns a case to themselves, whatever roles the account holds (issue 19 item 3).
    if assigned_by is not None and assigned_by.pk == reviewer.user_id:
        raise ServiceError("you cannot assign a case to yourself", field="reviewer", code="self_assignment")
    # Names recorded before their party existed find their row now, so the
    # check below compares rows (it would match them by name regardless).
    affiliations_link_parties(affiliations=Affiliation.objects.filter(reviewer=reviewer, party__isnull=True))
    try:
        with transaction.atomic():
            case = case_services.case_lock(case)
            if additional_approval is None:
                require(_second_reviewer_refusal(case, assign_refusal(case)))
            else:
                additional_approval = _additional_approval_check(case, reviewer, additional_approval)
            reviewer, check = _checked_reviewer(reviewer.pk, case, on, check_capacity)
            assignment = Assignment.objects.create(
                case=case,
                reviewer=reviewer,
                assigned_by=assigned_by,
                matched_specialty=check.matched_specialty,
                status=Assignment.Status.ACCEPTED if accepted else Assignment.Status.OFFERED,
                conflict_attested=accepted,
                attestation_text=ATTESTATION_TEXT if accepted else "",
                responded_at=timezone.now() if accepted else None,
                additional_approval=additional_approval,
            )
            if case.status != Case.Status.IN_REVIEW:
                case_services.case_transition(case=case, to=Case.Status.IN_REVIEW, actor=assigned_by)
            audit.record(
                audit.Action.ASSIGNMENT_CREATE, actor=assigned_by, case=case, obj=assignment,
                detail={"reviewer_id": reviewer.pk, "status": assignment.status},
            )
            if assignment.status == Assignment.Status.OFFERED:
                _notify_offer(assignment)
            return assignment
    except IntegrityError as exc:
        raise ServiceError("the case was assigned by someone else a moment ago", field="reviewer", code="already_assigned") from exc


SECOND_REVIEWER_MESSAGE = (
    "the case already has a reviewer: a second reviewer needs the Administrative Director's written approval "
    "(8 CCR 9792.10.6(c)), recorded on the case first"
)
# An additional reviewer joins a case that is with its first reviewer, before the decision.
ADDITIONAL_ASSIGNABLE = (Case.Status.AWAITING_RECORDS, Case.Status.RECORDS_COMPLETE, Case.Status.IN_REVIEW)


def _second_reviewer_refusal(case: Case, refusal: ServiceError | None) -> ServiceError | None:
    """More than one reviewer only with the AD's approval: say so when a reviewer already has the case."""
    if refusal is not None and case.assignments.filter(status__in=Assignment.OPEN_STATUSES).exists():
        return ServiceError(SECOND_REVIEWER_MESSAGE, field="reviewer", code="already_assigned")
    return refusal


def _additional_approval_check(case: Case, reviewer: Reviewer, approval):
    """The approval is this case's, not used yet, and the case is with another reviewer (inside the case lock)."""
    from .models import AdditionalReviewerApproval

    approval = AdditionalReviewerApproval.objects.select_for_update().filter(pk=getattr(approval, "pk", approval)).first()
    if approval is None or approval.case_id != case.pk:
        raise ServiceError("the Administrative Director's approval on file is for another case", field="reviewer", code="approval_other_case")
    if Assignment.objects.filter(additional_approval=approval).exists():
        raise ServiceError(
            f"the approval {approval.reference} was already used for an additional reviewer: each approval allows one",
            field="reviewer", code="approval_used",
        )
    if case.status not in ADDITIONAL_ASSIGNABLE:
        raise ServiceError(
            f"a case that is {case.get_status_display().lower()} cannot take an additional reviewer", field="reviewer",
            code="not_assignable",
        )
    open_rows = case.assignments.filter(status__in=Assignment.OPEN_STATUSES)
    if not open_rows.exists():
        raise ServiceError(
            "the case has no reviewer yet: assign the first reviewer the usual way; the approval is for an additional one",
            field="reviewer", code="no_first_reviewer",
        )
    if open_rows.filter(reviewer=reviewer).exists():
        raise ServiceError(f"{reviewer} already reviews this case", field="reviewer", code="already_reviewer")
    return approval


@transaction.atomic
@transaction.atomic
def additional_reviewer_offer(*, case: Case, reviewer, approved_on: date, reference: str, reason: str, user):
    """Record the approval and offer the case to the additional reviewer: both or neither."""
    approval = additional_reviewer_approval_record(
        case=case, approved_on=approved_on, reference=reference, reason=reason, user=user,
    )
    return reviewer_assign(case=case, reviewer=reviewer, assigned_by=user, additional_approval=approval)


def additional_reviewer_approval_record(
    *, case: Case, approved_on: date, reference: str, reason: str, user=None, document=None, today: date | None = None
):
    """Record the Administrative Director's written approval of another reviewer (8 CCR 9792.10.6(c))."""
    from .models import AdditionalReviewerApproval

    if user is not None and not user_roles(user).staff:
        raise ServiceError("only intake staff or an administrator can record the approval", code="not_staff")
    reference, reason = (reference or "").strip(), (reason or "").strip()
    if not reference:
        raise ServiceError("give the approval's reference (letter or e-mail)", field="reference", code="no_reference")
    if not reason:
        raise ServiceError("say why another reviewer is needed", field="reason", code="no_reason")
    check_text(reference, 120, field="reference")
    check_text(reason, 2000, field="reason")
    if approved_on is None:
        raise ServiceError("give the date of the approval", field="approved_on", code="no_date")
    if approved_on > (today or timezone.localdate()):
        raise ServiceError("cannot be in the future", field="approved_on", code="future_date")
    case = case_services.case_lock(case)
    if approved_on < case.received_on:
        raise ServiceError("cannot be before the application was received", field="approved_on", code="before_received")
    if document is not None and document.case_id != case.pk:
        raise ServiceError("the document is on another case", field="document", code="foreign_document")
    approval = AdditionalReviewerApproval.objects.create(
        case=case, approved_on=approved_on, reference=reference, reason=reason, document=document, recorded_by=user,
    )
    audit.record(audit.Action.REVIEWER_APPROVAL, actor=user, case=case, obj=approval,
                 detail={"approved_on": approved_on.isoformat()})
    return approval


def correction_assign(*, case: Case, reviewer: Reviewer, assigned_by) -> Assignment:
    """Offer the correction of a decided case's determination to a reviewer who
    did not decide it (determinations.services.correction_open/_reassign).

    The same eligibility and conflict rules as `reviewer_assign` (through
    `reviewer_check`, capacity included), on a case that stays decided: a
    correction is no new review, so the case's status and clocks do not move.
    """
    if not user_roles(assigned_by).admin:
        raise ServiceError("only an administrator can give a correction to a reviewer", field="reviewer", code="not_admin")
    case = case_services.case_lock(case)
    if case.status != Case.Status.DECIDED:
        raise ServiceError("only a decided case's determination is corrected", field="reviewer", code="not_decided")
    if case.assignments.filter(status__in=Assignment.OPEN_STATUSES).exists():
        raise ServiceError("the case already has a reviewer", field="reviewer", code="already_assigned")
    reviewer, check = _checked_reviewer(reviewer.pk, case, None, True)
    assignment = Assignment.objects.create(
        case=case, reviewer=reviewer, assigned_by=assigned_by, matched_specialty=check.matched_specialty,
        status=Assignment.Status.OFFERED,
    )
    audit.record(
        audit.Action.ASSIGNMENT_CREATE, actor=assigned_by, case=case, obj=assignment,
        detail={"reviewer_id": reviewer.pk, "status": assignment.status, "correction": True},
    )
    _reminders_touch(case)
    return assignment


def assignment_reopen_for_correction(*, case: Case, reviewer: Reviewer, actor) -> Assignment | None:
    """The reviewer who decided the case takes its correction: their completed
    assignment (and the attestation given with it) is open again until the
    correction is finalized. None if they have no completed assignment to reopen."""
    case = case_services.case_lock(case)
    assignment = (
        Assignment.objects.select_for_update()
        .filter(case=case, reviewer=reviewer, status=Assignment.Status.COMPLETED)
        .order_by("-assigned_at")
        .first()
    )
    if assignment is None or case.assignments.filter(status__in=Assignment.OPEN_STATUSES).exists():
        return None
    assignment.status = Assignment.Status.ACCEPTED
    assignment.save(update_fields=["status"])
    audit.record(
        audit.Action.ASSIGNMENT_ACCEPT, actor=actor, case=case, obj=assignment,
        detail={"reviewer_id": reviewer.pk, "status": assignment.status, "correction": True},
    )
    _reminders_touch(case)
    return assignment


def assignment_end_for_correction(*, assignment: Assignment, actor) -> Assignment:
    """A correction moves to another reviewer: a reopened assignment of the
    reviewer who decided is completed again (their decision stands as theirs);
    any other open one is withdrawn."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if not assignment.is_open:
        return assignment
    decided_by_them = assignment.case.determinations.filter(reviewer_id=assignment.reviewer_id).exclude(status="draft").exists()
    assignment.status = Assignment.Status.COMPLETED if decided_by_them else Assignment.Status.WITHDRAWN
    assignment.save(update_fields=["status"])
    audit.record(
        audit.Action.CORRECTION_REVIEWER, actor=actor, case=assignment.case_id, obj=assignment,
        detail={"reviewer_id": assignment.reviewer_id, "status": assignment.status, "correction": True},
    )
    _reminders_touch(assignment.case_id)
    return assignment


def _reminders_touch(case) -> None:
    """An offer was made or answered: the case's reminders are looked at again (reminders app)."""
    from reminders.services import reminders_touch

    reminders_touch(case)


def _notify_offer(assignment: Assignment) -> None:
    """The reviewer learns of the offer in their navbar, with a link to answer it."""
    from django.urls import reverse

    from accounts.services import notification_send

    case = assignment.case
    notification_send(
        recipient=assignment.reviewer.user,
        message=f"{case.number} is offered to you for {case.get_review_type_display().lower()} review. Accept or decline it.",
        link=reverse("review:case", args=[case.number]),
    )


def _locked_assignment(assignment: Assignment, user) -> Assignment:
    """Re-read the assignment with a row lock; only its own reviewer may answer it."""
    locked = Assignment.objects.select_for_update().select_related("case", "reviewer").get(pk=assignment.pk)
    if user is None or locked.reviewer.user_id != user.pk:
        raise ServiceError("only the reviewer the case was offered to can answer the offer", code="not_owner")
    return locked


@transaction.atomic
def assignment_accept(*, assignment: Assignment, user, attested: bool) -> Assignment:
    """The reviewer takes the case, attesting to no conflict of interest (req. 20).

    The conflict rules are checked again: an affiliation recorded since the
    offer still blocks the case.
    """
    if not attested:
        raise ServiceError(
            "confirm that you have no conflict of interest, or decline the case", field="attested", code="not_attested"
        )
    case_services.case_lock(assignment.case_id)  # same lock order as reviewer_assign and assignment_decline
    assignment = _locked_assignment(assignment, user)
    if assignment.status != Assignment.Status.OFFERED:
        raise ServiceError(
            f"this assignment is {assignment.get_status_display().lower()}; it can no longer be accepted",
            code="not_offered",
        )
    reviewer = reviewers_with_credentials().get(pk=assignment.reviewer_id)
    check = reviewer_check(reviewer=reviewer, case=assignment.case, check_capacity=False)
    if check.conflicts:
        raise ServiceError(
            "you cannot accept this case: " + "; ".join(f.message for f in check.conflicts) + ". Decline it instead.",
            field="attested",
            code="conflict",
        )
    assignment.status = Assignment.Status.ACCEPTED
    assignment.conflict_attested = True
    assignment.attestation_text = ATTESTATION_TEXT
    assignment.responded_at = timezone.now()
    assignment.save(update_fields=["status", "conflict_attested", "attestation_text", "responded_at"])
    audit.record(
        audit.Action.ASSIGNMENT_ACCEPT, actor=user, case=assignment.case_id, obj=assignment,
        detail={"reviewer_id": assignment.reviewer_id, "status": assignment.status},
    )
    _reminders_touch(assignment.case_id)
    return assignment


@transaction.atomic
def assignment_decline(
    *, assignment: Assignment, user, reason: str, kind: str = Assignment.DeclineKind.OTHER
) -> Assignment:
    """The reviewer refuses the offer: the case goes back to intake's queue and intake is told.

    `kind` CONFLICT (a conflict of interest with a party) excludes the
    reviewer from this case for good (`reviewer_check`); any other reason is
    shown to intake beside the reviewer's name when they reassign.
    """
    from accounts.models import Notification, Role

    reason = (reason or "").strip()
    if kind not in Assignment.DeclineKind.values:
        raise ServiceError("say whether you decline for a conflict of interest or another reason", field="kind",
                           code="no_kind")
    if not reason:
        raise ServiceError("give a reason for declining", field="reason", code="no_reason")
    check_text(reason, Assignment._meta.get_field("decline_reason").max_length, field="reason")
    case = case_services.case_lock(assignment.case_id)
    assignment = _locked_assignment(assignment, user)
    if assignment.status != Assignment.Status.OFFERED:
        raise ServiceError(
            f"this assignment is {assignment.get_status_display().lower()}; ask intake to withdraw it instead "
            "(they can, from the case page)",
            code="not_offered",
        )
    assignment.status = Assignment.Status.DECLINED
    assignment.decline_kind = kind
    assignment.decline_reason = reason
    assignment.responded_at = timezone.now()
    assignment.save(update_fields=["status", "decline_kind", "decline_reason", "responded_at"])
    # A decided case offered for a correction stays decided; an admin gives the correction to someone else.
    correction = case.status == Case.Status.DECIDED
    if not correction:
        back_to = Case.Status.RECORDS_COMPLETE if case.records_complete_on else Case.Status.AWAITING_RECORDS
        case_services.case_transition(case=case, to=back_to, actor=user)
    # The reason is free text (it may name people): it stays on the assignment, not in the trail.
    audit.record(
        audit.Action.ASSIGNMENT_DECLINE, actor=user, case=case, obj=assignment,
        detail={"reviewer_id": assignment.reviewer_id, "status": assignment.status, "kind": kind},
    )
    if correction:
        _reminders_touch(case)  # no transition touched it
    why = "for a conflict of interest" if kind == Assignment.DeclineKind.CONFLICT else "for another reason"
    what = "the correction of its determination" if correction else "the case"
    message = f"{case.number}: {assignment.reviewer} declined {what} {why}. Reason: {reason}"
    Notification.objects.create(
        role=Role.ADMIN if correction else Role.INTAKE,
        message=message if len(message) <= 500 else message[:499] + "…",
        link=case.get_absolute_url(),
    )
    return assignment


WITHDRAWABLE_STATUSES = (Assignment.Status.OFFERED, Assignment.Status.ACCEPTED)


@transaction.atomic
def assignment_withdraw(*, assignment: Assignment, user, reason: str) -> Assignment:
    """Intake takes an offer or an accepted case back from the reviewer (issue 19 item 7).

    Intake or an admin, with a reason; the reviewer loses the case at once
    (`visible_cases`), is told by a notification, and the case returns to
    intake's queue to be assigned again. A draft the reviewer had started is
    discarded: the next reviewer decides afresh, and the constraint of one
    current determination per case needs the place. A finalized
    determination cannot be taken back this way (that is a correction).
    """
    from django.urls import reverse

    from accounts.models import Notification

    if user is None or not user_roles(user).staff:
        raise ServiceError("only intake staff or an administrator can withdraw an assignment", code="not_staff")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("say why the case is taken back from the reviewer", field="reason", code="no_reason")
    check_text(reason, Assignment._meta.get_field("withdrawal_reason").max_length, field="reason")
    case = case_services.case_lock(assignment.case_id)  # same lock order as assign, accept and decline
    assignment = Assignment.objects.select_for_update().select_related("reviewer__user").get(pk=assignment.pk)
    if assignment.status not in WITHDRAWABLE_STATUSES:
        raise ServiceError(
            f"this assignment is {assignment.get_status_display().lower()}; only an offer or an accepted case can be withdrawn",
            code="not_withdrawable",
        )
    from determinations.models import Determination

    drafts = Determination.objects.filter(
        case=case, reviewer=assignment.reviewer, status=Determination.Status.DRAFT
    )
    draft_discarded = drafts.exists()
    if draft_discarded:
        drafts.delete()  # its item decisions go with it (CASCADE)
    previous = assignment.status
    assignment.status = Assignment.Status.WITHDRAWN
    assignment.withdrawn_at = timezone.now()
    assignment.withdrawn_by = user
    assignment.withdrawal_reason = reason
    assignment.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    back_to = Case.Status.RECORDS_COMPLETE if case.records_complete_on else Case.Status.AWAITING_RECORDS
    case_services.case_transition(case=case, to=back_to, actor=user)
    # The reason is free text: it stays on the assignment and in the reviewer's notification, not in the trail.
    audit.record(
        audit.Action.ASSIGNMENT_WITHDRAW, actor=user, case=case, obj=assignment,
        detail={"reviewer_id": assignment.reviewer_id, "from": previous, "draft_discarded": draft_discarded},
    )
    message = f"{case.number} was withdrawn from you by intake. Reason: {reason}"
    Notification.objects.create(
        recipient=assignment.reviewer.user,
        message=message if len(message) <= 500 else message[:499] + "…",
        link=reverse("review:dashboard"),
    )
    return assignment
