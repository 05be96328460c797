"""XLS/XLSX workbooks (pandas with xlrd/openpyxl): every sheet as a table, blank cells kept."""

from __future__ import annotations

import io
import math

import pandas as pd

from extract.document import RawDocument, ReadError, Table
from extract.settings import Limits
from extract.zipguard import open_checked


def read(data: bytes, limits: Limits, fmt: str = "xlsx") -> RawDocument:
    if fmt == "xlsx":
        open_checked(data, limits, "XLSX")
    engine = "openpyxl" if fmt == "xlsx" else "xlrd"
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine=engine, dtype=object)
    except Exception as exc:  # xlrd and openpyxl raise many kinds of errors for damaged files
        raise ReadError(f"damaged or truncated {fmt.upper()} workbook: it cannot be opened") from exc
    blocks = []
    for name, frame in sheets.items():
        rows = [[_cell_text(v) for v in row] for row in frame.itertuples(index=False)]
        if rows:
            blocks.append(Table.from_rows(rows, index=len(blocks) + 1))
    text = "\n".join(" ".join(c.text for c in t.cells if c.text) for t in blocks)
    return RawDocument(format=fmt, text=text, blocks=blocks)


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
