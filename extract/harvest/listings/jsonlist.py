"""Listings whose entries come from a JSON endpoint that the page names (`data-list-url="…"`, or a
`….json` address in a script), and the JSON answers themselves: a list of items with a title, an
address and a date, and either a `next` address or a page count (the other pages are the same
address with the page parameter changed)."""

from __future__ import annotations

import json
import re
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from extract.harvest.discover import DATE, Link, _looks_like_entry, extension, normalize_url
from extract.harvest.registry import Rules

NAME = "json"
ENDPOINT_ATTRIBUTE = re.compile(r"""\bdata-(?:list-)?(?:url|src|source)\s*=\s*["']([^"']+)["']""", re.I)
ENDPOINT_IN_SCRIPT = re.compile(r"""["']([^"'<>\s]+\.json(?:\?[^"'<>\s]*)?)["']""")
SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)
ITEM_LISTS = ("data", "list", "items", "records", "rows", "result", "results", "articles", "docs")
TITLE = ("title", "name", "docTitle", "subject")
ADDRESS = ("url", "link", "href", "docUrl", "path")
WHEN = ("date", "publishDate", "pubDate", "releaseDate", "publishTime", "time")
PAGE_COUNT = ("totalPage", "totalPages", "pages", "pageCount")
PAGE_PARAMS = ("page", "pageNo", "pageIndex", "pageNum", "current")


def read(text: str, page_url: str, rules: Rules) -> list[Link]:
    head = text.lstrip()[:1]
    if head in ("{", "["):
        try:
            data = json.loads(text)
        except ValueError:
            return []
        return _entries(data, page_url, rules) + _pages(data, page_url)
    scripts = "\n".join(SCRIPT.findall(text))
    found = ENDPOINT_ATTRIBUTE.findall(text) + [u for u in ENDPOINT_IN_SCRIPT.findall(scripts) if "/" in u]
    links = []
    for href in found:
        url = normalize_url(page_url, href.replace("&amp;", "&"))
        if url and (extension(url) == "json" or "json" in url.lower() or "/api/" in url.lower()):
            links.append(Link(url, "", "listing"))
    return links


def _first(item: dict, keys: tuple[str, ...]):
    for key in keys:
        if item.get(key) not in (None, ""):
            return item[key]
    return None


def _items(data) -> list[dict]:
    if isinstance(data, list):
        return [x for x in data if isinstance(x, dict)]
    if isinstance(data, dict):
        for key in ITEM_LISTS:
            value = data.get(key)
            if isinstance(value, list):
                return [x for x in value if isinstance(x, dict)]
            if isinstance(value, dict):
                nested = _items(value)
                if nested:
                    return nested
    return []


def _entries(data, page_url: str, rules: Rules) -> list[Link]:
    links = []
    for item in _items(data):
        title, href = _first(item, TITLE), _first(item, ADDRESS)
        if not isinstance(title, str) or not isinstance(href, str):
            continue
        url = normalize_url(page_url, href)
        if url is None or not _looks_like_entry(title, rules):
            continue
        kind = "attachment" if extension(url) in rules.attachment_extensions else "entry"
        links.append(Link(url, " ".join(title.split()), kind, _date(_first(item, WHEN))))
    return links


def _date(value) -> date | None:
    match = DATE.search(str(value)) if value is not None else None
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
    return None


def _pages(data, page_url: str) -> list[Link]:
    if not isinstance(data, dict):
        return []
    scope = data if any(k in data for k in PAGE_COUNT + ("next",)) else data.get("data") if isinstance(data.get("data"), dict) else {}
    nxt = scope.get("next") if isinstance(scope, dict) else None
    if isinstance(nxt, str) and (url := normalize_url(page_url, nxt)):
        return [Link(url, "", "listing")]
    count = _first(scope, PAGE_COUNT) if isinstance(scope, dict) else None
    parts = urlsplit(page_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    param = next((k for k, _ in query if k in PAGE_PARAMS), None)
    if not isinstance(count, int) or param is None:
        return []
    current = int(dict(query)[param]) if dict(query)[param].isdigit() else 1
    if current != 1:
        return []  # the first answer lists the others
    links = []
    for number in range(2, min(count, 500) + 1):
        changed = urlencode([(k, str(number) if k == param else v) for k, v in query])
        links.append(Link(urlunsplit((parts.scheme, parts.netloc, parts.path, changed, "")), "", "listing"))
    return links
