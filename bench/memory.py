"""7. Memory: does a long-running process grow?

A Celery worker with one child and no recycling (CELERY_WORKER_MAX_TASKS_PER_CHILD=1000000,
so one process renders every letter) is sampled after 100 and after 1,000 letters;
a gunicorn web worker (one sync worker, production settings: DEBUG off, 2FA
checked on every request) after 1,000 and 10,000 requests cycling through the
staff and public pages. Resident memory is read from /proc (VmRSS). Budget: the
later figure within 10 % of the earlier one.
"""

import itertools
import os
import subprocess
import tempfile
import threading
from pathlib import Path

MEMORY_BUDGET = 1.10


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _worker_memory(quick: bool) -> dict:
    from bench.run import Worker, _flush_redis, db_url, django_step, log

    url = db_url("scratch")
    media = tempfile.mkdtemp(prefix="bench-memory-media-")
    _flush_redis()
    worker = Worker(url, media, ["--concurrency=1"], {"CELERY_WORKER_MAX_TASKS_PER_CHILD": "1000000"})
    samples = []
    try:
        # Each determination has two letters (the parties' and the public copy).
        rendered = 0
        for determinations in ((2, 48, 450) if not quick else (2, 18, 30)):  # --quick: 40 vs 100 letters
            out = django_step(url, "throughput", "--letters", determinations, "--seed", 500 + rendered, "--no-bare",
                              redis=True, MEDIA_ROOT=media)
            rendered += out["letters"]
            kids = children(worker.proc.pid)
            if len(kids) != 1:
                raise SystemExit(f"memory: expected one worker child, found {kids}")
            samples.append({"letters": rendered, "rss_kib": rss_kib(kids[0]), "pid": kids[0], "rate": out["worker_rate"]})
            log(f"memory: worker child {kids[0]} after {rendered} letters: {samples[-1]['rss_kib'] / 1024:.1f} MiB")
    finally:
        worker.stop()
    if len({s["pid"] for s in samples}) != 1:
        raise SystemExit("memory: the worker child was replaced during the run")
    return {"samples": samples}


def _web_memory(quick: bool) -> dict:
    from bench.run import PY, ROOT, STATE, db_url, django_step, env_for, log, production_static, request, wait_healthy

    url = db_url("1k")
    info = django_step(url, "sessions")
    port = 8791
    env = production_static(env_for(url, ALLOWED_HOSTS="127.0.0.1"))
    log_file = open(STATE / "memory-web.log", "wb")
    server = subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), "imrsite.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1",
         "--access-logfile", "/dev/null", "--timeout", "60"],
        cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
    )
    pages = [(url_, {"Cookie": info["cookies"][role]} if info["cookies"][role] else {}) for role, url_ in info["urls"].values()]
    cycle = itertools.cycle(pages)
    lock = threading.Lock()
    errors: list[str] = []
    samples = []
    try:
        if not wait_healthy(port, 60):
            raise SystemExit(f"memory: gunicorn on {port} did not start (see {log_file.name})")
        (web,) = children(server.pid)

        def run(n: int) -> None:
            for _ in range(n):
                with lock:
                    path, headers = next(cycle)
                status, _ = request(port, path, headers)
                if status != 200:
                    errors.append(f"{path}: HTTP {status}")
                    return

        done = 0
        for target in (1000, 10000) if not quick else (200, 600):
            threads = [threading.Thread(target=run, args=((target - done) // 2,)) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if errors:
                raise SystemExit(f"memory: {errors[0]}")
            done = target
            samples.append({"requests": done, "rss_kib": rss_kib(web), "pid": web})
            log(f"memory: web worker {web} after {done} requests: {samples[-1]['rss_kib'] / 1024:.1f} MiB")
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log_file.close()
    return {"samples": samples, "pages": [p for p, _ in pages]}


def bench_memory(quick: bool) -> dict:
    return {"worker": _worker_memory(quick), "web": _web_memory(quick)}


def report(memory: dict) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Budget rows and the section's lines."""
    from bench.report import _ok

    rows, lines = [], [
        "## 7. Memory of long-running processes",
        "",
        (__doc__ or "").split("\n\n", 1)[1].replace("\n", " ").strip(),
        "",
        "| process | early | late | late / early |",
        "|---|---|---|---|",
    ]
    for key, unit, label in (("worker", "letters", "a letter worker process"), ("web", "requests", "a web worker")):
        early, late = memory[key]["samples"][-2], memory[key]["samples"][-1]
        ratio = late["rss_kib"] / early["rss_kib"]
        lines.append(
            f"| {label} | {early['rss_kib'] / 1024:.1f} MiB after {early[unit]:,} {unit} | "
            f"{late['rss_kib'] / 1024:.1f} MiB after {late[unit]:,} {unit} | {ratio:.3f} |"
        )
        rows.append((f"{label}: RSS after {late[unit]:,} {unit} ≤ {MEMORY_BUDGET:.2f}× after {early[unit]:,}",
                     f"{ratio:.3f}× ({late['rss_kib'] / 1024:.1f} vs {early['rss_kib'] / 1024:.1f} MiB)", _ok(ratio <= MEMORY_BUDGET)))
    lines += ["", "Pages the web worker cycled through: " + ", ".join(f"`{p}`" for p in memory["web"]["pages"]) + ".", ""]
    return rows, lines
