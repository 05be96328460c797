-- The 年报 columns the harvest's discovery found on each county portal (copied from harvest.duckdb at
-- every load: the county page lists every agency found, with or without a report).
CREATE TABLE portal_columns (
    source_id      VARCHAR NOT NULL,
    region_code    VARCHAR,                -- the registry entry's county
    url            VARCHAR NOT NULL,
    agency         VARCHAR,                -- NULL: the agency could not be told (for review)
    agency_basis   VARCHAR,                -- breadcrumb | heading | section
    status         VARCHAR NOT NULL,       -- active | gone
    first_seen_at  TIMESTAMPTZ,
    last_seen_at   TIMESTAMPTZ,
    PRIMARY KEY (source_id, url)
);
