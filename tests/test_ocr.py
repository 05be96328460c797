"""Scans: the proof step on real documents with OCR readings attached to their cells (fast, no
engine), the limits against hostile images, and a small sample of generated scans read by OCR end
to end (the big sweep is benchmarks/ocr_bench.py).

A scan gives every figure back, or null with `extractor.ocr_unsure`; never a wrong figure under
`ok`; a rule broken at the source stays `source.rule*`.
"""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from extract import read_document, sniff
from extract.document import Table
from extract.ocr.engine import Reading
from xxgk.extraction import _record, extract_bytes, figures_of
from xxgk.generate import break_rule, make_spec, render, render_scan
from xxgk.worker import GuardedExtractor


def ocr_document(spec, confidence=0.99):
    """A generated report read by its own reader, every cell given an OCR reading: the document
    the proof step sees for a perfect scan."""
    document = read_document(render(spec, "html"), "html")
    for table in document.tables:
        for cell in table.cells:
            cell.ocr = Reading(cell.text, confidence, (cell.text,) if cell.text.isdigit() else ())
    document.ocr = {"engine": "test", "pages": 1, "confidence": confidence}
    return document


def cell_of(document, label_fragment, col):
    for table in document.tables:
        for row in table.rows():
            if any(label_fragment in c.text for c in row):
                values = [c for c in row if c.text.strip().isdigit() or c.text.strip() == ""]
                return values[col]
    raise AssertionError(label_fragment)


def record(document):
    return figures_of(document, _record("x", b"", "html"))


def codes(rec):
    return [i["code"] for i in rec["issues"]]


def test_proof_keeps_a_proven_scan():
    spec = make_spec(11, "2021")
    rec = record(ocr_document(spec))
    assert rec["status"] == "ok" and rec["values"] == spec.figures
    assert "note.ocr" in codes(rec)


def test_misread_with_the_right_candidate_is_corrected():
    spec = make_spec(12, "2021")
    document = ocr_document(spec)
    cell = cell_of(document, "予以公开", 0)  # t3.disclosed.natural
    truth = cell.text
    wrong = str(int(truth) + 5)
    cell.text = wrong
    cell.ocr = Reading(wrong, 0.55, (wrong, truth))
    rec = record(document)
    assert rec["values"] == spec.figures
    assert "note.ocr_corrected" in codes(rec) and rec["status"] == "ok"


@pytest.mark.parametrize("confidence,mended", [(0.01, True), (0.2, False)])
def test_a_cell_read_all_but_blindly_is_found_by_its_row_and_column(confidence, mended):
    """A mark under a seal read over the digits as "1" at 0.01 says nothing: the cell may print any
    small number, and the one its row and its column both allow is taken. Read at 0.2, its
    candidates stand, and none fits: null."""
    spec = make_spec(12, "2021")
    document = ocr_document(spec)
    cell = cell_of(document, "予以公开", 3)  # t3.disclosed.social
    truth = int(cell.text)
    misread = str(truth + 3)
    cell.text = misread
    cell.ocr = Reading(misread, confidence, (misread, misread * 2))
    rec = record(document)
    assert rec["values"]["t3.disclosed.social"] == (truth if mended else None)
    assert ("note.ocr_corrected" in codes(rec)) is mended
    for key, value in rec["values"].items():
        assert value is None or value == spec.figures[key], key


def test_misread_without_a_fitting_candidate_is_null_and_named():
    spec = make_spec(13, "2021")
    document = ocr_document(spec)
    cell = cell_of(document, "予以公开", 1)  # t3.disclosed.commercial
    wrong = str(int(cell.text) + 7)
    cell.text = wrong
    cell.ocr = Reading(wrong, 0.6, (wrong, str(int(wrong) + 1)))
    rec = record(document)
    assert rec["status"] == "flagged"
    unsure = [i for i in rec["issues"] if i["code"] == "extractor.ocr_unsure"]
    assert unsure and "t3.disclosed.commercial" in unsure[0]["keys"] and wrong in unsure[0]["message"]
    assert not any(c.startswith("source.") for c in codes(rec))
    for key, value in rec["values"].items():
        assert value is None or value == spec.figures[key], key  # never a wrong figure


def test_confident_misread_crossing_two_rules_is_null():
    spec = make_spec(14, "2019")
    document = ocr_document(spec)
    cell = cell_of(document, "予以公开", 2)
    cell.text = str(int(cell.text) + 3)
    cell.ocr = Reading(cell.text, 0.99, (cell.text,))
    rec = record(document)
    assert "extractor.ocr_unsure" in codes(rec)
    for key, value in rec["values"].items():
        assert value is None or value == spec.figures[key], key


@pytest.mark.parametrize("rule", [1, 2, 3, 4])
def test_rule_broken_at_the_source_stays_a_source_finding(rule):
    spec = make_spec(20 + rule, "2021")
    break_rule(spec.figures, rule, seed=rule)
    rec = record(ocr_document(spec))
    assert f"source.rule{rule}" in codes(rec)
    assert "extractor.ocr_unsure" not in codes(rec)
    assert rec["values"] == spec.figures


def test_a_change_read_without_a_sign_is_null():
    """本年增/减 may be negative; a scan may lose the minus sign, and no rule would catch it."""
    spec = next(s for s in (make_spec(seed, "2019", zero_rate=0.1) for seed in range(17, 40))
                if any((v or 0) > 0 for k, v in s.figures.items() if k.endswith(".change")))
    rec = record(ocr_document(spec))
    changes = [k for k in spec.figures if k.endswith(".change") and (spec.figures[k] or 0) > 0]
    assert all(rec["values"][k] is None for k in changes)
    assert all(rec["values"][k] == spec.figures[k] for k in spec.figures if k.startswith("t3."))


def _sign_measured(document):
    """Every number cell of the document as if the ink had measured its sign."""
    import re

    for table in document.tables:
        for cell in table.cells:
            if re.fullmatch(r"-?\d+", cell.text.strip()):
                cell.ocr = Reading(cell.text.strip(), 0.99, (cell.text.strip(),), sign_checked=True)
    return document


def test_a_change_whose_sign_the_ink_measured_is_kept():
    spec = next(s for s in (make_spec(seed, "2019", zero_rate=0.1) for seed in range(17, 60))
                if any((v or 0) > 0 for k, v in s.figures.items() if k.endswith(".change"))
                and any((v or 0) < 0 for k, v in s.figures.items() if k.endswith(".change")))
    rec = record(_sign_measured(ocr_document(spec)))
    assert rec["status"] == "ok" and rec["values"] == spec.figures


def test_a_stray_minus_on_a_count_is_no_sign():
    """A count is never negative: a mark before it read as a minus (a speck, a seal's edge) goes."""
    spec = make_spec(31, "2021")
    document = ocr_document(spec)
    cell = next(c for c in document.tables[1].cells if c.text.strip().isdigit() and c.text.strip() != "0")
    cell.text = "-" + cell.text.strip()
    cell.ocr = Reading(cell.text, 0.99, (cell.text,))
    rec = record(document)
    assert rec["values"] == spec.figures and rec["status"] == "ok"
    assert "note.ocr_corrected" in codes(rec)


def test_figures_an_equation_cannot_check_are_null():
    """A cell read as no number leaves its row and its column unchecked: a row read beside the
    next row's label holds its own sum, only its column proves where it belongs. The figures of
    those equations are null, named; the rest stands; nothing is wrong."""
    spec = make_spec(32, "2021")
    document = ocr_document(spec)
    cell = cell_of(document, "予以公开", 1)  # t3.disclosed.commercial
    cell.text = "?"
    cell.ocr = Reading("?", 0.9, ())
    rec = record(document)
    unsure = {k for i in rec["issues"] if i["code"] == "extractor.ocr_unsure" for k in i["keys"]}
    assert {"t3.partial.commercial", "t3.total.commercial", "t3.partial.natural"} <= unsure
    assert rec["values"]["t3.disclosed.natural"] is None and rec["status"] == "flagged"
    assert rec["values"]["t3.new.natural"] == spec.figures["t3.new.natural"]  # its row and column hold
    for key, value in rec["values"].items():
        assert value is None or value == spec.figures[key], key


def test_a_source_break_beside_a_doubtful_cell_its_row_vouches_for():
    """The report's own mistake in a column stays source.rule2 even where one of the column's
    cells was read with doubt, when that cell's row holds with it."""
    from transform.checks import check

    spec = make_spec(33, "2021")
    break_rule(spec.figures, 2, seed=33)
    broken = [i for i in check(spec.figures, "2021") if i.code == "source.rule2"]
    assert broken and not any(k.startswith("t3.disclosed.") for i in check(spec.figures, "2021")
                              if i.code == "source.rule3" for k in i.keys)
    column = broken[0].keys[-1].rsplit(".", 1)[-1]
    document = ocr_document(spec)
    cell = cell_of(document, "予以公开", ["natural", "commercial", "research", "social", "legal", "other_org", "total"].index(column))
    cell.ocr = Reading(cell.text, 0.55, (cell.text,))
    rec = record(document)
    assert "source.rule2" in codes(rec) and "extractor.ocr_unsure" not in codes(rec)
    assert rec["values"] == spec.figures


def test_doubtful_table2_figure_is_null():
    spec = make_spec(15, "2021")
    document = ocr_document(spec)
    first = document.tables[0]
    cell = next(c for c in first.cells if c.text.isdigit())
    cell.ocr = Reading(cell.text, 0.5, (cell.text,))
    rec = record(document)
    unsure = [i for i in rec["issues"] if i["code"] == "extractor.ocr_unsure"]
    assert len(unsure) == 1 and rec["values"][unsure[0]["keys"][0]] is None


@pytest.mark.parametrize("confidence,counted,kept", [(0.92, True, True), (0.92, False, False), (0.85, True, False)])
def test_a_table2_figure_the_ink_counted_needs_only_the_digits_confidence(confidence, counted, kept):
    """No rule checks table 二: a figure there is kept at 0.95, or at 0.9 where the ink shows as
    many digits as were read (page.ink_digits)."""
    spec = make_spec(15, "2021")
    document = ocr_document(spec)
    cell = next(c for c in document.tables[0].cells if c.text.isdigit())
    cell.ocr = Reading(cell.text, confidence, (cell.text,), count_checked=counted)
    rec = record(document)
    unsure = [i["keys"][0] for i in rec["issues"] if i["code"] == "extractor.ocr_unsure"]
    assert (not unsure) is kept
    assert kept or rec["values"][unsure[0]] is None


@pytest.mark.parametrize("printed,count", [("1", 1), ("11", 2), ("-7", 1), ("82.44", 4), ("306", 3)])
def test_the_ink_counts_the_digits(printed, count):
    from extract.ocr.page import ink_digits, ink_of

    ink = ink_of(_drawn(printed))
    ys, xs = ink.nonzero()
    box = (xs.min() + 3, ys.min() - 1, xs.max() - 3, ys.max() + 1)  # a box that cuts the ends: the count reaches past
    assert ink_digits(ink, box, left=0, right=ink.shape[1]) == count


def test_digits_that_touch_are_not_counted():
    from extract.ocr.page import ink_digits, ink_of

    ink = ink_of(_drawn("00"))
    ys, xs = ink.nonzero()
    ink[ys.min():ys.max(), (xs.min() + xs.max()) // 2 - 3:(xs.min() + xs.max()) // 2 + 3] = 255  # the two glyphs joined
    assert ink_digits(ink, (xs.min(), ys.min(), xs.max(), ys.max()), left=0, right=ink.shape[1]) is None


def test_a_count_of_digits_refutes_the_candidates_of_another_length():
    read = Reading("1", 0.93, ("1", "7", "11"))
    assert read.with_digit_count(1) == Reading("1", 0.93, ("1", "7"), count_checked=True)
    assert read.with_digit_count(2) == read and read.with_digit_count(None) == read


def test_a_digit_broken_by_a_seal_ring_is_one_mark():
    from extract.ocr.page import _glyph_pieces_joined

    typical = 30.0
    pieces = [[100, 10, 112, 22, 60], [101, 30, 113, 34, 30], [200, 10, 212, 38, 150]]  # a 2's top and foot; a whole digit
    joined = _glyph_pieces_joined(pieces, typical)
    assert sorted(tuple(j[:4]) for j in joined) == [(100, 10, 113, 34), (200, 10, 212, 38)]


def test_a_digit_is_read_once_however_the_detector_boxed_it():
    """The detector may draw a box on the middle of a 1 whose ink is then found again round it:
    the print is one box, read once."""
    from extract.ocr.page import _absorbed

    boxes, rest = _absorbed([(104, 9, 112, 17), (50, 0, 70, 30)], [(100, 0, 115, 26), (200, 0, 215, 26)])
    assert boxes == [(100, 0, 115, 26), (50, 0, 70, 30)] and rest == [(200, 0, 215, 26)]


def test_two_readings_that_differ_only_in_a_minus_agree():
    from extract.ocr.engine import _unsigned

    assert _unsigned("-1") == _unsigned("1") == "1" and _unsigned("12") != _unsigned("-1")


def test_other_formats_never_reach_the_proof():
    spec = make_spec(16, "2021")
    rec = extract_bytes(render(spec, "html"), "x.html")
    assert not any(c.startswith(("note.ocr", "extractor.ocr")) for c in codes(rec))


# Limits: decided from the image's header, before any pixel is decoded or any model loaded.

def png_bytes(size, frames=1, fmt="PNG"):
    buf = io.BytesIO()
    images = [Image.new("L", size, 255) for _ in range(frames)]
    images[0].save(buf, format=fmt, save_all=frames > 1, append_images=images[1:])
    return buf.getvalue()


def test_images_are_sniffed_as_images():
    assert sniff(png_bytes((20, 20))) == "image"
    assert sniff(png_bytes((20, 20), fmt="JPEG")) == "image"
    assert sniff(png_bytes((20, 20), fmt="TIFF")) == "image"


def test_decompression_bomb_is_one_failed_record(tmp_path):
    bomb = png_bytes((20000, 20000))  # 400 million pixels in a few hundred kilobytes
    assert len(bomb) < 2_000_000
    rec = extract_bytes(bomb, "bomb.png")
    assert rec["status"] == "failed" and "pixels" in rec["error"]
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb)
    with GuardedExtractor(timeout_s=120) as guard:
        guarded = guard.extract(path)
    assert guarded["status"] == "failed" and "pixels" in guarded["error"]


def test_too_many_pages_is_refused():
    rec = extract_bytes(png_bytes((50, 50), frames=25, fmt="TIFF"), "long.tiff")
    assert rec["status"] == "failed" and "at most 20" in rec["error"]


def test_damaged_image_says_so():
    data = png_bytes((200, 200), fmt="JPEG")[:120]
    rec = extract_bytes(data, "cut.jpg")
    assert rec["status"] == "failed" and "image" in rec["error"]


def test_blank_scan_says_what_was_tried():
    rec = extract_bytes(png_bytes((800, 1100)), "blank.png")
    assert rec["status"] == "failed" and "OCR" in rec["error"]


# The page's geometry on drawn images (no engine): the sign of a number, vertical text, tall pictures.

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"


def _drawn(text: str, size=(400, 80), at=(20, 10), font_px=40, vertical=False):
    import os

    from PIL import ImageDraw, ImageFont

    if not os.path.exists(CJK_FONT):
        pytest.skip("no CJK font (fonts-noto-cjk) to draw with")
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(CJK_FONT, font_px)
    if vertical:
        for i, ch in enumerate(text):
            draw.text((at[0], at[1] + i * int(font_px * 1.3)), ch, fill=0, font=font)
    else:
        draw.text(at, text, fill=0, font=font)
    import numpy as np

    return np.asarray(image)


@pytest.mark.parametrize("printed,negative", [("-3", True), ("3", False), ("−12", True), ("12", False), ("3-", False)])
def test_the_ink_measures_the_sign(printed, negative):
    import cv2

    from extract.ocr.page import ink_of, ink_sign

    ink = ink_of(_drawn(printed))
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    tall = max(stats[i][3] for i in range(1, n))
    digits = [stats[i] for i in range(1, n) if stats[i][3] >= 0.6 * tall]
    # the detector's box around the digits alone (a dash boxed apart or left out, as it often is)
    box = (min(d[0] for d in digits) - 2, 5, max(d[0] + d[2] for d in digits) + 2, 75)
    assert ink_sign(ink, box, left=0) is negative


def test_a_dash_that_touches_its_digit_leaves_the_sign_unmeasured():
    """A "-4" whose dash meets the 4's bar is one mark on the ink: no separate dash is no proof of a
    plus (this stored a -4 as 4 under ok). Too wide for one digit, the sign is not measured."""
    from extract.ocr.page import ink_of, ink_sign

    ink = ink_of(_drawn("4", at=(60, 10)))
    ys, xs = ink.nonzero()
    tall = ys.max() - ys.min()
    middle = (ys.min() + ys.max()) // 2
    ink[middle - 1:middle + 2, xs.min() - int(0.45 * tall):xs.min() + 2] = 255  # the dash, joined to the 4
    box = (xs.min() - int(0.45 * tall), ys.min() - 2, xs.max() + 2, ys.max() + 2)
    assert ink_sign(ink, box, left=0) is None


def test_a_smudge_where_a_dash_would_be_leaves_the_sign_unmeasured():
    from extract.ocr.page import ink_of, ink_sign

    ink = ink_of(_drawn("3", at=(60, 10)))
    ys, xs = ink.nonzero()
    middle = (ys.min() + ys.max()) // 2
    ink[middle - 2:middle + 3, xs.min() - 10:xs.min() - 5] = 255  # a square mark, no dash's shape
    assert ink_sign(ink, (xs.min() - 2, ys.min() - 2, xs.max() + 2, ys.max() + 2), left=0) is None


def test_vertical_text_becomes_one_line():
    from extract.ocr.page import _vertical_line, ink_of

    grey = _drawn("三本年度办理结果", size=(70, 520), at=(12, 8), font_px=40, vertical=True)
    line = _vertical_line(grey, ink_of(grey), (0, 0, 70, 520))
    assert line is not None and line.shape[1] > 6 * line.shape[0]  # eight glyphs side by side


def test_the_figures_of_a_row_make_its_line_however_its_label_wraps():
    """An unruled table: the label wraps over two lines, its figures sit between them; a mark read
    as no number among them is read over the digits only; a seal's trace (no confidence) goes."""
    from extract.ocr.page import _rows

    def number(text, x, y, conf=0.99):
        return ((x, y, x + 20, y + 28), Reading(text, conf, (text,)))

    label_1 = ((300, 1147, 700, 1175), Reading("5.要求行政机关确认或重新出具已获取信", 0.97))
    label_2 = ((310, 1179, 340, 1207), Reading("息", 0.8))
    figures = [number(t, 770 + 120 * i, 1162 + (i % 2) * 3) for i, t in enumerate(["12", "0", "0", "0", "2", "2"])]
    odd = ((1490, 1161, 1512, 1190), Reading("U", 0.7, digits=Reading("16", 0.4, ("16", "10"))))
    trace = ((1000, 1100, 1030, 1130), Reading("福", 0.03))
    rows = _rows([label_2, *figures, label_1, odd, trace])
    assert len(rows) == 1
    texts = [r.text for _, r in rows[0]]
    assert texts == ["5.要求行政机关确认或重新出具已获取信", "息", "12", "0", "0", "0", "2", "2", "16"]


def test_a_tall_picture_is_cut_into_pages_on_blank_bands():
    import numpy as np

    from extract.ocr import split_tall

    page = np.full((1414, 1000, 3), 255, dtype=np.uint8)
    page[100:1300, 100:900] = 0  # print from top to bottom margin
    tall = np.vstack([page, page, page])
    parts = split_tall(tall)
    assert [p.shape[0] for p in parts] == [1414, 1414, 1414] or len(parts) == 3
    assert sum(p.shape[0] for p in parts) == tall.shape[0]
    for part in parts:  # no cut goes through print
        assert (part[0] == 255).all() and (part[-1] == 255).all()
    solid = np.zeros((3000, 1000, 3), dtype=np.uint8)
    assert len(split_tall(solid)) == 1  # nowhere blank: never cut


# End to end: a small sample of generated scans through the engine (a minute or two on CI).

SAMPLE = [
    # (seed, template, wrap, dpi, ruled, broken rule)
    (1, "2021", "pdf", 200, True, None),
    (2, "2019", "jpg", 300, False, None),
    (3, "2021", "docx", 200, True, 2),
    (4, "2021", "html", 300, True, None),
    (5, "2019", "pdf", 200, False, 3),
]


@pytest.mark.parametrize("seed,template,wrap,dpi,ruled,broken", SAMPLE,
                         ids=[f"{s[2]}-{s[3]}dpi-{'ruled' if s[4] else 'unruled'}-{s[1]}" + (f"-rule{s[5]}" if s[5] else "") for s in SAMPLE])
def test_generated_scan(seed, template, wrap, dpi, ruled, broken):
    """Every figure back or null with the reason, never a wrong one (flagged or not); a rule
    broken at the source reported as source.rule*."""
    spec = make_spec(seed, template, agency="夏县教育局")
    if broken:
        break_rule(spec.figures, broken, seed=seed)
    rec = extract_bytes(render_scan(spec, wrap, dpi, ruled=ruled, square=seed % 2 == 0), f"scan.{wrap}")
    assert rec["error"] is None, rec["error"]
    assert (rec["agency"], rec["year"], rec["template"]) == (spec.agency, spec.year, spec.template)
    assert "note.ocr" in codes(rec)
    named = {k for i in rec["issues"] if i["code"].startswith("extractor.") for k in i["keys"]}
    for key, expected in spec.figures.items():
        got = rec["values"].get(key)
        assert got == expected or got is None, (key, expected, got)  # never a wrong figure
        if got is None and expected is not None:
            assert key in named or any(i["code"].startswith("extractor.") and not i["keys"] for i in rec["issues"]), key
    if broken:
        assert rec["status"] == "flagged" and f"source.rule{broken}" in codes(rec)
    elif rec["status"] == "ok":
        assert rec["values"] == spec.figures
    print(json.dumps({"status": rec["status"], "nulls": sum(v is None for v in rec["values"].values())}))


def test_the_command_line_reads_a_scan_as_the_pdf_it_was_made_from(tmp_path):
    """The acceptance: `xxgk extract --json` on a scanned PDF prints the values of the PDF it was
    made from (or nulls with the reason), from the project's own files, nothing downloaded."""
    import subprocess
    import sys

    spec = make_spec(7, "2021", agency="夏县教育局")
    (tmp_path / "printed.pdf").write_bytes(render(spec, "pdf"))
    (tmp_path / "scanned.pdf").write_bytes(render_scan(spec, "pdf", 200))
    result = subprocess.run([sys.executable, "-m", "xxgk", "extract", "--json", str(tmp_path)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    records = {r["path"].rsplit("/", 1)[-1]: r for r in map(json.loads, result.stdout.splitlines())}
    printed, scanned = records["printed.pdf"], records["scanned.pdf"]
    assert printed["status"] == "ok" and "note.ocr" in [i["code"] for i in scanned["issues"]]
    named = {k for i in scanned["issues"] if i["code"].startswith("extractor.") for k in i["keys"]}
    for key, value in printed["values"].items():
        assert scanned["values"][key] == value or (scanned["values"][key] is None and key in named), key


def test_ocr_runs_in_the_guarded_child(tmp_path):
    """The engine loads and reads within the child's memory cap; the reason says what was tried."""
    from PIL import ImageDraw, ImageFont

    image = Image.new("RGB", (600, 200), "white")
    fonts = [p for p in ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",) if __import__("os").path.exists(p)]
    if not fonts:
        pytest.skip("no CJK font (fonts-noto-cjk) to draw the test image")
    ImageDraw.Draw(image).text((20, 60), "政府信息公开工作年度报告 2023", fill="black", font=ImageFont.truetype(fonts[0], 32))
    path = tmp_path / "title.png"
    image.save(path)
    with GuardedExtractor(timeout_s=300) as guard:
        rec = guard.extract(path)
    assert rec["format"] == "image" and rec["status"] == "failed"
    assert "annual report" in rec["error"] and "OCR" in rec["error"]
