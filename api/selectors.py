"""Reads for the API: the calling account, the cases it may search, the documents it may see."""

from .models import ServiceAccount

_NONE = object()


def service_account_of(user) -> ServiceAccount | None:
    """The user's service account (revoked or not), or None for a person. Cached on the user object."""
    if user is None or getattr(user, "pk", None) is None:
        return None
    cached = getattr(user, "_imr_service_account", _NONE)
    # user.__class__, not type(user): request.user is a SimpleLazyObject, which proxies __class__.
    if cached is _NONE and user.__class__.service_account.is_cached(user):
        # Loaded with the user (select_related, as api.backends.PeopleBackend does).
        cached = getattr(user, "service_account", None)
    if cached is _NONE:
        cached = ServiceAccount.objects.filter(user_id=user.pk).first()
        if cached is not None:
            cached.user = user  # is_active reads it: no second query
        user._imr_service_account = cached
    return cached


# --- Case search ------------------------------------------------------------------------


def case_search(*, user, criteria, rfi: bool = False, today=None):
    """The account's cases matching the criteria, each annotated with its contract
    status (`api_status`), in the requested order with the case number as the
    final tie-breaker (pages never overlap)."""
    from django.db.models import F
    from django.utils import timezone

    from cases.visibility import visible_cases

    from .contract import RFI_STATUSES, SORT_FIELDS, status_annotation, status_filter

    today = today or timezone.localdate()
    qs = visible_cases(user).annotate(api_status=status_annotation(today))
    if criteria.imr_id:
        qs = qs.filter(number__iexact=criteria.imr_id)
    if criteria.ca_id:
        qs = qs.filter(claim_number__iexact=criteria.ca_id)
    statuses = list(criteria.statuses)
    if rfi:
        # The open records requests, narrowed further by any statuses asked for.
        statuses = [s for s in statuses if s in RFI_STATUSES] if statuses else list(RFI_STATUSES)
        if not statuses:
            return qs.none()
    if statuses:
        qs = qs.filter(status_filter(statuses, today))
    order = []
    for prop, desc in criteria.sort:
        expression = F(SORT_FIELDS[prop])
        order.append(expression.desc(nulls_last=True) if desc else expression.asc(nulls_last=True))
    if not order:
        order = [F("received_on").desc(), "number"]
    return qs.order_by(*order, "number", "pk")


def case_search_page(qs, *, offset: int, limit: int) -> list:
    """One page with every related row the results show, in a fixed number of queries."""
    from django.db.models import Prefetch

    from cases.models import DisputedItem

    return list(
        qs.select_related("employee", "employer", "claims_administrator", "requesting_provider", "medical_group")
        .prefetch_related(Prefetch("items", queryset=DisputedItem.objects.order_by("position", "id")))[offset : offset + limit]
    )


# --- Documents a claims administrator may see --------------------------------------------------


from dataclasses import dataclass


@dataclass
class ExchangeItem:
    """A document as the API lists it."""

    kind: str  # DocumentHandle.Kind
    object_id: int
    obj: object
    type: str
    name: str
    size: int
    filename: str


def visible_documents(account, case):
    """Records the organization sent (received from the claims administrator, by
    the API or any other channel) and the documents it issues itself (its UR
    decision and UR correspondence, whoever filed them). Never another party's
    submission. `case` is one the account sees, so its claims administrator is
    the account's organization."""
    from django.db.models import Q

    from cases.models import PartyRole

    from .contract import CLAIMS_ADMINISTRATOR_KINDS

    return (
        case.documents.exclude(file="")
        .filter(
            Q(received_from=PartyRole.CLAIMS_ADMINISTRATOR)
            | Q(uploaded_by__service_account__organization_id=account.organization_id)
            | Q(kind__in=CLAIMS_ADMINISTRATOR_KINDS)
        )
        .order_by("created_at", "id")
    )


def visible_notices(account, case):
    """The notices sent to the organization for this case (once sent), whatever their kind."""
    from correspondence.selectors import notices_for_claims_administrator

    return [delivery.notice for delivery in notices_for_claims_administrator(party=account.organization).filter(case=case)]


def visible_letters(case):
    """The parties' letter of each final determination, once rendered (it names no reviewer)."""
    from determinations.models import Determination, Letter

    return (
        Letter.objects.filter(
            determination__case=case,
            determination__status=Determination.Status.FINAL,
            variant=Letter.Variant.PARTIES,
            status=Letter.Status.READY,
        )
        .select_related("determination")
        .order_by("determination__version", "version", "id")
    )


def exchange_items(account, case) -> list[ExchangeItem]:
    """Everything the account may see and download for a case, oldest first."""
    from .contract import DOCUMENT_TYPES, LETTER_TYPE, OTHER_DOCUMENT_TYPE
    from .models import DocumentHandle

    items = [
        ExchangeItem(
            kind=DocumentHandle.Kind.DOCUMENT,
            object_id=document.pk,
            obj=document,
            type=DOCUMENT_TYPES.get(document.kind, OTHER_DOCUMENT_TYPE),
            name=document.title,
            size=document.size,
            filename=document.original_filename or f"{document.title}.pdf",
        )
        for document in visible_documents(account, case)
    ]
    from .contract import NOARFI_TYPE, NOTICE_TYPES

    for notice in visible_notices(account, case):
        items.append(
            ExchangeItem(
                kind=DocumentHandle.Kind.NOTICE,
                object_id=notice.pk,
                obj=notice,
                type=NOTICE_TYPES.get(notice.kind, OTHER_DOCUMENT_TYPE),
                name="NOARFI" if NOTICE_TYPES.get(notice.kind) == NOARFI_TYPE else notice.get_kind_display(),
                size=_stored_size(notice.file),
                filename=f"{case.number}-{notice.kind}-v{notice.version}.pdf",
            )
        )
    for letter in visible_letters(case):
        items.append(
            ExchangeItem(
                kind=DocumentHandle.Kind.LETTER,
                object_id=letter.pk,
                obj=letter,
                type=LETTER_TYPE,
                name=f"Final Determination Letter{'' if letter.version == 1 else f' (version {letter.version})'}",
                size=_stored_size(letter.file),
                filename=f"{case.number}-final-determination-v{letter.version}.pdf",
            )
        )
    return items


def _stored_size(file) -> int:
    try:
        return file.size
    except (FileNotFoundError, OSError, ValueError):
        return 0


def exchange_item_for(*, user, account, rendering: str):
    """The document behind a download handle, if this account may see it; None otherwise."""
    from cases.visibility import visible_cases

    from .models import DocumentHandle

    handle = DocumentHandle.objects.filter(rendering=rendering).first()
    if handle is None or not visible_cases(user).filter(pk=handle.case_id).exists():
        return None, None
    case = handle.case
    for item in exchange_items(account, case):
        if item.kind == handle.kind and item.object_id == handle.object_id:
            return handle, item
    return None, None
