"""Getting documents and their cells out of sources.

One module per format (`html`, `docx`, `pdf`, `text`, `office` for DOC/WPS, `spreadsheet` for
XLS/XLSX, `image` for scans sent as pictures; `ocr/` reads pictures for every format that holds them), each exposing `read(data: bytes, limits: Limits) -> RawDocument` and raising
`ReadError` with a one-sentence reason when the bytes are not a readable report. An HTML page
whose report is pictures kept as separate files is read with them: `read_document(..., pictures=
PagePictures(...))` hands the harvested bytes to the HTML reader (which fetches nothing).
"""

from __future__ import annotations

from importlib import import_module

from extract.document import Block, Cell, PagePictures, Paragraph, RawDocument, ReadError, Table
from extract.settings import DEFAULT_LIMITS, Limits
from extract.sniff import sniff

# format -> module that reads it
READER_MODULES = {
    "html": "extract.html",
    "docx": "extract.docx",
    "pdf": "extract.pdf",
    "txt": "extract.text",
    "doc": "extract.office",
    "wps": "extract.office",
    "xls": "extract.spreadsheet",
    "xlsx": "extract.spreadsheet",
    "image": "extract.image",
}


def read_document(data: bytes, fmt: str | None = None, limits: Limits = DEFAULT_LIMITS,
                  pictures: PagePictures | None = None) -> RawDocument:
    """Read bytes of any supported format into a RawDocument (ReadError when that is impossible).
    `pictures`: the files an HTML page shows as `<img>`, as the harvest fetched them (HTML only)."""
    if not data:
        raise ReadError("empty file")
    if len(data) > limits.max_file_bytes:
        raise ReadError(f"file too large ({len(data) // 2**20} MB; the limit is {limits.max_file_bytes // 2**20} MB)")
    fmt = fmt or sniff(data)
    if fmt not in READER_MODULES:
        raise ReadError("not a document format xxgk reads (not HTML, PDF, Word, WPS, Excel, text or an image)")
    reader = import_module(READER_MODULES[fmt])
    if fmt == "html" and pictures is not None:
        return reader.read(data, limits, pictures)
    return reader.read(data, limits)


__all__ = [
    "Block", "Cell", "PagePictures", "Paragraph", "RawDocument", "ReadError", "Table",
    "DEFAULT_LIMITS", "Limits", "sniff", "read_document", "READER_MODULES",
]
