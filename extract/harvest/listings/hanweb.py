"""Hanweb (大汉) listings: the first page carries its entries inside an inline
`<script type="text/xml"><datastore>…<record><![CDATA[<li><a …>]]></record>…</datastore></script>`,
and a `jpage` script names a data proxy (`/module/web/jpage/dataproxy.jsp`) that answers later groups
of records for `startrecord`/`endrecord`/`perpage` (the same datastore XML, without the script).

The first page says how many records there are (`totalRecord`), how many per page (`perPage`) and
how many pages one request brings (`groupSize`); the inline datastore holds the first group. The
proxy is asked with GET, every parameter in the query (the `nextgroup` link's parameters kept).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from extract.harvest.discover import Link, discover_listing
from extract.harvest.registry import Rules

NAME = "hanweb"
DATASTORE = re.compile(r"<datastore\b.*?</datastore>", re.S | re.I)
RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S | re.I)
HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
SETTING = {name: re.compile(rf"""\b{name}\s*[:=]\s*["']?(\d+)""", re.I) for name in ("totalRecord", "perPage", "groupSize")}
PROXY = re.compile(r"""\bproxyUrl\s*[:=]\s*["']([^"']+)["']""", re.I)
RANGE_PARAMS = {"startrecord", "endrecord", "perpage"}
MAX_GROUPS = 1000  # a page that claims a billion records gets this many requests listed, no more


def read(text: str, page_url: str, rules: Rules) -> list[Link]:
    stores = DATASTORE.findall(text)
    if not stores:
        return []
    records = "".join(record for store in stores for record in RECORD.findall(store))
    entries = [link for link in discover_listing(f"<html><body><ul>{records}</ul></body></html>", page_url, rules)
               if link.kind != "listing"]
    return entries + _later_groups(text, stores, page_url)


def _setting(text: str, name: str, default: int | None) -> int | None:
    match = SETTING[name].search(text)
    return int(match.group(1)) if match else default


def _later_groups(text: str, stores: list[str], page_url: str) -> list[Link]:
    """The data-proxy requests for the records after the inline group (only on the first page)."""
    if RANGE_PARAMS & {k.lower() for k, _ in parse_qsl(urlsplit(page_url).query)}:
        return []  # a proxy answer: the first page already listed every group
    total = _setting(text, "totalRecord", None)
    per_page = _setting(text, "perPage", 15) or 15
    group = _setting(text, "groupSize", 3) or 3
    proxy, params = None, []
    for store in stores:
        nextgroup = NEXTGROUP.search(store)
        href = HREF.search(nextgroup.group(1)) if nextgroup else None
        if href:
            parts = urlsplit(urljoin(page_url, href.group(1).replace("&amp;", "&")))
            proxy = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
            params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in RANGE_PARAMS]
            break
    if proxy is None and (match := PROXY.search(text)):
        proxy = urljoin(page_url, match.group(1))
    if proxy is None or not total:
        return []
    step = per_page * group
    links = []
    for start in range(step + 1, min(total, step * (MAX_GROUPS + 1)) + 1, step):
        end = min(total, start + step - 1)
        query = urlencode([("startrecord", start), ("endrecord", end), ("perpage", per_page)] + params)
        links.append(Link(f"{proxy}?{query}", "", "listing"))
    return links
