"""HTML pages: real tables (rowspan/colspan) and tables flattened into one paragraph per cell.

A page whose report is pictures (no table of figures, `<img>` in the body) is read by OCR: the
pictures carried in the page (`data:` URIs) and those kept as separate files, which the harvest
fetched with the page and hands over as `PagePictures` (this reader fetches nothing). All are read
in page order as one document. When a picture the harvest meant to fetch could not be fetched, the
page is not read (a `ReadError` naming it): a report read without one of its pages would give its
other tables as if complete; the next harvest fetches the picture again and the page is read then.
"""

from __future__ import annotations

import base64
import binascii

import lxml.etree
import lxml.html

from extract.decoding import declared_charset, decode_text
from extract.document import Cell, PagePictures, Paragraph, RawDocument, ReadError, Table
from extract.settings import Limits

_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "center",
          "blockquote", "pre", "body", "form", "header", "footer", "main", "dl", "dt", "dd", "tbody", "thead"}
_SKIP = {"script", "style", "noscript", "template", "head", "iframe", "object", "select", "option"}


# A table with fewer figures than this is the page's layout or a caption, not a report's table.
_REPORT_TABLE_FIGURES = 8
# An image file a picture's enclosing link may point at (the full-size picture behind a thumbnail).
PICTURE_EXTENSIONS = ("jpg", "jpeg", "png", "tif", "tiff", "bmp", "webp")


def read(data: bytes, limits: Limits, pictures: PagePictures | None = None) -> RawDocument:
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
    if not any(_holds_figures(b) for b in blocks) and (images := _report_pictures(body, root, limits, pictures)):
        from extract.ocr import read_images

        # A report body whose tables are pictures: read them, the page's title and text kept.
        scanned = read_images(images, "html", limits)
        scanned.text = full_text + "\n" + scanned.text
        scanned.title = title or None
        return scanned
    return RawDocument(format="html", text=full_text, blocks=blocks, title=title or None)


def _holds_figures(block) -> bool:
    """A table of a report: it prints figures (a layout table around pictures prints none)."""
    return isinstance(block, Table) and sum(
        bool(c.text) and c.text.replace(",", "").replace(".", "", 1).isdigit() for c in block.cells) >= _REPORT_TABLE_FIGURES


def picture_addresses(img) -> list[str]:
    """Where an `<img>` element's picture may be, best first: the image file its enclosing link
    points at (a thumbnail of the full page), a lazy-loading attribute, then `src`."""
    found = []
    anchor = next((a for a in img.iterancestors("a")), None)
    if anchor is not None:
        href = (anchor.get("href") or "").strip()
        if href.split("?", 1)[0].rsplit(".", 1)[-1].lower() in PICTURE_EXTENSIONS:
            found.append(href)
    for attribute in ("data-original", "data-src", "src"):
        value = (img.get(attribute) or "").strip()
        if value and value not in found:
            found.append(value)
    return found


def _report_pictures(body, root, limits: Limits, given: PagePictures | None) -> list:
    """The report's page images in page order: pictures carried in the page (`data:` URIs) and the
    files the harvest fetched with it (`given`); a picture that could not be fetched stops the read."""
    from extract.ocr import open_image

    base = None
    if given is not None:
        from extract.urls import normalize_url, page_base

        base = page_base(root, given.page_url)
    images, failed, seen = [], [], set()
    for img in body.iter("img"):
        src = (img.get("src") or "").strip()
        if src.startswith("data:image/") and ";base64," in src[:64]:
            try:
                images.extend(open_image(base64.b64decode(src.split(",", 1)[1], validate=False), limits))
            except (ValueError, binascii.Error):
                continue
            continue
        if given is None:
            continue
        for address in picture_addresses(img):
            url = normalize_url(base, address)
            if url in seen or (url not in given.files and url not in given.failed):
                continue
            seen.add(url)
            if url in given.failed:
                failed.append(f"{url} ({given.failed[url]})")
            else:
                images.extend(_fetched_picture(url, given.files[url], limits))
            break
    if failed:
        raise ReadError(f"the report is pictures and {len(failed)} of them could not be fetched, so the page was "
                        f"not read: {'; '.join(failed[:3])}")
    return images


def _fetched_picture(url: str, data: bytes, limits: Limits) -> list:
    """A fetched picture's frames, or none when it is too small to be a page (a logo, an icon)."""
    from extract.ocr import open_image

    try:
        frames = open_image(data, limits)
    except ReadError as exc:
        raise ReadError(f"the page's picture {url}: {exc}") from exc
    side = limits.min_page_picture_side
    return [f for f in frames if f.width >= side and f.height >= side]


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
