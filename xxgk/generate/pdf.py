"""The report as a PDF with a text layer, drawn with reportlab.

The font is reportlab's built-in CID font STSong-Light (Adobe-GB1, UniGB-UCS2-H), which needs no
font file and whose text pdfplumber extracts as Unicode. Tables are laid out on a grid: long labels
wrap inside their column, the merged cell 三、本年度办理结果 prints one character per line, and a
table that does not fit on the page continues on the next one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from xxgk.generate.model import Cell, Grid, Para, ReportSpec, build_report, merged_quirks, style_from

PDF_QUIRKS = {"ruled", "page_break_in_t3", "page_numbers", "producer"}

FONT = "STSong-Light"
PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 36.0, 56.0, 56.0
WIDTH = PAGE_W - 2 * MARGIN_X
CELL_SIZE, CELL_PAD = 8.0, 2.5
MIN_ROW = 15.0

_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def render_pdf(spec: ReportSpec, **quirks: Any) -> bytes:
    """The report as a PDF.

    Quirks: ruled [True] draws the tables' ruling lines (False: text placed in columns only);
    page_break_in_t3 [False] breaks table 三 across a page mid-way; page_numbers [False] prints
    '- n -' at the foot of each page; producer [None] sets the PDF producer (e.g. "WPS 文字");
    blank_zeros, fullwidth_digits, broken_labels, lost_labels, amounts_in_yuan.
    """
    q = merged_quirks(spec, quirks, PDF_QUIRKS)
    report = build_report(spec, style_from(q))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(report.title)
    c.setAuthor(spec.agency)
    if q.get("producer"):
        c.setProducer(q["producer"])
    w = _Writer(c, ruled=q.get("ruled", True), page_numbers=bool(q.get("page_numbers")))
    for block in report.blocks:
        if isinstance(block, Para):
            w.para(block)
        else:
            force = None
            if block.name == "t3" and q.get("page_break_in_t3"):
                force = block.header_rows + (block.n_rows - block.header_rows) // 2
            w.table(block, force_break_before=force)
    w.finish()
    return buf.getvalue()


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Lines of `text` no wider than `width` (Chinese wraps anywhere; '\n' forces a break)."""
    lines: list[str] = []
    for part in text.split("\n"):
        line = ""
        for ch in part:
            if line and pdfmetrics.stringWidth(line + ch, FONT, size) > width:
                lines.append(line)
                line = ""
            line += ch
        lines.append(line)
    return lines


def _widths(grid: Grid) -> list[float]:
    n = grid.n_cols
    if grid.name == "t3":
        label = [16.0, 58.0, 150.0]
        rest = (WIDTH - sum(label)) / (n - 3)
        return label + [rest] * (n - 3)
    if grid.name == "t2":
        first = 150.0
        return [first] + [(WIDTH - first) / (n - 1)] * (n - 1)
    return [WIDTH / n] * n


@dataclass
class _Placed:
    cell: Cell
    lines: list[str]


class _Writer:
    def __init__(self, c: canvas.Canvas, ruled: bool, page_numbers: bool) -> None:
        self.c = c
        self.ruled = ruled
        self.page_numbers = page_numbers
        self.page = 1
        self.y = PAGE_H - MARGIN_TOP
        _font()

    # pages
    def new_page(self) -> None:
        self._foot()
        self.c.showPage()
        self.page += 1
        self.y = PAGE_H - MARGIN_TOP

    def _foot(self) -> None:
        if self.page_numbers:
            self.c.setFont(FONT, 9)
            self.c.drawCentredString(PAGE_W / 2, MARGIN_BOTTOM / 2, f"- {self.page} -")

    def finish(self) -> None:
        self._foot()
        self.c.save()

    # paragraphs
    def para(self, p: Para) -> None:
        size = {"title": 16.0, "heading": 11.0}.get(p.kind, 10.5)
        lead = size * 1.6
        indent = 2 * size if p.kind == "body" else 0.0
        lines = _wrap(p.text, WIDTH - indent, size)
        if p.kind == "title":
            self.y -= 10
        for i, line in enumerate(lines):
            if self.y - lead < MARGIN_BOTTOM:
                self.new_page()
            self.y -= lead
            self.c.setFont(FONT, size)
            if p.kind == "title":
                self.c.drawCentredString(PAGE_W / 2, self.y + 0.3 * size, line)
            elif p.kind == "sign":
                self.c.drawRightString(PAGE_W - MARGIN_X, self.y + 0.3 * size, line)
            else:
                self.c.drawString(MARGIN_X + (indent if i == 0 else 0), self.y + 0.3 * size, line)
        if p.kind == "title":
            self.y -= 10

    # tables
    def table(self, grid: Grid, force_break_before: int | None = None) -> None:
        widths = _widths(grid)
        xs = [MARGIN_X]
        for wd in widths:
            xs.append(xs[-1] + wd)
        lead = CELL_SIZE * 1.25
        placed: list[_Placed] = []
        for cell in grid.cells:
            width = xs[cell.col + cell.colspan] - xs[cell.col] - 2 * CELL_PAD
            if cell.kind == "vertical":
                lines = [ch for ch in cell.text if ch != "\n"]
            else:
                lines = _wrap(cell.text, width, CELL_SIZE)
            placed.append(_Placed(cell, lines))
        heights = [MIN_ROW] * grid.n_rows
        for p in placed:
            if p.cell.rowspan == 1:
                heights[p.cell.row] = max(heights[p.cell.row], len(p.lines) * lead + 2 * CELL_PAD)
        for p in sorted(placed, key=lambda p: p.cell.rowspan):
            if p.cell.rowspan > 1:
                need = len(p.lines) * lead + 2 * CELL_PAD
                have = sum(heights[p.cell.row : p.cell.row + p.cell.rowspan])
                if need > have:
                    extra = (need - have) / p.cell.rowspan
                    for r in range(p.cell.row, p.cell.row + p.cell.rowspan):
                        heights[r] += extra

        total = sum(heights)
        room = self.y - MARGIN_BOTTOM
        page = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM
        if force_break_before is None:
            if room < total <= page:
                self.new_page()  # keep the table on one page when it fits on one
        elif sum(heights[:force_break_before]) + 6 > room:
            self.new_page()  # the forced break is then the table's only one
        self.y -= 6
        # rows -> (page segment index, top y); a segment is the run of rows on one page
        segments: list[tuple[int, int, float]] = []  # (first row, end row, top y)
        start, top, y = 0, self.y, self.y
        for r, h in enumerate(heights):
            if r > start and (y - h < MARGIN_BOTTOM or r == force_break_before):
                segments.append((start, r, top))
                start, top, y = r, PAGE_H - MARGIN_TOP, PAGE_H - MARGIN_TOP
            y -= h
        segments.append((start, grid.n_rows, top))

        for si, (r0, r1, top) in enumerate(segments):
            if si > 0:
                self.new_page()
            row_top = {r0: top}
            for r in range(r0, r1):
                row_top[r + 1] = row_top[r] - heights[r]
            for p in placed:
                cell = p.cell
                a, b = max(cell.row, r0), min(cell.row + cell.rowspan, r1)
                if a >= b:
                    continue
                x0, x1 = xs[cell.col], xs[cell.col + cell.colspan]
                y_top, y_bot = row_top[a], row_top[b]
                if self.ruled:
                    self.c.setLineWidth(0.5)
                    self.c.rect(x0, y_bot, x1 - x0, y_top - y_bot, stroke=1, fill=0)
                if cell.row >= r0 and p.lines and any(p.lines):
                    self._cell_text(p, x0, x1, y_top, y_bot, lead)
            self.y = row_top[r1]
        self.y -= 8

    def _cell_text(self, p: _Placed, x0: float, x1: float, y_top: float, y_bot: float, lead: float) -> None:
        self.c.setFont(FONT, CELL_SIZE)
        block = len(p.lines) * lead
        first_top = y_top - max((y_top - y_bot - block) / 2, CELL_PAD)
        for i, line in enumerate(p.lines):
            base = first_top - (i + 1) * lead + 0.25 * CELL_SIZE
            if p.cell.kind == "label":
                self.c.drawString(x0 + CELL_PAD, base, line)
            else:
                self.c.drawCentredString((x0 + x1) / 2, base, line)
