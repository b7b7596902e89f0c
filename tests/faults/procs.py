"""The real services the fault tests stop and start: their own PostgreSQL
cluster, their own redis-server, Celery workers and an SMTP server.

Never the machine's shared PostgreSQL or Redis: the cluster lives in a temp
dir on a spare port, run as the `postgres` user (initdb refuses root), and
redis-server likewise on a spare port with no persistence.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def wait_until(predicate, seconds: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    raise TimeoutError(f"timed out after {seconds}s waiting for {what}\n{tail}")


def postgres_bin() -> Path | None:
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").exists() and Path(folder, "pg_ctl").exists():
            return Path(folder)
    return None


def _as_postgres(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    runuser = shutil.which("runuser")
    return [runuser, "-u", "postgres", "--", *argv] if runuser else ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(argv)]


class PostgresCluster:
    """initdb + pg_ctl on a spare port, in a temp dir owned by `postgres`."""

    def __init__(self, base: Path, port: int | None = None):
        self.bin = postgres_bin()
        self.base = base
        self.data = base / "data"
        self.log = base / "postgres.log"
        self.port = port or free_port()

    def _run(self, *argv, check=True, timeout=120):
        return subprocess.run(_as_postgres([str(self.bin / argv[0]), *argv[1:]]), check=check, timeout=timeout,
                              capture_output=True, text=True)

    def init(self) -> "PostgresCluster":
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
        return self

    def start(self) -> "PostgresCluster":
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
            "-o", f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60",
            "start",
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        self.stop("fast")
        self.start()

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


class RedisServer:
    def __init__(self, base: Path, port: int | None = None):
        self.base = base
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log = base / "redis.log"

    def start(self) -> "RedisServer":
        self.base.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.base), "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        wait_until(lambda: port_open(self.port), 20, "redis-server to listen", self.log)
        return self

    def stop(self) -> None:
        """Gone at once, as a crashed Redis (SIGKILL: no time for clients to notice gracefully)."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        wait_until(lambda: not port_open(self.port), 10, "redis-server to stop")

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


class Worker:
    """`celery worker -c1 --pool=prefork` in its own process group, logging to a file."""

    def __init__(self, env: dict, log: Path, beat: bool = False):
        self.env, self.log, self.beat = env, log, beat
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Worker":
        handle = self.log.open("ab")
        argv = [sys.executable, "-m", "celery", "-A", "imrsite", "worker", "-c1", "--pool=prefork",
                "--without-mingle", "--without-gossip", "--loglevel=INFO", f"--hostname=faults-{time.time_ns()}@%h"]
        if self.beat:
            argv += ["-B", f"--schedule={self.log.with_suffix('.beat')}"]
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        handle.close()
        wait_until(lambda: " ready." in self.log.read_text(errors="replace"), 90, "worker start", self.log)
        return self

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
