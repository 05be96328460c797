"""Lines of text that carry a table row ("1.属于国家秘密  1  0  0 …"), split into cells.

Plain text and PDFs without ruling lines print table rows as lines; a row is a label followed by
numbers. Splitting on white space keeps numbers apart while the label's own spaces ("总 计",
"大量反复 申请") stay inside one label cell.
"""

from __future__ import annotations

import re
import unicodedata

_TOKEN_NUMBER = re.compile(r"^[+\-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:万元|元)?$|^[—/\-－]+$")
_YEARISH = re.compile(r"^(?:19|20)\d\d$")


def row_cells(line: str) -> list[str] | None:
    """The cells of a line that looks like a table row, or None for a line of prose."""
    tokens = unicodedata.normalize("NFKC", line).split()
    if len(tokens) < 2:
        return None
    cells: list[str] = []
    label: list[str] = []
    numbers = 0
    for token in tokens:
        if _TOKEN_NUMBER.match(token):
            if label:
                cells.append(" ".join(label))
                label = []
            cells.append(token)
            numbers += 1
        else:
            label.append(token)
    if label:
        cells.append(" ".join(label))
    # Prose with a number in it ("共发布 12 件") is not a row: rows end in numbers and hold little text.
    if numbers == 0 or not _TOKEN_NUMBER.match(cells[-1]):
        return None
    text_cells = [c for c in cells if not _TOKEN_NUMBER.match(c)]
    if len(text_cells) > 2 or any(len(c) > 60 for c in text_cells):
        return None
    if numbers == 1 and text_cells and _YEARISH.match(cells[-1]):
        return None
    return cells
