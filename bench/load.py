"""Step 6 of bench/run.py: the load test (Locust, bench/locustfile.py) against gunicorn with the
production settings and a real Celery worker: users stepped up to saturation, then a run at half of it."""

import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from bench.run import (
    PY, REDIS_URL, ROOT, STATE, _psql, db_create, db_drop, db_url, django_step, env_for, log, production_static, wait_healthy,
)
from bench.stats import loadavg

LOAD_PORT = 8790


def _locust(port: int, users: int, seconds: int, prefix: Path, env: dict) -> dict:
    """One headless Locust run; the aggregated row of its CSV."""
    import csv

    subprocess.run(
        [str(Path(PY).parent / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(users),
         "-r", str(max(1, users // 2)), "--run-time", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
         "--csv", str(prefix), "--only-summary", "--reset-stats", "--stop-timeout", "10", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL, stderr=open(f"{prefix}.log", "w"),
    )
    rows = {row["Name"]: row for row in csv.DictReader(open(f"{prefix}_stats.csv"))}
    failures = list(csv.DictReader(open(f"{prefix}_failures.csv"))) if Path(f"{prefix}_failures.csv").exists() else []
    exceptions = list(csv.DictReader(open(f"{prefix}_exceptions.csv"))) if Path(f"{prefix}_exceptions.csv").exists() else []
    agg = rows.pop("Aggregated")

    def num(value: str) -> float:
        return 0.0 if value in ("", "N/A") else float(value)  # Locust writes N/A for a request with no samples

    def row(r):
        return {"requests": int(r["Request Count"]), "failures": int(r["Failure Count"]), "rps": num(r["Requests/s"]),
                "avg": num(r["Average Response Time"]), "p50": num(r["50%"]), "p95": num(r["95%"]),
                "p99": num(r["99%"]), "max": num(r["Max Response Time"])}

    return {**row(agg), "users": users, "seconds": seconds, "by_name": {name: row(r) for name, r in rows.items()},
            "failure_list": failures[:20], "exceptions": len(exceptions)}


SIGN_IN_SECONDS = 5  # a run's users start at users/2 per second: all signed in within this


def _next_totp_window(previous_start: float | None) -> float:
    """Wait, if need be, for a TOTP window later than the one the previous run signed its accounts in
    (each run signs them in afresh, and django-otp refuses a code no later than the last one used, as it
    would a person's); a run of more than 30 s has already left it. The start time of the next run."""
    if previous_start is not None:
        window_after = ((previous_start + SIGN_IN_SECONDS) // 30 + 1) * 30
        time.sleep(max(0.0, window_after - time.time() + 0.5))
    return time.time()


def _db_active_ms(url: str) -> float:
    """Time PostgreSQL's backends spent executing statements in this database (pg_stat_database.active_time)."""
    with _psql(url) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        return float(conn.execute("SELECT active_time FROM pg_stat_database WHERE datname = current_database()").fetchone()[0])


def bench_load(suffix: str, quick: bool) -> dict:
    """Saturation throughput (users stepped up until requests/s stop growing), then
    p50/p95/p99 at about half of it, with the database's share of the time."""
    # On a copy: what the load writes (cases, notices, drafts) never reaches the database whose pages
    # sections 4–4c measure, so a later run's correspondence list does not list the load's notices.
    url = db_url(f"{suffix}_load")
    db_create(url, drop=True, template=db_url(suffix))
    try:
        return _bench_load(url, suffix, quick)
    finally:
        db_drop(url)


def _bench_load(url: str, suffix: str, quick: bool) -> dict:
    users_file = STATE / "load-users.json"
    # An account per simulated person (up to 48 at once): django-otp refuses a TOTP code already used, so two
    # load users signing in to one account within the same 30 s would see the second refused, as a person would.
    users_file.write_text(json.dumps(django_step(url, "loadusers", "--count", "48")))
    media = Path(tempfile.mkdtemp(prefix="bench-load-media-"))
    extra = dict(MEDIA_ROOT=media, REDIS_URL=REDIS_URL, ALLOWED_HOSTS="127.0.0.1")
    env = production_static(env_for(url, **extra))
    log_file = open(STATE / "load-server.log", "wb")
    gunicorn = subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), "imrsite.wsgi", "-b", f"127.0.0.1:{LOAD_PORT}", "-w", "4",
         "--access-logfile", "/dev/null", "--timeout", "60"],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    worker = subprocess.Popen(
        [str(Path(PY).parent / "celery"), "-A", "imrsite", "worker", "--concurrency=1", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    locust_env = {**os.environ, "LOAD_USERS": str(users_file)}
    try:
        if not wait_healthy(LOAD_PORT, 90):
            raise SystemExit(f"gunicorn on {LOAD_PORT} did not start (see {log_file.name})")
        seconds = 15 if quick else 45
        steps = []
        started = None
        for users in ([4, 16] if quick else [4, 8, 16, 32, 48]):
            started = _next_totp_window(started)
            result = _locust(LOAD_PORT, users, seconds, STATE / f"load-step-{users}", locust_env)
            result["loadavg"] = loadavg()
            steps.append(result)
            log(f"load: {users} users → {result['rps']:.1f} req/s, p95 {result['p95']:.0f} ms, {result['failures']} failures")
            if len(steps) >= 2 and result["rps"] < steps[-2]["rps"] * 1.1:
                break  # saturated: more users, no more throughput
        saturation = max(step["rps"] for step in steps)
        # Users for half the saturation throughput, from the lightest step's requests/s per user.
        per_user = steps[0]["rps"] / steps[0]["users"]
        half_users = max(1, round(saturation / 2 / per_user))
        _next_totp_window(started)
        before = _db_active_ms(url)
        half = _locust(LOAD_PORT, half_users, seconds * 2, STATE / "load-half", locust_env)
        db_ms = _db_active_ms(url) - before
        half["loadavg"] = loadavg()
        half["db_active_ms"] = db_ms
        half["db_share"] = db_ms / (half["avg"] * half["requests"]) if half["requests"] else 0
        log(f"load at half: {half_users} users → {half['rps']:.1f} req/s, p50 {half['p50']:.0f} / p95 {half['p95']:.0f} / "
            f"p99 {half['p99']:.0f} ms, {half['failures']} failures, database {half['db_share']:.0%} of the time")
    finally:
        for proc in (gunicorn, worker):
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in (gunicorn, worker):
            proc.wait(timeout=60)
        log_file.close()
    return {"suffix": suffix, "steps": steps, "saturation_rps": saturation, "half": half, "half_users": half_users}
