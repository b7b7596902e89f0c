"""Reads on cases.

Who may see which case is `cases.visibility`; its functions are also
importable from here, where the first callers found them.
"""

from django.db.models import Prefetch, QuerySet

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


def case_search(
    *, user, q: str = "", status: str = "", review_type: str = "", overdue: bool = False, today=None
) -> QuerySet[Case]:
    """The case list: search by number, employee name or claim number; filter;
    soonest deadline first. Related rows come in a fixed number of queries."""
    from django.db.models import F
    from django.utils import timezone

    today = today or timezone.localdate()
    qs = visible_cases(user).select_related("employee").prefetch_related(_open_assignments())
    # A NUL byte is never in a stored name, and PostgreSQL refuses it in a query (a 500).
    q = (q or "").replace("\x00", "").strip()
    if q:
        qs = qs.filter(pk__in=case_ids_matching(q))
    if status in Case.Status.values:
        qs = qs.filter(status=status)
    if review_type in ("standard", "expedited"):
        qs = qs.filter(review_type=review_type)
    if overdue:
        qs = qs.overdue(today)
    return qs.order_by(F("due_on").asc(nulls_last=True), "-received_on", "number")


def case_ids_matching(q: str):
    """Ids of cases whose number, claim number or employee's name contains `q`.

    A UNION of one narrow query per column rather than one OR across the
    case and party tables: each part can use its own trigram index on
    PostgreSQL (cases migration 0002), where the OR scanned every case
    (BENCHMARKS.md).
    """
    from django.db.models import Q

    from .models import Party
    from .text import normalize_name

    names = Q(name__icontains=q)
    folded = normalize_name(q)
    if folded:
        # "Nunez" finds "Núñez".
        names |= Q(normalized_name__icontains=folded)
    employees = Party.objects.filter(names).order_by().values("pk")
    by_number = Case.objects.filter(number__icontains=q).order_by().values("pk")
    by_claim = Case.objects.filter(claim_number__icontains=q).order_by().values("pk")
    by_employee = Case.objects.filter(employee__in=employees).order_by().values("pk")
    # UNION ALL: `pk IN (…)` ignores duplicates anyway, and no de-duplicating step blocks the plan.
    return by_number.union(by_claim, by_employee, all=True)


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
