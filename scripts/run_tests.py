"""`make test`: the whole suite in two pytest processes at once, one per core.

Each process runs its half serially, exactly as a single run would (pytest-django
puts the transactional tests after the others, so the reference data the
migrations made is there for every ordinary test), with its own test database
and its own Redis database: a Celery worker one half's test starts never takes
the other half's tasks. Arguments (PYTEST_ARGS) run a single pytest instead.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:randomly"]

# Two halves of about equal run time (measured: the browser tests and the
# worker/backup tests are the slow ones). A new app's tests join the second
# half unless listed here.
FIRST_HALF = ["tests", "publications", "reports", "worklists"]


def halves() -> list[list[str]]:
    apps = sorted(
        p.name
        for p in ROOT.iterdir()
        if p.is_dir() and not p.name.startswith(".") and ((p / "tests").is_dir() or p.name == "tests")
    )
    first = [a for a in FIRST_HALF if a in apps]
    second = [a for a in apps if a not in first]
    return [first, second]


def env_for(index: int) -> dict:
    env = dict(os.environ)
    database_url = env.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        name = urlsplit(database_url).path.strip("/") or "imr"
        env["TEST_DATABASE_NAME"] = f"test_{name}_{index}"
    if env.get("REDIS_URL"):
        url = urlsplit(env["REDIS_URL"])
        db = (int(url.path.strip("/") or 0) + index) % 16
        env["REDIS_URL"] = url._replace(path=f"/{db}").geturl()
    return env


def main(args: list[str]) -> int:
    if args:
        return subprocess.call([*PYTEST, *args], cwd=ROOT)
    logs = ROOT / "var" / "test-logs"
    logs.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    runs = []
    for index, paths in enumerate(halves()):
        log = logs / f"half-{index + 1}.log"
        print(f"tests, half {index + 1}: {' '.join(paths)} (output: {log.relative_to(ROOT)})", flush=True)
        handle = log.open("w")
        runs.append((index, log, subprocess.Popen([*PYTEST, *paths], cwd=ROOT, env=env_for(index), stdout=handle,
                                                  stderr=subprocess.STDOUT)))
        handle.close()
    failed = False
    for index, log, process in runs:
        code = process.wait()
        print(f"\n===== half {index + 1} (exit {code}) =====", flush=True)
        sys.stdout.write(log.read_text(errors="replace"))
        failed |= code != 0
    print(f"\nmake test: {'FAILED' if failed else 'passed'} in {time.monotonic() - started:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
