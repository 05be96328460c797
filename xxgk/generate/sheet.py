"""The report as an XLSX workbook (openpyxl), tables with merged cells."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment

from xxgk.generate.model import Grid, Para, ReportSpec, build_report, merged_quirks, style_from

XLSX_QUIRKS = {"sheet_per_table", "numbers_as_text"}


def render_xlsx(spec: ReportSpec, **quirks: Any) -> bytes:
    """The report as XLSX: title, part titles and prose in column A, each table between blank rows,
    merged cells as merged ranges.

    Quirks: sheet_per_table [False] puts tables 二, 三, 四 on sheets of their own (the first
    sheet keeps the title and the prose); numbers_as_text [False] stores figures as text cells;
    blank_zeros (empty cells), fullwidth_digits (text cells), broken_labels, lost_labels,
    amounts_in_yuan. Figures are numeric cells unless a quirk makes them text.
    """
    q = merged_quirks(spec, quirks, XLSX_QUIRKS)
    style = style_from(q)
    report = build_report(spec, style)
    wb = Workbook()
    ws = wb.active
    ws.title = "年度报告"
    row = 1
    as_text = bool(q.get("numbers_as_text") or style.fullwidth_digits or style.amounts_in_yuan)
    for block in report.blocks:
        if isinstance(block, Para):
            ws.cell(row=row, column=1, value=block.text)
            row += 1
            continue
        if q.get("sheet_per_table"):
            target = wb.create_sheet({"t2": "主动公开", "t3": "依申请公开", "t4": "复议诉讼"}[block.name])
            _table(target, block, 1, as_text)
        else:
            row = _table(ws, block, row + 1, as_text) + 1  # a blank row above and below
    ws.column_dimensions["A"].width = 12
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _table(ws: Any, grid: Grid, top: int, as_text: bool) -> int:
    for c in grid.cells:
        r, col = top + c.row, 1 + c.col
        if c.kind == "value" and not as_text:
            value = None if c.text == "" else _number(c.text, c.value)
        else:
            value = c.text or None
        cell = ws.cell(row=r, column=col, value=value)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="left" if c.kind == "label" else "center")
        if c.rowspan > 1 or c.colspan > 1:
            ws.merge_cells(start_row=r, start_column=col, end_row=r + c.rowspan - 1, end_column=col + c.colspan - 1)
    return top + grid.n_rows


def _number(text: str, figure: Any) -> Any:
    """The number a value cell stores: the printed one (an amount printed in 元 is stored in 元),
    else the figure (a sheet stores 减3 as -3)."""
    try:
        number = float(text)
    except ValueError:
        return figure
    return int(number) if number.is_integer() and "." not in text else number
