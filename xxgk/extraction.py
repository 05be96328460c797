"""One document in, one extraction record out: sniff → read → align → check.

`extract_bytes` never raises for bad input: whatever goes wrong becomes `status: failed` with a
one-sentence `error`, so that one broken document never stops a batch.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

from extract import DEFAULT_LIMITS, Limits, PagePictures, RawDocument, ReadError, read_document, sniff
from extract.dates import page_date, signature_date
from transform.align import NotAReport, align
from transform.audit import audit
from transform.checks import check
from transform.findings import status_of
from transform.ocr_proof import prove

log = logging.getLogger(__name__)


def _extractor_version() -> str:
    """A fingerprint of the code and template data that turn bytes into figures: cached
    extraction records are reused only while it is unchanged."""
    digest = hashlib.sha256()
    roots = [Path(__file__).resolve().parent.parent / "extract", Path(__file__).resolve().parent.parent / "transform"]
    roots.append(roots[0] / "ocr")
    for root in roots:
        for path in sorted(root.glob("*")):
            if path.suffix in (".py", ".yaml", ".csv") and path.is_file():
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:12]


EXTRACTOR_VERSION = _extractor_version()


def _record(path: str, data: bytes, fmt: str) -> dict[str, Any]:
    return {
        "path": path,
        "sha256": hashlib.sha256(data).hexdigest(),
        "format": fmt,
        "agency": None,
        "year": None,
        "template": None,
        "status": "failed",
        "values": {},
        "issues": [],
        "error": None,
        "dates": {"page": None, "signature": None},
    }


def extract_bytes(
    data: bytes, path: str = "", limits: Limits = DEFAULT_LIMITS, provenance: bool = False,
    pictures: PagePictures | None = None,
) -> dict[str, Any]:
    """The extraction record of one document (the `xxgk extract --json` line); `pictures`: the
    files an HTML page shows, fetched with it (read with the page as one document)."""
    fmt = sniff(data) if data else "unknown"
    record = _record(path, data, fmt)
    try:
        document = read_document(data, fmt, limits, pictures)
        record["dates"] = _dates(data, fmt, document.text)
    except Exception as exc:
        record["error"] = _reason(exc, path)
        return record
    return figures_of(document, record, provenance)


def figures_of(document: RawDocument, record: dict[str, Any], provenance: bool = False) -> dict[str, Any]:
    """Fill `record` from a document already read: align, prove OCR'd figures, check."""
    try:
        result = align(document)
    except Exception as exc:
        record["error"] = _reason(exc, record["path"])
        if document.ocr is not None:  # say what was tried
            record["error"] += f" (a scan read by OCR: {document.ocr['engine']}, {document.ocr['pages']} page(s))"
        return record
    if document.ocr is not None:  # a scan: OCR'd figures count only where the sums prove them
        result.issues += prove(result, document.ocr)
    issues = result.issues + check(result.values, result.template) + audit(document, result)
    record.update(
        agency=result.agency,
        year=result.year,
        template=result.template,
        values=result.values,
        issues=[i.as_dict() for i in issues],
        status=status_of(issues),
    )
    if provenance:
        record["provenance"] = result.provenance
    return record


def _dates(data: bytes, fmt: str, text: str) -> dict[str, str | None]:
    """The dates the document prints about itself (kept for failed records too: a page that only
    links its report as an attachment still dates it)."""
    page, signed = page_date(data, fmt, text), signature_date(text)
    return {"page": page.isoformat() if page else None, "signature": signed.isoformat() if signed else None}


def _reason(exc: Exception, path: str) -> str:
    if isinstance(exc, (ReadError, NotAReport)):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "the document is too large to read within the memory limit"
    # A reader bug must not stop the batch; keep the reason, on one line whatever the library put
    # in its message (a PDF dictionary, a traceback).
    log.debug("unexpected error while reading %s", path, exc_info=True)
    detail = " ".join(str(exc).split())
    return f"could not read the document ({type(exc).__name__}: {detail})"[:280]


def extract_path(path: str | os.PathLike, limits: Limits = DEFAULT_LIMITS, provenance: bool = False,
                 pictures: PagePictures | None = None) -> dict[str, Any]:
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > limits.max_file_bytes:
            return failed_record(p, f"file too large ({size // 2**20} MB; the limit is {limits.max_file_bytes // 2**20} MB)")
        data = p.read_bytes()
    except OSError as exc:
        return failed_record(p, f"cannot open the file ({exc.strerror or exc})")
    return extract_bytes(data, str(p), limits, provenance, pictures)


def failed_record(path: str | os.PathLike, error: str) -> dict[str, Any]:
    """The record of a file that was never read: its sha256 when it can be hashed, and why."""
    p = Path(path)
    record = _record(str(p), b"", "unknown")
    record["sha256"] = _sha256_file(p)
    record["error"] = error
    return record


def _sha256_file(p: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with p.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def iter_files(paths: list[str]) -> list[Path]:
    """Every file named, and every file under a folder named, in a stable order."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and not _is_sidecar(f)))
        else:
            files.append(p)
    return files


def _is_sidecar(f: Path) -> bool:
    # Truth files and hidden files sit beside documents in corpora; they are not documents.
    return f.name.startswith(".") or f.name.endswith(".truth.json")
