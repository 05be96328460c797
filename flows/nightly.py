"""The nightly job as Prefect flows: harvest → extract → load → summarize, and `nightly` chaining
them. Each flow also runs on its own (`xxgk nightly --only-step`, or from Python).

Data folder layout (DIR):
    raw/ab/cd/<sha256>                     the harvested documents (immutable, content-addressed)
    harvest.duckdb                         the fetch log
    extracted/<extractor>/<sha256>.json    one extraction record per document and extractor version
    warehouse.duckdb                       the published warehouse (atomic replace)
    corrections.jsonl                      reviewers' decisions

Extraction is keyed by sha256: a document is extracted once per extractor version, so a night
with nothing new extracts nothing. A report page whose report is pictures kept as files is read
with the pictures the harvest fetched for it (`page_pictures`), as one document under the page's
sha256; it is read again when its pictures change (one fetched at last, or a new version). A document that cannot be read becomes a `failed` record and
never fails the flow.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import duckdb
from prefect import flow, task
from prefect.task_runners import ThreadPoolTaskRunner

from extract.harvest.registry import load_registry
from extract.harvest.run import harvest as run_harvest
from extract.harvest.store import RawStore
from xxgk.extraction import EXTRACTOR_VERSION, failed_record
from xxgk.worker import GuardedExtractor, PictureFiles

BATCH = 16  # documents per extraction task: enough work per task to outweigh Prefect's overhead


def extracted_dir(data_dir: str | os.PathLike) -> Path:
    return Path(data_dir) / "extracted" / EXTRACTOR_VERSION


# ------------------------------------------------------------------------------------ harvest


@task(name="harvest sources", retries=2, retry_delay_seconds=30)
def harvest_task(sources_file: str, data_dir: str, only: list[str] | None = None,
                 discover: bool = False) -> dict[str, dict[str, int]]:
    registry = load_registry(sources_file)
    report = run_harvest(registry.select(tuple(only or ())), data_dir, discover=True if discover else None)
    for source, walk in report.discoveries.items():
        unknown = sum(c.agency is None for c in walk.columns)
        print(f"{source}: discovery {walk.status}: {len(walk.columns)} columns ({unknown} of unknown agency) "
              f"in {walk.pages} pages" + (f"; {walk.message}" if walk.message else ""))
    return {source: dataclasses.asdict(counts) for source, counts in report.counts.items()}


@flow(name="harvest", log_prints=True)
def harvest(sources_file: str = "sources.yaml", data_dir: str = "data", only: list[str] | None = None,
            discover: bool = False) -> dict:
    """Fetch new and changed documents of every source into the raw store (and look for the columns of
    the sources with discover_from when due, weekly by default, or now with `discover`)."""
    counts = harvest_task(sources_file, data_dir, only, discover)
    for source, c in counts.items():
        print(f"{source}: " + ", ".join(f"{k} {v}" for k, v in c.items()))
    return counts


# ------------------------------------------------------------------------------------ extract


def harvested_documents(data_dir: str | os.PathLike) -> list[str]:
    """sha256 of every document the harvest stored (listing pages and the pictures of pages excluded:
    a page's pictures are read with the page)."""
    log = Path(data_dir) / "harvest.duckdb"
    if not log.exists():
        return []
    con = duckdb.connect(str(log), read_only=True)
    try:
        rows = con.execute(
            "SELECT DISTINCT sha256 FROM harvest_fetches WHERE sha256 IS NOT NULL AND kind <> 'listing' "
            "AND outcome <> 'failed' AND picture_of IS NULL ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def page_pictures(data_dir: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """sha256 of a report page → the pictures it shows as its report, as the harvest last fetched
    them: {"page_url", "files": {picture URL: sha256}, "failed": {picture URL: why}} (files in page order)."""
    log = Path(data_dir) / "harvest.duckdb"
    if not log.exists():
        return {}
    con = duckdb.connect(str(log), read_only=True)
    try:
        # The page as last fetched (a page's bytes may sit under several URLs: its pictures are those
        # shown at that URL, which its relative addresses resolve against).
        rows = con.execute("""
            WITH pages AS (
                SELECT sha256 AS page, arg_max(url, fetch_id) AS url, arg_max(coalesce(final_url, url), fetch_id) AS page_url
                FROM harvest_fetches WHERE kind = 'entry' AND sha256 IS NOT NULL GROUP BY sha256),
            latest AS (
                SELECT picture_of, parent_url, url, sha256, outcome, error, picture_index,
                       row_number() OVER (PARTITION BY picture_of, parent_url, url ORDER BY fetch_id DESC) AS n
                FROM harvest_fetches WHERE picture_of IS NOT NULL)
            SELECT p.page, l.url, l.sha256, l.outcome, l.error, p.page_url
            FROM pages p JOIN latest l ON l.picture_of = p.page AND l.parent_url = p.url AND l.n = 1
            ORDER BY p.page, l.picture_index, l.url""").fetchall()
    finally:
        con.close()
    pictures: dict[str, dict[str, Any]] = {}
    for page, url, sha, outcome, error, page_url in rows:
        entry = pictures.setdefault(page, {"page_url": page_url, "files": {}, "failed": {}})
        if outcome == "failed" or sha is None:
            entry["failed"][url] = error or "not fetched"
        else:
            entry["files"][url] = sha
    return pictures


def extraction_jobs(data_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """Every harvested document to extract: {"sha256"} and, for a page showing its report as
    pictures, {"pictures": page_pictures' entry}."""
    pictures = page_pictures(data_dir)
    return [{"sha256": sha, **({"pictures": pictures[sha]} if sha in pictures else {})}
            for sha in harvested_documents(data_dir)]


def pending_documents(data_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """The jobs whose record by this extractor is missing, or was read with other pictures."""
    done = extracted_dir(data_dir)
    return [job for job in extraction_jobs(data_dir) if not _extracted(done / f"{job['sha256']}.json", job)]


def _extracted(path: Path, job: dict[str, Any]) -> bool:
    if not path.exists():
        return False
    if "pictures" not in job:
        return True
    return json.loads(path.read_text(encoding="utf-8")).get("pictures") == job["pictures"]


@task(name="extract documents", retries=1, retry_delay_seconds=5)
def extract_batch(data_dir: str, jobs: list[dict[str, Any]]) -> dict[str, int]:
    """Extract a batch of stored documents (`extraction_jobs`), each in a child process with a time
    limit and a memory cap (a hanging or exploding document is one failed record); records are
    written atomically. A page's pictures go to the reader with it; the record keeps which."""
    store = RawStore(Path(data_dir) / "raw")
    out = extracted_dir(data_dir)
    out.mkdir(parents=True, exist_ok=True)
    statuses: dict[str, int] = {}
    with GuardedExtractor() as extractor:
        for job in jobs:
            sha = job["sha256"]
            path = store.path(sha)
            if path.is_file():
                record = extractor.extract(path, provenance=True,  # the desk shows where figures were printed
                                           pictures=PictureFiles.in_store(store, job.get("pictures")))
            else:
                record = failed_record(path, "the harvested file is missing from the raw store")
                record["sha256"] = sha
            if "pictures" in job:
                record["pictures"] = job["pictures"]
            _write_json(out / f"{sha}.json", record)
            statuses[record["status"]] = statuses.get(record["status"], 0) + 1
    return statuses


def _write_json(path: Path, record: dict) -> None:
    temp = path.with_suffix(f".{os.getpid()}.tmp")
    temp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    os.replace(temp, path)


@flow(name="extract", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=2))
def extract(data_dir: str = "data") -> dict[str, int]:
    """Extract every harvested document not yet extracted by this extractor version, in parallel
    (threads by default; a Dask cluster when the flow is run with a DaskTaskRunner)."""
    pending = pending_documents(data_dir)
    print(f"{len(pending)} documents to extract")
    futures = [extract_batch.submit(data_dir, pending[i:i + BATCH]) for i in range(0, len(pending), BATCH)]
    totals: dict[str, int] = {}
    for future in futures:
        for status, n in future.result().items():
            totals[status] = totals.get(status, 0) + n
    print("extracted: " + (", ".join(f"{k} {v}" for k, v in sorted(totals.items())) or "nothing new"))
    return totals


def extract_with(dask_address: str | None):
    """The extract flow on a Dask cluster when an address is given (prefect-dask), else on threads."""
    if not dask_address:
        return extract
    from prefect_dask import DaskTaskRunner

    return extract.with_options(task_runner=DaskTaskRunner(address=dask_address))


# ------------------------------------------------------------------------------------ load


def wrapper_pages(data_dir: str | os.PathLike) -> set[str]:
    """Entry pages that link attachments: when such a page holds no report itself, the report is
    its attachment and the page is no report of its own (nothing to count as unreadable)."""
    con = duckdb.connect(str(Path(data_dir) / "harvest.duckdb"), read_only=True)
    try:
        rows = con.execute("""
            SELECT DISTINCT e.sha256 FROM harvest_fetches e
            WHERE e.kind = 'entry' AND e.sha256 IS NOT NULL AND EXISTS (
                SELECT 1 FROM harvest_fetches a
                WHERE a.kind = 'attachment' AND a.picture_of IS NULL AND a.parent_url IN (e.url, e.final_url))""").fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


def extraction_records(data_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """The current extractor's record of every harvested document that is a report (or was meant
    to be one: a failed attachment counts, a failed page that only links attachments does not)."""
    folder = extracted_dir(data_dir)
    shas = harvested_documents(data_dir)
    wrappers = wrapper_pages(data_dir) if shas else set()
    records = []
    for sha in shas:
        path = folder / f"{sha}.json"
        if path.exists():
            record = json.loads(path.read_text(encoding="utf-8"))
            if not (record["status"] == "failed" and sha in wrappers):
                records.append(record)
    return records


@task(name="load warehouse", retries=2, retry_delay_seconds=10)
def load_task(data_dir: str, sources_file: str | None) -> dict[str, int]:
    from warehouse.publish import columns_from_harvest, documents_from_harvest, publish_records

    regions = {}
    if sources_file and Path(sources_file).exists():
        regions = {s.id: s.region_code for s in load_registry(sources_file).sources}
    harvest_db = Path(data_dir) / "harvest.duckdb"
    documents = documents_from_harvest(harvest_db, source_regions=regions) if harvest_db.exists() else {}
    columns = columns_from_harvest(harvest_db, source_regions=regions) if harvest_db.exists() else []
    records = []
    for record in extraction_records(data_dir):
        document = documents.get(record.get("sha256"), {})
        records.append(with_listing_title(with_column_agency(record, document.get("column_agency")), document.get("title")))
    with_entry_page_dates(data_dir, documents)
    return publish_records(data_dir, records, documents=documents, columns=columns).as_dict()


def same_agency(a: str, b: str) -> bool:
    """One name is the other, or the other with its region in front (淮安市洪泽区人民政府 / 洪泽区人民政府)."""
    a, b = "".join(a.split()), "".join(b.split())
    return a == b or a.endswith(b) or b.endswith(a)


def with_column_agency(record: dict[str, Any], agency: str | None) -> dict[str, Any]:
    """The agency of the portal column a report was published in is the report's agency: it names a
    report that prints none (before the listing title is asked); where the report prints another
    agency, the column's is used and the report is flagged for review."""
    if record["status"] == "failed" or not agency:
        return record
    from transform.findings import Issue

    printed = record.get("agency")
    if printed and same_agency(printed, agency):
        return record
    filled = dict(record, agency=agency)
    if printed:
        issue = Issue("source.agency_mismatch", f"the report prints {printed!r}; it was published in the column of {agency!r}")
        filled["status"] = "flagged"
    else:
        issue = Issue("note.agency_from_column", f"agency {agency!r} from the portal column the report was published in")
    filled["issues"] = list(record["issues"]) + [issue.as_dict()]
    return filled


def with_entry_page_dates(data_dir: str | os.PathLike, documents: dict[str, dict[str, Any]]) -> None:
    """An attachment is dated by the page that links it: its entry page's extraction record."""
    folder = extracted_dir(data_dir)
    for doc in documents.values():
        entry = doc.get("entry_sha256")
        path = folder / f"{entry}.json" if entry else None
        if path is not None and path.exists():
            doc["page_date"] = (json.loads(path.read_text(encoding="utf-8")).get("dates") or {}).get("page")


def with_listing_title(record: dict[str, Any], title: str | None) -> dict[str, Any]:
    """A report whose own text does not name its agency or year (a title printed as an image, in a
    text box) takes them from the title the portal's listing gave it, and says so."""
    if record["status"] == "failed" or not title or (record["agency"] and record["year"]):
        return record
    from transform.findings import Issue
    from transform.meta import agency_of, year_of

    filled = dict(record)
    taken = []
    if not filled["agency"] and (agency := agency_of(title)):
        filled["agency"] = agency
        taken.append("agency")
    if not filled["year"] and (year := year_of(title)):
        filled["year"] = year
        taken.append("year")
    if taken:
        note = Issue("note.meta_from_listing", f"{' and '.join(taken)} taken from the portal's title {title!r}")
        filled["issues"] = list(record["issues"]) + [note.as_dict()]
    return filled


@flow(name="load", log_prints=True)
def load(data_dir: str = "data", sources_file: str | None = "sources.yaml") -> dict[str, int]:
    """Load every extraction record into the warehouse and publish it atomically."""
    result = load_task(data_dir, sources_file)
    print("warehouse: " + ", ".join(f"{k} {v}" for k, v in result.items()))
    return result


# ------------------------------------------------------------------------------------ summarize


@task(name="county summaries")
def summarize_task(data_dir: str, year: int | None) -> list[dict[str, Any]]:
    from warehouse.publish import open_published
    from warehouse.summary import county_summary

    con = open_published(data_dir)
    try:
        frame = county_summary(con, year=year)
    finally:
        con.close()
    return json.loads(frame.to_json(orient="records", force_ascii=False, date_format="iso"))


@flow(name="summarize", log_prints=True)
def summarize(data_dir: str = "data", year: int | None = None) -> list[dict[str, Any]]:
    """County-year summaries of the published warehouse."""
    rows = summarize_task(data_dir, year)
    print(f"{len(rows)} county-years summarised")
    return rows


# ------------------------------------------------------------------------------------ nightly


@flow(name="nightly", log_prints=True)
def nightly(sources_file: str = "sources.yaml", data_dir: str = "data", only: list[str] | None = None,
            dask_address: str | None = None, year: int | None = None, discover: bool = False) -> dict[str, Any]:
    """Harvest (discovering columns when due, or now with `discover`), extract what is new, load and
    publish the warehouse, summarise."""
    harvested = harvest(sources_file, data_dir, only, discover)
    extracted = extract_with(dask_address)(data_dir)
    loaded = load(data_dir, sources_file)
    summary = summarize(data_dir, year)
    return {"harvest": harvested, "extract": extracted, "load": loaded, "summary": summary}
