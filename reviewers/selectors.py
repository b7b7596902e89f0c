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
from django.db.models import Count, Q
from django.utils import timezone

from cases.models import Case

from .models import Assignment, License, Reviewer, Specialty, SpecialtyFit


@dataclass(frozen=True)
class Finding:
    code: str
    message: str


@dataclass
class ReviewerCheck:
    reviewer: Reviewer
    problems: list[Finding] = field(default_factory=list)  # qualification / availability
    conflicts: list[Finding] = field(default_factory=list)  # conflict of interest
    matched_specialty: Specialty | None = None
    fit_score: int = 0  # lower is a better fit
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


def reviewers_with_credentials():
    """Reviewers with everything `reviewer_check` reads, in a fixed number of queries."""
    return (
        Reviewer.objects.select_related("user")
        .prefetch_related("certifications__specialty", "licenses", "affiliations")
        .annotate(open_cases=Count("assignments", filter=Q(assignments__status__in=Assignment.OPEN_STATUSES), distinct=True))
    )


def specialty_fits(categories) -> dict[str, dict[int, int]]:
    """category → {specialty id: rank}."""
    fits: dict[str, dict[int, int]] = defaultdict(dict)
    for fit in SpecialtyFit.objects.filter(category__in=set(categories)):
        fits[fit.category][fit.specialty_id] = fit.rank
    return fits


def case_parties(case: Case) -> list[tuple[str, object]]:
    """The parties a reviewer must have no tie with (LC 139.5; domain.md §3.3)."""
    parties = [
        ("employee", case.employee),
        ("employer", case.employer),
        ("claims administrator", case.claims_administrator),
        ("requesting provider", case.requesting_provider),
    ]
    return [(role, party) for role, party in parties if party is not None]


def earlier_answers(case: Case) -> dict[int, list[Assignment]]:
    """reviewer id → this case's declined or withdrawn assignments, oldest first (one query)."""
    answers: dict[int, list[Assignment]] = defaultdict(list)
    if case.pk is None:
        return answers
    for a in Assignment.objects.filter(
        case=case, status__in=[Assignment.Status.DECLINED, Assignment.Status.WITHDRAWN]
    ).order_by("assigned_at", "id"):
        answers[a.reviewer_id].append(a)
    return answers


def _answer_findings(result: "ReviewerCheck", answers: list[Assignment]) -> None:
    """A decline for a conflict of interest excludes the reviewer from the case
    for every caller (issue 19 item 2); other declines and withdrawals are notes."""
    for a in answers:
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
    fits: dict[str, dict[int, int]] | None = None,
    categories: list[str] | None = None,
    check_capacity: bool = True,
    answers: dict[int, list[Assignment]] | None = None,
) -> ReviewerCheck:
    """Is this reviewer qualified and free of conflicts for this case?

    `on` is the date the rules are judged at (today for a new assignment, the
    historical assignment date for an import). Pass `fits`, `categories` and
    `answers` (`earlier_answers`) when checking many reviewers for one case,
    to read them once.
    """
    on = on or timezone.localdate()
    if categories is None:
        categories = [item.category for item in case.items.all()]
    if fits is None:
        fits = specialty_fits(categories)
    result = ReviewerCheck(reviewer=reviewer)
    problems = result.problems

    if not reviewer.is_active or not reviewer.user.is_active:
        problems.append(Finding("inactive", "not active"))

    licenses = list(reviewer.licenses.all())
    if not any(lic.is_good_standing(on) for lic in licenses):
        problems.append(Finding("license", "no active, unrestricted, unexpired license"))
    for lic in licenses:
        if lic.status in (License.Status.SUSPENDED, License.Status.REVOKED):
            problems.append(Finding("license_discipline", f"license {lic.state} {lic.number} is {lic.get_status_display().lower()}"))
    if reviewer.has_disciplinary_history:
        problems.append(Finding("discipline", "has a disciplinary history"))

    years = on.year - reviewer.active_practice_since
    if years <= settings.IMR_REVIEWER_MIN_PRACTICE_YEARS:
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

    current = [c for c in reviewer.certifications.all() if c.is_current(on)]
    score = 0
    for category in dict.fromkeys(categories):  # each category once, in item order
        ranks = [(fits.get(category, {})[c.specialty_id], c) for c in current if c.specialty_id in fits.get(category, {})]
        if not ranks:
            problems.append(Finding("specialty", f"no current board certification that fits {category}"))
            continue
        rank, cert = min(ranks, key=lambda pair: pair[0])
        score += rank
        if result.matched_specialty is None:
            result.matched_specialty = cert.specialty
    result.fit_score = score

    result.open_cases = getattr(reviewer, "open_cases", None)
    if result.open_cases is None:
        result.open_cases = reviewer.assignments.filter(status__in=Assignment.OPEN_STATUSES).count()
    if check_capacity and result.open_cases >= reviewer.capacity:
        problems.append(Finding("capacity", f"at capacity ({result.open_cases} open cases)"))

    for role, party in case_parties(case):
        for affiliation in reviewer.affiliations.all():
            if (party.pk is not None and affiliation.party_id == party.pk) or (
                affiliation.normalized_name and affiliation.normalized_name == party.normalized_name
            ):
                result.conflicts.append(
                    Finding("conflict", f"affiliated with the {role} ({party.name}: {affiliation.get_kind_display().lower()})")
                )
    if answers is None:
        answers = earlier_answers(case)
    _answer_findings(result, answers.get(reviewer.pk, []))
    return result


def eligible_reviewers_for(*, case: Case, on: date | None = None, include_ineligible: bool = True) -> list[ReviewerCheck]:
    """Every reviewer judged for the case: eligible ones first, ranked by
    specialty fit, then by current workload; ineligible ones after, each with
    its reasons. A constant number of queries whatever the number of reviewers."""
    categories = [item.category for item in case.items.all()]
    fits = specialty_fits(categories)
    answers = earlier_answers(case)
    checks = [
        reviewer_check(reviewer=r, case=case, on=on, fits=fits, categories=categories, answers=answers)
        for r in reviewers_with_credentials()
    ]
    # Someone who already declined (or was withdrawn) comes after those who have not: never the pre-selected first.
    checks.sort(key=lambda c: (not c.eligible, bool(c.history), c.fit_score, c.open_cases, str(c.reviewer)))
    return checks if include_ineligible else [c for c in checks if c.eligible]

