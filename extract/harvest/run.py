"""The harvest loop: listing pages -> report pages -> attachments and pictures, for every source, politely.

A report page's pictures (a scan shown in the page: `discover_pictures`) are fetched as attachments
of that page version (`picture_of`, `picture_index`), at most `limits.max_page_pictures` per page;
a picture the page also links as a file is fetched once, as a picture (it is read with the page).

Threads fetch (one pool, bounded; per host no more in flight than its concurrency cap); the main thread
owns scheduling and the fetch log, which it writes in small transactions. Interrupting loses nothing:
blobs are content-addressed and written atomically, rows are committed every half second, and a URL
whose row was lost is simply fetched again (and found already stored) on the next run.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from extract.harvest.discover import Link, discover_attachments, discover_pictures, normalize_url
from extract.harvest.fetch import Conditional, Fetcher, FetchResult, decode_html
from extract.harvest.listings import read_listing
from extract.harvest.registry import Source
from extract.harvest.sitewalk import WalkReport, walk
from extract.harvest.store import FetchLog, RawStore, UrlState, sha256_hex
from extract.sniff import sniff

OUTCOMES = ("new", "changed", "unchanged", "failed")
FLUSH_SECONDS = 0.5
FLUSH_ROWS = 500


@dataclass(frozen=True, slots=True)
class Task:
    source: Source
    url: str
    kind: str  # listing | entry | attachment
    listing_url: str | None = None
    parent_url: str | None = None
    link_text: str | None = None
    entry_title: str | None = None
    published_on: date | None = None
    column_url: str | None = None  # the column (start URL or discovered) this fetch belongs to
    picture_of: str | None = None  # a picture's page version (sha256), read with it
    picture_index: int | None = None

    @property
    def key(self) -> str:
        """Fetched once per run: a URL, and a picture once per page version showing it."""
        return self.url if self.picture_of is None else f"{self.url} {self.picture_of}"


@dataclass(slots=True)
class Done:
    task: Task
    result: FetchResult
    row: dict | None  # None: nothing to log (robots.txt disallowed, interrupted)
    links: list[Link] = field(default_factory=list)


@dataclass
class SourceCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class RunReport:
    run_id: str
    status: str  # completed | interrupted
    counts: dict[str, SourceCounts]
    seconds: float
    discoveries: dict[str, WalkReport] = field(default_factory=dict)  # the sources whose columns were looked for

    @property
    def fetched(self) -> int:
        return sum(c.new + c.changed + c.unchanged + c.failed for c in self.counts.values())

    def documents(self, *outcomes: str) -> int:
        outcomes = outcomes or OUTCOMES
        return sum(getattr(c, o) for c in self.counts.values() for o in outcomes)


ProgressCallback = Callable[[int, int, Task], None]  # (finished, known, task just finished)


class Harvest:
    """`discover`: True looks for every source's columns now, False never, None when due (weekly by
    default: each entry's `discovery.every_days`). `now` is the clock for that schedule."""

    def __init__(self, sources: list[Source], data_dir: str | Path, progress: ProgressCallback | None = None,
                 stop: threading.Event | None = None, discover: bool | None = None, now: datetime | None = None):
        self.discover = discover
        self.now = now
        self.sources = sources
        self.data_dir = Path(data_dir)
        self.progress = progress
        self.stop = stop or threading.Event()
        self.store = RawStore(self.data_dir / "raw")
        self.states: dict[str, UrlState] = {}
        self.run_id = ""

    # ---------------------------------------------------------------- worker side

    def _work(self, fetcher: Fetcher, task: Task) -> Done:
        prior = self.states.get(task.url)
        conditional = None
        if prior is not None and prior.sha256 and (prior.etag or prior.last_modified) and self.store.has(prior.sha256):
            conditional = Conditional(prior.etag, prior.last_modified)
        result = fetcher.fetch(task.url, task.source, conditional)
        if result.disallowed or result.interrupted:
            return Done(task, result, None)
        row = {
            "run_id": self.run_id, "source_id": task.source.id, "kind": task.kind, "url": task.url,
            "final_url": result.final_url, "listing_url": task.listing_url, "parent_url": task.parent_url,
            "link_text": task.link_text, "entry_title": task.entry_title, "published_on": task.published_on,
            "http_status": result.status, "etag": result.etag, "last_modified": result.last_modified,
            "content_type": result.content_type, "file_name": result.file_name, "attempts": result.attempts,
            "elapsed_ms": result.elapsed_ms, "fetched_at": datetime.now().astimezone(), "column_url": task.column_url,
            "picture_of": task.picture_of, "picture_index": task.picture_index,
        }
        if not result.ok:
            row.update(outcome="failed", error=result.error)
            return Done(task, result, row)
        body = result.body
        if result.not_modified:
            assert prior is not None
            body = self.store.get(prior.sha256) if task.kind != "attachment" else None
            row.update(
                outcome="unchanged", sha256=prior.sha256, size=prior.size, encoding=prior.encoding,
                etag=result.etag or prior.etag, last_modified=result.last_modified or prior.last_modified,
                content_type=result.content_type or prior.content_type,
            )
        else:
            assert body is not None
            sha = sha256_hex(body)
            self.store.put(body, sha)
            if prior is None or prior.sha256 is None:
                outcome = "new"
            else:
                outcome = "unchanged" if prior.sha256 == sha else "changed"
            row.update(outcome=outcome, sha256=sha, size=len(body))
        links: list[Link] = []
        listing_data = task.kind == "listing" and self._is_listing_data(body, row.get("content_type"))
        if body is not None and task.kind != "attachment" and (listing_data or self._is_html(body, row.get("content_type"))):
            text, encoding = decode_html(body, row.get("content_type"))
            row["encoding"] = encoding
            base = result.final_url or task.url
            if task.kind == "listing":
                links = read_listing(text, base, task.source.rules).links
            else:
                pictures = discover_pictures(text, base)
                shown = {p.url for p in pictures}
                links = [a for a in discover_attachments(text, base, task.source.rules) if a.url not in shown] + pictures
        return Done(task, result, row, links)

    @staticmethod
    def _is_listing_data(body: bytes | None, content_type: str | None) -> bool:
        """A data-proxy XML or JSON answer of a listing (read by extract/harvest/listings/)."""
        if body is None:
            return False
        head = body[:256].lstrip(b"\xef\xbb\xbf \r\n\t")
        kind = (content_type or "").lower()
        return head.startswith((b"{", b"[", b"<?xml", b"<datastore")) or "json" in kind or "xml" in kind

    @staticmethod
    def _is_html(body: bytes, content_type: str | None) -> bool:
        fmt = sniff(body[:65536])
        return fmt == "html" or (fmt in ("txt", "unknown") and "html" in (content_type or "").lower())

    # ---------------------------------------------------------------- coordinator

    def run(self) -> RunReport:
        started = time.monotonic()
        log = FetchLog(self.data_dir / "harvest.duckdb")
        fetcher: Fetcher | None = None
        status = "interrupted"
        counts = {s.id: SourceCounts() for s in self.sources}
        try:
            self.store.clean_temp()  # safe: the fetch log's lock says no other harvest uses this directory
            self.states = log.url_states()
            self.run_id = log.start_run([s.id for s in self.sources])
            caps: dict[str, int] = {}
            for source in self.sources:
                for url in source.start_urls + source.discover_from:
                    origin = Fetcher.origin(url)
                    caps[origin] = min(caps.get(origin, 64), source.politeness.concurrency_per_host)
            workers = max(2, min(32, sum(caps.values()) or 2))
            fetcher = Fetcher(self.stop, max_connections=workers)
            discoveries = self._discover(log, fetcher)
            columns = {s.id: log.active_columns(s.id) if s.discover_from else [] for s in self.sources}
            self._loop(log, fetcher, caps, workers, counts, columns)
            status = "completed"
        finally:
            self.stop.set()
            if fetcher is not None:
                fetcher.close()
            if self.run_id:
                log.finish_run(self.run_id, status)
            log.close()
        return RunReport(self.run_id, status, counts, time.monotonic() - started, discoveries)

    def _discover(self, log: FetchLog, fetcher: Fetcher) -> dict[str, WalkReport]:
        """Walk the sources whose discovery is asked for or due, several at once (one per thread)."""
        if self.discover is False:
            return {}
        due = [s for s in self.sources if s.discover_from and (
            self.discover or log.discovery_due(s.id, s.discovery.every_days, self.now))]
        if not due:
            return {}
        reports: dict[str, WalkReport] = {}
        pool = ThreadPoolExecutor(max_workers=min(8, len(due)), thread_name_prefix="discover")
        try:
            for report in pool.map(lambda s: walk(s, fetcher, self.stop), due):
                reports[report.source_id] = report
        except BaseException:  # Ctrl-C: the walks stop at their next page
            self.stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        now = datetime.now().astimezone()
        for report in reports.values():
            log.record_discovery(self.run_id, report, self.now or now)
            log.write([], [{"run_id": self.run_id, "source_id": report.source_id, "url": url, "parent_url": parent,
                            "reason": f"discovery: {reason}", "seen_at": now} for url, parent, reason in report.skipped])
        return reports

    def _loop(self, log: FetchLog, fetcher: Fetcher, caps: dict[str, int], workers: int,
              counts: dict[str, SourceCounts], columns: dict[str, list[str]]) -> None:
        queues: dict[str, deque[Task]] = {}
        inflight: dict[str, int] = {}
        futures: dict[Future, str] = {}
        seen: set[str] = set()
        budget: dict[str, dict] = {s.id: {"entry": 0, "documents": 0} for s in self.sources}
        rows: list[dict] = []
        skips: list[dict] = []
        finished = 0
        last_flush = time.monotonic()

        def skip(source: Source, url: str, parent: str | None, reason: str) -> None:
            counts[source.id].skipped += 1
            skips.append({"run_id": self.run_id, "source_id": source.id, "url": url, "parent_url": parent,
                          "reason": reason, "seen_at": datetime.now().astimezone()})

        def enqueue(task: Task) -> None:
            if task.key in seen:
                return
            source = task.source
            if not source.allows(task.url):
                seen.add(task.key)
                skip(source, task.url, task.parent_url, "host not in allowed_hosts")
                return
            used = budget[source.id]
            pages_key = ("listing", task.column_url)  # each column has its own budget of listing pages
            if task.kind == "listing" and used.get(pages_key, 0) >= source.limits.max_list_pages:
                return  # pagination beyond the limit is not worth a row each
            if task.kind == "entry" and used["entry"] >= source.limits.max_entries:
                seen.add(task.key)
                skip(source, task.url, task.parent_url, f"over max_entries ({source.limits.max_entries})")
                return
            if task.kind != "listing" and used["documents"] >= source.limits.max_documents:
                seen.add(task.key)
                skip(source, task.url, task.parent_url, f"over max_documents ({source.limits.max_documents})")
                return
            seen.add(task.key)
            if task.kind == "listing":
                used[pages_key] = used.get(pages_key, 0) + 1
            else:
                used["documents"] += 1
            if task.kind == "entry":
                used["entry"] += 1
            origin = Fetcher.origin(task.url)
            if origin not in caps:
                caps[origin] = source.politeness.concurrency_per_host
            queues.setdefault(origin, deque()).append(task)

        def children(done: Done) -> None:
            task = done.task
            for link in done.links:
                url = normalize_url(task.url, link.url)
                if url is None:
                    continue
                if link.kind == "listing":
                    enqueue(Task(task.source, url, "listing", parent_url=task.url, column_url=task.column_url))
                elif link.kind == "picture":
                    cap = task.source.limits.max_page_pictures
                    if link.position > cap:
                        skip(task.source, url, task.url, f"over max_page_pictures ({cap})")
                        continue
                    enqueue(Task(task.source, url, "attachment", listing_url=task.listing_url, parent_url=task.url,
                                 link_text=link.text, entry_title=task.entry_title, published_on=task.published_on,
                                 column_url=task.column_url, picture_of=done.row["sha256"], picture_index=link.position))
                elif task.kind == "listing":
                    enqueue(Task(task.source, url, link.kind, listing_url=task.url, parent_url=task.url,
                                 link_text=link.text, entry_title=link.text, published_on=link.published_on,
                                 column_url=task.column_url))
                else:
                    enqueue(Task(task.source, url, "attachment", listing_url=task.listing_url, parent_url=task.url,
                                 link_text=link.text, entry_title=task.entry_title, published_on=task.published_on,
                                 column_url=task.column_url))

        for source in self.sources:
            for url in source.start_urls + tuple(columns.get(source.id, ())):
                normalized = normalize_url(url, url) or url
                enqueue(Task(source, normalized, "listing", column_url=normalized))

        executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="harvest")
        try:
            while futures or any(queues.values()):
                for origin, queue in queues.items():
                    while queue and inflight.get(origin, 0) < caps[origin] and len(futures) < workers * 2:
                        task = queue.popleft()
                        inflight[origin] = inflight.get(origin, 0) + 1
                        futures[executor.submit(self._work, fetcher, task)] = origin
                done, _ = wait(list(futures), timeout=0.25, return_when=FIRST_COMPLETED)
                for future in done:
                    origin = futures.pop(future)
                    inflight[origin] -= 1
                    result = future.result()
                    finished += 1
                    if result.row is not None:
                        rows.append(result.row)
                        counts[result.task.source.id].add(result.row["outcome"])
                    elif result.result.disallowed:
                        skip(result.task.source, result.task.url, result.task.parent_url, result.result.error or "")
                    children(result)
                    if self.progress:
                        known = finished + len(futures) + sum(len(q) for q in queues.values())
                        self.progress(finished, known, result.task)
                if rows or skips:
                    if len(rows) >= FLUSH_ROWS or time.monotonic() - last_flush >= FLUSH_SECONDS:
                        log.write(rows, skips)
                        rows, skips = [], []
                        last_flush = time.monotonic()
        except BaseException:
            # Ctrl-C / SIGTERM: stop workers promptly, keep what finished cleanly.
            self.stop.set()
            executor.shutdown(wait=True, cancel_futures=True)
            for future, _origin in futures.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    result = future.result()
                    if result.row is not None and not result.result.interrupted:
                        rows.append(result.row)
                        counts[result.task.source.id].add(result.row["outcome"])
            log.write(rows, skips)
            raise
        executor.shutdown(wait=True)
        log.write(rows, skips)


def harvest(sources: list[Source], data_dir: str | Path, progress: ProgressCallback | None = None,
            stop: threading.Event | None = None, discover: bool | None = None, now: datetime | None = None) -> RunReport:
    return Harvest(sources, data_dir, progress, stop, discover, now).run()
