"""The raw store (content-addressed, atomic, never overwritten) and the DuckDB fetch log.

All of the harvester's database access is here; the schema is `warehouse/sql/harvest.sql`.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "warehouse" / "sql" / "harvest.sql"

FETCH_COLUMNS = (
    "run_id", "source_id", "kind", "url", "final_url", "listing_url", "parent_url", "link_text", "entry_title",
    "published_on", "http_status", "etag", "last_modified", "content_type", "file_name", "encoding", "size",
    "sha256", "attempts", "elapsed_ms", "fetched_at", "outcome", "error", "column_url", "picture_of", "picture_index",
)

_INTS = ("http_status", "size", "attempts", "elapsed_ms", "picture_index")
FETCH_TYPES = {c: pa.int64() if c in _INTS else pa.string() for c in FETCH_COLUMNS}
FETCH_TYPES["published_on"] = pa.date32()
FETCH_TYPES["fetched_at"] = pa.timestamp("us", tz="UTC")


class StoreError(RuntimeError):
    pass


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class RawStore:
    """`root/ab/cd/<sha256>`; written to `root/.tmp/` first, then hard-linked into place (never replacing)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.tmp = self.root / ".tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha[2:4] / sha

    def has(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def get(self, sha: str) -> bytes | None:
        try:
            return self.path(sha).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, data: bytes, sha: str | None = None) -> tuple[str, bool]:
        """Store `data`; returns (sha256, written) where written is False when it was already there."""
        sha = sha or sha256_hex(data)
        final = self.path(sha)
        if final.is_file():
            return sha, False
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = self.tmp / f"{sha}.{uuid.uuid4().hex}.part"
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o444)
        try:
            os.link(temp, final)  # atomic, and fails rather than overwrite
            written = True
        except FileExistsError:
            written = False
        finally:
            temp.unlink(missing_ok=True)
        return sha, written

    def clean_temp(self) -> int:
        """Remove partial files left by an interrupted run (call only while holding the fetch log)."""
        removed = 0
        for leftover in self.tmp.glob("*.part"):
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed

    def count(self) -> int:
        return sum(1 for p in self.root.glob("??/??/*") if p.is_file())


@dataclass(frozen=True, slots=True)
class UrlState:
    url: str
    sha256: str | None
    etag: str | None
    last_modified: str | None
    content_type: str | None
    size: int | None
    encoding: str | None


class FetchLog:
    """The DuckDB file that records every fetch. One writer: a second harvest on the same file is refused."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path))
        except duckdb.IOException as exc:
            raise StoreError(f"cannot open {self.path} (is another harvest running on it?): {exc}") from None
        self.con.execute(SCHEMA_PATH.read_text(encoding="utf-8"))

    def close(self) -> None:
        self.con.close()

    def start_run(self, sources: list[str]) -> str:
        run_id = datetime.now().astimezone().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        self.con.execute(
            "INSERT INTO harvest_runs VALUES (?, ?, NULL, 'running', ?)", [run_id, datetime.now().astimezone(), sources]
        )
        return run_id

    def finish_run(self, run_id: str, status: str) -> None:
        self.con.execute(
            "UPDATE harvest_runs SET finished_at = ?, status = ? WHERE run_id = ?",
            [datetime.now().astimezone(), status, run_id],
        )

    def url_states(self) -> dict[str, UrlState]:
        rows = self.con.execute(
            "SELECT url, sha256, etag, last_modified, content_type, size, encoding FROM harvest_url_state"
        ).fetchall()
        return {row[0]: UrlState(*row) for row in rows}

    def write(self, fetches: list[dict], skips: list[dict]) -> None:
        """Append rows in one transaction."""
        if not fetches and not skips:
            return
        self.con.execute("BEGIN TRANSACTION")
        try:
            if fetches:
                # One columnar insert: executemany costs milliseconds per row.
                batch = pa.table({c: pa.array([row.get(c) for row in fetches], type=FETCH_TYPES[c]) for c in FETCH_COLUMNS})
                self.con.register("harvest_batch", batch)
                try:
                    self.con.execute(
                        f"INSERT INTO harvest_fetches ({', '.join(FETCH_COLUMNS)}) SELECT * FROM harvest_batch"
                    )
                finally:
                    self.con.unregister("harvest_batch")
            if skips:
                self.con.executemany(
                    "INSERT INTO harvest_skips VALUES (?, ?, ?, ?, ?, ?)",
                    [[s["run_id"], s["source_id"], s["url"], s.get("parent_url"), s["reason"], s["seen_at"]] for s in skips],
                )
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise

    # -- columns found by discovery

    def discovery_due(self, source_id: str, every_days: float, now: datetime | None = None) -> bool:
        """True when the source's last finished discovery is older than `every_days` (or there is none)."""
        now = now or datetime.now().astimezone()
        last = self.con.execute(
            "SELECT max(finished_at) FROM harvest_discoveries WHERE source_id = ? AND status <> 'interrupted'",
            [source_id]).fetchone()[0]
        return last is None or (now - last).total_seconds() >= every_days * 86400 - 3600  # an hour's slack for cron

    def record_discovery(self, run_id: str, walk, now: datetime | None = None) -> None:
        """Store a walk's columns; when the walk was complete, columns it did not find are marked gone."""
        now = now or datetime.now().astimezone()
        self.con.execute("BEGIN TRANSACTION")
        try:
            for c in walk.columns:
                self.con.execute("""
                    INSERT INTO harvest_columns VALUES (?, ?, ?, ?, 'discovery', ?, ?, ?, ?, ?, ?, 'active', NULL)
                    ON CONFLICT (source_id, url) DO UPDATE SET agency = excluded.agency, agency_basis = excluded.agency_basis,
                        found_from = excluded.found_from, path = excluded.path, readers = excluded.readers,
                        entries = excluded.entries, last_seen_at = excluded.last_seen_at, status = 'active', gone_since = NULL""",
                    [walk.source_id, c.url, c.agency, c.basis, c.found_from, c.path, ",".join(c.readers), c.entries, now, now])
            if walk.status == "complete" and not walk.unreadable:  # only a whole walk says a column is gone
                self.con.execute(
                    "UPDATE harvest_columns SET status = 'gone', gone_since = ? WHERE source_id = ? AND status = 'active' "
                    "AND url NOT IN (SELECT unnest(?::VARCHAR[]))", [now, walk.source_id, [c.url for c in walk.columns]])
            self.con.execute("INSERT INTO harvest_discoveries VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [run_id, walk.source_id, now, walk.pages, len(walk.columns), walk.status, walk.message or None])
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise

    def active_columns(self, source_id: str) -> list[str]:
        rows = self.con.execute("SELECT url FROM harvest_columns WHERE source_id = ? AND status = 'active' ORDER BY url",
                                [source_id]).fetchall()
        return [r[0] for r in rows]

    def summary(self, run_id: str) -> dict[str, dict[str, int]]:
        rows = self.con.execute(
            "SELECT source_id, outcome, count(*) FROM harvest_fetches WHERE run_id = ? GROUP BY ALL", [run_id]
        ).fetchall()
        result: dict[str, dict[str, int]] = {}
        for source_id, outcome, n in rows:
            result.setdefault(source_id, {"new": 0, "changed": 0, "unchanged": 0, "failed": 0})[outcome] = n
        return result
