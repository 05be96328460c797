"""What the desk reads: the published warehouse (read-only, reopened after every publish) and the
decisions file. Every query of the desk's pages lives here; the pages only format what it returns.
"""

from __future__ import annotations

import copy
import functools
import os
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from transform.template import keys_for
from warehouse.audit import CRITERIA, HEADINGS, audit_table
from warehouse.corrections import decision_history
from warehouse.publish import warehouse_path

DUE_MONTH, DUE_DAY = 1, 31  # reports of year Y are due by 31 January of Y+1
# What needs work comes first on the county page.
STATUS_ORDER = {"failed": 0, "flagged": 1, "missing": 2, "corrected": 3, "confirmed": 4, "ok": 5}


class NotFound(LookupError):
    """A report, county or figure that the warehouse does not have (the message is shown)."""


def per_version(method):
    """Keep a query's answer until the next publish (a published version never changes)."""
    @functools.wraps(method)
    def remembered(self: "Store", *args):
        return self._remember((method.__name__, *args), lambda: method(self, *args))
    return remembered


@dataclass
class Published:
    con: duckdb.DuckDBPyConnection
    stamp: tuple[int, int]


class Store:
    """A read-only view of DIR/warehouse.duckdb. A publish replaces the file (os.replace): the next
    request sees the new inode and opens it; requests in flight keep reading the old one."""

    def __init__(self, data_dir: str | os.PathLike):
        self.data_dir = Path(data_dir)
        self._lock = threading.Lock()
        self._published: Published | None = None
        self._memo: dict[tuple, Any] = {}  # answers of the current version (a publish clears them)

    def _stamp(self) -> tuple[int, int]:
        st = os.stat(warehouse_path(self.data_dir))
        return st.st_ino, st.st_mtime_ns

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the latest published warehouse (each request its own: cursors are thread-safe)."""
        try:
            stamp = self._stamp()
        except FileNotFoundError:
            raise NotFound(f"数据目录 {self.data_dir} 中还没有数据仓库（先运行 xxgk nightly 或 xxgk demo）") from None
        with self._lock:
            if self._published is None or self._published.stamp != stamp:
                old = self._published
                self._published = Published(duckdb.connect(str(self._alias(stamp)), read_only=True), stamp)
                self._memo.clear()
                if old is not None:
                    old.con.close()
            return self._published.con.cursor()

    def _remember(self, key: tuple, compute):
        """A published version never changes: its answers are kept until the next publish."""
        self.cursor()  # notices a publish (and forgets what the old version said)
        if key not in self._memo:
            if len(self._memo) > 512:
                self._memo.clear()
            self._memo[key] = compute()
        return copy.deepcopy(self._memo[key])

    def _alias(self, stamp: tuple[int, int]) -> Path:
        """A hard link to this version of the published file. DuckDB keeps one database per path in a
        process, so reopening the same path would give the old version back; a link per version is a
        new path for the same bytes (no copy). Links of older versions are removed (open ones live on)."""
        published = warehouse_path(self.data_dir)
        folder = self.data_dir / ".desk" / "open"
        alias = folder / f"warehouse-{stamp[0]}-{stamp[1]}.duckdb"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for stale in folder.glob("warehouse-*.duckdb"):
                if stale != alias:
                    stale.unlink(missing_ok=True)
            if not alias.exists():
                os.link(published, alias)
            return alias
        except OSError:  # no hard links here (or a read-only folder): the path itself
            return published

    def version(self) -> tuple[int, int]:
        """Changes with every publish (cache keys of what is drawn from the warehouse)."""
        return self._stamp()

    # -- the county page ---------------------------------------------------------------------

    @per_version
    def counties(self) -> list[dict[str, Any]]:
        """Counties with reports, each with its years (latest first)."""
        return _rows(self.cursor(), """
            SELECT r.region_code AS code, any_value(g.name) AS name, list(DISTINCT r.year ORDER BY r.year DESC) AS years
            FROM reports r LEFT JOIN regions g ON g.code = r.region_code
            WHERE r.region_code IS NOT NULL AND r.year IS NOT NULL
            GROUP BY r.region_code ORDER BY r.region_code""")

    def county_name(self, code: str) -> str:
        row = self.cursor().execute("SELECT name FROM regions WHERE code = ?", [code]).fetchall()
        if not row:
            raise NotFound(f"没有代码为 {code} 的县区")
        return row[0][0]

    def county_agencies(self, county: str, year: int, today: date | None = None) -> list[dict[str, Any]]:
        """One row per expected agency of the county and year: its current report's status, or
        `missing` (reported in an earlier year, or placed here by a reviewer, and no report yet)."""
        return self._county_agencies(county, year, today or date.today())

    @per_version
    def _county_agencies(self, county: str, year: int, today: date) -> list[dict[str, Any]]:
        cur = self.cursor()
        # A failed report prints no year: it is shown in the year before its publication (else the latest).
        latest = cur.execute("SELECT max(year) FROM reports WHERE region_code = ?", [county]).fetchall()[0][0]
        reports = _rows(cur, """
            SELECT r.report_id, coalesce(r.agency, r.title) AS agency, r.agency_id, r.is_summary, r.status,
                   r.review_status, r.error, r.template, r.published_on, r.url, r.format, r.figures_corrected
            FROM v_reports r WHERE r.is_current AND r.region_code = ?
              AND coalesce(r.year, year(r.published_on) - 1, ?) = ?""", [county, latest, year])
        broken = _rows(cur, """
            SELECT c.report_id, list(DISTINCT c.rule ORDER BY c.rule) AS rules,
                   count(DISTINCT c.keys) FILTER (WHERE starts_with(c.rule, 'rule')) AS n,
                   count(DISTINCT k) FILTER (WHERE starts_with(c.rule, 'rule')) AS cells
            FROM checks c JOIN reports r USING (report_id), unnest(c.keys) AS u(k)
            WHERE r.is_current AND r.region_code = ? AND r.year = ? GROUP BY c.report_id""", [county, year])
        # The rules are in `checks` (recomputed); issues add what the extractor or an audit doubts.
        issues = _rows(cur, """
            SELECT i.report_id, list(DISTINCT i.code ORDER BY i.code) AS codes, count(*) AS n,
                   sum(len(i.keys)) AS cells
            FROM issues i JOIN reports r USING (report_id)
            WHERE r.is_current AND r.region_code = ? AND r.year = ?
              AND NOT starts_with(i.code, 'note.') AND NOT starts_with(i.code, 'source.')
            GROUP BY i.report_id""", [county, year])
        by_check = {b["report_id"]: b for b in broken}
        by_issue = {i["report_id"]: i for i in issues}
        for r in reports:
            b, i = by_check.get(r["report_id"]), by_issue.get(r["report_id"])
            r["rules"] = b["rules"] if b else []
            r["broken"] = b["n"] if b else 0
            r["issue_codes"] = i["codes"] if i else []
            r["cells"] = (b["cells"] if b else 0) + (int(i["cells"] or 0) if i else 0)
            r["days_late"] = None
            r["review_status"] = desk_status(r["review_status"], r["figures_corrected"], r["rules"])
        missing = _rows(cur, """
            WITH here AS (SELECT DISTINCT agency_id FROM reports WHERE is_current AND region_code = ? AND year = ?),
            earlier AS (
                SELECT agency_id, max(year) AS last_year FROM reports
                WHERE is_current AND region_code = ? AND year < ? AND agency_id IS NOT NULL GROUP BY agency_id
            ),
            named AS (
                SELECT a.agency_id, NULL::INTEGER AS last_year FROM corrections c JOIN agencies a ON a.name = c.agency
                WHERE c.action = 'agency' AND c.region_code = ?
            ),
            expected AS (SELECT agency_id, max(last_year) AS last_year FROM (FROM earlier UNION ALL FROM named) GROUP BY agency_id)
            SELECT e.agency_id, a.name AS agency, a.is_summary, e.last_year
            FROM expected e JOIN agencies a USING (agency_id)
            WHERE e.agency_id NOT IN (SELECT agency_id FROM here WHERE agency_id IS NOT NULL)
            ORDER BY a.name""", [county, year, county, year, county])
        late = days_since_due(year, today)
        for m in missing:
            m.update(report_id=None, status="missing", review_status="missing", days_late=late, rules=[], broken=0,
                     issue_codes=[], cells=0, error=None, template=None, published_on=None, url=None, format=None,
                     figures_corrected=0)
        rows = reports + missing
        rows.sort(key=lambda r: (STATUS_ORDER.get(r["review_status"], 9), r["agency"] or ""))
        return rows

    @per_version
    def county_summary(self, county: str, year: int) -> dict[str, Any] | None:
        rows = _rows(self.cursor(), "SELECT * FROM v_county_year WHERE county = ? AND year = ?", [county, year])
        return rows[0] if rows else None

    # -- one report --------------------------------------------------------------------------

    @per_version
    def report(self, report_id: int) -> dict[str, Any]:
        rows = _rows(self.cursor(), "SELECT * FROM v_reports WHERE report_id = ?", [report_id])
        if not rows:
            raise NotFound(f"没有编号为 {report_id} 的报告")
        return rows[0]

    @per_version
    def figures(self, report_id: int) -> dict[str, dict[str, Any]]:
        """key → {value (effective), extracted, corrected}."""
        rows = _rows(self.cursor(), "SELECT key, value, extracted, corrected FROM v_figures WHERE report_id = ?",
                     [report_id])
        return {r["key"]: r for r in rows}

    @per_version
    def checks(self, report_id: int) -> list[dict[str, Any]]:
        return _rows(self.cursor(), """
            SELECT c.rule, c.keys, c.expected, c.found, c.related_report, c.detail, rr.year AS related_year
            FROM checks c LEFT JOIN reports rr ON rr.report_id = c.related_report
            WHERE c.report_id = ? ORDER BY c.rule""", [report_id])

    @per_version
    def issues(self, report_id: int) -> list[dict[str, Any]]:
        # The extraction's issues, and the audit's findings across documents (late, republished,
        # carry-on, copies) that the extraction cannot know.
        return _rows(self.cursor(), """
            SELECT code, message, keys FROM issues WHERE report_id = ?
            UNION ALL
            SELECT code, message, keys FROM audit_findings
            WHERE report_id = ? AND code NOT IN (SELECT code FROM issues WHERE report_id = ?)
            ORDER BY code""", [report_id] * 3)

    @per_version
    def county_audit(self, county: str, year: int) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
        """The county's audit table (warehouse.audit): the criteria's headings, and a row per agency."""
        table = audit_table(self.cursor(), county=county, year=year)
        rows = [{k: (None if v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v) else v)
                 for k, v in row.items()} for row in table.to_dict("records")]
        return [(name, HEADINGS[name]) for name, _, _ in CRITERIA], rows

    def versions(self, report: dict[str, Any]) -> list[dict[str, Any]]:
        if report["agency_id"] is None:
            return []
        return _rows(self.cursor(), """
            SELECT report_id, version, is_current, status, published_on FROM v_reports
            WHERE agency_id = ? AND year = ? ORDER BY version""", [report["agency_id"], report["year"]])

    def history(self, report: dict[str, Any]) -> list[dict[str, Any]]:
        """Every decision on the report (by its document or by its agency and year), undos included,
        oldest first; each says whether it is still in force."""
        entries = decision_history(self.data_dir)
        undone = {e["undoes"]: e for e in entries if e["action"] == "undo"}
        mine = [e for e in entries if e["action"] in ("figure", "confirm") and _names(e, report)]
        ids = {e["id"] for e in mine}
        out = []
        for e in entries:
            if e["id"] in ids:
                out.append({**e, "undone_by": undone.get(e["id"])})
            elif e["action"] == "undo" and e["undoes"] in ids:
                out.append({**e, "undone_by": None})
        return out

    def decision(self, decision_id: str) -> dict[str, Any] | None:
        for e in decision_history(self.data_dir):
            if e["id"] == decision_id:
                return e
        return None

    # -- county totals ---------------------------------------------------------------------------

    def county_reports(self, county: str, year: int) -> list[dict[str, Any]]:
        """The current reports of the county and year with `counted` (added into the county totals)."""
        return _rows(self.cursor(), """
            SELECT report_id, agency, is_summary, status, review_status, figures_corrected,
                   status <> 'failed' AND (NOT is_summary OR count(*) FILTER (WHERE NOT is_summary AND status <> 'failed')
                       OVER () = 0) AS counted
            FROM v_reports WHERE is_current AND region_code = ? AND year = ? ORDER BY agency""", [county, year])

    def marked_keys(self, county: str, year: int) -> dict[str, str]:
        """key → 'corrected' | 'flagged' for the county totals: a figure a reviewer corrected in a counted
        report, or one that a broken rule or an extractor's doubt touches in a flagged counted report."""
        cur = self.cursor()
        counted = [r["report_id"] for r in self.county_reports(county, year) if r["counted"]]
        if not counted:
            return {}
        flagged = [r[0] for r in cur.execute(
            "SELECT report_id FROM v_reports WHERE report_id IN (SELECT unnest(?::BIGINT[])) AND review_status = 'flagged'",
            [counted]).fetchall()]
        marks: dict[str, str] = {}
        if flagged:
            for (key,) in cur.execute("""
                    SELECT DISTINCT unnest(keys) FROM checks WHERE report_id IN (SELECT unnest(?::BIGINT[])) AND rule LIKE 'rule%'
                    UNION SELECT DISTINCT unnest(keys) FROM issues
                    WHERE report_id IN (SELECT unnest(?::BIGINT[])) AND starts_with(code, 'extractor.')""",
                    [flagged, flagged]).fetchall():
                marks[key] = "flagged"
        for (key,) in cur.execute("""
                SELECT DISTINCT key FROM corrections WHERE action = 'figure' AND report_id IN (SELECT unnest(?::BIGINT[]))""",
                [counted]).fetchall():
            marks[key] = "corrected"
        return marks

    def awaiting_review(self, limit: int = 300) -> list[int]:
        """Current flagged reports of the latest years, newest first (what clerks open next)."""
        return [r[0] for r in self.cursor().execute("""
            SELECT report_id FROM v_reports WHERE is_current AND review_status = 'flagged' AND path IS NOT NULL
            ORDER BY year DESC, report_id LIMIT ?""", [limit]).fetchall()]

    # -- agencies to place ---------------------------------------------------------------------------

    def unplaced(self) -> list[dict[str, Any]]:
        return _rows(self.cursor(), """
            SELECT a.name, a.placement, a.placement_note, a.candidates,
                   (SELECT count(*) FROM reports r WHERE r.agency_id = a.agency_id) AS reports
            FROM agencies a WHERE a.region_code IS NULL ORDER BY a.name""")

    def region_exists(self, code: str) -> bool:
        return bool(self.cursor().execute("SELECT 1 FROM regions WHERE code = ?", [code]).fetchall())


def broken_keys(checks: list[dict[str, Any]]) -> set[str]:
    """The figures of the rules the report breaks now (recomputed on the effective figures)."""
    return {k for c in checks if c["rule"].startswith("rule") for k in c["keys"]}

def doubtful_keys(issues: list[dict[str, Any]]) -> set[str]:
    """The figures the extractor could not place with certainty (its source.* findings are the rules,
    which `checks` holds recomputed)."""
    return {k for i in issues if i["code"].startswith("extractor.") for k in (i["keys"] or [])}

def desk_status(review_status: str, figures_corrected: int, rules: list[str]) -> str:
    """A flagged report whose corrected figures mend every rule it broke reads as corrected."""
    if review_status == "flagged" and figures_corrected and not any(r.startswith("rule") for r in rules):
        return "corrected"
    return review_status


def days_since_due(year: int, today: date | None = None) -> int:
    """Days since 31 January of the year after `year` (negative before the date)."""
    return ((today or date.today()) - date(year + 1, DUE_MONTH, DUE_DAY)).days


def template_keys(report: dict[str, Any]) -> tuple[str, ...]:
    return keys_for(report["template"]) if report.get("template") else ()


def _names(entry: dict[str, Any], report: dict[str, Any]) -> bool:
    if entry.get("sha256"):
        return entry["sha256"] == report["sha256"]
    return entry.get("year") == report["year"] and entry.get("agency") in (report["agency"], report["agency_name"])


def _rows(cur: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    result = cur.execute(sql, params or [])
    names = [d[0] for d in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]
