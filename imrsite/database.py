"""Database connection settings that depend on the engine (imrsite.settings calls `configure`)."""


def configure(database: dict, *, sqlite_busy_seconds: float = 20.0) -> dict:
    """Add the engine's options to a DATABASES entry (in place; returned for convenience).

    SQLite, the first-run default, serves a browser with several people in
    it (issue 19 item 18): readers never wait for a writer (WAL), a writer
    waits its turn for up to `sqlite_busy_seconds` instead of failing at once
    with "database is locked", and every transaction takes the write lock
    when it begins (IMMEDIATE). Without that, two read-then-write
    transactions (select_for_update, which SQLite ignores) both read, and
    the second to write fails at once: SQLite cannot wait its way out of
    that. What still fails (an outage, a wait past the timeout) is answered
    by imrsite.middleware.DatabaseUnavailableMiddleware with a "try again" page.

    PostgreSQL fails fast instead of piling up behind a lock (security.md §2.5);
    the same middleware answers a lock or statement timeout.
    """
    engine = database.get("ENGINE", "")
    options = database.setdefault("OPTIONS", {})
    if engine == "django.db.backends.sqlite3":
        options.update({
            "timeout": sqlite_busy_seconds,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                f"PRAGMA busy_timeout={int(sqlite_busy_seconds * 1000)}"
            ),
        })
    elif engine == "django.db.backends.postgresql":
        options["options"] = (
            "-c statement_timeout=30000 -c lock_timeout=5000 "
            "-c idle_in_transaction_session_timeout=60000"
        )
    return database
