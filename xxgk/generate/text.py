"""The report as plain text, as Word's "save as text" writes it (like the seed document).

Paragraphs are lines; a table row is a group of lines, one per printed cell, each starting with a
tab, and rows are separated by blank lines. A cell merged down from the row above prints as an
empty tab line; a cell merged across prints once.
"""

from __future__ import annotations

from typing import Any

from xxgk.generate.model import Grid, Para, ReportSpec, build_report, merged_quirks, style_from

TEXT_QUIRKS = {"encoding", "crlf"}


def render_text(spec: ReportSpec, **quirks: Any) -> bytes:
    """The report as plain text.

    Quirks: lost_labels [False] drops the row labels from （一）予以公开 through the end of
    （三）不予公开 (their cells stay, empty), as in the seed; encoding ["utf-8"] or "gb18030";
    crlf [False] for Windows line ends; blank_zeros, fullwidth_digits, amounts_in_yuan.
    """
    q = merged_quirks(spec, quirks, TEXT_QUIRKS)
    style = style_from({**q, "broken_labels": False})
    report = build_report(spec, style)
    lines: list[str] = [""]
    for block in report.blocks:
        if isinstance(block, Para):
            lines.append(block.text)
            if block.kind == "title":
                lines.append("")
        else:
            lines.extend(_table(block))
            lines.append("")
    text = "\n".join(lines) + "\n"
    if q.get("crlf"):
        text = text.replace("\n", "\r\n")
    return text.encode(q.get("encoding", "utf-8"))


def _table(grid: Grid) -> list[str]:
    out: list[str] = []
    for r in range(grid.n_rows):
        for col in range(grid.n_cols):
            owner = grid.owner(r, col)
            if owner is None or owner.col != col:
                continue
            if owner.row == r:
                out.append("\t" + owner.text.replace("\n", ""))
            else:
                out.append("\t")  # merged down from above
        out.append("")
    return out
