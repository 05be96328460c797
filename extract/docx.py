"""Word documents (python-docx): paragraphs and tables in reading order, with horizontally
(gridSpan) and vertically (vMerge) merged cells."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.oxml.ns import qn
from lxml import etree

from extract.document import Cell, Paragraph, RawDocument, ReadError, Table
from extract.settings import Limits
from extract.zipguard import open_checked


def read(data: bytes, limits: Limits) -> RawDocument:
    open_checked(data, limits, "DOCX")
    try:
        document = docx.Document(io.BytesIO(data))
    except (KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError, OSError, EOFError) as exc:
        raise ReadError("damaged or truncated DOCX: it cannot be opened as a Word document") from exc
    blocks: list = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            text = _text(child)
            if text.strip():
                blocks.append(Paragraph(text.strip()))
        elif child.tag == qn("w:tbl"):
            table = _table(child, 1 + sum(isinstance(b, Table) for b in blocks))
            if table.cells:
                blocks.append(table)
    text = "\n".join(b.text if isinstance(b, Paragraph) else "\n".join(c.text for c in b.cells) for b in blocks)
    return RawDocument(format="docx", text=text, blocks=blocks)


def _text(element) -> str:
    """A paragraph's or cell's text, line breaks kept, nested tables flattened."""
    parts = []
    for node in element.iter(qn("w:t"), qn("w:br"), qn("w:tab"), qn("w:p")):
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.tag == qn("w:br"):
            parts.append("\n")
        elif node.tag == qn("w:tab"):
            parts.append(" ")
        elif node.tag == qn("w:p") and parts:
            parts.append("\n")
    return "".join(parts).strip()


def _table(tbl, index: int) -> Table:
    cells: list[Cell] = []
    open_above: dict[int, Cell] = {}  # grid column -> the cell a vMerge continues
    for r, tr in enumerate(tbl.iterchildren(qn("w:tr"))):
        c = 0
        trPr = tr.find(qn("w:trPr"))
        if trPr is not None:
            before = trPr.find(qn("w:gridBefore"))
            if before is not None:
                c += int(before.get(qn("w:val"), "0") or 0)
        for tc in tr.iterchildren(qn("w:tc")):
            tcPr = tc.find(qn("w:tcPr"))
            span, merge = 1, None
            if tcPr is not None:
                grid_span = tcPr.find(qn("w:gridSpan"))
                if grid_span is not None:
                    span = max(1, int(grid_span.get(qn("w:val"), "1") or 1))
                v_merge = tcPr.find(qn("w:vMerge"))
                if v_merge is not None:
                    merge = v_merge.get(qn("w:val"), "continue")
            if merge == "continue" and c in open_above:
                open_above[c].rowspan = r - open_above[c].row + 1
            else:
                cell = Cell(_text(tc), r, c, 1, span)
                cells.append(cell)
                for col in range(c, c + span):
                    open_above.pop(col, None)
                if merge == "restart":
                    open_above[c] = cell
            c += span
    return Table(cells=cells, index=index)
