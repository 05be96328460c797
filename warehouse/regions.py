"""GB/T 2260 regions: the vendored code list (gbt2260/regions.csv) into the `regions` table, and a name
index for placing agencies.

A region's `identity` is the current code it continues as: follow `successor` links (洪泽县 320829 →
洪泽区 320813) to the end. Province and city of a historical county are those of its identity.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from io import StringIO

import duckdb

# Province short names as used in agency names (山西省 → 山西, 广西壮族自治区 → 广西, 北京市 → 北京).
_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    kind: str
    parent: str | None
    is_current: bool
    first_seen: str
    last_seen: str
    successor: str | None
    former_names: tuple[str, ...]
    identity: str = ""
    province: str = ""
    city: str | None = None


def _csv_text() -> str:
    return (Path(__file__).parent / "gbt2260" / "regions.csv").read_text(encoding="utf-8")


@cache
def regions() -> dict[str, Region]:
    """Every region of the vendored list, by code, with identity, province and city resolved."""
    text = _csv_text()
    rows = [r for r in csv.DictReader(line for line in StringIO(text) if not line.startswith("#"))]
    raw = {
        r["code"]: Region(
            code=r["code"], name=r["name"], level=r["level"], kind=r["kind"], parent=r["parent"] or None,
            is_current=r["current"] == "1", first_seen=r["first_seen"], last_seen=r["last_seen"],
            successor=r["successor"] or None,
            former_names=tuple(n for n in r["former_names"].split("|") if n),
        )
        for r in rows
    }
    out: dict[str, Region] = {}
    for code, reg in raw.items():
        ident, seen = code, {code}
        while raw[ident].successor and raw[ident].successor in raw and raw[ident].successor not in seen:
            ident = raw[ident].successor
            seen.add(ident)
        base = raw[ident]
        province = code[:2] + "0000"
        city = None
        if base.level == "county" and base.parent and base.parent != province:
            city = base.parent
        elif base.level == "city":
            city = base.code
        out[code] = Region(**{**reg.__dict__, "identity": ident, "province": province, "city": city})
    return out


def data_version() -> str:
    return hashlib.sha256(_csv_text().encode()).hexdigest()[:16]


def load_regions(con: duckdb.DuckDBPyConnection) -> bool:
    """Fill (or refresh) the `regions` table from the vendored list; True when it changed anything."""
    version = data_version()
    row = con.execute("SELECT value FROM meta WHERE name = 'regions_version'").fetchall()
    if row and row[0][0] == version:
        return False
    import pandas as pd

    df = pd.DataFrame(
        [
            {
                "code": r.code, "name": r.name, "level": r.level, "kind": r.kind or None, "parent": r.parent,
                "province": r.province, "city": r.city, "is_current": r.is_current, "first_seen": r.first_seen,
                "last_seen": r.last_seen, "successor": r.successor, "identity": r.identity,
                "former_names": list(r.former_names),
            }
            for r in regions().values()
        ]
    )
    con.execute("DELETE FROM regions")
    con.register("_regions_df", df)
    try:
        con.execute("INSERT INTO regions BY NAME SELECT * FROM _regions_df")
    finally:
        con.unregister("_regions_df")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('regions_version', ?)", [version])
    return True


def identity(code: str | None) -> str | None:
    """The current code a (possibly historical) code continues as; the code itself when unknown."""
    if not code:
        return None
    reg = regions().get(code)
    return reg.identity if reg else code


def is_within(code: str, area: str) -> bool:
    """Whether region `code` lies in (or is) region `area` (both resolved to identities)."""
    reg = regions().get(identity(code) or "")
    a = identity(area) or area
    if reg is None:
        return code == a
    return a in (reg.code, reg.identity, reg.province, reg.city, reg.parent)


@dataclass
class NameIndex:
    """Full names (current and former) of counties, cities and provinces → identity codes."""

    counties: dict[str, set[str]] = field(default_factory=dict)
    cities: dict[str, set[str]] = field(default_factory=dict)
    provinces: dict[str, set[str]] = field(default_factory=dict)

    def longest_prefix(self, text: str, table: dict[str, set[str]]) -> tuple[str, set[str]] | None:
        for n in range(min(len(text), 12), 1, -1):
            hit = table.get(text[:n])
            if hit:
                return text[:n], hit
        return None


@cache
def name_index() -> NameIndex:
    idx = NameIndex()
    for reg in regions().values():
        table = {"county": idx.counties, "city": idx.cities, "province": idx.provinces}[reg.level]
        for name in (reg.name, *reg.former_names):
            table.setdefault(name, set()).add(reg.identity)
            if reg.level == "province":
                for suffix in _PROVINCE_SUFFIXES:
                    if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                        table.setdefault(name[: -len(suffix)], set()).add(reg.identity)
                        break
    return idx
