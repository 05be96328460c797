"""PDFs with a text layer (pdfplumber): ruled tables, tables across pages, vertical labels, and
tables without ruling lines read line by line."""

from __future__ import annotations

import io
import logging
from bisect import bisect_left, bisect_right

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException

from pdfplumber.utils.exceptions import PdfminerException

from extract.document import Cell, Paragraph, RawDocument, ReadError, Table
import unicodedata

from extract.lines import row_cell_spans
from extract.settings import Limits

logging.getLogger("pdfminer").setLevel(logging.ERROR)


ENCRYPTED = "encrypted PDF: it cannot be opened without its password"
DAMAGED = "damaged or truncated PDF: it cannot be parsed"
# Scanned pages are rendered at this resolution for OCR (the page's own image is usually 150-300 dpi).
SCAN_DPI = 200


def read(data: bytes, limits: Limits) -> RawDocument:
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfplumber wraps pdfminer's errors; look at the original one
        original = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
        if isinstance(original, (PDFPasswordIncorrect, PDFEncryptionError)) or "password" in str(original).lower():
            raise ReadError(ENCRYPTED) from exc
        raise ReadError(DAMAGED) from exc
    with pdf:
        try:
            n_pages = len(pdf.pages)
        except Exception as exc:
            raise ReadError(DAMAGED) from exc
        if n_pages == 0:
            raise ReadError("damaged PDF: it has no pages")
        if n_pages > limits.max_pdf_pages:
            raise ReadError(f"PDF too long ({n_pages} pages; the limit is {limits.max_pdf_pages})")
        blocks: list = []
        texts: list[str] = []
        for number, page in enumerate(pdf.pages, start=1):
            try:
                page_blocks, text = _read_page(page, number, blocks)
            except (PdfminerException, PDFSyntaxError, PSException, ValueError, KeyError, TypeError, AttributeError,
                    IndexError) as exc:
                raise ReadError(DAMAGED) from exc
            blocks.extend(page_blocks)
            texts.append(text)
            page.flush_cache()
    full_text = "\n".join(texts)
    if not full_text.strip():
        return read_scanned(data, n_pages, limits, "scanned PDF: no text layer")
    if undecodable(full_text):
        return read_scanned(data, n_pages, limits, "PDF text layer cannot be decoded (fonts without a Unicode map)")
    return RawDocument(format="pdf", text=full_text, blocks=blocks)


def read_scanned(data: bytes, n_pages: int, limits: Limits, why: str) -> RawDocument:
    """A PDF whose pages are pictures, read by OCR from its pages rendered at SCAN_DPI. A failure
    says both what the PDF is and what was tried."""
    from extract.ocr import read_images

    if n_pages > limits.max_ocr_pages:
        raise ReadError(f"{why}; too many pages to read by OCR ({n_pages}; the limit is {limits.max_ocr_pages})")
    try:
        return read_images(_rendered_pages(data, n_pages, limits), "pdf", limits)
    except ReadError as exc:
        raise ReadError(f"{why}; {exc}") from exc


def _rendered_pages(data: bytes, n_pages: int, limits: Limits):
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        for index in range(n_pages):
            page = document[index]
            width, height = page.get_size()
            scale = SCAN_DPI / 72
            if width * height * scale * scale > limits.max_image_pixels:
                raise ReadError(f"page {index + 1} is too large to render for OCR ({width:.0f}×{height:.0f} points)")
            yield page.render(scale=scale).to_pil().convert("RGB")  # in colour: a red stamp is told apart
            page.close()
    finally:
        document.close()


def undecodable(text: str) -> bool:
    """Fonts without a map to Unicode: pdfminer prints "(cid:123)" for each glyph; when that is
    half the text layer, it is there but says nothing readable."""
    return text.count("(cid:") * 16 > len(text)


def _read_page(page, number: int, earlier: list) -> tuple[list, str]:
    chars = page.chars
    if not chars:
        return [], ""
    found = page.find_tables() if (page.lines or page.rects or page.curves) else []
    placed: list[tuple[float, object]] = []
    index = 1 + sum(isinstance(b, Table) for b in earlier)
    inside: set[int] = set()
    for table in found:
        converted, used = _table(table, chars, number, index)
        inside |= used
        if converted.cells:
            placed.append((table.bbox[1], converted))
            index += 1
    # One pass over the characters for the text outside the tables (cheaper than outside_bbox).
    outside = page.filter(lambda obj: obj.get("object_type") != "char" or id(obj) not in inside) if inside else page
    for line in outside.extract_text_lines(return_chars=True):
        row = _line_row(line, number)
        if row is not None:
            placed.append((line["top"], row))
        else:
            placed.append((line["top"], Paragraph(line["text"].strip(), page=number)))
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


def _line_row(line: dict, page: int) -> Table | None:
    """A line of text that carries a table row, as a one-row table whose cells keep their boxes."""
    tokens, boxes = _tokens(line)
    spans = row_cell_spans(tokens)
    if spans is None:
        return None
    cells = [Cell(text, 0, c, page=page, bbox=_union(boxes[start:end])) for c, (text, start, end) in enumerate(spans)]
    return Table(cells=cells, index=0, page=page, from_lines=True)


def _tokens(line: dict) -> tuple[list[str], list[list[dict]]]:
    """The line's white-space separated tokens (folded as `row_cells` folds them), each with its
    characters. pdfplumber's line text is its characters in order plus the spaces it inserted."""
    chars = line["chars"]
    tokens: list[str] = []
    boxes: list[list[dict]] = []
    i = 0
    for raw in line["text"].split():
        members = []
        for ch in raw:
            while i < len(chars) and chars[i]["text"].isspace():
                i += 1
            if i < len(chars) and chars[i]["text"] == ch:
                members.append(chars[i])
                i += 1
        for token in unicodedata.normalize("NFKC", raw).split():
            tokens.append(token)
            boxes.append(members)
    return tokens, boxes


def _union(groups: list[list[dict]]) -> tuple[float, float, float, float] | None:
    chars = [ch for group in groups for ch in group]
    if not chars:
        return None
    return (min(c["x0"] for c in chars), min(c["top"] for c in chars), max(c["x1"] for c in chars), max(c["bottom"] for c in chars))


def _table(table, chars: list[dict], page: int, index: int) -> tuple[Table, set[int]]:
    """pdfplumber's table with each cell's span recovered from its box, and each cell's text
    assembled from the characters whose centre falls in it (one pass over the characters)."""
    boxes = [box for row in table.rows for box in row.cells if box is not None]
    xs = sorted({round(b[0], 1) for b in boxes})
    ys = sorted({round(b[1], 1) for b in boxes})
    cells: list[Cell] = []
    by_position: dict[tuple[int, int], int] = {}
    for box in boxes:
        x0, top, x1, bottom = (round(v, 1) for v in box)
        col, row_i = bisect_left(xs, x0), bisect_left(ys, top)
        colspan = max(1, sum(1 for x in xs if x0 <= x < x1 - 0.5))
        rowspan = max(1, sum(1 for y in ys if top <= y < bottom - 0.5))
        for dr in range(rowspan):
            for dc in range(colspan):
                by_position[(row_i + dr, col + dc)] = len(cells)
        cells.append(Cell("", row_i, col, rowspan, colspan, page, (x0, top, x1, bottom)))
    x0, top, x1, bottom = table.bbox
    members: list[list[dict]] = [[] for _ in cells]
    used: set[int] = set()
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        if not (x0 <= cx <= x1 and top <= cy <= bottom):
            continue
        used.add(id(ch))
        slot = by_position.get((bisect_right(ys, cy) - 1, bisect_right(xs, cx) - 1))
        if slot is not None:
            members[slot].append(ch)
    for cell, cell_chars in zip(cells, members):
        cell.text = _text_of(cell_chars)
    return Table(cells=cells, index=index, page=page), used


def _text_of(chars: list[dict]) -> str:
    """Characters into lines (top to bottom) of words (a gap wider than a third of a character
    separates two words, so that "0  0" stays two numbers)."""
    if not chars:
        return ""
    chars = sorted(chars, key=lambda c: (round(c["top"]), c["x0"]))
    lines: list[list[dict]] = []
    for ch in chars:
        if lines and abs(ch["top"] - lines[-1][-1]["top"]) < max(ch["size"], 1) * 0.5:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    out = []
    for line in lines:
        line.sort(key=lambda c: c["x0"])
        text = line[0]["text"]
        for prev, ch in zip(line, line[1:]):
            if ch["x0"] - prev["x1"] > max(ch["size"], 1) / 3:
                text += " "
            text += ch["text"]
        out.append(text.strip())
    return "\n".join(out).strip()
