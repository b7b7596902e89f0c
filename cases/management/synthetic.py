"""Synthetic cases for demos and benchmarks (`generate_cases`).

Distributions follow domain.md §6: the treatment categories' shares, an
overturn rate near 10%, ~9.5% ineligible, ~3% expedited. Rows are written
with bulk_create in batches, so 100,000 cases take a minute or two; the
rules that decide something still come from their one place (case numbers
from the counter, due dates from cases.deadlines through the service, the
reviewer's eligibility and conflicts from reviewers.selectors.reviewer_check).
"""

import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Callable

from django.db import connection, reset_queries, transaction
from django.utils import timezone

from cases import deadlines
from cases import services as case_services
from cases.models import Case, CaseDocument, DisputedItem, Party, TreatmentCategory
from cases.text import name_key, normalize_name
from determinations.models import Determination, EvidenceLevel, Guideline, ItemDecision, Outcome
from reviewers import services as reviewer_services
from reviewers.models import LICENSED_DISCIPLINE_DEGREES, Assignment, SpecialtyFit
from reviewers.selectors import reviewable_categories, reviewer_check, reviewers_with_credentials, specialty_fits

from . import vocabulary as V

S = Case.Status

# Snapshot of a working IMRO: most cases decided, a tenth ineligible, the
# rest spread over the open stages.
STATUS_WEIGHTS = {
    S.DECIDED: 68, S.INELIGIBLE: 9.5, S.DEFERRED: 1, S.WITHDRAWN: 1, S.TERMINATED: 1.5,
    S.RECEIVED: 4, S.AWAITING_RECORDS: 5, S.RECORDS_COMPLETE: 3, S.IN_REVIEW: 7,
}
INELIGIBLE_REASONS = {
    Case.IneligibleReason.UNTIMELY: 35, Case.IneligibleReason.NO_SIGNATURE: 25,
    Case.IneligibleReason.NO_UR_DECISION: 20, Case.IneligibleReason.CNC: 10,
    Case.IneligibleReason.DUPLICATE: 5, Case.IneligibleReason.OTHER: 5,
}
EXPEDITED_SHARE = 0.03
# How UR decisions reach the employee (the filing window runs from service; mail adds days).
UR_SERVICE_METHODS = {Case.ServiceMethod.MAIL: 70, Case.ServiceMethod.ELECTRONIC: 27, Case.ServiceMethod.PERSONAL: 3}

# A panel that covers every treatment category, created when reviewers are missing.
# The last list is the boards, or for a DC or LAc the discipline they are licensed in.
PANEL = [
    ("priya.raman", "Priya", "Raman", "MD", ["Physical Medicine & Rehabilitation", "Pain Medicine"], "CA", "A118204", []),
    ("thomas.okafor", "Thomas", "Okafor", "MD", ["Occupational Medicine", "Internal Medicine"], "CA", "G077315", []),
    ("elena.sokolova", "Elena", "Sokolova", "MD", ["Orthopaedic Surgery"], "CA", "A093342", ["Golden State Claims Services"]),
    ("miguel.herrera", "Miguel Ángel", "Herrera", "MD", ["Pain Medicine", "Anesthesiology"], "TX", "TX-N2210", []),
    ("hannah.lindqvist", "Hannah", "Lindqvist", "MD", ["Psychiatry"], "CA", "A104417", []),
    ("samuel.greene", "Samuel", "Greene", "DO", ["Family Medicine"], "CA", "20A11873", []),
    ("aiko.tanaka", "Aiko", "Tanaka", "LAc", ["Acupuncture"], "CA", "AC14920", []),
    ("roberto.castellanos", "Roberto", "Castellanos", "DC", ["Chiropractic"], "CA", "DC31877", []),
    ("fatima.haddad", "Fatima", "Haddad", "MD", ["Neurological Surgery"], "CA", "A120951", []),
]
PANEL_EMAIL_DOMAIN = "reviewers.example.org"


def _covered_categories() -> set[str]:
    on = timezone.localdate()
    fits = specialty_fits(TreatmentCategory.values)
    covered = set()
    for reviewer in reviewers_with_credentials().filter(is_active=True, user__is_active=True):
        covered |= reviewable_categories(reviewer, fits, on)
    return covered


def ensure_reviewer_panel() -> int:
    """Create panel reviewers for every category no active reviewer covers; return how many."""
    covered = _covered_categories()
    missing = set(TreatmentCategory.values) - covered
    if not missing:
        return 0
    today = timezone.localdate()
    created = 0
    for i, (local, first, last, degree, boards, state, number, affiliations) in enumerate(PANEL):
        fits = set(SpecialtyFit.objects.filter(specialty__name__in=boards).values_list("category", flat=True))
        if not (fits & missing) and covered:
            continue
        reviewer_services.reviewer_upsert(
            data=reviewer_services.ReviewerData(
                email=f"{local}@{PANEL_EMAIL_DOMAIN}",
                first_name=first,
                last_name=last,
                degree=degree,
                active_practice_since=today.year - 12 - 2 * i,
                weekly_practice_hours=28 + i,
                board_certifications=[] if degree in LICENSED_DISCIPLINE_DEGREES else boards,
                licenses=[reviewer_services.LicenseData(state=state, number=number, expires_on=today.replace(year=today.year + 2))],
                affiliations=affiliations,
            )
        )
        missing -= fits
        covered |= fits
        created += 1
    return created


def _pool(kind: str, rows: list[dict]) -> list[Party]:
    """Parties reused across cases (and runs): found by normalized name, else created in bulk."""
    for row in rows:
        row["normalized_name"] = normalize_name(row["name"])
        row["name_key"] = name_key(row["name"])  # bulk_create skips Party.save
    existing = {}
    for party in Party.objects.filter(kind=kind, normalized_name__in=[r["normalized_name"] for r in rows]).order_by("id"):
        existing.setdefault(party.normalized_name, party)
    new = {}
    for row in rows:
        if row["normalized_name"] not in existing and row["normalized_name"] not in new:
            new[row["normalized_name"]] = Party(kind=kind, **row)
    Party.objects.bulk_create(list(new.values()))
    existing.update(new)
    return list(dict.fromkeys(existing[r["normalized_name"]] for r in rows))


@dataclass
class Pools:
    employers: list[Party]
    claims_administrators: list[Party]
    providers_top: list[Party]
    providers_rest: list[Party]
    attorneys: list[Party]
    adjusters: list[str]


def build_pools() -> Pools:
    # A fixed seed: the same pool on every run, so repeated runs reuse it.
    rng = random.Random(4610)
    employers = [{"name": f"{p} {i}"} for p in V.PLACES for i in V.INDUSTRIES]
    rng.shuffle(employers)
    employers = employers[:240] + [{"name": name} for name in V.PUBLIC_EMPLOYERS]
    providers = []
    for _ in range(400):
        degree, specialty = rng.choice(V.PROVIDER_SPECIALTIES)
        first = rng.choice(V.FIRST_NAMES_MALE + V.FIRST_NAMES_FEMALE)
        last = rng.choice(V.LAST_NAMES)
        providers.append(
            {"name": f"{first} {last}, {degree}", "first_name": first, "last_name": last, "specialty": specialty}
        )
    attorneys = [
        {"name": f"{rng.choice(V.ATTORNEY_FIRMS)} {rng.choice(V.FIRST_NAMES_FEMALE + V.FIRST_NAMES_MALE)} {rng.choice(V.LAST_NAMES)}"}
        for _ in range(60)
    ]
    provider_parties = _pool(Party.Kind.PERSON, providers)
    top = max(1, len(provider_parties) // 10)
    return Pools(
        employers=_pool(Party.Kind.ORGANIZATION, employers),
        claims_administrators=_pool(Party.Kind.ORGANIZATION, [{"name": n} for n in V.CLAIMS_ADMINISTRATORS]),
        # A tenth of the providers drive three quarters of the reviews (domain.md §6.2).
        providers_top=provider_parties[:top],
        providers_rest=provider_parties[top:] or provider_parties,
        attorneys=_pool(Party.Kind.ORGANIZATION, attorneys),
        adjusters=[f"{rng.choice(V.FIRST_NAMES_FEMALE + V.FIRST_NAMES_MALE)} {rng.choice(V.LAST_NAMES)}" for _ in range(80)],
    )


@dataclass
class Plan:
    """One case to write, before it has a primary key."""

    case: Case
    items: list[DisputedItem] = field(default_factory=list)
    documents: list[CaseDocument] = field(default_factory=list)
    assignment: Assignment | None = None
    determination: Determination | None = None
    decisions: list[ItemDecision] = field(default_factory=list)


class Generator:
    def __init__(self, *, seed: int | None = None, today: date | None = None):
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.pools = build_pools()
        self.reviewers = list(reviewers_with_credentials().filter(is_active=True, user__is_active=True))
        self.fits = specialty_fits(TreatmentCategory.values)
        # Category sets some reviewer's boards fit: a multi-item case draws only
        # combinations someone can review (reviewer_check still decides).
        on = self.today
        self.coverable = [reviewable_categories(r, self.fits, on) for r in self.reviewers]
        self.guidelines = {g.name: g for g in Guideline.objects.all()}
        self.categories = [c for c, w in V.CATEGORY_WEIGHTS.items() if w]
        self.category_weights = [V.CATEGORY_WEIGHTS[c] for c in self.categories]
        self.statuses = list(STATUS_WEIGHTS)
        self.status_weights = list(STATUS_WEIGHTS.values())
        self.written: dict[type, tuple[int, int]] = {}  # model -> (lowest, highest) primary key written

    # --- helpers -------------------------------------------------------------------
    def _days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    def _clamp(self, day: date) -> date:
        return min(day, self.today)

    def _at(self, day: date) -> datetime:
        return timezone.make_aware(datetime(day.year, day.month, day.day, self.rng.randint(8, 17), self.rng.randint(0, 59)), self.tz)

    def _guideline(self, name: str) -> Guideline:
        guideline = self.guidelines.get(name)
        if guideline is None:
            guideline = self.guidelines[name] = Guideline.objects.get_or_create(
                name=name, defaults={"family": Guideline.Family.OTHER, "evidence_level": EvidenceLevel.PEER_REVIEWED}
            )[0]
        return guideline

    def _employee(self, date_of_injury: date) -> Party:
        rng = self.rng
        sex = rng.choice([Party.Sex.MALE, Party.Sex.FEMALE])
        first = rng.choice(V.FIRST_NAMES_MALE if sex == Party.Sex.MALE else V.FIRST_NAMES_FEMALE)
        last = rng.choice(V.LAST_NAMES)
        if rng.random() < 0.15:
            last = f"{last} {rng.choice(V.LAST_NAMES)}"
        age = rng.randint(22, 64)
        born = date_of_injury - timedelta(days=age * 365 + rng.randint(0, 364))
        name = f"{first} {last}"
        return Party(
            kind=Party.Kind.PERSON, name=name, first_name=first, last_name=last, date_of_birth=born, sex=sex,
            normalized_name=normalize_name(name), name_key=name_key(name),
        )

    def _provider(self) -> Party:
        pools = self.pools
        return self.rng.choice(pools.providers_top if self.rng.random() < 0.75 else pools.providers_rest)

    # --- one case --------------------------------------------------------------------
    def plan(self) -> Plan:
        rng, today = self.rng, self.today
        status = rng.choices(self.statuses, self.status_weights)[0]
        expedited = rng.random() < EXPEDITED_SHARE
        reason = ""
        assigned_on = records_complete_on = decided_on = None
        if status == S.DECIDED:
            received_on = today - self._days(60, 760)
        elif status in (S.INELIGIBLE, S.WITHDRAWN, S.TERMINATED, S.DEFERRED):
            received_on = today - self._days(10, 760)
        elif status == S.RECEIVED:
            received_on = today - self._days(0, 1 if expedited else 6)
        else:  # open past eligibility; an expedited one moves within days
            received_on = today - (self._days(1, 4) if expedited else self._days(4, 40))
        if status == S.INELIGIBLE:
            reason = rng.choices(list(INELIGIBLE_REASONS), list(INELIGIBLE_REASONS.values()))[0]
        late = reason == Case.IneligibleReason.UNTIMELY
        service = rng.choices(list(UR_SERVICE_METHODS), list(UR_SERVICE_METHODS.values()))[0]
        # Served the day it was made; late means after the window of its service method.
        window = deadlines.filing_window_days(service)
        ur_decision_date = received_on - (self._days(window + 1, 90) if late else self._days(2, 30))
        date_of_injury = ur_decision_date - self._days(30, 3000)
        rfa_date = max(date_of_injury, ur_decision_date - self._days(3, 14))

        if status in (S.DECIDED, S.TERMINATED, S.AWAITING_RECORDS, S.RECORDS_COMPLETE, S.IN_REVIEW):
            assigned_on = self._clamp(received_on + self._days(1, 2 if expedited else 7))
        if status in (S.DECIDED, S.RECORDS_COMPLETE, S.IN_REVIEW) or (status == S.TERMINATED and rng.random() < 0.5):
            records_complete_on = self._clamp(assigned_on + (self._days(1, 1) if expedited else self._days(3, 20)))
        if status == S.DECIDED:
            decided_on = self._clamp(records_complete_on + (self._days(1, 3) if expedited else self._days(2, 20)))

        drawn = rng.choices(self.categories, self.category_weights, k=rng.choices([1, 2, 3], [75, 18, 7])[0])
        categories = []
        for category in dict.fromkeys(drawn):  # one item per category keeps descriptions distinct
            if not categories or any({*categories, category} <= fit for fit in self.coverable):
                categories.append(category)
        diagnosis, icd = rng.choice(
            V.PSYCH_DIAGNOSES if TreatmentCategory.BEHAVIORAL_HEALTH in categories else V.DIAGNOSES
        )
        claims_administrator = rng.choice(self.pools.claims_administrators)
        case = Case(
            review_type="expedited" if expedited else "standard",
            status=status,
            received_on=received_on,
            channel=rng.choices(list(Case.Channel.values), [15, 25, 60])[0],
            ur_decision_date=ur_decision_date,
            ur_decision_served_on=ur_decision_date,
            ur_decision_service=service,
            rfa_date=rfa_date,
            date_of_injury=date_of_injury,
            claim_number=f"{rng.choice(['WC', 'CL', '05', '7A'])}-{date_of_injury.year}-{rng.randint(0, 9_999_999):07d}",
            eams_number=f"ADJ{rng.randint(1_000_000, 19_999_999)}" if rng.random() < 0.4 else "",
            employee=self._employee(date_of_injury),
            employer=rng.choice(self.pools.employers),
            claims_administrator=claims_administrator,
            adjuster_name=rng.choice(self.pools.adjusters),
            adjuster_phone=f"({rng.choice([209, 213, 310, 415, 510, 559, 619, 714, 916])}) 555-{rng.randint(100, 199):04d}",
            requesting_provider=self._provider(),
            attorney=rng.choice(self.pools.attorneys) if rng.random() < 0.3 else None,
            diagnosis=diagnosis,
            diagnosis_icd=icd,
            is_formulary_dispute=(
                TreatmentCategory.PHARMACEUTICALS in categories and received_on.year >= 2018 and rng.random() < 0.3
            ),
            signature_present=reason != Case.IneligibleReason.NO_SIGNATURE,
            ur_decision_attached=reason != Case.IneligibleReason.NO_UR_DECISION,
            information_not_received=reason == Case.IneligibleReason.CNC,
            liability_disputed=status == S.DEFERRED,
            ineligible_reason=reason,
            assigned_on=assigned_on,
            notice_method=Case.NoticeMethod.ELECTRONIC if rng.random() < 0.8 else Case.NoticeMethod.MAIL,
            expedited_since=received_on if expedited else None,
            records_complete_on=records_complete_on,
            decided_on=decided_on,
        )
        if status not in (S.RECEIVED, S.WITHDRAWN):
            case.eligibility_decided_at = self._at(self._clamp(assigned_on or received_on + self._days(1, 5)))
        case_services.case_compute_deadlines(case=case)
        plan = Plan(case=case)

        for position, category in enumerate(categories):
            description, guideline, section, pages = rng.choice(V.ITEMS[category])
            plan.items.append(
                DisputedItem(
                    case=case, position=position, description=description, category=category,
                    ur_decision=DisputedItem.URDecision.MODIFIED if rng.random() < 0.15 else DisputedItem.URDecision.DENIED,
                    claims_administrator_guideline=f"{guideline} {section}".strip() if rng.random() < 0.8 else "",
                )
            )
        self._documents(plan, claims_administrator)
        return plan

    def review(self, plan: Plan) -> None:
        """Reviewer and determination; run once the employee has its primary key,
        so the conflict check compares saved parties."""
        case = plan.case
        if case.status not in (S.IN_REVIEW, S.DECIDED):
            return
        categories = [item.category for item in plan.items]
        if not self._assign(plan, categories):
            # No eligible, conflict-free reviewer: the case waits for one.
            case.status = S.RECORDS_COMPLETE
            case.decided_on = None
            case_services.case_compute_deadlines(case=case)
            return
        if case.status == S.DECIDED:
            self._decide(plan)

    def _documents(self, plan: Plan, claims_administrator: Party) -> None:
        case, rng = plan.case, self.rng
        docs = [
            CaseDocument(case=case, title="Application for Independent Medical Review", kind=CaseDocument.Kind.APPLICATION,
                         author="Employee", dated=case.received_on - self._days(0, 3), received_on=case.received_on),
            CaseDocument(case=case, title="Utilization Review Determination", kind=CaseDocument.Kind.UR_DETERMINATION,
                         author=claims_administrator.name, dated=case.ur_decision_date, received_on=case.received_on),
        ]
        if case.records_complete_on:
            provider = case.requesting_provider.name
            # At least one medical record from outside the UR file, as every determination needs (9792.10.6(b)(2)).
            for index in range(rng.randint(1, 4)):
                kind, title = (CaseDocument.Kind.MEDICAL_RECORD, "Primary treating physician's progress report (PR-2)") if index == 0 else rng.choice([
                    (CaseDocument.Kind.MEDICAL_RECORD, "Primary treating physician's progress report (PR-2)"),
                    (CaseDocument.Kind.RFA, "Request for Authorization (DWC Form RFA)"),
                    (CaseDocument.Kind.IMAGING, "MRI report"),
                    (CaseDocument.Kind.CONSULTATION, "Specialist consultation"),
                    (CaseDocument.Kind.MEDICAL_RECORD, "Physical therapy progress note"),
                ])
                dated = max(case.date_of_injury, (case.rfa_date or case.ur_decision_date) - self._days(0, 180))
                docs.append(CaseDocument(case=case, title=title, kind=kind, author=provider, dated=dated,
                                         received_on=case.records_complete_on))
        plan.documents = docs

    def _assign(self, plan: Plan, categories: list[str]) -> bool:
        case, rng = plan.case, self.rng
        for reviewer in rng.sample(self.reviewers, len(self.reviewers)):
            check = reviewer_check(reviewer=reviewer, case=case, on=case.assigned_on, fits=self.fits,
                                   categories=categories, check_capacity=False)
            if check.eligible:
                break
        else:
            return False
        if case.status == S.DECIDED:
            status = Assignment.Status.COMPLETED
        else:
            status = Assignment.Status.ACCEPTED if rng.random() < 0.7 else Assignment.Status.OFFERED
        accepted = status != Assignment.Status.OFFERED
        responded_on = case.records_complete_on or case.assigned_on
        plan.assignment = Assignment(
            case=case, reviewer=reviewer, status=status, matched_specialty=check.matched_specialty,
            conflict_attested=accepted, attestation_text=reviewer_services.ATTESTATION_TEXT if accepted else "",
            responded_at=self._at(responded_on) if accepted else None,
        )
        return True

    def _decide(self, plan: Plan) -> None:
        case, rng = plan.case, self.rng
        employee = case.employee
        age = (case.date_of_injury - employee.date_of_birth).days // 365
        first = plan.items[0]
        summary = (
            f"This is a {age} year old {employee.sex} who reported a work related injury on "
            f"{case.date_of_injury:%m/%d/%Y} from {rng.choice(V.MECHANISMS)}. Diagnoses include "
            f"{case.diagnosis.lower()}. Treatment to date has included {rng.choice(V.HISTORIES)}. "
            f"The request for {first.description} was non-certified by utilization review on "
            f"{case.ur_decision_date:%m/%d/%Y}."
        )
        plan.determination = Determination(
            case=case, reviewer=plan.assignment.reviewer, version=1, status=Determination.Status.FINAL,
            clinical_case_summary=summary, decided_on=case.decided_on, finalized_at=self._at(case.decided_on), revision=1,
            records_basis=Determination.RecordsBasis.COMPLETE,
        )
        for item in plan.items:
            _, guideline_name, section, pages = next(
                (row for row in V.ITEMS[item.category] if row[0] == item.description), V.ITEMS[item.category][0]
            )
            guideline = self._guideline(guideline_name)
            overturned = rng.random() < V.OVERTURN_RATES[item.category]
            plan.decisions.append(
                ItemDecision(
                    determination=plan.determination, item=item,
                    decision=Outcome.OVERTURNED if overturned else Outcome.UPHELD,
                    guideline=guideline, section=section, pages=pages, evidence_level=guideline.evidence_level,
                    lower_level_reason="" if guideline.evidence_level == EvidenceLevel.MTUS else V.LOWER_LEVEL_REASON,
                    rationale=rng.choice(V.OVERTURNED_RATIONALES if overturned else V.UPHELD_RATIONALES),
                )
            )

    # --- writing -----------------------------------------------------------------------
    def write(self, plans: list[Plan]) -> None:
        """Number and insert one batch; the batch is all or nothing."""
        plans.sort(key=lambda p: p.case.received_on)  # numbers follow receipt within a batch
        by_year: dict[int, list[Plan]] = {}
        for plan in plans:
            by_year.setdefault(plan.case.received_on.year, []).append(plan)
        # Numbers are reserved first (committed): a failed batch leaves a gap, never a reuse.
        for year, year_plans in by_year.items():
            for plan, number in zip(year_plans, case_services.case_numbers_issue_block(year=year, count=len(year_plans))):
                plan.case.number = number
        copy = connection.vendor == "postgresql"
        with transaction.atomic():
            employees = [plan.case.employee for plan in plans]
            if copy:
                _copy(Party, employees)
            else:
                Party.objects.bulk_create(employees)
            for plan in plans:  # the conflict check compares saved parties
                self.review(plan)
            rows = [
                (Case, [plan.case for plan in plans]),
                (DisputedItem, [item for plan in plans for item in plan.items]),
                (CaseDocument, [doc for plan in plans for doc in plan.documents]),
                (Assignment, [plan.assignment for plan in plans if plan.assignment]),
                (Determination, [plan.determination for plan in plans if plan.determination]),
                (ItemDecision, [decision for plan in plans for decision in plan.decisions]),
            ]
            for model, objects in rows:
                if copy:
                    _copy(model, objects)
                else:
                    # bulk_create fills each foreign key from its related object's new primary key.
                    model.objects.bulk_create(objects)
        for model, objects in [(Party, employees), *rows]:
            if objects:
                low, high = self.written.get(model, (objects[0].pk, objects[0].pk))
                self.written[model] = (min(low, *(o.pk for o in objects)), max(high, *(o.pk for o in objects)))


# --- PostgreSQL COPY ---------------------------------------------------------------------
# Rows go in with COPY (psycopg 3's cursor.copy) inside the batch's transaction:
# primary keys are drawn from each table's own sequence first, the foreign keys
# are filled from them, and the database checks every constraint (NOT NULL,
# CHECK, UNIQUE, the deferred foreign keys at commit) and maintains every index
# exactly as for INSERT. Values are what the model instances hold after
# __init__ (defaults) and pre_save (auto_now / auto_now_add).
_COPY_COLUMNS: dict[type, tuple] = {}


def _columns(model):
    cached = _COPY_COLUMNS.get(model)
    if cached is None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        relations = [(f.attname, f.cache_name) for f in fields if f.is_relation]
        cached = _COPY_COLUMNS[model] = (fields, relations)
    return cached


def _plain(value):
    return value.value if isinstance(value, Enum) else value


def _copy(model, objects) -> None:
    if not objects:
        return
    cursor = connection.cursor().cursor  # the psycopg cursor under Django's wrapper
    table = model._meta.db_table
    pk = model._meta.pk
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [table, pk.column, len(objects)],
    )
    for obj, (value,) in zip(objects, cursor.fetchall()):
        obj.pk = value
    from psycopg.types.json import Jsonb

    fields, relations = _columns(model)
    now = timezone.now()
    getters = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            getters.append(lambda obj, name=f.attname: getattr(obj, name) or now)
        elif f.get_internal_type() == "JSONField":
            getters.append(lambda obj, name=f.attname: Jsonb(getattr(obj, name)))
        elif f.choices:  # TextChoices members: their value, not psycopg's enum dumping (the name)
            getters.append(lambda obj, name=f.attname: _plain(getattr(obj, name)))
        else:
            getters.append(f.attname)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields) + ", " + connection.ops.quote_name(pk.column)
    with cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            cache = obj._state.fields_cache
            for attname, cache_name in relations:
                related = cache.get(cache_name)
                if related is not None:
                    setattr(obj, attname, related.pk)
            d = obj.__dict__
            copy.write_row([d[g] if g.__class__ is str else g(obj) for g in getters] + [obj.pk])
            obj._state.adding = False


@dataclass
class Result:
    count: int
    seconds: float
    reviewers_created: int

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


# Tables a pattern copy writes, parents first, and the foreign keys that point into the copy.
MULTIPLIED = [Party, Case, DisputedItem, CaseDocument, Assignment, Determination, ItemDecision]


def _multiply(generator: Generator, copies: int, last_cases: int, progress) -> None:  # noqa: C901
    """Write `copies` more copies of the cases `generator` wrote (the pattern), the
    last one only its first `last_cases` cases, with INSERT … SELECT in PostgreSQL.

    Each copy is new rows throughout: new primary keys from each table's
    sequence, new case numbers from the year's counter (case_number_range_reserve),
    a new employee party per case (same name and birth date as in the pattern:
    namesakes, as in real life), and the same items, documents, assignment to the
    same reviewer, determination and item decisions with the same dates. Shared
    parties (employers, claims administrators, providers, attorneys) stay shared.
    Every constraint and index applies as for any INSERT.
    """
    ranges = {model: generator.written[model] for model in MULTIPLIED if model in generator.written}
    case_low, case_high = ranges[Case]
    cutoff = _nth_case_id(case_low, last_cases) if last_cases else None
    tables = {model: model._meta.db_table for model in ranges}
    with connection.cursor() as cursor:
        # Numbers: per year, copies × the pattern's cases of that year, reserved once.
        cursor.execute(
            "SELECT EXTRACT(YEAR FROM received_on)::int, COUNT(*) FROM cases_case WHERE id BETWEEN %s AND %s GROUP BY 1",
            [case_low, case_high],
        )
        per_year = dict(cursor.fetchall())
        first_number = {
            year: case_services.case_number_range_reserve(year=year, count=n * copies) for year, n in per_year.items()
        }
        # Bulk-load practice: the plain (non-unique) indexes are dropped for the copies
        # and built again afterwards in one pass each, which is several times faster
        # than maintaining them row by row (the trigram GIN indexes above all).
        # Primary keys, unique indexes and constraints stay in force throughout.
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND NOT i.indisunique AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [list(tables.values())],
        )
        plain_indexes = cursor.fetchall()
        for name, _ in plain_indexes:
            cursor.execute(f"DROP INDEX {name}")
        try:
            _copies(cursor, ranges, tables, copies, cutoff, case_high, first_number, per_year, progress)
        finally:
            if not connection.get_autocommit():  # inside an outer transaction (tests): check the deferred keys now
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET maintenance_work_mem = '256MB'")
            cursor.execute("SET statement_timeout = 0")
            for _, definition in plain_indexes:
                cursor.execute(definition)
            cursor.execute("RESET statement_timeout")


def _copies(cursor, ranges, tables, copies, cutoff, case_high, first_number, per_year, progress) -> None:
    from django.conf import settings

    for copy_index in range(copies):
        limit = cutoff if (copy_index == copies - 1 and cutoff) else case_high
        with transaction.atomic():
            # A copy is one INSERT … SELECT per table: longer than the web's statement timeout.
            cursor.execute("SET LOCAL statement_timeout = 0")
            offsets = {}
            for model, (low, high) in ranges.items():
                span = high - low + 1
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                    [tables[model], tables[model], span],
                )
                end = cursor.fetchone()[0]
                offsets[model] = end - span + 1 - low  # new id = old id + offset
            for model in ranges:
                cursor.execute(_copy_statement(model, ranges, offsets, copy_index, limit, first_number, per_year,
                                               settings.IMR_CASE_NUMBER_PREFIX))
        if progress:
            progress(copy_index)


def _nth_case_id(low: int, n: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM cases_case WHERE id >= %s ORDER BY id OFFSET %s LIMIT 1", [low, n - 1])
        return cursor.fetchone()[0]


def _copy_statement(model, ranges, offsets, copy_index, limit, first_number, per_year, prefix) -> str:
    qn = connection.ops.quote_name
    table = model._meta.db_table
    low, high = ranges[model]
    names, values = [], []
    for f in model._meta.concrete_fields:
        names.append(qn(f.column))
        column = f"src.{qn(f.column)}"
        target = f.related_model if f.is_relation else None
        if f.primary_key:
            values.append(f"{column} + {offsets[model]}")
        elif target in ranges:
            t_low, t_high = ranges[target]
            values.append(
                f"CASE WHEN {column} BETWEEN {t_low} AND {t_high} THEN {column} + {offsets[target]} ELSE {column} END"
            )
        elif model is Case and f.name == "number":
            # The year's reserved block: copy k takes the k-th slice, in pattern order.
            year = "EXTRACT(YEAR FROM src.received_on)::int"
            starts = " ".join(
                f"WHEN {y} THEN {first_number[y] + copy_index * per_year[y] - 1}" for y in first_number
            )
            values.append(
                f"'{prefix}' || LPAD((({year}) % 100)::text, 2, '0') || '-' || LPAD(((CASE {year} {starts} END) + "
                f"ROW_NUMBER() OVER (PARTITION BY {year} ORDER BY src.id))::text, 7, '0')"
            )
        elif model is Case and f.name == "claim_number":
            # Another claim of the same person: with the same claim number, name and UR decision
            # date every copy would be a duplicate of its pattern (find_duplicates, req. 5).
            values.append(f"{column} || '-{copy_index + 2}'")
        else:
            values.append(column)
    where = f"src.id BETWEEN {low} AND {high}"
    # Only the rows of the copy's cases (the last copy may be partial).
    case_low = ranges[Case][0]
    if model is Case:
        where += f" AND src.id <= {limit}"
    elif model is Party:
        where += f" AND src.id IN (SELECT employee_id FROM cases_case WHERE id BETWEEN {case_low} AND {limit})"
    elif model is ItemDecision:
        where += (f" AND src.determination_id IN (SELECT id FROM determinations_determination "
                  f"WHERE case_id BETWEEN {case_low} AND {limit})")
    else:
        where += f" AND src.case_id BETWEEN {case_low} AND {limit}"
    return f"INSERT INTO {qn(table)} ({', '.join(names)}) SELECT {', '.join(values)} FROM {qn(table)} src WHERE {where}"


def generate_cases(
    *, count: int, seed: int | None = None, batch_size: int = 2000, progress: Callable[[int, int], None] | None = None,
    distinct: int | None = None,
) -> Result:
    """`count` cases; with `distinct` (PostgreSQL), only the first `distinct` are
    drawn one by one in Python and the rest are copies of them made in SQL."""
    started = time.monotonic()
    reviewers_created = ensure_reviewer_panel()
    generator = Generator(seed=seed)
    pattern = count if not distinct or connection.vendor != "postgresql" else min(count, distinct)
    done = 0
    while done < pattern:
        size = min(batch_size, pattern - done)
        generator.write([generator.plan() for _ in range(size)])
        reset_queries()  # with DEBUG on, Django would keep every statement in memory
        done += size
        if progress:
            progress(done, count)
    if count > pattern:
        copies, last_cases = divmod(count - pattern, pattern)
        if last_cases:
            copies += 1

        def copied(index):
            if progress:
                progress(min(count, pattern * (index + 2)), count)

        _multiply(generator, copies, last_cases, copied)
        with connection.cursor() as cursor:
            for model in MULTIPLIED:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        done = count
    return Result(count=done, seconds=time.monotonic() - started, reviewers_created=reviewers_created)
