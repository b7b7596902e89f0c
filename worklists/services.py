"""Writes of the work queues: saved views and the case list's bulk actions.

A bulk action is the single action repeated, case by case, each through the
service the single action uses (its eligibility, conflict and state rules,
its locks); each case is re-read through `cases.visibility` for the person
acting, so a hand-made POST cannot reach a case the person may not see, and
each case gets one audit row saying what happened to it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.http import QueryDict

from accounts import audit
from accounts.roles import user_roles
from cases import services as case_services
from cases.models import Case
from cases.visibility import visible_cases
from imrsite.errors import ServiceError

from .models import SavedView

# The parameters each list understands; anything else is dropped from a saved view.
LIST_PARAMETERS = {
    SavedView.Page.CASES: ("q", "status", "review_type", "overdue", "queue", "sort"),
    SavedView.Page.REVIEW: ("queue",),
}
MAX_BULK_CASES = 200


def clean_query(page: str, params: QueryDict | dict) -> str:
    """The list's query string, kept to the parameters the list understands, empty values dropped."""
    kept = []
    for key in LIST_PARAMETERS.get(page, ()):
        value = (params.get(key) or "").strip()[:100]
        if value:
            kept.append((key, value))
    return urlencode(kept)


def _shared_role_refusal(user, role: str) -> ServiceError | None:
    if role and not user_roles(user).admin:
        return ServiceError("only an administrator can share a view with a role", field="shared_with_role", code="not_admin")
    return None


def saved_view_save(*, owner, page: str, name: str, params, pinned: bool = False, shared_with_role: str = "") -> SavedView:
    """Save the list's current filters and sort under `name` (the same name again: replaced)."""
    name = (name or "").strip()
    if not name:
        raise ServiceError("give the view a name", field="name", code="required")
    if page not in SavedView.Page.values:
        raise ServiceError("no such list", field="page", code="invalid")
    refusal = _shared_role_refusal(owner, shared_with_role)
    if refusal:
        raise refusal
    query = clean_query(page, params)
    try:
        with transaction.atomic():
            view, _ = SavedView.objects.update_or_create(
                owner=owner, page=page, name=name[:80],
                defaults={"query": query, "pinned": pinned, "shared_with_role": shared_with_role},
            )
    except IntegrityError as exc:  # two saves of the same name at once
        raise ServiceError("a view with this name was just saved; try again", field="name", code="conflict") from exc
    return view


def saved_view_set_pinned(*, view: SavedView, user, pinned: bool) -> SavedView:
    _require_owner(view, user)
    view.pinned = pinned
    view.save(update_fields=["pinned", "updated_at"])
    return view


def saved_view_delete(*, view: SavedView, user) -> None:
    _require_owner(view, user)
    view.delete()


def _require_owner(view: SavedView, user) -> None:
    if view.owner_id != user.pk and not user_roles(user).admin:
        raise ServiceError("only its owner or an administrator can change a saved view", code="not_owner")


# --- bulk actions ----------------------------------------------------------------------------

@dataclass
class BulkOutcome:
    number: str
    done: bool
    message: str
    case: Case | None = None


@dataclass
class BulkResult:
    action: str
    outcomes: list[BulkOutcome] = field(default_factory=list)

    @property
    def done(self) -> list[BulkOutcome]:
        return [o for o in self.outcomes if o.done]

    @property
    def refused(self) -> list[BulkOutcome]:
        return [o for o in self.outcomes if not o.done]


def _selected_cases(user, numbers: list[str]) -> tuple[dict[str, Case], list[str]]:
    """The selected cases the user may see, by number, and the numbers in the order given (deduplicated)."""
    ordered = list(dict.fromkeys(n.strip() for n in numbers if n and n.strip()))[:MAX_BULK_CASES]
    found = visible_cases(user, Case.objects.filter(number__in=ordered))
    return {case.number: case for case in found}, ordered


def _each_case(action: str, user, numbers: list[str], do) -> BulkResult:
    """Run `do(case)` for every selected case: refused when not visible, not staff's, or the service says no."""
    result = BulkResult(action=action)
    cases, ordered = _selected_cases(user, numbers)
    staff = user_roles(user).staff
    for number in ordered:
        case = cases.get(number)
        if case is None:
            # Not found and not visible look the same; the trail tells them apart.
            existing = Case.objects.filter(number=number).values_list("pk", flat=True).first()
            audit.denied(case=existing, object_type="cases.case", object_id=existing or "",
                         reason="not_visible" if existing else "no_such_case")
            result.outcomes.append(BulkOutcome(number, False, "no such case"))
            continue
        if not staff:
            outcome = BulkOutcome(number, False, "only intake staff or an administrator can do this", case)
        else:
            try:
                message = do(case)
            except ServiceError as exc:
                outcome = BulkOutcome(number, False, exc.message, case)
            else:
                outcome = BulkOutcome(number, True, message, case)
        audit.record(
            audit.Action.BULK_ACTION, actor=user, case=case, obj=case,
            detail={"action": action, "done": outcome.done, **({} if outcome.done else {"refused": outcome.message})},
        )
        result.outcomes.append(outcome)
    return result


def bulk_assign(*, user, numbers: list[str], reviewer) -> BulkResult:
    """Offer each selected case to `reviewer`, each checked by the single assignment's rules
    (`reviewers.services.reviewer_assign`: state, eligibility, conflicts, capacity)."""
    from reviewers import services as reviewer_services

    def assign(case):
        reviewer_services.reviewer_assign(case=case, reviewer=reviewer, assigned_by=user)
        return "offered to the reviewer"

    return _each_case("assign", user, numbers, assign)


def bulk_set_owner(*, user, numbers: list[str], owner) -> BulkResult:
    """Make `owner` the owner of each selected case (`cases.services.case_set_owner`)."""
    refusal = case_services.owner_refusal(owner)
    if refusal is not None:
        raise refusal

    def set_owner(case):
        case_services.case_set_owner(case=case, owner=owner, actor=user)
        return f"owner: {owner.get_full_name() or owner.username}" if owner else "no owner"

    return _each_case("owner", user, numbers, set_owner)


def _ready_notices(case: Case):
    from correspondence.models import Notice

    return list(Notice.objects.filter(case=case, status=Notice.Status.READY).exclude(file="").order_by("created_at", "id"))


def bulk_notices_check(*, user, numbers: list[str]) -> BulkResult:
    """Which selected cases have notices ready to print (nothing is read yet)."""

    def check(case):
        notices = _ready_notices(case)
        if not notices:
            raise ServiceError("no notice is ready for this case", code="no_notice")
        return f"{len(notices)} notice{'s' if len(notices) != 1 else ''}"

    return _each_case("notices_check", user, numbers, check)


def bulk_notices_pdf(*, user, numbers: list[str]) -> tuple[bytes, BulkResult]:
    """The ready notices of the selected cases merged into one PDF, each read only while it
    still matches its recorded hash (`imrsite.pipeline.read_verified`); one download row per notice."""
    from pypdf import PdfReader, PdfWriter

    from correspondence.documents import NOTICE
    from imrsite import pipeline

    writer = PdfWriter()

    def add(case):
        notices = _ready_notices(case)
        if not notices:
            raise ServiceError("no notice is ready for this case", code="no_notice")
        pages = []
        for notice in notices:  # all of the case's notices or none of them
            try:
                data = pipeline.read_verified(NOTICE, row=notice)
            except pipeline.IntegrityFailure as exc:
                raise ServiceError(exc.message, code="integrity") from exc
            pages.extend(PdfReader(io.BytesIO(data)).pages)
        for page in pages:
            writer.add_page(page)
        for notice in notices:
            audit.record(audit.Action.NOTICE_DOWNLOAD, actor=user, case=case, obj=notice,
                         detail={"kind": notice.kind, "version": notice.version, "via": "bulk print"})
        return f"{len(notices)} notice{'s' if len(notices) != 1 else ''}"

    result = _each_case("notices", user, numbers, add)
    buffer = io.BytesIO()
    if result.done:
        writer.write(buffer)
    return buffer.getvalue(), result
