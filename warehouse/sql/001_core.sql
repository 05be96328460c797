-- 001: the warehouse's core tables. Applied once by warehouse/migrate.py (recorded in schema_migrations).
-- Codes are GB/T 2260 six-digit strings. Figures are DOUBLE in the unit of metrics.csv.

-- Every division code, current and historical. `identity` is the current code a region continues
-- as (洪泽县 320829 → 洪泽区 320813); summaries group by identity, so a renamed county is one county.
CREATE TABLE regions (
    code          VARCHAR PRIMARY KEY,
    name          VARCHAR NOT NULL,
    level         VARCHAR NOT NULL CHECK (level IN ('province', 'city', 'county')),
    kind          VARCHAR,                 -- 县, 市辖区, 县级市, 地级市 ... (current codes only)
    parent        VARCHAR,                 -- the code of the city (or province) above
    province      VARCHAR NOT NULL,        -- the province code
    city          VARCHAR,                 -- the city code (NULL for a county directly under its province)
    is_current    BOOLEAN NOT NULL,
    first_seen    VARCHAR,                 -- first and last revision of the code list that has the code
    last_seen     VARCHAR,
    successor     VARCHAR,                 -- the code that replaced it, when it was replaced
    identity      VARCHAR NOT NULL,
    former_names  VARCHAR[]
);

-- The agencies that publish reports. `agency_id` is '<county identity>:<name without region prefix>'
-- so that 洪泽县教育局 and 洪泽区教育局 are one agency; '?:<name>' when the agency is not placed.
CREATE TABLE agencies (
    agency_id       VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,      -- the name as last printed
    name_key        VARCHAR NOT NULL,      -- the name without its region prefix
    region_code     VARCHAR,               -- the region (identity code) it belongs to; NULL when not placed
    kind            VARCHAR NOT NULL CHECK (kind IN ('government', 'department', 'township', 'other')),
    is_summary      BOOLEAN NOT NULL DEFAULT false,  -- its report is the region-wide summary
    summary_basis   VARCHAR,               -- why is_summary is what it is (rule / override)
    placement       VARCHAR NOT NULL,      -- registry | name | registry+name | override | ambiguous | conflict | unplaced
    placement_note  VARCHAR,
    candidates      VARCHAR[],             -- the codes an ambiguous name could mean
    source_id       VARCHAR                -- the registry entry that found it first
);

-- Documents, one per distinct content (sha256), with what the harvest knows about them.
CREATE TABLE documents (
    sha256           VARCHAR PRIMARY KEY,
    path             VARCHAR,
    url              VARCHAR,
    format           VARCHAR,
    source_id        VARCHAR,
    region_code      VARCHAR,              -- the registry entry's region
    title            VARCHAR,
    published_on     DATE,
    fetched_at       TIMESTAMPTZ,
    size             BIGINT,
    first_loaded_at  TIMESTAMPTZ NOT NULL
);

CREATE SEQUENCE report_ids START 1;

-- One report per document. Reports of the same agency and year are versions: the latest readable one
-- is current, the earlier ones point to it with superseded_by and stay queryable.
CREATE TABLE reports (
    report_id      BIGINT PRIMARY KEY,
    sha256         VARCHAR NOT NULL UNIQUE,
    agency_id      VARCHAR,
    agency_name    VARCHAR,                -- as printed in this report
    region_code    VARCHAR,                -- the county (identity code) the report counts for
    year           INTEGER,
    template       VARCHAR,                -- '2019' | '2021' | NULL (not a supported format)
    status         VARCHAR NOT NULL CHECK (status IN ('ok', 'flagged', 'failed')),
    error          VARCHAR,
    record_hash    VARCHAR NOT NULL,       -- fingerprint of the extraction record (idempotent loads)
    loaded_at      TIMESTAMPTZ NOT NULL,
    version        INTEGER,
    is_current     BOOLEAN NOT NULL DEFAULT true,
    superseded_by  BIGINT
);

-- Figures in long form, as extracted (corrections are kept apart, see v_figures).
CREATE TABLE figures (
    report_id  BIGINT NOT NULL,
    key        VARCHAR NOT NULL,
    value      DOUBLE
);

-- The extraction's issues, as recorded.
CREATE TABLE issues (
    report_id  BIGINT NOT NULL,
    code       VARCHAR NOT NULL,
    message    VARCHAR,
    keys       VARCHAR[]
);

-- Reviewers' decisions, reloaded from the data folder's corrections file on every load/publish.
CREATE TABLE corrections (
    correction_id  VARCHAR NOT NULL,
    action         VARCHAR NOT NULL CHECK (action IN ('figure', 'confirm', 'agency')),
    report_id      BIGINT,                 -- the report it applies to (NULL when it matched none)
    sha256         VARCHAR,
    agency         VARCHAR,
    region_code    VARCHAR,
    year           INTEGER,
    key            VARCHAR,
    value          DOUBLE,
    previous       DOUBLE,                 -- the extracted figure it replaces
    note           VARCHAR,
    reviewer       VARCHAR,
    recorded_at    TIMESTAMPTZ
);

-- Check results computed by the warehouse on the effective figures:
-- rule1..rule4 (within a report), cross.carry_over / cross.in_force (recorded on the later report),
-- county.summary (the county's own summary against the sum of its agencies).
CREATE TABLE checks (
    report_id       BIGINT NOT NULL,
    rule            VARCHAR NOT NULL,
    keys            VARCHAR[] NOT NULL,
    expected        DOUBLE,
    found           DOUBLE,
    related_report  BIGINT,                -- the other report of a cross-year or county check
    detail          VARCHAR
);

CREATE TABLE meta (
    name   VARCHAR PRIMARY KEY,
    value  VARCHAR
);
