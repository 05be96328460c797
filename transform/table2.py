"""Table 二 (主动公开政府信息情况): the small tables under 第二十条, row by row, per version."""

from __future__ import annotations

import re

from transform import template as tpl
from transform.placing import header_columns, read_positions, reconcile
from transform.result import TableReader
from transform.rows import Row



class T2Reader(TableReader):
    def read(self) -> None:
        sections = tpl.t2_sections(self.result.template)
        aliases = tpl.layout()["t2_row_aliases"]
        found: set[str] = set()
        for section in sections:
            n = len(section["columns"])
            for spec in section["rows"]:
                row = self._find_row(spec["key"], aliases.get(spec["key"], [spec["label"]]))
                keys = [f"t2.{spec['key']}.{c['key']}" for c in section["columns"]]
                if row is None:
                    continue
                found.add(spec["key"])
                placed = None
                if row.table is not None and row.grid_row is not None:
                    above = range(max(0, row.grid_row - 4), row.grid_row)
                    cols = header_columns(row.table, above, section["columns"])
                    placed = read_positions(row, cols) if cols else None
                placed = placed or reconcile(row.slots, n)
                if placed.values is None:
                    self.issue("extractor.cells_ambiguous", f"table 二, row {row.label!r}: {len(row.slots)} value cells for {n} columns; not placed", keys)
                    continue
                for k, value, slot in zip(keys, placed.values, placed.slots or [None] * n):
                    self.put(k, value, slot, row.label)
        missing = [k for k in self.result.values if k.startswith("t2.") and self.result.values[k] is None
                   and not any(i.code == "extractor.cells_ambiguous" and k in i.keys for i in self.result.issues)]
        if missing:
            self.issue("extractor.row_missing", "table 二 does not print " + ", ".join(sorted({k.split('.')[1] for k in missing}))
                       + "; their figures are null", missing)

    def _find_row(self, key: str, aliases: list[str]) -> Row | None:
        for row in self.rows:
            if not row.slots:
                continue
            last = row.last_label
            label = re.sub(r"^[(（]?[一二三四五六七八九\d]+[)）、.]?", "", last)
            if label in aliases or last in aliases:
                return row
        return None
