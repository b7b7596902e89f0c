"""Demo data (`seed_demo`): one user per role, the seed letter's case, and
open cases at every stage.

Everything goes through the services: the seed case and the open cases are
imported by determinations.bundle_import (the `import_cases` path), and the reviewer steps
use reviewer_assign, assignment_accept and the determination services.
Running it again adds nothing that exists already.
"""

import copy
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from api.demo import seed_demo_api
from cases import bundle
from determinations import bundle_import
from cases import services as case_services
from cases.models import Case
from correspondence.demo import seed_demo_correspondence
from determinations import letters
from determinations import services as determination_services
from determinations.models import Determination, Guideline
from reviewers import services as reviewer_services
from reports.demo import seed_demo_reports
from reviewers.models import Reviewer

SEED_BUNDLE = Path(__file__).resolve().parents[1] / "fixtures" / "seed-case.json"
SEED_CASE_NUMBER = "CM13-0001234"
EMAIL_DOMAIN = "demo.example.org"

USERS = [
    # username, first, last, role
    ("intake", "Inés", "Carrillo", Role.INTAKE),
    ("reviewer", "Margaret", "Osei", Role.REVIEWER),
    ("reviewer2", "Jonathan", "Whitaker", Role.REVIEWER),
    ("admin", "Dana", "Kowalczyk", Role.ADMIN),
    ("manager", "Teresa", "Lindgren", Role.MANAGER),
]
REVIEWER_PROFILES = {
    "reviewer": dict(
        board_certifications=["Physical Medicine & Rehabilitation", "Pain Medicine", "Occupational Medicine"],
        licenses=[("CA", "A087311"), ("TX", "TX-P5512")],
        years=18, hours=32, affiliations=["Sierra Orthopaedic Medical Group"],
    ),
    "reviewer2": dict(
        board_certifications=["Orthopaedic Surgery", "Occupational Medicine"],
        licenses=[("CA", "G064207")],
        years=22, hours=30, affiliations=["Golden State Claims Services"],
    ),
}


@dataclass
class DemoResult:
    password: str | None = None  # set when generated: shown once
    users_created: list[str] = field(default_factory=list)
    passwords_reset: list[str] = field(default_factory=list)
    cases_created: list[str] = field(default_factory=list)
    letters_requested: int = 0


def ensure_users(*, password: str | None, result: DemoResult) -> dict:
    """The four demo users; a given password is (re)set on all of them."""
    User = get_user_model()
    missing = [row for row in USERS if not User.objects.filter(username=row[0]).exists()]
    if missing and password is None:
        password = secrets.token_urlsafe(12)
        result.password = password
    users = {}
    for username, first, last, role in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=first, last_name=last, email=f"{username}@{EMAIL_DOMAIN}")
            user.set_password(password)
            if role == Role.ADMIN:
                user.is_staff = user.is_superuser = True
            user.save()
            result.users_created.append(username)
        elif password is not None:
            user.set_password(password)
            user.save(update_fields=["password"])
            result.passwords_reset.append(username)
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    today = timezone.localdate()
    for username, profile in REVIEWER_PROFILES.items():
        user = users[username]
        reviewer_services.reviewer_upsert(
            data=reviewer_services.ReviewerData(
                email=user.email,
                first_name=user.first_name,
                last_name=user.last_name,
                active_practice_since=today.year - profile["years"],
                weekly_practice_hours=profile["hours"],
                board_certifications=profile["board_certifications"],
                licenses=[
                    reviewer_services.LicenseData(state=state, number=number, expires_on=date(today.year + 2, 12, 31))
                    for state, number in profile["licenses"]
                ],
                affiliations=profile["affiliations"],
            )
        )
    return users


def ensure_seed_case(result: DemoResult) -> Case:
    """The seed letter's case, imported like any bundle, with its letters requested."""
    case = Case.objects.filter(number=SEED_CASE_NUMBER).first()
    if case is None:
        case = bundle_import.import_bundle(bundle.load_bundle(SEED_BUNDLE.read_bytes()))[0]
        result.cases_created.append(case.number)
    determination = case.determinations.filter(status=Determination.Status.FINAL).first()
    if determination is not None and not determination.letters.exists():
        # Rendered on commit: by a worker with REDIS_URL, in-process without.
        result.letters_requested += len(letters.letters_request(determination=determination, requested_by=None))
    return case


def _iso(day: date) -> str:
    return day.isoformat()


def _open_case(
    *, key: str, first: str, last: str, sex: str, born: date, employer: str, administrator: str, provider: tuple[str, str],
    diagnosis: str, items: list[tuple[str, str, str | None]], received: date, review_type: str = "standard",
    assigned: date | None = None, records_complete: date | None = None,
) -> dict:
    """A bundle case; `key` (the claim number) identifies it on later runs."""
    ur_decision = received - timedelta(days=12)
    documents = [
        {"title": "Application for Independent Medical Review", "kind": "application", "author": "Employee",
         "dated": _iso(received - timedelta(days=2))},
        {"title": "Utilization Review Determination", "kind": "ur_determination", "author": administrator,
         "dated": _iso(ur_decision)},
    ]
    if assigned:
        documents += [
            {"title": "Primary treating physician's progress report (PR-2)", "kind": "medical_record",
             "author": provider[0], "dated": _iso(ur_decision - timedelta(days=20))},
            {"title": "Request for Authorization (DWC Form RFA)", "kind": "rfa", "author": provider[0],
             "dated": _iso(ur_decision - timedelta(days=9))},
        ]
    spec = {
        "review_type": review_type,
        "received_on": _iso(received),
        "ur_decision_date": _iso(ur_decision),
        "claim_number": key,
        "date_of_injury": _iso(ur_decision - timedelta(days=410)),
        "employee": {"first_name": first, "last_name": last, "date_of_birth": _iso(born), "sex": sex},
        "employer": {"name": employer},
        "claims_administrator": {"name": administrator},
        "requesting_provider": {"name": provider[0], "specialty": provider[1]},
        "diagnosis": diagnosis,
        "disputed_items": [
            {"description": d, "category": c, "claims_administrator_guideline": g} for d, c, g in items
        ],
        "documents": documents,
    }
    if assigned:
        spec["assigned_on"] = _iso(assigned)
    if records_complete:
        spec["records_complete_on"] = _iso(records_complete)
    return spec


def open_cases(today: date) -> list[tuple[dict, dict]]:
    """(bundle case, what happens next) for each demo stage."""
    d = lambda n: today - timedelta(days=n)  # noqa: E731
    ortho = ("Alan Whitfield, MD", "Orthopaedic Surgery")
    pain = ("Lakshmi Venkataraman, MD", "Pain Medicine")
    pmr = ("Óscar Villanueva, DO", "Physical Medicine & Rehabilitation")
    return [
        (_open_case(key="WC-2026-0318845", first="José", last="Núñez", sex="male", born=date(1979, 4, 2),
                    employer="Central Valley Distribution Co.", administrator="Golden State Claims Services", provider=pain,
                    diagnosis="Lumbar radiculopathy (M54.16)", received=d(1),
                    items=[("Norco (hydrocodone/acetaminophen) 10/325 mg #60", "Pharmaceuticals", "MTUS Opioids Treatment Guidelines"),
                           ("Cyclobenzaprine 7.5 mg #90", "Pharmaceuticals", None)]), {}),
        (_open_case(key="CL-2026-0092214", first="Siobhán", last="O'Connor", sex="female", born=date(1986, 11, 19),
                    employer="Monterey Bay Hotel & Resort", administrator="Coastal Risk Services", provider=ortho,
                    diagnosis="Derangement of the medial meniscus, right knee (M23.203)", received=d(1), assigned=d(0),
                    review_type="expedited",
                    items=[("MRI of the right knee", "Diagnostic Testing", "MTUS ACOEM Practice Guidelines")]), {}),
        (_open_case(key="WC-2026-0301177", first="Linh", last="Nguyễn", sex="female", born=date(1990, 6, 8),
                    employer="Santa Clara Manufacturing, Inc.", administrator="Pacific Coast Risk Management", provider=pmr,
                    diagnosis="Carpal tunnel syndrome, left upper limb (G56.02)", received=d(8), assigned=d(6),
                    items=[("EMG/NCV of the bilateral upper extremities", "Diagnostic Testing", "MTUS ACOEM Practice Guidelines")]), {}),
        (_open_case(key="7A-2025-0047710", first="Renée", last="Lefèvre", sex="female", born=date(1971, 1, 30),
                    employer="County of Riverside", administrator="Inland Empire Self-Insured Authority", provider=pmr,
                    diagnosis="Cervical radiculopathy (M54.12)", received=d(24), assigned=d(21),
                    items=[("Six (6) physical therapy visits for the cervical spine", "Physical Medicine", None)]), {}),
        (_open_case(key="WC-2026-0297003", first="Mohammed", last="Al-Fayed", sex="male", born=date(1983, 9, 14),
                    employer="Harbor Warehousing LLC", administrator="Redwood Mutual Insurance Company", provider=ortho,
                    diagnosis="Strain of muscle and tendon of the lower back (S39.012A)", received=d(12), assigned=d(10),
                    records_complete=d(2),
                    items=[("Lumbar support brace", "DMEPOS", None),
                           ("TENS unit, 30-day rental", "DMEPOS", "MTUS Chronic Pain Treatment Guidelines")]), {}),
        (_open_case(key="WC-2026-0288410", first="Ana María", last="Gutiérrez", sex="female", born=date(1977, 3, 23),
                    employer="Salinas Valley Packing Co.", administrator="Sierra Pacific Claims Administrators", provider=pain,
                    diagnosis="Chronic pain syndrome (G89.4)", received=d(14), assigned=d(12), records_complete=d(4),
                    items=[("Lumbar epidural steroid injection at L4-5", "Injections", "MTUS Chronic Pain Treatment Guidelines")]),
         {"reviewer": "reviewer"}),
        (_open_case(key="05-2025-0871342", first="Kwame", last="Mensah", sex="male", born=date(1968, 8, 5),
                    employer="City of Oakland", administrator="California Public Entity Risk Pool", provider=pmr,
                    diagnosis="Lumbar disc displacement without myelopathy (M51.26)", received=d(18), assigned=d(16),
                    records_complete=d(7),
                    items=[("Eight (8) physical therapy visits", "Physical Medicine", "MTUS Chronic Pain Treatment Guidelines"),
                           ("Gabapentin 600 mg #90", "Pharmaceuticals", None)]),
         {"reviewer": "reviewer", "accept": True, "draft": True}),
        (_open_case(key="WC-2026-0279955", first="Zoë", last="Brandt", sex="female", born=date(1992, 12, 1),
                    employer="Napa Valley Farms", administrator="Sequoia Employers Insurance", provider=ortho,
                    diagnosis="Complete rotator cuff tear of the right shoulder (M75.121)", received=d(16), assigned=d(14),
                    records_complete=d(3),
                    items=[("Right shoulder arthroscopic subacromial decompression", "Surgery", "MTUS ACOEM Practice Guidelines")]),
         {"reviewer": "reviewer2", "accept": True}),
        (_open_case(key="CL-2025-0066120", first="Björn", last="Halvorsen", sex="male", born=date(1974, 5, 17),
                    employer="Delta Builders, Inc.", administrator="Granite Casualty Company", provider=ortho,
                    diagnosis="Derangement of the medial meniscus, right knee (M23.203)", received=d(48), assigned=d(46),
                    records_complete=d(35),
                    items=[("Right knee arthroscopy with partial medial meniscectomy", "Surgery", "MTUS ACOEM Practice Guidelines")]),
         {"reviewer": "reviewer2", "accept": True}),
        # Decided, then corrected: the first letter cited the wrong guideline pages; amended letters issued.
        (_open_case(key="WC-2026-0262318", first="Graciela", last="Montoya", sex="female", born=date(1969, 10, 11),
                    employer="Kern County Water Agency", administrator="Sequoia Employers Insurance", provider=ortho,
                    diagnosis="Primary osteoarthritis, left knee (M17.12)", received=d(30), assigned=d(28),
                    records_complete=d(20),
                    items=[("Left total knee arthroplasty", "Surgery", "MTUS ACOEM Practice Guidelines")]),
         {"reviewer": "reviewer2", "accept": True, "decide": "upheld",
          "correct": "The rationale cited the wrong pages of the knee guideline (pages 343-345, not 334-335)."}),
        (_open_case(key="WC-2026-0310456", first="Dmitri", last="Volkov", sex="male", born=date(1988, 2, 27),
                    employer="High Desert Roofing, Inc.", administrator="Mission Bay Indemnity", provider=pain,
                    diagnosis="Lumbar radiculopathy (M54.16)", received=d(9),
                    items=[("Tramadol ER 150 mg #30", "Pharmaceuticals", None)]),
         {"ineligible": Case.IneligibleReason.NO_SIGNATURE}),
    ]


def _advance(case: Case, plan: dict, users: dict) -> None:
    """Move an imported open case to its demo stage through the services."""
    if plan.get("ineligible"):
        case_services.case_mark_ineligible(case=case, reason=plan["ineligible"], note="The application form was not signed.")
        return
    if not plan.get("reviewer"):
        return
    user = users[plan["reviewer"]]
    reviewer = Reviewer.objects.get(user=user)
    assignment = reviewer_services.reviewer_assign(case=case, reviewer=reviewer, assigned_by=users["intake"])
    if plan.get("accept"):
        reviewer_services.assignment_accept(assignment=assignment, user=user, attested=True)
    if plan.get("draft"):
        determination = determination_services.determination_start(case=case, reviewer=reviewer)
        first = case.items.order_by("position").first()
        determination_services.determination_save_draft(
            determination=determination,
            clinical_case_summary=(
                "This is a 57 year old male who reported a work related injury while lifting a pallet. "
                "He has persistent low back pain radiating to the left leg despite six physical therapy visits."
            ),
            decisions=[
                determination_services.DecisionData(
                    item_id=first.pk,
                    decision="overturned",
                    guideline=Guideline.objects.get(name="MTUS Chronic Pain Treatment Guidelines"),
                    section="Physical Medicine",
                    pages="98-99",
                    rationale="The progress reports document functional gains with the first six visits.",
                )
            ],
        )


def _decide(case: Case, plan: dict, users: dict, *, pages: str, rationale: str) -> Determination:
    """The accepted reviewer decides every item (`plan["decide"]`) and finalizes; letters are requested on commit."""
    reviewer = Reviewer.objects.get(user=users[plan["reviewer"]])
    determination = (
        case.determinations.filter(status=Determination.Status.DRAFT).first()
        or determination_services.determination_start(case=case, reviewer=reviewer)
    )
    guideline = Guideline.objects.get(name="MTUS ACOEM Practice Guidelines")
    determination_services.determination_save_draft(
        determination=determination,
        clinical_case_summary=(
            "This is a 56 year old female who injured her left knee climbing from a service truck. Radiographs show "
            "bone-on-bone medial joint space narrowing; she has had injections and twelve physical therapy visits."
        ),
        decisions=[
            determination_services.DecisionData(
                item_id=row.item_id, decision=plan["decide"], guideline=guideline, section="Knee Complaints", pages=pages,
                rationale=rationale,
            )
            for row in determination.decisions.all()
        ],
    )
    return determination_services.determination_finalize(determination=determination, user=reviewer.user)


def _correct(case: Case, plan: dict, users: dict) -> Determination:
    """An admin opens a correction of the final determination (the reason is printed on the amended
    letters); the reviewer corrects the rationale and finalizes: amended letters are requested."""
    final = case.determinations.get(status=Determination.Status.FINAL)
    determination_services.correction_open(determination=final, reason=plan["correct"], opened_by=users["admin"])
    return _decide(case, plan, users, pages="343-345", rationale=(
        "The guideline recommends arthroplasty after failed conservative care with radiographic end-stage disease, "
        "as here; the criteria for the procedure are not met only because the body mass index is not documented."
    ))


def ensure_open_cases(users: dict, result: DemoResult, today: date | None = None) -> None:
    today = today or timezone.localdate()
    for spec, plan in open_cases(today):
        if Case.objects.filter(claim_number=spec["claim_number"]).exists():
            continue
        with transaction.atomic():
            case = bundle_import.import_bundle(bundle.parse_bundle({"cases": [copy.deepcopy(spec)]}))[0]
            _advance(case, plan, users)
            if plan.get("decide"):
                _decide(case, plan, users, pages="334-335", rationale=(
                    "The guideline recommends arthroplasty after failed conservative care with radiographic end-stage "
                    "disease; the body mass index the criteria require is not documented."
                ))
        if plan.get("correct"):
            # Its own transaction: the first letters are requested (on commit) before the correction supersedes them.
            with transaction.atomic():
                _correct(case, plan, users)
        result.cases_created.append(case.number)


def seed_demo(*, password: str | None = None) -> DemoResult:
    result = DemoResult()
    with transaction.atomic():
        users = ensure_users(password=password, result=result)
    ensure_seed_case(result)
    ensure_open_cases(users, result)
    seed_demo_correspondence(users=users)
    # Issue 14: a terminated and a withdrawn case, a consolidated pair, last month's invoices (one paid).
    from billing.demo import seed_demo_billing
    from closures.demo import seed_demo_closures

    seed_demo_closures(users=users)
    seed_demo_billing(users=users)
    from appeals.demo import seed_demo_after_decision  # appeals imports this module

    result.cases_created += seed_demo_after_decision(users=users)
    result.users_created += seed_demo_api(password=password or result.password, result=result)
    seed_demo_reports()  # last: publishes and counts what the steps above made
    return result

