"""Word documents, read from the package's main part with python-docx's names: paragraphs and tables
in reading order, with horizontally (gridSpan) and vertically (vMerge) merged cells."""

from __future__ import annotations

import zipfile

from docx.oxml.ns import qn
from lxml import etree

from extract.document import Cell, Paragraph, RawDocument, ReadError, Table
from extract.settings import Limits
from extract.zipguard import open_checked

# Qualified tag names, resolved once.
W_BODY = qn("w:body")
W_P = qn("w:p")
W_T = qn("w:t")
W_BR = qn("w:br")
W_TAB = qn("w:tab")
W_TBL = qn("w:tbl")
W_TR = qn("w:tr")
W_TC = qn("w:tc")
W_TC_PR = qn("w:tcPr")
W_TR_PR = qn("w:trPr")
W_GRID_BEFORE = qn("w:gridBefore")
W_GRID_SPAN = qn("w:gridSpan")
W_V_MERGE = qn("w:vMerge")
W_VAL = qn("w:val")
# Elements that only wrap paragraphs and tables: content controls, custom XML, smart tags.
_WRAPPERS = {qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml"), qn("w:smartTag")}


# No entities, no network, no huge trees: a document part is data, never instructions.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def read(data: bytes, limits: Limits) -> RawDocument:
    archive = open_checked(data, limits, "DOCX")
    # Only the main document part holds the report; python-docx's full package load (styles,
    # numbering, settings) would cost more than the reading itself.
    try:
        root = etree.fromstring(archive.read("word/document.xml"), _PARSER)
    except (KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError, OSError, EOFError) as exc:
        raise ReadError("damaged or truncated DOCX: it cannot be opened as a Word document") from exc
    body = root.find(W_BODY)
    if body is None:
        raise ReadError("damaged DOCX: the document has no body")
    blocks: list = []
    for element in _blocks(body):
        if element.tag == W_P:
            text = _text(element)
            if text.strip():
                blocks.append(Paragraph(text.strip()))
        else:
            table = _table(element, 1 + sum(isinstance(b, Table) for b in blocks))
            if table.cells:
                blocks.append(table)
    text = "\n".join(b.text if isinstance(b, Paragraph) else "\n".join(c.text for c in b.cells) for b in blocks)
    if not any(isinstance(b, Table) for b in blocks):
        pictures = _pictures(archive, root)
        if pictures:  # a scan pasted into Word: the report is in the pictures
            from extract.ocr import open_image, read_images

            images = [image for picture in pictures for image in open_image(picture, limits)]
            scanned = read_images(images, "docx", limits)
            scanned.text = text + "\n" + scanned.text
            return scanned
    return RawDocument(format="docx", text=text, blocks=blocks)


R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _pictures(archive, root) -> list[bytes]:
    """The document's pictures in the order they are placed (their bytes, from word/media)."""
    try:
        rels = etree.fromstring(archive.read("word/_rels/document.xml.rels"), _PARSER)
    except (KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError, OSError, EOFError):
        return []
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(RELS)}
    out = []
    for blip in root.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}blip"):
        target = targets.get(blip.get(R_EMBED), "")
        name = "word/" + target.lstrip("/").removeprefix("word/")
        try:
            out.append(archive.read(name))
        except (KeyError, ValueError, zipfile.BadZipFile, OSError, EOFError):
            continue
    return out


def _blocks(parent):
    """Paragraphs and tables in reading order, through the wrappers Word puts around content
    (content controls, custom XML) and through layout tables that hold the real ones."""
    for child in parent.iterchildren():
        if child.tag == W_P:
            yield child
        elif child.tag == W_TBL:
            if any(True for _ in child.iter(W_TBL) if _ is not child):
                for cell in child.iter(W_TC):  # a layout table: its cells' own content, in order
                    if cell.getparent().getparent() is child:
                        yield from _blocks(cell)
            else:
                yield child
        elif child.tag in _WRAPPERS:
            yield from _blocks(child)


def _text(element) -> str:
    """A paragraph's or cell's text, line breaks kept, nested tables flattened."""
    parts = []
    for node in element.iter(W_T, W_BR, W_TAB, W_P):
        if node.tag == W_T:
            parts.append(node.text or "")
        elif node.tag == W_BR:
            parts.append("\n")
        elif node.tag == W_TAB:
            parts.append(" ")
        elif node.tag == W_P and parts:
            parts.append("\n")
    return "".join(parts).strip()


def _table(tbl, index: int) -> Table:
    cells: list[Cell] = []
    open_above: dict[int, Cell] = {}  # grid column -> the cell a vMerge continues
    for r, tr in enumerate(tbl.iterchildren(W_TR)):
        c = 0
        trPr = tr.find(W_TR_PR)
        if trPr is not None:
            before = trPr.find(W_GRID_BEFORE)
            if before is not None:
                c += int(before.get(W_VAL, "0") or 0)
        for tc in tr.iterchildren(W_TC):
            tcPr = tc.find(W_TC_PR)
            span, merge = 1, None
            if tcPr is not None:
                grid_span = tcPr.find(W_GRID_SPAN)
                if grid_span is not None:
                    span = max(1, int(grid_span.get(W_VAL, "1") or 1))
                v_merge = tcPr.find(W_V_MERGE)
                if v_merge is not None:
                    merge = v_merge.get(W_VAL, "continue")
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
