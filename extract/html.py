"""HTML pages: real tables (rowspan/colspan) and tables flattened into one paragraph per cell."""

from __future__ import annotations

import base64
import binascii

import lxml.etree
import lxml.html

from extract.decoding import declared_charset, decode_text
from extract.document import Cell, Paragraph, RawDocument, ReadError, Table
from extract.settings import Limits

_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "center",
          "blockquote", "pre", "body", "form", "header", "footer", "main", "dl", "dt", "dd", "tbody", "thead"}
_SKIP = {"script", "style", "noscript", "template", "head", "iframe", "object", "select", "option"}


def read(data: bytes, limits: Limits) -> RawDocument:
    if len(data) > limits.max_html_bytes:
        raise ReadError(f"HTML page too large ({len(data) // 2**20} MB; the limit is {limits.max_html_bytes // 2**20} MB)")
    text = decode_text(data, declared_charset(data))
    try:
        root = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ReadError(f"not a readable HTML page ({exc})") from exc
    title = " ".join(t.text_content().strip() for t in root.iter("title"))
    for bad in list(root.iter(*_SKIP)):
        if bad.tag != "head":
            bad.drop_tree()
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    blocks: list = []
    body = root.find("body") if root.find("body") is not None else root
    _walk(body, blocks)
    full_text = "\n".join([title] + [_block_text(b) for b in blocks])
    if not any(isinstance(b, Table) for b in blocks) and (pictures := _embedded_pictures(body, limits)):
        from extract.ocr import open_image, read_images

        # A report body whose tables are pictures: read them, the page's title and text kept.
        scanned = read_images([im for p in pictures for im in open_image(p, limits)], "html", limits)
        scanned.text = full_text + "\n" + scanned.text
        scanned.title = title or None
        return scanned
    return RawDocument(format="html", text=full_text, blocks=blocks, title=title or None)


def _embedded_pictures(body, limits: Limits) -> list[bytes]:
    """Pictures carried inside the page (`<img src="data:image/...;base64,...">`), in order."""
    out = []
    for img in body.iter("img"):
        src = (img.get("src") or "").strip()
        if src.startswith("data:image/") and ";base64," in src[:64]:
            try:
                out.append(base64.b64decode(src.split(",", 1)[1], validate=False))
            except (ValueError, binascii.Error):
                continue
    return out


def _block_text(block) -> str:
    if isinstance(block, Paragraph):
        return block.text
    return "\n".join(c.text for c in block.cells)


def _walk(el, blocks: list) -> None:
    if not isinstance(el.tag, str):
        return
    if el.tag == "table":
        if any(isinstance(d.tag, str) and d.tag == "table" for d in el.iterdescendants()):
            _walk_children(el, blocks)  # a layout table around the real ones
        else:
            table = _table(el, 1 + sum(isinstance(b, Table) for b in blocks))
            if table.cells:
                blocks.append(table)
        return
    if el.tag in _BLOCK and not _has_block_child(el):
        _paragraphs(el.text_content(), blocks)
        return
    _paragraphs(el.text or "", blocks)
    _walk_children(el, blocks)


def _walk_children(el, blocks: list) -> None:
    for child in el:
        _walk(child, blocks)
        _paragraphs(child.tail or "", blocks)


def _has_block_child(el) -> bool:
    return any(isinstance(d.tag, str) and (d.tag in _BLOCK or d.tag == "table") for d in el.iterdescendants())


def _paragraphs(text: str, blocks: list) -> None:
    for line in text.split("\n"):
        line = line.replace("\xa0", " ").strip()
        if line:
            blocks.append(Paragraph(line))
        elif blocks and isinstance(blocks[-1], Paragraph) and text.strip() == "" and "\xa0" in text:
            blocks.append(Paragraph(""))  # an empty cell flattened to a paragraph is a blank value


def _table(el, index: int) -> Table:
    cells: list[Cell] = []
    taken: set[tuple[int, int]] = set()
    rows = [tr for tr in el.iter("tr")]
    for r, tr in enumerate(rows):
        c = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                continue
            while (r, c) in taken:
                c += 1
            rowspan = _span(td.get("rowspan"), len(rows) - r)
            colspan = _span(td.get("colspan"), 200)
            text = td.text_content().replace("\xa0", " ").strip()
            cells.append(Cell(text, r, c, rowspan, colspan))
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken.add((r + dr, c + dc))
            c += colspan
    return Table(cells=cells, index=index)


def _span(value: str | None, limit: int) -> int:
    if value is None:
        return 1
    try:
        return max(1, min(int(str(value).strip()), max(limit, 1)))
    except (TypeError, ValueError):
        return 1
