"""Versioned migrations: `warehouse/sql/NNN_name.sql`, applied in order, each once, each in a transaction.

The applied versions are recorded in `schema_migrations`. A released migration is never edited; a
change of schema is a new file with the next number. (`harvest.sql` in the same folder belongs to the
harvester's own database and is not a migration.)
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

MIGRATION = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration, in order."""
    folder = Path(__file__).with_name("sql")
    out = []
    for entry in folder.iterdir():
        m = MIGRATION.match(entry.name)
        if m:
            out.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    out.sort()
    versions = [v for v, _, _ in out]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return out


def applied(con: duckdb.DuckDBPyConnection) -> set[int]:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    return {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations not yet applied; returns their versions."""
    done = applied(con)
    new = []
    for version, name, sql in migrations():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        new.append(version)
    return new


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    return max(applied(con), default=0)
