"""Limits that keep one hostile or broken file from stalling a run, as a validated dataclass."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = 100 * MB
    max_html_bytes: int = 20 * MB
    max_text_bytes: int = 20 * MB
    # A DOCX/XLSX is a zip: refuse archives whose members expand beyond this, or by too large a ratio.
    max_unzipped_bytes: int = 200 * MB
    max_zip_ratio: int = 200
    max_pdf_pages: int = 300
    convert_timeout_s: float = 120.0
    # Scans: OCR reads at most this many page images, each of at most this many pixels (A4 at
    # 300 dpi is 8.7 million); a larger image is refused before it is decoded.
    max_ocr_pages: int = 20
    max_image_pixels: int = 40_000_000
    # A picture of a report page smaller than this on a side is a logo or an icon, not a page.
    min_page_picture_side: int = 200

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive number, not {value!r}")


DEFAULT_LIMITS = Limits()
