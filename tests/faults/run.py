"""`make faults`: the fault tests against real services, then the table.

    python -m tests.faults.run [pytest args]

Starts a PostgreSQL cluster of its own (initdb + pg_ctl on a spare port, in a
temp dir, as the `postgres` user) and picks a port for the tests' own
redis-server, runs the tests in tests/faults against them (the tests stop and
restart both), then prints fault -> what users saw -> what was lost. Never
touches the machine's shared PostgreSQL or Redis. Exit status: pytest's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from tests.faults.procs import ROOT, PostgresCluster, free_port, postgres_bin


def table(rows: list[dict]) -> str:
    widths = (34, 58, 34)
    heads = ("Fault", "What users saw", "What was lost")
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line, "| " + " | ".join(h.ljust(w) for h, w in zip(heads, widths)) + " |", line.replace("-", "=")]
    for row in rows:
        cells = [textwrap.wrap(str(row[k]), w) or [""] for k, w in zip(("fault", "saw", "lost"), widths)]
        for i in range(max(map(len, cells))):
            out.append("| " + " | ".join((c[i] if i < len(c) else "").ljust(w) for c, w in zip(cells, widths)) + " |")
        out.append(line)
    return "\n".join(out)


def main(argv: list[str]) -> int:
    base = Path(tempfile.mkdtemp(prefix="imr-faults-"))
    os.chmod(base, 0o755)
    report = base / "report.jsonl"
    env = {**os.environ, "IMR_FAULTS": "1", "FAULTS_REPORT": str(report), "FAULTS_BASE": str(base)}
    env.pop("TEST_DATABASE_NAME", None)
    cluster = None
    started = time.monotonic()
    if postgres_bin() is None:
        print("faults: no initdb/pg_ctl under /usr/lib/postgresql/*/bin: the PostgreSQL faults are skipped")
    else:
        cluster = PostgresCluster(base / "pg").init().start()
        env.update({"DATABASE_URL": cluster.url("imr_faults"), "FAULTS_PG_PORT": str(cluster.port),
                    "FAULTS_PG_BASE": str(cluster.base)})
    if shutil.which("redis-server"):
        port = free_port()
        env.update({"REDIS_URL": f"redis://127.0.0.1:{port}/0", "FAULTS_REDIS_PORT": str(port)})
    else:
        print("faults: no redis-server on PATH: the broker and worker faults are skipped")
        env.pop("REDIS_URL", None)
    try:
        rc = subprocess.call(
            [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", "-q", "-rs", "tests/faults", *argv],
            cwd=ROOT, env=env,
        )
    finally:
        if cluster is not None:
            cluster.stop("immediate")
    rows = [json.loads(line) for line in report.read_text().splitlines()] if report.exists() else []
    print()
    print(f"make faults: {len(rows)} fault scenario(s) in {time.monotonic() - started:.0f} s")
    print(table(rows))
    shutil.rmtree(base, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
