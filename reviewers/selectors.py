"""Reads about reviewers: the eligibility and conflict-of-interest rules.

`reviewer_check` is the one place those rules live. The assignment service,
the intake page's suggestions, `import_cases` and admin all call it. A
reviewer who declined a case for a conflict of interest is conflicted for
that case from then on, whoever asks.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db.models import Count, Q, Subquery
from django.utils import timezone

from cases.models import Case, Party

from .models import PROFESSION_WORDS, Affiliation, Assignment, License, Reviewer, Specialty, SpecialtyFit


@dataclass(frozen=True)
class Finding:
    code: str
    message: str


@dataclass(frozen=True)
class CategoryMatch:
    """The reviewer's best credential for one treatment category of the case."""

    category: str
    specialty: Specialty
    rank: int  # 1: the specialty that usually treats the category
    by_license: bool = False  # a non-physician's licensed discipline, not a board certification


@dataclass(frozen=True)
class CaseParty:
    role: str  # as the conflict message names it: "employer", "manufacturer of <item>"
    party: Party


@dataclass
class ReviewerCheck:
    reviewer: Reviewer
    problems: list[Finding] = field(default_factory=list)  # qualification / availability
    conflicts: list[Finding] = field(default_factory=list)  # conflict of interest
    notes: list[str] = field(default_factory=list)  # worth a look, but not blocking
    matches: list[CategoryMatch] = field(default_factory=list)
    matched_specialty: Specialty | None = None
    fit_score: int = 0  # sum of the best rank per category: lower is a better fit
    open_cases: int = 0
    # Earlier answers on this case that do not exclude (a decline for another
    # reason, an offer intake withdrew): shown to intake beside the name.
    history: list[Finding] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.problems and not self.conflicts

    @property
    def reasons(self) -> list[str]:
        return [f.message for f in self.problems + self.conflicts]

    @property
    def load(self) -> float:
        """Share of the reviewer's capacity in use: lower is more available."""
        capacity = self.reviewer.capacity
        return self.open_cases / capacity if capacity else float("inf")

    @property
    def rank_key(self) -> tuple:
        """Eligible first, then those who have not declined this case (or been
        withdrawn from it): never the pre-selected first; then best fit to all
        disputed items, then most available."""
        return (not self.eligible, bool(self.history), self.fit_score, self.load, self.open_cases, str(self.reviewer))

    @property
    def score_details(self) -> str:
        """Why the reviewer ranks where it does, in words (the case page's details line):
        "Fit 3 = 2 (Pharmaceuticals: Physical Medicine & Rehabilitation) + 1 (Physical
        Medicine: Physical Medicine & Rehabilitation). 4 of 25 open cases (16%)."."""
        terms = [
            f"{m.rank} ({m.category}: {m.specialty}{', licensed discipline' if m.by_license else ''})" for m in self.matches
        ]
        parts = []
        if len(terms) > 1:
            parts.append(f"Fit {self.fit_score} = " + " + ".join(terms) + ".")
        elif terms:
            parts.append(f"Fit {terms[0]}.")
        capacity = self.reviewer.capacity
        parts.append(f"{self.open_cases} of {capacity} open cases" + (f" ({self.load:.0%})." if capacity else "."))
        return " ".join(parts)


class Fits(dict):
    """category → {specialty id: rank}, with the specialties themselves in `specialties`."""

    def __init__(self):
        super().__init__()
        self.specialties: dict[int, Specialty] = {}


def reviewers_with_credentials():
    """Reviewers with everything `reviewer_check` reads, in a fixed number of queries."""
    return (
        Reviewer.objects.select_related("user")
        .prefetch_related("certifications__specialty", "licenses", "affiliations")
        .annotate(open_cases=Count("assignments", filter=Q(assignments__status__in=Assignment.OPEN_STATUSES), distinct=True))
    )


def specialty_fits(categories) -> Fits:
    """The matching rules (requirement 21) for these categories, in one query."""
    fits = Fits()
    for fit in SpecialtyFit.objects.filter(category__in=set(categories)).select_related("specialty"):
        fits.setdefault(fit.category, {})[fit.specialty_id] = fit.rank
        fits.specialties[fit.specialty_id] = fit.specialty
    return fits


# The case's own parties, by Case field, as conflict messages name them.
PARTY_ROLES = (
    ("employee", "employee"),
    ("employer", "employer"),
    ("claims_administrator", "claims administrator"),
    ("medical_provider_network", "medical provider network"),
    ("requesting_provider", "requesting provider"),
    ("medical_group", "requesting provider's medical group or IPA"),
    ("treating_facility", "treating facility"),
)


def case_parties(case: Case, items=None) -> list[CaseParty]:
    """Every party a reviewer must have no tie with (LC 139.5; domain.md §3.3):
    the employee, the employer, the claims administrator and its MPN, the
    requesting physician and their medical group or IPA, the facility where
    the treatment would be given, and the manufacturer of each disputed drug
    or device. Parties already loaded on the case are used as they are; the
    rest come in one query. Unsaved parties have no row to compare with."""
    if items is None:
        items = list(case.items.all()) if case.pk else []
    wanted: list[tuple[str, int]] = []
    loaded: dict[int, Party] = {}
    for name, role in PARTY_ROLES:
        party_id = getattr(case, f"{name}_id")
        if party_id is None:
            continue
        wanted.append((role, party_id))
        if Case._meta.get_field(name).is_cached(case):
            loaded[party_id] = getattr(case, name)
    for item in items:
        if item.manufacturer_id:
            wanted.append((f"manufacturer of {item.description}", item.manufacturer_id))
            if type(item)._meta.get_field("manufacturer").is_cached(item):
                loaded[item.manufacturer_id] = item.manufacturer
    missing = {party_id for _, party_id in wanted} - set(loaded)
    if missing:
        loaded.update(Party.objects.in_bulk(missing))
    return [CaseParty(role, loaded[party_id]) for role, party_id in wanted if party_id in loaded]


def _conflicts(reviewer: Reviewer, parties: list[CaseParty], result: "ReviewerCheck") -> None:
    """Affiliations against the case's parties, row against row.

    An affiliation not linked to a party row (a name only, as typed or
    imported) falls back to its normalized name; `reviewers.services` links
    such names to their party row where one party bears the name.
    """
    by_id: dict[int, list[CaseParty]] = {}
    by_name: dict[str, list[CaseParty]] = {}
    for cp in parties:
        by_id.setdefault(cp.party.pk, []).append(cp)
        if cp.party.normalized_name:
            by_name.setdefault(cp.party.normalized_name, []).append(cp)
    for affiliation in reviewer.affiliations.all():
        if affiliation.party_id is not None:
            hits, by = by_id.get(affiliation.party_id, []), ""
            if not hits and affiliation.normalized_name in by_name:
                roles = ", ".join(cp.role for cp in by_name[affiliation.normalized_name])
                result.notes.append(
                    f"affiliation “{affiliation.name}” is with another party of the same name as the {roles}"
                )
        else:
            hits, by = by_name.get(affiliation.normalized_name, []) if affiliation.normalized_name else [], "; matched by name"
        for cp in hits:
            if affiliation.kind == Affiliation.Kind.TREATED and cp.role == "employee":
                message = f"previously treated or examined the employee ({cp.party.name}{by})"
            else:
                message = f"affiliated with the {cp.role} ({cp.party.name}: {affiliation.get_kind_display().lower()}{by})"
            result.conflicts.append(Finding("conflict", message))




def qualifying_credentials(reviewer: Reviewer, fits: Fits, on: date) -> list[tuple[Specialty, bool]]:
    """The specialties the reviewer may review under on `on`, each with
    whether it is by license (True) or by board certification (False).

    Physicians (and every degree but the licensed disciplines) need a current
    board certification; a chiropractor, acupuncturist or psychologist needs
    a current, unrestricted license in a discipline (a specialty with
    `license_profession`) among `fits`' specialties.
    """
    if reviewer.qualifies_by_license:
        professions = {lic.profession for lic in reviewer.licenses.all() if lic.is_good_standing(on)}
        return [(specialty, True) for specialty in fits.specialties.values() if specialty.license_profession in professions]
    return [(c.specialty, False) for c in reviewer.certifications.all() if c.is_current(on)]


def reviewable_categories(reviewer: Reviewer, fits: Fits, on: date) -> set[str]:
    """The treatment categories among `fits` the reviewer's credentials fit."""
    ids = {specialty.pk for specialty, _ in qualifying_credentials(reviewer, fits, on)}
    return {category for category, ranks in fits.items() if ids & set(ranks)}


def _qualifications(reviewer: Reviewer, categories: list[str], fits: Fits, on: date, result: "ReviewerCheck") -> None:
    """Per category, the reviewer's best credential that fits it."""
    credentials = qualifying_credentials(reviewer, fits, on)
    coverage: dict[int, dict[str, int]] = {}
    for category in dict.fromkeys(categories):  # each category once, in item order
        ranks = fits.get(category, {})
        fitting = [(ranks[s.pk], s, licensed) for s, licensed in credentials if s.pk in ranks]
        if not fitting:
            if reviewer.qualifies_by_license:
                message = f"no current, unrestricted license in a discipline that fits {category}"
            else:
                message = f"no current board certification that fits {category}"
            result.problems.append(Finding("specialty", message))
            continue
        for rank, specialty, _ in fitting:
            coverage.setdefault(specialty.pk, {})[category] = rank
        rank, specialty, licensed = min(fitting, key=lambda f: f[0])
        result.matches.append(CategoryMatch(category, specialty, rank, licensed))
        result.fit_score += rank
    if coverage:
        # The one specialty recorded on the assignment (requirement 21): the
        # one that fits the most disputed items, then the best ranked there.
        order = {s.pk: i for i, (s, _) in enumerate(credentials)}
        best = max(coverage, key=lambda pk: (len(coverage[pk]), -sum(coverage[pk].values()), -order[pk]))
        result.matched_specialty = next(s for s, _ in credentials if s.pk == best)


def earlier_answers(case: Case) -> dict[int, list[Assignment]]:
    """reviewer id → this case's declined or withdrawn assignments, oldest first,
    and, when the case is a remand (appeals.Remand), the completed assignments
    of the review the WCAB reversed (one query)."""
    answers: dict[int, list[Assignment]] = defaultdict(list)
    if case.pk is None:
        return answers
    from appeals.models import Remand  # appeals reads cases and reviewers; imported here, not at load

    # The reversed case's id as a scalar subquery (an InitPlan): both arms stay index scans on case_id.
    reversed_case = Subquery(Remand.objects.filter(new_case_id=case.pk).values("original_case_id")[:1])
    for a in Assignment.objects.filter(
        Q(case=case, status__in=[Assignment.Status.DECLINED, Assignment.Status.WITHDRAWN])
        | Q(case_id=reversed_case, status=Assignment.Status.COMPLETED)
    ).select_related("case").order_by("assigned_at", "id"):
        answers[a.reviewer_id].append(a)
    return answers


def _answer_findings(result: "ReviewerCheck", answers: list[Assignment], case_id: int | None = None) -> None:
    """A decline for a conflict of interest excludes the reviewer from the case
    for every caller (issue 19 item 2); other declines and withdrawals are notes."""
    for a in answers:
        if case_id is not None and a.case_id != case_id:
            # LC 4610.6(i): the WCAB reversed this reviewer's determination; the remand goes to another.
            result.conflicts.append(Finding(
                "remand_original_reviewer",
                f"decided {a.case.number}, which the WCAB reversed: its remand goes to a different reviewer (LC 4610.6(i))",
            ))
            continue
        when = a.responded_at or a.withdrawn_at or a.assigned_at
        when_text = f"{timezone.localtime(when):%b %-d, %Y}" if when else "earlier"
        if a.status == Assignment.Status.DECLINED and a.decline_kind == Assignment.DeclineKind.CONFLICT:
            result.conflicts.append(
                Finding("declined_conflict", f"declined this case for a conflict of interest ({when_text}): {a.decline_reason}")
            )
        elif a.status == Assignment.Status.DECLINED:
            result.history.append(Finding("declined", f"declined this case {when_text}: {a.decline_reason}"))
        else:
            result.history.append(Finding("withdrawn", f"offer withdrawn by intake {when_text}: {a.withdrawal_reason}"))


def reviewer_check(
    *,
    reviewer: Reviewer,
    case: Case,
    on: date | None = None,
    fits: Fits | None = None,
    categories: list[str] | None = None,
    parties: list[CaseParty] | None = None,
    check_capacity: bool = True,
    answers: dict[int, list[Assignment]] | None = None,
) -> ReviewerCheck:
    """Is this reviewer qualified and free of conflicts for this case?

    `on` is the date the rules are judged at (today for a new assignment, the
    historical assignment date for an import). Pass `fits`, `categories` and
    `parties` and `answers` (`earlier_answers`) when checking many reviewers
    for one case, to read them once.
    """
    on = on or timezone.localdate()
    items = None
    if categories is None or parties is None:
        items = list(case.items.all()) if case.pk else []
    if categories is None:
        categories = [item.category for item in items]
    if fits is None:
        fits = specialty_fits(categories)
    if parties is None:
        parties = case_parties(case, items)
    result = ReviewerCheck(reviewer=reviewer)
    problems = result.problems

    if not reviewer.is_active or not reviewer.user.is_active:
        problems.append(Finding("inactive", "not active"))

    licenses = list(reviewer.licenses.all())
    own = reviewer.profession
    if not any(lic.is_good_standing(on) and lic.profession == own for lic in licenses):
        problems.append(
            Finding("license", f"no active, unrestricted, unexpired license to practice {PROFESSION_WORDS.get(own, own)}")
        )
    for lic in licenses:
        if lic.status in (License.Status.SUSPENDED, License.Status.REVOKED):
            problems.append(Finding("license_discipline", f"license {lic.state} {lic.number} is {lic.get_status_display().lower()}"))
    if reviewer.has_disciplinary_history:
        problems.append(Finding("discipline", "has a disciplinary history"))

    since = reviewer.active_practice_since
    years = on.year - since
    if since > on.year:
        # Never "-9 years": the start is after the date the rules are judged at.
        problems.append(Finding("practice_years", f"active practice began in {since}, after {on:%b} {on.day}, {on.year}"))
    elif years <= settings.IMR_REVIEWER_MIN_PRACTICE_YEARS:
        problems.append(
            Finding("practice_years", f"{years} years of active practice (more than {settings.IMR_REVIEWER_MIN_PRACTICE_YEARS} required)")
        )
    if reviewer.weekly_practice_hours < settings.IMR_REVIEWER_MIN_WEEKLY_HOURS:
        problems.append(
            Finding(
                "weekly_hours",
                f"{reviewer.weekly_practice_hours} hours a week of current practice (at least {settings.IMR_REVIEWER_MIN_WEEKLY_HOURS} required)",
            )
        )

    _qualifications(reviewer, categories, fits, on, result)

    result.open_cases = getattr(reviewer, "open_cases", None)
    if result.open_cases is None:
        result.open_cases = reviewer.assignments.filter(status__in=Assignment.OPEN_STATUSES).count()
    if check_capacity and result.open_cases >= reviewer.capacity:
        problems.append(Finding("capacity", f"at capacity ({result.open_cases} open cases)"))

    _conflicts(reviewer, parties, result)
    if answers is None:
        answers = earlier_answers(case)
    _answer_findings(result, answers.get(reviewer.pk, []), case.pk)
    return result


def eligible_reviewers_for(*, case: Case, on: date | None = None, include_ineligible: bool = True) -> list[ReviewerCheck]:
    """Every reviewer judged for the case: eligible ones first, ranked by
    specialty fit to all disputed items, then by the share of their capacity
    in use; ineligible ones after, each with its reasons. A constant number
    of queries whatever the number of reviewers."""
    items = list(case.items.all())
    categories = [item.category for item in items]
    fits = specialty_fits(categories)
    parties = case_parties(case, items)
    answers = earlier_answers(case)
    checks = [
        reviewer_check(reviewer=r, case=case, on=on, fits=fits, categories=categories, parties=parties, answers=answers)
        for r in reviewers_with_credentials()
    ]
    checks.sort(key=lambda c: c.rank_key)
    return checks if include_ineligible else [c for c in checks if c.eligible]
