"""The benchmark steps that run inside Django, one subprocess each.

`python -m bench.django_side STEP --out FILE.json [options]`, with
DATABASE_URL (and REDIS_URL for the worker steps) pointing at a benchmark
database. bench/run.py starts these; each writes its figures as JSON.
Writes go through the same services the product uses.
"""

import argparse
import gc
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

T_START = time.perf_counter()

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imrsite.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from bench.stats import loadavg  # noqa: E402

from bench.pages import (  # noqa: E402
    api_token,
    bench_manager,
    bench_users,
    page_urls,
    statistics_urls,
    verified_session_cookie,
)


def step_pages(args):
    """Query count of each page (in-process) and a signed-in session cookie per role for the load tool."""
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    intake, admin, reviewer = bench_users()
    users = {"intake": intake, "admin": admin, "reviewer": reviewer.user, "manager": bench_manager()}
    clients, headers = {"anonymous": Client(REMOTE_ADDR="127.0.0.1")}, {"anonymous": {}}
    for role, user in users.items():
        cookie = verified_session_cookie(user)
        clients[role] = Client(REMOTE_ADDR="127.0.0.1")
        clients[role].cookies.load(cookie)
        headers[role] = {"Cookie": cookie}
    urls = page_urls(reviewer)
    if args.pages == "all-but-statistics":
        urls = {name: page for name, page in urls.items() if name not in statistics_urls()}
    elif args.pages:
        urls = {name: page for name, page in urls.items() if name in args.pages.split(";")}
    if any(page[0] == "api" for page in urls.values()):
        headers["api"] = {"Authorization": f"Bearer {api_token()}"}
        clients["api"] = Client(REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION=headers["api"]["Authorization"])
    pages = {}
    for name, (role, url, *body) in urls.items():
        client = clients[role]

        def fetch():
            return client.post(url, body[0], content_type="application/json") if body else client.get(url)

        fetch()  # warm: first-request caches (content types, templates) are not the page's cost
        with CaptureQueriesContext(connection) as ctx:
            response = fetch()
        if response.status_code != 200:
            raise SystemExit(f"{name}: {url} answered {response.status_code}")
        pages[name] = {
            "role": role,
            "url": url,
            **({"body": body[0]} if body else {}),
            "queries": len(ctx.captured_queries),
            "sql": [q["sql"] for q in ctx.captured_queries],
            "bytes": len(response.content),
        }
    _write(args.out, {"pages": pages, "headers": headers, "reviewer": reviewer.user.username})


def step_explain(args):
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT the pages run; the slowest per page."""
    data = json.loads(Path(args.pages_json).read_text())
    result = {}
    with connection.cursor() as cursor:
        for name, page in data["pages"].items():
            plans = []
            for sql in page["sql"]:
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                lines = [row[0] for row in cursor.fetchall()]
                total = next((float(line.split(":")[1].split()[0]) for line in lines if line.startswith("Execution Time")), 0.0)
                plans.append({"ms": total, "sql": sql[:600], "plan": lines})
            plans.sort(key=lambda p: -p["ms"])
            result[name] = {"total_ms": round(sum(p["ms"] for p in plans), 2), "slowest": plans[:2]}
    _write(args.out, result)


# --- letters ---------------------------------------------------------------------

def _determinations(n: int, *, seed: int = 7):
    from determinations.models import Determination

    ids = list(Determination.objects.filter(status=Determination.Status.FINAL).order_by("pk").values_list("pk", flat=True))
    random.Random(seed).shuffle(ids)
    return ids[:n]


def _bare():
    """Plain WeasyPrint on the letter's HTML: `HTML(string=...).write_pdf(...)` with the same
    stylesheet object, font configuration and PDF/A variant as the project path, reused.

    Sharing the project's stylesheet and font configuration (rather than a
    second pair) keeps one set of registered fonts in the process, so the two
    paths differ only by what the project adds around WeasyPrint.
    """
    from weasyprint import HTML

    from determinations import rendering

    font_config, css = rendering._style()
    base_url = rendering.ASSETS_DIR.resolve().as_uri() + "/"

    def render(html: str) -> bytes:
        return HTML(string=html, base_url=base_url).write_pdf(
            stylesheets=[css], font_config=font_config, pdf_variant=rendering.PDF_VARIANT
        )

    return render


def _project_render(pk: int, variant: str) -> bytes:
    """The project's path from the database to PDF bytes (what letters.letter_render calls)."""
    from determinations import rendering

    determination = rendering.load_determination(pk)
    return rendering.letter_pdf(determination=determination, variant=variant).data


def _html(pk: int, variant: str) -> str:
    from determinations import rendering

    return rendering.letter_html(determination=rendering.load_determination(pk), variant=variant)


def step_letters(args):
    """Project path vs bare WeasyPrint on the same HTML, interleaved in one warm process."""
    from determinations.models import Letter

    bare = _bare()
    ids = _determinations(args.letters)
    variant = Letter.Variant.PARTIES
    htmls = {pk: _html(pk, variant) for pk in ids}
    for pk in ids[:2]:  # warm both paths (font configuration, caches, first-query costs)
        _project_render(pk, variant)
        bare(htmls[pk])
    runs = []
    for _ in range(args.runs):
        project, bare_times = [], []
        for pk in ids:
            # Each letter rendered both ways back to back, in random order, with the
            # garbage collector run beforehand so a collection lands in neither.
            order = ["project", "bare"]
            random.shuffle(order)
            for kind in order:
                gc.collect()
                t = time.perf_counter()
                if kind == "project":
                    _project_render(pk, variant)
                    project.append(time.perf_counter() - t)
                else:
                    bare(htmls[pk])
                    bare_times.append(time.perf_counter() - t)
        pairs = [p / b for p, b in zip(project, bare_times)]
        runs.append({
            "project_ms": 1000 * statistics.median(project),
            "bare_ms": 1000 * statistics.median(bare_times),
            "ratio": statistics.median(pairs),  # of the per-letter ratios: one slow outlier does not decide it
        })
    _write(args.out, {"letters": len(ids), "runs": runs, "loadavg": loadavg()})


def step_first_render(args):
    """A fresh process: time from interpreter start to the first PDF, and the first vs second render."""
    from determinations.models import Letter

    pk = _determinations(1)[0]
    t = time.perf_counter()
    _project_render(pk, Letter.Variant.PARTIES)
    first = time.perf_counter() - t
    t = time.perf_counter()
    _project_render(pk, Letter.Variant.PARTIES)
    second = time.perf_counter() - t
    _write(args.out, {
        "django_setup_s": SETUP_S,
        "first_render_s": first,
        "second_render_s": second,
        "process_to_pdf_s": time.time() - args.started_at,
    })


# --- the worker ------------------------------------------------------------------------

def _wait_ready(letter_ids, *, timeout: float, poll: float = 0.01):
    from determinations.models import Letter

    deadline = time.perf_counter() + timeout
    ready_at = {}
    while time.perf_counter() < deadline:
        rows = Letter.objects.filter(pk__in=letter_ids).exclude(pk__in=list(ready_at)).values_list("pk", "status", "error")
        now = time.perf_counter()
        for pk, status, error in rows:
            if status == Letter.Status.READY:
                ready_at[pk] = now
            elif status == Letter.Status.FAILED:
                raise SystemExit(f"letter {pk} failed: {error}")
        if len(ready_at) == len(letter_ids):
            return ready_at
        time.sleep(poll)
    raise SystemExit(f"letters not ready within {timeout:.0f}s: {set(letter_ids) - set(ready_at)}")


def _draft_ready_to_finalize():
    """An accepted case's determination, drafted and complete, through the review services."""
    from cases.models import Case
    from determinations import services
    from determinations.models import Guideline
    from reviewers.models import Assignment

    assignment = (
        # Records complete: the only cases a determination may be finalized on before their records are due.
        Assignment.objects.filter(status=Assignment.Status.ACCEPTED, case__status=Case.Status.IN_REVIEW,
                                  case__determinations__isnull=True, case__records_complete_on__isnull=False)
        .select_related("case", "reviewer")
        .order_by("pk")
        .first()
    )
    if assignment is None:
        raise SystemExit("no accepted case left to finalize: recreate the scratch database")
    determination = services.determination_start(case=assignment.case, reviewer=assignment.reviewer)
    guideline = Guideline.objects.filter(is_active=True).order_by("evidence_level", "pk").first()
    decisions = [
        services.DecisionData(
            item_id=d.item_id, decision="upheld", guideline=guideline, section="Physical Medicine", pages="98-99",
            evidence_level=guideline.evidence_level, lower_level_reason="The higher levels do not address this request.",
            rationale="The records do not document functional improvement from prior treatment; the request exceeds "
            "the guideline's recommended number of visits. " * 3,
        )
        for d in determination.decisions.all()
    ]
    summary = "This is a 47 year old worker who reported a work related injury. " * 12
    return services.determination_save_draft(determination=determination, clinical_case_summary=summary, decisions=decisions)


def step_e2e(args):
    """Finalize → letters ready, with the real worker; bare render of the same letter beside it."""
    from determinations import services
    from determinations.models import Letter

    bare = _bare()
    trials = []
    for _ in range(args.runs):
        determination = _draft_ready_to_finalize()
        user = determination.reviewer.user
        t0 = time.perf_counter()
        services.determination_finalize(determination=determination, user=user)
        committed = time.perf_counter()
        letters = dict(Letter.objects.filter(determination=determination).values_list("pk", "variant"))
        ready = _wait_ready(list(letters), timeout=120)
        parties = next(pk for pk, v in letters.items() if v == Letter.Variant.PARTIES)
        html = _html(determination.pk, Letter.Variant.PARTIES)
        bare(html)  # warm
        t = time.perf_counter()
        bare(html)
        bare_s = time.perf_counter() - t
        trials.append({
            "finalize_s": committed - t0,
            "parties_ready_s": ready[parties] - t0,
            "all_ready_s": max(ready.values()) - t0,
            "bare_s": bare_s,
        })
    _write(args.out, {"trials": trials, "loadavg": loadavg()})


def _bare_pool_rate(htmls: list[str], processes: int) -> float:
    """Letters per second of bare WeasyPrint in `processes` forked processes (the same letters)."""
    import multiprocessing

    connection.close()  # never share a database socket with the children
    with multiprocessing.get_context("fork").Pool(processes, initializer=_pool_init) as pool:
        pool.map(_pool_render, htmls[:processes])  # warm each child
        t = time.perf_counter()
        pool.map(_pool_render, htmls, chunksize=1)
        return len(htmls) / (time.perf_counter() - t)


_POOL_RENDER = None


def _pool_init():
    global _POOL_RENDER
    _POOL_RENDER = _bare()


def _pool_render(html: str) -> int:
    return len(_POOL_RENDER(html))


def step_throughput(args):
    """Letters per second of one worker host, and of bare WeasyPrint on the same letters."""
    from django.db.models import Max
    from django.utils import timezone

    from determinations import letters
    from determinations.models import Determination, Letter

    ids = _determinations(args.letters, seed=args.seed)
    letter_ids = []
    # All requested in one transaction, published when it commits: the bench's own work of requesting
    # them (tens of ms a determination) is then not done on the worker's cores while it renders, as
    # nothing else runs beside the bare pool it is compared with. The clock starts before the commit.
    with transaction.atomic():
        for pk in ids:
            letter_ids += [letter.pk for letter in letters.letters_request(determination=Determination.objects.get(pk=pk))]
        t0 = timezone.now()
    # The poller shares the two cores with the worker, so it looks rarely; the
    # end is the last letter's own rendered_at (same clock), not when it was seen.
    _wait_ready(letter_ids, timeout=600, poll=0.25)
    last = Letter.objects.filter(pk__in=letter_ids).aggregate(last=Max("rendered_at"))["last"]
    wall = (last - t0).total_seconds()
    worker_rate = len(letter_ids) / wall
    # How long each render took inside the worker (claim to ready), to tell
    # slower renders (CPU contention) from idle time between tasks.
    spans = [
        (rendered - started).total_seconds()
        for started, rendered in Letter.objects.filter(pk__in=letter_ids).values_list("started_at", "rendered_at")
    ]
    if args.no_bare:  # the memory step: only the worker's renders matter
        _write(args.out, {"letters": len(letter_ids), "worker_rate": worker_rate, "loadavg": loadavg()})
        return
    variants = dict(Letter.objects.filter(pk__in=letter_ids).values_list("pk", "variant"))
    determination_of = dict(Letter.objects.filter(pk__in=letter_ids).values_list("pk", "determination_id"))
    htmls = [_html(determination_of[pk], variants[pk]) for pk in letter_ids]
    bare = _bare()
    bare(htmls[0])
    t = time.perf_counter()
    for html in htmls:
        bare(html)
    bare_rate = len(htmls) / (time.perf_counter() - t)
    pool_rate = _bare_pool_rate(htmls, args.processes)
    _write(args.out, {
        "letters": len(letter_ids),
        "worker_rate": worker_rate,
        "bare_rate": bare_rate,
        "bare_pool_rate": pool_rate,
        "worker_render_s": sorted(spans)[len(spans) // 2],
        # Share of the wall time the worker's processes spent inside a render.
        "busy": sum(spans) / (args.processes * wall),
        "bare_render_s": 1 / bare_rate,
        "processes": args.processes,
        "loadavg": loadavg(),
    })


# --- data ------------------------------------------------------------------------------

def step_bundle(args):
    """A case bundle (docs/case-bundle.md) of N distinct cases for import_cases."""
    from datetime import date, timedelta

    from cases.management import vocabulary as V

    rng = random.Random(args.seed)
    today = date.today()
    cases = []
    for i in range(args.count):
        received = today - timedelta(days=rng.randint(3, 20))
        ur = received - timedelta(days=rng.randint(2, 25))
        injury = ur - timedelta(days=rng.randint(60, 2000))
        category = rng.choice([c for c, w in V.CATEGORY_WEIGHTS.items() if w])
        description, guideline, section, _pages = rng.choice(V.ITEMS[category])
        cases.append({
            "review_type": "standard",
            "received_on": received.isoformat(),
            "ur_decision_date": ur.isoformat(),
            "claim_number": f"BN-{args.seed}-{i:07d}",
            "date_of_injury": injury.isoformat(),
            "employee": {
                "first_name": rng.choice(V.FIRST_NAMES_FEMALE + V.FIRST_NAMES_MALE), "last_name": rng.choice(V.LAST_NAMES),
                "date_of_birth": (injury - timedelta(days=365 * rng.randint(22, 64))).isoformat(),
                "sex": rng.choice(["male", "female"]),
            },
            "employer": {"name": rng.choice(V.PUBLIC_EMPLOYERS)},
            "claims_administrator": {"name": rng.choice(V.CLAIMS_ADMINISTRATORS)},
            "requesting_provider": {"name": f"{rng.choice(V.FIRST_NAMES_MALE)} {rng.choice(V.LAST_NAMES)}, MD",
                                    "specialty": "Orthopaedic Surgery"},
            "diagnosis": rng.choice(V.DIAGNOSES)[0],
            "disputed_items": [{"description": description, "category": category,
                                "claims_administrator_guideline": f"{guideline} {section}".strip()}],
            "documents": [
                {"title": "Application for Independent Medical Review", "kind": "application", "author": "Employee",
                 "dated": received.isoformat()},
                {"title": "Utilization Review Determination", "kind": "ur_determination", "author": "Claims administrator",
                 "dated": ur.isoformat()},
            ],
        })
    Path(args.out).write_text(json.dumps({"cases": cases}))


# --- statistics: summary tables and the public index -----------------------------------------

def step_statistics(args):
    """Bring the summary tables and the public index up to date; time both."""
    from bench.public_index import fill_public_index
    from reports.models import MonthlyFigure
    from reports.services import reports_refresh

    t = time.perf_counter()
    refresh = reports_refresh()
    refresh_s = time.perf_counter() - t
    t = time.perf_counter()
    published = fill_public_index()
    index_s = time.perf_counter() - t
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    _write(args.out, {
        "refresh_s": refresh_s, "months": len(refresh.months), "full": refresh.full, "figure_rows": MonthlyFigure.objects.count(),
        "published": published, "index_s": index_s, "loadavg": loadavg(),
    })


# --- load test users (bench/locustfile.py) -------------------------------------------

LOAD_PASSWORD = "load-test-password-7f3a91"  # bench databases only


def step_loadusers(args):
    """Sign-in accounts for the load test, each with a confirmed TOTP device whose
    key the load tool knows (it computes codes like an authenticator app), and the
    cases each reviewer may work on. Idempotent."""
    import secrets

    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Role, User
    from api import services as api_services
    from api.models import ServiceAccount
    from cases.models import Case
    from reviewers.models import Assignment, Reviewer

    def enroll(user):
        user.set_password(LOAD_PASSWORD)
        user.save(update_fields=["password"])
        TOTPDevice.objects.filter(user=user).delete()
        key = secrets.token_hex(20)
        TOTPDevice.objects.create(user=user, name="load", key=key, confirmed=True)
        return {"username": user.username, "password": LOAD_PASSWORD, "key": key}

    intake_group = Group.objects.get_or_create(name=Role.INTAKE)[0]
    intake = []
    for i in range(args.count):
        user, _ = User.objects.get_or_create(username=f"load_intake_{i}", defaults={"first_name": "Load", "last_name": f"Intake {i}"})
        user.groups.add(intake_group)
        intake.append(enroll(user))
    reviewer_group = Group.objects.get_or_create(name=Role.REVIEWER)[0]
    reviewers = []
    for reviewer in Reviewer.objects.filter(is_active=True, user__is_active=True).select_related("user").order_by("pk")[: args.count]:
        numbers = list(
            Assignment.objects.filter(reviewer=reviewer, status=Assignment.Status.ACCEPTED, case__status=Case.Status.IN_REVIEW)
            .order_by("case__decision_due_on", "case__number").values_list("case__number", flat=True)[:20]
        )
        if not numbers:
            continue
        reviewer.user.groups.add(reviewer_group)
        reviewers.append({**enroll(reviewer.user), "cases": numbers})
    # The API client: the claims administrator of the first generated case (each has many).
    organization = Case.objects.order_by("id").first().claims_administrator
    account = ServiceAccount.objects.filter(user__username="load-api").first()
    if account is None:
        account = api_services.service_account_create(username="load-api", organization=organization, password=LOAD_PASSWORD)
    # Open cases: records for a decided or closed case are refused (as they should be), which is no load.
    api_cases = list(
        Case.objects.filter(claims_administrator=account.organization, status__in=Case.OPEN_STATUSES)
        .order_by("-id").values_list("number", "claim_number")[:50]
    )
    search_case = Case.objects.order_by("id").values_list("number", flat=True).first()
    _write(args.out, {
        "intake": intake, "reviewers": reviewers,
        "api": {"username": "load-api", "password": LOAD_PASSWORD, "cases": api_cases},
        "search_case": search_case,
        "known_parties": _known_parties(),
    })


def _known_parties() -> dict:
    """An employer and a requesting physician on file with a mailing address, which the load's
    registrations pick from the candidates shown for the name (as a clerk picks a known party): the
    form takes no address for either, and a case registered without one leaves failed postal notices
    on the correspondence page of the database whose pages are measured (the generated parties have none)."""
    from cases import selectors
    from cases.models import Party

    known = {}
    for role, kind, name, specialty in (
        ("employer", Party.Kind.ORGANIZATION, "Load Test Employer, Inc.", ""),
        ("requesting_provider", Party.Kind.PERSON, "Pat Loadtest, MD", "Orthopaedic Surgery"),
    ):
        party = Party.objects.filter(kind=kind, name=name).order_by("id").first() or Party.objects.create(
            kind=kind, name=name, specialty=specialty, address="100 Load Street\nFresno, CA 93721",
        )
        if party.pk not in {c.pk for c in selectors.party_candidates(kind=kind, name=name)}:
            raise SystemExit(f"bench load: {name} is not offered as a candidate for its own name")
        known[role] = {"name": party.name, "id": party.pk, "specialty": party.specialty}
    return known


def _write(path, data):
    Path(path).write_text(json.dumps(data, indent=1, default=str))


SETUP_S = time.perf_counter() - T_START


def step_sessions(args):
    """Session cookies that pass the 2FA check with DEBUG off (the memory step's web
    requests), and the staff pages those requests cycle through."""
    intake, _admin, reviewer = bench_users()
    cookies = {role: verified_session_cookie(user) for role, user in {"intake": intake, "reviewer": reviewer.user}.items()}
    urls = {name: page for name, page in page_urls(reviewer).items() if page[0] in ("intake", "reviewer", "anonymous")
            and not name.startswith("reports")}
    _write(args.out, {"cookies": {**cookies, "anonymous": ""}, "urls": urls})


STEPS = {
    "sessions": step_sessions,
    "pages": step_pages,
    "explain": step_explain,
    "letters": step_letters,
    "first-render": step_first_render,
    "e2e": step_e2e,
    "throughput": step_throughput,
    "bundle": step_bundle,
    "statistics": step_statistics,
    "loadusers": step_loadusers,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--out", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--letters", type=int, default=6)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pages-json")
    parser.add_argument("--pages", default="", help="page names separated by semicolons (default: all)")
    parser.add_argument("--started-at", type=float, default=time.time())
    parser.add_argument("--no-bare", action="store_true", help="throughput: skip the bare WeasyPrint comparison")
    args = parser.parse_args()
    STEPS[args.step](args)


if __name__ == "__main__":
    main()
