"""The source beside the figures: where each figure was printed, shown to the reviewer.

- PDF: the page rendered from the stored PDF (pypdfium2) with boxes drawn (Pillow) on the cells of
  the broken rules; the page and box of each figure come from the extractor's provenance.
- HTML: the document's tables as published, sanitised (nh3: table markup and text only, nothing that
  runs or fetches).
- A scan (any format whose tables were pictures, read by OCR): each page as OCR read it (upright,
  grey), kept when the desk reads the source, with the same boxes; OCR's boxes are in its pixels.
- Every other format (and HTML without real tables): the cell grid as read, with the same highlights.

The provenance and the grid are read once per document and kept in `DIR/.desk/` (by sha256 and the
extractor's version); page images are kept there too, keyed by the boxes drawn on them.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterable

import lxml.etree
import lxml.html
import nh3

from PIL import Image, ImageDraw

from extract import DEFAULT_LIMITS, ReadError, read_document
from extract.harvest.store import RawStore
from extract.ocr import keeping_pages
from extract.decoding import declared_charset, decode_text
from transform.align import NotAReport, align
from xxgk.extraction import EXTRACTOR_VERSION
from xxgk.worker import PictureFiles, read_pictures

CACHE = ".desk"
SCALE = 1.5  # page pixels per PDF point (a 595-point A4 page is 893 pixels wide)
BOX = (214, 39, 40)  # the box drawn on a broken cell
# Source HTML keeps table markup and text: no attribute but the spans, no URL, no style.
_TAGS = {"table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "colgroup", "col", "p", "br", "span", "b",
         "strong"}
_ATTRIBUTES = {"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}, "col": {"span"}}
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


class SourceView:
    """The source of one report for the report page."""

    def __init__(self, data_dir: str | os.PathLike, report: dict[str, Any]):
        self.data_dir = Path(data_dir)
        self.report = report
        self.path = Path(report["path"]) if report.get("path") else None
        self.cache = self.data_dir / CACHE
        self._found: dict[str, Any] | None = None

    @property
    def available(self) -> bool:
        return self.path is not None and self.path.is_file()

    def read(self) -> dict[str, Any]:
        """{'provenance': {key: where}, 'tables': {index: [[cell, ...], ...]}, 'scan_pages': n}
        (cached on disk, and in this view: a request asks for it several times)."""
        if self._found is None:
            self._found = self._read()
        return self._found

    def _read(self) -> dict[str, Any]:
        sha = self.report["sha256"]
        path = self.cache / "read" / f"{sha}-{EXTRACTOR_VERSION}.json"
        with _lock(str(path)):
            if path.exists():
                return json.loads(path.read_text(encoding="utf-8"))
            nightly = self._nightly_record()
            if nightly.get("provenance") is not None and self.report.get("format") == "pdf" and not _scanned(nightly):
                found = {"provenance": nightly["provenance"], "tables": {}, "error": None}  # a PDF page needs no grid
            elif self.available:
                found = _read_source(self.path.read_bytes(), self.report.get("format"), self._scan_page,
                                     self._pictures(nightly))
            else:
                found = _nothing()
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
            return found

    def _nightly_record(self) -> dict[str, Any]:
        """The nightly's extraction record (flows/nightly.py: extracted_dir), when this extractor
        wrote it: its provenance spares reading a PDF again."""
        record = self.data_dir / "extracted" / EXTRACTOR_VERSION / f"{self.report['sha256']}.json"
        try:
            return json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _pictures(self, record: dict[str, Any]):
        """A report page's pictures (its report, scanned), from the raw store, as the nightly read
        them with the page."""
        files = PictureFiles.in_store(RawStore(self.data_dir / "raw"), record.get("pictures"))
        return read_pictures(asdict(files)) if files is not None else None

    def _scan_page(self, page: int) -> Path:
        return self.cache / "scans" / f"{self.report['sha256']}-{EXTRACTOR_VERSION}-p{page}.png"

    @property
    def scan_pages(self) -> int:
        """How many pages of a scan the desk shows (0: the source is no scan)."""
        return int(self.read().get("scan_pages") or 0)

    def pages(self, keys: Iterable[str]) -> list[int]:
        """The pages printing the given figures (else the page of table 三), for the page images."""
        where = self.read()["provenance"]
        pages = sorted({where[k]["page"] for k in keys if where.get(k, {}).get("page")})
        if pages:
            return pages
        first = where.get("t3.new.total", {}).get("page") or next((w["page"] for w in where.values() if w.get("page")), None)
        return [first] if first else []

    def page_image(self, page: int, keys: Iterable[str]) -> Path:
        """The PNG of a PDF page, or of a scan's page, with boxes on the cells of `keys` (cached by
        page and boxes)."""
        found = self.read()
        where = found["provenance"]
        boxes = sorted({tuple(where[k]["bbox"]) for k in keys if where.get(k, {}).get("page") == page and where[k].get("bbox")})
        digest = hashlib.sha256(json.dumps(boxes).encode()).hexdigest()[:12]
        path = self.cache / "pages" / f"{self.report['sha256']}-p{page}-{digest}.png"
        with _lock(str(path)):
            if not path.exists():
                if found.get("scan_pages"):
                    if not 1 <= page <= found["scan_pages"]:
                        raise ValueError(f"the scan has no page {page}")
                    image = _boxed(Image.open(self._scan_page(page)).convert("RGB"), boxes, 1.0)
                else:
                    image = _render_page(self.path, page, boxes)
                _save_png(image, path)
        return path

    def html_tables(self) -> list[str]:
        """The source's tables as published, sanitised (empty when it has no real tables)."""
        if not self.available:
            return []
        try:
            data = self.path.read_bytes()
            root = lxml.html.document_fromstring(decode_text(data, declared_charset(data)))
        except (lxml.etree.ParserError, ValueError, OSError):
            return []
        outer = [t for t in root.iter("table") if not any(a.tag == "table" for a in t.iterancestors())]
        return [sanitize(lxml.html.tostring(t, encoding="unicode")) for t in outer]


def sanitize(html: str) -> str:
    """Untrusted HTML reduced to table markup and text (scripts, handlers, links, styles dropped)."""
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=set(), strip_comments=True,
                     link_rel=None, clean_content_tags={"script", "style", "noscript", "template", "iframe", "object",
                                                        "textarea", "title"})


def _nothing() -> dict[str, Any]:
    return {"provenance": {}, "tables": {}, "error": "原始文件不在数据目录中"}


def _scanned(record: dict[str, Any]) -> bool:
    return any(issue.get("code") == "note.ocr" for issue in record.get("issues") or ())


def _read_source(data: bytes, fmt: str | None, scan_page, pictures=None) -> dict[str, Any]:
    """The source read again (a page with the pictures it shows): its provenance, the cells of the
    tables that gave figures, and, for a scan, its pages as OCR read them (saved where
    `scan_page(n)` says)."""
    try:
        with keeping_pages() as pages:
            document = read_document(data, fmt if fmt and fmt != "unknown" else None, DEFAULT_LIMITS, pictures=pictures)
        result = align(document)
    except (ReadError, NotAReport) as exc:
        return {"provenance": {}, "tables": {}, "error": str(exc)}
    scan_pages = 0
    if document.ocr:
        for scan_pages, grey in enumerate(pages, start=1):
            _save_png(Image.fromarray(grey), scan_page(scan_pages))
    used = {w.get("table") for w in result.provenance.values()}
    tables = {}
    for table in document.tables:
        if table.index in used:
            tables[str(table.index)] = [
                [{"text": c.text, "row": c.row + 1, "col": c.col + 1, "rowspan": c.rowspan, "colspan": c.colspan}
                 for c in row]
                for row in table.rows()
            ]
    return {"provenance": result.provenance, "tables": tables, "error": None, "scan_pages": scan_pages}


def _save_png(image, path: Path) -> None:
    """Written whole or not at all (a reader never sees half a file); fast to write, read from disk after."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    image.save(tmp, format="PNG", compress_level=1)
    os.replace(tmp, path)


def _render_page(pdf_path: Path, page: int, boxes: list[tuple[float, ...]]):
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        image = pdf[page - 1].render(scale=SCALE).to_pil().convert("RGB")
    finally:
        pdf.close()
    return _boxed(image, boxes, SCALE)


def _boxed(image, boxes: list[tuple[float, ...]], scale: float):
    """The page image with a box drawn round each cell (`boxes` in page units, `scale` pixels each)."""
    draw = ImageDraw.Draw(image)
    for x0, top, x1, bottom in boxes:
        pad = 2
        draw.rectangle([x0 * scale - pad, top * scale - pad, x1 * scale + pad, bottom * scale + pad], outline=BOX, width=3)
    return image


class Prefetcher(threading.Thread):
    """Reads, at low priority, the sources of the reports awaiting review and draws their boxed
    pages, after the start and after every publish, so that a clerk's first look is a cached one."""

    def __init__(self, store, every_seconds: float = 30.0):
        super().__init__(name="desk-prefetch", daemon=True)
        self.store = store
        self.every_seconds = every_seconds

    def run(self) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 15)  # this thread only (Linux)
        except (AttributeError, OSError):
            pass
        seen = None
        while True:
            try:
                version = self.store.version()
                if version != seen:
                    self._prefetch()
                    seen = version
            except Exception:  # a missing warehouse, a document that cannot be read: try again later
                pass
            time.sleep(self.every_seconds)

    def _prefetch(self) -> None:
        from xxgk.desk.store import broken_keys, doubtful_keys

        for rid in self.store.awaiting_review():
            report = self.store.report(rid)
            source = SourceView(self.store.data_dir, report)
            if not source.available:
                continue
            source.read()
            if report["format"] == "pdf":
                keys = broken_keys(self.store.checks(rid)) | doubtful_keys(self.store.issues(rid))
                for page in source.pages(keys):
                    source.page_image(page, keys)
