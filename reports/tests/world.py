"""Cases with known outcomes and dates, and a brute-force count of every figure from them.

`build(seed)` draws case specifications (plain dicts), writes them as rows
(cases, items, determinations, assignments) and returns the specifications;
`expected(specs, months, today)` counts every figure of the reports from the
specifications alone, with loops over dicts and the labels written out here,
so the test compares the summary tables' pipeline with an independent count.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from django.utils import timezone

from cases.models import DisputedItem
from determinations.models import Determination, ItemDecision
from reviewers.models import Assignment
from tests.factories import CaseFactory, OrganizationFactory, ProviderFactory, ReviewerFactory, specialty

# (category, request, its subcategory written out by hand)
REQUESTS = [
    ("Pharmaceuticals", "Norco (hydrocodone/acetaminophen) 10/325 mg #60", "Opioids"),
    ("Pharmaceuticals", "Oxycodone 10 mg #90", "Opioids"),
    ("Pharmaceuticals", "Cyclobenzaprine 7.5 mg #90", "Muscle relaxants"),
    ("Pharmaceuticals", "Compounded cream: flurbiprofen 20%, 180 g", "Topical analgesics and compounds"),
    ("Physical Medicine", "Eight (8) physical therapy visits", "Physical therapy"),
    ("Physical Medicine", "Six (6) sessions of aquatic therapy", "Aquatic therapy"),
    ("Diagnostic Testing", "MRI of the right knee", "MRI"),
    ("Surgery", "Left carpal tunnel release", "Hand and wrist surgery"),
    ("Evaluation & Management", "Neurology consultation", "Consultations"),
]
DWC_REASON = {
    "no_signature": "No signature", "untimely": "Not filed in time", "no_ur_decision": "UR decision not attached",
    "cnc": "Conditional non-certification", "duplicate": "Duplicate", "liability": "Other", "other": "Other",
}
CATEGORY_LABEL = {"Physical Medicine": "Rehabilitation / Physical Medicine"}
FIRST = date(2026, 1, 1)


def _day(rng, start: date, span: int) -> date:
    return start + timedelta(days=rng.randint(0, span))


def draw(rng: random.Random, n: int) -> list[dict]:
    specs = []
    for i in range(n):
        status = rng.choice(["received", "ineligible", "ineligible", "deferred", "awaiting_records", "records_complete",
                             "in_review", "decided", "decided", "decided", "decided", "withdrawn", "terminated"])
        received = _day(rng, FIRST, 150)
        spec = {
            "i": i, "status": status, "received_on": received, "review_type": rng.choice(["standard"] * 4 + ["expedited"]),
            "formulary": rng.random() < 0.15, "ca": rng.randrange(3), "provider": rng.choice([0, 0, 0, 0, 1, 1, 2, 3, 4]),
            "reason": "", "duplicate_of": None, "assigned_on": None, "records_due_on": None, "records_complete_on": None,
            "decision_due_on": None, "decided_on": None, "items": [], "specialty": None, "corrected": False,
        }
        if status == "ineligible":
            spec["reason"] = rng.choice(list(DWC_REASON))
        if specs and rng.random() < 0.1:
            spec["duplicate_of"] = rng.randrange(len(specs))
        assigned = status in ("awaiting_records", "records_complete", "in_review", "decided") or (
            status in ("withdrawn", "terminated") and rng.random() < 0.5
        )
        if assigned:
            spec["assigned_on"] = received + timedelta(days=rng.randint(0, 5))
            spec["records_due_on"] = spec["assigned_on"] + timedelta(days=rng.choice([1, 12, 15]))
            if status in ("records_complete", "in_review", "decided") and rng.random() < 0.9:
                spec["records_complete_on"] = spec["records_due_on"] + timedelta(days=rng.randint(-10, 6))
                spec["records_complete_on"] = max(spec["records_complete_on"], spec["assigned_on"])
                spec["decision_due_on"] = spec["records_complete_on"] + timedelta(days=rng.choice([3, 7, 30]))
        if status == "decided":
            start = spec["records_complete_on"] or spec["assigned_on"]
            spec["decided_on"] = start + timedelta(days=rng.randint(1, 40))
            spec["items"] = [
                (*rng.choice(REQUESTS), rng.choice(["upheld"] * 4 + ["overturned"])) for _ in range(rng.choice([1, 1, 2, 3]))
            ]
            spec["specialty"] = rng.choice(["Pain Medicine", "Orthopaedic Surgery", None])
            spec["corrected"] = rng.random() < 0.1
        specs.append(spec)
    return specs


def build(seed: int = 15, n: int = 160) -> tuple[list[dict], dict]:
    """Write the drawn cases; return the specifications and the world's fixed rows."""
    rng = random.Random(seed)
    specs = draw(rng, n)
    cas = [OrganizationFactory(name=f"Claims Administrator {k}") for k in range(3)]
    providers = [ProviderFactory() for _ in range(5)]
    reviewer = ReviewerFactory(specialties=["Physical Medicine & Rehabilitation", "Pain Medicine"])
    cases = []
    for spec in specs:
        fields = {k: spec[k] for k in ("status", "received_on", "review_type", "assigned_on", "records_due_on",
                                       "records_complete_on", "decision_due_on", "decided_on")}
        case = CaseFactory(
            **fields, is_formulary_dispute=spec["formulary"], ineligible_reason=spec["reason"],
            claims_administrator=cas[spec["ca"]], requesting_provider=providers[spec["provider"]],
            duplicate_of=cases[spec["duplicate_of"]] if spec["duplicate_of"] is not None else None,
        )
        cases.append(case)
        if spec["status"] != "decided":
            continue
        items = [
            DisputedItem.objects.create(case=case, position=p, category=c, description=d)
            for p, (c, d, _, _) in enumerate(spec["items"])
        ]
        Assignment.objects.create(
            case=case, reviewer=reviewer, status=Assignment.Status.COMPLETED, conflict_attested=True,
            matched_specialty=specialty(spec["specialty"]) if spec["specialty"] else None,
        )
        finalized = timezone.make_aware(datetime.combine(spec["decided_on"], datetime.min.time()))
        if spec["corrected"]:
            # The first version said the opposite; a correction superseded it (the figures follow the correction).
            old = Determination.objects.create(records_basis=Determination.RecordsBasis.COMPLETE, case=case, reviewer=reviewer, status=Determination.Status.FINAL,
                                               decided_on=spec["decided_on"], finalized_at=finalized)
            for item, (_, _, _, outcome) in zip(items, spec["items"]):
                ItemDecision.objects.create(determination=old, item=item,
                                            decision="overturned" if outcome == "upheld" else "upheld")
            Determination.objects.filter(pk=old.pk).update(status=Determination.Status.SUPERSEDED)
            current = Determination.objects.create(records_basis=Determination.RecordsBasis.COMPLETE, case=case, reviewer=reviewer, version=2, supersedes=old,
                                                   correction_reason="Wrong item decision", status="final",
                                                   decided_on=spec["decided_on"], finalized_at=finalized)
        else:
            current = Determination.objects.create(records_basis=Determination.RecordsBasis.COMPLETE, case=case, reviewer=reviewer, status=Determination.Status.FINAL,
                                                   decided_on=spec["decided_on"], finalized_at=finalized)
        for item, (_, _, _, outcome) in zip(items, spec["items"]):
            ItemDecision.objects.create(determination=current, item=item, decision=outcome)
    return specs, {"cases": cases, "cas": cas, "providers": providers, "reviewer": reviewer}


def in_months(day, months) -> bool:
    return day is not None and date(day.year, day.month, 1) in months


def expected(specs: list[dict], months: set[date], today: date) -> dict:
    """Every figure of the period, counted from the specifications."""
    e: dict = {}
    received = [s for s in specs if in_months(s["received_on"], months)]
    e["gross"] = len(received)
    e["duplicates"] = sum(1 for s in received if s["duplicate_of"] is not None or s["reason"] == "duplicate")
    e["unique"] = e["gross"] - e["duplicates"]
    e["ineligible"] = sum(1 for s in received if s["status"] == "ineligible")
    e["eligible"] = sum(1 for s in received if s["assigned_on"] is not None)
    e["deferred"] = sum(1 for s in received if s["status"] == "deferred")
    e["pending"] = sum(1 for s in received if s["status"] == "received")
    e["closed"] = sum(1 for s in received if s["status"] in ("withdrawn", "terminated") and s["assigned_on"] is None)
    e["by_reason"] = Counter(DWC_REASON[s["reason"]] for s in received if s["status"] == "ineligible")

    decided = [s for s in specs if in_months(s["decided_on"], months)]
    items = [(s, it) for s in decided for it in s["items"]]
    e["letters"] = len(decided)
    e["letters_by_type"] = Counter(s["review_type"] for s in decided)
    e["items"] = len(items)
    e["upheld"] = sum(1 for _, it in items if it[3] == "upheld")
    e["overturned"] = e["items"] - e["upheld"]
    case_outcomes = Counter()
    for s in decided:
        values = {it[3] for it in s["items"]}
        case_outcomes["Upheld" if values == {"upheld"} else "Overturned" if values == {"overturned"} else "Overturned in part"] += 1
    e["case_outcomes"] = case_outcomes
    by_category, by_sub, by_specialty, by_type, by_ca = (defaultdict(Counter) for _ in range(5))
    for s, (category, _, sub, outcome) in items:
        by_category[CATEGORY_LABEL.get(category, category)][outcome] += 1
        by_sub[(category, sub)][outcome] += 1
        # Without a matched specialty, the reviewer's first board certification.
        by_specialty[s["specialty"] or "Physical Medicine & Rehabilitation"][outcome] += 1
        by_type["Standard" if s["review_type"] == "standard" else "Expedited"][outcome] += 1
        by_ca[f"Claims Administrator {s['ca']}"][outcome] += 1
    e.update(by_category=by_category, by_subcategory=by_sub, by_specialty=by_specialty, by_review_type=by_type, by_ca=by_ca)
    assigned_ages = [(s["decided_on"] - s["assigned_on"]).days for s in decided if s["assigned_on"]]
    records_ages = [(s["decided_on"] - s["records_complete_on"]).days for s in decided if s["records_complete_on"]]
    e["age_assigned"] = sum(assigned_ages) / len(assigned_ages) if assigned_ages else None
    e["age_records"] = sum(records_ages) / len(records_ages) if records_ages else None
    e["age_assigned_n"], e["age_records_n"] = len(assigned_ages), len(records_ages)
    buckets = [(0, 5), (6, 10), (11, 15), (16, 20), (21, 30), (31, 45), (46, 60), (61, 10_000)]
    e["age_records_buckets"] = [sum(1 for a in records_ages if lo <= a <= hi) for lo, hi in buckets]
    within = late = unknown = 0
    late_cases = []
    for s in decided:
        if s["decision_due_on"] is None:
            unknown += 1
        elif s["decided_on"] <= s["decision_due_on"]:
            within += 1
        else:
            late += 1
            late_cases.append(((s["decided_on"] - s["decision_due_on"]).days, s["i"]))
    e.update(within=within, late=late, unknown=unknown, within_share=within / (within + late) if within + late else None)
    e["late_cases"] = late_cases
    e["rx"] = sum(1 for _, it in items if it[0] == "Pharmaceuticals")
    e["opioids"] = sum(1 for _, it in items if it[0] == "Pharmaceuticals" and it[2] == "Opioids")
    per_provider = sorted(Counter(s["provider"] for s in decided).values(), reverse=True)
    top1 = max(1, -(-len(per_provider) // 100)) if per_provider else 0
    top10 = max(1, -(-len(per_provider) * 10 // 100)) if per_provider else 0
    e["providers"] = len(per_provider)
    e["top1_letters"], e["top10_letters"] = sum(per_provider[:top1]), sum(per_provider[:top10])

    records = defaultdict(Counter)
    for s in specs:
        due, done = s["records_due_on"], s["records_complete_on"]
        if not in_months(due, months):
            continue
        if done is None and s["status"] in ("withdrawn", "terminated"):
            continue
        name = f"Claims Administrator {s['ca']}"
        records[name]["due"] += 1
        if (done is not None and done > due) or (done is None and due < today):
            records[name]["late"] += 1
    e["records"] = records
    return e
