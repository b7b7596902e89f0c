"""Back up and restore the database and the stored files (`make backup`, `make restore`).

    python scripts/backup.py backup [--dir DIR]
    python scripts/backup.py restore DIR

A backup is a folder (default var/backups/<UTC timestamp>/) holding
`database.dump` (pg_dump custom format), `media.tar.gz` (every file under
MEDIA_ROOT) and `manifest.json`: the row count of every table, the sha256
of every stored file and of the two archives. Restore goes into an EMPTY
database named by DATABASE_URL and an empty MEDIA_ROOT, then compares the
result with the manifest table by table and file by file, and exits non-zero
on any difference. PostgreSQL only: the SQLite demo database is a file, copy
it (and var/media) while the app is stopped.

Backups hold health information: keep them on encrypted storage (README).
"""

import argparse
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from datetime import datetime, timezone
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DUMP, MEDIA, MANIFEST = "database.dump", "media.tar.gz", "manifest.json"


class BackupError(Exception):
    pass


def _setup_django():
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imrsite.settings")
    import django

    django.setup()


def _database():
    from django.db import connection

    if connection.vendor != "postgresql":
        raise BackupError(
            "make backup / make restore need PostgreSQL (set DATABASE_URL=postgres://...). "
            "The SQLite demo database is one file: stop the app and copy db.sqlite3 and var/media."
        )
    return connection


def _libpq_env(connection) -> dict:
    """pg_dump and pg_restore read the connection from libpq's variables (no password on the command line)."""
    s = connection.settings_dict
    env = dict(os.environ)
    for var, value in (("PGHOST", s.get("HOST")), ("PGPORT", s.get("PORT")), ("PGUSER", s.get("USER")),
                       ("PGPASSWORD", s.get("PASSWORD")), ("PGDATABASE", s.get("NAME"))):
        if value:
            env[var] = str(value)
    sslmode = (s.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def row_counts(connection) -> dict[str, int]:
    tables = sorted(connection.introspection.table_names())
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def media_hashes(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): _sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}


def backup(target: Path | None) -> Path:
    from django.conf import settings

    connection = _database()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = target or Path(os.environ.get("BACKUP_DIR") or BASE_DIR / "var" / "backups") / stamp
    target.mkdir(parents=True, exist_ok=False)
    media_root = Path(settings.MEDIA_ROOT)

    # One consistent moment while people keep working: the row counts and
    # pg_dump read the same exported snapshot; the files are archived AFTER
    # the dump, and a file is stored before its row commits, so every file a
    # dumped row references is in the archive (files newer than the snapshot
    # may be there too: harmless, they have no row).
    from django.db import transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        counts = row_counts(connection)
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", f"--file={target / DUMP}"],
            env=_libpq_env(connection), check=True,
        )
    files = {}
    with tarfile.open(target / MEDIA, "w:gz") as archive:
        for path in sorted(media_root.rglob("*")) if media_root.exists() else []:
            if not path.is_file():
                continue
            try:
                data = path.read_bytes()  # hashed and archived from the same bytes
            except FileNotFoundError:
                continue  # removed meanwhile (a failed upload cleaning up)
            name = str(path.relative_to(media_root))
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), int(path.stat().st_mtime) if path.exists() else 0, 0o600
            archive.addfile(info, io.BytesIO(data))
            files[name] = hashlib.sha256(data).hexdigest()
    manifest = {
        "created_at": datetime.now(timezone.utc).isoformat(),
        "database": connection.settings_dict["NAME"],
        "tables": counts,
        "media": files,
        "archives": {DUMP: _sha256(target / DUMP), MEDIA: _sha256(target / MEDIA)},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    print(f"Backup written to {target}: {len(counts)} tables, {sum(counts.values())} rows, {len(files)} files.")
    return target


def restore(source: Path) -> None:
    from django.conf import settings

    connection = _database()
    manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    for name, expected in manifest["archives"].items():
        if _sha256(source / name) != expected:
            raise BackupError(f"{source / name} does not match its checksum in the manifest: refusing to restore")
    if connection.introspection.table_names():
        raise BackupError(
            f"database {connection.settings_dict['NAME']} is not empty: restore goes into a new, empty database "
            "(createdb NAME, then DATABASE_URL=postgres://.../NAME make restore BACKUP=...)"
        )
    media_root = Path(settings.MEDIA_ROOT)
    if media_hashes(media_root):
        raise BackupError(f"MEDIA_ROOT {media_root} is not empty: restore the files into an empty folder")
    connection.close()  # pg_restore works on its own connection

    subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         f"--dbname={connection.settings_dict['NAME']}", str(source / DUMP)],
        env=_libpq_env(connection), check=True,
    )
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / MEDIA, "r:gz") as archive:
        archive.extractall(media_root, filter="data")  # no absolute paths, no "..", no links out

    problems = compare(manifest, row_counts(connection), media_hashes(media_root))
    if problems:
        raise BackupError("restored, but it differs from the backup:\n  " + "\n  ".join(problems))
    print(f"Restored {source} into {connection.settings_dict['NAME']}: "
          f"{len(manifest['tables'])} tables and {len(manifest['media'])} files match the manifest.")


def compare(manifest: dict, counts: dict, files: dict) -> list[str]:
    problems = []
    for table in sorted(set(manifest["tables"]) | set(counts)):
        want, got = manifest["tables"].get(table), counts.get(table)
        if want != got:
            problems.append(f"table {table}: {want} rows in the backup, {got} restored")
    for name in sorted(set(manifest["media"]) | set(files)):
        if manifest["media"].get(name) != files.get(name):
            problems.append(f"file {name}: differs from the backup (missing, extra or changed)")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="write a backup folder")
    make.add_argument("--dir", type=Path, help="the folder to create (default: $BACKUP_DIR or var/backups/<timestamp>)")
    back = commands.add_parser("restore", help="restore a backup folder into an empty database")
    back.add_argument("source", type=Path)
    args = parser.parse_args(argv)
    _setup_django()
    try:
        if args.command == "backup":
            backup(args.dir)
        else:
            restore(args.source)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as exc:
        print(f"error: {exc.cmd[0]} failed (exit {exc.returncode})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
