"""Demo data of issue 14's "before the decision" part (`seed_demo`): a terminated
case, a withdrawn case that had gone to a reviewer, a consolidated pair, and
last month's invoices (one paid, one not). Idempotent: cases are found by claim number."""

import copy
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from cases import bundle
from cases.models import Case
from determinations import bundle_import
from reviewers import services as reviewer_services
from reviewers.models import Reviewer

from . import services

PMR = ("Óscar Villanueva, DO", "Physical Medicine & Rehabilitation")
ORTHO = ("Alan Whitfield, MD", "Orthopaedic Surgery")


def _spec(*, key, first, last, born, employer, administrator, provider, diagnosis, items, received, injury, assigned=None):
    ur_decision = received - timedelta(days=12)
    spec = {
        "review_type": "standard",
        "received_on": received.isoformat(),
        "ur_decision_date": ur_decision.isoformat(),
        "claim_number": key,
        "date_of_injury": injury.isoformat(),
        "employee": {"first_name": first, "last_name": last, "date_of_birth": born.isoformat(), "sex": "female"},
        "employer": {"name": employer},
        "claims_administrator": {"name": administrator},
        "requesting_provider": {"name": provider[0], "specialty": provider[1]},
        "diagnosis": diagnosis,
        "disputed_items": [{"description": d, "category": c, "claims_administrator_guideline": None} for d, c in items],
        "documents": [
            {"title": "Application for Independent Medical Review", "kind": "application", "author": "Employee",
             "dated": (received - timedelta(days=2)).isoformat()},
            {"title": "Utilization Review Determination", "kind": "ur_determination", "author": administrator,
             "dated": ur_decision.isoformat()},
            {"title": "Primary treating physician's progress report (PR-2)", "kind": "medical_record",
             "author": provider[0], "dated": (ur_decision - timedelta(days=20)).isoformat()},
        ],
    }
    if assigned:
        spec["assigned_on"] = assigned.isoformat()
    return spec


def _import(spec) -> Case:
    existing = Case.objects.filter(claim_number=spec["claim_number"]).first()
    if existing is not None:
        return existing
    return bundle_import.import_bundle(bundle.parse_bundle({"cases": [copy.deepcopy(spec)]}))[0]


def last_month_day(today: date, day: int) -> date:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=min(day, last.day))


def seed_demo_closures(*, users: dict, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    authorized_on = last_month_day(today, 10)
    withdrawn_on = last_month_day(today, 12)
    made = {}
    with transaction.atomic():
        # Authorized by the claims administrator before the case went to a reviewer: $115 (2020 schedule).
        case = _import(_spec(
            key="WC-2026-0350021", first="Marisol", last="Esparza", born=date(1984, 7, 3),
            employer="Fresno Cold Storage, Inc.", administrator="Golden State Claims Services", provider=PMR,
            diagnosis="Lateral epicondylitis, right elbow (M77.11)", received=authorized_on - timedelta(days=20),
            injury=authorized_on - timedelta(days=400), assigned=authorized_on - timedelta(days=18),
            items=[("Six (6) occupational therapy visits for the right elbow", "Physical Medicine")],
        ))
        if not hasattr(case, "termination") and case.status != Case.Status.TERMINATED:
            services.termination_record(
                case=case, reason="authorized", reported_by_role="claims_administrator", reported_on=authorized_on,
                reported_by_name="Claims adjuster", note="Authorization letter faxed to the organization.", user=users["intake"],
            )
        made["terminated"] = case.number
        # Withdrawn by the employee after the case went to a reviewer: the fee after forwarding.
        case = _import(_spec(
            key="CL-2026-0099310", first="Teresa", last="Okonkwo", born=date(1979, 2, 14),
            employer="Sonoma Vineyard Services", administrator="Coastal Risk Services", provider=ORTHO,
            diagnosis="Complete rotator cuff tear of the left shoulder (M75.122)", received=withdrawn_on - timedelta(days=22),
            injury=withdrawn_on - timedelta(days=380), assigned=withdrawn_on - timedelta(days=20),
            items=[("Left shoulder arthroscopic rotator cuff repair", "Surgery")],
        ))
        if case.status in services.TERMINABLE:
            reviewer = Reviewer.objects.get(user=users["reviewer2"])
            if not case.assignments.exists():
                reviewer_services.reviewer_assign(case=case, reviewer=reviewer, assigned_by=users["intake"])
            services.termination_record(
                case=case, reason="withdrawn", reported_by_role="employee", reported_on=withdrawn_on,
                note="The employee's signed withdrawal was received by mail.", user=users["intake"],
            )
        made["withdrawn"] = case.number
        # Two applications of one employee, physician and injury: the second absorbed into the first.
        injury = today - timedelta(days=300)
        first = dict(
            first="Aiyana", last="Redcloud", born=date(1981, 10, 9), employer="Tahoe Ski Resorts, LLC",
            administrator="Sierra Pacific Claims Administrators", provider=PMR,
            diagnosis="Lumbar radiculopathy (M54.16)", injury=injury,
        )
        surviving = _import(_spec(key="SP-2026-0401100", received=today - timedelta(days=6), assigned=today - timedelta(days=4),
                                  items=[("Twelve (12) physical therapy visits for the lumbar spine", "Physical Medicine")], **first))
        absorbed = _import(_spec(key="SP-2026-0401101", received=today - timedelta(days=5), assigned=today - timedelta(days=4),
                                 items=[("Lumbar MRI without contrast", "Diagnostic Testing")], **first))
        if absorbed.status != Case.Status.CONSOLIDATED:
            services.case_consolidate(absorbed=absorbed, surviving=surviving, user=users["intake"],
                                      note="Same injury and physician: one review.")
        made["consolidated"] = (absorbed.number, surviving.number)
    return made
