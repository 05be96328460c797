"""The audit against the national format, across documents, recomputed after every load.

`refresh_audit(con)` rewrites `audit_findings` and `report_publication` (migration 004):
- the extraction's per-document `format.*` issues of every current report (transform/audit.py);
- `format.late`: published after 31 January of the following year. The publication date is the
  page's own date, else the listing's date next to the entry, else the signature date, else the
  day the harvest first saw it (only when the harvest was already watching that source before the
  deadline: otherwise a report found years later would look years late); `basis` says which;
- `format.missing`: an agency with a report for Y-1 and none for Y, once Y's deadline has passed
  and other agencies of the county have reports for Y (else Y is not harvested yet), and an agency
  a review placed in the county without a report for its latest year: by name, with the days past
  the deadline;
- `format.republished`: a second report of the same agency and year, or a new version at the same
  URL, whose figures differ (old → new, with both dates);
- `format.carry_on`: the cross-year checks (warehouse/checks.py) on the later report, naming both;
- `format.published_twice`: the same figures in two reports of one year (two URLs, two agencies).

Readers (`db` = a connection or a warehouse file): `audit_table(db, county, year)` (one row per
agency, one column per criterion: ✓ or the finding), `audit_shares(table)` (the share of each
county's reports passing each criterion), `audit_findings(db, ...)` (one row per finding),
`report_findings(db, report_id)` (one report's findings).
"""

from __future__ import annotations

import os
from datetime import date

import duckdb
import pandas as pd
import pyarrow as pa

from transform.template import all_keys
from warehouse.regions import identity

# (criterion, column heading, codes). A report passes a criterion when it has none of its codes.
CRITERIA: list[tuple[str, str, tuple[str, ...]]] = [
    ("reported", "已发布", ("format.missing",)),
    ("on_time", "按时发布", ("format.late",)),
    ("parts", "六个部分", ("format.part_missing", "format.part_order")),
    ("version", "格式版本", ("format.outdated_version", "format.mixed_version")),
    ("title", "标题年份机关", ("format.no_title_year", "format.no_agency")),
    ("rows", "表格行齐全", ("format.row_not_printed",)),
    ("text_agrees", "文表一致", ("format.text_table_mismatch",)),
    ("problems_stated", "问题与改进", ("format.empty_part",)),
    ("fees_stated", "收费说明", ("format.fees_not_stated",)),
    ("carries_on", "衔接上年", ("format.carry_on",)),
    ("unchanged", "发布后未改", ("format.republished",)),
    ("once", "未重复发布", ("format.published_twice",)),
]
CRITERION_OF = {code: name for name, _, codes in CRITERIA for code in codes}
HEADINGS = {name: heading for name, heading, _ in CRITERIA}
SEVERITY = {
    "format.missing": "error", "format.part_missing": "error", "format.text_table_mismatch": "error",
    "format.outdated_version": "error", "format.late": "warning", "format.row_not_printed": "info",
}
DEFAULT_SEVERITY = "warning"
# What a cell of the audit table shows for a finding (the full message is in audit_findings).
SHORT = {
    "format.missing": "未发布", "format.late": "逾期", "format.part_missing": "缺部分", "format.part_order": "顺序错",
    "format.outdated_version": "旧版格式", "format.mixed_version": "新旧混用", "format.no_title_year": "无年份",
    "format.no_agency": "无机关名", "format.row_not_printed": "缺行", "format.text_table_mismatch": "文表不符",
    "format.empty_part": "五无内容", "format.fees_not_stated": "未说明收费", "format.carry_on": "未衔接",
    "format.republished": "发布后修改", "format.published_twice": "重复发布",
}
# The county-year counts of v_audit_county_year, as the summary shows them.
COUNT_LABELS = {
    "reports_audited": "审核报告数", "audit_failing": "未通过审核的报告（含缺报）", "audit_late": "逾期发布",
    "audit_missing": "缺报机关（点名）", "audit_parts": "六个部分不全或顺序错", "audit_version": "格式版本不符",
    "audit_text_mismatch": "正文与表格不符", "audit_empty_part": "五无内容", "audit_fees_not_stated": "六未说明收费",
    "audit_title": "未印年份或机关", "audit_rows": "表格缺行", "audit_carry_on": "未衔接上年",
    "audit_republished": "发布后修改", "audit_published_twice": "重复发布",
}
MIN_NONZERO_TWINS = 5  # reports of all zeros (many townships) are alike without being copies
CHANGES_LISTED = 8
PASS = "✓"
NOT_APPLICABLE = "—"
UNKNOWN = "?"


def refresh_audit(con: duckdb.DuckDBPyConnection, today: date | None = None) -> None:
    today = today or date.today()
    con.execute("DELETE FROM audit_findings")
    con.execute("DELETE FROM report_publication")
    _criteria_table(con)
    _publication(con)
    _per_document(con)
    _late(con)
    _missing(con, today)
    _named_by_review(con, today)
    _carry_on(con)
    _versions(con)
    _twins(con)
    con.execute("DROP TABLE IF EXISTS _criteria")
    con.execute("DELETE FROM audit_county_year")
    con.execute("INSERT INTO audit_county_year SELECT * FROM v_audit_county_year_live")


def _criteria_table(con) -> None:
    rows = [(code, CRITERION_OF.get(code, "other"), SEVERITY.get(code, DEFAULT_SEVERITY)) for code in _all_codes()]
    con.execute("CREATE OR REPLACE TEMP TABLE _criteria (code VARCHAR, criterion VARCHAR, severity VARCHAR)")
    con.executemany("INSERT INTO _criteria VALUES (?, ?, ?)", rows)


def _all_codes() -> list[str]:
    from transform.findings import CODES

    return sorted({c for c in CODES if c.startswith("format.")} | set(CRITERION_OF))


_INSERT = """INSERT INTO audit_findings (report_id, agency_id, agency_name, region_code, year, code, criterion, severity,
                                         "where", keys, message, related_report, days)"""


def _publication(con) -> None:
    con.execute("""
        INSERT INTO report_publication
        WITH watch AS (SELECT source_id, min(fetched_at)::DATE AS since FROM documents
                       WHERE source_id IS NOT NULL GROUP BY ALL),
        d AS (
            SELECT r.report_id, make_date(r.year + 1, 1, 31) AS deadline,
                   CASE WHEN doc.page_date IS NOT NULL THEN doc.page_date
                        WHEN doc.published_on IS NOT NULL THEN doc.published_on
                        WHEN doc.signature_date IS NOT NULL THEN doc.signature_date
                        ELSE doc.fetched_at::DATE END AS published,
                   CASE WHEN doc.page_date IS NOT NULL THEN 'page'
                        WHEN doc.published_on IS NOT NULL THEN 'listing'
                        WHEN doc.signature_date IS NOT NULL THEN 'signature'
                        WHEN doc.fetched_at IS NOT NULL THEN 'first_seen' END AS basis,
                   w.since
            FROM reports r JOIN documents doc USING (sha256) LEFT JOIN watch w USING (source_id)
            WHERE r.status <> 'failed' AND r.year IS NOT NULL AND r.year BETWEEN 2000 AND 2100
        )
        SELECT report_id, published, basis, deadline, NULL, NULL,
               CASE WHEN published IS NULL THEN NULL
                    WHEN basis = 'first_seen' AND (since IS NULL OR since > deadline) THEN NULL
                    ELSE greatest(date_diff('day', deadline, published), 0) END
        FROM d""")
    # An agency-year's versions share its first publication: a corrected report is not late.
    con.execute("""
        UPDATE report_publication p SET first_published = f.published, first_basis = f.basis, days_late = f.days_late
        FROM (SELECT r.agency_id, r.year, min(q.published) AS published, arg_min(q.basis, q.published) AS basis,
                     arg_min(q.days_late, q.published) AS days_late
              FROM report_publication q JOIN reports r USING (report_id)
              WHERE q.published IS NOT NULL AND r.agency_id IS NOT NULL GROUP BY ALL) f, reports r
        WHERE r.report_id = p.report_id AND r.agency_id = f.agency_id AND r.year = f.year""")
    con.execute("""UPDATE report_publication SET first_published = published, first_basis = basis
                   WHERE first_published IS NULL""")


def _per_document(con) -> None:
    con.execute(_INSERT + """
        SELECT r.report_id, r.agency_id, coalesce(a.name, r.agency_name), r.region_code, r.year, i.code,
               c.criterion, c.severity,
               CASE WHEN i.code = 'format.part_order' THEN 'parts'
                    ELSE nullif(regexp_extract(i.message, '^((?:part [一二三四五六]|the opening text)(?: \\(page \\d+\\))?)', 1), '')
               END,
               i.keys, i.message, NULL, NULL
        FROM issues i JOIN reports r USING (report_id) JOIN _criteria c USING (code)
        LEFT JOIN agencies a USING (agency_id)
        WHERE r.is_current AND i.code LIKE 'format.%'""")


_BASIS = {"page": "date on the page", "listing": "date in the listing", "signature": "the signature date",
          "first_seen": "first seen by the harvest"}


def _basis_sql(column: str) -> str:
    return "CASE " + " ".join(f"WHEN {column} = '{k}' THEN '{v}'" for k, v in _BASIS.items()) + " END"


def _late(con) -> None:
    con.execute(_INSERT + f"""
        SELECT r.report_id, r.agency_id, coalesce(a.name, r.agency_name), r.region_code, r.year, 'format.late',
               'on_time', 'warning', 'published ' || p.first_published::VARCHAR || ' (' || p.first_basis || ')', []::VARCHAR[],
               'published ' || p.first_published::VARCHAR || ' (' || {_basis_sql('p.first_basis')} || '), ' || p.days_late
               || ' days after the deadline ' || p.deadline::VARCHAR, NULL, p.days_late
        FROM report_publication p JOIN reports r USING (report_id) LEFT JOIN agencies a USING (agency_id)
        WHERE r.is_current AND p.days_late > 0""")


def _missing(con, today: date) -> None:
    con.execute(_INSERT + """
        WITH cur AS (SELECT DISTINCT agency_id, region_code, year FROM reports
                     WHERE is_current AND agency_id IS NOT NULL AND region_code IS NOT NULL AND year IS NOT NULL)
        SELECT NULL, p.agency_id, a.name, p.region_code, p.year + 1, 'format.missing', 'reported', 'error',
               'no report for ' || (p.year + 1)::VARCHAR, []::VARCHAR[],
               a.name || ' published a report for ' || p.year::VARCHAR || ' and none for ' || (p.year + 1)::VARCHAR
               || ': ' || date_diff('day', make_date(p.year + 2, 1, 31), ?::DATE) || ' days past the deadline '
               || make_date(p.year + 2, 1, 31)::VARCHAR,
               NULL, date_diff('day', make_date(p.year + 2, 1, 31), ?::DATE)
        FROM cur p JOIN agencies a USING (agency_id)
        WHERE (p.region_code, p.year + 1) IN (SELECT region_code, year FROM cur)
          AND make_date(p.year + 2, 1, 31) < ?::DATE
          AND NOT EXISTS (SELECT 1 FROM reports n WHERE n.agency_id = p.agency_id AND n.year = p.year + 1)""",
                [today, today, today])


def _n(column: str) -> str:
    """A figure as SQL text, without '.0' on whole numbers."""
    return f"CASE WHEN {column} = round({column}) THEN CAST({column} AS BIGINT)::VARCHAR ELSE {column}::VARCHAR END"


def _named_by_review(con, today: date) -> None:
    """An agency a reviewer placed in a county (xxgk review agency NAME --region C) that has no
    report for the county's latest year is missing too, whether or not it published before."""
    con.execute(_INSERT + """
        WITH latest AS (SELECT region_code, max(year) AS year FROM reports
                        WHERE is_current AND region_code IS NOT NULL AND year IS NOT NULL GROUP BY ALL),
        named AS (SELECT DISTINCT c.agency AS name, g.identity AS region_code FROM corrections c
                  JOIN regions g ON g.code = c.region_code WHERE c.action = 'agency' AND c.agency IS NOT NULL)
        SELECT NULL, NULL, n.name, n.region_code, l.year, 'format.missing', 'reported', 'error',
               'no report for ' || l.year::VARCHAR, []::VARCHAR[],
               n.name || ' (named by a review) has no report for ' || l.year::VARCHAR || ': '
               || date_diff('day', make_date(l.year + 1, 1, 31), ?::DATE) || ' days past the deadline '
               || make_date(l.year + 1, 1, 31)::VARCHAR,
               NULL, date_diff('day', make_date(l.year + 1, 1, 31), ?::DATE)
        FROM named n JOIN latest l USING (region_code)
        WHERE make_date(l.year + 1, 1, 31) < ?::DATE
          AND NOT EXISTS (SELECT 1 FROM reports r LEFT JOIN agencies a USING (agency_id)
                          WHERE r.year = l.year AND n.name IN (r.agency_name, a.name))
          AND NOT EXISTS (SELECT 1 FROM audit_findings f WHERE f.code = 'format.missing' AND f.year = l.year
                          AND f.agency_name = n.name)""", [today, today, today])


def _carry_on(con) -> None:
    con.execute(_INSERT + f"""
        SELECT r.report_id, r.agency_id, coalesce(a.name, r.agency_name), r.region_code, r.year, 'format.carry_on',
               'carries_on', 'warning', 'report ' || p.report_id::VARCHAR || ' (' || p.year::VARCHAR || ')', c.keys,
               c.rule || ': ' || c.detail || ': expected ' || {_n('c.expected')} || ' from the ' || p.year::VARCHAR
               || ' report (report ' || p.report_id::VARCHAR || '), this ' || r.year::VARCHAR || ' report prints '
               || {_n('c.found')} || ' (' || array_to_string(c.keys, ', ') || ')',
               p.report_id, NULL
        FROM checks c JOIN reports r USING (report_id) JOIN reports p ON p.report_id = c.related_report
        LEFT JOIN agencies a ON a.agency_id = r.agency_id
        WHERE c.rule LIKE 'cross.%'""")


def _versions(con) -> None:
    """A second report of the same agency and year, or a new version at the same URL: what changed."""
    pairs = con.execute("""
        WITH r AS (SELECT r.report_id, r.agency_id, r.year, r.region_code, r.version, d.url, d.fetched_at,
                          p.published, p.basis
                   FROM reports r JOIN documents d USING (sha256) LEFT JOIN report_publication p USING (report_id)
                   WHERE r.status <> 'failed'),
        same_report AS (
            SELECT o.report_id AS old_id, n.report_id AS new_id, o.url = n.url AS same_url
            FROM r o JOIN r n ON o.agency_id = n.agency_id AND o.year = n.year AND n.version = o.version + 1
            UNION
            SELECT o.report_id, n.report_id, true
            FROM r o JOIN r n ON o.url = n.url AND o.report_id <> n.report_id
                 AND (o.fetched_at, o.report_id) < (n.fetched_at, n.report_id)
                 AND NOT (o.agency_id IS NOT DISTINCT FROM n.agency_id AND o.year IS NOT DISTINCT FROM n.year)
        )
        SELECT s.old_id, s.new_id, bool_or(s.same_url), any_value(o.published), any_value(o.basis),
               any_value(n.published), any_value(n.basis), any_value(o.url), any_value(n.url)
        FROM same_report s JOIN r o ON o.report_id = s.old_id JOIN r n ON n.report_id = s.new_id
        GROUP BY s.old_id, s.new_id""").fetchall()
    if not pairs:
        return
    ids = sorted({i for p in pairs for i in p[:2]})
    figures: dict[int, dict[str, float | None]] = {}
    for rid, key, value in con.execute("SELECT report_id, key, value FROM figures WHERE report_id IN (SELECT unnest(?::BIGINT[]))",
                                       [ids]).fetchall():
        figures.setdefault(rid, {})[key] = value
    rows = []
    for old, new, same_url, old_pub, old_basis, new_pub, new_basis, old_url, new_url in pairs:
        a, b = figures.get(old, {}), figures.get(new, {})
        changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        if changed:
            listed = ", ".join(f"{k} {_num(a.get(k))} → {_num(b.get(k))}" for k in changed[:CHANGES_LISTED])
            more = f" and {len(changed) - CHANGES_LISTED} more" if len(changed) > CHANGES_LISTED else ""
            where = "the same URL" if same_url else "a second report"
            message = (f"changed after publication ({where}): first {_dated(old_pub, old_basis)} (report {old}), "
                       f"then {_dated(new_pub, new_basis)}; {listed}{more}")
            rows.append((new, "format.republished", where, changed, message, old))
        elif old_url != new_url:
            message = (f"the same figures as report {old} ({old_url}), published again at {new_url}: "
                       f"first {_dated(old_pub, old_basis)}, then {_dated(new_pub, new_basis)}")
            rows.append((new, "format.published_twice", "report " + str(old), [], message, old))
    _insert_on_reports(con, rows)


def _figures_hash(alias: str) -> str:
    """One hash of every figure of a report (figures_wide: one column per key; vectorised, unlike
    aggregating the long form)."""
    return "hash(" + ", ".join(f'{alias}."{k}"' for k in all_keys()) + ")"


def _nonzero(alias: str) -> str:
    return " + ".join(f'coalesce(({alias}."{k}" <> 0)::INTEGER, 0)' for k in all_keys())


def _twins(con) -> None:
    """The same figures in current reports of one year under different agencies (copied reports)."""
    con.execute(f"""
        WITH fp AS (
            SELECT w.report_id, {_figures_hash('w')} AS print, {_nonzero('w')} AS nonzero
            FROM figures_wide w JOIN reports r USING (report_id)
            WHERE r.is_current AND r.status <> 'failed'
        ),
        twins AS MATERIALIZED (
            SELECT r.report_id, r.agency_id, coalesce(a.name, r.agency_name) AS name, d.url,
                   first_value(r.report_id) OVER (PARTITION BY fp.print, r.year ORDER BY r.report_id) AS first_id
            FROM fp JOIN reports r USING (report_id) JOIN documents d USING (sha256) LEFT JOIN agencies a USING (agency_id)
            WHERE fp.nonzero >= {MIN_NONZERO_TWINS}
        )
        -- each copy names the first report with its figures (linear in the copies, whatever their number)
        {_INSERT}
        SELECT r.report_id, r.agency_id, coalesce(a.name, r.agency_name), r.region_code, r.year, 'format.published_twice',
               c.criterion, c.severity, 'report ' || o.report_id::VARCHAR, []::VARCHAR[],
               'the same figures as the report of ' || coalesce(o.name, '?') || ' for the same year (report '
               || o.report_id::VARCHAR || ', ' || coalesce(o.url, 'no URL') || ')', o.report_id, NULL
        FROM twins t JOIN twins o ON o.report_id = t.first_id JOIN reports r ON r.report_id = t.report_id
        LEFT JOIN agencies a ON a.agency_id = r.agency_id JOIN _criteria c ON c.code = 'format.published_twice'
        WHERE t.report_id <> t.first_id AND o.agency_id IS DISTINCT FROM t.agency_id""")


def _insert_on_reports(con, rows: list[tuple]) -> None:
    """Findings (report_id, code, where, keys, message, related_report) on existing reports."""
    if not rows:
        return
    columns = list(zip(*rows))
    found = pa.table({"report_id": pa.array(columns[0], pa.int64()), "code": pa.array(columns[1], pa.string()),
                      "w": pa.array(columns[2], pa.string()), "keys": pa.array(columns[3], pa.list_(pa.string())),
                      "message": pa.array(columns[4], pa.string()), "related": pa.array(columns[5], pa.int64())})
    con.register("_found", found)
    con.execute(_INSERT + """
        SELECT r.report_id, r.agency_id, coalesce(a.name, r.agency_name), r.region_code, r.year, f.code, c.criterion,
               c.severity, f.w, f.keys, f.message, f.related, NULL
        FROM _found f JOIN reports r USING (report_id) JOIN _criteria c USING (code) LEFT JOIN agencies a USING (agency_id)""")
    con.unregister("_found")


def _dated(day, basis) -> str:
    return f"{day} ({basis})" if day else "undated"


def _num(v) -> str:
    if v is None:
        return "null"
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


# ------------------------------------------------------------------------------------ readers


def _con(db) -> tuple[duckdb.DuckDBPyConnection, bool]:
    if isinstance(db, duckdb.DuckDBPyConnection):
        return db, False
    return duckdb.connect(str(db), read_only=True), True


def _filter(county: str | None, city: str | None, province: str | None, year: int | None,
            alias: str = "") -> tuple[str, list]:
    """The WHERE clause (and its parameters) of a region and a year, on table `alias`."""
    where, params = "true", []
    for column, code in (("code", county), ("city", city), ("province", province)):
        if code:
            where, params = f"{alias}region_code IN (SELECT code FROM regions WHERE {column} = ?)", [identity(code)]
            break
    if year is not None:
        where += f" AND {alias}year = ?"
        params.append(year)
    return where, params


def audit_findings(db, county: str | None = None, year: int | None = None, city: str | None = None,
                   province: str | None = None) -> pd.DataFrame:
    """One row per finding: report_id (NULL for a missing agency), agency, county, year, code,
    criterion, severity, where, keys, message, related_report, days."""
    where, params = _filter(county, city, province, year, "f.")
    con, own = _con(db)
    try:
        return con.execute(f"""SELECT f.*, g.name AS county_name FROM audit_findings f
                               LEFT JOIN regions g ON g.code = f.region_code
                               WHERE {where} ORDER BY f.region_code, f.year, f.agency_name, f.code""", params).df()
    finally:
        if own:
            con.close()


def report_findings(db, report_id: int) -> pd.DataFrame:
    """The audit findings of one report (its page on the desk): code, criterion, severity, where,
    keys, message, related_report, days."""
    con, own = _con(db)
    try:
        return con.execute("""SELECT code, criterion, severity, "where", keys, message, related_report, days
                              FROM audit_findings WHERE report_id = ? ORDER BY severity, code""", [report_id]).df()
    finally:
        if own:
            con.close()


def audit_table(db, county: str | None = None, year: int | None = None, city: str | None = None,
                province: str | None = None) -> pd.DataFrame:
    """One row per agency and year (its current report, or the agency that did not publish): county,
    agency, year, report_id, published_on, basis, then one column per criterion (its heading in
    HEADINGS) holding ✓ or the findings in short ('逾期 12天', '文表不符 part 一')."""
    where, params = _filter(county, city, province, year, "r.")
    con, own = _con(db)
    try:
        reports = con.execute(f"""
            SELECT r.region_code AS county, g.name AS county_name, coalesce(a.name, r.agency_name) AS agency, r.year,
                   r.report_id, r.agency_id, p.first_published AS published_on, p.first_basis AS basis,
                   p.days_late
            FROM reports r LEFT JOIN agencies a USING (agency_id) LEFT JOIN report_publication p USING (report_id)
            LEFT JOIN regions g ON g.code = r.region_code
            WHERE r.is_current AND r.status <> 'failed' AND r.year IS NOT NULL AND {where}
            """, params).df()
        findings = audit_findings(con, county=county, year=year, city=city, province=province)
    finally:
        if own:
            con.close()
    missing = findings[findings["code"] == "format.missing"]
    absent = pd.DataFrame({"county": missing["region_code"], "county_name": missing["county_name"],
                           "agency": missing["agency_name"], "year": missing["year"], "report_id": pd.NA,
                           "agency_id": missing["agency_id"], "published_on": pd.NaT, "basis": None,
                           "days_late": pd.NA})
    table = pd.concat([reports, absent], ignore_index=True) if not absent.empty else reports
    for name, _, _ in CRITERIA:
        table[name] = [_cell(findings, row, name) for row in table.itertuples()]
    return table.sort_values(["county", "year", "agency"], kind="stable").reset_index(drop=True)


def _cell(findings: pd.DataFrame, row, criterion: str) -> str:
    if pd.isna(row.report_id):
        mine = findings[(findings["agency_name"] == row.agency) & (findings["year"] == row.year)
                        & (findings["code"] == "format.missing")]
        if criterion != "reported":
            return NOT_APPLICABLE
    else:
        mine = findings[findings["report_id"] == row.report_id]
    mine = mine[mine["criterion"] == criterion]
    if mine.empty:
        if criterion == "on_time" and pd.isna(row.days_late):
            return UNKNOWN  # no date to judge by
        return PASS
    return "; ".join(dict.fromkeys(_short(f) for f in mine.itertuples()))  # one cross-year check per figure: once


def _short(f) -> str:
    text = SHORT.get(f.code, f.code)
    if f.code in ("format.late", "format.missing") and not pd.isna(f.days):
        return f"{text} {int(f.days)}天"
    return f"{text} {f.where}" if isinstance(f.where, str) and f.where else text


def with_audit_counts(con: duckdb.DuckDBPyConnection, df: pd.DataFrame) -> pd.DataFrame:
    """County-year summary rows (columns code, year) with the counts of v_audit_county_year."""
    if df.empty or "code" not in df.columns:
        return df
    try:
        counts = con.execute("SELECT * FROM audit_county_year WHERE county IN (SELECT unnest(?::VARCHAR[]))",
                             [sorted(set(df["code"]))]).df()
    except duckdb.CatalogException:  # a warehouse built before migration 004
        return df
    counts = counts.rename(columns={"county": "code"})
    out = df.merge(counts, on=["code", "year"], how="left")
    for column in COUNT_LABELS:
        out[column] = out[column].fillna(0).astype("int64")
    return out


def audit_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Per county and year of an audit table: the share of rows passing each criterion (rows where
    a criterion does not apply, '—', or cannot be judged, '?', are left out)."""
    rows = []
    for (county, name, year), group in table.groupby(["county", "county_name", "year"], dropna=False):
        row = {"county": county, "county_name": name, "year": year, "agencies": len(group)}
        for criterion, _, _ in CRITERIA:
            applicable = group[criterion][~group[criterion].isin([NOT_APPLICABLE, UNKNOWN])]
            row[criterion] = (applicable == PASS).mean() if len(applicable) else None
        rows.append(row)
    return pd.DataFrame(rows)
