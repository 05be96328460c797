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
    # the document's format: in text a cell merged down may print as an empty cell
    source_format: str | None = None
    # keys whose amount was printed with no unit in the cell, its label or its header
    unitless: set[str] = field(default_factory=set)


class TableReader:
    def __init__(self, result: Alignment, rows: list[Row]):
        self.result = result
        self.rows = rows

    def put(self, key: str, value: CellValue, slot: Slot | None, label: str, context_unit: str | None = None) -> None:
        if key not in self.result.values:
            return
        unit = tpl.unit_of(key)
        number, converted = to_unit(value, unit, context_unit)
        self.result.values[key] = number
        if value.unit is None and context_unit is None and unit in tpl.layout()["money_units"]:
            self.result.unitless.add(key)
        if converted:
            self.issue("note.unit_converted", f"{key}: printed {slot.cell.text if slot and slot.cell else ''!r}, recorded as {number} {unit}", [key])
        if value.kind == "na":
            self.issue("note.not_applicable", f"{key}: printed {slot.cell.text if slot and slot.cell else '—'!r}, recorded as 0", [key])
        where = slot.where() if slot else {}
        where["label"] = label
        self.result.provenance[key] = where
        if slot is not None and slot.cell is not None and slot.cell.ocr is not None:
            self.result.ocr_cells[key] = slot.cell

    def not_printed(self, table: str, keys: list[str]) -> None:
        """Rows of the format the report leaves out: a finding about its form when the rest of the
        table was read with certainty (the figures are null either way), else a doubt of ours."""
        rows = sorted({k.split(".")[1] if k.startswith("t2.") else k.split(".", 1)[1].rsplit(".", 1)[0] for k in keys})
        prefix = keys[0].split(".")[0] + "."
        doubtful = any(i.code.startswith("extractor.") and any(k.startswith(prefix) for k in i.keys) for i in self.result.issues)
        read = any(v is not None for k, v in self.result.values.items() if k.startswith(prefix))
        if read and not doubtful:
            self.issue("format.row_not_printed", f"{table} does not print the row(s) {', '.join(rows)}; their figures are null", keys)
        else:
            self.issue("extractor.row_missing", f"{table} does not print the rows {', '.join(rows)}; their figures are null", keys)

    def issue(self, code: str, message: str, keys: list[str] | None = None) -> None:
        self.result.issues.append(Issue(code, message, keys or []))
