"""Walking a county portal from its roots (`discover_from`) to every 年报 column, and telling whose
each column is.

The walk is breadth first, on the source's allowed hosts only, through the same polite `Fetcher` as
the harvest (rate limits, robots.txt, address policy), within `discovery.max_depth` links and
`discovery.max_pages` fetches. It follows links whose text or title is about disclosure or names an
agency (the words are data: `sitewalk.yaml`), never a report itself, an attachment or another host.

A page is a 年报 column when its own heading says so (an empty column too), or when it lists annual
reports (a year and 年度报告/年报) and they are at least half of what it lists. Its agency is told,
in this order, by its breadcrumb (…> 夏县财政局 > 政府信息公开年报), its heading (夏县财政局政府信息公开年报),
or the section it was reached from (the link 夏县财政局 on the 部门信息公开 index); otherwise it is unknown
and the column is listed for review. Nothing is guessed from the site's name.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from extract.harvest.discover import _link_text, _parse_page, _text, extension, normalize_url
from extract.harvest.fetch import Fetcher, decode_html
from extract.harvest.listings import read_listing
from extract.harvest.registry import Source

WORDS_PATH = Path(__file__).with_name("sitewalk.yaml")
YEAR = re.compile(r"(19|20)\d{2}")
MAX_LINKS = 5000  # links read per page: a portal page has hundreds; a hostile one is cut here


@lru_cache(maxsize=1)
def words() -> dict:
    return yaml.safe_load(WORDS_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class Column:
    url: str
    agency: str | None
    basis: str | None  # breadcrumb | heading | section: how the agency was told; None: unknown
    found_from: str | None  # the page that linked it
    path: str  # the link texts from the root: 部门信息公开 > 夏县财政局 > 政府信息公开年报
    readers: tuple[str, ...]  # the listing readers that read it (links, hanweb, json)
    entries: int  # annual reports it listed on its first page


@dataclass
class WalkReport:
    source_id: str
    columns: list[Column] = field(default_factory=list)
    pages: int = 0
    status: str = "complete"  # complete | budget | interrupted
    message: str = ""
    unreadable: int = 0  # pages that failed for a server or network error (a 404 is an answer)
    skipped: list[tuple[str, str | None, str]] = field(default_factory=list)  # (url, parent, reason)
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Visit:
    url: str
    depth: int
    parent: str | None
    path: tuple[str, ...]
    agency: str | None  # the agency of the section this page was reached from


@dataclass(slots=True)
class Page:
    breadcrumb: list[str]
    heading: str
    links: list[tuple[str, str]]  # (url, text or title)
    reports: int  # annual reports listed
    items: int  # everything listed (content links)
    readers: tuple[str, ...]


# ---------------------------------------------------------------- words


def _clean(text: str) -> str:
    return " ".join((text or "").split()).strip(" :：|·-_")


def is_annual_report(title: str) -> bool:
    w = words()
    return bool(YEAR.search(title)) and any(x in title for x in w["report_words"]) \
        and not any(x in title for x in w["not_report_words"])


def is_column_heading(text: str) -> bool:
    text = _clean(text)
    return bool(text) and not YEAR.search(text) and any(x in text for x in words()["column_headings"])


def agency_name(text: str) -> str | None:
    """The agency a text names ("夏县财政局", "夏县民政局政府信息公开年报" → 夏县民政局), or None."""
    w = words()
    name = _clean(text)
    for label in w["breadcrumb_labels"]:
        name = name.removeprefix(label).lstrip(":： ")
    for noise in sorted(w["heading_noise"], key=len, reverse=True):  # once, the longest: 政府信息公开年报 stays whole
        if name.endswith(noise) and len(name) > len(noise):
            name = _clean(name[: -len(noise)])
            break
    if not name or len(name) > w["agency_max_length"] or name in w["generic_names"] or YEAR.search(name):
        return None
    if any(ch in name for ch in "，。；、？！（）()") and not name.endswith(("）", ")")):
        return None
    return name if any(name.endswith(suffix) for suffix in w["agency_suffixes"]) else None


def _worth_following(text: str) -> bool:
    w = words()
    if not text or YEAR.search(text) or any(x in text for x in w["skip_words"]):
        return False  # a year: an item (a report, a notice), not a section of the site
    return any(x in text for x in w["follow_words"]) or agency_name(text) is not None


# ---------------------------------------------------------------- one page


def _marked(element, markers: list[str]) -> bool:
    names = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    return any(marker in names for marker in markers)


def _breadcrumb(doc) -> list[str]:
    w = words()
    candidates = [e for e in doc.iter() if isinstance(e.tag, str) and _marked(e, w["breadcrumb_markers"])
                  and not _marked(e, ["nav-menu", "menu"])]
    if not candidates:
        for element in doc.iter("div", "p", "span", "td"):
            text = _text(element)
            if len(text) < 200 and any(text.startswith(label) for label in w["breadcrumb_labels"]):
                candidates.append(element)
                break
    for element in candidates:
        text = _text(element)
        for label in w["breadcrumb_labels"]:
            if label in text:
                text = text.split(label, 1)[1].lstrip(":： ")
        pattern = "|".join(re.escape(s) for s in w["breadcrumb_separators"])
        items = [_clean(item) for item in re.split(pattern, text) if _clean(item)]
        if len(items) >= 2:
            return items
    return []


def _heading(doc) -> str:
    for tag in ("h1", "h2"):
        element = doc.find(f".//{tag}")
        if element is not None and _text(element):
            return _clean(_text(element))
    return ""


def _content_items(doc) -> int:
    """Links listed in the page's content (list items, table rows), navigation left out."""
    chrome = words()["chrome_markers"]
    count = 0
    for i, anchor in enumerate(doc.iter("a")):
        if i >= MAX_LINKS:
            break
        node, listed = anchor.getparent(), False
        while node is not None:
            if isinstance(node.tag, str):
                if _marked(node, chrome):
                    listed = False
                    break
                if node.tag in ("li", "tr", "dd"):
                    listed = True
            node = node.getparent()
        count += listed
    return count


def read_page(text: str, url: str, source: Source) -> Page | None:
    parsed = _parse_page(text, url)
    if parsed is None:
        return None
    doc, base = parsed
    links = []
    for anchor in doc.iter("a"):
        target = normalize_url(base, anchor.get("href"))
        if target is not None:
            links.append((target, _link_text(anchor)))
            if len(links) >= MAX_LINKS:
                break
    listing = read_listing(text, url, source.rules)
    entries = listing.entries
    reports = sum(is_annual_report(link.text) for link in entries)
    items = max(len(entries), _content_items(doc) + text.count("<record>"))
    return Page(_breadcrumb(doc), _heading(doc), links, reports, items, listing.readers)


def is_column(page: Page) -> bool:
    last = page.breadcrumb[-1] if page.breadcrumb else ""
    if is_column_heading(page.heading) or is_column_heading(last):
        return True
    return page.reports > 0 and page.reports >= words()["column_report_share"] * page.items


def page_agency(page: Page, visit: Visit) -> tuple[str | None, str | None]:
    """(agency, basis) of a page: breadcrumb, then heading, then the section it was reached from."""
    for item in reversed(page.breadcrumb):
        if is_column_heading(item) and agency_name(item) is None:
            continue
        name = agency_name(item)
        if name:
            return name, "breadcrumb"
    name = agency_name(page.heading)
    if name:
        return name, "heading"
    return (visit.agency, "section") if visit.agency else (None, None)


# ---------------------------------------------------------------- the walk


def walk(source: Source, fetcher: Fetcher, stop: threading.Event | None = None) -> WalkReport:
    """Find the 年报 columns of `source` from its `discover_from` pages."""
    started = time.monotonic()
    stop = stop or fetcher.stop
    limits = source.discovery
    report = WalkReport(source.id)
    frontier = [Visit(normalize_url(u, u) or u, 0, None, (), None) for u in source.discover_from]
    seen = {v.url for v in frontier}
    columns: dict[str, Column] = {}

    def visit_page(visit: Visit) -> tuple[Visit, Page | None, str | None]:
        result = fetcher.fetch(visit.url, source)
        if result.disallowed:
            return visit, None, result.error or "disallowed by robots.txt"
        if not result.ok or result.body is None:
            if result.status is None or result.status >= 500:
                report.unreadable += 1
            return visit, None, None
        text, _ = decode_html(result.body, result.content_type)
        return visit, read_page(text, result.final_url or visit.url, source), None

    with ThreadPoolExecutor(max_workers=source.politeness.concurrency_per_host, thread_name_prefix="sitewalk") as pool:
        while frontier:
            if stop.is_set():
                report.status, report.message = "interrupted", f"discovery of {source.id} interrupted"
                break
            room = limits.max_pages - report.pages
            if room <= 0:
                report.status = "budget"
                report.message = (
                    f"discovery of {source.id} stopped at its page budget ({limits.max_pages} pages) with "
                    f"{len(frontier)} page(s) not visited; columns beyond them were not looked for "
                    f"(raise discovery.max_pages in the registry entry)")
                break
            batch, frontier = frontier[:room], frontier[room:]
            for visit, page, refusal in pool.map(visit_page, batch):
                if refusal:
                    report.skipped.append((visit.url, visit.parent, refusal))
                    continue
                report.pages += 1
                if page is None:
                    continue
                agency, basis = page_agency(page, visit)
                if is_column(page):
                    columns.setdefault(visit.url, Column(visit.url, agency, basis, visit.parent, " > ".join(visit.path),
                                                         page.readers, page.reports))
                    continue  # a column's links are its entries and pages: the harvest reads them
                if visit.depth >= limits.max_depth:
                    continue
                for url, text in page.links:
                    if url in seen or not _worth_following(text) or extension(url) in source.rules.attachment_extensions:
                        continue
                    seen.add(url)
                    if not source.allows(url):
                        report.skipped.append((url, visit.url, "host not in allowed_hosts"))
                        continue
                    frontier.append(Visit(url, visit.depth + 1, visit.url, visit.path + (_clean(text),),
                                          agency_name(text) or agency))
    report.columns = list(columns.values())
    report.seconds = time.monotonic() - started
    if report.status == "complete" and report.unreadable:
        report.message = (f"{report.unreadable} page(s) of {source.id} could not be read (server or network errors); "
                          "no column is marked gone this time")
    return report
