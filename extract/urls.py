"""Addresses as the harvest files them: one normalisation for the crawler and for the readers that
match a page's links to what the crawler fetched (an HTML page's pictures)."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit


def normalize_url(base: str, href: str) -> str | None:
    """`href` resolved against `base`, without its fragment and with the host in lower case; None
    for what is no fetchable address (anchors, scripts, mail, data: URIs, other schemes)."""
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


def page_base(doc, page_url: str) -> str:
    """What a parsed page's relative links resolve against: its `<base href>`, else the page itself."""
    base_href = doc.find(".//base[@href]")
    if base_href is not None:
        return normalize_url(page_url, base_href.get("href")) or page_url
    return page_url
