"""The OCR engines: RapidOCR (PP-OCRv4 detection and recognition, ONNX Runtime on CPU, the models
ship inside the `rapidocr-onnxruntime` wheel) reads scans; Tesseract (chi_sim) is kept only for
`benchmarks/ocr_bench.py`, which measures both on the same pages and skips it where it is absent.

An engine finds text boxes on a page image and reads each box as a `Reading`: the text, the
engine's confidence, and, for a box that reads as a number, the numbers the engine found almost as
likely (its candidates). Nothing is downloaded: a missing engine is a `ReadError` that says so.
"""

from __future__ import annotations

import bisect
import math
import os
import subprocess
from dataclasses import dataclass, field, replace
from functools import lru_cache

import cv2
import numpy as np

from extract.document import ReadError

DIGITS = "0123456789"
# A character whose runner-up in the recogniser's output is at least this likely is ambiguous:
# the runner-up makes a candidate reading.
RUNNER_UP_SHARE = 0.02
REC_HEIGHT = 48
MINUS = {"-", "－", "—", "–"}
DETECT_WIDTH = 1000
# One image per run: ONNX Runtime on one CPU thread costs more per image in a batch (measured:
# 16 strips of 1280 px 4.6 s together, 0.18 s each alone), as padding and cache misses grow.
REC_BATCH = 1
MIN_WIDTH = 320  # the recogniser's training width: narrower reads lone digits worse
SHORT_WIDTH = 160  # crops up to this wide (at 48 px high) are packed into strips
STRIP_WIDTH = 1280
REREAD = 0.95  # a packed number read below this is read again alone
FAINT = 0.6  # a non-digit glyph read below this among digits is a stray mark
GAP = 24  # white between packed crops: three steps of the recogniser (16 lets neighbours misread labels)


@dataclass(frozen=True, slots=True)
class Reading:
    """What the engine read in one box. `candidates` are other numbers the box may print (the
    reading's own number first when it is one)."""

    text: str
    confidence: float
    candidates: tuple[str, ...] = field(default=())
    # The sign was measured on the ink (a dash before the digits or none), not only read.
    sign_checked: bool = False
    # A reading that is no number, read over the digits only: for where a figure is printed.
    digits: "Reading | None" = None
    # As many digits as the ink shows were read (page.ink_digits): no digit doubled or dropped.
    count_checked: bool = False

    def with_sign(self, negative: bool | None) -> "Reading":
        """The reading with the sign the ink shows (None: the ink could not tell). A dash found is
        taken; a minus read where the ink shows none stays in doubt (a faint dash may fall below
        the ink's threshold): the sign is then unchecked."""
        if negative is None or not self.candidates or (not negative and self.text.startswith("-")):
            return self
        sign = "-" if negative else ""
        cands = tuple(dict.fromkeys(sign + c.lstrip("-") for c in self.candidates))
        return replace(self, text=sign + self.text.lstrip("-"), candidates=cands, sign_checked=True)

    def with_digit_count(self, count: int | None) -> "Reading":
        """The reading vouched for by the ink's count of digits (None: the ink could not tell).
        Where the count is the reading's, candidates of another length go: the ink refutes them."""
        if count is None or not self.candidates or _digit_count(self.text) != count:
            return self
        cands = tuple(c for c in self.candidates if _digit_count(c) == count)
        return replace(self, candidates=cands, count_checked=True)


def box_of(points) -> tuple[float, float, float, float]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys)))


class RapidEngine:
    name = "rapidocr"

    def __init__(self, threads: int | None = None) -> None:
        try:
            import rapidocr_onnxruntime
            from rapidocr_onnxruntime.ch_ppocr_det import TextDetector
            from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer
            from rapidocr_onnxruntime.utils import read_yaml
        except ImportError as exc:  # the wheel is a pinned dependency; say what is missing
            raise ReadError("scanned document: the OCR engine (rapidocr-onnxruntime) is not installed") from exc
        root = os.path.dirname(rapidocr_onnxruntime.__file__)
        config = read_yaml(os.path.join(root, "config.yaml"))
        threads = threads or int(os.environ.get("XXGK_OCR_THREADS", "1"))
        for part in ("Det", "Rec"):
            config[part]["model_path"] = os.path.join(root, config[part]["model_path"])
            config[part]["intra_op_num_threads"] = threads
            config[part]["inter_op_num_threads"] = 1
        self.version = getattr(rapidocr_onnxruntime, "__version__", "")
        self._det = TextDetector(config["Det"])
        self._rec = TextRecognizer(config["Rec"])
        self._chars = self._rec.postprocess_op.character
        # Each digit's probability is the sum over the characters it is printed or misread as.
        self._digit_ids = [[i for i, ch in enumerate(self._chars) if ch in DIGIT_FORMS[d]] for d in DIGITS]

    def detect(self, image: np.ndarray) -> list[tuple[float, float, float, float]]:
        """Text boxes (x0, top, x1, bottom) on a grey page image. The detector sees the page at
        about DETECT_WIDTH pixels across (text boxes need no more; it is the costly step)."""
        scale = min(1.0, DETECT_WIDTH / image.shape[1])
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
        boxes, _ = self._det(_rgb(small))
        return [tuple(v / scale for v in box_of(b)) for b in (boxes if boxes is not None else [])]

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
        """Each crop (grey, one line of text) read. Short crops (numbers, most of all) are packed
        side by side into strips with white gaps and read together, each one decoded from the
        recogniser's steps over its own stretch of the strip: four times fewer steps than one
        call per crop."""
        scaled = [_to_height(c) for c in crops]
        short = [i for i, c in enumerate(scaled) if c.shape[1] <= SHORT_WIDTH]
        long = [i for i, c in enumerate(scaled) if c.shape[1] > SHORT_WIDTH]
        out: list[Reading | None] = [None] * len(crops)
        strips: list[tuple[np.ndarray, list[tuple[int, int, int]]]] = []
        row: list[tuple[int, int, int]] = []
        x = GAP
        for i in short:
            w = scaled[i].shape[1]
            if row and x + w + GAP > STRIP_WIDTH:
                strips.append((_strip(scaled, row, x), row))
                row, x = [], GAP
            row.append((i, x, x + w))
            x += w + GAP
        if row:
            strips.append((_strip(scaled, row, x), row))
        for start in range(0, len(strips), REC_BATCH):
            batch = strips[start:start + REC_BATCH]
            probs, stride = self._run([s for s, _ in batch])
            for (strip, members), p in zip(batch, probs):
                for i, x0, x1 in members:
                    # The steps over the crop and half the white on each side (an emission may
                    # come a step early or late).
                    lo, hi = x0 - GAP // 2, x1 + GAP // 2
                    out[i] = self._decode(p[max(int(lo // stride), 0): int(math.ceil(hi / stride))])
        # A packed crop read as nothing, with doubt, or as marks that are neither a number nor a
        # word ("0." where a neighbour's edge came into its stretch) is read again on its own.
        long += [i for i in short if out[i] is None or not out[i].text or (out[i].candidates and out[i].confidence < REREAD)
                 or (not out[i].candidates and not has_cjk(out[i].text))]
        long.sort(key=lambda i: scaled[i].shape[1])
        for start in range(0, len(long), REC_BATCH):
            batch = long[start:start + REC_BATCH]
            probs, _ = self._run([scaled[i] for i in batch])
            for i, p in zip(batch, probs):
                again = self._decode(p)
                first = out[i]
                if first is not None and first.text and _unsigned(again.text) == _unsigned(first.text):
                    # Two readings that agree: wrong only if both are. A minus one of them missed
                    # is not a disagreement: the sign is measured on the ink (page.ink_sign).
                    both = 1 - (1 - first.confidence) * (1 - again.confidence)
                    text = max(first.text, again.text, key=lambda t: t.startswith("-"))
                    out[i] = replace(again, text=text, confidence=both,
                                     candidates=tuple(dict.fromkeys(first.candidates + again.candidates)))
                elif first is None or again.confidence > first.confidence:
                    out[i] = again
        return [r if r is not None else Reading("", 0.0) for r in out]

    def _run(self, images: list[np.ndarray]) -> tuple[np.ndarray, float]:
        """The recogniser's per-step character probabilities for a batch of grey 48-pixel-high
        images, left-aligned and padded with zeros as PaddleOCR feeds them."""
        width = max(max(im.shape[1] for im in images), MIN_WIDTH)
        tensor = np.zeros((len(images), 3, REC_HEIGHT, width), dtype=np.float32)
        for j, im in enumerate(images):
            tensor[j, :, :, :im.shape[1]] = (im.astype(np.float32) / 127.5 - 1.0)[None, :, :]
        probs = self._rec.session(tensor)[0]
        return probs, width / probs.shape[1]

    def _decode(self, probs: np.ndarray) -> Reading:
        """Greedy CTC decoding. A box without Chinese characters is read as a number where its
        glyphs are digits: each glyph's digit is the one with most of its probability (full-width
        forms and "o" counted as digits), its runner-up digits give candidates, and a faint glyph
        that is no digit (a stamp's edge) is dropped with the reading marked as doubtful."""
        glyphs = _glyphs(probs)
        text = "".join(self._chars[k] for k, _ in glyphs).replace("blank", "").strip()
        confs = [float(probs[frames, k].max()) for k, frames in glyphs]
        plain = Reading(text, min(confs) if confs else 0.0)
        if text in LOOKALIKES:  # a lone 一 in a figure's cell is a 1 misread, elsewhere a word or a dash
            return Reading(text, plain.confidence, digits=Reading(str(LOOKALIKES[text]), min(plain.confidence, LOOKALIKE_SURE),
                                                                 (str(LOOKALIKES[text]),)))
        if not text or has_cjk(text):
            return plain
        digit_mass = np.stack([probs[:, ids].sum(axis=1) for ids in self._digit_ids], axis=1)
        number = self._number(glyphs, confs, probs, digit_mass, forced=False)
        if number is not None:
            return number
        # Not a number as read ("U", "?"): its digits-only reading, for where the layout says a
        # figure is printed (a box among a row's figures: page._rows).
        forced = self._number(glyphs, confs, probs, digit_mass, forced=True) if len(glyphs) <= 4 else None
        return Reading(plain.text, plain.confidence, digits=forced)

    def _number(self, glyphs, confs, probs, digit_mass, forced: bool) -> Reading | None:
        """The glyphs as a number, or None where one is no digit (unless `forced`: each glyph's
        likeliest digit then, however unlikely)."""
        sure: list[float] = []
        alts: list[dict[int, float]] = []
        sign = ""
        if len(glyphs) > 1 and self._chars[glyphs[0][0]] in MINUS:  # "-1": a decrease in table 二
            sign = "-"  # its doubt is not the digits': the sign is measured on the ink (page.ink_sign)
            glyphs, confs = glyphs[1:], confs[1:]
        chars: list[str] = []
        runs: list[int] = []  # steps each glyph was emitted over
        doubt: list[bool] = []  # each glyph read with doubt
        for (k, frames), conf in zip(glyphs, confs):
            if not self._chars[k].strip():
                continue  # a space the recogniser put between glyphs
            if self._chars[k] in ".．·" and chars and chars[-1] != ".":  # an amount: 447.75
                chars.append(".")
                alts.append({})
                runs.append(1)
                doubt.append(False)
                sure.append(conf)
                continue
            share = digit_mass[frames].sum(axis=0) / max(float((1.0 - probs[frames, 0]).sum()), 1e-9)
            d = int(share.argmax())
            if share[d] < 0.5 and (len(glyphs) == 1 or conf >= FAINT) and self._chars[k] in FORM_DIGIT:
                # The recogniser's best is a form of a digit ("。" where 0 is printed) though its
                # mass is spread over look-alikes: that digit, with the doubt in its confidence.
                d = FORM_DIGIT[self._chars[k]]
            elif share[d] < 0.5:
                if conf < FAINT and len(glyphs) > 1:
                    sure.append(min(conf, 0.5))  # a stray mark: dropped, but the reading is in doubt
                    continue
                if not forced:
                    return None  # a printed character that is no digit: "—", "/", a word
            chars.append(DIGITS[d])
            runs.append(len(frames))
            # Sure as the likeliest step gives the digit in any of its forms (0 and O are one 0).
            sure.append(float(digit_mass[frames, d].max()))
            doubt.append(sure[-1] < REREAD)
            alts.append({int(j): float(share[j]) for j in np.flatnonzero(share >= RUNNER_UP_SHARE) if int(j) != d})
        if not any(ch in DIGITS for ch in chars) or chars[-1] == "." or chars[0] == ".":
            return None
        reading = "".join(chars)
        candidates = [reading]
        for pos, options in enumerate(alts):
            for j, _ in sorted(options.items(), key=lambda kv: -kv[1]):
                alt = reading[:pos] + DIGITS[j] + reading[pos + 1:]
                if alt not in candidates:
                    candidates.append(alt)
        # CTC writes one glyph for a digit repeated with no blank between ("11" as "1"): a glyph
        # emitted over several steps, or read with doubt, may be two.
        for pos, steps in enumerate(runs):
            doubled = reading[:pos + 1] + reading[pos:]
            if (steps >= 2 or doubt[pos]) and reading[pos] in DIGITS and doubled not in candidates:
                candidates.append(doubled)
        return Reading(sign + reading, float(min(sure)), tuple(sign + c for c in candidates))


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _digit_count(text: str) -> int:
    return sum(ch in DIGITS for ch in text)


def _unsigned(text: str) -> str:
    return text[1:] if text[:1] in MINUS else text


def _glyphs(probs: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """CTC's collapse: runs of steps with the same non-blank best character, with their steps."""
    best = probs.argmax(axis=1)
    out: list[tuple[int, list[int]]] = []
    last = 0
    for t, k in enumerate(best):
        k = int(k)
        if k != 0:
            if k == last:
                out[-1][1].append(t)
            else:
                out.append((k, [t]))
        last = k
    return [(k, np.array(frames)) for k, frames in out]


def _to_height(crop: np.ndarray) -> np.ndarray:
    h, w = crop.shape[:2]
    width = max(8, math.ceil(REC_HEIGHT * w / max(h, 1)))
    return cv2.resize(crop, (width, REC_HEIGHT))


def _strip(scaled: list[np.ndarray], members: list[tuple[int, int, int]], width: int) -> np.ndarray:
    strip = np.full((REC_HEIGHT, max(width, MIN_WIDTH)), 255, dtype=np.uint8)
    for i, x0, x1 in members:
        strip[:, x0:x1] = scaled[i]
    return strip


# What the recogniser prints for a digit in a number box (full-width forms, and o for 0 most of all).
DIGIT_FORMS = {d: {d, chr(ord(d) + 0xFEE0)} for d in DIGITS}
DIGIT_FORMS["0"] |= {"o", "O", "〇", "○", "。"}
DIGIT_FORMS["1"] |= {"l", "I", "|", "]", "[", "丨", "!"}
FORM_DIGIT = {form: int(d) for d, forms in DIGIT_FORMS.items() for form in forms}
# Characters a lone digit is misread as that are characters in their own right (一 for 1; a dash
# may read so too): offered as that digit only where a figure's cell is ruled, never surer than
# LOOKALIKE_SURE, so that only an equation can keep it.
LOOKALIKES = {"一": 1}
LOOKALIKE_SURE = 0.5


def _rgb(image: np.ndarray) -> np.ndarray:
    return np.repeat(image[:, :, None], 3, axis=2) if image.ndim == 2 else image


class TesseractEngine:
    """Tesseract (chi_sim) as the recogniser behind the same detector and table layout, for the
    benchmark's comparison only: not a runtime dependency (XXGK_OCR_ENGINE=tesseract)."""

    name = "tesseract"

    def __init__(self) -> None:
        import shutil

        if shutil.which("tesseract") is None:
            raise ReadError("scanned document: tesseract is not installed")
        self._detector = RapidEngine()
        self.version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]

    def detect(self, image: np.ndarray):
        return self._detector.detect(image)

    def recognize(self, crops: list[np.ndarray]) -> list[Reading]:
        """The crops stacked one under the other with white between, read in one Tesseract run
        (one process per crop would cost more than the reading); words go back to their crop by
        where they sit."""
        if not crops:
            return []
        scaled = [_to_height(c) for c in crops]
        gap = 24
        width = max(c.shape[1] for c in scaled) + 2 * gap
        tops, y = [], gap
        for c in scaled:
            tops.append(y)
            y += c.shape[0] + gap
        sheet = np.full((y, width), 255, dtype=np.uint8)
        for c, top in zip(scaled, tops):
            sheet[top:top + c.shape[0], gap:gap + c.shape[1]] = c
        ok, png = cv2.imencode(".png", sheet)
        proc = subprocess.run(["tesseract", "stdin", "stdout", "-l", "chi_sim", "--psm", "6", "tsv"],
                              input=png.tobytes(), capture_output=True, check=False)
        words: list[list[tuple[float, str, float]]] = [[] for _ in crops]
        for line in proc.stdout.decode("utf-8", "replace").splitlines()[1:]:
            parts = line.split("\t")
            if len(parts) < 12 or not parts[11].strip():
                continue
            x, top, h = float(parts[6]), float(parts[7]), float(parts[9])
            i = max(0, bisect.bisect_right(tops, top + h / 2) - 1)
            words[i].append((x, parts[11].strip(), max(float(parts[10]), 0.0) / 100))
        out = []
        for found in words:
            found.sort()
            text = "".join(w for _, w, _ in found)
            conf = min((c for _, _, c in found), default=0.0)
            digits = text.replace("o", "0").replace("O", "0")
            cands = (digits,) if digits.isdigit() else ()
            out.append(Reading(digits if cands else text, conf, cands))
        return out


ENGINES = {"rapidocr": RapidEngine, "tesseract": TesseractEngine}


@lru_cache(maxsize=1)
def default_engine():
    """One engine per process (loading the models takes a second): RapidOCR, unless
    XXGK_OCR_ENGINE names another (the benchmark's comparison)."""
    return ENGINES[os.environ.get("XXGK_OCR_ENGINE", "rapidocr")]()
