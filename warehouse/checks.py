"""Check results, computed on the effective figures (so a corrected figure can mend a broken rule).

Within a report (rule1..rule4 of the reference README; `expected` is the left side, `found` the right):
  rule1  column c: expected new.c + carried_over.c, found total.c + carried_forward.c
  rule2  column c: expected the sum of the outcome rows, found total.c
  rule3  row r: expected the sum of the six applicant columns, found r.total
  rule4  group g of table 四: expected upheld + corrected + other + pending, found total
Across years, recorded on the later report of the same agency (`related_report` = the earlier one):
  cross.carry_over  column c: expected 结转下年度继续办理 of Y, found 上年结转 of Y+1
  cross.in_force    规章 / 行政规范性文件 (2021 format both years): expected 现行有效件数 of Y plus
                    本年制发件数 minus 本年废止件数 of Y+1, found 现行有效件数 of Y+1
County: recorded on a county-wide summary report:
  county.summary    key k: expected the sum of k over the county's other agencies' current reports
                    of the year, found the summary's k
"""

from __future__ import annotations

import duckdb

from warehouse.metrics import APPLICANTS, DENIED, NOT_PROCESSED, OTHER_2021, T4_COLUMNS, T4_GROUPS, UNABLE

COLUMNS = [c for c, _ in APPLICANTS if c != "total"]
OUTCOME_ROWS = (
    ["disclosed", "partial"]
    + [f"denied.{r}" for r, _ in DENIED]
    + [f"unable.{r}" for r, _ in UNABLE]
    + [f"not_processed.{r}" for r, _ in NOT_PROCESSED]
    + ["other"]
    + [f"other.{r}" for r, _ in OTHER_2021]
)
T3_ROWS = ["new", "carried_over", *OUTCOME_ROWS, "total", "carried_forward"]
PARTS4 = [c for c, _ in T4_COLUMNS if c != "total"]
# What the county check compares: every row total of table 三 and every figure of table 四.
COUNTY_KEYS = [f"t3.{r}.total" for r in T3_ROWS] + [f"t4.{g}.{c}" for g, _ in T4_GROUPS for c, _ in T4_COLUMNS]


def _c(alias: str, key: str) -> str:
    return f'{alias}."{key}"'


def _sum(alias: str, keys: list[str]) -> str:
    return " + ".join(f"coalesce({_c(alias, k)}, 0)" for k in keys)


def _any(alias: str, keys: list[str]) -> str:
    return "(" + " OR ".join(f"{_c(alias, k)} IS NOT NULL" for k in keys) + ")"


def rule_equations() -> list[tuple[str, list[str], list[str], list[str]]]:
    """(rule, keys, left keys, right keys) of every within-report equation."""
    eqs = []
    for c in [*COLUMNS, "total"]:
        eqs.append(("rule1", [f"t3.new.{c}", f"t3.carried_over.{c}", f"t3.total.{c}", f"t3.carried_forward.{c}"],
                    [f"t3.new.{c}", f"t3.carried_over.{c}"], [f"t3.total.{c}", f"t3.carried_forward.{c}"]))
        outs = [f"t3.{r}.{c}" for r in OUTCOME_ROWS]
        eqs.append(("rule2", [f"t3.total.{c}", *outs], outs, [f"t3.total.{c}"]))
    for r in T3_ROWS:
        parts = [f"t3.{r}.{c}" for c in COLUMNS]
        eqs.append(("rule3", [f"t3.{r}.total", *parts], parts, [f"t3.{r}.total"]))
    for g, _ in T4_GROUPS:
        parts = [f"t4.{g}.{c}" for c in PARTS4]
        eqs.append(("rule4", [f"t4.{g}.total", *parts], parts, [f"t4.{g}.total"]))
    return eqs


def _keys_literal(keys: list[str]) -> str:
    return "[" + ", ".join(f"'{k}'" for k in keys) + "]::VARCHAR[]"


def rules_sql(ids_table: str) -> str:
    parts = []
    for rule, keys, left, right in rule_equations():
        parts.append(
            f"SELECT report_id, '{rule}', {_keys_literal(keys)}, {_sum('w', left)} AS expected, "
            f"{_sum('w', right)} AS found, NULL::BIGINT, NULL::VARCHAR FROM figures_wide w "
            f"WHERE report_id IN (SELECT report_id FROM {ids_table}) AND {_any('w', keys)} "
            f"AND abs(({_sum('w', left)}) - ({_sum('w', right)})) > 1e-6"
        )
    return "INSERT INTO checks\n" + "\nUNION ALL\n".join(parts)


def check_reports(con: duckdb.DuckDBPyConnection, ids_table: str) -> None:
    """Recompute rule1..rule4 of the reports listed in table `ids_table` (column report_id)."""
    con.execute(f"DELETE FROM checks WHERE rule LIKE 'rule%' AND report_id IN (SELECT report_id FROM {ids_table})")
    con.execute(rules_sql(ids_table))


def check_across(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute every cross-year and county check (cheap: set-based over current reports)."""
    con.execute("DELETE FROM checks WHERE rule LIKE 'cross.%' OR rule = 'county.summary'")
    pairs = """
        WITH cur AS (SELECT report_id, agency_id, year, template FROM reports
                     WHERE is_current AND status <> 'failed' AND agency_id IS NOT NULL AND year IS NOT NULL)
        SELECT c.report_id AS cur_id, p.report_id AS prev_id, c.template AS ct, p.template AS pt
        FROM cur c JOIN cur p ON p.agency_id = c.agency_id AND p.year = c.year - 1"""
    parts = []
    for c in [*COLUMNS, "total"]:
        a, b = f"t3.carried_forward.{c}", f"t3.carried_over.{c}"
        parts.append(
            f"SELECT cur_id, 'cross.carry_over', {_keys_literal([a, b])}, {_c('p', a)}, {_c('n', b)}, prev_id, "
            f"'结转下年度继续办理 of the previous year against 上年结转 of this year' "
            f"FROM pairs JOIN figures_wide n ON n.report_id = cur_id JOIN figures_wide p ON p.report_id = prev_id "
            f"WHERE {_c('p', a)} IS NOT NULL AND {_c('n', b)} IS NOT NULL AND abs({_c('p', a)} - {_c('n', b)}) > 1e-6"
        )
    for item in ("rules", "normative"):
        keys = [f"t2.{item}.in_force", f"t2.{item}.issued", f"t2.{item}.repealed"]
        exp = f"{_c('p', keys[0])} + coalesce({_c('n', keys[1])}, 0) - coalesce({_c('n', keys[2])}, 0)"
        parts.append(
            f"SELECT cur_id, 'cross.in_force', {_keys_literal(keys)}, {exp}, {_c('n', keys[0])}, prev_id, "
            f"'现行有效件数 of the previous year + 本年制发件数 - 本年废止件数 against 现行有效件数' "
            f"FROM pairs JOIN figures_wide n ON n.report_id = cur_id JOIN figures_wide p ON p.report_id = prev_id "
            f"WHERE ct = '2021' AND pt = '2021' AND {_c('p', keys[0])} IS NOT NULL AND {_c('n', keys[0])} IS NOT NULL "
            f"AND abs(({exp}) - {_c('n', keys[0])}) > 1e-6"
        )
    con.execute(f"INSERT INTO checks WITH pairs AS ({pairs}) " + " UNION ALL ".join(parts))

    sums = ", ".join(f'sum({_c("w", k)}) AS "{k}"' for k in COUNTY_KEYS)
    county_parts = []
    for k in COUNTY_KEYS:
        county_parts.append(
            f"SELECT s.report_id, 'county.summary', {_keys_literal([k])}, a.\"{k}\", s.\"{k}\", NULL::BIGINT, "
            f"'sum of ' || a.n || ' agency report(s) of the county' || CASE WHEN s.\"{k}\" < a.\"{k}\" THEN "
            f"'; the summary is below its agencies'' sum: does it cover only the government''s own office? "
            f"(xxgk review agency NAME --not-summary)' ELSE '' END "
            f"FROM summaries s JOIN agency_sums a USING (region_code, year) "
            f"WHERE s.\"{k}\" IS NOT NULL AND a.\"{k}\" IS NOT NULL AND abs(s.\"{k}\" - a.\"{k}\") > 1e-6"
        )
    con.execute(f"""
        INSERT INTO checks
        WITH cur AS (
            SELECT r.report_id, r.region_code, r.year, coalesce(a.is_summary, false) AS is_summary
            FROM reports r LEFT JOIN agencies a USING (agency_id)
            WHERE r.is_current AND r.status <> 'failed' AND r.region_code IS NOT NULL AND r.year IS NOT NULL
        ),
        summaries AS (SELECT w.*, c.region_code, c.year FROM cur c JOIN figures_wide w USING (report_id)
                      WHERE c.is_summary),
        agency_sums AS (
            SELECT c.region_code, c.year, count(*) AS n, {sums}
            FROM cur c JOIN figures_wide w USING (report_id)
            WHERE NOT c.is_summary AND (c.region_code, c.year) IN (SELECT region_code, year FROM summaries)
            GROUP BY ALL
        )
        {" UNION ALL ".join(county_parts)}
    """)
