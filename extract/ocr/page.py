"""One page image into blocks: deskew, find ruled tables (OpenCV morphology), read every text box,
put the boxes of a ruled table into its cells and read the rest line by line (an unruled table's
rows are lines "label 0 0 0", as in a PDF without ruling lines).

Boxes are in pixels of the deskewed page image. Each cell read by OCR carries its `Reading` (text,
confidence, candidates) for the proof step after alignment (`transform/ocr_proof.py`).
"""

from __future__ import annotations

import unicodedata

import cv2
import numpy as np

from extract.document import Cell, Paragraph, Table
from extract.lines import row_cell_spans
from extract.ocr.engine import LOOKALIKES, Reading, has_cjk

A4_WIDTH_IN = 8.27
# A pixel this much redder than green and blue is a seal's ink, not print.
RED_MARGIN = 60
SEAL_DARKEST = 140
# A reading below this that is no word is read again from the red channel (`_reread_red`).
REREAD_RED = 0.9
# No digit is wider than this share of its height (a 0 is about 0.65): ink wider is two glyphs touching.
DIGIT_WIDEST = 0.8
JUNK = 0.1
FOUND_SURE = 0.5
MINUS = {"-", "－", "—", "一", "–"}


def prepare(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The page upright and grey, twice: for rulings the red channel (a yellowed background and a
    red seal fade, the black print under them stays), for text the same with red ink (a seal)
    made paper so that the detector sees no seal. The skew is measured on the ink and undone."""
    grey = np.ascontiguousarray(rgb[:, :, 0] if rgb.ndim == 3 else rgb)
    text = grey.copy()
    if rgb.ndim == 3:
        channels = rgb.astype(np.int16)
        # Only light red is seal: print under it stays dark in the red channel, even where JPEG's
        # coarse colour tints it red.
        seal = (channels[:, :, 0] - np.maximum(channels[:, :, 1], channels[:, :, 2]) > RED_MARGIN) & (grey > SEAL_DARKEST)
        # The seal's rims, blurred into grey by the scan and JPEG, go with it (light pixels only).
        rims = cv2.dilate(seal.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))) > 0
        text[rims & (grey > SEAL_DARKEST)] = 255
    grey, text = cv2.medianBlur(grey, 3), cv2.medianBlur(text, 3)
    angle = skew_angle(grey)
    if abs(angle) >= 0.05:
        h, w = grey.shape
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        grey, text = (cv2.warpAffine(im, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255) for im in (grey, text))
    return grey, text


def ink_of(grey: np.ndarray) -> np.ndarray:
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def skew_angle(grey: np.ndarray) -> float:
    """The rotation (degrees) that makes text lines and rulings horizontal: the angle whose row
    profile of the ink is sharpest, searched coarse then fine within ±3°."""
    small = cv2.resize(ink_of(grey), None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    h, w = small.shape
    centre = (w / 2, h / 2)

    def sharpness(a: float) -> float:
        rotated = cv2.warpAffine(small, cv2.getRotationMatrix2D(centre, a, 1.0), (w, h))
        profile = rotated.sum(axis=1, dtype=np.float64)
        return float((profile ** 2).sum())

    best = max(np.arange(-3.0, 3.01, 0.25), key=sharpness)
    return float(max(np.arange(best - 0.25, best + 0.251, 0.05), key=sharpness))


def dpi_of(grey: np.ndarray) -> float:
    return grey.shape[1] / A4_WIDTH_IN


def rulings(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the horizontal and the vertical ruling lines."""
    ink = ink_of(grey)
    dpi = dpi_of(grey)
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (int(dpi * 0.5), 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, int(dpi * 0.16))))
    grow = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
    return cv2.dilate(horizontal, grow), cv2.dilate(vertical, grow)


def table_regions(horizontal: np.ndarray, vertical: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, top, x1, bottom) of ruled tables: connected rulings wide and tall enough."""
    grid = cv2.bitwise_or(horizontal, vertical)
    n, _, stats, _ = cv2.connectedComponentsWithStats(grid, connectivity=8)
    h, w = grid.shape
    out = []
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        if bw > 0.3 * w and bh > 0.02 * h:
            out.append((int(x), int(y), int(x + bw), int(y + bh)))
    return sorted(out, key=lambda b: b[1])


def _positions(mask: np.ndarray, axis: int, min_cover: float) -> list[int]:
    """Centres of the lines in a mask along one axis (0: rows for horizontal lines)."""
    profile = (mask > 0).sum(axis=1 - axis)
    span = mask.shape[1 - axis]
    hot = np.flatnonzero(profile >= min_cover * span) if span else np.array([], dtype=int)
    out: list[int] = []
    run: list[int] = []
    for p in hot:
        if run and p - run[-1] > 2:
            out.append(int(round(sum(run) / len(run))))
            run = []
        run.append(int(p))
    if run:
        out.append(int(round(sum(run) / len(run))))
    return out


def grid_cells(region, horizontal: np.ndarray, vertical: np.ndarray) -> list[tuple[int, int, int, int, tuple[int, int, int, int]]]:
    """The cells of one ruled table: (row, col, rowspan, colspan, box), merged cells recovered
    from the missing rulings between grid positions."""
    x0, y0, x1, y1 = region
    hm, vm = horizontal[y0:y1, x0:x1], vertical[y0:y1, x0:x1]
    # A ruling between two rows runs at least the width of one column (a tenth of the table).
    ys = _positions(hm, 0, 0.04)
    xs = _positions(vm.T, 0, 0.04) if vm.size else []
    if len(ys) < 2 or len(xs) < 2:
        return []

    def v_sep(r: int, c: int) -> bool:  # a ruling between (r, c) and (r, c+1)
        band = vm[ys[r] + 3:ys[r + 1] - 2, max(xs[c + 1] - 4, 0):xs[c + 1] + 5]
        return band.size > 0 and (band.max(axis=1) > 0).mean() > 0.6

    def h_sep(r: int, c: int) -> bool:  # a ruling between (r, c) and (r+1, c)
        band = hm[max(ys[r + 1] - 4, 0):ys[r + 1] + 5, xs[c] + 3:xs[c + 1] - 2]
        return band.size > 0 and (band.max(axis=0) > 0).mean() > 0.6

    n_r, n_c = len(ys) - 1, len(xs) - 1
    parent = list(range(n_r * n_c))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(n_r):
        for c in range(n_c):
            if c + 1 < n_c and not v_sep(r, c):
                parent[find(r * n_c + c + 1)] = find(r * n_c + c)
            if r + 1 < n_r and not h_sep(r, c):
                parent[find((r + 1) * n_c + c)] = find(r * n_c + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(n_r):
        for c in range(n_c):
            groups.setdefault(find(r * n_c + c), []).append((r, c))
    cells = []
    for members in groups.values():
        r0, r1 = min(m[0] for m in members), max(m[0] for m in members) + 1
        c0, c1 = min(m[1] for m in members), max(m[1] for m in members) + 1
        cells.append((r0, c0, r1 - r0, c1 - c0, (x0 + xs[c0], y0 + ys[r0], x0 + xs[c1], y0 + ys[r1])))
    return sorted(cells, key=lambda c: (c[0], c[1]))


def crop(grey: np.ndarray, box, pad: int = 2) -> np.ndarray:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    h, w = grey.shape
    return grey[max(y0 - pad, 0):min(y1 + pad, h), max(x0 - pad, 0):min(x1 + pad, w)]


def read_page(page_images: tuple[np.ndarray, np.ndarray], engine, page: int, first_index: int) -> tuple[list, str]:
    """Blocks of one prepared page (`prepare`), in reading order, and the page's text."""
    lined, grey = page_images
    horizontal, vertical = rulings(lined)
    # The print without rulings, from the red channel (print under a seal stays black there).
    ruled = cv2.bitwise_or(horizontal, vertical)
    clean = cv2.subtract(ink_of(lined), ruled)
    near = LocalInk(lined, ruled)  # the ink round each number, for its sign and its digits
    regions = table_regions(horizontal, vertical)
    boxes = [b for b in engine.detect(grey) if b[2] - b[0] >= 3 and b[3] - b[1] >= 6]
    placed: list[tuple[float, object]] = []
    free = []
    inside: dict[int, list] = {i: [] for i in range(len(regions))}
    for box in boxes:
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        where = next((i for i, r in enumerate(regions) if r[0] <= cx <= r[2] and r[1] <= cy <= r[3]), None)
        (inside[where] if where is not None else free).append(box)
    for i, region in enumerate(regions):
        table = _ruled_table(lined, grey, clean, near, region, horizontal, vertical, inside[i], engine, page)
        if table is not None:
            placed.append((region[1], table))
    found = missed_print(cv2.subtract(ink_of(grey), ruled), free, regions)
    free, found = _absorbed(free, found)
    readings = engine.recognize([crop(grey, b) for b in free + found]) if free or found else []
    readings = _reread_red(lined, free + found, readings, engine)
    # Ink the detector passed over counts only where it reads as a figure with some confidence
    # (a seal's trace reads as a 1 at 0.05).
    figures = [b for b, r in zip(free, readings) if r.candidates and r.confidence >= FOUND_SURE]
    # Read as no number ("U" for a 0 under a seal), it is read over the digits only.
    found_read = [r if r.candidates or r.digits is None else r.digits for r in readings[len(free):]]
    kept = [(b, r) for b, r in zip(found, found_read)
            if r.candidates and (r.confidence >= FOUND_SURE or _in_a_gap_of_its_column(b, figures))]
    free, readings = free + [b for b, _ in kept], readings[:len(free)] + [r for _, r in kept]
    # A dash boxed apart is no neighbour: it is the sign being measured.
    others = [b for b, r in zip(free, readings) if r.text not in MINUS]
    readings = [_measured(r, near, b, _left_neighbour(b, others), _right_neighbour(b, others, lined.shape[1]))
                for b, r in zip(free, readings)]
    for line in _rows(list(zip(free, readings))):
        placed.append((min(b[1] for b, _ in line), _line_block(line, page)))
    placed.sort(key=lambda item: item[0])
    blocks = [b for _, b in placed]
    index = first_index
    for block in blocks:
        if isinstance(block, Table):
            block.index = index
            index += 1
    text = "\n".join(b.text if isinstance(b, Paragraph) else "\n".join(c.text for c in b.cells) for b in blocks)
    return blocks, text


def _absorbed(boxes: list, found: list) -> tuple[list, list]:
    """Print found round a box the detector drew on part of it (a box on the middle of a 1): the
    box grows to hold the print, which is read once, as one."""
    boxes = list(boxes)
    rest = []
    for f in found:
        inside = [i for i, b in enumerate(boxes) if _overlap(b, f) >= 0.5 * (b[2] - b[0]) * (b[3] - b[1])]
        if len(inside) == 1:
            b = boxes[inside[0]]
            boxes[inside[0]] = (min(b[0], f[0]), min(b[1], f[1]), max(b[2], f[2]), max(b[3], f[3]))
        elif not inside:
            rest.append(f)
    return boxes, rest


def _overlap(a, b) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _reread_red(lined: np.ndarray, boxes: list, readings: list, engine, eligible=lambda j: True) -> list:
    """A reading in doubt that is no word (a digit under a seal, half erased with the seal's red,
    read as a comma or a wrong digit) read again from the red channel, where print under a seal
    stays whole; the surer reading stands, unless only the first reads as a number."""
    again = [j for j, r in enumerate(readings) if r.confidence < REREAD_RED and (not has_cjk(r.text) or r.text in LOOKALIKES)
             and eligible(j)]
    out = list(readings)
    if again:
        for j, r in zip(again, engine.recognize([crop(lined, boxes[j]) for j in again])):
            if r.confidence > out[j].confidence and (r.candidates or not out[j].candidates):
                out[j] = r
    return out


def missed_print(clean: np.ndarray, boxes: list, regions: list) -> list:
    """Print the detector missed outside ruled tables, on a line it did find: a lone thin digit
    ("1") beside the other figures of a row, most of all. Marks the size of a glyph (from under half
    the line's height to its height; flatter or larger ink, a signature or a speck, is no glyph),
    whose middle lies on a line the detector found (a table 二 row: its label and one figure); marks
    close together make one box."""
    if len(boxes) < 2:
        return []
    mask = clean.copy()
    for x0, y0, x1, y1 in regions:
        mask[y0:y1, x0:x1] = 0
    for x0, y0, x1, y1 in boxes:
        mask[max(int(y0) - 2, 0):int(y1) + 3, max(int(x0) - 2, 0):int(x1) + 3] = 0
    typical = float(np.median([b[3] - b[1] for b in boxes]))
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    pieces = [[int(x), int(y), int(x + w), int(y + h), int(a)] for x, y, w, h, a in stats[1:] if a >= 4]
    marks = []
    for x0, y0, x1, y1, area in _glyph_pieces_joined(pieces, typical):
        h, w = y1 - y0, x1 - x0
        if 0.45 * typical <= h <= 1.2 * typical and w <= 1.5 * typical and area >= 0.1 * h * h / 4:
            middle = y0 + h / 2
            if any(b[1] <= middle <= b[3] for b in boxes):
                marks.append([x0, y0, x1, y1])
    merged: list[list[int]] = []
    for m in sorted(marks):
        near = next((g for g in merged if m[0] - g[2] < 0.4 * typical and min(m[3], g[3]) - max(m[1], g[1]) > 0.3 * typical), None)
        if near is not None:
            near[:] = [min(near[0], m[0]), min(near[1], m[1]), max(near[2], m[2]), max(near[3], m[3])]
        else:
            merged.append(list(m))
    pad = typical * 0.15
    return [(m[0] - pad, m[1] - pad, m[2] + pad, m[3] + pad) for m in merged]


def _glyph_pieces_joined(pieces: list, typical: float) -> list:
    """Pieces of ink one above the other that fit in one glyph's height, joined: a digit a seal's
    ring crossed is broken into strokes, none the height of a glyph."""
    out: list[list[int]] = []
    for p in sorted(pieces, key=lambda p: p[1]):
        for g in out:
            overlap = min(p[2], g[2]) - max(p[0], g[0])
            if overlap > 0.5 * min(p[2] - p[0], g[2] - g[0]) and max(p[3], g[3]) - min(p[1], g[1]) <= 1.2 * typical:
                g[:] = [min(g[0], p[0]), min(g[1], p[1]), max(g[2], p[2]), max(g[3], p[3]), g[4] + p[4]]
                break
        else:
            out.append(list(p))
    return out


def _in_a_gap_of_its_column(box, figures: list) -> bool:
    """Whether `box` sits where a column of figures has a gap: under figures of other rows (three
    at least), with none of its own row there. A figure under a seal reads with little confidence;
    found there, it is kept for the sums to prove."""
    h = box[3] - box[1]
    cx = (box[0] + box[2]) / 2
    same_column = [b for b in figures if abs((b[0] + b[2]) / 2 - cx) < 0.6 * h]
    own_row = [b for b in same_column if min(b[3], box[3]) - max(b[1], box[1]) > 0.3 * h]
    return len(same_column) >= 3 and not own_row


class LocalInk:
    """The print of a stretch of the page: darker than the page's threshold or than the stretch's
    own (Otsu both), and than the stretch's paper by a margin. A faint figure the page's threshold
    breaks into strokes stays whole; a light dash the stretch's dark digits would leave out stays.
    Indexed like the binary image it stands for (`ink[y0:y1, x0:x1]`); rulings are no ink."""

    MARGIN = 40

    def __init__(self, lined: np.ndarray, rulings: np.ndarray):
        self.lined, self.rulings = lined, rulings
        self.page_threshold, _ = cv2.threshold(lined, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)

    def __getitem__(self, where) -> np.ndarray:
        grey = self.lined[where]
        if grey.size == 0:
            return np.zeros_like(grey)
        otsu, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
        threshold = max(otsu, self.page_threshold)
        ink = (grey < threshold) & (grey < float(np.median(grey)) - self.MARGIN) & (self.rulings[where] == 0)
        return ink.astype(np.uint8) * 255


def _measured(reading: Reading, ink, box, left: float, right: float) -> Reading:
    """The reading with what the ink shows round it: its sign and how many digits."""
    return reading.with_sign(ink_sign(ink, box, left)).with_digit_count(ink_digits(ink, box, left, right))


def _marks(clean: np.ndarray, x0: int, x1: int, y0: int, y1: int):
    """The marks of ink in a stretch of a line (x, y, w, h each), specks of noise left out, and
    the tallest one's height; None where there is no ink."""
    region = clean[max(y0, 0):y1, max(x0, 0):x1]
    if region.size == 0:
        return None
    n, _, stats, _ = cv2.connectedComponentsWithStats(np.ascontiguousarray(region), connectivity=8)
    marks = [tuple(int(v) for v in stats[i][:5]) for i in range(1, n) if stats[i][4] >= 4]
    if not marks:
        return None
    tall = max(m[3] for m in marks)
    return [m[:4] for m in marks if m[4] >= tall * tall / 100], tall  # a hyphen is 2×4 at tall 18


def ink_sign(clean: np.ndarray, box, left: float) -> bool | None:
    """Whether the number printed in `box` starts with a minus sign, by the shape of the ink from
    `left` (the cell's edge or the next box to the left) to the box's end: the first mark is a
    dash when it is flat, at mid-height of the digits, and apart from them. A minus sign is the
    smallest mark on the page and the recogniser may drop it or read a speck as one; the ink
    decides. None when there is no digit-sized ink to measure against."""
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    h = max(y1 - y0, 1)
    found = _marks(clean, max(int(left), x0 - h, 0), x1, y0, y1)
    if found is None:
        return None
    marks, tall = found
    digits = [m for m in marks if m[3] >= 0.6 * tall]
    if tall < 0.3 * h or not digits:
        return None
    top = min(m[1] for m in digits)
    bottom = max(m[1] + m[3] for m in digits)
    first_digit = min(m[0] for m in digits)
    if next(m for m in digits if m[0] == first_digit)[2] > DIGIT_WIDEST * tall:
        return None  # wider than a digit: a dash may touch it (a "-4" whose dash meets the 4's bar)
    before = [m for m in marks if m[0] + m[2] <= first_digit + 1 and m[3] < 0.6 * tall]
    unclear = False
    for x, y, w, hh in before:
        middle = y + hh / 2
        flat = w >= 0.18 * tall and hh <= 0.35 * tall and w >= 1.5 * hh  # a hyphen is 4×2 px at 200 dpi
        centred = top + 0.25 * (bottom - top) <= middle <= top + 0.75 * (bottom - top)
        close = first_digit - (x + w) <= 0.8 * tall
        if flat and centred and close:
            return True
        # A mark where a dash would be that is no dash's shape (a smudge, a dash half lost): no
        # proof either way. "No minus" needs a clean place before the digits.
        unclear |= close and y < top + 0.75 * (bottom - top) and y + hh > top + 0.25 * (bottom - top)
    return None if unclear else False


def ink_digits(clean: np.ndarray, box, left: float, right: float) -> int | None:
    """How many digits the ink of the number in `box` shows, counted between `left` and `right`
    (the cell's edges, or the next boxes on the line: a digit the box cut off still counts):
    glyphs of a digit's height side by side, each no wider than one digit. None where it cannot
    tell (digits that touch, a glyph too wide for one digit, no digit-sized ink).
    The recogniser's doubt is most often in how many digits it saw (CTC writes 11 as 1, drops a
    last digit at a crop's edge); this counts them by another means."""
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    h = max(y1 - y0, 1)
    found = _marks(clean, max(int(left), x0 - h, 0), min(int(right), x1 + h), y0 - 2, y1 + 2)
    if found is None:
        return None
    marks, tall = found
    if tall < 0.4 * h:
        return None
    spans: list[list[int]] = []
    for x, _, w, hh in sorted(m for m in marks if m[3] >= 0.6 * tall):
        if spans and x < spans[-1][1]:  # pieces of one digit (print broken by the scan) overlap
            spans[-1][1] = max(spans[-1][1], x + w)
        else:
            spans.append([x, x + w])
    if not spans or any(b - a > DIGIT_WIDEST * tall for a, b in spans):
        return None
    return len(spans)


def _left_neighbour(box, boxes) -> float:
    """Where the ink left of `box` stops belonging to it: the nearest box before it on its line."""
    edge = 0.0
    for other in _on_its_line(box, boxes):
        if other[2] <= box[0] + 2:
            edge = max(edge, other[2])
    return edge


def _right_neighbour(box, boxes, width: float) -> float:
    """Where the ink right of `box` stops belonging to it: the nearest box after it on its line."""
    edge = width
    for other in _on_its_line(box, boxes):
        if other[0] >= box[2] - 2:
            edge = min(edge, other[0])
    return edge


def _on_its_line(box, boxes) -> list:
    return [o for o in boxes if o is not box and min(o[3], box[3]) - max(o[1], box[1]) > 0.5 * (box[3] - box[1])]


def _ruled_table(lined, grey, clean, near, region, horizontal, vertical, boxes, engine, page: int) -> Table | None:
    cells = grid_cells(region, horizontal, vertical)
    if len(cells) < 4:
        return None
    members: list[list] = [[] for _ in cells]
    for box in boxes:
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        for k, (_, _, _, _, cb) in enumerate(cells):
            if cb[0] <= cx < cb[2] and cb[1] <= cy < cb[3]:
                # Keep the box inside its cell: the detector's margin may reach over a ruling.
                members[k].append((max(box[0], cb[0] + 2), max(box[1], cb[1] + 2), min(box[2], cb[2] - 2), min(box[3], cb[3] - 2)))
                break
    # Print the detector missed (a faint digit, a digit under a seal): read it from the red
    # channel, where print under a seal stays black.
    source = [grey] * len(cells)
    for k, (_, _, _, _, cb) in enumerate(cells):
        if not members[k]:
            found = _ink_box(clean, cb)
            if found is not None:
                members[k].append(found)
                source[k] = lined
    # Text set vertically in a tall merged cell (三、本年度办理结果): its glyphs laid side by side
    # and read as one line; read box by box, each glyph alone, a 、 passes for a 1.
    upright = {}
    for k, (_, _, rs, _, cb) in enumerate(cells):
        if members[k] and cb[3] - cb[1] > 3 * (cb[2] - cb[0]):
            line = _vertical_line(grey, clean, cb)
            if line is not None:
                upright[k] = line
                members[k] = [(cb[0] + 2, cb[1] + 2, cb[2] - 2, cb[3] - 2)]
    flat = [(k, b) for k, group in enumerate(members) for line in _lines([(b, None) for b in group]) for b, _ in line]
    readings = engine.recognize([upright[k] if k in upright else crop(source[k], b) for k, b in flat]) if flat else []
    # A doubtful reading that is no word (a digit under a seal, read as a comma) is read again from
    # the red channel, where print under a seal stays whole; the surer reading stands.
    readings = _reread_red(lined, [b for _, b in flat], readings, engine,
                           lambda j: source[flat[j][0]] is grey and flat[j][0] not in upright)
    readings = [_measured(r, near, b, cells[k][4][0] + 3, cells[k][4][2] - 3) for (k, b), r in zip(flat, readings)]
    texts: list[list[Reading]] = [[] for _ in cells]
    for (k, _), reading in zip(flat, readings):
        if reading.text:
            texts[k].append(reading)
    out = []
    for (r, c, rs, cs, cb), parts in zip(cells, texts):
        text = "\n".join(p.text for p in parts)
        cell = Cell(text, r, c, rs, cs, page, tuple(float(v) for v in cb))
        if len(parts) == 1 and parts[0].text in LOOKALIKES and parts[0].digits is not None:
            parts = [parts[0].digits]  # a lone 一 in a ruled cell: a 1 misread, for the sums to prove
            cell.text = text = parts[0].text
        if len(parts) == 1 and not parts[0].candidates and not has_cjk(text):
            # Marks that read as no number and no word (a seal's edge, a smudge: every label of
            # the format has Chinese in it): a blank in doubt, never a label.
            cell.text, parts = "", []
        if parts:
            cell.ocr = parts[0] if len(parts) == 1 else Reading(text, min(p.confidence for p in parts))
        else:  # a blank is a 0 only when nothing at all is printed in the cell
            cell.ocr = Reading("", 0.0 if members[len(out)] else 1.0, ("0",))
        out.append(cell)
    return Table(cells=out, index=0, page=page)


def _vertical_line(grey: np.ndarray, clean: np.ndarray, cb) -> np.ndarray | None:
    """The glyphs of a vertical text, top to bottom, side by side on one line (grey, white between),
    or None where the cell holds no column of at least two glyphs. Glyphs are cut where the ink
    stops across the column; the strokes of one glyph (三) are kept together up to the column's width."""
    x0, y0, x1, y1 = (int(v) + d for v, d in zip(cb, (3, 3, -2, -2)))
    ink = clean[y0:y1, x0:x1] > 0
    if ink.size == 0 or not ink.any():
        return None
    cols = np.flatnonzero(ink.any(axis=0))
    size = int(cols.max() - cols.min() + 1)  # a glyph is about as tall as the column is wide
    rows = np.flatnonzero(ink.any(axis=1))
    bands: list[list[int]] = []
    for r in rows:
        if bands and r - bands[-1][1] <= 1:
            bands[-1][1] = int(r)
        else:
            bands.append([int(r), int(r)])
    glyphs: list[list[int]] = []
    for a, b in bands:
        if glyphs and b - glyphs[-1][0] < 1.15 * size:
            glyphs[-1][1] = b
        else:
            glyphs.append([a, b])
    if len(glyphs) < 2 or any(b - a > 1.6 * size for a, b in glyphs):
        return None
    height = max(b - a for a, b in glyphs) + 9
    gap = max(size // 3, 4)
    pieces = []
    for a, b in glyphs:
        part = ink[a:b + 1]
        xs = np.flatnonzero(part.any(axis=0))
        piece = grey[y0 + a:y0 + b + 1, x0 + xs.min():x0 + xs.max() + 1]
        canvas = np.full((height, piece.shape[1] + gap), 255, dtype=np.uint8)
        top = (height - piece.shape[0]) // 2
        canvas[top:top + piece.shape[0], gap // 2:gap // 2 + piece.shape[1]] = piece
        pieces.append(canvas)
    return np.hstack(pieces)


def _ink_box(clean: np.ndarray, cb) -> tuple[float, float, float, float] | None:
    x0, y0, x1, y1 = (int(v) for v in cb)
    inner = clean[y0 + 4:y1 - 3, x0 + 4:x1 - 3]
    if inner.size == 0 or (inner > 0).sum() < 25:
        return None
    ys, xs = np.nonzero(inner)
    if ys.max() - ys.min() < 6:
        return None
    return (x0 + 4 + xs.min(), y0 + 4 + ys.min(), x0 + 5 + xs.max(), y0 + 5 + ys.max())


def _lines(items: list) -> list[list]:
    """Boxes grouped into lines: a box joins the line whose middle it spans."""
    lines: list[list] = []
    for box, reading in sorted(items, key=lambda it: (it[0][1] + it[0][3]) / 2):
        cy = (box[1] + box[3]) / 2
        for line in lines:
            mid = sum((b[1] + b[3]) / 2 for b, _ in line) / len(line)
            height = max(b[3] - b[1] for b, _ in line)
            if abs(cy - mid) < 0.5 * max(height, box[3] - box[1]):
                line.append((box, reading))
                break
        else:
            lines.append([(box, reading)])
    for line in lines:
        line.sort(key=lambda it: it[0][0])
    return lines


def _rows(items: list) -> list[list]:
    """Read boxes outside ruled tables grouped into lines. The figures of a table row sit on one
    line however its label wraps: they make the rows, and a label line joins the row it overlaps
    most (the two lines of a wrapped label both, in reading order); the rest is grouped as text."""
    items = [(b, r) for b, r in items if r.text and not (r.confidence < JUNK and not r.candidates)]
    numbers = [(b, r) for b, r in items if r.candidates and not has_cjk(r.text)]
    rows = [line for line in _lines(numbers) if len(line) >= 2]
    in_rows = {id(b) for line in rows for b, _ in line}
    rest = [(b, r) for b, r in items if id(b) not in in_rows]
    loose = []
    for box, reading in rest:
        best, share = None, 0.3
        for line in rows:
            top, bottom = min(b[1] for b, _ in line), max(b[3] for b, _ in line)
            overlap = (min(bottom, box[3]) - max(top, box[1])) / max(box[3] - box[1], 1)
            if overlap > share:
                best, share = line, overlap
        (best.append((box, reading)) if best is not None else loose.append((box, reading)))
    for line in rows:
        first = min(b[0] for b, r in line if r.candidates and not has_cjk(r.text))
        label = sorted((it for it in line if it[0][2] <= first + 2), key=lambda it: (it[0][1], it[0][0]))
        label = [it for part in _lines(label) for it in part]  # its lines top to bottom, each left to right
        figures = sorted((it for it in line if it[0][2] > first + 2), key=lambda it: it[0][0])
        # Among the figures, a mark that read as no number ("U" for a 0 under a seal) is read over
        # the digits only: a figure is printed there (the proof decides whether it holds).
        figures = [(b, r.digits) if not r.candidates and r.digits is not None and not has_cjk(r.text) else (b, r)
                   for b, r in figures]
        line[:] = label + figures
    return sorted(rows + _lines(loose), key=lambda line: min(b[1] for b, _ in line))


def _signed(line: list) -> list:
    """A minus sign the detector boxed apart from its number ("-" then "1" close by) joins it:
    read apart, the dash would be a "not applicable" cell and the number would lose its sign."""
    out: list = []
    for box, reading in line:
        if out and out[-1][1].text in MINUS and reading.candidates:
            prev_box, prev = out[-1]
            if reading.sign_checked and box[0] - prev_box[2] < (box[3] - box[1]):
                out[-1] = ((prev_box[0], min(prev_box[1], box[1]), box[2], max(prev_box[3], box[3])), reading)
                continue  # the ink already gave the number its sign: the dash is part of it
            if box[0] - prev_box[2] < (box[3] - box[1]):
                merged = (prev_box[0], min(prev_box[1], box[1]), box[2], max(prev_box[3], box[3]))
                out[-1] = (merged, Reading("-" + reading.text, min(prev.confidence, reading.confidence),
                                           tuple("-" + c for c in reading.candidates)))
                continue
        out.append((box, reading))
    return out


def _line_block(line: list, page: int):
    line = _signed(line)
    tokens: list[str] = []
    owners: list[int] = []
    for i, (_, reading) in enumerate(line):
        for token in unicodedata.normalize("NFKC", reading.text).split():
            tokens.append(token)
            owners.append(i)
    spans = row_cell_spans(tokens)
    if spans is None:
        return Paragraph(" ".join(r.text for _, r in line), page=page)
    cells = []
    for c, (text, start, end) in enumerate(spans):
        members = sorted(set(owners[start:end]))
        boxes = [line[m][0] for m in members]
        bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        cell = Cell(text, 0, c, page=page, bbox=tuple(float(v) for v in bbox))
        readings = [line[m][1] for m in members]
        whole = len(members) == 1 and end - start == sum(1 for o in owners if o == members[0])
        cell.ocr = readings[0] if whole else Reading(text, min(r.confidence for r in readings))
        cells.append(cell)
    return Table(cells=cells, index=0, page=page, from_lines=True)
