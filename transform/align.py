"""Cells → canonical figures: find tables 二, 三 and 四 in a RawDocument and place every figure
on its key of metrics.csv.

Every format arrives here as the same thing: blocks of cells. They are first read into
*logical rows* (the label cells of a row, then its value cells), which is what a table row, a
tab-separated line and a run of one-cell paragraphs (a table flattened by a site's editor) have in
common. The template (transform/template.yaml) then says which row is which. A figure is placed
only when its row and column are certain; otherwise it is null and an `extractor.*` issue says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from extract.document import Cell, Paragraph, RawDocument, Table
from transform import template as tpl
from transform.findings import Issue
from transform.meta import agency_of, year_of
from transform.values import CellValue, read_cell, to_unit

N_T3 = 7   # applicant columns of table 三, 总计 included
N_T4 = 15  # table 四: three groups of five


class NotAReport(Exception):
    """The document is readable but is not a 2019+ annual report."""


# --------------------------------------------------------------------------------------------
# Logical rows


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
        return {"page": c.page, "table": self.table, "row": c.row + 1, "col": c.col + 1, "text": c.text}


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


# --------------------------------------------------------------------------------------------
# The result


@dataclass
class Alignment:
    template: str
    values: dict[str, float | int | None]
    issues: list[Issue] = field(default_factory=list)
    provenance: dict[str, dict] = field(default_factory=dict)
    agency: str | None = None
    year: int | None = None


def align(document: RawDocument) -> Alignment:
    rows = logical_rows(document)
    year = year_of(document.text)
    t3_start, t3_end = _find_t3(rows)
    if t3_start is None:
        raise NotAReport(_why_not_a_report(document, year, rows))
    template, guessed = _detect_version(document, rows, year)
    result = Alignment(template, {k: None for k in tpl.keys_for(template)}, agency=agency_of(document.text), year=year)
    if guessed:
        result.issues.append(Issue("note.version_guessed", f"no column label tells the version; the year {year} gives {template}"))
    T2Reader(result, rows[:t3_start]).read()
    T3Reader(result, rows[t3_start:t3_end + 1 if t3_end is not None else len(rows)]).read()
    T4Reader(result, rows[t3_end + 1:] if t3_end is not None else []).read()
    return result


def _why_not_a_report(document: RawDocument, year: int | None, rows: list[Row]) -> str:
    text = tpl.normalize(document.text[:50000])
    if year is not None and year < 2019 and "年度报告" in text:
        return f"not a 2019+ annual report (a report on {year}: free-form statistics, unsupported format)"
    if "年度报告" in text and "政府信息公开" in text:
        if not document.tables and not any(r.slots for r in rows):
            return "a page about an annual report without its tables (they are in an attachment, or printed as images)"
        return "an annual report without the table 收到和处理政府信息公开申请情况 (not the 2019+ format)"
    return "not a government information-disclosure annual report"


def _find_t3(rows: list[Row]) -> tuple[int | None, int | None]:
    """Table 三 spans from its column header (or first row) to 结转下年度继续办理."""
    rows_by_key = {r["key"]: r for r in tpl.layout()["t3_rows"]}
    start = end = None
    for i, row in enumerate(rows):
        label = row.label
        if start is None:
            if "申请人情况" in label or ("自然人" in label and ("总计" in label or "法人" in label)):
                start = i
            elif row.slots and _matches(label, rows_by_key["new"]["match"]):
                start = i
        elif row.slots and _matches(label, rows_by_key["carried_forward"]["match"]):
            end = i
            break
    return start, end


def _matches(label: str, fragments: list[str]) -> bool:
    return any(f in label for f in fragments)


def _detect_version(document: RawDocument, rows: list[Row], year: int | None) -> tuple[str, bool]:
    text = tpl.normalize(document.text) + "".join(r.label for r in rows)
    hits = {v: sum(m in text for m in marks) for v, marks in tpl.layout()["version_markers"].items()}
    if hits["2021"] != hits["2019"]:
        return ("2021" if hits["2021"] > hits["2019"] else "2019"), False
    return ("2021" if (year or 2021) >= 2021 else "2019"), True


# --------------------------------------------------------------------------------------------
# Placing a row's cells on columns


@dataclass
class Placed:
    values: list[CellValue] | None  # None: cannot be placed with certainty
    slots: list[Slot]
    note: str | None = None


def reconcile(slots: list[Slot], n: int) -> Placed:
    """Match a row's value cells to its n columns, or say that it cannot be done with certainty."""
    placed = _trim(slots, n)
    if placed.values is None and _all_zero(slots) and _count_numbers(slots) >= n:
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


def _all_zero(slots: list[Slot]) -> bool:
    for s in slots:
        if s.value.kind == "multi":
            if any(p != 0 for p in s.value.parts):
                return False
        elif s.value.kind == "number" and s.value.number != 0:
            return False
    return True


def _count_numbers(slots: list[Slot]) -> int:
    return sum(len(s.value.parts) if s.value.kind == "multi" else 1 for s in slots if s.value.kind in ("number", "multi", "na"))


class _Reader:
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

    def issue(self, code: str, message: str, keys: list[str] | None = None) -> None:
        self.result.issues.append(Issue(code, message, keys or []))


# --------------------------------------------------------------------------------------------
# Table 三


@dataclass
class _T3Line:
    row: Row
    key: str | None  # the template row, or None when the label is lost
    by_number: bool = False
    hint: str | None = None  # for a row of bare numbers: the one row its neighbouring labels name


class T3Reader(_Reader):
    def read(self) -> None:
        template = self.result.template
        lines = self._label_lines()
        keys = [line.key for line in lines if line.key]
        if template == "2021" and "other" in keys and not any(k.startswith("other.") for k in keys):
            self.issue("note.single_other_row", "（六）其他处理 is printed as one row: recorded under t3.other.*; "
                       "the three 2021 sub-rows are not printed (null)")
            for col in tpl.t3_columns():
                self.result.values[f"t3.other.{col}"] = None
        order = self._expected_order(keys)
        placements = self._place_unlabelled(lines, order)
        columns = self._column_positions()
        for key, line in placements:
            self._put_row(key, line, columns)
        placed_keys = {key for key, _ in placements}
        missing = [k for k in order if k not in placed_keys]
        if missing:
            affected = [f"t3.{k}.{c}" for k in missing for c in tpl.t3_columns()]
            self.issue("extractor.row_missing", "table 三 does not print the rows " + ", ".join(missing) + "; their figures are null", affected)

    # which template row is each line
    def _label_lines(self) -> list[_T3Line]:
        rows = tpl.layout()["t3_rows"]
        groups = tpl.layout()["t3_groups"]
        group_of = {r["key"]: r.get("group") for r in rows}
        group = None
        lines = []
        before = ""  # the label of a row without values just above: the first line of a wrapped label
        for index, row in enumerate(self.rows):
            label = row.label
            for part in row.labels:
                part = tpl.normalize(part)
                if "本年度办理结果" in part:
                    group = None
                for g in groups:
                    if _matches(part, g["match"]):
                        group = g["key"]
            if not row.slots:
                before = label
                continue
            if not label and len(row.slots) < 4:
                continue  # a stray number between pages (a page number)
            if _is_header_row(row):
                continue
            key, by_number = self._identify(row.last_label, group, rows, groups)
            if key is None and len(row.labels) > 1:
                key, by_number = self._identify(label, group, rows, groups)
            # A row that prints part of a label may continue the label above it; a row of bare
            # numbers may as well belong to the label below it, so it is placed by order instead.
            if key is None and before and label:
                key, by_number = self._identify(before + label, group, rows, groups)
            before = ""
            if key is None and all(s.value.kind == "blank" for s in row.slots):
                continue  # a header row with empty cells
            if key:  # the rows after a sub-row are in its group, even when the group label was split
                group = group_of.get(key)
            hint = self._neighbours_name(index, group, rows, groups) if not label else None
            lines.append(_T3Line(row, key, by_number, hint))
        return lines

    def _neighbours_name(self, index: int, group: str | None, rows: list[dict], groups: list[dict]) -> str | None:
        """In text where labels sit beside, above or below their numbers, the label lines next to a
        row of bare numbers; the row they name when only one of them names one."""
        names = set()
        if index > 0 and not self.rows[index - 1].slots and self.rows[index - 1].labels:
            names.add(self._identify(tpl.normalize(self.rows[index - 1].labels[-1]), group, rows, groups)[0])
        if index + 1 < len(self.rows) and not self.rows[index + 1].slots and self.rows[index + 1].labels:
            names.add(self._identify(tpl.normalize(self.rows[index + 1].labels[0]), group, rows, groups)[0])
        names.discard(None)
        return names.pop() if len(names) == 1 else None

    def _identify(self, label: str, group: str | None, rows: list[dict], groups: list[dict]) -> tuple[str | None, bool]:
        """The template row a label names, and whether only its number said so. Words first (the
        current group's sub-rows, then every row), the number within the current group last: a
        group label printed after its first sub-rows must not turn 1.信访… into 1.本机关不掌握…"""
        if not label or _is_header(label):
            return None, False
        item = _strip_group(label, groups)
        if group:  # the current group's sub-rows first: their words recur elsewhere (不补正, 其他)
            for r in rows:
                if r.get("group") == group and r["match"] and _matches(item, r["match"]):
                    return r["key"], False
            if group == "other" and re.fullmatch(r"(?:\(?3[).、．])?其他", item):
                return "other.other", False
        for r in rows:
            if r.get("group") or not r["match"]:
                continue
            if r["key"] == "other":
                if _matches(label, r["match"]) and not item:
                    return "other", False
                continue
            if _matches(label, r["match"]):
                return r["key"], False
        for r in rows:  # a sub-row whose group label was lost or printed elsewhere
            if r.get("group") and r["match"] and _matches(item, r["match"]):
                return r["key"], False
        number = _item_number(item)
        if group and number is not None:
            for r in rows:
                if r.get("group") == group and r.get("number") == number:
                    return r["key"], True
        return None, False

    def _expected_order(self, keys: list[str]) -> list[str]:
        template = self.result.template
        single_other = "other" in keys and not any(k.startswith("other.") for k in keys)
        order = []
        for r in tpl.layout()["t3_rows"]:
            key = r["key"]
            if key == "other":
                if single_other or template == "2019":
                    order.append(key)
                continue
            if key.startswith("other.") and (single_other or template == "2019"):
                continue
            order.append(key)
        return order

    def _place_unlabelled(self, lines: list[_T3Line], order: list[str]) -> list[tuple[str, _T3Line]]:
        """Labelled lines go to their row; runs of unlabelled lines between two labelled ones are
        placed by the template's order when their count equals the rows missing there."""
        placed: list[tuple[str, _T3Line]] = []
        seen: set[str] = set()
        run: list[_T3Line] = []
        last_pos = -1

        def settle(next_pos: int) -> None:
            if not run:
                return
            gap = [k for k in order[last_pos + 1: next_pos] if k not in seen]
            if len(gap) == len(run):
                for key, line in zip(gap, run):
                    placed.append((key, line))
                    seen.add(key)
                # Rows of a table's grid are the template's rows in order; lines of text need not be
                # (a label may sit off its numbers' line): there the neighbouring labels must agree,
                # unless the rows print only zeros. Otherwise the figures need a look.
                sure = all(not line.row.from_lines or _all_zero(line.row.slots) or line.hint == key
                           for key, line in zip(gap, run))
                code = "note.labels_lost" if sure else "extractor.placed_by_order"
                self.issue(code, f"table 三: {len(run)} rows print no label; placed by the template's order as "
                           + ", ".join(gap), [f"t3.{k}.{c}" for k in gap for c in tpl.t3_columns()])
            else:
                keys = [f"t3.{k}.{c}" for k in gap for c in tpl.t3_columns()]
                self.issue("extractor.rows_unplaced", f"table 三: {len(run)} rows print no label where the template has "
                           f"{len(gap)} rows ({', '.join(gap) or 'none'}); they are not placed", keys)
            run.clear()

        for line in lines:
            if line.key is None or line.key not in order:
                run.append(line)
                continue
            if line.key in seen:
                continue  # a repeated header or sub-total row: the first print counts
            pos = order.index(line.key)
            settle(pos)
            placed.append((line.key, line))
            seen.add(line.key)
            last_pos = max(last_pos, pos)
            if line.by_number:
                self.issue("extractor.label_by_number", f"table 三: the row printed {line.row.label!r} was read as {line.key} by its number",
                           [f"t3.{line.key}.{c}" for c in tpl.t3_columns()])
        settle(len(order))
        return placed

    def _column_positions(self) -> dict[int, list[int]]:
        """Grid columns of the applicant columns, per table width, from the header rows."""
        positions: dict[int, list[int]] = {}
        columns = tpl.layout()["t3_columns"]
        for row in self.rows:
            table = row.table
            if table is None or table.n_cols in positions or any(s.value.kind != "blank" for s in row.slots):
                continue
            cols = header_columns(table, range(row.grid_row, min(table.n_rows, row.grid_row + 3)), columns)
            if cols:
                positions[table.n_cols] = cols
        return positions

    def _put_row(self, key: str, line: _T3Line, columns: dict[int, list[int]]) -> None:
        row = line.row
        placed = None
        table = row.table
        if table is not None and table.n_cols in columns and row.grid_row is not None:
            placed = read_positions(row, columns[table.n_cols])
        if placed is None:
            placed = reconcile(row.slots, N_T3)
        cols = tpl.t3_columns()
        keys = [f"t3.{key}.{c}" for c in cols]
        if placed.values is None:
            self.issue("extractor.cells_ambiguous", f"table 三, row {row.label or key!r}: {len(row.slots)} value cells for "
                       f"{N_T3} columns; not placed", keys)
            return
        if placed.note == "extra_zero":
            self.issue("note.extra_zero_cells", f"table 三, row {row.label or key!r}: more cells than columns, all 0", keys)
        for k, value, slot in zip(keys, placed.values, placed.slots or [None] * N_T3):
            self.put(k, value, slot, row.label)


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


def _is_header(label: str) -> bool:
    """The column header of table 三 (自然人 … 总计) is no data row, whatever cells it has."""
    return "自然人" in label or "申请人情况" in label or ("商业企业" in label and "科研机构" in label)


def _is_header_row(row: Row) -> bool:
    """A row of column labels (自然人 | 法人或其他组织 | 总计), even when its last label alone
    would read as a data row (总计)."""
    names = {tpl.normalize(c["label"]) for c in tpl.layout()["t3_columns"]} | {"法人或其他组织", "申请人情况"}
    labels = [tpl.normalize(x) for x in row.labels]
    return _is_header(row.last_label) or (row.last_label in names and sum(x in names for x in labels) >= 2)


def _strip_group(label: str, groups: list[dict]) -> str:
    item = label
    item = re.sub(r"^三、?本年度办理结果", "", item)
    for g in groups:
        for m in g["match"]:
            item = re.sub(r"^[(（]?[一二三四五六七][)）]?" + re.escape(m), "", item)
            item = item.replace(m, "", 1) if item.startswith(m) else item
    return item


def _item_number(item: str) -> int | None:
    match = re.match(r"^\(?(\d)[).、．]", item)  # 1. / 1、/ (1) / （1） once folded
    return int(match.group(1)) if match else None


# --------------------------------------------------------------------------------------------
# Table 四


class T4Reader(_Reader):
    def read(self) -> None:
        groups, columns = tpl.t4_groups(), tpl.t4_columns()
        keys = [f"t4.{g}.{c}" for g in groups for c in columns]
        for row in self._data_rows():
            placed = reconcile(row.slots, N_T4)
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
                if _matches(row.label, layout[g]["match"]) and len(row.slots) >= 5:
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


# --------------------------------------------------------------------------------------------
# Table 二


class T2Reader(_Reader):
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
