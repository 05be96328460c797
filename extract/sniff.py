"""Tell a document's format from its bytes, never from its name."""

from __future__ import annotations

import codecs
import io
import zipfile

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FORMATS = ("html", "docx", "pdf", "txt", "doc", "wps", "xls", "xlsx", "image", "unknown")
# Scans sent as pictures: JPEG, PNG, TIFF (both byte orders), BMP, WebP.
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*", b"BM")


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def sniff(data: bytes) -> str:
    head = data[:4096]
    if head.lstrip()[:5] == b"%PDF-" or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if head.startswith(IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(data)
    if _looks_like_html(head):
        return "html"
    if _looks_like_text(head):
        return "txt"
    return "unknown"


def _sniff_zip(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        # A truncated zip loses its central directory; the local headers still name the parts.
        head = data[:65536]
        if b"word/" in head:
            return "docx"
        if b"xl/" in head:
            return "xlsx"
        return "unknown"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "unknown"


def _sniff_ole(data: bytes) -> str:
    if _utf16("WordDocument") in data:
        # WPS Office writes Word-compatible streams; its own marks tell the two apart.
        return "wps" if (b"Kingsoft" in data or _utf16("Kingsoft") in data or b"WPS Office" in data) else "doc"
    if _utf16("Workbook") in data or _utf16("Book") in data:
        return "xls"
    if b"WPS" in data[:65536]:
        return "wps"
    return "unknown"


def _looks_like_html(head: bytes) -> bool:
    lowered = head.lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    if lowered.startswith(b"<!doctype html"):
        return True
    # Pages may open with a comment or an XML declaration: markup early on is enough.
    return lowered.startswith(b"<") and any(tag in lowered for tag in (b"<html", b"<body", b"<table", b"<head>", b"<meta "))


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            # Incremental: the sample may end inside a multi-byte character.
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        return printable >= 0.95 * max(len(text), 1)
    return False
