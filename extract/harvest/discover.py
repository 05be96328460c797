"""Finding report entries, attachments, pictures and pagination on a portal's pages.

Defaults (when a source has no `rules`):
- entries: links on a listing page whose text (or title attribute) mentions 年度报告 or 年报, or
  政府信息公开 together with a year (so that navigation such as 政府信息公开指南 is left alone);
- attachments: links (and iframe/embed/object sources) whose path ends in an attachment extension;
  on a listing page only those whose text also looks like an entry;
- pagination: links whose text is 下一页/上一页/首页/尾页/末页 or a page number, hrefs shaped like
  `index_N.html`, and TRS-style `createPageHTML(total, current, "index", "html")` scripts; when a
  page links to `index_N.html` the pages `index_1 .. index_N` in between are listed as well;
- pictures: the `<img>` of a report page's main content that are its report (a scan shown in the
  page), in page order: not the site's logos, icons and buttons (`pictures.yaml`: the words as data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import yaml
from lxml import etree

from extract.harvest.registry import Rules
from extract.urls import normalize_url, page_base

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
    kind: str  # "entry" | "attachment" | "listing" | "picture"
    published_on: date | None = None
    position: int | None = None  # a picture's place among the page's pictures (1-based)


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
    return doc, page_base(doc, page_url)


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


PICTURE_WORDS_PATH = Path(__file__).with_name("pictures.yaml")
_PIXELS = re.compile(r"^\s*(\d+)\s*(px)?\s*$", re.I)


@lru_cache(maxsize=1)
def picture_words() -> dict:
    return yaml.safe_load(PICTURE_WORDS_PATH.read_text(encoding="utf-8"))


def discover_pictures(html: str, page_url: str) -> list[Link]:
    """The pictures a report page shows as its report, in page order (kind "picture", `position`
    1, 2, ...): those of the page's main content where it can be told, never the site's chrome,
    logos, icons or buttons, nor pictures carried in the page itself (data: URIs). A preview that
    links its full-size picture counts as that picture. The HTML reader reads them with the page."""
    from extract.html import picture_addresses

    parsed = _parse_page(html, page_url)
    if parsed is None:
        return []
    doc, base = parsed
    words = picture_words()
    body = doc.find("body") if doc.find("body") is not None else doc
    content = _main_content(body, words)
    scope = body if content is None else content
    found: dict[str, Link] = {}
    for img in scope.iter("img"):
        addresses = picture_addresses(img)
        url = normalize_url(base, addresses[0]) if addresses else None
        if url is None or url == page_url or url in found or _inside_chrome(img, scope, words):
            continue
        linked = addresses[0] != (img.get("data-original") or img.get("data-src") or img.get("src") or "").strip()
        if _site_picture(img, url, words, sized=not linked):
            continue
        found[url] = Link(url, (img.get("alt") or img.get("title") or "").strip(), "picture", position=len(found) + 1)
    return list(found.values())


def _marked(element, markers: list[str]) -> bool:
    """The element's id or a class is one of `markers`, or has one as a part (article-content)."""
    for token in f"{element.get('id') or ''} {element.get('class') or ''}".lower().split():
        if any(m.lower() == token or m.lower() in re.split(r"[-_]", token) for m in markers):
            return True
    return False


def _main_content(body, words: dict):
    """The first element marked as the page's content that shows pictures (outside the chrome), else None."""
    for element in body.iter():
        if isinstance(element.tag, str) and _marked(element, words["content_markers"]) \
                and element.find(".//img") is not None and not _chrome(element, words):
            return element
    return None


def _chrome(element, words: dict) -> bool:
    return element.tag in words["chrome_tags"] or _marked(element, words["chrome_markers"])


def _inside_chrome(img, scope, words: dict) -> bool:
    for element in img.iterancestors():
        if element is scope:
            return False
        if _chrome(element, words):
            return True
    return False


def _site_picture(img, url: str, words: dict, sized: bool) -> bool:
    """A logo, an icon, a button: by its file's name or extension, its alt text, or its size attributes."""
    name = urlsplit(url).path.rsplit("/", 1)[-1].lower()
    if extension(url) in words["skip_extensions"] or any(w in name for w in words["file_words"]):
        return True
    label = f"{img.get('alt') or ''} {img.get('title') or ''}".lower()
    if any(w.lower() in label for w in words["alt_words"]):
        return True
    if not sized:
        return False
    for attribute, least in (("width", words["min_width"]), ("height", words["min_height"])):
        match = _PIXELS.match(img.get(attribute) or "")
        if match and int(match.group(1)) < least:
            return True
    return False
