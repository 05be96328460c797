"""Lines of text that carry a table row ("1.属于国家秘密  1  0  0 …"), split into cells.

Plain text and PDFs without ruling lines print table rows as lines; a row is a label followed by
numbers. Splitting on white space keeps numbers apart while the label's own spaces ("总 计",
"大量反复 申请") stay inside one label cell.
"""

from __future__ import annotations

import re
import unicodedata

_TOKEN_NUMBER = re.compile(r"^(?:[+\-]|增加|减少|增|减)?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:万元|元)?$|^[—/\-－]+$")
_YEARISH = re.compile(r"^(?:19|20)\d\d$")


def row_cells(line: str) -> list[str] | None:
    """The cells of a line that looks like a table row, or None for a line of prose."""
    spans = row_cell_spans(unicodedata.normalize("NFKC", line).split())
    return None if spans is None else [text for text, _, _ in spans]


def row_cell_spans(tokens: list[str]) -> list[tuple[str, int, int]] | None:
    """`row_cells` over a line's tokens: each cell with the range of tokens it is made of (a
    reader that knows where each token was printed can tell where each cell was)."""
    if len(tokens) < 2:
        return None
    cells: list[tuple[str, int, int]] = []
    label_start: int | None = None
    numbers = 0
    for i, token in enumerate(tokens):
        if _TOKEN_NUMBER.match(token):
            if label_start is not None:
                cells.append((" ".join(tokens[label_start:i]), label_start, i))
                label_start = None
            cells.append((token, i, i + 1))
            numbers += 1
        elif label_start is None:
            label_start = i
    if label_start is not None:
        cells.append((" ".join(tokens[label_start:]), label_start, len(tokens)))
    # Prose with a number in it ("共发布 12 件") is not a row: rows end in numbers and hold little text.
    if numbers == 0 or not _TOKEN_NUMBER.match(cells[-1][0]):
        return None
    text_cells = [c for c, _, _ in cells if not _TOKEN_NUMBER.match(c)]
    if len(text_cells) > 2 or any(len(c) > 60 for c in text_cells):
        return None
    if numbers == 1 and text_cells and _YEARISH.match(cells[-1][0]):
        return None
    return cells
