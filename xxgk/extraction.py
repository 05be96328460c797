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
                 pictures: PagePictures | None = None, saved_pictures: bool = False) -> dict[str, Any]:
    """The record of one file. `saved_pictures`: an HTML page saved to disk is read with the
    pictures it shows from files beside it (`saved_page_pictures`), as the harvest reads a page."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > limits.max_file_bytes:
            return failed_record(p, f"file too large ({size // 2**20} MB; the limit is {limits.max_file_bytes // 2**20} MB)")
        data = p.read_bytes()
    except OSError as exc:
        return failed_record(p, f"cannot open the file ({exc.strerror or exc})")
    if saved_pictures and pictures is None:
        pictures = saved_page_pictures(p, data, limits)
    return extract_bytes(data, str(p), limits, provenance, pictures)


# What a page read from disk is filed under: the keys of its pictures (an address nothing fetches).
LOCAL_ORIGIN = "http://localhost/"


def saved_picture_paths(path: Path, data: bytes, every: bool = False) -> tuple[str, dict[str, Path]]:
    """The pictures an HTML page saved to disk shows from files beside it (a browser's 'save page,
    complete': page.html and page_files/), picked as the harvest picks a page's pictures (not the
    site's logos and icons; with `every`, all it shows): (the page's key, {picture key: file}),
    files inside the page's folder only."""
    if sniff(data[:65536]) != "html" or b"<img" not in data.lower():
        return "", {}
    from urllib.parse import quote, unquote, urlsplit

    from extract.decoding import declared_charset, decode_text
    from extract.harvest.discover import discover_pictures
    from extract.urls import normalize_url

    page_url = LOCAL_ORIGIN + quote(path.name)
    text = decode_text(data, declared_charset(data))
    if every:
        import lxml.html

        from extract.html import picture_addresses

        try:
            images = lxml.html.document_fromstring(text).iter("img")
        except ValueError:
            return page_url, {}
        urls = [normalize_url(page_url, a) for img in images for a in picture_addresses(img)]
    else:
        urls = [link.url for link in discover_pictures(text, page_url)]
    folder = path.resolve().parent
    found: dict[str, Path] = {}
    for url in urls:
        if url and url.startswith(LOCAL_ORIGIN):
            local = (folder / unquote(urlsplit(url).path).lstrip("/")).resolve()
            if local.is_relative_to(folder) and local.is_file():
                found[url] = local
    return page_url, found


def saved_page_pictures(path: Path, data: bytes, limits: Limits = DEFAULT_LIMITS) -> PagePictures | None:
    page_url, found = saved_picture_paths(path, data)
    if not found:
        return None
    files, failed = {}, {}
    for url, local in found.items():
        if local.stat().st_size > limits.max_file_bytes:
            failed[url] = f"larger than {limits.max_file_bytes // 2**20} MB"
        else:
            files[url] = local.read_bytes()
    return PagePictures(page_url, files, failed)


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
    """Every file named, and every file under a folder named, in a stable order; less the pictures
    that an HTML page among them shows from files beside it (its report's are read with the page,
    the site's logos and icons are no documents)."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and not _is_sidecar(f)))
        else:
            files.append(p)
    shown: set[Path] = set()
    for f in files:
        if f.suffix.lower() in (".html", ".htm", ".shtml", ".xhtml"):
            try:
                shown.update(saved_picture_paths(f, f.read_bytes(), every=True)[1].values())
            except OSError:
                continue
    return [f for f in files if f.resolve() not in shown] if shown else files


def _is_sidecar(f: Path) -> bool:
    # Truth files and hidden files sit beside documents in corpora; they are not documents.
    return f.name.startswith(".") or f.name.endswith(".truth.json")
