"""`make backup` / `make restore` round-trip a populated database and its files (PostgreSQL)."""

import io
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

from accounts import audit
from cases.models import Case

from .phi_world import stored_document

BASE_DIR = Path(__file__).resolve().parent.parent
SCRIPT = BASE_DIR / "scripts" / "backup.py"

sys.path.insert(0, str(SCRIPT.parent))
import backup as backup_script  # noqa: E402  the script under test, for its counting helpers

needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump / pg_restore need PostgreSQL")


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (":" + quote(s["PASSWORD"]) if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def _run(*args, database: str, media: Path):
    env = {**os.environ, "DATABASE_URL": _url(database), "MEDIA_ROOT": str(media)}
    env.pop("TEST_DATABASE_NAME", None)
    return subprocess.run([sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300)


def _counts_in(name: str) -> dict[str, int]:
    import psycopg

    s = connection.settings_dict
    with psycopg.connect(
        dbname=name, user=s["USER"], password=s.get("PASSWORD") or None, host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432
    ) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


@needs_postgresql
def test_backup_and_restore_round_trip(transactional_db, tmp_path, settings):
    call_command("generate_cases", "--count", "200", stdout=io.StringIO())
    case = Case.objects.order_by("pk").first()
    stored_document(case, name="Núñez MRI report.pdf")
    stored_document(case, name="second.pdf", content=b"%PDF-1.4\nanother\n%%EOF\n")
    audit.record(audit.Action.CASE_VIEW, case=case)
    media = Path(settings.MEDIA_ROOT)
    live_name = connection.settings_dict["NAME"]
    restored_name = f"{live_name}_restored"
    folder = tmp_path / "backup"

    made = _run("backup", "--dir", str(folder), database=live_name, media=media)
    assert made.returncode == 0, made.stderr
    assert {p.name for p in folder.iterdir()} == {"database.dump", "media.tar.gz", "manifest.json"}

    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        cursor.execute(f'CREATE DATABASE "{restored_name}"')
    try:
        restored_media = tmp_path / "restored-media"
        done = _run("restore", str(folder), database=restored_name, media=restored_media)
        assert done.returncode == 0, done.stderr
        assert "match the manifest" in done.stdout

        live, restored = _counts_in(live_name), _counts_in(restored_name)
        assert live == restored  # table by table
        assert restored["cases_case"] >= 200 and restored["accounts_auditevent"] >= 1
        live_files, restored_files = backup_script.media_hashes(media), backup_script.media_hashes(restored_media)
        assert live_files == restored_files and len(live_files) == 2  # file by file, sha256

        # A second restore into the now populated database is refused, nothing touched.
        again = _run("restore", str(folder), database=restored_name, media=tmp_path / "elsewhere")
        assert again.returncode == 2 and "not empty" in again.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')


@needs_postgresql
def test_a_damaged_backup_is_refused(transactional_db, tmp_path, settings):
    folder = tmp_path / "backup"
    assert _run("backup", "--dir", str(folder), database=connection.settings_dict["NAME"], media=Path(settings.MEDIA_ROOT)).returncode == 0
    with open(folder / "database.dump", "ab") as handle:
        handle.write(b"x")
    done = _run("restore", str(folder), database="postgres", media=tmp_path / "m")
    assert done.returncode == 2 and "checksum" in done.stderr


def test_sqlite_is_refused_with_a_clear_message(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    done = subprocess.run([sys.executable, str(SCRIPT), "backup", "--dir", str(tmp_path / "b")], env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "need PostgreSQL" in done.stderr
