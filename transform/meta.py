"""Who published a report and on which year: read from the title the report gives itself (its
heading in the body), else from its page's `<title>`; never from a document it cites in 《》."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from extract.document import RawDocument
from transform.findings import Issue

# 政府信息公开工作年度报告, and the variants real titles print: 政府信息公开年度报告, 政府信息公开工作报告.
_REPORT = "政府信息公开(?:工作年度|年度|工作)报告"
_CJK = r"[\u4e00-\u9fff（）()·]"
# "<agency>2023年政府信息公开工作年度报告", "2019年<agency>政府信息公开工作年度报告",
# "<agency>关于2023年度政府信息公开工作年度报告", "<agency>政府信息公开工作2023年度报告"
_TITLE_PATTERNS = [
    re.compile(rf"(?P<year>(?:19|20)\d\d)\s*年度?\s*(?P<agency>{_CJK}{{2,40}}?)\s*(?:关于)?\s*(?:本年度|年度)?{_REPORT}"),
    re.compile(rf"(?P<agency>{_CJK}{{2,40}}?)\s*(?:关于)?\s*(?P<year>(?:19|20)\d\d)\s*年度?\s*{_REPORT}"),
    re.compile(rf"(?P<agency>{_CJK}{{2,40}}?)\s*政府信息公开工作\s*(?P<year>(?:19|20)\d\d)\s*年度报告"),
]
_YEAR_ONLY = re.compile(rf"(?P<year>(?:19|20)\d\d)\s*年度?\s*{_REPORT}")
_STATS_PERIOD = re.compile(r"(?:19|20)(\d\d)\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到)\s*(?:(?:19|20)\d\d\s*年\s*)?12\s*月\s*31\s*日")
# A cited document's name ("根据《…管委会办公室关于编制公布2021年政府信息公开工作年度报告…的通知》")
# names its issuer, not the report's agency; nested 《…<…>…》 included.
_CITED = re.compile(r"《[^《》]*(?:《[^《》]*》[^《》]*)*》|“[^“”]{0,80}”")
_HEAD = 6000  # a report's title is near its start
_TITLE_MAX = 70  # characters of a title line (a sentence is longer)
_NOT_TITLE = re.compile(r"[\s\W_]+|全文|正文")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _uncited(text: str) -> str:
    """The text with every cited title blanked out (same length, so positions stay)."""
    return _CITED.sub(lambda m: " " * len(m.group(0)), text)


def find_title(text: str) -> re.Match | None:
    """The report's own title: a line of the head (or two short lines together: titles wrap) that
    the title pattern covers whole. A sentence that mentions a report ("我局编制了2019年度政府信息
    公开年度报告", "及区管委会办公室关于做好2024年政府信息公开工作年度报告编制…") is no title."""
    for candidate in _title_lines(_uncited(_fold(text[:_HEAD]))):
        for pattern in _TITLE_PATTERNS:
            match = pattern.search(candidate)
            if match and _covers(candidate, match):
                return match
    return None


def _title_lines(head: str) -> list[str]:
    lines = [line.strip() for line in head.splitlines()]
    lines = [line for line in lines if line]
    out = []
    for i, line in enumerate(lines):
        if len(line) <= _TITLE_MAX:
            out.append(line)
            if i + 1 < len(lines) and len(line) + len(lines[i + 1]) <= _TITLE_MAX:
                out.append(line + lines[i + 1])
    return out


def _covers(line: str, match: re.Match) -> bool:
    """The match is the whole line, but for spaces, punctuation and a short tag like （全文）."""
    rest = _NOT_TITLE.sub("", line[: match.start()] + line[match.end():])
    return len(rest) <= 2


def year_of(text: str) -> int | None:
    title = find_title(text)
    if title:
        return int(title["year"])
    year_only = _YEAR_ONLY.search(_uncited(_fold(text[:_HEAD])))
    if year_only:
        return int(year_only["year"])
    period = _STATS_PERIOD.search(_fold(text[:20000]))
    if period:
        return 2000 + int(period.group(1)) if period.group(0).startswith("20") else 1900 + int(period.group(1))
    return None


def agency_of(text: str, body: str | None = None) -> str | None:
    """The agency's full name as printed: the title's, made fuller where the body prints more of it
    (a title "洪泽区人民政府…" and a body "淮安市洪泽区人民政府办公室" give 淮安市洪泽区人民政府)."""
    title = find_title(text)
    if not title:
        return None
    agency = _clean_agency(title["agency"])
    if not agency:
        return None
    body = _fold((body if body is not None else text)[:20000])
    fuller = agency
    for match in re.finditer(re.escape(agency), body):
        prefix = _region_prefix(body[max(0, match.start() - 12): match.start()])
        if prefix and len(prefix) + len(agency) > len(fuller):
            fuller = prefix + agency
    return fuller


@dataclass
class Meta:
    agency: str | None
    year: int | None
    issues: list[Issue] = field(default_factory=list)


def page_title(document: RawDocument) -> str | None:
    """The page's `<title>` without the portal's suffix ("…年度报告_政府信息公开年报_某某网")."""
    if not document.title:
        return None
    return document.title.split("_")[0].strip() or None


def report_meta(document: RawDocument) -> Meta:
    """Agency and year from the body's own title, else from the page's title (and say so)."""
    title = page_title(document)
    body = document.text
    if document.title and body.startswith(document.title):
        body = body[len(document.title):]
    if find_title(body) is not None or not title:
        return Meta(agency_of(body), year_of(body))
    meta = Meta(None, _year_only_title(body))
    if (agency := agency_of(title, body)) is not None:
        meta.agency = agency
        meta.issues.append(Issue("format.no_agency", f"the report does not print its agency in a title; taken from the page's title {title!r}"))
    if meta.year is None and (year := year_of(title)) is not None:
        meta.year = year
        meta.issues.append(Issue("format.no_title_year", f"the report does not print its year in a title; taken from the page's title {title!r}"))
    if meta.year is None:
        meta.year = year_of(body)
    return meta


def _year_only_title(body: str) -> int | None:
    """The year of a body title that names no agency ("2024年政府信息公开工作年度报告")."""
    for candidate in _title_lines(_uncited(_fold(body[:_HEAD]))):
        match = _YEAR_ONLY.search(candidate)
        if match and _covers(candidate, match):
            return int(match["year"])
    return None


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
