"""Finding report entries, attachments and pagination on a portal's pages.

Defaults (when a source has no `rules`):
- entries: links on a listing page whose text (or title attribute) mentions 年度报告 or 年报, or
  政府信息公开 together with a year (so that navigation such as 政府信息公开指南 is left alone);
- attachments: links (and iframe/embed/object sources) whose path ends in an attachment extension;
  on a listing page only those whose text also looks like an entry;
- pagination: links whose text is 下一页/上一页/首页/尾页/末页 or a page number, hrefs shaped like
  `index_N.html`, and TRS-style `createPageHTML(total, current, "index", "html")` scripts; when a
  page links to `index_N.html` the pages `index_1 .. index_N` in between are listed as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from extract.harvest.registry import Rules

ENTRY_TEXT = re.compile(r"年度报告|年报")
DISCLOSURE_WITH_YEAR = re.compile(r"政府信息公开.*(19|20)\d{2}|(19|20)\d{2}.*政府信息公开")
PAGINATION_TEXT = re.compile(r"^\s*(下一页|上一页|下页|上页|首页|尾页|末页|最后一页|第一页|\d{1,4}|>|>>|»|›)\s*$")
INDEX_PAGE = re.compile(r"^(?P<stem>.*/)?(?P<name>index|default|list)(_(?P<n>\d+))?\.(?P<ext>s?html?|jsp|php|aspx?)$", re.I)
CREATE_PAGE = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]")
DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
BLOCK_TAGS = {"li", "tr", "dd", "dt", "p", "div", "td", "article", "section"}


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    text: str
    kind: str  # "entry" | "attachment" | "listing"
    published_on: date | None = None


def normalize_url(base: str, href: str) -> str | None:
    href = (href or "").strip().replace("\\", "/")
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    path = parts.path or "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, parts.query, ""))


def extension(url: str) -> str:
    path = urlsplit(url).path
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _link_text(anchor) -> str:
    text = _text(anchor)
    title = (anchor.get("title") or "").strip()
    # Listings cut long titles ("…政府信息公开工作年度…"); the title attribute keeps them whole.
    return title if len(title) > len(text.rstrip(".…")) else text


def _published_on(anchor) -> date | None:
    own = _text(anchor)
    node = anchor.getparent()
    for _ in range(3):
        if node is None:
            return None
        if isinstance(node.tag, str) and node.tag.lower() in BLOCK_TAGS:
            text = _text(node).replace(own, " ", 1)
            for match in DATE.finditer(text):
                try:
                    return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
                except ValueError:
                    continue
            return None
        node = node.getparent()
    return None


def _parse(html: str):
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _select_anchors(doc, selector: str | None):
    if selector is None:
        return doc.iter("a")
    anchors = []
    for element in doc.cssselect(selector):
        if element.tag == "a":
            anchors.append(element)
        else:
            anchors.extend(element.iter("a"))
    return anchors


def _looks_like_entry(text: str, rules: Rules) -> bool:
    if rules.entry_text:
        return re.search(rules.entry_text, text) is not None
    return bool(ENTRY_TEXT.search(text) or DISCLOSURE_WITH_YEAR.search(text))


def _is_index_page(url: str) -> bool:
    path = urlsplit(url).path
    return path.endswith("/") or bool(INDEX_PAGE.match(path))


def _parse_page(html: str, page_url: str):
    """The parsed page and what its relative links resolve against (its <base href>, else the
    page itself); None when the page cannot be parsed."""
    doc = _parse(html)
    if doc is None:
        return None
    base_href = doc.find(".//base[@href]")
    if base_href is not None:
        return doc, normalize_url(page_url, base_href.get("href")) or page_url
    return doc, page_url


def discover_listing(html: str, page_url: str, rules: Rules) -> list[Link]:
    """Entries, direct attachments and further listing pages on one listing page."""
    parsed = _parse_page(html, page_url)
    if parsed is None:
        return []
    doc, base = parsed
    links: dict[str, Link] = {}

    def add(link: Link) -> None:
        if link.url != page_url and link.url not in links:
            links[link.url] = link

    for anchor in _select_anchors(doc, rules.entry_selector):
        url = normalize_url(base, anchor.get("href"))
        if url is None:
            continue
        text = _link_text(anchor)
        if rules.entry_selector is None and not _looks_like_entry(text, rules):
            continue
        if rules.entry_selector is not None and rules.entry_text and not _looks_like_entry(text, rules):
            continue
        if extension(url) in rules.attachment_extensions:
            add(Link(url, text, "attachment", _published_on(anchor)))
        elif not _is_index_page(url):
            add(Link(url, text, "entry", _published_on(anchor)))

    for url in _pagination(doc, base, page_url, rules):
        add(Link(url, "", "listing"))
    return list(links.values())


def _pagination(doc, base: str, page_url: str, rules: Rules) -> list[str]:
    found: list[str] = []
    if rules.pagination_selector is not None:
        for anchor in _select_anchors(doc, rules.pagination_selector):
            url = normalize_url(base, anchor.get("href"))
            if url:
                found.append(url)
        return found
    page_dir = urlsplit(page_url).path.rsplit("/", 1)[0] + "/"
    highest: dict[tuple[str, str, str], int] = {}  # (dir, name, ext) -> highest index_N seen
    for anchor in doc.iter("a"):
        url = normalize_url(base, anchor.get("href"))
        if url is None:
            continue
        path = urlsplit(url).path
        match = INDEX_PAGE.match(path)
        same_dir = path.rsplit("/", 1)[0] + "/" == page_dir
        if match and same_dir:
            found.append(url)
            if match.group("n"):
                key = (url.rsplit("/", 1)[0] + "/", match.group("name"), match.group("ext"))
                highest[key] = max(highest.get(key, 0), int(match.group("n")))
        elif PAGINATION_TEXT.match(_text(anchor)) and urlsplit(url).netloc == urlsplit(page_url).netloc \
                and same_dir and extension(url) not in rules.attachment_extensions:
            found.append(url)
    for script in doc.iter("script"):
        match = CREATE_PAGE.search(script.text or "")
        if match:
            total, name, ext = int(match.group(1)), match.group(3), match.group(4)
            directory = base.rsplit("/", 1)[0] + "/"
            found.append(f"{directory}{name}.{ext}")
            if total > 1:
                key = (directory, name, ext)
                highest[key] = max(highest.get(key, 0), total - 1)
    for (directory, name, ext), top in highest.items():
        found.extend(f"{directory}{name}_{n}.{ext}" for n in range(1, top + 1))
    return found


def discover_attachments(html: str, page_url: str, rules: Rules) -> list[Link]:
    """Attachments linked from a report page."""
    parsed = _parse_page(html, page_url)
    if parsed is None:
        return []
    doc, base = parsed
    links: dict[str, Link] = {}
    candidates = []
    if rules.attachment_selector is not None:
        for anchor in _select_anchors(doc, rules.attachment_selector):
            candidates.append((anchor.get("href"), _link_text(anchor)))
    else:
        for anchor in doc.iter("a"):
            candidates.append((anchor.get("href"), _link_text(anchor)))
        for tag, attr in (("iframe", "src"), ("embed", "src"), ("object", "data")):
            for element in doc.iter(tag):
                candidates.append((element.get(attr), ""))
    for href, text in candidates:
        url = normalize_url(base, href)
        if url is None or url == page_url or url in links:
            continue
        by_extension = extension(url) in rules.attachment_extensions
        if rules.attachment_text:
            if re.search(rules.attachment_text, text) is None:
                continue
        elif rules.attachment_selector is None and not by_extension:
            continue
        links[url] = Link(url, text, "attachment")
    return list(links.values())
