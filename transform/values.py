"""Reading one printed cell as a figure: blanks, dashes, full-width digits, units."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# What a printed value may look like once normalised: a signed number with an optional unit. The
# sign may be a word (本年增/减 printed as 减12, 增加3): 减 and 减少 are negative.
_NUMBER = re.compile(r"^(?:(?P<sign>[+\-])|(?P<word>增加|减少|增|减))?"
                     r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<unit>万元|元|件|个|项|次|条|%)?$")
_NEGATIVE_WORDS = ("减", "减少")
_NOT_APPLICABLE = {"—", "/", "-", "--", "——", "－", "\\", "无", "―", "─", "N/A", "n/a", "×"}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class CellValue:
    """What a cell says: `kind` is number, blank, na (a dash), multi (several numbers) or text."""

    kind: str
    number: float | None = None
    unit: str | None = None
    parts: tuple[float, ...] = ()

    @property
    def is_value(self) -> bool:
        return self.kind in ("number", "blank", "na", "multi")


BLANK = CellValue("blank", 0)
TEXT = CellValue("text")


@lru_cache(maxsize=8192)  # cells repeat ("0" most of all); the answer depends on the text only
def read_cell(text: str | None) -> CellValue:
    if text is None:
        return BLANK
    folded = unicodedata.normalize("NFKC", text).replace("\u3000", " ").strip()
    if not folded:
        return BLANK
    compact = _SPACE.sub("", folded)
    if compact in _NOT_APPLICABLE or set(compact) <= set("—-－/―─"):
        return CellValue("na", 0)
    match = _NUMBER.match(compact)
    if match and compact == folded.replace(" ", "") and not _SPACE.search(folded):
        return CellValue("number", _as_number(match), match["unit"])
    # "0\n0\n0": numbers of several merged cells in one; never read as one figure.
    pieces = _SPACE.split(folded)
    if len(pieces) > 1 and all(_NUMBER.match(p) for p in pieces):
        return CellValue("multi", None, None, tuple(_as_number(_NUMBER.match(p)) for p in pieces))
    if match:  # "1 0" style spacing inside one number is not trusted either
        return CellValue("multi", None, None, (_as_number(match),))
    return TEXT


def _as_number(match: re.Match) -> float:
    value = float(match["num"].replace(",", ""))
    return -value if match["sign"] == "-" or match["word"] in _NEGATIVE_WORDS else value


def to_unit(value: CellValue, key_unit: str, context_unit: str | None = None) -> tuple[float | int, bool]:
    """The figure in the key's unit (an int when whole), and whether a conversion happened. The
    cell's own unit governs; else the unit its row label or column header prints (`context_unit`)."""
    from transform.template import layout, money_factor

    number = value.number or 0
    unit = value.unit or context_unit
    converted = False
    if key_unit in layout()["money_units"] and unit in layout()["money_units"] and unit != key_unit:
        number = number * money_factor(unit) / money_factor(key_unit)
        converted = True
    number = round(number, 6)
    return (int(number) if float(number).is_integer() else number), converted
