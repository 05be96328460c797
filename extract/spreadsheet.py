"""XLS/XLSX workbooks: every sheet as a table with its merged cells (openpyxl for XLSX, xlrd for
XLS), blank cells kept, since a blank cell in the report's tables means zero."""

from __future__ import annotations

import io
import math

from extract.document import Cell, RawDocument, ReadError, Table
from extract.settings import Limits
from extract.sniff import sniff
from extract.zipguard import open_checked


def read(data: bytes, limits: Limits) -> RawDocument:
    fmt = "xls" if sniff(data) == "xls" else "xlsx"
    try:
        if fmt == "xlsx":
            open_checked(data, limits, "XLSX")
            sheets = list(_xlsx_sheets(data))
        else:
            sheets = list(_xls_sheets(data))
    except ReadError:
        raise
    except Exception as exc:  # openpyxl and xlrd raise many kinds of errors for damaged files
        raise ReadError(f"damaged or truncated {fmt.upper()} workbook: it cannot be opened") from exc
    blocks = [_table(values, merges, i + 1) for i, (values, merges) in enumerate(sheets) if values]
    text = "\n".join(c.text for t in blocks for c in t.cells if c.text)  # a cell a line: a title is one
    return RawDocument(format=fmt, text=text, blocks=blocks)


def _xlsx_sheets(data: bytes):
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    for sheet in workbook.worksheets:
        values = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        merges = [(m.min_row - 1, m.min_col - 1, m.max_row - m.min_row + 1, m.max_col - m.min_col + 1)
                  for m in sheet.merged_cells.ranges]
        yield values, merges


def _xls_sheets(data: bytes):
    import xlrd

    book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        values = [[_text(sheet.cell_value(r, c)) for c in range(sheet.ncols)] for r in range(sheet.nrows)]
        merges = [(r0, c0, r1 - r0, c1 - c0) for r0, r1, c0, c1 in sheet.merged_cells]
        yield values, merges


def _table(values: list[list[str]], merges: list[tuple[int, int, int, int]], index: int) -> Table:
    width = max((max((c for c, v in enumerate(row) if v), default=-1) for row in values), default=-1) + 1
    covered: dict[tuple[int, int], tuple[int, int]] = {}
    spans = {}
    for r, c, h, w in merges:
        spans[(r, c)] = (h, w)
        for dr in range(h):
            for dc in range(w):
                if dr or dc:
                    covered[(r + dr, c + dc)] = (r, c)
    cells = []
    for r, row in enumerate(values):
        for c in range(width):
            if (r, c) in covered:
                continue
            h, w = spans.get((r, c), (1, 1))
            cells.append(Cell(row[c] if c < len(row) else "", r, c, h, min(w, max(width - c, 1))))
    return Table(cells=cells, index=index)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
