"""BENCHMARKS.md from the figures bench/run.py collected (var/bench/results.json)."""

from pathlib import Path

from bench.stats import median, spread

PAGE_RATIO_BUDGET = 1.3
LETTER_RATIO_BUDGET = 1.10
READY_SLACK_S = 0.5
THROUGHPUT_BUDGET = 0.9
GENERATE_BUDGET_MIN = 10
DEFAULT_WORKER = "settings: prefetch ×1, max 500 tasks per child"


def _ok(passed: bool) -> str:
    return "met" if passed else "**missed**"


def _range(values, fmt="{:.0f}") -> str:
    low, high = spread(values)
    return f"{fmt.format(low)}–{fmt.format(high)}"


SIZE_WORDS = {"1k": "1,000", "100k": "100,000", "1m": "1,000,000"}


def _sizes(pages: dict) -> tuple[str, str]:
    small, large = pages.get("sizes", ["1k", "100k"])
    return small, large


def _page_budgets(pages: dict) -> list[tuple[str, str, str]]:
    rows = []
    small_key, large_key = _sizes(pages)
    words = SIZE_WORDS[large_key]
    for page, by_size in pages["results"].items():
        small = pages["info"][small_key]["pages"][page]["queries"]
        large = pages["info"][large_key]["pages"][page]["queries"]
        rows.append((f"{page}: queries the same at 1,000 and {words}", f"{small} and {large}", _ok(small == large)))
    for page, by_size in pages["results"].items():
        ratios = [b["p95"] / a["p95"] for a, b in zip(by_size[small_key], by_size[large_key])]
        p95_small = median([r["p95"] for r in by_size[small_key]])
        p95_large = median([r["p95"] for r in by_size[large_key]])
        ratio = median(ratios)
        rows.append((
            f"{page}: p95 at {words} ≤ {PAGE_RATIO_BUDGET}× p95 at 1,000",
            f"{ratio:.2f}× ({p95_large:.0f} ms vs {p95_small:.0f} ms; runs {_range(ratios, '{:.2f}')})",
            _ok(ratio <= PAGE_RATIO_BUDGET),
        ))
    return rows


def budgets(results: dict) -> list[tuple[str, str, str]]:
    rows = []
    for key in ("pages", "stats", "million"):
        if results.get(key):
            rows += _page_budgets(results[key])
    letters = results.get("letters")
    if letters:
        ratios = [r["ratio"] for r in letters["warm"]["runs"]]
        rows.append((
            f"letter rendering ≤ {LETTER_RATIO_BUDGET:.2f}× bare WeasyPrint",
            f"{median(ratios):.3f}× (runs {_range(ratios, '{:.3f}')})",
            _ok(median(ratios) <= LETTER_RATIO_BUDGET),
        ))
    worker = results.get("worker")
    if worker:
        trials = worker["e2e"]["trials"]
        ready = median([t["parties_ready_s"] for t in trials])
        bare = median([t["bare_s"] for t in trials])
        rows.append((
            f"finalize → letter ready ≤ bare render + {READY_SLACK_S} s",
            f"{ready:.2f} s vs {bare:.2f} + {READY_SLACK_S} = {bare + READY_SLACK_S:.2f} s",
            _ok(ready <= bare + READY_SLACK_S),
        ))
        runs = worker["throughput"].get(DEFAULT_WORKER, [])
        if runs:
            processes = worker["processes"]
            ratios = [r["worker_rate"] / (r["bare_rate"] * processes) for r in runs]
            rows.append((
                f"one worker host ≥ {THROUGHPUT_BUDGET}× bare rate × {processes} processes",
                f"{median(ratios):.2f}× (runs {_range(ratios, '{:.2f}')})",
                _ok(median(ratios) >= THROUGHPUT_BUDGET),
            ))
            pool = [r["worker_rate"] / r["bare_pool_rate"] for r in runs]
            rows.append((
                f"one worker host ≥ {THROUGHPUT_BUDGET}× a bare WeasyPrint pool of {processes} processes",
                f"{median(pool):.2f}× (runs {_range(pool, '{:.2f}')})",
                _ok(median(pool) >= THROUGHPUT_BUDGET),
            ))
    million = results.get("populate", {}).get("1m") or {}
    if million.get("seconds"):
        minutes = million["seconds"] / 60
        rows.append((
            f"generate_cases --count 1,000,000 < {GENERATE_BUDGET_MIN} min",
            f"{minutes:.1f} min ({million['rate']:,.0f} cases/s, {million['date']}, load {million['loadavg']})",
            _ok(minutes < GENERATE_BUDGET_MIN),
        ))
    load = results.get("load")
    if load:
        half = load["half"]
        errors = sum(step["failures"] + step.get("exceptions", 0) for step in load["steps"]) + half["failures"]
        rows.append(("load test: no errors", f"{errors} errors in {sum(s['requests'] for s in load['steps']) + half['requests']:,} requests", _ok(errors == 0)))
    if results.get("memory"):
        from bench.memory import report as memory_report

        rows += memory_report(results["memory"])[0]
    return rows


def write_report(results: dict, path: Path, *, notes: Path) -> None:
    m = results["machine"]
    out = ["# Benchmarks", ""]
    out += [
        "Written by `make bench` (bench/run.py); the findings section comes from bench/notes.md. "
        "Figures are medians of several runs with their spread (min–max); ratios are computed per run from "
        "measurements taken side by side in that run, then the median ratio is reported. Load average "
        "(1 / 5 / 15 min) is noted beside each group: this 2-core machine is shared with other engineers' test runs.",
        "",
        "## Budgets",
        "",
        "| Budget | Measured | |",
        "|---|---|---|",
    ]
    out += [f"| {name} | {value} | {ok} |" for name, value, ok in budgets(results)]
    out += [
        "",
        "## Machine",
        "",
        f"- Date: {m['date']}; suite run time {results.get('elapsed_s', 0) / 60:.1f} min (databases already populated)",
        f"- CPU: {m['cpu']}, {m['nproc']} cores (nproc); memory {m['memory']}",
        f"- Python {m['python']}, PostgreSQL {m['postgresql']}, Redis {m['redis']}, WeasyPrint {m['weasyprint']}",
        f"- Load average at the start of the figures: {m['loadavg']}",
        "",
    ]
    letters = results.get("letters")
    if letters:
        runs = letters["warm"]["runs"]
        out += [
            "## 1. Letter rendering",
            "",
            f"Project path = `rendering.load_determination` + `rendering.letter_pdf` (database → PDF bytes, what "
            f"`letters.letter_render` runs in the task); bare = `weasyprint.HTML(string=same html).write_pdf(...)` with "
            f"the same stylesheet, font configuration (built once) and PDF/A variant. Interleaved in one warm process: "
            f"{letters['warm']['letters']} different letters per run, each rendered both ways back to back in random "
            f"order; a run's ratio is the median of its per-letter ratios; {len(runs)} runs; load {letters['warm']['loadavg']}.",
            "",
            "| | median per letter | spread over runs |",
            "|---|---|---|",
            f"| project path | {median([r['project_ms'] for r in runs]):.0f} ms | {_range([r['project_ms'] for r in runs])} ms |",
            f"| bare WeasyPrint | {median([r['bare_ms'] for r in runs]):.0f} ms | {_range([r['bare_ms'] for r in runs])} ms |",
            f"| ratio | {median([r['ratio'] for r in runs]):.3f}× | {_range([r['ratio'] for r in runs], '{:.3f}')} |",
            "",
            "First render of a fresh process (a new worker child or `render_letter`):",
            "",
            "| | median | spread |",
            "|---|---|---|",
        ]
        first = letters["first"]
        for key, label in [("django_setup_s", "Django setup"), ("first_render_s", "first render (incl. WeasyPrint import, font configuration)"),
                           ("second_render_s", "second render, same process"), ("process_to_pdf_s", "process start → first PDF")]:
            values = [f[key] for f in first]
            out.append(f"| {label} | {median(values):.2f} s | {_range(values, '{:.2f}')} s |")
        out.append("")
    worker = results.get("worker")
    if worker:
        trials = worker["e2e"]["trials"]
        out += [
            "## 2. Finalize → letter ready (real Celery worker, Redis)",
            "",
            f"`determinations.services.determination_finalize` on a completed draft, then polling the Letter rows every "
            f"10 ms; the worker (`celery -A imrsite worker`, default concurrency) was warm. {len(trials)} trials; "
            f"load {worker['e2e']['loadavg']}.",
            "",
            "| | median | spread |",
            "|---|---|---|",
        ]
        for key, label in [("finalize_s", "finalize call (commit)"), ("parties_ready_s", "parties' letter ready"),
                           ("all_ready_s", "both letters ready (parties' + public copy)"), ("bare_s", "bare WeasyPrint, same letter")]:
            values = [t[key] for t in trials]
            out.append(f"| {label} | {median(values):.2f} s | {_range(values, '{:.2f}')} s |")
        out += [
            "",
            "## 3. Letter throughput of one worker host",
            "",
            f"{worker['processes']} worker processes (the default concurrency: one per core). Each run queues both letters "
            f"of several final determinations at once and waits for all; the same letters are then rendered by bare "
            f"WeasyPrint in one process (rate × processes is the budget's yardstick) and in a pool of "
            f"{worker['processes']} forked processes (what the cores actually deliver).",
            "",
            "| worker configuration | worker letters/s | bare 1 process | bare pool (same processes) | worker / (bare × processes) | worker / bare pool | render in worker (median) | bare render | processes busy | load |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for label, runs in worker["throughput"].items():
            p = runs[0].get("processes", worker["processes"])
            rates = [r["worker_rate"] for r in runs]
            ratios = [r["worker_rate"] / (r["bare_rate"] * p) for r in runs]
            pool = [r["worker_rate"] / r["bare_pool_rate"] for r in runs]
            out.append(
                f"| {label} | {median(rates):.2f} ({_range(rates, '{:.2f}')}) | {median([r['bare_rate'] for r in runs]):.2f} | "
                f"{median([r['bare_pool_rate'] for r in runs]):.2f} | {median(ratios):.2f} ({_range(ratios, '{:.2f}')}) | "
                f"{median(pool):.2f} | {1000 * median([r.get('worker_render_s', 0) for r in runs]):.0f} ms | "
                f"{1000 * median([r.get('bare_render_s', 0) for r in runs]):.0f} ms | "
                f"{100 * median([r.get('busy', 0) for r in runs]):.0f} % | {runs[-1]['loadavg']} |"
            )
        out.append("")
    for key, title in (("pages", "## 4. Pages at 1,000 and 100,000 cases"),
                       ("stats", "## 4b. Statistics and the public decision search at 1,000 and 1,000,000 cases"),
                       ("million", "## 4c. Every staff page at 1,000 and 1,000,000 cases")):
        if results.get(key):
            out += _pages_section(results, key, title)
    if results.get("load"):
        out += _load_section(results["load"])
    if results.get("memory"):
        from bench.memory import report as memory_report

        out += memory_report(results["memory"])[1]
    data = results.get("data")
    if data:
        pop = results["populate"]
        out += [
            "## 5. generate_cases and import_cases",
            "",
            "| | cases per run | runs | cases/s median | spread |",
            "|---|---|---|---|---|",
            f"| generate_cases (scratch database) | {data['generate_n']:,} | {len(data['generate'])} | {median(data['generate']):.0f} | {_range(data['generate'])} |",
            f"| import_cases (bundle, all or nothing) | {data['import_n']:,} | {len(data['import'])} | {median(data['import']):.0f} | {_range(data['import'])} |",
        ]
        for suffix, info in pop.items():
            out.append(
                f"| generate_cases populating imr_bench_{suffix} ({info['date']}, load {info['loadavg']}) | {info['count']:,} | 1 | {info['rate']:.0f} | {info['seconds']:.0f} s total |"
            )
        out += ["", f"Load at the start of these runs: {data['loadavg']}.", ""]
    if notes.exists():
        out += [notes.read_text().rstrip(), ""]
    path.write_text("\n".join(out))


def _pages_section(results: dict, key: str, title: str) -> list[str]:
    pages = results[key]
    small_key, large_key = _sizes(pages)
    words = SIZE_WORDS[large_key]
    if large_key != "100k":
        title = title.replace("1,000,000", words)
    out = [
        title,
        "",
        "gunicorn (2 sync workers) per database, both running; a Python thread loop (bench/run.py `load`) on "
        "127.0.0.1 with 2 concurrent connections, after 5 warm-up requests, the same page at both sizes back "
        "to back in each run. Production settings: DEBUG off, 2FA enforced (each role's session made by "
        "`force_login` and marked with a confirmed TOTP device, as a good code does; the public search: no cookie), "
        "hashed static files; the audit trail writes one row per page view and the session is saved on every request, as in production. Query counts: Django's "
        f"test client in-process with CaptureQueriesContext. Load per run: {', '.join(pages['loads'])}.",
        "",
        "The size column is the response at each size: where it differs, the page shows more rows at the larger "
        "size (it is full there), and the two do different work.",
        "",
        f"| page | queries 1k / {large_key} | KB 1k / {large_key} | median 1k | p95 1k | median {large_key} | p95 {large_key} | p95 ratio (runs) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for page, by_size in pages["results"].items():
        q1 = pages["info"][small_key]["pages"][page]["queries"]
        q2 = pages["info"][large_key]["pages"][page]["queries"]
        ratios = [b["p95"] / a["p95"] for a, b in zip(by_size[small_key], by_size[large_key])]
        cells = []
        for suffix in (small_key, large_key):
            runs = by_size[suffix]
            cells.append(f"{median([r['median'] for r in runs]):.0f} ms")
            cells.append(f"{median([r['p95'] for r in runs]):.0f} ms ({_range([r['p95'] for r in runs])})")
        kb = "{:.0f} / {:.0f}".format(*(pages["info"][k]["pages"][page].get("bytes", 0) / 1024 for k in (small_key, large_key)))
        out.append(f"| {page} | {q1} / {q2} | {kb} | {' | '.join(cells)} | {median(ratios):.2f}× ({_range(ratios, '{:.2f}')}) |")
    out += ["", "URLs: " + "; ".join(f"{p}: `{d['url']}` as {d['role']}" for p, d in pages["info"][large_key]["pages"].items()), ""]
    prep = results.get("statistics_prep", {})
    if key == "stats" and prep:
        out += ["Summary tables and public index of each database (`python -m bench.django_side statistics`: "
                "`reports_refresh`, then the bench's bulk publication of every decided case):", "",
                "| database | figure rows | refresh | months recomputed | decisions published in this run | publishing |",
                "|---|---|---|---|---|---|"]
        for suffix in (small_key, large_key):
            p = prep.get(suffix)
            if p:
                out.append(f"| {SIZE_WORDS[suffix]} cases | {p['figure_rows']:,} | {p['refresh_s']:.1f} s"
                           f"{' (full rebuild)' if p['full'] else ''} | {p['months']} | {p['published']:,} | {p['index_s']:.1f} s |")
        out.append("")
    out += [f"### Slowest statements per page at {words} cases (EXPLAIN ANALYZE)", ""]
    for page, data in pages["explain"].items():
        small = pages.get("explain_1k", {}).get(page, {}).get("total_ms")
        at_1k = f" (at 1,000 cases: {small:.1f} ms)" if small is not None else ""
        out.append(f"**{page}**: its SELECTs execute in {data['total_ms']:.1f} ms in all{at_1k}; the slowest:")
        for plan in data["slowest"][:1]:
            lines = [line for line in plan["plan"] if line.strip()][:8]
            out += ["", "```", plan["sql"][:400], *lines, "```"]
        out.append("")
    return out


def _load_section(load: dict) -> list[str]:
    half = load["half"]
    out = [
        f"## 6. Load test at {SIZE_WORDS.get(load['suffix'], load['suffix'])} cases (Locust, bench/locustfile.py)",
        "",
        "gunicorn (4 sync workers) with the production settings (DEBUG off: every load user signs in with password "
        "and a TOTP code), PostgreSQL, Redis and a real Celery worker (concurrency 1), all on this 2-core machine with "
        "the load tool. The mix: intake staff registering, screening, uploading and searching; reviewers opening "
        "cases and saving drafts; the claims administrators' API searching and uploading; public readers searching "
        "decisions. Users are stepped up until requests/s stop growing (saturation); then a run at half that throughput.",
        "",
        "| users | requests | requests/s | p50 | p95 | p99 | failures | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for step in load["steps"]:
        out.append(f"| {step['users']} | {step['requests']:,} | {step['rps']:.1f} | {step['p50']:.0f} ms | {step['p95']:.0f} ms "
                   f"| {step['p99']:.0f} ms | {step['failures']} | {step.get('loadavg', '')} |")
    out += [
        "",
        f"Saturation: **{load['saturation_rps']:.1f} requests/s**. At half of it ({load['half_users']} users, "
        f"{half['seconds']} s): {half['rps']:.1f} requests/s, p50 **{half['p50']:.0f} ms**, p95 **{half['p95']:.0f} ms**, "
        f"p99 **{half['p99']:.0f} ms**, {half['failures']} failures; PostgreSQL was executing statements for "
        f"{100 * half['db_share']:.0f} % of the summed response time (pg_stat_database.active_time).",
        "",
        "| request (at half load) | requests | p50 | p95 | p99 |",
        "|---|---|---|---|---|",
    ]
    for name, row in sorted(half["by_name"].items()):
        out.append(f"| {name} | {row['requests']:,} | {row['p50']:.0f} ms | {row['p95']:.0f} ms | {row['p99']:.0f} ms |")
    out.append("")
    return out
