"""The raw document: what every format reader produces, and the only thing later stages read.

A reader turns bytes into a `RawDocument`: the document's text (for the title, agency and year)
and a list of `Block`s in reading order. A block is either a table (rows of cells, with spans) or
a paragraph of text. Nothing here knows the report template; that is `transform/`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping


@dataclass(slots=True)
class Cell:
    """One printed cell: its text as printed and where it sits in its table's grid.

    `page` (1-based) and `bbox` (x0, top, x1, bottom; origin at the page's top left, in PDF points
    for a PDF page, in pixels for an image) say where it was printed, where the format knows it:
    a reviewer is shown the cell on the page. `ocr` is the engine's reading (text, confidence,
    candidates: `extract.ocr.engine.Reading`) for a cell read from an image, None otherwise.
    """

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    ocr: object | None = None

    def covers(self, row: int, col: int) -> bool:
        return self.row <= row < self.row + self.rowspan and self.col <= col < self.col + self.colspan


@dataclass
class Table:
    """A table as printed: cells placed on a grid, merged cells spanning several grid positions.

    `index` counts tables in the document (1-based) so that a reviewer can find the one meant.
    """

    cells: list[Cell]
    index: int = 0
    page: int | None = None
    # Rows read from lines of text ("label 0 0 0"), not from a table's grid: a line need not be
    # a row (a label may sit on the line above or below its numbers).
    from_lines: bool = False
    # Whether merged cells show as such (a grid with spans). Text renditions lose them: a cell
    # merged down prints once, repeated or as an empty cell.
    spans_known: bool = True

    # Tables are not changed once read: their shape is computed once.
    @cached_property
    def n_rows(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)

    @cached_property
    def n_cols(self) -> int:
        return max((c.col + c.colspan for c in self.cells), default=0)

    def rows(self) -> list[list[Cell]]:
        """Cells grouped by the row they start in, left to right (a merged cell appears once)."""
        by_row: list[list[Cell]] = [[] for _ in range(self.n_rows)]
        for cell in self.cells:
            by_row[cell.row].append(cell)
        for row in by_row:
            row.sort(key=lambda c: c.col)
        return by_row

    @cached_property
    def grid(self) -> list[list[Cell | None]]:
        """Every grid position with the cell that covers it (None where nothing was printed)."""
        width = self.n_cols
        grid: list[list[Cell | None]] = [[None] * width for _ in range(self.n_rows)]
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    grid[r][c] = cell
        return grid

    @classmethod
    def from_rows(cls, rows: list[list[str | None]], index: int = 0, page: int | None = None,
                  from_lines: bool = False, spans_known: bool = True) -> "Table":
        """A table from a plain grid of strings; None marks a position merged into its neighbour."""
        cells = [
            Cell(text=text, row=r, col=c, page=page)
            for r, row in enumerate(rows)
            for c, text in enumerate(row)
            if text is not None
        ]
        return cls(cells=cells, index=index, page=page, from_lines=from_lines, spans_known=spans_known)


@dataclass(slots=True)
class Paragraph:
    text: str
    page: int | None = None


Block = Table | Paragraph


@dataclass
class RawDocument:
    """A readable document: its plain text and its blocks in reading order."""

    format: str
    text: str
    blocks: list[Block] = field(default_factory=list)
    title: str | None = None
    # Set when the text was read by OCR from images: {"engine": name, "pages": n, "confidence": c}.
    ocr: dict | None = None

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


@dataclass(frozen=True)
class PagePictures:
    """The pictures an HTML page shows as separate files (`<img src="t3.jpg">`), fetched by the harvest
    with the page: the reader reads them with the page as one document and fetches nothing itself.

    `page_url` is the page's address (its relative `src` resolve against it, or its `<base href>`);
    `files` maps a picture's absolute URL to its bytes; `failed` maps a picture that could not be
    fetched to the reason. Pictures the page shows that are in neither (logos, icons the harvest
    left alone) are not the report's.
    """

    page_url: str
    files: Mapping[str, bytes] = field(default_factory=dict)
    failed: Mapping[str, str] = field(default_factory=dict)


class ReadError(Exception):
    """The file cannot be read as a report. The message is one sentence a clerk understands."""
