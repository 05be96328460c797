"""The report as plain text, as converters write it.

`layout` says which converter:
- "word" (default): Word's "save as text" (like the seed document): paragraphs are lines; a table
  row is a group of lines, one per printed cell, each starting with a tab, rows separated by blank
  lines. A cell merged down from the row above prints as an empty tab line; merged across, once.
- "word_unseparated": the same without the blank lines between rows (one run of tab lines).
- "word_wrapped": long labels broken over two lines, the continuation without its tab.
- "pdftotext": `pdftotext -layout`: a row per line, cells apart by runs of spaces, long labels
  wrapped onto the next line; merged cells print once, blank cells print nothing.
- "pdfminer": cells in reading order, a line each, no tabs (blank cells print nothing).
- "markdown": pipe tables (`| a | b |`, a `|---|` rule under the header row); with
  `page_footer` a page footer `— 1 —` and the header again after it, inside table 三.
"""

from __future__ import annotations

from typing import Any

from xxgk.generate.model import Grid, Para, ReportSpec, build_report, merged_quirks, style_from

TEXT_QUIRKS = {"encoding", "crlf", "layout", "page_footer", "repeat_merged"}
LAYOUTS = ("word", "word_unseparated", "word_wrapped", "pdftotext", "pdfminer", "markdown")
_WRAP = 14  # characters of a label on its first line, where a layout wraps labels


def render_text(spec: ReportSpec, **quirks: Any) -> bytes:
    """The report as plain text.

    Quirks: layout ["word"] (see the module's doc); page_footer [False] (markdown: a page break
    inside table 三); repeat_merged [False] (word, markdown: a cell merged down prints its text
    again in every row it spans, as some converters do); lost_labels [False] drops the row labels from （一）予以公开 through the end of
    （三）不予公开 (their cells stay, empty), as in the seed; encoding ["utf-8"] or "gb18030";
    crlf [False] for Windows line ends; blank_zeros, fullwidth_digits, amounts_in_yuan, ....
    """
    q = merged_quirks(spec, quirks, TEXT_QUIRKS)
    layout = q.get("layout", "word")
    if layout not in LAYOUTS:
        raise ValueError(f"unknown text layout {layout!r}; known: {LAYOUTS}")
    style = style_from({**q, "broken_labels": False})
    report = build_report(spec, style)
    lines: list[str] = [""]
    for block in report.blocks:
        if isinstance(block, Para):
            lines.append(block.text)
            if block.kind == "title":
                lines.append("")
        else:
            if q.get("repeat_merged"):
                block = _unmerged(block)
            lines.extend(_TABLE[layout](block, bool(q.get("page_footer"))))
            lines.append("")
    text = "\n".join(lines) + "\n"
    if q.get("crlf"):
        text = text.replace("\n", "\r\n")
    return text.encode(q.get("encoding", "utf-8"))


def _unmerged(grid: Grid) -> Grid:
    """The grid with every cell merged down split into one cell per row, each with the text."""
    from dataclasses import replace

    out = Grid(grid.name, grid.n_rows, grid.n_cols, header_rows=grid.header_rows)
    for c in grid.cells:
        out.cells.extend(replace(c, row=c.row + i, rowspan=1) for i in range(c.rowspan))
    return out


def _rows(grid: Grid) -> list[list[tuple[str, bool]]]:
    """Per grid row, its printed cells left to right: (text, whether merged down from above)."""
    out = []
    for r in range(grid.n_rows):
        row = []
        for col in range(grid.n_cols):
            owner = grid.owner(r, col)
            if owner is None or owner.col != col:
                continue
            row.append((owner.text.replace("\n", ""), owner.row != r))
        out.append(row)
    return out


def _word(grid: Grid, _: bool, separated: bool = True, wrapped: bool = False) -> list[str]:
    out: list[str] = []
    for row in _rows(grid):
        for text, merged in row:
            if merged:
                out.append("\t")
            elif wrapped and len(text) > _WRAP and not text[:1].isdigit():
                out.extend(["\t" + text[:_WRAP], text[_WRAP:]])
            else:
                out.append("\t" + text)
        if separated:
            out.append("")
    return out


def _pdftotext(grid: Grid, _: bool) -> list[str]:
    out: list[str] = []
    for row in _rows(grid):
        cells = [text for text, merged in row if not merged and text]
        labels = [c for c in cells if not _numeric(c)]
        numbers = [c for c in cells if _numeric(c)]
        label = "".join(labels)
        rest = ""
        if len(label) > _WRAP and numbers:
            label, rest = label[:_WRAP], label[_WRAP:]
        line = ("  ".join([label] if label else []) + "      " + "    ".join(numbers)).rstrip() if numbers else label
        if line.strip():
            out.append(line)
        if rest:
            out.append("  " + rest)
    return out


def _pdfminer(grid: Grid, _: bool) -> list[str]:
    return [text for row in _rows(grid) for text, merged in row if not merged and text]


def _markdown(grid: Grid, page_footer: bool) -> list[str]:
    rows = _rows(grid)
    width = grid.n_cols
    header_end = max(grid.header_rows, 1)

    def line(r: int) -> str:
        cells = [grid.owner(r, c) for c in range(width)]
        texts = ["" if cell is None or (cell.row != r and cell.kind == "value") else
                 (cell.text.replace("\n", "") if (cell.row, cell.col) == (r, c) else "") for c, cell in enumerate(cells)]
        return "| " + " | ".join(texts) + " |"

    out = [line(r) for r in range(header_end)]
    out.append("|" + "---|" * width)
    middle = header_end + (len(rows) - header_end) // 2
    for r in range(header_end, len(rows)):
        if page_footer and grid.name == "t3" and r == middle:
            out.extend(["", "— 1 —", ""])
            out.extend(line(h) for h in range(header_end))
            out.append("|" + "---|" * width)
        out.append(line(r))
    return out


def _numeric(text: str) -> bool:
    from transform.values import read_cell

    return read_cell(text).kind in ("number", "na")


_TABLE = {
    "word": _word,
    "word_unseparated": lambda g, f: _word(g, f, separated=False),
    "word_wrapped": lambda g, f: _word(g, f, wrapped=True),
    "pdftotext": _pdftotext,
    "pdfminer": _pdfminer,
    "markdown": _markdown,
}
