-- The harvest fetch log. One row per HTTP fetch the harvester made (robots.txt excluded).
-- Raw bytes live in the content-addressed store (DIR/raw/ab/cd/<sha256>); rows point to them by sha256.
-- Idempotent: run on every open.

CREATE TABLE IF NOT EXISTS harvest_runs (
    run_id       VARCHAR PRIMARY KEY,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    status       VARCHAR NOT NULL,          -- running | completed | interrupted
    sources      VARCHAR[] NOT NULL
);

CREATE SEQUENCE IF NOT EXISTS harvest_fetch_id START 1;

CREATE TABLE IF NOT EXISTS harvest_fetches (
    fetch_id       BIGINT PRIMARY KEY DEFAULT nextval('harvest_fetch_id'),
    run_id         VARCHAR NOT NULL,
    source_id      VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL CHECK (kind IN ('listing', 'entry', 'attachment')),
    url            VARCHAR NOT NULL,        -- the URL as linked
    final_url      VARCHAR,                 -- after redirects
    listing_url    VARCHAR,                 -- the listing page the report was found on
    parent_url     VARCHAR,                 -- the page that linked this URL
    link_text      VARCHAR,                 -- anchor text (or title attribute) of that link
    entry_title    VARCHAR,                 -- the report's title on the listing page
    published_on   DATE,                    -- publication date shown on the listing, if any
    http_status    INTEGER,
    etag           VARCHAR,
    last_modified  VARCHAR,
    content_type   VARCHAR,                 -- as served
    file_name      VARCHAR,                 -- from Content-Disposition, display only
    encoding       VARCHAR,                 -- decoded encoding of HTML pages
    size           BIGINT,
    sha256         VARCHAR,                 -- content in the raw store (for 304/unchanged: the stored version)
    attempts       INTEGER,
    elapsed_ms     INTEGER,
    fetched_at     TIMESTAMPTZ NOT NULL,
    outcome        VARCHAR NOT NULL CHECK (outcome IN ('new', 'changed', 'unchanged', 'failed')),
    error          VARCHAR
);

-- Links found but not fetched: off allowed_hosts, refused by robots.txt or address policy, over a limit.
CREATE TABLE IF NOT EXISTS harvest_skips (
    run_id      VARCHAR NOT NULL,
    source_id   VARCHAR NOT NULL,
    url         VARCHAR NOT NULL,
    parent_url  VARCHAR,
    reason      VARCHAR NOT NULL,
    seen_at     TIMESTAMPTZ NOT NULL
);

-- Every distinct document version and the URLs it was reached by.
CREATE OR REPLACE VIEW harvest_versions AS
SELECT source_id, url, sha256,
       min(fetched_at)   AS first_seen_at,
       min(fetch_id)     AS first_fetch_id,
       any_value(size)   AS size,
       any_value(kind)   AS kind
FROM harvest_fetches
WHERE outcome IN ('new', 'changed')
GROUP BY source_id, url, sha256;

-- Every stored blob once.
CREATE OR REPLACE VIEW harvest_documents AS
SELECT sha256, any_value(size) AS size, min(first_seen_at) AS first_seen_at, count(DISTINCT url) AS urls
FROM harvest_versions
GROUP BY sha256;

-- What each URL looked like at its latest successful fetch: the base of conditional requests.
CREATE OR REPLACE VIEW harvest_url_state AS
SELECT url,
       arg_max(source_id, fetch_id)     AS source_id,
       arg_max(sha256, fetch_id)        AS sha256,
       arg_max(etag, fetch_id)          AS etag,
       arg_max(last_modified, fetch_id) AS last_modified,
       arg_max(content_type, fetch_id)  AS content_type,
       arg_max(size, fetch_id)          AS size,
       arg_max(encoding, fetch_id)      AS encoding,
       max(fetched_at)                  AS fetched_at
FROM harvest_fetches
WHERE outcome <> 'failed'
GROUP BY url;

-- The listing page's column (a start URL or a discovered 年报 column) each fetch belongs to.
ALTER TABLE harvest_fetches ADD COLUMN IF NOT EXISTS column_url VARCHAR;

-- A picture a report page shows as its report (a scan in the page: <img src="t3.jpg">) is fetched with the
-- page as kind 'attachment' and read with it, never on its own: picture_of is the sha256 of the page version
-- that shows it, picture_index its place among that page's pictures (1-based). NULL for every other fetch.
ALTER TABLE harvest_fetches ADD COLUMN IF NOT EXISTS picture_of VARCHAR;
ALTER TABLE harvest_fetches ADD COLUMN IF NOT EXISTS picture_index INTEGER;

-- 年报 columns found by discovery (extract/harvest/sitewalk.py). Never deleted: a column that a complete
-- discovery no longer finds is marked gone (status 'gone', gone_since) and comes back when found again.
CREATE TABLE IF NOT EXISTS harvest_columns (
    source_id      VARCHAR NOT NULL,
    url            VARCHAR NOT NULL,        -- the column's first listing page
    agency         VARCHAR,                 -- NULL: could not be told; listed for review
    agency_basis   VARCHAR,                 -- breadcrumb | heading | section (how the agency was told)
    found_by       VARCHAR NOT NULL,        -- discovery
    found_from     VARCHAR,                 -- the page that linked it
    path           VARCHAR,                 -- link texts from the discovery root
    readers        VARCHAR,                 -- listing readers that read it: links, hanweb, json
    entries        INTEGER,                 -- annual reports on its first page when last seen
    first_seen_at  TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL,
    status         VARCHAR NOT NULL CHECK (status IN ('active', 'gone')),
    gone_since     TIMESTAMPTZ,
    PRIMARY KEY (source_id, url)
);

-- One row per discovery walk.
CREATE TABLE IF NOT EXISTS harvest_discoveries (
    run_id       VARCHAR NOT NULL,
    source_id    VARCHAR NOT NULL,
    finished_at  TIMESTAMPTZ NOT NULL,
    pages        INTEGER NOT NULL,          -- pages fetched
    columns      INTEGER NOT NULL,          -- columns found
    status       VARCHAR NOT NULL,          -- complete | budget | interrupted
    message      VARCHAR
);
