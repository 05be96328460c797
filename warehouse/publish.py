"""Build and publish the warehouse atomically, so that readers are never blocked.

The published file is `DIR/warehouse.duckdb`. A writer never opens it: it copies it (or starts from
nothing with `rebuild=True`) to `DIR/.warehouse.building.duckdb`, works on the copy, checkpoints and
closes it, and `os.replace`s it over the published file. An analyst's open read-only connection keeps
reading the old file (POSIX keeps the replaced inode alive) and sees the new data on reconnect.
Writers take `DIR/.warehouse.lock` (flock), so the nightly load and a reviewer's `xxgk review` follow
each other instead of losing one another's work.

    with publishing(data_dir) as con:            # any work on a writable connection
        load_records(con, records, corrections=data_dir)

    publish_records(data_dir, records, documents=documents_from_harvest(DIR / "harvest.duckdb"),
                    columns=columns_from_harvest(DIR / "harvest.duckdb"))
    republish(data_dir)                         # after the corrections file changed
"""

from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import duckdb

from warehouse.load import LoadResult, connect, load_records, refresh, sync_corrections, _corrections_entries

WAREHOUSE = "warehouse.duckdb"
BUILDING = ".warehouse.building.duckdb"
LOCK = ".warehouse.lock"


def warehouse_path(data_dir: str | os.PathLike) -> Path:
    return Path(data_dir) / WAREHOUSE


@contextmanager
def _lock(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOCK, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def publishing(data_dir: str | os.PathLike, rebuild: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable connection to a copy of the published warehouse, published when the block ends
    without an error (and thrown away when it raises)."""
    d = Path(data_dir)
    with _lock(d):
        published, building = d / WAREHOUSE, d / BUILDING
        for stale in (building, building.with_name(BUILDING + ".wal")):
            stale.unlink(missing_ok=True)
        if published.exists() and not rebuild:
            shutil.copyfile(published, building)
        con = connect(building)
        try:
            yield con
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            building.unlink(missing_ok=True)
            raise
        con.close()
        os.replace(building, published)


def publish_records(
    data_dir: str | os.PathLike,
    records: Iterable[Mapping[str, Any]],
    documents: Mapping[str, Mapping[str, Any]] | Iterable[Mapping[str, Any]] | None = None,
    region_code: str | None = None,
    source_id: str | None = None,
    rebuild: bool = False,
    columns: list[Mapping[str, Any]] | None = None,
) -> LoadResult:
    """Load records (with the data folder's corrections) into a copy and publish it; `columns` (from
    `columns_from_harvest`) replaces the portal columns the warehouse knows."""
    with publishing(data_dir, rebuild=rebuild) as con:
        result = load_records(con, records, documents=documents, region_code=region_code, source_id=source_id,
                              corrections=data_dir)
        if columns is not None:
            con.execute("DELETE FROM portal_columns")
            if columns:
                con.executemany("INSERT INTO portal_columns VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
                    [c["source_id"], c.get("region_code"), c["url"], c.get("agency"), c.get("agency_basis"), c["status"],
                     c.get("first_seen_at"), c.get("last_seen_at")] for c in columns])
        return result


def republish(data_dir: str | os.PathLike) -> None:
    """Apply the data folder's corrections file to the warehouse and publish it."""
    with publishing(data_dir) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            rewide = sync_corrections(con, _corrections_entries(con, data_dir))
            refresh(con, set(), rewide, versions=True)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def open_published(data_dir: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse (what analysts and `xxgk query` use)."""
    path = warehouse_path(data_dir)
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: load one first")
    return duckdb.connect(str(path), read_only=True)


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchone()[0])


def columns_from_harvest(harvest_db: str | os.PathLike,
                         source_regions: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The 年报 columns the harvest's discovery found (harvest_columns), with the entry's region code."""
    con = duckdb.connect(str(harvest_db), read_only=True)
    try:
        if not _has_table(con, "harvest_columns"):
            return []
        cursor = con.execute("SELECT source_id, url, agency, agency_basis, status, first_seen_at, last_seen_at "
                             "FROM harvest_columns ORDER BY source_id, url")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()
    regions = source_regions or {}
    return [dict(row, region_code=regions.get(row["source_id"])) for row in rows]


def _column_agencies(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """sha256 → the agency of the column the document was published in (where discovery told it)."""
    if not _has_table(con, "harvest_columns"):
        return {}
    return dict(con.execute("""
        SELECT f.sha256, arg_min(c.agency, f.fetch_id)
        FROM harvest_fetches f JOIN harvest_columns c ON c.source_id = f.source_id AND c.url = f.column_url
        WHERE f.sha256 IS NOT NULL AND f.outcome <> 'failed' AND f.kind <> 'listing' AND c.agency IS NOT NULL
        GROUP BY f.sha256""").fetchall())


def documents_from_harvest(harvest_db: str | os.PathLike,
                           source_regions: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """What the harvester's fetch log (warehouse/sql/harvest.sql) knows of each document, by sha256:
    url, source_id, title, published_on, fetched_at, size, the agency of the portal column it was
    published in (`column_agency`, where discovery told it), and the registry entry's region_code when
    `source_regions` (source id → region code, from sources.yaml) is given."""
    con = duckdb.connect(str(harvest_db), read_only=True)
    try:
        column_agencies = _column_agencies(con)
        rows = con.execute("""
            SELECT sha256, arg_min(coalesce(final_url, url), fetch_id) AS url, arg_min(source_id, fetch_id),
                   arg_min(coalesce(entry_title, link_text), fetch_id), min(published_on), min(fetched_at), any_value(size)
            FROM harvest_fetches WHERE sha256 IS NOT NULL AND outcome <> 'failed' AND kind <> 'listing'
            GROUP BY sha256""").fetchall()
    finally:
        con.close()
    regions = source_regions or {}
    return {
        sha: {"url": url, "source_id": src, "region_code": regions.get(src), "title": title,
              "published_on": pub, "fetched_at": fetched, "size": size, "column_agency": column_agencies.get(sha)}
        for sha, url, src, title, pub, fetched, size in rows
    }
