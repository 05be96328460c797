"""The report template, loaded once from `metrics.csv` (keys, units) and `template.yaml` (labels).

Everything that knows what the national format prints reads it from here.
"""

from __future__ import annotations

import csv
import os
import unicodedata
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import hashlib
import json
from pathlib import Path

TEMPLATES = ("2019", "2021")


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    table: int
    row_zh: str
    column_zh: str
    template: str  # "2019", "2021" or "both"
    unit: str


@cache
def metrics() -> tuple[Metric, ...]:
    text = resources.files("transform").joinpath("metrics.csv").read_text(encoding="utf-8")
    return tuple(
        Metric(r["key"], int(r["table"]), r["row_zh"], r["column_zh"], r["template"], r["unit"])
        for r in csv.DictReader(text.splitlines())
    )


@cache
def layout() -> dict:
    return template_data("template.yaml")


@cache
def template_data(name: str) -> dict:
    """A YAML file of template knowledge beside this module (template.yaml, phrases.yaml), parsed."""
    text = resources.files("transform").joinpath(name).read_text(encoding="utf-8")
    return _parsed_yaml(text, Path(name).stem)


def _parsed_yaml(text: str, stem: str) -> dict:
    """A template file parsed, through a JSON copy kept beside the bytecode: importing PyYAML and
    parsing take a tenth of a second, most of a one-document run. The copy is named by the text's
    hash, so an edited file is parsed afresh."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    cached = Path(__file__).resolve().parent / "__pycache__" / f"{stem}-{digest}.json"
    try:
        return json.loads(cached.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    import yaml

    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if json.loads(json.dumps(data, ensure_ascii=False)) != data:
        return data  # not representable as JSON as it is (say, a number as a key): no copy
    try:
        cached.parent.mkdir(exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(cached)  # atomic: a concurrent reader sees the whole file or none
    except OSError:
        pass  # a read-only install parses every time
    return data


@cache
def keys_for(template: str) -> tuple[str, ...]:
    """Every key of one version, in metrics.csv order, each once."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}")
    seen: dict[str, None] = {}
    for m in metrics():
        if m.template in (template, "both"):
            seen.setdefault(m.key, None)
    return tuple(seen)


@cache
def all_keys() -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.key for m in metrics()))


@cache
def metric(key: str) -> Metric:
    for m in metrics():
        if m.key == key:
            return m
    raise KeyError(key)


def unit_of(key: str) -> str:
    return metric(key).unit


def may_be_negative(key: str) -> bool:
    """Whether the format lets this figure be below zero (table 二's 本年增/减)."""
    return key.startswith("t2.") and key.rsplit(".", 1)[-1] in layout()["t2_signed_columns"]


def t3_columns() -> list[str]:
    return [c["key"] for c in layout()["t3_columns"]]


def t3_rows(template: str) -> list[dict]:
    """Table 三's rows of one version, in printed order."""
    return [r for r in layout()["t3_rows"] if r.get("template", template) == template]


def t3_outcome_rows(template: str) -> list[str]:
    """The rows whose sum is （七）总计 (rule 2)."""
    skip = {"new", "carried_over", "total", "carried_forward"}
    return [r["key"] for r in t3_rows(template) if r["key"] not in skip]


def t4_groups() -> list[str]:
    return [g["key"] for g in layout()["t4_groups"]]


def t4_columns() -> list[str]:
    return [c["key"] for c in layout()["t4_columns"]]


def t2_sections(template: str) -> list[dict]:
    return layout()["t2_sections"][template]


_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=16384)  # labels repeat across rows and documents
def normalize(text: str | None) -> str:
    """A label as compared: NFKC (full-width forms folded), no white space of any kind."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    return _SPACE.sub("", text)


@cache
def _unit_pattern() -> re.Pattern:
    units = "|".join(sorted(map(re.escape, layout()["money_units"]), key=len, reverse=True))
    # "（元）", "(单位:万元)", "单位：元" as folded by normalize() (NFKC: full-width brackets and colon
    # become ASCII), anywhere in a label.
    return re.compile(rf"\(?(?:单位:?)?(?P<unit>{units})\)?$|\((?:单位:?)?(?P<inner>{units})\)|单位:(?P<after>{units})")


def split_unit(label: str) -> tuple[str, str | None]:
    """A normalised label without the money unit it prints, and that unit ("元", "万元") or None.
    A bare trailing 元 counts only in brackets or after 单位: (金额 ends in 额, 单元 is no unit)."""
    match = None
    for m in _unit_pattern().finditer(label):
        if m["unit"] and not (m.group(0).startswith(("(", "单位"))):
            continue
        match = m
    if match is None:
        return label, None
    unit = match["unit"] or match["inner"] or match["after"]
    return (label[: match.start()] + label[match.end():]).strip(), unit


def money_factor(unit: str) -> float:
    """How many 万元 one `unit` is."""
    return float(layout()["money_units"][unit])
