"""Cells → canonical figures: find tables 二, 三 and 四 in a RawDocument and place every figure
on its key of metrics.csv.

Every format arrives here as the same thing: blocks of cells, read into logical rows
(`rows.py`). This module finds where table 三 starts and ends and which version the report
follows; `table2.py`, `table3.py` and `table4.py` say which row is which (the template in
`template.yaml`), and `placing.py` puts a row's cells on its columns. A figure is placed only when
its row and column are certain; otherwise it is null and an `extractor.*` issue says why.
"""

from __future__ import annotations

from extract.document import RawDocument
from transform import template as tpl
from transform.findings import Issue
from transform.meta import report_meta
from transform.result import Alignment
from transform.rows import Row, logical_rows, matches
from transform.table2 import T2Reader
from transform.table3 import T3Reader
from transform.table4 import T4Reader


class NotAReport(Exception):
    """The document is readable but is not a 2019+ annual report."""


def align(document: RawDocument) -> Alignment:
    rows = logical_rows(document)
    meta = report_meta(document)
    year = meta.year
    t3_start, t3_end = _find_t3(rows)
    if t3_start is None:
        raise NotAReport(_why_not_a_report(document, year, rows))
    t3 = rows[t3_start:t3_end + 1 if t3_end is not None else len(rows)]
    t2_printed = _printed_version(rows[:t3_start])
    template, guessed = _detect_version(document, rows, year, t2_printed, _t3_version(t3))
    result = Alignment(template, {k: None for k in tpl.keys_for(template)}, agency=meta.agency, year=year,
                       source_format=document.format)
    result.issues.extend(meta.issues)
    if guessed:
        result.issues.append(Issue("note.version_guessed", f"no column label tells the version; the year {year} gives {template}"))
    T2Reader(result, rows[:t3_start], printed=t2_printed if t2_printed and t2_printed != template else None).read()
    T3Reader(result, t3).read()
    T4Reader(result, rows[t3_end + 1:] if t3_end is not None else []).read()
    _report_version(result, t2_printed)
    return result


def _report_version(result: Alignment, t2_printed: str | None) -> None:
    """A report printed in a version other than its year's, or in a mix of both (format.*)."""
    codes = {i.code for i in result.issues}
    if result.template == "2019" and result.year is not None and result.year >= 2021:
        result.issues.append(Issue("format.outdated_version", f"a report on {result.year} printed in the 2019 format (tables 二 and 三)"))
    elif result.template == "2021" and t2_printed == "2019":
        result.issues.append(Issue("format.mixed_version", "table 三 prints the three 2021 rows of （六）其他处理 while table 二 keeps "
                                   "the 2019 columns: read as the 2021 format, table 二 under the 2019 keys it prints"))
    elif result.template == "2021" and "note.single_other_row" in codes:
        result.issues.append(Issue("format.mixed_version", "table 二 prints the 2021 columns while （六）其他处理 is one row (the 2019 form)"))


def _why_not_a_report(document: RawDocument, year: int | None, rows: list[Row]) -> str:
    text = tpl.normalize(document.text[:50000])
    if year is not None and year < 2019 and "年度报告" in text:
        return f"not a 2019+ annual report (a report on {year}: free-form statistics, unsupported format)"
    if "年度报告" in text and "政府信息公开" in text:
        if not document.tables and not any(r.slots for r in rows):
            return "a page about an annual report without its tables (they are in an attachment, or printed as images)"
        return "an annual report without the table 收到和处理政府信息公开申请情况 (not the 2019+ format)"
    return "not a government information-disclosure annual report"


def _find_t3(rows: list[Row]) -> tuple[int | None, int | None]:
    """Table 三 spans from its column header (or first row) to 结转下年度继续办理."""
    rows_by_key = {r["key"]: r for r in tpl.layout()["t3_rows"]}
    start = end = None
    for i, row in enumerate(rows):
        label = row.label
        if start is None:
            if "申请人情况" in label or ("自然人" in label and ("总计" in label or "法人" in label)):
                start = i
            elif row.slots and matches(label, rows_by_key["new"]["match"]):
                start = i
        elif row.slots and matches(label, rows_by_key["carried_forward"]["match"]):
            end = i
            break
    return start, end


def _markers(text: str, exclude: set[str] = frozenset()) -> dict[str, int]:
    return {v: sum(m in text for m in marks if m not in exclude) for v, marks in tpl.layout()["version_markers"].items()}


def _t3_markers() -> set[str]:
    """Words only the 2021 sub-rows of （六）其他处理 print (逾期不补正, 缴纳费用...)."""
    return {m for r in tpl.t3_rows("2021") if r.get("group") == "other" for m in r["match"]}


def _t3_version(rows: list[Row]) -> str | None:
    """"2021" when table 三 prints the 2021 sub-rows of （六）其他处理: table 三 decides the version."""
    marks = _t3_markers()
    return "2021" if any(matches(r.label, list(marks)) for r in rows) else None


def _printed_version(rows: list[Row]) -> str | None:
    """The version whose columns table 二 prints, when its labels tell."""
    hits = _markers("".join(r.label for r in rows), _t3_markers())
    if hits["2021"] != hits["2019"]:
        return "2021" if hits["2021"] > hits["2019"] else "2019"
    return None


def _detect_version(document: RawDocument, rows: list[Row], year: int | None, t2_printed: str | None,
                    t3_printed: str | None) -> tuple[str, bool]:
    if t3_printed:
        return t3_printed, False
    if t2_printed:
        return t2_printed, False
    hits = _markers(tpl.normalize(document.text) + "".join(r.label for r in rows))
    if hits["2021"] != hits["2019"]:
        return ("2021" if hits["2021"] > hits["2019"] else "2019"), False
    return ("2021" if (year or 2021) >= 2021 else "2019"), True
