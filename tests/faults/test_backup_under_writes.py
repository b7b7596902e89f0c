"""Fault 7: `make backup` while clerks keep uploading; the backup restores
into an empty database and folder, consistent: every file a restored row
references is there with its recorded sha256, and the row counts match.
"""

import hashlib
import os
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.db import connection

from cases.services.documents import document_add
from cases.tests.helpers import pdf_bytes
from tests.factories import CaseFactory, UserFactory

from .procs import ROOT

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_while_writing_restores_consistently(fault, pg_cluster, tmp_path):
    fault.name = "7. make backup during writes"
    from django.core.files.uploadedfile import SimpleUploadedFile

    clerk = UserFactory(role="intake")
    case = CaseFactory()
    stop = threading.Event()
    written = []

    def writer():
        i = 0
        while not stop.is_set():
            document_add(case=case, uploaded_file=SimpleUploadedFile(f"w{i}.pdf", pdf_bytes(), content_type="application/pdf"),
                         kind="medical_record", title=f"w{i}", user=clerk)
            written.append(i)
            i += 1
        connection.close()

    db = connection.settings_dict
    url = f"postgres://postgres@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": settings.MEDIA_ROOT}
    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(1)
    backup = subprocess.run([sys.executable, "scripts/backup.py", "backup", "--dir", str(tmp_path / "bk")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    time.sleep(1)
    stop.set()
    thread.join(60)
    assert backup.returncode == 0, backup.stderr

    restored_db = f"restored_{os.getpid()}"
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(pg_cluster.port), "-U", "postgres", "-qc", f"CREATE DATABASE {restored_db}"], check=True)
    media = tmp_path / "restored-media"
    restore = subprocess.run([sys.executable, "scripts/backup.py", "restore", str(tmp_path / "bk")], cwd=ROOT,
                             env={**env, "DATABASE_URL": pg_cluster.url(restored_db), "MEDIA_ROOT": str(media)},
                             capture_output=True, text=True, timeout=300)
    assert restore.returncode == 0, restore.stdout + restore.stderr
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=pg_cluster.port, user="postgres", dbname=restored_db) as conn:
        rows = conn.execute("SELECT file, sha256 FROM cases_casedocument").fetchall()
    missing = [name for name, sha in rows if not (media / name).is_file() or hashlib.sha256((media / name).read_bytes()).hexdigest() != sha]
    assert rows and not missing, missing
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(pg_cluster.port), "-U", "postgres", "-qc", f"DROP DATABASE {restored_db}"], check=False)
    fault.record(
        saw=f"nothing: {len(written)} uploads went on during the backup",
        lost=f"nothing: the restore matched the manifest; all {len(rows)} documents in the snapshot have their file with its sha256",
    )
