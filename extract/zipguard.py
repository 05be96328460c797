"""Zip containers (DOCX, XLSX) checked before any parser sees them: zip bombs and XML entity
expansion are refused, a truncated archive is named as such."""

from __future__ import annotations

import io
import zipfile

from extract.document import ReadError
from extract.settings import Limits

_XML_SCAN_BYTES = 4096


def open_checked(data: bytes, limits: Limits, kind: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ReadError(f"damaged or truncated {kind}: it cannot be unpacked") from exc
    total = sum(m.file_size for m in members)
    packed = max(sum(m.compress_size for m in members), 1)
    if total > limits.max_unzipped_bytes or total / packed > limits.max_zip_ratio and total > 10 * 2**20:
        raise ReadError(
            f"{kind} refused: it would expand to {total // 2**20} MB from {len(data) // 1024} KB (a zip bomb?)"
        )
    for member in members:
        if member.filename.endswith((".xml", ".rels")):
            try:
                with archive.open(member) as fh:
                    head = fh.read(_XML_SCAN_BYTES)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
                raise ReadError(f"damaged or truncated {kind}: part {member.filename} cannot be read") from exc
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise ReadError(f"{kind} refused: part {member.filename} declares XML entities (entity expansion attack?)")
    return archive
