"""Plain text, as a converter leaves a report: table cells as tab-led lines, rows apart by a
blank line (as in the seed report), rows as lines of a label and numbers (pdftotext), or
markdown pipe tables (`| a | b |`, their `|---|` rules skipped)."""

from __future__ import annotations

from extract.decoding import decode_text
import re

from extract.document import Paragraph, RawDocument, ReadError, Table
from extract.lines import row_cells
from extract.settings import Limits


def read(data: bytes, limits: Limits) -> RawDocument:
    if len(data) > limits.max_text_bytes:
        raise ReadError(f"text file too large ({len(data) // 2**20} MB; the limit is {limits.max_text_bytes // 2**20} MB)")
    text = decode_text(data)
    return RawDocument(format="txt", text=text, blocks=parse_lines(text.splitlines()))


_UNSEPARATED = 20  # cells in one "row": more is a whole table whose rows were not separated
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|[\s:|\-]*\|\s*$")


def parse_lines(lines: list[str]) -> list:
    blocks: list = []
    rows: list[list[str]] = []  # rows of the table being read
    row: list[str] = []
    in_cell = False
    line_rows: list[list[str]] = []  # consecutive "label  0  0  0" lines

    def end_row() -> None:
        nonlocal row, in_cell
        if row:
            rows.append(row)
        row, in_cell = [], False

    def end_table() -> None:
        end_row()
        if len(rows) == 1 and len(rows[0]) > _UNSEPARATED:
            # Tab lines with no blank line between rows: the row boundaries are lost. Its cells are
            # read as a table flattened into paragraphs (a row ends where a label follows values).
            blocks.extend(Paragraph(cell.strip()) for cell in rows[0])
            rows.clear()
        elif rows:
            blocks.append(Table.from_rows(list(rows), index=_next_index(blocks), spans_known=False))
            rows.clear()

    def end_line_rows() -> None:
        if line_rows:
            blocks.append(Table.from_rows(list(line_rows), index=_next_index(blocks), from_lines=True))
            line_rows.clear()

    pipe_rows: list[list[str]] = []  # consecutive markdown table rows

    def end_pipe_rows() -> None:
        if pipe_rows:
            blocks.append(Table.from_rows(list(pipe_rows), index=_next_index(blocks), spans_known=False))
            pipe_rows.clear()

    for raw in lines:
        line = raw.rstrip("\r\n")
        if _PIPE_ROW.match(line):
            end_table()
            end_line_rows()
            if not _PIPE_RULE.match(line):
                pipe_rows.append([cell.strip() for cell in line.strip()[1:-1].split("|")])
            continue
        end_pipe_rows()
        if line.startswith("\t"):
            end_line_rows()
            parts = line[1:].split("\t")
            row.extend(parts)
            in_cell = True
        elif not line.strip():
            end_row()
        elif "\t" in line:
            end_line_rows()
            end_row()
            rows.append(line.split("\t"))
        elif in_cell and row:
            row[-1] = row[-1] + "\n" + line  # a cell that runs over several lines
        else:
            end_table()
            cells = row_cells(line)
            if cells:
                line_rows.append(cells)
            else:
                end_line_rows()
                blocks.append(Paragraph(line.strip()))
    end_table()
    end_line_rows()
    end_pipe_rows()
    return blocks


def _next_index(blocks: list) -> int:
    return 1 + sum(isinstance(b, Table) for b in blocks)
