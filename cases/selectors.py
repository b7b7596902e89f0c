"""Reads on cases.

Who may see which case is `cases.visibility`; its functions are also
importable from here, where the first callers found them.
"""

from django.db.models import Prefetch, Q, QuerySet

from reviewers.models import Assignment

from .models import Case, DisputedItem
from .visibility import case_for_user, emergency_case_ids, visible_cases  # noqa: F401  (re-exported)


# --- intake pages ----------------------------------------------------------

def _open_assignments():
    from django.db.models import Prefetch

    return Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(status__in=Assignment.OPEN_STATUSES).select_related("reviewer__user"),
        to_attr="open_assignments",
    )


# Sortable columns of the case list (issue 19 item 14): key → ordering, ascending.
def _status_stage():
    from django.db.models import Case as When_, IntegerField, Value, When

    stages = [Case.Status.RECEIVED, Case.Status.DEFERRED, Case.Status.AWAITING_RECORDS, Case.Status.RECORDS_COMPLETE,
              Case.Status.IN_REVIEW, Case.Status.DECIDED, Case.Status.INELIGIBLE, Case.Status.TERMINATED,
              Case.Status.WITHDRAWN, Case.Status.CONSOLIDATED]
    return When_(*[When(status=s, then=Value(i)) for i, s in enumerate(stages)], output_field=IntegerField())


CASE_SORTS = {
    "number": lambda: ["number"],
    "employee": lambda: ["employee__name", "number"],
    "claim": lambda: ["claim_number", "number"],
    "type": lambda: ["review_type", "number"],
    "status": lambda: [_status_stage(), "number"],
    "received": lambda: ["received_on", "number"],
    "due": None,  # the default: soonest deadline first, cases without one last
}


def _ordering(sort: str):
    from django.db.models import F
    from django.db.models.expressions import OrderBy

    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in CASE_SORTS or CASE_SORTS[key] is None:
        if descending and key == "due":
            return [F("due_on").desc(nulls_last=True), "-received_on", "-number"]
        return [F("due_on").asc(nulls_last=True), "-received_on", "number"]
    fields = CASE_SORTS[key]()
    if not descending:
        return fields
    return [
        OrderBy(f, descending=True) if not isinstance(f, str) else (f[1:] if f.startswith("-") else f"-{f}")
        for f in fields
    ]




def case_search(
    *, user, q: str = "", status: str = "", review_type: str = "", overdue: bool = False, today=None, sort: str = "",
    queue: str = "",
) -> QuerySet[Case]:
    """The case list: search by number, claim number, or the name of the
    employee, employer, claims administrator or reviewer; filter; sort
    (`CASE_SORTS`, "-" for descending; default: soonest deadline first);
    `queue` is one of the work queues (`worklists.queues`), listed in its own
    order if it has one (sort "queue", then the default).
    Related rows come in a fixed number of queries."""
    from django.utils import timezone

    today = today or timezone.localdate()
    qs = visible_cases(user).select_related("employee").prefetch_related(_open_assignments())
    # A NUL byte is never in a stored name, and PostgreSQL refuses it in a query (a 500).
    q = (q or "").replace("\x00", "").strip()
    if q:
        qs = qs.filter(case_search_condition(q))
    if status in Case.Status.values:
        qs = qs.filter(status=status)
    if review_type in ("standard", "expedited"):
        qs = qs.filter(review_type=review_type)
    if overdue:
        qs = qs.overdue(today)
    if queue:
        from worklists.queues import QUEUE_SORT, apply_queue, queue_ordering  # the work queues as list filters

        qs = apply_queue(qs, queue, today)
        own = queue_ordering(queue)
        if own and sort in ("", QUEUE_SORT):
            return qs.order_by(*own)
    return qs.order_by(*_ordering(sort or "due"))


def search_words(q: str) -> list[str]:
    """The words of `q` a search matches, folded like the stored names
    (`cases.text.normalize_name`): "Maria T. Esperanza" → ["maria", "esperanza"].
    Initials go; two-letter words alone ("Jo Li", "' OR 1=1") would match half
    the roster, so then the text as typed is the one word."""
    from .text import normalize_name

    words = [w for w in normalize_name(q).split() if len(w) > 1]
    if any(len(w) > 2 for w in words):
        return words
    return [q.casefold()]


def reviewer_ids_named(q: str) -> list[int]:
    """Reviewers whose name holds every identifying word of `q`, accents aside.

    The roster is small (hundreds at most) and user names have no folded
    column: compared here, in one query.
    """
    from reviewers.models import Reviewer

    from .text import normalize_name

    words = [w for w in normalize_name(q).split() if len(w) > 1]
    if not any(len(w) > 2 for w in words):
        return []
    found = []
    for pk, first, last, username in Reviewer.objects.values_list(
        "pk", "user__first_name", "user__last_name", "user__username"
    ):
        name = normalize_name(f"{first} {last} {username}")
        if all(word in name for word in words):
            found.append(pk)
    return found


def case_search_condition(q: str) -> Q:
    """Cases whose number or claim number contains `q`, or whose employee,
    employer or claims administrator is named by it (every word, accents and
    initials aside), or whose reviewer is (one who has or had the case).

    One column, `Case.search_text` (kept by database triggers), with a trigram
    index on PostgreSQL: the database either walks the list's order and stops
    at a page of matches (a common name) or reads the few matches off the index
    (a rare one), instead of joining the parties and sorting every match
    (BENCHMARKS.md). A whole case number, in any letter case, is that case (or a
    claim number holding it), off the number's unique index: its words ("cm26",
    "0000632") would read the search index's entry of every case of the year."""
    from .services.numbering import parse_case_number

    number = q.strip().upper()
    if parse_case_number(number) is not None:
        return Q(number=number) | Q(claim_number__icontains=number)
    condition = Q()
    for word in search_words(q):
        condition &= Q(search_text__contains=word)
    reviewers = reviewer_ids_named(q)
    if reviewers:
        # Who has or had the case; not those who declined it or were withdrawn.
        condition |= Q(pk__in=Assignment.objects.filter(
            reviewer__in=reviewers, status__in=[*Assignment.OPEN_STATUSES, Assignment.Status.COMPLETED]
        ).order_by().values("case_id"))
    return condition


def case_page(user, number: str) -> Case:
    """One case with everything its page shows (404 if the user may not see it)."""
    base = Case.objects.select_related(
        "employee", "employer", "claims_administrator", "requesting_provider", "attorney", "duplicate_of", "created_by",
        "medical_provider_network", "medical_group", "treating_facility",
    ).prefetch_related(
        Prefetch("items", queryset=DisputedItem.objects.select_related("manufacturer")), "documents", _open_assignments()
    )
    return case_for_user(user, number, base)


def case_assignments(case: Case):
    """The case's assignment history, newest first (internal pages only: names reviewers)."""
    return case.assignments.select_related("reviewer__user", "assigned_by", "matched_specialty").order_by("-assigned_at")


def screening_checklist(case: Case) -> list[dict]:
    """The §2.3 checklist as the case page shows it: what passes, what fails, why."""
    from . import deadlines
    from .services import screening_duplicates

    duplicates = screening_duplicates(case=case)
    served = (
        f"UR decision served {case.ur_decision_served_on:%b %-d, %Y} ({case.get_ur_decision_service_display().lower()}); "
        f"received {case.days_after_service} days later; last timely day {case.filing_deadline:%b %-d, %Y}"
    )
    if not case.is_untimely:
        timely = (True, served)
    elif case.untimely_override_reason:
        timely = (True, f"{served}; late filing accepted: {case.untimely_override_reason}")
    else:
        timely = (False, f"{served}: late")
    subject = case.is_subject_to_imr
    # The clerk's answers count once screening is recorded; before that they are open questions.
    screened = case.eligibility_decided_at is not None

    def answer(value: bool):
        return value if screened else None

    return [
        {
            "code": "not_subject",
            "label": "Subject to IMR (LC 4610.5(a))",
            "ok": subject,
            "detail": f"injured {case.date_of_injury:%b %-d, %Y}; UR decision served {case.ur_decision_served_on:%b %-d, %Y}"
            + ("" if subject else f". {deadlines.applicability_rule()}"),
        },
        {"code": "no_signature", "label": "Signed by the employee or representative", "ok": answer(case.signature_present), "detail": ""},
        {"code": "no_ur_decision", "label": "UR decision attached", "ok": answer(case.ur_decision_attached), "detail": ""},
        {
            "code": "untimely",
            "label": (
                f"Filed within {deadlines.filing_window_days(Case.ServiceMethod.PERSONAL)} days of service of the UR decision "
                f"({deadlines.filing_window_days(Case.ServiceMethod.MAIL)} if served by mail)"
            ),
            "ok": timely[0],
            "detail": timely[1],
        },
        {"code": "cnc", "label": "Not a conditional non-certification", "ok": answer(not case.information_not_received), "detail": ""},
        {
            "code": "duplicate",
            "label": "Not a duplicate of another application",
            "ok": not duplicates,
            "detail": "",
            "cases": duplicates,
        },
        {"code": "liability", "label": "Liability not disputed", "ok": answer(not case.liability_disputed), "detail": ""},
    ]


def party_suggestions(*, kind: str, limit: int = 500) -> list[str]:
    """Names offered when typing a party: existing organizations or physicians.

    Never employees: their names are health information and must not be
    offered to whoever opens a blank form.
    """
    from .models import Party

    qs = Party.objects.filter(kind=kind)
    if kind == Party.Kind.PERSON:
        qs = qs.exclude(specialty="")
    return list(qs.order_by("name").values_list("name", flat=True).distinct()[:limit])


# --- who may be the party typed (issue 19 item 1) ---------------------------------

def party_namesakes(*, kind: str, name: str) -> list:
    """Parties of this kind whose name has the same identifying words (initials,
    accents, punctuation, suffixes and word order aside), oldest first."""
    from .models import Party
    from .text import name_key, normalize_name

    key = name_key(name)
    if key:
        return list(Party.objects.filter(kind=kind, name_key=key).order_by("id")[:50])
    # A name of initials only ("A. B."): the whole normalized name must match.
    return list(Party.objects.filter(kind=kind, normalized_name=normalize_name(name)).order_by("id")[:50])


def party_candidates(*, kind: str, name: str, details: dict | None = None) -> list:
    """Existing parties the clerk may mean by what was typed, each with what
    identifies it, for the intake form to offer (`party_resolve` takes the answer).

    A person whose birth date on file differs from the one typed is someone
    else and is not offered. Each candidate carries `differences` (what was
    typed that the row on file does not say) and, for people, `claims`: the
    claim numbers of the cases they are the employee in.
    """
    from .services.parties import differences

    details = details or {}
    born = details.get("date_of_birth")
    found = [p for p in party_namesakes(kind=kind, name=name) if not (born and p.date_of_birth and p.date_of_birth != born)]
    if found and kind == "person":
        claims: dict[int, list[str]] = {}
        rows = (
            Case.objects.filter(employee__in=[p.pk for p in found])
            .order_by("-received_on")
            .values_list("employee_id", "claim_number")[:200]
        )
        for employee_id, claim in rows:
            if claim not in claims.setdefault(employee_id, []):
                claims[employee_id].append(claim)
        for party in found:
            party.claims = claims.get(party.pk, [])[:5]
    for party in found:
        party.differences = differences(party, details)
    return found


def withdrawn_documents(case: Case):
    """Documents taken off the case as misfiled, for intake's page and the trail (newest first)."""
    from .models import CaseDocument

    return CaseDocument.all_objects.filter(case=case, withdrawn_at__isnull=False).select_related("withdrawn_by").order_by(
        "-withdrawn_at"
    )

