"""The DWC Independent Medical Review statistics: every figure, its definition and its source.

Sources (domain.md §2.3, §2.7, §6.2, §7 req. 35):

- DWC, "IMR Updates" (http://dir.ca.gov/dwc/IMR/IMR_Updates/IMR_Updates.htm):
  total and unique applications, eligible and ineligible by reason, letters,
  "Average Age from Assigned Date" and "Average Age from Complete Medical
  Records";
- DIR news releases on the annual IMR reports (e.g.
  http://www.dir.ca.gov/DIRNews/2025/2025-36.html): overturn rates by
  treatment category, the pharmaceutical share of requests and the opioid
  share of pharmaceuticals;
- LC 4610.6(d) (https://law.onecle.com/california/labor/4610.6.html): the
  statutory time to decide (30 days, 3 days expedited, 5 working days for a
  formulary dispute), as cases/deadlines.py computes it;
- 8 CCR 9792.10.5 (records due 15/12 days after the assignment notice, 24
  hours expedited) for the late-records rate, as cases/deadlines.py computes it;
- CWCI (https://cutcompcosts.com/2016/06/california-cwci-imr.html/): the
  concentration of requests among requesting providers.

The module has two halves. `month_figures(month)` computes one calendar month
(Pacific time) from the cases, determinations and assignments: these are the
definitions, one function per group of figures. reports.services writes their
rows into the summary tables (reports.models), and `report(period)` reads
those tables for a month or a range, in a fixed number of queries, and
assembles the figures, tables and chart data the page, the exports and the
PDF show.

Mailing dates. DWC counts ages from the *mailing* of the notice of assignment
(NOARFI) and of the letter. The correspondence app records them (a delivery of
the NOARFI or of the parties' letter marked sent, `Delivery.sent_on`); a case
from before deliveries were recorded (imported history, generated data) has
none, and its notice of assignment and decision dates stand in, as the page
says. `MAILING_DATES` is the one switch between the two sources.
"""

from __future__ import annotations

import enum
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, Sum

from cases import classification
from cases.models import Case, ReviewType, TreatmentCategory
from determinations.models import Determination, ItemDecision, Outcome
from reviewers.models import Assignment, BoardCertification

from .models import LateDecision, MonthlyFigure, RefreshState


class MailingDates(enum.Enum):
    """Where the "mailed on" dates of the age and timeliness figures come from."""

    # The notice of assignment date and the decision date (recorded on every case).
    ASSIGNMENT_AND_DECISION = "assignment_and_decision"
    # The first NOARFI and parties' letter deliveries marked sent (the correspondence app's
    # `Delivery.sent_on`): a letter with deliveries none of which went out is not issued yet.
    # A case with no delivery rows at all (from before they were recorded) falls back to the
    # assignment and decision dates.
    RECORDED = "recorded"


# The one switch.
MAILING_DATES = MailingDates.RECORDED
MAILING_NOTES = {
    MailingDates.ASSIGNMENT_AND_DECISION: (
        "The system does not record when the notice of assignment (NOARFI) and the letter were mailed, so the ages "
        "and the within-time share count from the notice of assignment date and to the decision date instead."
    ),
    MailingDates.RECORDED: (
        "Ages and the within-time share count from the recorded mailing of the notice of assignment (NOARFI) and of "
        "the letter; for cases from before mailings were recorded (no delivery on record), from the notice of "
        "assignment date and to the decision date."
    ),
}


class Metric:
    """Names of the rows in reports.models.MonthlyFigure."""

    APPLICATIONS = "applications"  # k1: gross | duplicate
    SCREENING = "screening"  # k1: eligible | ineligible | deferred | pending | closed; k2: DWC reason (ineligible)
    LETTERS = "letters"  # k1: review type
    CASE_OUTCOME = "case_outcome"  # k1: Upheld | Overturned | Overturned in part
    ITEMS = "items"  # k1: outcome; k2: category; k3: subcategory
    ITEMS_SPECIALTY = "items_specialty"  # k1: outcome; k2: reviewer specialty
    ITEMS_TYPE = "items_type"  # k1: outcome; k2: review type
    ITEMS_CA = "items_ca"  # k1: outcome; k2: claims administrator id; k3: name
    AGE_ASSIGNED = "age_assigned"  # k1: bucket; total: days
    AGE_RECORDS = "age_records"  # k1: bucket; total: days
    TIMELINESS = "timeliness"  # k1: clock; k2: within | late | unknown
    RECORDS = "records"  # k1: due | late; k2: claims administrator id; k3: name
    PROVIDERS = "providers"  # k1: requesting provider id


# --- ineligibility: DWC's reasons, from the case's coded reason (one table) ----------------

DWC_INELIGIBLE_REASONS = [
    ("no_signature", "No signature"),
    ("untimely", "Not filed in time"),
    ("no_ur_decision", "UR decision not attached"),
    ("cnc", "Conditional non-certification"),
    ("not_subject", "Not subject to IMR"),
    ("duplicate", "Duplicate"),
    ("other", "Other"),
]
# Case.IneligibleReason value → DWC's reason. Every value must be here
# (reports/tests check it): a new reason is mapped on purpose, not by default.
INELIGIBLE_REASON_TO_DWC = {
    "no_signature": "no_signature",
    "untimely": "untimely",
    "no_ur_decision": "no_ur_decision",
    "cnc": "cnc",
    "not_subject": "not_subject",
    "duplicate": "duplicate",
    "liability": "other",  # a liability dispute defers a case; coded ineligible by hand it is "other"
    "other": "other",
}


def dwc_reason(reason: str) -> str:
    return INELIGIBLE_REASON_TO_DWC.get(reason, "other")


# --- months in Pacific time -------------------------------------------------------------------

PACIFIC = ZoneInfo(settings.TIME_ZONE)


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    """The month's last day."""
    return add_months(month, 1) - timedelta(days=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of the month as aware datetimes in Pacific time, for recorded moments
    (a mailing time): 23:30 on March 31 in California is March, whatever UTC says."""
    start = datetime.combine(month, time.min, tzinfo=PACIFIC)
    return start, datetime.combine(add_months(month, 1), time.min, tzinfo=PACIFIC)


def pacific_date(moment: datetime) -> date:
    return moment.astimezone(PACIFIC).date()


# --- buckets --------------------------------------------------------------------------------

AGE_BUCKETS = [(0, 5), (6, 10), (11, 15), (16, 20), (21, 30), (31, 45), (46, 60), (61, None)]
UNKNOWN = "unknown"


def age_bucket(days: int) -> str:
    for low, high in AGE_BUCKETS:
        if high is None or days <= high:
            return bucket_label(low, high)
    return UNKNOWN


def bucket_label(low: int, high: int | None) -> str:
    return f"{low}+" if high is None else f"{low}-{high}"


AGE_BUCKET_LABELS = [bucket_label(low, high) for low, high in AGE_BUCKETS]

CLOCKS = [
    ("standard", "Standard: 30 days"),
    ("expedited", "Expedited: 3 days"),
    ("formulary", "Formulary: 5 working days"),
]


def decision_clock(*, review_type: str, formulary: bool) -> str:
    """Which statutory time applies (LC 4610.6(d); cases/deadlines.decision_due: formulary first)."""
    if formulary:
        return "formulary"
    return "expedited" if review_type == ReviewType.EXPEDITED else "standard"


# =============================================================================================
# Part 1: one month's figures from the cases (the definitions)
# =============================================================================================

@dataclass
class MonthFigures:
    month: date
    counts: Counter = field(default_factory=Counter)  # (metric, k1, k2, k3) → n
    totals: Counter = field(default_factory=Counter)  # (metric, k1, k2, k3) → sum of days
    late: list[dict] = field(default_factory=list)

    def add(self, metric: str, k1="", k2="", k3="", *, n: int = 1, total: int = 0) -> None:
        key = (metric, str(k1), str(k2), str(k3)[:200])
        self.counts[key] += n
        self.totals[key] += total


def _screening_outcome(status: str, assigned_on, reason: str) -> tuple[str, str]:
    """(outcome, DWC reason) of an application's eligibility screening (8 CCR 9792.10.3)."""
    S = Case.Status
    if status == S.INELIGIBLE:
        return "ineligible", dwc_reason(reason)
    if assigned_on is not None or status in (S.AWAITING_RECORDS, S.RECORDS_COMPLETE, S.IN_REVIEW, S.DECIDED):
        return "eligible", ""
    if status == S.DEFERRED:
        return "deferred", ""
    if status == S.RECEIVED:
        return "pending", ""
    return "closed", ""  # withdrawn or terminated before anyone screened it


def applications_received(month: date, out: MonthFigures) -> None:
    """Applications received in the month, by the day the application arrived (`Case.received_on`).

    - **Total (gross) applications**: every application received in the month.
    - **Unique applications**: total less duplicates, "duplicate filings are
      removed before screening" (DWC IMR Updates): an application is a
      duplicate when screening found the earlier one (`duplicate_of`) or
      coded it ineligible as a duplicate.
    - **Eligible / ineligible, ineligible by reason** (DWC IMR Updates; reasons
      8 CCR 9792.10.3 as DWC reports them: no signature, not filed in time, UR
      decision not attached, conditional non-certification, not subject to
      IMR, duplicate, other): the screening outcome of the month's
      applications. Eligible: found eligible (a notice of assignment went
      out), whatever happened later. Also shown: deferred (liability
      disputed), not yet screened, and closed (withdrawn or terminated)
      before screening, so the parts add up to the total.
    """
    rows = Case.objects.filter(received_on__gte=month, received_on__lte=month_end(month)).values_list(
        "status", "assigned_on", "ineligible_reason", "duplicate_of_id"
    )
    for status, assigned_on, reason, duplicate_of in rows.iterator(chunk_size=5000):
        out.add(Metric.APPLICATIONS, "gross")
        if duplicate_of is not None or reason == Case.IneligibleReason.DUPLICATE:
            out.add(Metric.APPLICATIONS, "duplicate")
        outcome, dwc = _screening_outcome(status, assigned_on, reason)
        out.add(Metric.SCREENING, outcome, dwc)


def case_specialties(cases) -> dict[int, str]:
    """Case id → the reviewer's specialty for decided cases (DWC's "IMRO Specialty"):
    the specialty matched at assignment, else the reviewer's first board
    certification. A specialty, never a name (LC 4610.6(f)). `cases` is a Case
    queryset (used as a subquery)."""
    determinations = Determination.objects.filter(case__in=cases, status=Determination.Status.FINAL).values_list(
        "case_id", "reviewer_id"
    )
    reviewer_of = dict(determinations)
    matched = {}
    rows = (
        Assignment.objects.filter(case__in=cases)
        .exclude(matched_specialty=None)
        .order_by("assigned_at")
        .values_list("case_id", "reviewer_id", "matched_specialty__name")
    )
    for case_id, reviewer_id, name in rows:
        if reviewer_of.get(case_id) == reviewer_id:
            matched[case_id] = name  # the latest assignment of the deciding reviewer wins
    missing = {reviewer_of[c] for c in reviewer_of if c not in matched}
    first_board = {}
    if missing:
        for reviewer_id, name in (
            BoardCertification.objects.filter(reviewer_id__in=missing)
            .order_by("reviewer_id", "position", "id")
            .values_list("reviewer_id", "specialty__name")
        ):
            first_board.setdefault(reviewer_id, name)
    return {case_id: matched.get(case_id) or first_board.get(reviewer_id, "") for case_id, reviewer_id in reviewer_of.items()}


def _first_sent(document: dict):
    """case id → first day a delivery of this document was marked sent (correspondence's Delivery)."""
    from django.apps import apps
    from django.db.models import Min

    Delivery = apps.get_model("correspondence", "Delivery")
    return (
        Delivery.objects.filter(status__in=Delivery.DONE, **document).values("case_id").annotate(first=Min("sent_on"))
    )


NOARFI_DELIVERY = {"notice__kind": "noarfi"}
LETTER_DELIVERY = {"letter__variant": "parties"}


def _has_deliveries(document: dict):
    from django.apps import apps
    from django.db.models import Exists, OuterRef

    Delivery = apps.get_model("correspondence", "Delivery")
    return Exists(Delivery.objects.filter(case_id=OuterRef("pk"), **document))


def _letter_cohort(month: date):
    """Cases whose Final Determination Letter went out in the month (see MAILING_DATES)."""
    in_month = Q(decided_on__gte=month, decided_on__lte=month_end(month))
    if MAILING_DATES == MailingDates.RECORDED:
        mailed = _first_sent(LETTER_DELIVERY).filter(first__gte=month, first__lte=month_end(month)).values("case_id")
        return Case.objects.filter(decided_on__isnull=False).filter(
            Q(pk__in=mailed) | (in_month & ~_has_deliveries(LETTER_DELIVERY))
        )
    return Case.objects.filter(in_month)


def _mailing_dates(cohort) -> dict[int, tuple[date | None, date | None]]:
    """case id → (notice of assignment mailed, letter mailed) for a cohort, by MAILING_DATES."""
    fallback = {pk: (assigned, decided) for pk, assigned, decided in cohort.values_list("pk", "assigned_on", "decided_on")}
    if MAILING_DATES != MailingDates.RECORDED:
        return fallback
    ids = cohort.values("pk")
    noarfi_rows = _first_sent(NOARFI_DELIVERY).filter(case_id__in=ids).values_list("case_id", "first")
    letter_rows = _first_sent(LETTER_DELIVERY).filter(case_id__in=ids).values_list("case_id", "first")
    noarfi, letter = dict(noarfi_rows), dict(letter_rows)
    out = {}
    for pk, (assigned, decided) in fallback.items():
        # A document with deliveries counts from the first one sent (None: none sent yet);
        # one without any (history from before deliveries) from the case's own date.
        out[pk] = (noarfi[pk] if pk in noarfi else assigned, letter[pk] if pk in letter else decided)
    return out


def case_outcome(decisions: list[str]) -> str:
    """Upheld / Overturned / Overturned in part: the determination's own rule."""
    return Determination().outcome_from([SimpleNamespace(decision=d) for d in decisions])


def letters_issued(month: date, out: MonthFigures) -> None:
    """Final Determination Letters issued in the month, and everything measured on them.

    - **Letters issued**: decided cases whose letter was mailed in the month
      (DWC IMR Updates "letters"), by review type; a corrected letter is not
      a new one.
    - **Items decided; upheld and overturned** overall and by treatment
      category and subcategory, by reviewer specialty, by review type (DIR
      annual IMR reports: overturn rates by category; DWC decision search:
      "IMRO Specialty"), from each case's current determination (after any
      correction). Case outcome as the letter states it.
    - **Average Age from Assigned Date**: calendar days from the mailing of the
      notice of assignment (NOARFI) to the mailing of the letter; **Average Age
      from Complete Medical Records**: calendar days from the day all records
      were received (`records_complete_on`) to the mailing of the letter (DWC
      IMR Updates). Letters without the starting date are not averaged.
    - **Decided within the statutory time**: letter mailed on or before the
      decision due date the case's clock computed from its records
      (`decision_due_on`: 30 days, 3 days expedited, 5 working days
      formulary; LC 4610.6(d)); the late ones are listed. A case without a
      records-complete date has no clock and is counted as unknown.
    - **Requests by requesting provider** (for the concentration figure; CWCI).
    - **Items by claims administrator** (for the overturn rate by claims administrator).
    """
    cohort = _letter_cohort(month)
    cases = {
        row["id"]: row
        for row in cohort.values(
            "id", "number", "review_type", "is_formulary_dispute", "assigned_on", "records_complete_on",
            "decision_due_on", "decided_on", "claims_administrator_id", "claims_administrator__name",
            "requesting_provider_id",
        )
    }
    specialties = case_specialties(cohort)
    mailings = _mailing_dates(cohort)
    decisions = defaultdict(list)
    items = (
        ItemDecision.objects.filter(determination__case__in=cohort, determination__status=Determination.Status.FINAL)
        .exclude(decision="")
        .values_list("determination__case_id", "decision", "item__category", "item__description")
    )
    for case_id, decision, category, description in items.iterator(chunk_size=5000):
        decisions[case_id].append((decision, category, description))

    for case_id, row in cases.items():
        review_type = row["review_type"]
        noarfi_on, letter_on = mailings.get(case_id, (None, None))
        if letter_on is None:
            continue  # not mailed yet (RECORDED): not an issued letter
        out.add(Metric.LETTERS, review_type)
        out.add(Metric.PROVIDERS, row["requesting_provider_id"])
        case_items = decisions.get(case_id, [])
        if case_items:
            out.add(Metric.CASE_OUTCOME, case_outcome([d for d, _, _ in case_items]))
        specialty = specialties.get(case_id, "") or "Not recorded"
        for decision, category, description in case_items:
            out.add(Metric.ITEMS, decision, category, classification.treatment_subcategory(category, description))
            out.add(Metric.ITEMS_SPECIALTY, decision, specialty)
            out.add(Metric.ITEMS_TYPE, decision, review_type)
            out.add(Metric.ITEMS_CA, decision, row["claims_administrator_id"], row["claims_administrator__name"])

        for metric, start in ((Metric.AGE_ASSIGNED, noarfi_on), (Metric.AGE_RECORDS, row["records_complete_on"])):
            if start is None:
                out.add(metric, UNKNOWN)
            else:
                days = (letter_on - start).days
                out.add(metric, age_bucket(max(days, 0)), total=days)

        clock = decision_clock(review_type=review_type, formulary=row["is_formulary_dispute"])
        due = row["decision_due_on"]
        if due is None:
            out.add(Metric.TIMELINESS, clock, UNKNOWN)
        elif letter_on <= due:
            out.add(Metric.TIMELINESS, clock, "within")
        else:
            out.add(Metric.TIMELINESS, clock, "late")
            out.late.append({
                "case_number": row["number"], "review_type": review_type, "clock": clock,
                "records_complete_on": row["records_complete_on"], "due_on": due, "letter_on": letter_on,
                "days_late": (letter_on - due).days,
            })


def records_timeliness(month: date, out: MonthFigures, *, today: date) -> None:
    """Late-records rate per claims administrator: of the cases whose records
    were due in the month (`records_due_on`: 15 days after a mailed notice of
    assignment, 12 if sent electronically, 24 hours expedited; 8 CCR
    9792.10.5), those whose records were complete after the due date, or are
    still not complete after it (a case withdrawn or terminated without them
    is not counted late). Records are "complete" when all were received, the
    claims administrator's included (the per-party checklist is not recorded
    yet)."""
    rows = Case.objects.filter(records_due_on__gte=month, records_due_on__lte=month_end(month)).values_list(
        "status", "records_due_on", "records_complete_on", "claims_administrator_id", "claims_administrator__name"
    )
    closed = (Case.Status.WITHDRAWN, Case.Status.TERMINATED, Case.Status.CONSOLIDATED)
    for status, due, complete, ca_id, ca_name in rows.iterator(chunk_size=5000):
        if complete is None and status in closed:
            continue
        out.add(Metric.RECORDS, "due", ca_id, ca_name)
        if (complete is not None and complete > due) or (complete is None and due < today):
            out.add(Metric.RECORDS, "late", ca_id, ca_name)


def month_figures(month: date, *, today: date) -> MonthFigures:
    """Every figure of one calendar month, computed from the cases."""
    out = MonthFigures(month=month_start(month))
    applications_received(out.month, out)
    letters_issued(out.month, out)
    records_timeliness(out.month, out, today=today)
    return out


def months_with_data() -> tuple[date | None, date | None]:
    """The first and last months any figure can fall in (for a full rebuild)."""
    from django.db.models import Max, Min

    bounds = Case.objects.aggregate(
        r0=Min("received_on"), r1=Max("received_on"), d1=Max("decided_on"), due1=Max("records_due_on")
    )
    if bounds["r0"] is None:
        return None, None
    ends = [bounds["r1"], bounds["d1"], bounds["due1"]]
    if MAILING_DATES == MailingDates.RECORDED:
        from django.apps import apps

        ends.append(apps.get_model("correspondence", "Delivery").objects.aggregate(m=Max("sent_on"))["m"])
    return month_start(bounds["r0"]), month_start(max(d for d in ends if d))


# =============================================================================================
# Part 2: the report of a month or a range, from the summary tables
# =============================================================================================

@dataclass(frozen=True)
class Period:
    first: date  # first day of the first month
    last: date  # first day of the last month

    @property
    def months(self) -> list[date]:
        out, month = [], self.first
        while month <= self.last:
            out.append(month)
            month = add_months(month, 1)
        return out

    @property
    def is_month(self) -> bool:
        return self.first == self.last

    @property
    def label(self) -> str:
        if self.is_month:
            return f"{self.first:%B %Y}"
        if self.first.year == self.last.year:
            return f"{self.first:%B}–{self.last:%B %Y}"
        return f"{self.first:%B %Y}–{self.last:%B %Y}"

    @property
    def slug(self) -> str:
        return f"{self.first:%Y-%m}" if self.is_month else f"{self.first:%Y-%m}_{self.last:%Y-%m}"

    def trend(self) -> Period:
        """The months a trend chart shows: the range, or the 12 months ending with a single month."""
        return Period(add_months(self.last, -11), self.last) if self.is_month else self

    def query(self) -> str:
        return f"start={self.first:%Y-%m}&end={self.last:%Y-%m}"


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"  # text | int | pct | days


@dataclass
class Table:
    """One table of the report: shown on the page, exported as CSV and XLSX, printed in the PDF."""

    id: str
    title: str
    definition: str
    columns: list[Column]
    rows: list[list]
    note: str = ""

    def html_rows(self):
        """The table's body rows as HTML (escaped), built here rather than in the template: a
        page holds a few hundred cells and the template engine spent most of the page's time on them."""
        from django.utils.html import escape
        from django.utils.safestring import mark_safe

        from .templatetags.report_tags import cell

        out = []
        for row in self.rows:
            cells = []
            for i, (value, column) in enumerate(zip(row, self.columns)):
                text = escape(cell(value, column.kind))
                if i == 0:
                    cells.append(f'<th scope="row">{text}</th>')
                elif column.kind == "text":
                    cells.append(f"<td>{text}</td>")
                else:
                    cells.append(f'<td class="text-end">{text}</td>')
            out.append("<tr>" + "".join(cells) + "</tr>")
        return mark_safe("\n".join(out))


@dataclass
class Report:
    period: Period
    state: RefreshState | None
    figures: dict
    tables: dict[str, Table]
    trend: dict  # months, applications, letters, within share
    mailing_note: str
    late_shown: int
    late_total: int

    def table(self, table_id: str) -> Table:
        return self.tables[table_id]


LATE_LIMIT = 50
TREND_METRICS = (Metric.APPLICATIONS, Metric.LETTERS, Metric.TIMELINESS)
SUBCATEGORY_NOTE = (
    "Treatment subcategories are this organization's grouping of the requests (DWC's full subcategory list is not "
    "published); requests are sorted into them by their wording."
)


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _avg(total: float, n: int) -> float | None:
    return total / n if n else None


def refresh_state() -> RefreshState | None:
    return RefreshState.objects.filter(key="reports").first()


def _outcome_rows(counts: dict, keys_label) -> list[list]:
    """[label…, decided, upheld, overturned, overturn rate] rows from {(outcome, key…): n}."""
    grouped: dict[tuple, Counter] = defaultdict(Counter)
    for (outcome, *key), n in counts.items():
        grouped[tuple(key)][outcome] += n
    rows = []
    for key, c in grouped.items():
        decided = c[Outcome.UPHELD] + c[Outcome.OVERTURNED]
        rows.append([*keys_label(key), decided, c[Outcome.UPHELD], c[Outcome.OVERTURNED], _share(c[Outcome.OVERTURNED], decided)])
    return rows


OUTCOME_COLUMNS = [Column("Items decided", "int"), Column("Upheld", "int"), Column("Overturned", "int"), Column("Overturn rate", "pct")]


def report(period: Period) -> Report:
    """The figures of a month or a range, from the summary tables: five queries whatever the data."""
    state = refresh_state()
    in_period = MonthlyFigure.objects.filter(month__gte=period.first, month__lte=period.last)
    sums: dict[tuple, list[int]] = {
        (metric_name, k1, k2, k3): [n, total]
        for metric_name, k1, k2, k3, n, total in (
            in_period.exclude(metric=Metric.PROVIDERS)
            .values("metric", "k1", "k2", "k3")
            .annotate(n_sum=Sum("n"), total_sum=Sum("total"))
            .values_list("metric", "k1", "k2", "k3", "n_sum", "total_sum")
            .order_by()
        )
    }
    # Letters per requesting provider in the period, busiest first: only the counts are needed.
    providers = list(
        in_period.filter(metric=Metric.PROVIDERS).values("k1").annotate(letters=Sum("n"))
        .order_by("-letters").values_list("letters", flat=True)
    )
    trend_period = period.trend()
    trend_rows = list(
        MonthlyFigure.objects.filter(month__gte=trend_period.first, month__lte=trend_period.last, metric__in=TREND_METRICS)
        .values_list("month", "metric", "k1", "k2", "n")
        .order_by()
    )
    late = list(
        LateDecision.objects.filter(month__gte=period.first, month__lte=period.last)
        .order_by("-days_late", "case_number")[:LATE_LIMIT]
    )

    def metric(name: str) -> dict[tuple, int]:
        return {key[1:]: v[0] for key, v in sums.items() if key[0] == name}

    def metric_totals(name: str) -> dict[tuple, tuple[int, int]]:
        return {key[1:]: (v[0], v[1]) for key, v in sums.items() if key[0] == name}

    tables: dict[str, Table] = {}
    figures: dict = {}

    # Applications and screening.
    apps = metric(Metric.APPLICATIONS)
    gross, duplicates = apps.get(("gross", "", ""), 0), apps.get(("duplicate", "", ""), 0)
    screening = metric(Metric.SCREENING)
    by_outcome = Counter()
    by_reason = Counter()
    for (outcome, reason, _), n in screening.items():
        by_outcome[outcome] += n
        if outcome == "ineligible":
            by_reason[reason] += n
    screened = by_outcome["eligible"] + by_outcome["ineligible"]
    figures.update(
        applications=gross, duplicates=duplicates, unique=gross - duplicates, eligible=by_outcome["eligible"],
        ineligible=by_outcome["ineligible"], eligible_share=_share(by_outcome["eligible"], screened),
    )
    tables["applications"] = Table(
        "applications", "Applications received",
        "Applications received in the period, by the day they arrived. Unique: less duplicate filings, which DWC "
        "removes before screening. Eligible: found eligible (a notice of assignment went out). The last three rows "
        "are what is not yet decided either way. Source: DWC, IMR Updates.",
        [Column("Figure"), Column("Applications", "int"), Column("Share of total", "pct")],
        [[label, n, _share(n, gross)] for label, n in (
            ("Total applications received (gross)", gross),
            ("Duplicates", duplicates),
            ("Unique applications", gross - duplicates),
            ("Eligible", by_outcome["eligible"]),
            ("Ineligible", by_outcome["ineligible"]),
            ("Deferred (liability disputed)", by_outcome["deferred"]),
            ("Not yet screened", by_outcome["pending"]),
            ("Withdrawn or terminated before screening", by_outcome["closed"]),
        )],
    )
    tables["ineligible"] = Table(
        "ineligible", "Ineligible applications by reason",
        "Applications received in the period and found ineligible, by DWC's reasons (8 CCR 9792.10.3; DWC IMR "
        "Updates). The case's coded reason maps to DWC's in one table (reports.selectors).",
        [Column("Reason"), Column("Applications", "int"), Column("Share of ineligible", "pct")],
        [[label, by_reason[key], _share(by_reason[key], by_outcome["ineligible"])] for key, label in DWC_INELIGIBLE_REASONS],
    )

    # Letters and outcomes.
    letters = metric(Metric.LETTERS)
    letters_total = sum(letters.values())
    outcomes = metric(Metric.CASE_OUTCOME)
    items = metric(Metric.ITEMS)
    upheld = sum(n for (o, _, _), n in items.items() if o == Outcome.UPHELD)
    overturned = sum(n for (o, _, _), n in items.items() if o == Outcome.OVERTURNED)
    figures.update(letters=letters_total, items=upheld + overturned, upheld=upheld, overturned=overturned,
                   overturn_rate=_share(overturned, upheld + overturned))
    mixed = settings.IMR_OUTCOME_MIXED_LABEL
    tables["letters"] = Table(
        "letters", "Final Determination Letters issued",
        "Letters mailed in the period (a corrected letter is not a new one), the items they decided and the case "
        "outcomes. Source: DWC, IMR Updates.",
        [Column("Figure"), Column("Count", "int")],
        [
            ["Letters issued", letters_total],
            *[[f"Letters issued, {label.lower()} review", letters.get((value, "", ""), 0)] for value, label in ReviewType.choices],
            ["Items decided", upheld + overturned],
            ["Items upheld", upheld],
            ["Items overturned", overturned],
            *[[f"Cases {label.lower()}", outcomes.get((label, "", ""), 0)] for label in (Outcome.UPHELD.label, Outcome.OVERTURNED.label, mixed)],
        ],
    )
    by_category: dict[tuple, int] = Counter()
    for (o, c, _), n in items.items():
        by_category[(o, c)] += n
    category_rows = sorted(_outcome_rows(by_category, lambda k: [TreatmentCategory(k[0]).label if k[0] in TreatmentCategory.values else k[0]]),
                           key=lambda r: (-r[1], r[0]))
    tables["by_category"] = Table(
        "by_category", "Upheld and overturned by treatment category",
        "Items decided in the letters of the period, by the request's DWC treatment category. Source: DIR annual IMR "
        "reports (overturn rates by category).",
        [Column("Treatment category"), *OUTCOME_COLUMNS],
        category_rows,
    )
    tables["by_subcategory"] = Table(
        "by_subcategory", "Upheld and overturned by treatment subcategory",
        "Items decided in the letters of the period, by category and subcategory. " + SUBCATEGORY_NOTE,
        [Column("Treatment category"), Column("Subcategory"), *OUTCOME_COLUMNS],
        sorted(_outcome_rows(items, lambda k: [k[0], k[1]]), key=lambda r: (r[0], -r[2], r[1])),
        note=SUBCATEGORY_NOTE,
    )
    specialty = {(o, s): n for (o, s, _), n in metric(Metric.ITEMS_SPECIALTY).items()}
    tables["by_specialty"] = Table(
        "by_specialty", "Upheld and overturned by reviewer specialty",
        "Items decided in the letters of the period, by the specialty the case was matched to at assignment (else "
        "the reviewer's first board certification); reviewers are never named. Source: DWC decision search "
        "(\"IMRO Specialty\").",
        [Column("Reviewer specialty"), *OUTCOME_COLUMNS],
        sorted(_outcome_rows(specialty, lambda k: [k[0]]), key=lambda r: (-r[1], r[0])),
    )
    review_type = {(o, t): n for (o, t, _), n in metric(Metric.ITEMS_TYPE).items()}
    tables["by_review_type"] = Table(
        "by_review_type", "Upheld and overturned by review type",
        "Items decided in the letters of the period, by review type (standard or expedited). Source: DWC, IMR Updates.",
        [Column("Review type"), *OUTCOME_COLUMNS],
        sorted(_outcome_rows(review_type, lambda k: [ReviewType(k[0]).label if k[0] in ReviewType.values else k[0]]),
               key=lambda r: r[0]),
    )

    # Ages.
    ages = {}
    for key, metric_name in (("assigned", Metric.AGE_ASSIGNED), ("records", Metric.AGE_RECORDS)):
        values = metric_totals(metric_name)
        measured = {k[0]: v for k, v in values.items() if k[0] != UNKNOWN}
        n = sum(v[0] for v in measured.values())
        total = sum(v[1] for v in measured.values())
        ages[key] = {
            "n": n, "average": _avg(total, n), "unknown": values.get((UNKNOWN, "", ""), (0, 0))[0],
            "buckets": [measured.get(label, (0, 0))[0] for label in AGE_BUCKET_LABELS],
        }
    figures.update(age_assigned=ages["assigned"]["average"], age_records=ages["records"]["average"])
    tables["ages"] = Table(
        "ages", "Average age of the letters",
        "Average Age from Assigned Date: calendar days from the mailing of the notice of assignment (NOARFI) to the "
        "mailing of the letter. Average Age from Complete Medical Records: calendar days from the day all records "
        "were received to the mailing of the letter. Source: DWC, IMR Updates.",
        [Column("Measure"), Column("Letters measured", "int"), Column("Average days", "days"), Column("Letters without the start date", "int")],
        [
            ["Average Age from Assigned Date", ages["assigned"]["n"], ages["assigned"]["average"], ages["assigned"]["unknown"]],
            ["Average Age from Complete Medical Records", ages["records"]["n"], ages["records"]["average"], ages["records"]["unknown"]],
        ],
    )
    tables["age_distribution"] = Table(
        "age_distribution", "Age distribution of the letters",
        "How many letters took how many calendar days, from the notice of assignment and from complete records to "
        "the letter.",
        [Column("Days"), Column("From assigned date", "int"), Column("From complete records", "int")],
        [[label, ages["assigned"]["buckets"][i], ages["records"]["buckets"][i]] for i, label in enumerate(AGE_BUCKET_LABELS)],
    )

    # Within the statutory time.
    timeliness = metric(Metric.TIMELINESS)
    time_rows = []
    within_all = late_all = unknown_all = 0
    for clock, label in CLOCKS:
        within, late_n, unknown = (timeliness.get((clock, s, ""), 0) for s in ("within", "late", UNKNOWN))
        within_all, late_all, unknown_all = within_all + within, late_all + late_n, unknown_all + unknown
        time_rows.append([label, within + late_n + unknown, within, late_n, unknown, _share(within, within + late_n)])
    time_rows.append(["All letters", within_all + late_all + unknown_all, within_all, late_all, unknown_all,
                      _share(within_all, within_all + late_all)])
    figures.update(within_share=_share(within_all, within_all + late_all), late=late_all)
    tables["timeliness"] = Table(
        "timeliness", "Decided within the statutory time",
        "Letters mailed on or before the decision due date the case's clock computed from its records: 30 days, 3 "
        "days expedited, 5 working days for a formulary dispute (LC 4610.6(d)). Unknown: no records-complete date, "
        "so no clock. The share is of the letters with a clock.",
        [Column("Statutory time"), Column("Letters", "int"), Column("Within time", "int"), Column("Late", "int"),
         Column("Unknown", "int"), Column("Share within time", "pct")],
        time_rows,
    )
    tables["late"] = Table(
        "late", "Letters issued late",
        f"Every letter of the period mailed after its due date, latest first (the page shows the first {LATE_LIMIT}; "
        "the CSV and XLSX exports hold them all).",
        [Column("Case"), Column("Review type"), Column("Statutory time"), Column("Records complete"), Column("Due"),
         Column("Letter"), Column("Days late", "int")],
        [_late_row(row) for row in late],
    )

    # Records.
    records: dict[tuple, Counter] = defaultdict(Counter)
    for (kind, ca_id, name), n in metric(Metric.RECORDS).items():
        records[(ca_id, name)][kind] += n
    record_rows = sorted(
        ([name, c["due"], c["late"], _share(c["late"], c["due"])] for (_, name), c in records.items()),
        key=lambda r: (-(r[3] or 0), -r[1], r[0]),
    )
    due_all, late_records = sum(r[1] for r in record_rows), sum(r[2] for r in record_rows)
    figures.update(records_late_share=_share(late_records, due_all))
    tables["records"] = Table(
        "records", "Late medical records by claims administrator",
        "Cases whose records were due in the period (15 days after a mailed notice of assignment, 12 if sent "
        "electronically, 24 hours expedited; 8 CCR 9792.10.5) and the share completed after the due date or still "
        "missing past it. Complete means every record received, the claims administrator's included.",
        [Column("Claims administrator"), Column("Records due", "int"), Column("Late", "int"), Column("Late-records rate", "pct")],
        record_rows + [["All claims administrators", due_all, late_records, _share(late_records, due_all)]],
    )

    # Pharmaceuticals and opioids.
    rx = sum(n for (o, c, _), n in items.items() if c == TreatmentCategory.PHARMACEUTICALS)
    opioids = sum(n for (o, c, s), n in items.items() if c == TreatmentCategory.PHARMACEUTICALS and s == classification.OPIOIDS)
    all_items = upheld + overturned
    figures.update(rx_share=_share(rx, all_items), opioid_share=_share(opioids, rx))
    tables["pharmacy"] = Table(
        "pharmacy", "Pharmaceutical and opioid requests",
        "Items decided in the letters of the period: the share that are pharmaceuticals, and of those the share that "
        "are opioids. Source: DIR annual IMR reports (e.g. 2024: pharmaceuticals 32.7%, opioids 23.9% of them).",
        [Column("Requests"), Column("Items", "int"), Column("Share", "pct")],
        [["All items decided", all_items, None], ["Pharmaceuticals", rx, _share(rx, all_items)],
         ["Opioids (share of pharmaceuticals)", opioids, _share(opioids, rx)]],
    )

    # Concentration among requesting providers.
    concentration = []
    for percent in (1, 10):
        k = max(1, math.ceil(len(providers) * percent / 100)) if providers else 0
        top = sum(providers[:k])
        concentration.append([f"Top {percent}% of requesting providers", k, top, _share(top, letters_total)])
        figures[f"top{percent}_share"] = _share(top, letters_total)
    tables["concentration"] = Table(
        "concentration", "Concentration of requests among requesting providers",
        "The letters of the period whose request came from the busiest requesting providers (ranked by their letters "
        "in the period; at least one provider). CWCI found the top 10% of providers behind about 75% of reviews (2015).",
        [Column("Providers"), Column("Providers", "int"), Column("Letters", "int"), Column("Share of letters", "pct")],
        [["All requesting providers", len(providers), letters_total, _share(letters_total, letters_total)], *concentration],
    )

    by_ca = {(o, name): n for (o, _, name), n in metric(Metric.ITEMS_CA).items()}
    tables["by_claims_administrator"] = Table(
        "by_claims_administrator", "Overturn rate by claims administrator",
        "Items decided in the letters of the period, by the case's claims administrator.",
        [Column("Claims administrator"), *OUTCOME_COLUMNS],
        sorted(_outcome_rows(by_ca, lambda k: [k[0]]), key=lambda r: (-(r[4] or 0), -r[1], r[0])),
    )

    # The trend over months.
    months = trend_period.months
    series = {m: Counter() for m in months}
    for month, name, k1, k2, n in trend_rows:
        if name == Metric.APPLICATIONS and k1 == "gross":
            series[month]["applications"] += n
        elif name == Metric.LETTERS:
            series[month]["letters"] += n
        elif name == Metric.TIMELINESS and k2 in ("within", "late"):
            series[month][k2] += n
    trend = {
        "months": months,
        "applications": [series[m]["applications"] for m in months],
        "letters": [series[m]["letters"] for m in months],
        "within": [series[m]["within"] for m in months],
        "clocked": [series[m]["within"] + series[m]["late"] for m in months],
        "within_share": [_share(series[m]["within"], series[m]["within"] + series[m]["late"]) for m in months],
    }
    tables["trend"] = Table(
        "trend", "Applications and letters by month",
        "Applications received and letters issued each month (the months of the period, or the 12 months ending "
        "with a single month). Source: DWC, IMR Updates.",
        [Column("Month"), Column("Applications", "int"), Column("Letters", "int")],
        [[f"{m:%b %Y}", trend["applications"][i], trend["letters"][i]] for i, m in enumerate(months)],
    )
    tables["within_by_month"] = Table(
        "within_by_month", "Within the statutory time by month",
        "Letters with a clock each month, those mailed on or before their due date, and the share (LC 4610.6(d)).",
        [Column("Month"), Column("Letters with a clock", "int"), Column("Within time", "int"), Column("Share within time", "pct")],
        [[f"{m:%b %Y}", trend["clocked"][i], trend["within"][i], trend["within_share"][i]] for i, m in enumerate(months)],
    )
    return Report(
        period=period, state=state, figures=figures, tables=tables, trend=trend,
        mailing_note=MAILING_NOTES[MAILING_DATES],
        late_shown=len(late), late_total=late_all,
    )


def _late_row(row: LateDecision) -> list:
    clocks = dict(CLOCKS)
    return [
        row.case_number, ReviewType(row.review_type).label if row.review_type in ReviewType.values else row.review_type,
        clocks.get(row.clock, row.clock), row.records_complete_on, row.due_on, row.letter_on, row.days_late,
    ]


def late_decisions(period: Period) -> list[list]:
    """Every late letter of the period (the exports list them all)."""
    rows = LateDecision.objects.filter(month__gte=period.first, month__lte=period.last).order_by("-days_late", "case_number")
    return [_late_row(row) for row in rows.iterator(chunk_size=2000)]
