"""The aligner's result, and the base of the table readers that fill it."""

from __future__ import annotations

from dataclasses import dataclass, field

from transform import template as tpl
from transform.findings import Issue
from transform.rows import Row, Slot
from transform.values import CellValue, to_unit


@dataclass
class Alignment:
    template: str
    values: dict[str, float | int | None]
    issues: list[Issue] = field(default_factory=list)
    provenance: dict[str, dict] = field(default_factory=dict)
    agency: str | None = None
    year: int | None = None
    # key -> the cell its figure came from, for cells read by OCR (the proof step weighs them).
    ocr_cells: dict = field(default_factory=dict)


class TableReader:
    def __init__(self, result: Alignment, rows: list[Row]):
        self.result = result
        self.rows = rows

    def put(self, key: str, value: CellValue, slot: Slot | None, label: str) -> None:
        if key not in self.result.values:
            return
        unit = tpl.unit_of(key)
        number, converted = to_unit(value, unit)
        self.result.values[key] = number
        if converted:
            self.issue("note.unit_converted", f"{key}: printed {slot.cell.text if slot and slot.cell else ''!r}, recorded as {number} {unit}", [key])
        if value.kind == "na":
            self.issue("note.not_applicable", f"{key}: printed {slot.cell.text if slot and slot.cell else '—'!r}, recorded as 0", [key])
        where = slot.where() if slot else {}
        where["label"] = label
        self.result.provenance[key] = where
        if slot is not None and slot.cell is not None and slot.cell.ocr is not None:
            self.result.ocr_cells[key] = slot.cell

    def issue(self, code: str, message: str, keys: list[str] | None = None) -> None:
        self.result.issues.append(Issue(code, message, keys or []))
