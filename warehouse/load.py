"""Loading extraction records into the warehouse: idempotent, keyed by the document's sha256.

    load_records(db, records, documents=..., region_code=..., source_id=..., corrections=...)

- A record whose document (sha256) is already loaded with the same content changes nothing.
- A record of a loaded document whose extraction changed (re-extraction by a better extractor)
  replaces that report's figures and issues in place (same report_id); corrections still apply.
- Reports of the same agency and year are versions: the latest readable one (by publication date,
  then fetch time, then load order) is current; the others get `superseded_by` and stay queryable.
- After each load the figures_wide rows of touched reports, the rules of touched reports, and the
  cross-year and county checks are brought up to date, all in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

import duckdb
import pyarrow as pa

from transform.template import all_keys
from warehouse import checks
from warehouse.agencies import Agency, Override, normalize_name, place
from warehouse.corrections import agency_overrides, read_corrections, validate
from warehouse.migrate import migrate
from warehouse.regions import identity, load_regions

KEYS = all_keys()
KEYSET = frozenset(KEYS)
DOC_FIELDS = ("path", "url", "format", "source_id", "region_code", "title", "published_on", "fetched_at", "size")


@dataclass
class LoadResult:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0  # records without a sha256 (the file could not be read at all)
    report_ids: list[int] = field(default_factory=list)  # new and changed reports

    def as_dict(self) -> dict[str, Any]:
        return {"new": self.new, "changed": self.changed, "unchanged": self.unchanged, "skipped": self.skipped}


def connect(db_path: str | os.PathLike, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a warehouse file; a writable connection is migrated and has its regions loaded."""
    if read_only:
        return duckdb.connect(str(db_path), read_only=True)
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path))
    migrate(con)
    con.execute("BEGIN TRANSACTION")
    load_regions(con)
    con.execute("COMMIT")
    return con


def record_hash(record: Mapping[str, Any]) -> str:
    facts = {k: record.get(k) for k in ("agency", "year", "template", "status", "values", "issues", "error", "format")}
    return hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _as_con(db: str | os.PathLike | duckdb.DuckDBPyConnection) -> tuple[duckdb.DuckDBPyConnection, bool]:
    if isinstance(db, duckdb.DuckDBPyConnection):
        return db, False
    return connect(db), True


def load_records(
    db: str | os.PathLike | duckdb.DuckDBPyConnection,
    records: Iterable[Mapping[str, Any]],
    documents: Mapping[str, Mapping[str, Any]] | Iterable[Mapping[str, Any]] | None = None,
    region_code: str | None = None,
    source_id: str | None = None,
    corrections: str | os.PathLike | list[dict[str, Any]] | None = None,
) -> LoadResult:
    """Load extraction records (the `xxgk extract --json` contract).

    `documents`: what the harvest knows of each document, by sha256 (or a list of dicts with a
    `sha256`): url, path, source_id, region_code (the registry entry's region), title, published_on,
    fetched_at, size. `region_code` / `source_id` apply to records whose document says nothing.
    `corrections`: the data folder (its corrections files are read) or a list of decisions; None
    keeps the decisions already in the warehouse.
    """
    con, own = _as_con(db)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            result = _load(con, list(records), _documents(documents), region_code, source_id, corrections)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return result
    finally:
        if own:
            con.close()


def _documents(documents) -> dict[str, dict[str, Any]]:
    if documents is None:
        return {}
    if isinstance(documents, Mapping):
        return {k: dict(v) for k, v in documents.items()}
    return {d["sha256"]: dict(d) for d in documents}


def _load(con, records, docs, region_code, source_id, corrections) -> LoadResult:
    result = LoadResult()
    now = datetime.now(timezone.utc)
    batch: dict[str, Mapping[str, Any]] = {}
    for r in records:
        if not r.get("sha256"):
            result.skipped += 1
            continue
        batch[r["sha256"]] = r  # the last record of a document in one batch wins
    entries = _corrections_entries(con, corrections)
    overrides = agency_overrides(entries)

    existing = dict(
        con.execute("SELECT sha256, report_id FROM reports").fetchall()
        if len(batch) > 5000
        else con.execute(
            "SELECT sha256, report_id FROM reports WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))", [list(batch)]
        ).fetchall()
    )
    hashes = dict(
        con.execute(
            "SELECT sha256, record_hash FROM reports WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))",
            [[s for s in batch if s in existing]],
        ).fetchall()
    ) if existing else {}

    new, changed = [], []
    for sha, rec in batch.items():
        h = record_hash(rec)
        if sha not in existing:
            new.append((sha, rec, h))
        elif hashes.get(sha) != h:
            changed.append((sha, rec, h, existing[sha]))
        else:
            result.unchanged += 1
    result.new, result.changed = len(new), len(changed)

    def _date(v):
        return date.fromisoformat(v[:10]) if isinstance(v, str) else v

    def _time(v):
        return datetime.fromisoformat(v) if isinstance(v, str) else v

    # Documents (metadata from the harvest fills what is unknown; the same facts change nothing).
    doc_rows = []
    for sha, rec, *_ in [*new, *changed]:
        d = docs.get(sha, {})
        doc_rows.append({
            "sha256": sha, "path": d.get("path") or rec.get("path"), "url": d.get("url"),
            "format": d.get("format") or rec.get("format"), "source_id": d.get("source_id") or source_id,
            "region_code": d.get("region_code") or region_code, "title": d.get("title"),
            "published_on": _date(d.get("published_on")), "fetched_at": _time(d.get("fetched_at")), "size": d.get("size"),
            "first_loaded_at": now,
        })
    if doc_rows:
        _insert(con, "_docs", doc_rows, """
            INSERT INTO documents BY NAME SELECT * FROM _docs
            ON CONFLICT (sha256) DO UPDATE SET
                path = coalesce(documents.path, excluded.path), url = coalesce(excluded.url, documents.url),
                format = coalesce(excluded.format, documents.format),
                source_id = coalesce(excluded.source_id, documents.source_id),
                region_code = coalesce(excluded.region_code, documents.region_code),
                title = coalesce(excluded.title, documents.title),
                published_on = coalesce(excluded.published_on, documents.published_on),
                fetched_at = coalesce(excluded.fetched_at, documents.fetched_at),
                size = coalesce(excluded.size, documents.size)""", {
            "published_on": pa.date32(), "fetched_at": pa.timestamp("us", tz="UTC"),
            "first_loaded_at": pa.timestamp("us", tz="UTC"), "size": pa.int64()})

    # Agencies.
    placed: dict[tuple, Agency] = {}
    doc_meta = {}
    if new or changed:
        doc_meta = {
            sha: (reg, src) for sha, reg, src in con.execute(
                "SELECT sha256, region_code, source_id FROM documents WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))",
                [[x[0] for x in [*new, *changed]]]).fetchall()
        }

    def agency_of(sha: str, rec) -> Agency | None:
        name = normalize_name(rec.get("agency") or "")
        if not name:
            return None
        reg, src = doc_meta.get(sha, (region_code, source_id))
        k = (name, reg, src)
        if k not in placed:
            placed[k] = place(name, reg, src, overrides)
        return placed[k]

    start = (con.execute("SELECT coalesce(max(report_id), 0) FROM reports").fetchall()[0][0]) + 1
    report_rows, ids = [], []
    for i, (sha, rec, h) in enumerate(new):
        rid = start + i
        ids.append((rid, rec))
        report_rows.append(_report_row(rid, sha, rec, h, agency_of(sha, rec), doc_meta.get(sha, (region_code,))[0], now))
    changed_ids = [rid for *_, rid in changed]
    if changed_ids:
        _delete_report_data(con, changed_ids)
        for sha, rec, h, rid in changed:
            ids.append((rid, rec))
            row = _report_row(rid, sha, rec, h, agency_of(sha, rec), doc_meta.get(sha, (region_code,))[0], now)
            con.execute("""UPDATE reports SET agency_id = ?, agency_name = ?, region_code = ?, year = ?, template = ?,
                           status = ?, error = ?, record_hash = ?, loaded_at = ? WHERE report_id = ?""",
                        [row["agency_id"], row["agency_name"], row["region_code"], row["year"], row["template"],
                         row["status"], row["error"], row["record_hash"], row["loaded_at"], rid])
    if report_rows:
        _insert(con, "_reports", report_rows, "INSERT INTO reports BY NAME SELECT * FROM _reports",
                {"loaded_at": pa.timestamp("us", tz="UTC"), "year": pa.int32(), "report_id": pa.int64()})
    _upsert_agencies(con, list({a.agency_id: a for a in placed.values()}.values()))
    _insert_figures(con, ids)
    result.report_ids = [rid for rid, _ in ids]

    if new or changed:
        _versions(con)  # before corrections: an entry by agency and year names the current version
    rewide = sync_corrections(con, entries)
    refresh(con, set(result.report_ids), rewide, versions=bool(rewide))
    return result


def _report_row(rid, sha, rec, h, agency: Agency | None, doc_region, now) -> dict[str, Any]:
    region = agency.region_code if agency else None
    if region is None and agency is None:
        region = identity(doc_region)  # an unreadable document still counts for its registry region
    return {
        "report_id": rid, "sha256": sha, "agency_id": agency.agency_id if agency else None,
        "agency_name": normalize_name(rec.get("agency") or "") or None, "region_code": region,
        "year": rec.get("year"), "template": rec.get("template"), "status": rec.get("status") or "failed",
        "error": rec.get("error"), "record_hash": h, "loaded_at": now, "version": None, "is_current": True,
        "superseded_by": None,
    }


def _insert(con, name: str, rows: list[dict], sql: str, types: dict[str, pa.DataType] | None = None) -> None:
    cols = list(rows[0])
    arrays = {}
    for c in cols:
        values = [r[c] for r in rows]
        t = (types or {}).get(c)
        arrays[c] = pa.array(values, type=t) if t else pa.array(values)
    con.register(name, pa.table(arrays))
    try:
        con.execute(sql)
    finally:
        con.unregister(name)


def _delete_report_data(con, ids: list[int]) -> None:
    for table in ("figures", "issues", "figures_wide", "checks"):
        con.execute(f"DELETE FROM {table} WHERE report_id IN (SELECT unnest(?::BIGINT[]))", [ids])


def _insert_figures(con, ids: list[tuple[int, Mapping[str, Any]]]) -> None:
    if not ids:
        return
    f_id, f_key, f_val = [], [], []
    i_id, i_code, i_msg, i_keys = [], [], [], []
    wide: dict[str, list] = {k: [] for k in KEYS}
    wide_ids = []
    for rid, rec in ids:
        values = rec.get("values") or {}
        for k, v in values.items():
            if k in KEYSET:
                f_id.append(rid)
                f_key.append(k)
                f_val.append(None if v is None else float(v))
        wide_ids.append(rid)
        held = held_for_review(rec.get("issues") or [])
        for k in KEYS:
            v = values.get(k)
            wide[k].append(None if v is None or k in held else float(v))
        for issue in rec.get("issues") or []:
            i_id.append(rid)
            i_code.append(issue.get("code"))
            i_msg.append(issue.get("message"))
            i_keys.append(list(issue.get("keys") or []))
    tables = {
        "figures": pa.table({"report_id": pa.array(f_id, pa.int64()), "key": pa.array(f_key, pa.string()),
                             "value": pa.array(f_val, pa.float64())}),
        "issues": pa.table({"report_id": pa.array(i_id, pa.int64()), "code": pa.array(i_code, pa.string()),
                            "message": pa.array(i_msg, pa.string()), "keys": pa.array(i_keys, pa.list_(pa.string()))}),
        "figures_wide": pa.table({"report_id": pa.array(wide_ids, pa.int64()),
                                  **{k: pa.array(v, pa.float64()) for k, v in wide.items()}}),
    }
    for table, data in tables.items():
        con.register("_batch", data)
        try:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _batch")
        finally:
            con.unregister("_batch")


def _upsert_agencies(con, agencies: list[Agency]) -> None:
    if not agencies:
        return
    rows = [a.as_row() for a in agencies]
    _insert(con, "_agencies", rows, """
        INSERT INTO agencies BY NAME SELECT * FROM _agencies
        ON CONFLICT (agency_id) DO UPDATE SET
            kind = excluded.kind, is_summary = excluded.is_summary, summary_basis = excluded.summary_basis,
            placement = excluded.placement, placement_note = excluded.placement_note,
            candidates = excluded.candidates, source_id = coalesce(agencies.source_id, excluded.source_id)""",
            {"candidates": pa.list_(pa.string())})


def _corrections_entries(con, corrections) -> list[dict[str, Any]]:
    if corrections is None:
        rows = con.execute("SELECT value FROM meta WHERE name = 'corrections'").fetchall()
        return json.loads(rows[0][0]) if rows else []
    if isinstance(corrections, (str, os.PathLike)):
        return read_corrections(corrections)
    return [validate(e) for e in corrections]


def sync_corrections(con, entries: list[dict[str, Any]]) -> set[int]:
    """Make the corrections table hold exactly `entries`, targets resolved against the current reports,
    re-place agencies whose decisions changed; returns the reports whose effective figures or status may
    have changed."""
    before_json = con.execute("SELECT value FROM meta WHERE name = 'corrections'").fetchall()
    before_entries = json.loads(before_json[0][0]) if before_json else []
    affected = {rid for (rid,) in con.execute("SELECT DISTINCT report_id FROM corrections WHERE report_id IS NOT NULL").fetchall()}
    con.execute("INSERT OR REPLACE INTO meta VALUES ('corrections', ?)", [json.dumps(entries, ensure_ascii=False)])

    # Agency decisions: re-place the agencies whose decisions changed.
    old_ov, new_ov = agency_overrides(before_entries), agency_overrides(entries)
    names = {n for n in set(old_ov) | set(new_ov) if old_ov.get(n) != new_ov.get(n)}
    if names:
        affected |= _replace_agencies(con, names, new_ov)

    con.execute("DELETE FROM corrections")
    rows = []
    for e in entries:
        if e["action"] == "agency":
            rows.append(_corr_row(e, None))
            continue
        rid = _target(con, e)
        rows.append(_corr_row(e, rid))
    if rows:
        _insert(con, "_corr", rows, "INSERT INTO corrections BY NAME SELECT * FROM _corr",
                {"report_id": pa.int64(), "year": pa.int32(), "value": pa.float64(), "previous": pa.float64(),
                 "recorded_at": pa.timestamp("us", tz="UTC")})
        con.execute("""UPDATE corrections c SET previous = f.value FROM figures f
                       WHERE f.report_id = c.report_id AND f.key = c.key AND c.action = 'figure'""")
    affected |= {rid for (rid,) in con.execute("SELECT DISTINCT report_id FROM corrections WHERE report_id IS NOT NULL").fetchall()}
    return affected


def _corr_row(e: dict[str, Any], rid: int | None) -> dict[str, Any]:
    at = e.get("at")
    return {
        "correction_id": e["id"], "action": e["action"], "report_id": rid, "sha256": e.get("sha256"),
        "agency": e.get("agency"), "region_code": e.get("region"), "year": e.get("year"), "key": e.get("key"),
        "value": e.get("value"), "previous": None, "note": e.get("note"), "reviewer": e.get("reviewer"),
        "recorded_at": datetime.fromisoformat(at) if at else None,
    }


def _target(con, e: dict[str, Any]) -> int | None:
    if e.get("sha256"):
        row = con.execute("SELECT report_id FROM reports WHERE sha256 = ?", [e["sha256"]]).fetchall()
        return row[0][0] if row else None
    region = identity(e.get("region"))
    row = con.execute(
        """SELECT r.report_id FROM reports r LEFT JOIN agencies a USING (agency_id)
           WHERE r.is_current AND r.year = ? AND (r.agency_name = ? OR a.name = ? OR r.agency_id = ?)
             AND (? IS NULL OR r.region_code = ?)
           ORDER BY r.report_id DESC LIMIT 1""",
        [e["year"], e["agency"], e["agency"], e["agency"], region, region],
    ).fetchall()
    return row[0][0] if row else None


def _replace_agencies(con, names: set[str], overrides: dict[str, Override]) -> set[int]:
    rows = con.execute(
        """SELECT r.report_id, r.agency_name, d.region_code, d.source_id FROM reports r JOIN documents d USING (sha256)
           WHERE r.agency_name IN (SELECT unnest(?::VARCHAR[]))""", [sorted(names)]).fetchall()
    agencies = {}
    for rid, name, reg, src in rows:
        a = place(name, reg, src, overrides)
        agencies[a.agency_id] = a
        con.execute("UPDATE reports SET agency_id = ?, region_code = ? WHERE report_id = ?", [a.agency_id, a.region_code, rid])
    _upsert_agencies(con, list(agencies.values()))
    return {r[0] for r in rows}


def refresh(con, touched: set[int], rewide: set[int] = frozenset(), versions: bool = True) -> None:
    """Bring derived data up to date: versions, the figures_wide rows of `rewide` (rebuilt from the long
    form with corrections applied), agency names, rules of `touched` reports, cross-year and county checks."""
    if versions:
        _versions(con)
    _rebuild_wide(con, rewide)
    con.execute("CREATE OR REPLACE TEMP TABLE _touched AS SELECT unnest(?::BIGINT[]) AS report_id",
                [sorted(set(touched) | set(rewide))])
    con.execute("""
        UPDATE agencies a SET name = x.agency_name FROM (
            SELECT agency_id, arg_max(agency_name, year) AS agency_name FROM reports
            WHERE agency_id IS NOT NULL AND agency_name IS NOT NULL GROUP BY agency_id) x
        WHERE a.agency_id = x.agency_id AND a.name <> x.agency_name""")
    con.execute("DELETE FROM agencies WHERE agency_id NOT IN (SELECT agency_id FROM reports WHERE agency_id IS NOT NULL)")
    checks.check_reports(con, "_touched")
    checks.check_across(con)
    con.execute("DROP TABLE IF EXISTS _touched")
    refresh_summaries(con)


def refresh_summaries(con) -> None:
    """Recompute the materialised county-year sums (the base of every summary view)."""
    con.execute("DELETE FROM county_year_sums")
    con.execute("INSERT INTO county_year_sums SELECT * FROM v_county_year_live")


# Figures kept as printed but not vouched for: an amount whose unit the report does not state may
# be 10,000 times too large. The effective figures (figures_wide, which every sum reads) leave it
# out until a reviewer corrects the figure or confirms the report; `figures` keeps it as printed.
HELD_CODES = ("extractor.unit_unknown",)


def held_for_review(issues: list[Mapping[str, Any]]) -> set[str]:
    return {k for issue in issues if issue.get("code") in HELD_CODES for k in issue.get("keys") or []}


def _rebuild_wide(con, ids: set[int]) -> None:
    """Rewrite the figures_wide rows of `ids` from the long form with corrections applied (v_figures).
    Rows of reports without corrections are written straight from the records at load time."""
    if not ids:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE _rewide AS SELECT unnest(?::BIGINT[]) AS report_id", [sorted(ids)])
    cols = ", ".join(f"max(f.value) FILTER (WHERE f.key = '{k}') AS \"{k}\"" for k in KEYS)
    con.execute("DELETE FROM figures_wide WHERE report_id IN (SELECT report_id FROM _rewide)")
    con.execute(f"""INSERT INTO figures_wide BY NAME
        SELECT t.report_id, {cols}
        FROM _rewide t LEFT JOIN v_figures f USING (report_id)
        WHERE t.report_id IN (SELECT report_id FROM reports)
          AND (f.corrected OR f.key IS NULL OR NOT EXISTS (
              SELECT 1 FROM issues i WHERE i.report_id = f.report_id AND i.code IN (SELECT unnest(?::VARCHAR[]))
                AND list_contains(i.keys, f.key)
                AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.report_id = f.report_id AND c.action = 'confirm')))
        GROUP BY t.report_id""", [list(HELD_CODES)])
    con.execute("DROP TABLE IF EXISTS _rewide")


def _versions(con) -> None:
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _ver AS
        WITH v AS (
            SELECT r.report_id, r.agency_id, r.year, r.status,
                   row_number() OVER w AS version,
                   last_value(CASE WHEN r.status <> 'failed' THEN r.report_id END IGNORE NULLS) OVER (
                       PARTITION BY r.agency_id, r.year ORDER BY d.published_on NULLS FIRST, d.fetched_at NULLS FIRST,
                       r.loaded_at, r.report_id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS best,
                   last_value(r.report_id) OVER (
                       PARTITION BY r.agency_id, r.year ORDER BY d.published_on NULLS FIRST, d.fetched_at NULLS FIRST,
                       r.loaded_at, r.report_id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS latest
            FROM reports r JOIN documents d USING (sha256)
            WHERE r.agency_id IS NOT NULL AND r.year IS NOT NULL
            WINDOW w AS (PARTITION BY r.agency_id, r.year ORDER BY d.published_on NULLS FIRST, d.fetched_at NULLS FIRST,
                         r.loaded_at, r.report_id)
        )
        SELECT report_id, version, coalesce(best, latest) AS current_id FROM v""")
    con.execute("""
        UPDATE reports r SET version = v.version, is_current = (v.current_id = r.report_id),
               superseded_by = CASE WHEN v.current_id = r.report_id THEN NULL ELSE v.current_id END
        FROM _ver v
        WHERE v.report_id = r.report_id AND (r.version IS DISTINCT FROM v.version
              OR r.is_current IS DISTINCT FROM (v.current_id = r.report_id)
              OR r.superseded_by IS DISTINCT FROM CASE WHEN v.current_id = r.report_id THEN NULL ELSE v.current_id END)""")
    con.execute("""UPDATE reports SET version = 1, is_current = true, superseded_by = NULL
                   WHERE (agency_id IS NULL OR year IS NULL) AND (version IS NULL OR NOT is_current)""")
    con.execute("DROP TABLE IF EXISTS _ver")
