"""Scans sent as pictures (JPEG, PNG, TIFF with one page per frame, BMP, WebP): read by OCR."""

from __future__ import annotations

from extract.document import RawDocument
from extract.ocr import open_image, read_images
from extract.settings import Limits


def read(data: bytes, limits: Limits) -> RawDocument:
    return read_images(open_image(data, limits), "image", limits)
