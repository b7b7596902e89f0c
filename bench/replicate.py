"""Grow a generated benchmark database k-fold in SQL: `python -m bench.replicate DATABASE_URL K`.

generate_cases makes about a hundred cases a second on this shared 2-core
machine (far less than its quiet-machine rate: other engineers' test suites
take the cores), so a million cases would take hours. This copies every row
of the tables generate_cases writes (parties, cases, items, documents,
assignments, determinations, item decisions) K-1 more times with shifted
primary keys and foreign keys, and case numbers suffixed "-2" … "-K": the
same distributions and dates, K times the rows per month. Bench only; the
figures in BENCHMARKS.md say which databases were grown this way.
"""

import sys

import psycopg

TABLES = [
    "cases_party", "cases_case", "cases_disputeditem", "cases_casedocument", "reviewers_assignment",
    "determinations_determination", "determinations_itemdecision",
]


def foreign_keys(conn) -> dict[tuple[str, str], str]:
    """(table, column) → referenced table, for the tables copied."""
    rows = conn.execute(
        """
        SELECT cl.relname, att.attname, ref.relname
        FROM pg_constraint con
        JOIN pg_class cl ON cl.oid = con.conrelid
        JOIN pg_class ref ON ref.oid = con.confrelid
        JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
        WHERE con.contype = 'f' AND cl.relname = ANY(%s)
        """,
        [TABLES],
    ).fetchall()
    return {(table, column): ref for table, column, ref in rows}


def columns(conn, table: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position", [table]
    ).fetchall()]


def replicate(url: str, k: int) -> None:
    with psycopg.connect(url) as conn:
        fks = foreign_keys(conn)
        top = {t: conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0] for t in TABLES}
        for j in range(1, k):
            for table in TABLES:
                names, values = [], []
                for column in columns(conn, table):
                    names.append(f'"{column}"')
                    ref = fks.get((table, column))
                    if column == "id":
                        values.append(f"id + {j * top[table]}")
                    elif ref in top:
                        values.append(f'"{column}" + {j * top[ref]}')
                    elif table == "cases_case" and column == "number":
                        values.append(f"number || '-{j + 1}'")
                    else:
                        values.append(f'"{column}"')
                conn.execute(
                    f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(values)} FROM {table} "
                    f"WHERE id <= {top[table]}"
                )
            conn.commit()
            print(f"copy {j + 1}/{k} written", flush=True)
        for table in TABLES:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


if __name__ == "__main__":
    replicate(sys.argv[1], int(sys.argv[2]))
