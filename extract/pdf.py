"""PDFs with a text layer (pdfplumber): ruled tables, tables across pages, vertical labels, and
tables without ruling lines read line by line."""

from __future__ import annotations

import io
import logging
from bisect import bisect_left

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException

from pdfplumber.utils.exceptions import PdfminerException

from extract.document import Cell, Paragraph, RawDocument, ReadError, Table
from extract.lines import row_cells
from extract.settings import Limits

logging.getLogger("pdfminer").setLevel(logging.ERROR)


ENCRYPTED = "encrypted PDF: it cannot be opened without its password"


def read(data: bytes, limits: Limits) -> RawDocument:
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfplumber wraps pdfminer's errors; look at the original one
        original = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
        if isinstance(original, (PDFPasswordIncorrect, PDFEncryptionError)) or "password" in str(original).lower():
            raise ReadError(ENCRYPTED) from exc
        raise ReadError(_damaged(exc)) from exc
    with pdf:
        try:
            n_pages = len(pdf.pages)
        except Exception as exc:
            raise ReadError(_damaged(exc)) from exc
        if n_pages == 0:
            raise ReadError("damaged PDF: it has no pages")
        if n_pages > limits.max_pdf_pages:
            raise ReadError(f"PDF too long ({n_pages} pages; the limit is {limits.max_pdf_pages})")
        blocks: list = []
        texts: list[str] = []
        for number, page in enumerate(pdf.pages, start=1):
            try:
                page_blocks, text = _read_page(page, number, blocks)
            except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
                raise ReadError(_damaged(exc)) from exc
            blocks.extend(page_blocks)
            texts.append(text)
            page.flush_cache()
    full_text = "\n".join(texts)
    if not full_text.strip():
        raise ReadError("scanned PDF: no text layer")
    return RawDocument(format="pdf", text=full_text, blocks=blocks)


def _damaged(exc: Exception) -> str:
    return "damaged or truncated PDF: it cannot be parsed"


def _read_page(page, number: int, earlier: list) -> tuple[list, str]:
    if not page.chars:
        return [], ""
    found = page.find_tables()
    placed: list[tuple[float, object]] = []
    index = 1 + sum(isinstance(b, Table) for b in earlier)
    for table in found:
        converted = _table(table, number, index)
        if converted.cells:
            placed.append((table.bbox[1], converted))
            index += 1
    outside = page
    for table in found:
        outside = outside.outside_bbox(table.bbox)
    lines = outside.extract_text_lines(return_chars=False)
    for line in lines:
        text = line["text"]
        cells = row_cells(text)
        if cells:
            placed.append((line["top"], Table.from_rows([cells], index=0, page=number)))
        else:
            placed.append((line["top"], Paragraph(text.strip(), page=number)))
    placed.sort(key=lambda item: item[0])
    blocks = [b for _, b in placed]
    # Tables read line by line are numbered after the ruled ones of the page.
    for block in blocks:
        if isinstance(block, Table) and block.index == 0:
            block.index = index
            index += 1
    page_text = "\n".join(
        b.text if isinstance(b, Paragraph) else "\n".join(c.text for c in b.cells) for b in blocks
    )
    return blocks, page_text


def _table(table, page: int, index: int) -> Table:
    """pdfplumber's table with each cell's row/column span recovered from its box."""
    boxes = [box for row in table.rows for box in row.cells if box is not None]
    xs = sorted({round(b[0], 1) for b in boxes})
    ys = sorted({round(b[1], 1) for b in boxes})
    texts = table.extract()
    cells = []
    for r, row in enumerate(table.rows):
        for c, box in enumerate(row.cells):
            if box is None:
                continue
            text = texts[r][c] if r < len(texts) and c < len(texts[r]) else ""
            x0, top, x1, bottom = (round(v, 1) for v in box)
            col = bisect_left(xs, x0)
            row_i = bisect_left(ys, top)
            colspan = max(1, sum(1 for x in xs if x0 <= x < x1 - 0.5))
            rowspan = max(1, sum(1 for y in ys if top <= y < bottom - 0.5))
            cells.append(Cell(text or "", row_i, col, rowspan, colspan, page))
    return Table(cells=cells, index=index, page=page)
