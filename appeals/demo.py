"""Demo data for the life of a case after its decision (`seed_demo`, issue 14):

- an overturned case whose claims administrator authorized the service late
  (implementation recorded 4 days after the 5 working days);
- a case decided by `reviewer`, appealed by the employee, reversed by the
  WCAB, and its remand decided by `reviewer2` (the original reviewer is
  refused by the assignment rule), with its own letter.

Everything goes through the services, on past dates; running it again adds
nothing (each case is found by its claim number).
"""

import copy
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from cases import bundle, deadlines
from cases.management.demo import _open_case
from cases.models import Case
from correspondence.demo import _contacts, _historical_distribution
from determinations import bundle_import
from determinations import services as determination_services
from determinations.models import Guideline
from implementation import services as implementation_services
from implementation.models import ItemImplementation
from reviewers import services as reviewer_services
from reviewers.models import Reviewer

from . import services
from .models import Appeal, Ground, Remand

IMPLEMENTED_LATE = "WC-2025-0193377"
APPEALED = "WC-2025-0177201"
PMR = ("Óscar Villanueva, DO", "Physical Medicine & Rehabilitation")


def _decide(case: Case, *, user, outcomes: list[str], decided_on: date, intake) -> None:
    """Assign, accept, draft and finalize as `user`'s reviewer, on `decided_on`."""
    reviewer = Reviewer.objects.get(user=user)
    assignment = reviewer_services.reviewer_assign(case=case, reviewer=reviewer, assigned_by=intake, on=decided_on)
    reviewer_services.assignment_accept(assignment=assignment, user=user, attested=True)
    determination = determination_services.determination_start(case=case, reviewer=reviewer)
    guideline = Guideline.objects.get(name="MTUS Chronic Pain Treatment Guidelines")
    determination_services.determination_save_draft(
        determination=determination,
        clinical_case_summary=(
            "This is a 46 year old female with chronic neck pain after a lifting injury, treated with medication "
            "and home exercise; the progress reports describe persistent pain and reduced function."
        ),
        decisions=[
            determination_services.DecisionData(
                item_id=item.pk, decision=outcome, guideline=guideline, section="Physical Medicine", pages="98-99",
                evidence_level="A",
                rationale=(
                    "The guidelines support a short course of therapy with documented functional improvement; "
                    "the records document it." if outcome == "overturned" else
                    "The guidelines allow 9-10 visits; the records show they were completed without lasting benefit."
                ),
            )
            for item, outcome in zip(case.items.order_by("position"), outcomes)
        ],
    )
    determination_services.determination_finalize(determination=determination, user=user, decided_on=decided_on)


def _import(spec: dict) -> Case:
    return bundle_import.import_bundle(bundle.parse_bundle({"cases": [copy.deepcopy(spec)]}))[0]


def _case(spec: dict, *, reviewer, outcomes: list[str], decided_on: date, intake) -> Case:
    """The demo case found by its claim number, or imported; then decided and
    distributed, each step only if it is not done yet (a run cut short resumes)."""
    case = Case.objects.filter(claim_number=spec["claim_number"]).first()
    if case is None:
        with transaction.atomic():
            case = _import(spec)
    if case.status != Case.Status.DECIDED:
        with transaction.atomic():
            _decide(case, user=reviewer, outcomes=outcomes, decided_on=decided_on, intake=intake)
    case = Case.objects.select_related(
        "employee", "attorney", "requesting_provider", "employer", "claims_administrator"
    ).get(pk=case.pk)
    with transaction.atomic():
        _contacts(case)
        _historical_distribution(case, user=intake)
    return case


def seed_demo_after_decision(*, users: dict, today: date | None = None) -> list[str]:
    """The demo cases above; returns the numbers of the cases it made or completed."""
    today = today or timezone.localdate()
    d = lambda n: today - timedelta(days=n)  # noqa: E731
    intake, made = users["intake"], []

    if not ItemImplementation.objects.filter(case__claim_number=IMPLEMENTED_LATE).exists():
        case = _case(_open_case(
            key=IMPLEMENTED_LATE, first="Graciela", last="Fuentes", sex="female", born=date(1980, 7, 12),
            employer="Fresno Cold Storage, Inc.", administrator="Valley Oak Claims Management", provider=PMR,
            diagnosis="Cervicalgia (M54.2)", received=d(62), assigned=d(60), records_complete=d(46),
            items=[("Six (6) physical therapy visits for the cervical spine", "Physical Medicine", None),
                   ("Cervical traction unit for home use", "Physical Medicine", None)],
        ), reviewer=users["reviewer"], outcomes=["overturned", "upheld"], decided_on=d(44), intake=intake)
        with transaction.atomic():
            receipt = implementation_services.letter_receipt_record(case=case, user=intake)  # presumed from the mailing
            late_on = deadlines.add_business_days(receipt.received_on, 5) + timedelta(days=4)
            implementation_services.item_implementation_record(
                case=case, item=case.items.order_by("position").first(), service=ItemImplementation.Service.NOT_RENDERED,
                outcome=ItemImplementation.Outcome.AUTHORIZED, on=min(late_on, today), user=intake,
            )
        made.append(case.number)

    remand = Remand.objects.select_related("new_case").filter(original_case__claim_number=APPEALED).first()
    if remand is None:
        case = _case(_open_case(
            key=APPEALED, first="Tomás", last="Ibarra", sex="male", born=date(1975, 10, 3),
            employer="Bayview Shipping Co.", administrator="Pacific Coast Risk Management", provider=PMR,
            diagnosis="Low back pain (M54.50)", received=d(80), assigned=d(78), records_complete=d(62),
            items=[("Eight (8) physical therapy visits for the lumbar spine", "Physical Medicine", None)],
        ), reviewer=users["reviewer"], outcomes=["upheld"], decided_on=d(58), intake=intake)
        with transaction.atomic():
            appeal = services.appeal_record(case=case, user=intake, data=services.AppealData(
                petitioner="employee", adj_number="ADJ11873402", filed_on=d(40), verified=True,
                grounds=[Ground.FACT_ERROR],
            ))
            services.appeal_decide(appeal=appeal, outcome=Appeal.Outcome.REVERSED, on=d(14), user=intake,
                                   note="The determination misread the date of the prior therapy course.")
        remand = Remand.objects.select_related("new_case").get(appeal=appeal)
        made.append(case.number)
    if remand.new_case.status != Case.Status.DECIDED:
        with transaction.atomic():
            _decide(remand.new_case, user=users["reviewer2"], outcomes=["overturned"], decided_on=d(6), intake=intake)
        made.append(remand.new_case.number)
    return made
