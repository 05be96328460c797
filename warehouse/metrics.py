"""The summary's measures: name, Chinese label, how each is computed from a report's figures, and in
which version(s) of the format it exists.

The SQL views are generated from these definitions (`python -m warehouse.metrics` rewrites the
latest views migration, VIEWS_SQL; a test keeps file and definitions in step). A change of a definition
after release goes into a new migration: 003 made the views, 005 made their counts whole numbers
(BIGINT: 223, not 223.0; amounts stay DOUBLE, rates stay fractions).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from transform.template import all_keys, unit_of

BOTH = ("2019", "2021")

APPLICANTS = [
    ("natural", "自然人"),
    ("commercial", "商业企业"),
    ("research", "科研机构"),
    ("social", "社会公益组织"),
    ("legal", "法律服务机构"),
    ("other_org", "其他组织"),
    ("total", "总计"),
]
DENIED = [
    ("state_secret", "国家秘密"),
    ("law_prohibited", "法律行政法规禁止"),
    ("security_stability", "危及三安全一稳定"),
    ("third_party", "保护第三方合法权益"),
    ("internal_affairs", "三类内部事务信息"),
    ("process_info", "四类过程性信息"),
    ("enforcement_file", "行政执法案卷"),
    ("admin_query", "行政查询事项"),
]
UNABLE = [("not_held", "本机关不掌握"), ("needs_creation", "需另行制作"), ("unclear", "补正后仍不明确")]
NOT_PROCESSED = [
    ("petition", "信访举报投诉类"),
    ("duplicate", "重复申请"),
    ("publication", "要求提供公开出版物"),
    ("excessive", "无正当理由大量反复申请"),
    ("confirm", "要求确认或重新出具"),
]
OTHER_2021 = [("no_correction", "逾期不补正"), ("unpaid_fee", "逾期未缴费"), ("other", "其他")]
T4_GROUPS = [("review", "行政复议"), ("suit_direct", "未经复议直接起诉"), ("suit_after_review", "复议后起诉")]
T4_COLUMNS = [("upheld", "维持"), ("corrected", "纠正"), ("other", "其他结果"), ("pending", "尚未审结"), ("total", "总计")]


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    expr: str  # over figures_wide columns, for one report
    versions: tuple[str, ...] = BOTH


def _col(key: str) -> str:
    return f'w."{key}"'


def _sum(keys: list[str]) -> str:
    # list_sum ignores NULLs and is NULL only when every figure is absent.
    return "list_sum([" + ", ".join(_col(k) for k in keys) + "])"


def measures() -> list[Measure]:
    out: list[Measure] = []
    for c, zh in APPLICANTS:
        out.append(Measure(f"new_{c}", f"新收申请·{zh}", _col(f"t3.new.{c}")))
    for c, zh in APPLICANTS:
        out.append(Measure(f"carried_over_{c}", f"上年结转·{zh}", _col(f"t3.carried_over.{c}")))
    out.append(Measure("disclosed", "予以公开", _col("t3.disclosed.total")))
    out.append(Measure("partial", "部分公开", _col("t3.partial.total")))
    for r, zh in DENIED:
        out.append(Measure(f"denied_{r}", f"不予公开·{zh}", _col(f"t3.denied.{r}.total")))
    out.append(Measure("denied_total", "不予公开·合计", _sum([f"t3.denied.{r}.total" for r, _ in DENIED])))
    for r, zh in UNABLE:
        out.append(Measure(f"unable_{r}", f"无法提供·{zh}", _col(f"t3.unable.{r}.total")))
    out.append(Measure("unable_total", "无法提供·合计", _sum([f"t3.unable.{r}.total" for r, _ in UNABLE])))
    for r, zh in NOT_PROCESSED:
        out.append(Measure(f"not_processed_{r}", f"不予处理·{zh}", _col(f"t3.not_processed.{r}.total")))
    out.append(Measure("not_processed_total", "不予处理·合计",
                       _sum([f"t3.not_processed.{r}.total" for r, _ in NOT_PROCESSED])))
    # （六）其他处理: one row in 2019 (and in mixed 2021 reports), three rows in 2021. The total exists in both.
    out.append(Measure("other_total", "其他处理·合计",
                       _sum(["t3.other.total"] + [f"t3.other.{r}.total" for r, _ in OTHER_2021])))
    for r, zh in OTHER_2021:
        out.append(Measure(f"other_{r}", f"其他处理·{zh}", _col(f"t3.other.{r}.total"), ("2021",)))
    out.append(Measure("outcomes_total", "办理结果·总计", _col("t3.total.total")))
    out.append(Measure("carried_forward", "结转下年度继续办理", _col("t3.carried_forward.total")))
    for g, gzh in T4_GROUPS:
        for c, czh in T4_COLUMNS:
            out.append(Measure(f"{g}_{c}", f"{gzh}·{czh}", _col(f"t4.{g}.{c}")))
    return out


# Rates, computed after summing (never averaged over agencies).
RATES = [
    ("disclosure_rate", "公开率（予以公开+部分公开）/办理总数", "(disclosed + partial) / nullif(outcomes_total, 0)"),
    ("review_correction_rate", "行政复议纠错率 纠正/已审结",
     "review_corrected / nullif(review_total - coalesce(review_pending, 0), 0)"),
    ("litigation_correction_rate", "行政诉讼纠错率 纠正/已审结",
     "(coalesce(suit_direct_corrected, 0) + coalesce(suit_after_review_corrected, 0)) / nullif("
     "coalesce(suit_direct_total, 0) + coalesce(suit_after_review_total, 0)"
     " - coalesce(suit_direct_pending, 0) - coalesce(suit_after_review_pending, 0), 0)"),
    ("correction_rate", "复议诉讼总纠错率",
     "(coalesce(review_corrected, 0) + coalesce(suit_direct_corrected, 0) + coalesce(suit_after_review_corrected, 0))"
     " / nullif(coalesce(review_total, 0) + coalesce(suit_direct_total, 0) + coalesce(suit_after_review_total, 0)"
     " - coalesce(review_pending, 0) - coalesce(suit_direct_pending, 0) - coalesce(suit_after_review_pending, 0), 0)"),
]

COUNTS = [
    ("agencies_reporting", "报告机关数"),
    ("agencies_flagged", "待审核机关数"),
    ("agencies_missing", "缺报机关数（上年有报告）"),
    ("reports_failed", "无法读取的报告"),
    ("reports_counted", "计入合计的报告"),
    ("figures_corrected", "人工更正的数字"),
]

LABELS: dict[str, str] = {
    "level": "层级", "code": "代码", "name": "名称", "county": "县级代码", "county_name": "县（市、区）",
    "city": "地市代码", "city_name": "地市", "province": "省级代码", "province_name": "省份", "year": "年度",
    "format": "格式版本", "basis": "合计依据", "has_county_summary": "有全县汇总报告",
    **dict(COUNTS), **{name: label for name, label, _ in RATES}, **{m.name: m.label for m in measures()},
}

# How a person reads the values of the summaries' text columns.
VALUE_LABELS: dict[str, dict] = {
    "basis": {"agencies": "各机关合计", "county_summary": "全县汇总报告", "none": "无"},
    "has_county_summary": {True: "是", False: "否"},
    "format_break": {True: "是", False: "否"},
}

VIEWS_SQL = Path(__file__).with_name("sql") / "005_whole_number_views.sql"

COUNT_TYPE = "BIGINT"  # counts of applications, cases, documents: whole numbers


def _whole(expr: str) -> str:
    return f"CAST({expr} AS {COUNT_TYPE})"


def _wide_columns() -> str:
    """figures_wide's columns, the counts (unit 件) as whole numbers, the amounts (万元) as stored."""
    cols = []
    for key in all_keys():
        col = f'w."{key}"'
        cols.append(f'{_whole(col) if unit_of(key) == "件" else col} AS "{key}"')
    return ", ".join(cols)


def views_sql() -> str:
    # Every measure is a count (tables 三 and 四); sums of BIGINT are HUGEINT in DuckDB, cast back so
    # that pandas and the CLI get integers, not floats.
    ms = measures()
    report_cols = ",\n".join(f"    {_whole(m.expr)} AS {m.name}" for m in ms)
    counted_sums = ",\n".join(f"        {_whole(f'sum({m.name}) FILTER (WHERE counted)')} AS {m.name}" for m in ms)
    plain_sums = ",\n".join(f"        {_whole(f'sum({m.name})')} AS {m.name}" for m in ms)
    names = ", ".join(m.name for m in ms)
    rates = ",\n".join(f"    {expr} AS {name}" for name, _, expr in RATES)
    area_counts = ", ".join(f"{_whole(f'sum({c})')} AS {c}" for c, _ in COUNTS)
    return f"""-- {VIEWS_SQL.name[:3]}: summary views with whole-number counts. GENERATED by `python -m warehouse.metrics` from
-- warehouse/metrics.py; do not edit. Replaces the views of 003 (same names, same columns): counts are
-- BIGINT, amounts DOUBLE, rates fractions (DOUBLE); county_year_sums is rebuilt with these types.
--
-- County totals add the current reports of the county's agencies. A region-wide summary report
-- (agencies.is_summary) is never added to them; only when a county has no other readable report
-- are the totals taken from its summary (basis = 'county_summary').

CREATE OR REPLACE VIEW v_reports AS
SELECT r.report_id, r.sha256, r.agency_id, coalesce(a.name, r.agency_name) AS agency, r.agency_name,
       a.kind AS agency_kind, coalesce(a.is_summary, false) AS is_summary, a.placement,
       r.region_code, g.name AS region_name, g.level AS region_level, g.city, g.province,
       r.year, r.template, r.status, r.error,
       coalesce(c.confirmed, false) AS confirmed,
       CASE WHEN r.status = 'flagged' AND coalesce(c.confirmed, false) THEN 'confirmed' ELSE r.status END
           AS review_status,
       coalesce(c.n_corrected, 0) AS figures_corrected,
       r.version, r.is_current, r.superseded_by, r.loaded_at,
       d.url, d.path, d.format, d.source_id, d.title, d.published_on, d.fetched_at
FROM reports r
LEFT JOIN agencies a USING (agency_id)
LEFT JOIN regions g ON g.code = r.region_code
LEFT JOIN documents d USING (sha256)
LEFT JOIN (
    SELECT report_id,
           bool_or(action = 'confirm') AS confirmed,
           count(DISTINCT key) FILTER (WHERE action = 'figure') AS n_corrected
    FROM corrections WHERE report_id IS NOT NULL GROUP BY report_id
) c USING (report_id);

-- Figures in long form with corrections applied (`extracted` keeps the printed figure).
CREATE OR REPLACE VIEW v_figures AS
SELECT f.report_id, f.key, coalesce(c.value, f.value) AS value, f.value AS extracted, c.value IS NOT NULL AS corrected
FROM figures f
LEFT JOIN (
    SELECT report_id, key, arg_max(value, recorded_at) AS value
    FROM corrections WHERE action = 'figure' AND report_id IS NOT NULL GROUP BY report_id, key
) c USING (report_id, key)
UNION ALL
SELECT c.report_id, c.key, arg_max(c.value, c.recorded_at), NULL, true
FROM corrections c
WHERE c.action = 'figure' AND c.report_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM figures f WHERE f.report_id = c.report_id AND f.key = c.key)
GROUP BY c.report_id, c.key;

-- One row per report, one column per key (effective figures), with the report's facts.
CREATE OR REPLACE VIEW v_figures_wide AS
SELECT r.agency, r.region_code, r.region_name, r.year, r.template, r.review_status, r.is_current, r.is_summary,
       w.report_id, {_wide_columns()}
FROM figures_wide w JOIN v_reports r USING (report_id);

-- The summary measures of each current report placed in a region.
CREATE OR REPLACE VIEW v_report_measures AS
SELECT r.report_id, r.region_code AS county, r.year, r.agency_id, r.is_summary, r.status, r.review_status,
       r.figures_corrected,
{report_cols}
FROM v_reports r
LEFT JOIN figures_wide w USING (report_id)
WHERE r.is_current AND r.region_code IS NOT NULL AND r.year IS NOT NULL;

-- Per county (identity code) and year: sums and counts, computed from the reports. The load
-- materialises it into the table county_year_sums (refresh_summaries), which the summaries read.
CREATE OR REPLACE VIEW v_county_year_live AS
WITH m AS (
    SELECT *,
           status <> 'failed' AND (NOT is_summary OR count(*) FILTER (WHERE NOT is_summary AND status <> 'failed')
               OVER (PARTITION BY county, year) = 0) AS counted
    FROM v_report_measures
),
agency_years AS (
    SELECT DISTINCT region_code AS county, year, agency_id FROM reports
    WHERE is_current AND agency_id IS NOT NULL AND region_code IS NOT NULL AND year IS NOT NULL
),
missing AS (
    SELECT p.county, p.year + 1 AS year, count(*) AS agencies_missing
    FROM agency_years p
    WHERE NOT EXISTS (SELECT 1 FROM agency_years n WHERE n.agency_id = p.agency_id AND n.year = p.year + 1)
    GROUP BY ALL
)
SELECT s.*, coalesce(x.agencies_missing, 0) AS agencies_missing
FROM (
    SELECT county, year,
        CASE WHEN year <= 2020 THEN '2019' ELSE '2021' END AS format,
        count(DISTINCT agency_id) AS agencies_reporting,
        count(DISTINCT agency_id) FILTER (WHERE review_status = 'flagged') AS agencies_flagged,
        count(*) FILTER (WHERE status = 'failed') AS reports_failed,
        count(*) FILTER (WHERE counted) AS reports_counted,
        bool_or(is_summary) AS has_county_summary,
        CASE WHEN bool_or(counted AND NOT is_summary) THEN 'agencies'
             WHEN bool_or(counted) THEN 'county_summary' ELSE 'none' END AS basis,
        {_whole("sum(figures_corrected)")} AS figures_corrected,
{counted_sums}
    FROM m GROUP BY county, year
) s
LEFT JOIN missing x USING (county, year);

DROP TABLE IF EXISTS county_year_sums;
CREATE TABLE county_year_sums AS SELECT * FROM v_county_year_live;

CREATE OR REPLACE VIEW v_county_year AS
SELECT 'county' AS level, s.county AS code, g.name, s.county, g.name AS county_name, g.city, c.name AS city_name,
       g.province, p.name AS province_name, s.* EXCLUDE (county),
{rates}
FROM county_year_sums s
LEFT JOIN regions g ON g.code = s.county
LEFT JOIN regions c ON c.code = g.city
LEFT JOIN regions p ON p.code = g.province;

-- Roll-ups: the sums of the counties of a city / province (a county directly under its province
-- has no city).
CREATE OR REPLACE VIEW v_area_year_sums AS
SELECT CASE WHEN GROUPING(city) = 0 THEN 'city' ELSE 'province' END AS level,
       CASE WHEN GROUPING(city) = 0 THEN city ELSE province END AS code,
       year, province, CASE WHEN GROUPING(city) = 0 THEN city END AS city,
       any_value(format) AS format,
       count(*) AS counties_reporting,
       {area_counts},
{plain_sums}
FROM (SELECT s.*, g.city, g.province FROM county_year_sums s JOIN regions g ON g.code = s.county)
GROUP BY GROUPING SETS ((province, city, year), (province, year))
HAVING GROUPING(city) = 1 OR city IS NOT NULL;

CREATE OR REPLACE VIEW v_city_year AS
SELECT s.level, s.code, g.name, s.province, p.name AS province_name, s.year, s.format, s.counties_reporting,
       s.agencies_reporting, s.agencies_flagged, s.agencies_missing, s.reports_failed, s.reports_counted,
       s.figures_corrected, {names},
{rates}
FROM v_area_year_sums s JOIN regions g ON g.code = s.code LEFT JOIN regions p ON p.code = s.province
WHERE s.level = 'city';

CREATE OR REPLACE VIEW v_province_year AS
SELECT s.level, s.code, g.name, s.year, s.format, s.counties_reporting,
       s.agencies_reporting, s.agencies_flagged, s.agencies_missing, s.reports_failed, s.reports_counted,
       s.figures_corrected, {names},
{rates}
FROM v_area_year_sums s JOIN regions g ON g.code = s.code
WHERE s.level = 'province';
"""


if __name__ == "__main__":
    VIEWS_SQL.write_text(views_sql(), encoding="utf-8")
    print(f"wrote {VIEWS_SQL}")
