"""Placing a row's value cells on its columns: by the header's grid positions where the grid allows
it, else by count (padding blanks trimmed), else not at all."""

from __future__ import annotations

from dataclasses import dataclass

from extract.document import Table
from transform import template as tpl
from transform.rows import Row, Slot
from transform.values import CellValue, read_cell


@dataclass
class Placed:
    values: list[CellValue] | None  # None: cannot be placed with certainty
    slots: list[Slot]
    note: str | None = None


def reconcile(slots: list[Slot], n: int, stream: bool = False) -> Placed:
    """Match a row's value cells to its n columns, or say that it cannot be done with certainty.

    `stream`: the cells came as a stream of one cell per line in the grid's order (a table
    flattened into paragraphs); there a row's values follow its label at once, and blank cells
    after its n values are the next row's label cells (merged down, written as empty lines). Only
    for a row that follows its own label: after a lost (empty) label cell the values start later."""
    if stream and len(slots) > n and all(s.value.kind == "blank" for s in slots[n:]) \
            and not any(s.value.kind == "multi" for s in slots[:n]):
        return Placed([s.value for s in slots[:n]], slots[:n])
    placed = _trim(slots, n)
    if placed.values is None and all_zero(slots) and _count_numbers(slots) >= n:
        # However the cells line up, every column of this row prints 0.
        return Placed([CellValue("number", 0)] * n, [], "extra_zero")
    return placed


def _trim(slots: list[Slot], n: int) -> Placed:
    kept = slots
    if len(slots) > n:
        lead = _leading_blanks(slots)
        trail = _leading_blanks(slots[::-1])
        excess = len(slots) - n
        if lead >= excess and trail == 0:
            kept = slots[excess:]
        elif trail >= excess and lead == 0:
            kept = slots[: len(slots) - excess]
        else:
            return Placed(None, slots)
    if len(kept) != n or any(s.value.kind == "multi" for s in kept):
        return Placed(None, slots)
    return Placed([s.value for s in kept], kept)


def _leading_blanks(slots: list[Slot]) -> int:
    count = 0
    for s in slots:
        if s.value.kind != "blank":
            break
        count += 1
    return count


def all_zero(slots: list[Slot]) -> bool:
    for s in slots:
        if s.value.kind == "multi":
            if any(p != 0 for p in s.value.parts):
                return False
        elif s.value.kind == "number" and s.value.number != 0:
            return False
    return True


def _count_numbers(slots: list[Slot]) -> int:
    return sum(len(s.value.parts) if s.value.kind == "multi" else 1 for s in slots if s.value.kind in ("number", "multi", "na"))


def header_columns(table: Table, rows: range, columns: list[dict]) -> list[int] | None:
    """The grid column of each expected column label, found in the given header rows; None
    unless every label is found, once, left to right."""
    grid = table.grid
    found: dict[str, int] = {}
    for r in rows:
        for c, cell in enumerate(grid[r]):
            if cell is None or cell.colspan > 1 and len(columns) > 1 and cell.row != r:
                continue
            text = tpl.normalize(cell.text)
            for col in columns:
                names = col.get("match", []) + [tpl.normalize(col["label"])]
                if col["key"] not in found and text in names:
                    found[col["key"]] = c
                    break
    if len(found) != len(columns):
        return None
    ordered = [found[col["key"]] for col in columns]
    if ordered != sorted(ordered) or len(set(ordered)) != len(ordered):
        return None
    return ordered


def read_positions(row: Row, cols: list[int]) -> Placed | None:
    """A row's values read at the header's grid columns; None when the grid does not allow it
    (a label or several numbers where a value should be, one number across two columns)."""
    grid = row.table.grid
    cells = [grid[row.grid_row][c] for c in cols]
    if any(cell is None for cell in cells):
        return None  # nothing printed where a value belongs: the row is short, its cells shifted
    wanted = set(cols)
    for slot in row.slots:  # a printed number off the header's columns: the row is shifted
        c = slot.cell
        if c is not None and slot.value.kind != "blank" and not wanted & set(range(c.col, c.col + c.colspan)):
            return None
    slots = []
    for cell in cells:
        if cell.row != row.grid_row and cell.rowspan == 1:
            return None
        value = read_cell(cell.text)
        if not value.is_value or value.kind == "multi":
            return None
        if cell.colspan > 1 and value.kind == "number" and sum(cell.col <= c < cell.col + cell.colspan for c in cols) > 1:
            return None  # one number across two columns: which one is it?
        slots.append(Slot(cell, value, row.table.index))
    if not any(c.row == row.grid_row for c in cells):
        return None
    return Placed([s.value for s in slots], slots)
