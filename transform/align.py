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
from transform.meta import agency_of, year_of
from transform.result import Alignment
from transform.rows import Row, logical_rows, matches
from transform.table2 import T2Reader
from transform.table3 import T3Reader
from transform.table4 import T4Reader


class NotAReport(Exception):
    """The document is readable but is not a 2019+ annual report."""


def align(document: RawDocument) -> Alignment:
    rows = logical_rows(document)
    year = year_of(document.text)
    t3_start, t3_end = _find_t3(rows)
    if t3_start is None:
        raise NotAReport(_why_not_a_report(document, year, rows))
    template, guessed = _detect_version(document, rows, year)
    result = Alignment(template, {k: None for k in tpl.keys_for(template)}, agency=agency_of(document.text), year=year)
    if guessed:
        result.issues.append(Issue("note.version_guessed", f"no column label tells the version; the year {year} gives {template}"))
    T2Reader(result, rows[:t3_start]).read()
    T3Reader(result, rows[t3_start:t3_end + 1 if t3_end is not None else len(rows)]).read()
    T4Reader(result, rows[t3_end + 1:] if t3_end is not None else []).read()
    return result


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


def _detect_version(document: RawDocument, rows: list[Row], year: int | None) -> tuple[str, bool]:
    text = tpl.normalize(document.text) + "".join(r.label for r in rows)
    hits = {v: sum(m in text for m in marks) for v, marks in tpl.layout()["version_markers"].items()}
    if hits["2021"] != hits["2019"]:
        return ("2021" if hits["2021"] > hits["2019"] else "2019"), False
    return ("2021" if (year or 2021) >= 2021 else "2019"), True
