"""Table 三 (收到和处理政府信息公开申请情况): rows by their labels (tolerant of typos, line breaks,
split group labels), rows without labels by the template's order, columns by the header."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from transform import template as tpl
from transform.placing import all_zero, header_columns, read_positions, reconcile
from transform.result import TableReader
from transform.rows import Row, matches, run_together

N_T3 = 7  # applicant columns of table 三, 总计 included



@dataclass
class _T3Line:
    row: Row
    key: str | None  # the template row, or None when the label is lost
    by_number: bool = False
    hint: str | None = None  # for a row of bare numbers: the one row its neighbouring labels name
    merged: list[str] = field(default_factory=list)  # rows below whose number cells are merged into this row's
    span: int = 1  # grid rows the number cells span
    confirmed: bool = False  # cut from a stream of cells by the template's count, every row's sum holds
    quiet: list[str] = field(default_factory=list)  # rows below in its group that print a label and no numbers
    ambiguous: bool = False  # its merged reading is one of two (zeros or merged cells): not placed


class T3Reader(TableReader):
    def __init__(self, result, rows: list[Row]):
        super().__init__(result, rows)
        self.glued: set[str] = set()

    def read(self) -> None:
        template = self.result.template
        lines = self._text_merges(_split_streams(self._label_lines()))
        keys = [k for line in lines for k in ([line.key] if line.key else []) + line.merged]
        if template == "2021" and "other" in keys and not any(k.startswith("other.") for k in keys):
            self.issue("note.single_other_row", "（六）其他处理 is printed as one row: recorded under t3.other.*; "
                       "the three 2021 sub-rows are not printed (null)")
            for col in tpl.t3_columns():
                self.result.values[f"t3.other.{col}"] = None
        order = self._expected_order(keys)
        placements = self._place_unlabelled(lines, order)
        columns = self._column_positions()
        for key, line in placements:
            if line.merged:
                self._put_merged(key, line, columns)
            else:
                self._put_row(key, line, columns)
        self._repeated_merges()
        placed_keys = {k for key, line in placements for k in [key] + line.merged}
        missing = [k for k in order if k not in placed_keys and k not in self.glued]
        if missing:
            self.not_printed("table 三", [f"t3.{k}.{c}" for k in missing for c in tpl.t3_columns()])

    # which template row is each line
    def _label_lines(self) -> list[_T3Line]:
        rows = tpl.layout()["t3_rows"]
        groups = tpl.layout()["t3_groups"]
        group_of = {r["key"]: r.get("group") for r in rows}
        group = None
        lines = []
        before = ""  # the label of a row without values just above: the first line of a wrapped label
        consumed: set[int] = set()  # label lines read as the end of the label above them
        glued_keys = self.glued  # rows whose numbers run into their label: never split
        for index, row in enumerate(self.rows):
            label = row.label
            for part in row.labels:
                part = tpl.normalize(part)
                if "本年度办理结果" in part:
                    group = None
                for g in groups:
                    if matches(part, g["match"]):
                        group = g["key"]
            owner = lines[-1] if lines else None
            if owner and _covered_by(owner, row) and all(s.value.kind == "blank" for s in row.slots):
                key, _ = self._identify(row.last_label, group, rows, groups)
                if key and key != owner.key and key not in owner.merged:
                    owner.merged.append(key)  # a row whose numbers are the merged cells above
                    group = group_of.get(key) or group
                    continue
            if owner and owner.key and _spans_unknown(row):
                # labels with no numbers of their own after a group's first sub-row: each one
                # (a run of label lines reads as one row, or as the labels before the next numbers)
                parts = row.labels if not row.slots else row.labels[:-1]
                for part in parts:
                    key, _ = self._identify(tpl.normalize(part), group, rows, groups)
                    if key and key != owner.key and group_of.get(key) and group_of.get(key) == group_of.get(owner.key) \
                            and key not in owner.quiet:
                        owner.quiet.append(key)
            if not row.slots:
                for part in map(tpl.normalize, row.labels):
                    glued = run_together(part)
                    key = self._identify(glued[0], group, rows, groups)[0] if glued else None
                    if key and key not in glued_keys:
                        self.issue("extractor.cells_ambiguous", f"table 三, row {part!r}: the numbers run together with "
                                   "the label; the digits are not split by guess", [f"t3.{key}.{c}" for c in tpl.t3_columns()])
                        glued_keys.add(key)
            if not row.slots:
                before = "" if index in consumed else label
                continue
            if not label and len(row.slots) < 4:
                continue  # a stray number between pages (a page number)
            if not label and owner:
                owner.quiet.clear()  # the labels above were those of these bare numbers
            if _is_header_row(row):
                continue
            key, by_number = self._identify(row.last_label, group, rows, groups)
            if key is None and len(row.labels) > 1:
                key, by_number = self._identify(label, group, rows, groups)
            # A row that prints part of a label may continue the label above it; a row of bare
            # numbers may as well belong to the label below it, so it is placed by order instead.
            if key is None and before and label:
                key, by_number = self._identify(before + label, group, rows, groups)
            if (key is None or by_number) and label and row.from_lines and self._wraps_below(index):
                # a label wrapped onto the line below its numbers (pdftotext -layout)
                wrapped, wrapped_by_number = self._identify(label + self.rows[index + 1].label, group, rows, groups)
                if wrapped and not wrapped_by_number:
                    key, by_number = wrapped, False
                    consumed.add(index + 1)
            before = ""
            if key is None and all(s.value.kind == "blank" for s in row.slots):
                continue  # a header row with empty cells
            if key:  # the rows after a sub-row are in its group, even when the group label was split
                group = group_of.get(key)
            hint = self._neighbours_name(index, group, rows, groups) if not label else None
            lines.append(_T3Line(row, key, by_number, hint, span=_value_span(row)))
        return lines

    def _wraps_below(self, index: int) -> bool:
        """Whether the label line below row `index` may end its label: it prints no numbers, and
        the next row of numbers prints a label of its own (were it bare, the line could as well be
        its label, printed above its numbers)."""
        if index + 1 >= len(self.rows) or self.rows[index + 1].slots or not self.rows[index + 1].labels:
            return False
        following = next((r for r in self.rows[index + 2:] if r.slots), None)
        return following is None or bool(following.label)

    def _text_merges(self, lines: list[_T3Line]) -> list[_T3Line]:
        """In text, which shows no merged cells, a group's first sub-row with numbers followed by
        its other sub-rows printing no numbers (labels alone, or blank cells) reads two ways: zeros,
        or one row of numbers merged across the group. Merged is the only reading where the table
        prints its zeros as 0 and no other blank cell; otherwise neither is chosen (not placed)."""
        subs: dict[str, list[str]] = {}
        for r in tpl.t3_rows(self.result.template):
            if r.get("group"):
                subs.setdefault(r["group"], []).append(r["key"])
        group_of = {k: g for g, keys in subs.items() for k in keys}
        out: list[_T3Line] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            out.append(line)
            i += 1
            group = group_of.get(line.key or "")
            if not group or line.merged or not _spans_unknown(line.row) or line.key != subs[group][0] or all_zero(line.row.slots):
                continue
            rest = subs[group][1:]
            blank = []
            # Blank cells may be merged ones only in plain text (converters write a cell merged
            # down as an empty line); a page prints a merged cell once, and an empty cell is a cell.
            while self.result.source_format == "txt" and i + len(blank) < len(lines) and lines[i + len(blank)].key in rest \
                    and all(s.value.kind == "blank" for s in lines[i + len(blank)].row.slots):
                blank.append(lines[i + len(blank)])
            if not rest or sorted(line.quiet + [b.key for b in blank]) != sorted(rest):
                continue
            others = [x for x in lines if x is not line and x not in blank]
            line.merged = list(rest)
            line.ambiguous = not (_prints_zeros(others) and not _prints_blanks(others))
            i += len(blank)
        return out

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
                if r.get("group") == group and r["match"] and matches(item, r["match"]):
                    return r["key"], False
            if group == "other" and re.fullmatch(r"(?:\(?3[).、．])?其他", item):
                return "other.other", False
        for r in rows:
            if r.get("group") or not r["match"]:
                continue
            if r["key"] == "other":
                if matches(label, r["match"]) and not item:
                    return "other", False
                continue
            if matches(label, r["match"]):
                return r["key"], False
        for r in rows:  # a sub-row whose group label was lost or printed elsewhere
            if r.get("group") and r["match"] and matches(item, r["match"]):
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
                sure = all(not line.row.from_lines or all_zero(line.row.slots) or line.hint == key or line.confirmed
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
            for member in line.merged:
                if member in order:
                    seen.add(member)
                    last_pos = max(last_pos, order.index(member))
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

    def _put_merged(self, key: str, line: _T3Line, columns: dict[int, list[int]]) -> None:
        """Number cells merged across the rows of a group: the numbers are the group's. Under
        （六）其他处理 they are its total (t3.other.*, as for a one-row （六）); elsewhere no key holds
        a group's total. A merged 0 is 0 for every row under it (counts are never negative)."""
        group = [key] + line.merged
        placed = self._placed(line, columns)
        cols = tpl.t3_columns()
        if line.ambiguous:
            self.issue("extractor.cells_ambiguous", f"table 三, rows {', '.join(group)}: the first prints numbers, the others none: "
                       "zeros printed blank, or one row of numbers merged across them; not placed",
                       [f"t3.{k}.{c}" for k in group for c in cols])
            return
        if placed.values is None:
            self.issue("extractor.cells_ambiguous", f"table 三, rows {', '.join(group)}: {len(line.row.slots)} merged value cells for "
                       f"{N_T3} columns; not placed", [f"t3.{k}.{c}" for k in group for c in cols])
            return
        subs = {r["key"] for r in tpl.t3_rows("2021") if r.get("group") == "other"}
        as_other = self.result.template == "2021" and set(group) <= subs
        unknown = []
        for c, value, slot in zip(cols, placed.values, placed.slots or [None] * N_T3):
            if as_other:
                self.result.values.setdefault(f"t3.other.{c}", None)
                self.put(f"t3.other.{c}", value, slot, line.row.label)
            for k in group:
                if not value.number:
                    self.put(f"t3.{k}.{c}", value, slot, line.row.label)
                else:
                    self.result.values[f"t3.{k}.{c}"] = None
                    unknown.append(f"t3.{k}.{c}")
        where = "recorded as the group's total t3.other.*" if as_other else "no key holds a group's total"
        self.issue("note.merged_rows", f"table 三: the rows {', '.join(group)} print one merged row of numbers: {where}; "
                   "the rows are null under it, 0 where it prints 0", [f"t3.{k}.{c}" for k in group for c in cols])
        if unknown and not as_other:
            self.issue("extractor.cells_ambiguous", f"table 三, rows {', '.join(group)}: numbers merged across rows cannot be "
                       "told apart; not placed", unknown)

    def _repeated_merges(self) -> None:
        """（六）其他处理's sub-rows printing the same numbers, a merged cell written again in each
        row: read as printed, rule 2 fails by the repeats; read as the group's total, it holds.
        Only the second reading satisfies the rules, so it is taken."""
        values = self.result.values
        cols = tpl.t3_columns()
        subs = [r["key"] for r in tpl.t3_rows(self.result.template) if r.get("group") == "other"]
        if self.result.template != "2021" or not subs:
            return
        rows = [[values.get(f"t3.{k}.{c}") for c in cols] for k in subs]
        if any(v is None for row in rows for v in row) or any(row != rows[0] for row in rows) or not any(rows[0]):
            return
        outcomes = [k for k in tpl.t3_outcome_rows("2021") if k not in subs]
        for j, c in enumerate(cols):
            rest = [values.get(f"t3.{k}.{c}") for k in outcomes]
            total = values.get(f"t3.total.{c}")
            if total is None or any(v is None for v in rest) or sum(rest) + rows[0][j] != total:
                return
        if all(sum(values[f"t3.{k}.{c}"] for k in outcomes) + len(subs) * rows[0][j] == values[f"t3.total.{c}"]
               for j, c in enumerate(cols)):
            return  # the rules hold as printed too (only zeros repeated): nothing to choose
        for j, c in enumerate(cols):
            values[f"t3.other.{c}"] = rows[0][j]
            self.result.provenance[f"t3.other.{c}"] = self.result.provenance.get(f"t3.{subs[0]}.{c}", {})
            for k in subs:
                values[f"t3.{k}.{c}"] = 0 if rows[0][j] == 0 else None
        self.issue("note.merged_rows", f"table 三: the rows {', '.join(subs)} print the same numbers, a merged cell written in "
                   "each row (read as printed rule 2 fails, read once it holds): recorded as the group's total t3.other.*; "
                   "the rows are null under it, 0 where it prints 0", [f"t3.{k}.{c}" for k in subs for c in cols])

    def _placed(self, line: _T3Line, columns: dict[int, list[int]]):
        row = line.row
        placed = None
        table = row.table
        if table is not None and table.n_cols in columns and row.grid_row is not None:
            placed = read_positions(row, columns[table.n_cols])
        return placed if placed is not None else reconcile(row.slots, N_T3, stream=row.table is None and line.key is not None)

    def _put_row(self, key: str, line: _T3Line, columns: dict[int, list[int]]) -> None:
        row = line.row
        placed = None
        table = row.table
        if table is not None and table.n_cols in columns and row.grid_row is not None:
            placed = read_positions(row, columns[table.n_cols])
        if placed is None:
            placed = reconcile(row.slots, N_T3, stream=row.table is None and line.key is not None)
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


def _split_streams(lines: list[_T3Line]) -> list[_T3Line]:
    """A stream of cells (one per line, row boundaries lost) that holds the numbers of several
    rows is cut by the template's count, 7 per row, when that reading is certain: every cell a
    number (blank lines are label cells only where the table prints its zeros as 0) and every
    row's applicant columns add up to its total (rule 3). Otherwise it stays whole (not placed)."""
    zeros_printed = any(s.value.kind == "number" and s.value.number == 0 for line in lines for s in line.row.slots)
    out: list[_T3Line] = []
    for line in lines:
        row = line.row
        cells = [s for s in row.slots if s.value.kind != "blank"] if zeros_printed else row.slots
        if (row.table is not None or len(row.slots) <= N_T3 or not cells or len(cells) % N_T3 or len(cells) == N_T3
                or any(s.value.kind not in ("number", "na") for s in cells)):
            out.append(line)
            continue
        chunks = [cells[i:i + N_T3] for i in range(0, len(cells), N_T3)]
        if not all(sum(s.value.number or 0 for s in c[:-1]) == (c[-1].value.number or 0) for c in chunks):
            out.append(line)
            continue
        out.append(_T3Line(Row(row.labels, chunks[0]), line.key, line.by_number, line.hint, confirmed=True))
        out.extend(_T3Line(Row([], c), None, confirmed=True) for c in chunks[1:])
    return out


def _spans_unknown(row: Row) -> bool:
    """Whether the row comes from text that does not show merged cells."""
    return row.table is None or row.from_lines or not row.table.spans_known


def _prints_zeros(lines: list[_T3Line]) -> bool:
    return any(s.value.kind == "number" and s.value.number == 0 for line in lines for s in line.row.slots)


def _prints_blanks(lines: list[_T3Line]) -> bool:
    """Whether some row shows a blank value cell (padding cells beyond its columns aside)."""
    for line in lines:
        placed = reconcile(line.row.slots, N_T3, stream=line.row.table is None and line.key is not None)
        if placed.values is not None and any(v.kind == "blank" for v in placed.values):
            return True
    return False


def _value_span(row: Row) -> int:
    """How many grid rows a row's number cells span, when they all span the same (>1) rows (blank
    cells that pad a sheet to its widest table aside)."""
    if row.table is None:
        return 1
    spans = {s.cell.rowspan for s in row.slots if s.cell is not None and (s.cell.rowspan > 1 or s.value.kind != "blank")}
    return spans.pop() if len(spans) == 1 else 1


def _covered_by(owner: _T3Line, row: Row) -> bool:
    """Whether `row` is one of the grid rows that `owner`'s merged number cells span."""
    top = owner.row.grid_row
    return (owner.span > 1 and row.table is owner.row.table and row.grid_row is not None and top is not None
            and top < row.grid_row < top + owner.span)


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
