"""Reading documents whose tables are pictures: page images → the same `RawDocument` as every
other reader (`page.py` finds tables and lines, `engine.py` reads the text boxes).

`read_images` is shared by the readers that meet pictures: image files (`extract/image.py`), PDF
pages without a usable text layer (`extract/pdf.py`), and DOCX files that hold only pictures
(`extract/docx.py`). The figures OCR reads are not trusted yet: `transform/ocr_proof.py` keeps each
one only where the report's own sums prove it.
"""

from __future__ import annotations

import io
import threading
import warnings
from contextlib import contextmanager
from typing import Iterable, Iterator

import numpy as np

from extract.document import RawDocument, ReadError
from extract.settings import Limits

TRIED = "read by OCR (RapidOCR)"
A4_RATIO = 297 / 210


_kept = threading.local()


@contextmanager
def keeping_pages() -> Iterator[list]:
    """The pages OCR reads in this thread while the block runs, each as it was read (upright,
    grey: the red channel, where print under a seal stays): the boxes of its cells are in its
    pixels. For showing a scan beside its figures (the desk)."""
    _kept.pages = []
    try:
        yield _kept.pages
    finally:
        _kept.pages = None


def open_image(data: bytes, limits: Limits):
    """A decoded image (PIL, RGB) or a ReadError: too many pixels is refused from the header,
    before the pixels are decoded (a decompression bomb costs nothing)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
            image = Image.open(io.BytesIO(data))
            pixels = image.size[0] * image.size[1]
            if pixels > limits.max_image_pixels:
                raise ReadError(_too_many_pixels(image.size, limits))
            frames = getattr(image, "n_frames", 1)
            images = []
            for frame in range(min(frames, limits.max_ocr_pages + 1)):
                image.seek(frame)
                images.append(image.convert("RGB"))
    except ReadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ReadError(f"image refused: more than {limits.max_image_pixels:,} pixels (a decompression bomb?)") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ReadError("damaged or truncated image: it cannot be decoded") from exc
    if frames > limits.max_ocr_pages:
        raise ReadError(f"scan too long ({frames} pages; OCR reads at most {limits.max_ocr_pages})")
    return images


def _too_many_pixels(size, limits: Limits) -> str:
    return f"image refused: {size[0]}×{size[1]} pixels is more than the limit of {limits.max_image_pixels:,}"


def split_tall(rgb: np.ndarray) -> list[np.ndarray]:
    """A picture much taller than a page (pages scanned one under the other, a phone's long
    screenshot) in page-sized parts, each cut on a blank band near where a page would end: each
    page was skewed its own way and is made upright alone. A part never cuts through print."""
    h, w = rgb.shape[:2]
    page = int(w * A4_RATIO)
    if h < 1.25 * page:
        return [rgb]
    grey = rgb.min(axis=2) if rgb.ndim == 3 else rgb
    ink = (grey < 128).sum(axis=1)
    blank = ink <= max(2, w // 500)
    parts, top = [], 0
    while h - top > 1.25 * page:
        lo, hi = top + int(0.8 * page), min(top + int(1.2 * page), h - 1)
        rows = np.flatnonzero(blank[lo:hi])
        if rows.size == 0:
            break  # no blank band where a page would end: the rest is read as one
        cut = lo + int(rows[np.argmin(np.abs(rows + lo - (top + page)))])
        parts.append(rgb[top:cut])
        top = cut
    parts.append(rgb[top:])
    return parts


def read_images(images: Iterable, fmt: str, limits: Limits, engine=None) -> RawDocument:
    """Page images (PIL or arrays, in order) read into one RawDocument marked as OCR'd. Its
    pages are the pages read: a picture of two pages one under the other counts two, and its
    cells' page numbers count so too."""
    from extract.ocr.engine import default_engine
    from extract.ocr.page import prepare, read_page
    from extract.document import Table

    engine = engine or default_engine()
    blocks: list = []
    texts: list[str] = []
    n = parts = 0
    for n, image in enumerate(images, start=1):
        if n > limits.max_ocr_pages:
            raise ReadError(f"scan too long (more than {limits.max_ocr_pages} pages; OCR reads at most {limits.max_ocr_pages})")
        rgb = np.asarray(image)
        if rgb.shape[0] * rgb.shape[1] > limits.max_image_pixels:
            raise ReadError(f"image refused: {rgb.shape[1]}×{rgb.shape[0]} pixels is more than the limit of {limits.max_image_pixels:,}")
        for part in split_tall(rgb):
            first = 1 + sum(isinstance(b, Table) for b in blocks)
            prepared = prepare(part)
            parts += 1
            if getattr(_kept, "pages", None) is not None:
                _kept.pages.append(prepared[0])
            page_blocks, text = read_page(prepared, engine, parts, first)
            blocks.extend(page_blocks)
            texts.append(text)
    text = "\n".join(texts)
    if not text.strip():
        raise ReadError(f"scan without readable text: {n} page image(s) {TRIED}, no text found")
    confidences = [c.ocr.confidence for b in blocks if isinstance(b, Table) for c in b.cells if c.ocr is not None]
    confidence = round(float(np.mean(confidences)), 3) if confidences else 0.0
    return RawDocument(format=fmt, text=text, blocks=blocks,
                       ocr={"engine": f"{engine.name} {engine.version}".strip(), "pages": parts, "confidence": confidence})
