"""When a document says it was published: the page's own date and the report's signature date.

- `page_date(data, fmt, text)`: a report page's publication date, from its meta tags
  (`<meta name="PubDate">` and the names portals use for it) or from a 发布时间 / 发布日期 line.
- `signature_date(text)`: the date printed under the signature at the end of the report.

Both are None when the document does not say. Dates outside 2000-2099 or impossible ones are ignored.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from extract.decoding import decode_text

# <meta name="PubDate" content="2024-01-20 09:30">, and the names other site systems give it.
META_NAMES = ("pubdate", "publishdate", "firstpublishedtime", "publish_date", "dc.date", "article:published_time")
_META = re.compile(r"<meta\s+[^>]*?(?:name|property)\s*=\s*[\"']?(?P<name>[\w.:-]+)[\"']?[^>]*?content\s*=\s*[\"'](?P<value>[^\"']*)[\"']",
                   re.I)
_META_REVERSED = re.compile(r"<meta\s+[^>]*?content\s*=\s*[\"'](?P<value>[^\"']*)[\"'][^>]*?(?:name|property)\s*=\s*[\"']?(?P<name>[\w.:-]+)",
                            re.I)
_DATE = r"(?P<y>20\d\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})"
_LABELLED = re.compile(rf"(?:发布时间|发布日期|发文日期|成文日期|公开日期|发表时间|日期)\s*[:：]?\s*{_DATE}")
_CN_DATE = re.compile(r"(?P<y>20\d\d)\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
SIGNATURE_LINES = 6  # the last lines of the text, where the signature sits


def _date(match: re.Match | None) -> date | None:
    if match is None:
        return None
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def page_date(data: bytes, fmt: str, text: str) -> date | None:
    if fmt == "html":
        head = decode_text(data[:65536])
        for pattern in (_META, _META_REVERSED):
            for m in pattern.finditer(head):
                if m["name"].lower() in META_NAMES:
                    found = _date(re.search(_DATE, m["value"]))
                    if found:
                        return found
    return _date(_LABELLED.search(unicodedata.normalize("NFKC", text[:20000])))


def signature_date(text: str) -> date | None:
    """A date printed on a line of its own among the last lines (not a date inside a sentence)."""
    lines = [line for line in unicodedata.normalize("NFKC", text[-2000:]).splitlines() if line.strip()]
    for line in reversed(lines[-SIGNATURE_LINES:]):
        m = _CN_DATE.fullmatch(line.strip())
        if m:
            return _date(m)
    return None
