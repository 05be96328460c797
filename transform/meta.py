"""Who published a report and on which year: read from its title and first lines."""

from __future__ import annotations

import re
import unicodedata

_REPORT = "政府信息公开工作年度报告"
_CJK = r"[\u4e00-\u9fff（）()·]"
# "<agency>2023年政府信息公开工作年度报告", "2019年<agency>政府信息公开工作年度报告",
# "<agency>关于2023年度政府信息公开工作年度报告", "<agency>政府信息公开工作2023年度报告"
_TITLE_PATTERNS = [
    re.compile(rf"(?P<year>(?:19|20)\d\d)\s*年度?\s*(?P<agency>{_CJK}{{2,40}}?)\s*(?:关于)?\s*(?:本年度|年度)?{_REPORT}"),
    re.compile(rf"(?P<agency>{_CJK}{{2,40}}?)\s*(?:关于)?\s*(?P<year>(?:19|20)\d\d)\s*年度?\s*{_REPORT}"),
    re.compile(rf"(?P<agency>{_CJK}{{2,40}}?)\s*政府信息公开工作\s*(?P<year>(?:19|20)\d\d)\s*年度报告"),
]
_STATS_PERIOD = re.compile(r"(?:19|20)(\d\d)\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到)\s*(?:(?:19|20)\d\d\s*年\s*)?12\s*月\s*31\s*日")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def find_title(text: str) -> re.Match | None:
    head = _fold(text[:6000])
    best = None
    for pattern in _TITLE_PATTERNS:
        for match in pattern.finditer(head):
            if best is None or match.start() < best.start():
                best = match
            break
    return best


def year_of(text: str) -> int | None:
    title = find_title(text)
    if title:
        return int(title["year"])
    period = _STATS_PERIOD.search(_fold(text[:20000]))
    if period:
        return 2000 + int(period.group(1)) if period.group(0).startswith("20") else 1900 + int(period.group(1))
    return None


def agency_of(text: str) -> str | None:
    """The agency's full name as printed: the title's, made fuller where the body prints more of it
    (a title "洪泽区人民政府…" and a body "淮安市洪泽区人民政府办公室" give 淮安市洪泽区人民政府)."""
    title = find_title(text)
    if not title:
        return None
    agency = _clean_agency(title["agency"])
    if not agency:
        return None
    body = _fold(text[:20000])
    fuller = agency
    for match in re.finditer(re.escape(agency), body):
        prefix = _region_prefix(body[max(0, match.start() - 12): match.start()])
        if prefix and len(prefix) + len(agency) > len(fuller):
            fuller = prefix + agency
    return fuller


_BOUNDARY = re.compile(r"[由在对向据为是的和与及将经，。、：；:;,.（）()\s\d“”\"《》]")


def _region_prefix(before: str) -> str | None:
    """The place name right before an agency's name ("…报告由淮安市" gives 淮安市), if any."""
    pieces = _BOUNDARY.split(before)
    tail = pieces[-1] if pieces else ""
    if 2 <= len(tail) <= 10 and tail[-1] in "省市州盟区县旗":
        return tail
    return None


def _clean_agency(name: str) -> str:
    name = re.sub(r"^(?:关于|印发|公布)", "", name.strip())
    name = re.sub(r"(?:关于)$", "", name)
    return name.strip("（）() ")
