"""Table 四 (行政复议、行政诉讼): one row of 15 figures after its header, or one row per group."""

from __future__ import annotations

from transform import template as tpl
from transform.placing import reconcile
from transform.result import TableReader
from transform.rows import Row, matches

N_T4 = 15  # three groups of five



class T4Reader(TableReader):
    def read(self) -> None:
        groups, columns = tpl.t4_groups(), tpl.t4_columns()
        keys = [f"t4.{g}.{c}" for g in groups for c in columns]
        for row in self._data_rows():
            placed = reconcile(row.slots, N_T4, stream=row.table is None)
            if placed.values is None:
                self.issue("extractor.cells_ambiguous", f"table 四: {len(row.slots)} value cells for {N_T4} columns; not placed", keys)
                return
            for k, value, slot in zip(keys, placed.values, placed.slots or [None] * N_T4):
                self.put(k, value, slot, "四、行政复议、行政诉讼")
            return
        if self._read_transposed(groups, columns):
            return
        self.issue("extractor.table_missing", "table 四 (行政复议、行政诉讼) was not found; its figures are null", keys)

    def _data_rows(self) -> list[Row]:
        """The row of 15 figures: the first wide row after the header (维持 … 总计), blank or not
        (a blank row prints 15 zeros); in a flattened table the header and the figures are one
        row; without a header, the first wide row that prints a number."""
        header = None
        for i, row in enumerate(self.rows):
            if _is_t4_header(row.label):
                if len(row.slots) >= N_T4:
                    return [row]
                header = i
        if header is not None:
            return [r for r in self.rows[header + 1:] if len(r.slots) >= N_T4][:1]
        return [r for r in self.rows if len(r.slots) >= N_T4 and (not r.labels or _mentions_t4(r.label))
                and any(s.value.kind == "number" for s in r.slots)][:1]

    def _read_transposed(self, groups: list[str], columns: list[str]) -> bool:
        """Some reports print one row per group (行政复议 / 未经复议直接起诉 / 复议后起诉) of five cells."""
        found = 0
        layout = {g["key"]: g for g in tpl.layout()["t4_groups"]}
        for row in self.rows:
            for g in reversed(groups):  # 复议后起诉 before 行政复议: the longer label wins
                if matches(row.label, layout[g]["match"]) and len(row.slots) >= 5:
                    placed = reconcile(row.slots, 5)
                    if placed.values is None:
                        continue
                    for c, value, slot in zip(columns, placed.values, placed.slots or [None] * 5):
                        self.put(f"t4.{g}.{c}", value, slot, row.label)
                    found += 1
                    break
        return found == len(groups)


def _is_t4_header(label: str) -> bool:
    return "维持" in label and "纠正" in label


def _mentions_t4(label: str) -> bool:
    return any(w in label for w in ("复议", "诉讼", "维持", "纠正", "审结"))
