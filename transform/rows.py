"""Logical rows: what a table row, a tab-separated line and a run of one-cell paragraphs (a table
flattened by a site's editor) have in common: the label cells of a row, then its value cells."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from extract.document import Cell, Paragraph, RawDocument, Table
from transform import template as tpl
from transform.values import CellValue, read_cell


@dataclass
class Slot:
    """One value cell of a logical row, with where it was printed."""

    cell: Cell | None
    value: CellValue
    table: int | None

    def where(self) -> dict:
        c = self.cell
        if c is None:
            return {"table": self.table, "text": ""}
        where = {"page": c.page, "table": self.table, "row": c.row + 1, "col": c.col + 1, "text": c.text}
        if c.bbox is not None:
            where["bbox"] = [round(v, 1) for v in c.bbox]
        return where


@dataclass
class Row:
    labels: list[str]
    slots: list[Slot]
    table: Table | None = None
    grid_row: int | None = None

    # A row is complete once read: its labels are normalised once.
    @cached_property
    def label(self) -> str:
        return tpl.normalize("".join(self.labels))

    @property
    def from_lines(self) -> bool:
        return self.table is None or self.table.from_lines

    @cached_property
    def last_label(self) -> str:
        """The label cell nearest the values: in a flattened table the paragraphs before a row's
        values include headings and headers, and only the last one names the row."""
        return tpl.normalize(self.labels[-1]) if self.labels else ""


def logical_rows(document: RawDocument) -> list[Row]:
    rows: list[Row] = []
    pending: Row | None = None  # paragraphs accumulate into one row until a label follows values

    def flush() -> None:
        nonlocal pending
        if pending and (pending.labels or pending.slots):
            rows.append(pending)
        pending = None

    for block in document.blocks:
        if isinstance(block, Table):
            flush()
            rows.extend(_table_rows(block))
            continue
        assert isinstance(block, Paragraph)
        value = read_cell(block.text)
        cell = Cell(block.text, 0, 0, page=block.page)
        if value.is_value:
            if value.kind == "blank" and (pending is None or not pending.labels):
                continue  # blank paragraphs between prose mean nothing
            pending = pending or Row([], [])
            pending.slots.append(Slot(cell, value, None))
        else:
            if pending and pending.slots:
                flush()
            pending = pending or Row([], [])
            pending.labels.append(block.text)
    flush()
    return rows


def _table_rows(table: Table) -> list[Row]:
    out = []
    for r, cells in enumerate(table.rows()):
        labels, slots = [], []
        for cell in cells:
            value = read_cell(cell.text)
            if value.is_value:
                slots.append(Slot(cell, value, table.index))
            else:
                labels.append(cell.text)
                slots.clear()  # value-like cells left of a label are merged-cell remnants
        if labels or slots:
            out.append(Row(labels, slots, table, r))
    return out


_RUN_TOGETHER = re.compile(r"^(?P<label>.*[^\d\s.,，、)）(（])(?P<digits>\d{2,})$")


def run_together(label: str) -> tuple[str, str] | None:
    """A label with the row's numbers glued to it ("行政规范性文件6233440", an archive's text of a
    page): the label and the digits, which are never split by guess (6|2|3|3440? 62|33|440?)."""
    match = _RUN_TOGETHER.match(label)
    return (match["label"], match["digits"]) if match else None


def matches(label: str, fragments: list[str]) -> bool:
    return any(f in label for f in fragments)
