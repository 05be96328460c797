"""The report as a scan: the generated PDF rasterised (PDFium) and degraded as real scans are,
then wrapped as an image-only PDF, a DOCX holding the pictures, an HTML page with `<img>` (data:
URIs), or one tall JPEG/PNG/TIFF.

Degradations (all from `seed`, so a scan is reproducible): skew up to `skew` degrees, a page
photographed slightly out of square, a grey or yellowed background, noise, JPEG compression, a red
round stamp over part of table 三 and a signature above the date. The figures are the spec's:
what extraction must return (a rule broken on purpose stays broken: `break_rule` on the spec).
"""

from __future__ import annotations

import base64
import io
import math
import random
from typing import Any

import numpy as np
import pdfplumber
import pypdfium2
from PIL import Image, ImageDraw, ImageFilter

from xxgk.generate.model import ReportSpec
from xxgk.generate.pdf import PDF_QUIRKS, render_pdf

SCAN_WRAPS = ("pdf", "docx", "html", "jpg", "png", "tiff")
BACKGROUNDS = {"white": (255, 255, 255), "grey": (228, 228, 226), "yellow": (246, 236, 200)}


def render_scan(spec: ReportSpec, wrap: str = "pdf", dpi: int = 200, *, skew: float = 1.5, square: bool = True,
                background: str = "yellow", noise: float = 6.0, jpeg_quality: int = 80, stamp: bool = True,
                signature: bool = True, seed: int | None = None, **pdf_quirks: Any) -> bytes:
    """The report scanned at `dpi` and wrapped as `wrap` (one of SCAN_WRAPS). `skew` is the
    largest rotation in degrees (its sign and size drawn from the seed); `square` False leaves the
    page as photographed out of square; `pdf_quirks` go to `render_pdf` (ruled, page_break_in_t3)."""
    if wrap not in SCAN_WRAPS:
        raise ValueError(f"unknown scan wrap {wrap!r}; known: {SCAN_WRAPS}")
    unknown = set(pdf_quirks) - PDF_QUIRKS
    if unknown:
        raise TypeError(f"unknown quirk(s) {sorted(unknown)} for a scan; known: {sorted(PDF_QUIRKS)}")
    rng = random.Random(spec.seed * 7919 + dpi if seed is None else seed)
    pdf = render_pdf(spec, **pdf_quirks)
    pages = scan_pages(pdf, dpi, rng, skew=skew, square=square, background=background, noise=noise,
                       stamp=stamp, signature=signature)
    return wrap_pages(pages, wrap, dpi, jpeg_quality, spec.agency)


def scan_pages(pdf: bytes, dpi: int, rng: random.Random, *, skew: float, square: bool, background: str,
               noise: float, stamp: bool, signature: bool) -> list[Image.Image]:
    stamp_at = _table3_spot(pdf) if stamp else None
    sign_at = _last_line(pdf) if signature else None
    document = pypdfium2.PdfDocument(pdf)
    pages = []
    for index in range(len(document)):
        image = document[index].render(scale=dpi / 72).to_pil().convert("RGB")
        scale = dpi / 72
        tint = Image.new("RGB", image.size, BACKGROUNDS[background])
        image = Image.fromarray((np.asarray(image, dtype=np.uint16) * np.asarray(tint, dtype=np.uint16) // 255).astype(np.uint8))
        if stamp_at and stamp_at[0] == index:
            _stamp(image, stamp_at[1] * scale, stamp_at[2] * scale, dpi)
        if sign_at and sign_at[0] == index:
            _signature(image, sign_at[1] * scale, sign_at[2] * scale, dpi, rng)
        if not square:
            image = _out_of_square(image, rng, BACKGROUNDS[background])
        angle = rng.uniform(0.3, skew) * rng.choice((-1, 1)) if skew else 0.0
        image = image.rotate(angle, resample=Image.BICUBIC, fillcolor=BACKGROUNDS[background])
        if noise:
            arr = np.asarray(image, dtype=np.float32)
            arr += np.random.default_rng(rng.randrange(2**32)).normal(0, noise, arr.shape[:2])[:, :, None]
            image = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
        pages.append(image.filter(ImageFilter.GaussianBlur(0.4 * dpi / 200)))
    document.close()
    return pages


def _table3_spot(pdf: bytes) -> tuple[int, float, float] | None:
    """Where the stamp goes: over the right part of table 三, at its outcome rows (PDF points)."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for index, page in enumerate(doc.pages):
            for word in page.extract_words():
                if "部分公开" in word["text"]:
                    return index, page.width * 0.72, word["top"] + 20
    return None


def _last_line(pdf: bytes) -> tuple[int, float, float] | None:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        index = len(doc.pages) - 1
        words = doc.pages[index].extract_words()
        if not words:
            return None
        last = max(words, key=lambda w: w["bottom"])
        return index, last["x0"] - 40, last["top"] - 30


def _stamp(image: Image.Image, cx: float, cy: float, dpi: int) -> None:
    """A red round seal (ring, star, a ring of marks), blended over what is printed."""
    r = 0.8 * dpi  # about 40 mm across
    layer = Image.new("RGB", image.size, (255, 255, 255))
    draw = ImageDraw.Draw(layer)
    red = (215, 40, 40)
    w = max(2, int(dpi / 40))
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=w)
    star = [(cx + 0.28 * r * math.cos(math.pi / 2 + k * 4 * math.pi / 5), cy - 0.28 * r * math.sin(math.pi / 2 + k * 4 * math.pi / 5)) for k in range(5)]
    draw.polygon(star, fill=red)
    for k in range(18):
        a = math.pi * (0.15 + 0.7 * k / 17)
        x, y = cx - 0.75 * r * math.cos(a), cy - 0.75 * r * math.sin(a)
        draw.rectangle((x - w * 2, y - w * 2, x + w * 2, y + w * 2), fill=red)
    blended = np.asarray(image, dtype=np.uint16) * np.asarray(layer, dtype=np.uint16) // 255
    image.paste(Image.fromarray(blended.astype(np.uint8)))


def _signature(image: Image.Image, x: float, y: float, dpi: int, rng: random.Random) -> None:
    """A pen stroke in blue-black beside the date."""
    draw = ImageDraw.Draw(image)
    points = []
    for k in range(40):
        t = k / 39
        points.append((x + t * dpi * 1.2, y + math.sin(t * 9 + rng.random()) * dpi * 0.08 + rng.uniform(-2, 2)))
    draw.line(points, fill=(30, 40, 110), width=max(2, dpi // 80), joint="curve")


def _out_of_square(image: Image.Image, rng: random.Random, fill) -> Image.Image:
    """A page photographed a little from the side: its corners moved by up to 0.4 % of its size."""
    w, h = image.size
    d = lambda n: rng.uniform(-0.004, 0.004) * n  # noqa: E731
    quad = (d(w), d(h), d(w), h + d(h), w + d(w), h + d(h), w + d(w), d(h))
    return image.transform(image.size, Image.QUAD, quad, resample=Image.BICUBIC, fillcolor=fill)


def wrap_pages(pages: list[Image.Image], wrap: str, dpi: int, jpeg_quality: int, title: str) -> bytes:
    buf = io.BytesIO()
    if wrap == "pdf":
        jpegs = [Image.open(io.BytesIO(_jpeg(p, jpeg_quality))) for p in pages]
        jpegs[0].save(buf, format="PDF", resolution=dpi, save_all=True, append_images=jpegs[1:])
    elif wrap == "tiff":
        pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:], compression="tiff_lzw", dpi=(dpi, dpi))
    elif wrap in ("jpg", "png"):
        tall = _stacked(pages)
        if wrap == "jpg":
            return _jpeg(tall, jpeg_quality)
        tall.convert("L").save(buf, format="PNG", dpi=(dpi, dpi))
    elif wrap == "docx":
        import docx
        from docx.shared import Mm

        document = docx.Document()
        for page in pages:
            document.add_picture(io.BytesIO(_jpeg(page, jpeg_quality)), width=Mm(170))
        document.save(buf)
    else:  # html: a report body of pictures, carried in the page itself
        imgs = "\n".join(f'<p><img src="data:image/jpeg;base64,{base64.b64encode(_jpeg(p, jpeg_quality)).decode()}" '
                         f'alt="第{i}页"></p>' for i, p in enumerate(pages, 1))
        page = f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title></head><body>\n{imgs}\n</body></html>\n'
        return page.encode("utf-8")
    return buf.getvalue()


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def _stacked(pages: list[Image.Image]) -> Image.Image:
    """Pages one under the other, as a phone's long screenshot of the report."""
    width = max(p.width for p in pages)
    tall = Image.new("RGB", (width, sum(p.height for p in pages)), (255, 255, 255))
    y = 0
    for p in pages:
        tall.paste(p, (0, y))
        y += p.height
    return tall
