"""`make bench`: the benchmark suite (issue 7), against PostgreSQL and Redis.

    .venv/bin/python -m bench.run [--quick] [--only letters,worker,pages,data]

Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/imr_bench;
its database name is the prefix of imr_bench_1k, imr_bench_100k and
imr_bench_scratch), REDIS_URL (default redis://127.0.0.1:6379/14; the bench
flushes that Redis database). The 1,000- and 100,000-case databases are kept
between runs and only rebuilt with generate_cases when their case count is
wrong; the scratch database (letters, worker, import) is rebuilt every run.
Figures go to BENCHMARKS.md, with the hand-written findings in bench/notes.md.
"""

import argparse
import http.client
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.stats import loadavg, median, percentile

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
STATE = ROOT / "var" / "bench"
SIZES = {"1k": 1_000, "100k": 100_000}
# The statistics and the public search are measured at a million cases (issue 15); BENCH_STATS_SIZE
# (e.g. 100k) measures them against a smaller database instead.
LARGE = {"100k": 100_000, "1m": 1_000_000}
SEED = 1

BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/imr_bench")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
BENCH_SECRET = "bench-only-secret-key-not-for-any-deployment-0123456789"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- databases ---------------------------------------------------------------------

def db_url(suffix: str) -> str:
    parts = urlsplit(BASE_URL)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("make bench runs against PostgreSQL: DATABASE_URL must be postgres://…")
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{suffix}"))


def _server():
    import psycopg

    parts = urlsplit(BASE_URL)
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def db_exists(url: str) -> bool:
    with _server() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name(url)]).fetchone() is not None


def db_create(url: str, *, drop: bool = False, template: str | None = None) -> None:
    """Create the database (`template`: a copy of that database's URL, files copied: 17 s for a million cases)."""
    from psycopg import sql

    with _server() as conn:
        if drop:
            db_drop(url, conn)
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db_name(url)))
        if template:
            statement += sql.SQL(" TEMPLATE {} STRATEGY FILE_COPY").format(sql.Identifier(db_name(template)))
        conn.execute(statement)


def db_drop(url: str, conn=None) -> None:
    from psycopg import sql

    statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db_name(url)))
    if conn is not None:
        conn.execute(statement)
        return
    with _server() as server:
        server.execute(statement)


def case_count(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        # The load test writes to a copy (bench/load.py): a database with more cases than generated was
        # changed by hand or by an older bench, and is generated again.
        return conn.execute("SELECT count(*) FROM cases_case").fetchone()[0]


def env_for(url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    # The public pages' per-address limit would answer the load loop 429: it is measured by the tests, not here.
    # So are the API's per-account and per-address limits (600/min), which would turn the benchmark's loops into 429s.
    env.update(DATABASE_URL=url, DEBUG="false", SECRET_KEY=BENCH_SECRET, SECURE_SSL_REDIRECT="false", LOG_LEVEL="WARNING",
               PUBLIC_RATE_LIMIT="0", API_RATE_LIMIT="100000/minute", API_ADDRESS_RATE_LIMIT="100000/minute",
               API_TOKEN_RATE_LIMIT="1000/minute")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def production_static(env: dict) -> dict:
    """`env` with the collected, hashed static files production serves (whitenoise, DEBUG off)."""
    env = {**env, "STATIC_ROOT": str(STATE / "static")}
    subprocess.run([PY, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    return env


def page_settings() -> dict:
    """The settings the page servers run with, as production does: DEBUG off (compiled templates
    cached, no query log), 2FA enforced (bench.django_side signs each role in with a verified second
    factor), the collected, hashed static files. `testserver`: the pages step's in-process client,
    which counts each page's queries under the same settings."""
    env = production_static(env_for(db_url("1k")))
    return {"ALLOWED_HOSTS": "127.0.0.1,testserver", "STATIC_ROOT": env["STATIC_ROOT"]}


def manage(url: str, *args, **extra) -> float:
    t = time.perf_counter()
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env_for(url, **extra), check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def ensure_populated(suffix: str, count: int) -> dict:
    """The cached database with exactly `count` generated cases (rebuilt otherwise)."""
    url = db_url(suffix)
    cache = STATE / f"populate-{suffix}.json"
    if db_exists(url):
        manage(url, "migrate", "--no-input", "-v0")
        if case_count(url) == count:
            log(f"{db_name(url)}: {count:,} cases, cached")
            # A database generated outside the bench (e.g. by hand with generate_cases) is used as it is.
            return json.loads(cache.read_text()) if cache.exists() else {"count": count, "seconds": None}
    log(f"{db_name(url)}: generating {count:,} cases (once; kept for later runs)")
    db_create(url, drop=True)
    manage(url, "migrate", "--no-input", "-v0")
    load = loadavg()
    seconds = manage(url, "generate_cases", "--count", str(count), "--seed", str(SEED))
    with _psql(url) as conn:
        conn.execute("VACUUM ANALYZE")
    info = {"count": count, "seconds": seconds, "rate": count / seconds, "loadavg": load, "date": datetime.now().isoformat(timespec="minutes")}
    STATE.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(info))
    return info


def _psql(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def django_step(url: str, step: str, *args, redis: bool = False, **extra) -> dict:
    out = Path(tempfile.mkstemp(prefix=f"bench-{step}-", suffix=".json")[1])
    env = env_for(url, **extra)
    if redis:
        env["REDIS_URL"] = REDIS_URL
    subprocess.run([PY, "-m", "bench.django_side", step, "--out", str(out), *map(str, args)], cwd=ROOT, env=env, check=True)
    data = json.loads(out.read_text()) if out.stat().st_size else {}
    out.unlink()
    return data


# --- 5. data ---------------------------------------------------------------------------

def bench_data(runs: int, generate_n: int, import_n: int) -> dict:
    url = db_url("scratch")
    db_create(url, drop=True)
    manage(url, "migrate", "--no-input", "-v0")
    result = {"generate": [], "import": [], "generate_n": generate_n, "import_n": import_n, "loadavg": loadavg()}
    for i in range(runs):
        seconds = manage(url, "generate_cases", "--count", str(generate_n), "--seed", str(100 + i))
        result["generate"].append(generate_n / seconds)
        log(f"generate_cases {generate_n}: {seconds:.1f} s")
    bundle_dir = Path(tempfile.mkdtemp(prefix="bench-bundle-"))
    for i in range(runs):
        out = bundle_dir / f"bundle-{i}.json"
        django_side_bundle(url, out, import_n, 500 + i)
        seconds = manage(url, "import_cases", str(out))
        result["import"].append(import_n / seconds)
        log(f"import_cases {import_n}: {seconds:.1f} s")
        out.unlink()
    bundle_dir.rmdir()
    return result


def django_side_bundle(url: str, path: Path, count: int, seed: int) -> None:
    subprocess.run(
        [PY, "-m", "bench.django_side", "bundle", "--out", str(path), "--count", str(count), "--seed", str(seed)],
        cwd=ROOT, env=env_for(url), check=True,
    )


# --- 1–3. letters and the worker -------------------------------------------------------------

def bench_letters(runs: int, letters: int) -> dict:
    url = db_url("scratch")
    media = tempfile.mkdtemp(prefix="bench-media-")
    warm = django_step(url, "letters", "--runs", runs, "--letters", letters, MEDIA_ROOT=media)
    first = []
    for _ in range(runs):
        started = time.time()
        first.append(django_step(url, "first-render", "--started-at", started, MEDIA_ROOT=media))
    return {"warm": warm, "first": first}


class Worker:
    """One Celery worker host: `celery -A imrsite worker` with its default concurrency."""

    def __init__(self, url: str, media: str, extra_args=(), extra_env=None):
        env = env_for(url, MEDIA_ROOT=media, REDIS_URL=REDIS_URL, **(extra_env or {}))
        self.log = open(STATE / "worker.log", "ab")
        self.proc = subprocess.Popen(
            [str(Path(PY).parent / "celery"), "-A", "imrsite", "worker", "--loglevel=WARNING", "--without-gossip",
             "--without-mingle", "--without-heartbeat", *extra_args],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGTERM)  # the worker's own session: its pool children, nothing else
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


def _flush_redis():
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


WORKER_CONFIGS = [
    ("settings: prefetch ×1, max 500 tasks per child", [], {}),
    ("prefetch ×4", ["--prefetch-multiplier=4"], {}),
    ("max 5 tasks per child", ["--max-tasks-per-child=5"], {}),
    ("database connection closed around each task (Celery's default)", [], {"CELERY_DB_REUSE_MAX": "0"}),
    # One process leaves the other core to the machine's other load: the worker's
    # own overhead against bare WeasyPrint with less CPU contention.
    ("1 process (--concurrency=1)", ["--concurrency=1"], {}),
]


def bench_worker(runs: int, letters: int) -> dict:
    url = db_url("scratch")
    media = tempfile.mkdtemp(prefix="bench-media-")
    processes = os.cpu_count() or 1
    _flush_redis()
    worker = Worker(url, media)
    try:
        # Warm the worker's children (fork, font configuration) as a long-running host would be.
        django_step(url, "throughput", "--letters", 2, "--seed", 999, "--processes", processes, redis=True, MEDIA_ROOT=media)
        e2e = django_step(url, "e2e", "--runs", max(runs, 5), redis=True, MEDIA_ROOT=media)
    finally:
        worker.stop()
    configs = {}
    for label, extra, extra_env in WORKER_CONFIGS:
        if (extra or extra_env) and runs < 3:
            continue  # --quick: the default configuration only
        _flush_redis()
        worker = Worker(url, media, extra, extra_env)
        try:
            django_step(url, "throughput", "--letters", 2, "--seed", 998, "--processes", processes, redis=True, MEDIA_ROOT=media)
            procs = 1 if "--concurrency=1" in extra else processes
            configs[label] = [
                django_step(url, "throughput", "--letters", letters, "--seed", 10 + i, "--processes", procs,
                            redis=True, MEDIA_ROOT=media)
                for i in range(runs)
            ]
        finally:
            worker.stop()
        log(f"worker {label}: {[round(r['worker_rate'], 2) for r in configs[label]]} letters/s")
    return {"e2e": e2e, "throughput": configs, "processes": processes}


# --- 4. pages ------------------------------------------------------------------------------

class Gunicorn:
    def __init__(self, url: str, port: int, settings: dict):
        env = env_for(url, **settings)
        self.port = port
        self.log = open(STATE / f"gunicorn-{port}.log", "ab")
        self.proc = subprocess.Popen(
            [str(Path(PY).parent / "gunicorn"), "imrsite.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
             "--access-logfile", "/dev/null", "--timeout", "60"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        if not wait_healthy(port, 60):
            self.stop()
            raise SystemExit(f"gunicorn on {port} did not start (see {self.log.name})")

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)
        self.log.close()


def wait_healthy(port: int, seconds: float) -> bool:
    """Whether the server on `port` answered /healthz with 200 within `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if request(port, "/healthz")[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def request(port: int, path: str, headers: dict | None = None, body: str | None = None) -> tuple[int, float]:
    """One GET (or a JSON POST when `body` is given, the API's searches) on loopback: status and seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = dict(headers or {})
    if body is not None:
        headers["Content-Type"] = "application/json"
    t = time.perf_counter()
    conn.request("GET" if body is None else "POST", path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - t
    conn.close()
    return response.status, elapsed


def load(port: int, path: str, headers: dict, *, requests: int, concurrency: int, body: str | None = None,
         max_seconds: float = 60) -> list[float]:
    """`requests` requests (see `request`) from `concurrency` threads on loopback; latencies in ms."""
    latencies: list[float] = []
    lock = threading.Lock()
    remaining = [requests]
    deadline = time.perf_counter() + max_seconds
    errors = []

    def run():
        while time.perf_counter() < deadline:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            status, elapsed = request(port, path, headers, body)
            if status != 200:
                errors.append(status)
                return
            with lock:
                latencies.append(1000 * elapsed)

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"{path}: HTTP {errors[0]}")
    return latencies


def prepare_statistics(suffix: str) -> dict:
    """The summary tables refreshed and the public index filled (both idempotent; timed)."""
    info = django_step(db_url(suffix), "statistics")
    log(f"{db_name(db_url(suffix))}: figures refreshed ({info['months']} months, {info['refresh_s']:.1f} s), "
        f"{info['published']:,} decisions published in {info['index_s']:.1f} s")
    return info


def statistics_filled(suffix: str) -> bool:
    with _psql(db_url(suffix)) as conn:
        return conn.execute("SELECT EXISTS (SELECT 1 FROM reports_monthlyfigure)").fetchone()[0]


def bench_pages(runs: int, requests: int, sizes=tuple(SIZES), only: str = "") -> dict:
    servers, info = {}, {}
    small, large = sizes
    settings = page_settings()
    try:
        for i, suffix in enumerate(sizes):
            url = db_url(suffix)
            info[suffix] = django_step(url, "pages", "--pages", only, **settings)  # the same settings as the server
            servers[suffix] = Gunicorn(url, 8770 + i, settings)
        pages = list(info[small]["pages"])
        results = {page: {suffix: [] for suffix in sizes} for page in pages}
        loads = []
        for run in range(runs):
            loads.append(loadavg())
            for page in pages:
                # Side by side: the same page at both sizes, back to back, in each run.
                for suffix in sizes:
                    data = info[suffix]
                    role = data["pages"][page]["role"]
                    path, body = data["pages"][page]["url"], data["pages"][page].get("body")
                    port = servers[suffix].port
                    load(port, path, data["headers"][role], requests=5, concurrency=1, body=body)  # warm
                    latencies = load(port, path, data["headers"][role], requests=requests, concurrency=2, body=body)
                    results[page][suffix].append({"median": median(latencies), "p95": percentile(latencies, 95), "n": len(latencies)})
            log(f"pages run {run + 1}/{runs} done (load {loads[-1]})")
    finally:
        for server in servers.values():
            server.stop()
    explain = django_step(db_url(large), "explain", "--pages-json", _dump(info[large]))
    explain_small = django_step(db_url(small), "explain", "--pages-json", _dump(info[small]))
    return {"results": results, "info": info, "loads": loads, "explain": explain, "explain_1k": explain_small,
            "sizes": list(sizes)}


STATISTICS_PAGES = "reports, month;reports, year;public search;public search, filtered;public search, rare filter"
# The million-case step: every page but the statistics (the stats step's, which prepares their tables):
# the staff pages, each work queue, the API's searches (bench.django_side.page_urls).
MILLION_PAGES = "all-but-statistics"
# The 1,000 vs 100,000 step (issue 12's budgets): the pages it has always measured.
HUNDRED_K_PAGES = ";".join([
    "reviewer dashboard", "case list", "case list, searched", "case list, searched, common name", "case list, filtered",
    "case list, sorted by employee", "case list, deep page", "case page", "correspondence list", "admin case changelist",
    "admin case changelist, searched", "admin assignment changelist", "admin party changelist",
])


def _dump(data) -> str:
    path = Path(tempfile.mkstemp(prefix="bench-pages-", suffix=".json")[1])
    path.write_text(json.dumps(data))
    return str(path)


# --- the report ----------------------------------------------------------------------------

def machine() -> dict:
    import psycopg
    import redis

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor())
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")))
    with psycopg.connect(db_url("1k")) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    weasy = subprocess.run([PY, "-c", "import weasyprint; print(weasyprint.__version__)"], capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.now().astimezone().isoformat(timespec="minutes"),
        "nproc": os.cpu_count(),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "python": platform.python_version(),
        "postgresql": pg,
        "redis": redis.Redis.from_url(REDIS_URL).info()["redis_version"],
        "weasyprint": weasy,
        "loadavg": loadavg(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs: a smoke test of the suite, not figures to publish")
    parser.add_argument("--only", default="data,letters,worker,pages,stats,million,load,memory",
                        help="comma-separated steps: data, letters, worker, pages (1k vs 100k), stats (1k vs 1m), "
                        "million (every page at 1k vs 1m), load (Locust against gunicorn + worker), "
                        "memory (worker and web worker resident memory over a long run)")
    parser.add_argument("--load-size", default=os.environ.get("BENCH_LOAD_SIZE", "1m"), choices=["1k", "100k", "1m"],
                        help="the database the load test runs against (default 1m)")
    parser.add_argument("--stats-size", default=os.environ.get("BENCH_STATS_SIZE", "1m"), choices=sorted(LARGE),
                        help="the large database of the statistics step (default 1m: a million cases)")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    steps = set(args.only.split(","))
    runs = 2 if args.quick else 5
    STATE.mkdir(parents=True, exist_ok=True)
    results_path = STATE / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    started = time.perf_counter()

    def save():  # after each step: a later step's failure keeps the figures taken so far
        results_path.write_text(json.dumps(results, indent=1))

    sizes = dict(SIZES) if steps & {"data", "letters", "worker", "pages"} else {"1k": SIZES["1k"]}
    if "stats" in steps:
        sizes[args.stats_size] = LARGE[args.stats_size]
    if "million" in steps:
        sizes["1m"] = LARGE["1m"]
    if "load" in steps:
        sizes[args.load_size] = {**SIZES, **LARGE}[args.load_size]
    results.setdefault("populate", {}).update({suffix: ensure_populated(suffix, count) for suffix, count in sizes.items()})
    if steps & {"pages", "stats"}:
        log("summary tables and public index of each database")
        # --quick (a smoke test) keeps summary tables an earlier run filled: a million cases' refresh takes minutes.
        results.setdefault("statistics_prep", {}).update(
            {suffix: prepare_statistics(suffix) for suffix in sizes if not (args.quick and statistics_filled(suffix))}
        )
    results["machine"] = machine()
    if "data" in steps or (steps & {"letters", "worker", "memory"} and not db_exists(db_url("scratch"))):
        log("5. generate_cases and import_cases throughput (scratch database)")
        results["data"] = bench_data(3 if not args.quick else 1, 1000 if not args.quick else 300, 200 if not args.quick else 50)
        save()
    if "letters" in steps:
        log("1. letter rendering: project path vs bare WeasyPrint; first render of a fresh process")
        results["letters"] = bench_letters(runs, 10 if not args.quick else 3)
        save()
    if "worker" in steps:
        log("2–3. finalize → ready and worker throughput (real Celery worker, Redis)")
        results["worker"] = bench_worker(3 if not args.quick else 1, 20 if not args.quick else 4)
        save()
    if "pages" in steps:
        log("4. pages at 1,000 and 100,000 cases under gunicorn")
        results["pages"] = bench_pages(runs if not args.quick else 1, 60 if not args.quick else 10, only=HUNDRED_K_PAGES)
        save()
    if "stats" in steps:
        log(f"4b. statistics and public search at 1,000 and {LARGE[args.stats_size]:,} cases under gunicorn")
        results["stats"] = bench_pages(runs if not args.quick else 1, 60 if not args.quick else 10,
                                       sizes=("1k", args.stats_size), only=STATISTICS_PAGES)
        save()
    if "million" in steps:
        log("4c. every page at 1,000 and 1,000,000 cases under gunicorn")
        # Three runs of 40 requests: some 30 pages at two sizes (five runs of 60 would take 40 minutes).
        results["million"] = bench_pages(3 if not args.quick else 1, 40 if not args.quick else 5, sizes=("1k", "1m"),
                                         only=MILLION_PAGES)
        save()
    if "load" in steps:
        from bench.load import bench_load

        log(f"6. load test (Locust) against gunicorn + Celery worker, {args.load_size} database")
        results["load"] = bench_load(args.load_size, args.quick)
        save()
    if "memory" in steps:
        from bench.memory import bench_memory

        log("7. memory of a letter worker process and a web worker over a long run")
        results["memory"] = bench_memory(args.quick)
        save()
    results["elapsed_s"] = time.perf_counter() - started
    save()
    from bench.report import write_report

    write_report(results, Path(args.output), notes=ROOT / "bench" / "notes.md")
    log(f"wrote {args.output} in {results['elapsed_s'] / 60:.1f} min")


if __name__ == "__main__":
    main()
