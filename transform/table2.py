"""Table 二 (主动公开政府信息情况): the small tables under 第二十条, row by row, per version."""

from __future__ import annotations

import re

from transform import template as tpl
from transform.placing import header_columns, read_positions, reconcile
from transform.result import TableReader
from transform.rows import Row, run_together

_ITEM_NUMBER = re.compile(r"^[(（]?[一二三四五六七八九\d]+[)）、.]?")
_HEADER_WINDOW = 4  # rows above a data row that may hold its column header


class T2Reader(TableReader):
    """Reads table 二 as printed in `printed` (the version of its columns: a report of the 2021
    format may keep the 2019 columns here; its figures then go under the 2019 keys)."""

    def __init__(self, result, rows: list[Row], printed: str | None = None):
        super().__init__(result, rows)
        self.printed = printed or result.template

    def read(self) -> None:
        sections = tpl.t2_sections(self.printed)
        aliases = tpl.layout()["t2_row_aliases"]
        ambiguous: set[str] = set()
        missing: list[str] = []
        for section in sections:
            n = len(section["columns"])
            for spec in section["rows"]:
                keys = [f"t2.{spec['key']}.{c['key']}" for c in section["columns"]]
                for k in keys:
                    self.result.values.setdefault(k, None)
                found = self._find_row(aliases.get(spec["key"], [spec["label"]]))
                if found is None:
                    names = aliases.get(spec["key"], [spec["label"]])
                    if glued := self._glued_row(names):
                        self.issue("extractor.cells_ambiguous", f"table 二, row {glued!r}: the numbers run together with the "
                                   "label; the digits are not split by guess", keys)
                    elif bare := self._label_only(names):
                        # printed, but not beside its numbers (blank cells dropped, or the numbers on
                        # another line): not a row left out
                        self.issue("extractor.cells_ambiguous", f"table 二, row {bare!r}: its label prints no numbers "
                                   "beside it; not placed", keys)
                    else:
                        missing.extend(keys)
                    continue
                index, row, row_unit = found
                placed = None
                if row.table is not None and row.grid_row is not None:
                    above = range(max(0, row.grid_row - _HEADER_WINDOW), row.grid_row)
                    cols = header_columns(row.table, above, section["columns"])
                    placed = read_positions(row, cols) if cols else None
                placed = placed or reconcile(row.slots, n, stream=row.table is None)
                if placed.values is None:
                    ambiguous.update(keys)
                    self.issue("extractor.cells_ambiguous", f"table 二, row {row.label!r}: {len(row.slots)} value cells for {n} columns; not placed", keys)
                    continue
                units = self._column_units(index, row, section["columns"])
                for k, value, slot, unit in zip(keys, placed.values, placed.slots or [None] * n, units):
                    self.put(k, value, slot, row.label, row_unit or unit)
        self._check_unitless()
        if missing:
            self.not_printed("table 二", missing)

    def _find_row(self, aliases: list[str]) -> tuple[int, Row, str | None] | None:
        """The row whose label is one of `aliases` (its item number and money unit stripped), with
        the unit its label prints."""
        for index, row in enumerate(self.rows):
            if not row.slots:
                continue
            last, unit = tpl.split_unit(row.last_label)
            label = _ITEM_NUMBER.sub("", last)
            if label in aliases or last in aliases:
                return index, row, unit
        return None

    def _label_only(self, aliases: list[str]) -> str | None:
        """The row's label printed on a line of its own, without numbers, if it is."""
        for row in self.rows:
            # a label line of its own, or one of the labels before another row's numbers
            for label in map(tpl.normalize, row.labels[:-1] if row.slots else row.labels):
                last, _ = tpl.split_unit(label)
                if _ITEM_NUMBER.sub("", last) in aliases or last in aliases:
                    return label
        return None

    def _glued_row(self, aliases: list[str]) -> str | None:
        """A row printed with its numbers run into its label, if any (its label as printed)."""
        for row in self.rows:
            for label in map(tpl.normalize, row.labels):
                glued = run_together(label)
                if glued and _ITEM_NUMBER.sub("", tpl.split_unit(glued[0])[0]) in aliases:
                    return label
        return None

    def _column_units(self, index: int, row: Row, columns: list[dict]) -> list[str | None]:
        """The money unit each column's header prints ("采购总金额（元）"), else a unit note of the
        section ("单位：元"), found in the labels of the rows just above and of the row itself."""
        labels = [x for r in self.rows[max(0, index - _HEADER_WINDOW): index] for x in r.labels] + row.labels[:-1]
        bases = [tpl.split_unit(tpl.normalize(c["label"]))[0] for c in columns]
        units: list[str | None] = [None] * len(columns)
        note = None
        for text in labels:
            base, unit = tpl.split_unit(tpl.normalize(text))
            if unit is None:
                continue
            if not base:
                note = unit
            for i, b in enumerate(bases):
                if base == b:
                    units[i] = unit
        return [u or note for u in units]

    def _check_unitless(self) -> None:
        """An amount printed with no unit where the format prints none either: kept as printed,
        flagged unless plausible only in the key's unit (bounds and their reason: template.yaml)."""
        bounds = tpl.layout()["unit_unknown_bounds"]
        for key in sorted(self.result.unitless & set(bounds)):
            value = self.result.values.get(key)
            if not value:
                continue
            rule = bounds[key]
            count = self.result.values.get(rule["per"]) or 1
            per_item = abs(value) / count
            lo, hi = rule["min_per_item"], rule["max_per_item"]
            key_unit = tpl.unit_of(key)
            others = [u for u in tpl.layout()["money_units"] if u != key_unit]
            plausible = lo <= per_item <= hi
            also = [u for u in others if lo <= per_item * tpl.money_factor(u) / tpl.money_factor(key_unit) <= hi]
            if plausible and not also:
                continue
            where = self.result.provenance.get(key, {})
            cell = f"{where.get('label', '')} × {tpl.metric(key).column_zh}: {where.get('text', value)!r}"
            readings = ", ".join(f"{value} {u}" for u in ([key_unit] if plausible else []) + also) or "neither unit"
            self.issue("extractor.unit_unknown", f"{key}: the cell {cell} prints no unit and the report states none; "
                       f"plausible as {readings} ({value / count:g} per {rule['per'].split('.')[-1]}); kept as printed", [key])
