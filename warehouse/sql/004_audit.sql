-- 004: the audit against the national format (warehouse/audit.py fills audit_findings after every load).

-- The dates a document prints about itself (from the extraction record; an attachment takes its
-- entry page's date). documents.published_on stays the listing page's date.
ALTER TABLE documents ADD COLUMN page_date DATE;
ALTER TABLE documents ADD COLUMN signature_date DATE;

-- One row per audit finding. Per-document findings are the extraction's format.* issues; the
-- warehouse adds those across documents (format.late, format.missing, format.republished,
-- format.carry_on, format.published_twice). A missing agency has no report: report_id is NULL and
-- agency_id / agency_name / region_code / year say who and when.
CREATE TABLE audit_findings (
    report_id       BIGINT,
    agency_id       VARCHAR,
    agency_name     VARCHAR,
    region_code     VARCHAR,               -- the county (identity code)
    year            INTEGER,
    code            VARCHAR NOT NULL,      -- format.*
    criterion       VARCHAR NOT NULL,      -- the audit column it fails (warehouse/audit.py CRITERIA)
    severity        VARCHAR NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
    "where"         VARCHAR,               -- part, sentence, date or the other report
    keys            VARCHAR[],
    message         VARCHAR NOT NULL,
    related_report  BIGINT,                -- the other report (last year's, the earlier version, the twin)
    days            INTEGER                -- days past the deadline (late, missing)
);

-- When each report was published, by the best date known, and on which basis. On time is judged
-- by the agency-year's first publication (a corrected version published later is not late).
CREATE TABLE report_publication (
    report_id        BIGINT PRIMARY KEY,
    published        DATE,
    basis            VARCHAR,              -- page | listing | signature | first_seen
    deadline         DATE,                 -- 31 January of the year after the report's year
    first_published  DATE,                 -- the first publication of the agency's report of that year
    first_basis      VARCHAR,
    days_late        INTEGER               -- first_published - deadline when positive, else 0; NULL: unknown
);

-- Per county and year: how many reports (or agencies) fail each criterion. Materialised by every
-- load into audit_county_year (read through v_audit_county_year), as county_year_sums is.
CREATE VIEW v_audit_county_year_live AS
WITH cur AS (
    SELECT region_code AS county, year, count(*) AS reports_audited
    FROM reports WHERE is_current AND status <> 'failed' AND region_code IS NOT NULL AND year IS NOT NULL
    GROUP BY ALL
),
f AS (
    SELECT region_code AS county, year,
           count(DISTINCT coalesce(report_id::VARCHAR, agency_id)) AS audit_failing,
           count(DISTINCT report_id) FILTER (WHERE criterion = 'on_time') AS audit_late,
           count(DISTINCT agency_id) FILTER (WHERE criterion = 'reported') AS audit_missing,
           count(DISTINCT report_id) FILTER (WHERE criterion = 'parts') AS audit_parts,
           count(DISTINCT report_id) FILTER (WHERE criterion = 'version') AS audit_version,
           count(DISTINCT report_id) FILTER (WHERE criterion = 'text_agrees') AS audit_text_mismatch,
           count(DISTINCT report_id) FILTER (WHERE criterion = 'problems_stated') AS audit_empty_part,
           count(DISTINCT report_id) FILTER (WHERE criterion = 'fees_stated') AS audit_fees_not_stated,
           count(DISTINCT report_id) FILTER (WHERE criterion = 'title') AS audit_title,
           count(DISTINCT report_id) FILTER (WHERE criterion = 'rows') AS audit_rows,
           count(DISTINCT report_id) FILTER (WHERE criterion = 'carries_on') AS audit_carry_on,
           count(DISTINCT report_id) FILTER (WHERE criterion = 'unchanged') AS audit_republished,
           count(DISTINCT report_id) FILTER (WHERE criterion = 'once') AS audit_published_twice
    FROM audit_findings
    WHERE region_code IS NOT NULL AND year IS NOT NULL
      AND (report_id IS NULL OR report_id IN (SELECT report_id FROM reports WHERE is_current))  -- superseded versions keep their findings, uncounted
    GROUP BY ALL
)
SELECT coalesce(cur.county, f.county) AS county, coalesce(cur.year, f.year) AS year,
       coalesce(cur.reports_audited, 0) AS reports_audited,
       coalesce(audit_failing, 0) AS audit_failing, coalesce(audit_late, 0) AS audit_late,
       coalesce(audit_missing, 0) AS audit_missing, coalesce(audit_parts, 0) AS audit_parts,
       coalesce(audit_version, 0) AS audit_version, coalesce(audit_text_mismatch, 0) AS audit_text_mismatch,
       coalesce(audit_empty_part, 0) AS audit_empty_part, coalesce(audit_fees_not_stated, 0) AS audit_fees_not_stated,
       coalesce(audit_title, 0) AS audit_title, coalesce(audit_rows, 0) AS audit_rows,
       coalesce(audit_carry_on, 0) AS audit_carry_on, coalesce(audit_republished, 0) AS audit_republished,
       coalesce(audit_published_twice, 0) AS audit_published_twice
FROM cur FULL OUTER JOIN f ON cur.county = f.county AND cur.year = f.year;

CREATE TABLE audit_county_year AS SELECT * FROM v_audit_county_year_live LIMIT 0;
CREATE VIEW v_audit_county_year AS SELECT * FROM audit_county_year;
