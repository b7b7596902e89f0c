"""Trigram indexes for the case search (number, claim number, employee name).

The case list and the case admin search with `icontains`, which Django
writes on PostgreSQL as `UPPER(col::text) LIKE UPPER('%term%')`: a GIN
trigram index on exactly that expression serves it, where a b-tree cannot
(a leading wildcard). PostgreSQL only: SQLite (the first-run default) has no
pg_trgm and scans its small tables quickly enough. pg_trgm is a trusted
extension (PostgreSQL 13+), so the database owner may create it.
"""

from django.db import migrations

INDEXES = [
    ("case_number_trgm_idx", "cases_case", "number"),
    ("case_claim_number_trgm_idx", "cases_case", "claim_number"),
    ("party_name_trgm_idx", "cases_party", "name"),
    ("party_normalized_name_trgm_idx", "cases_party", "normalized_name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)',
            params=None,
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"', params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
