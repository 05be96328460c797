"""A small demo corpus of generated reports for a few real counties, with a manifest.

    from xxgk.generate.corpus import write_demo_corpus
    entries = write_demo_corpus("demo", n_agencies=4, years=(2021, 2022, 2023), seed=0)

writes one document per agency and year into `demo/` (mixed formats: HTML, DOCX, PDF, text,
XLSX, with some of the quirks real documents show) and `demo/manifest.json`:

    {"generated": true,
     "note": "Generated demo data: the agencies and region codes are real, every figure is invented.",
     "documents": [{"file": "140828-01-2023.pdf", "format": "pdf", "agency": "夏县教育局",
                    "region_code": "140828", "region_name": "山西省运城市夏县", "year": 2023,
                    "template": "2021", "quirks": {...}, "generated": true,
                    "figures": {"t3.new.natural": 3, ...}}, ...]}

The function returns the list of document entries. Same arguments, same files (deterministic).
DOC is never written (it needs LibreOffice).
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Collection

from xxgk.generate import render
from xxgk.generate.figures import break_rule, make_figures
from xxgk.generate.spec import ReportSpec, template_for_year

NOTE = "Generated demo data: the agencies and region codes are real, every figure is invented."

# GB/T 2260 county-level codes and a few of each county's agencies (county government first).
COUNTIES: dict[str, dict[str, Any]] = {
    "140828": {
        "name": "山西省运城市夏县",
        "short": "夏县",
        "government": "夏县人民政府",
        "departments": ["教育局", "人力资源和社会保障局", "自然资源局", "卫生健康局", "市场监督管理局", "财政局", "民政局"],
        "townships": ["瑶峰镇人民政府", "庙前镇人民政府", "裴介镇人民政府", "水头镇人民政府", "泗交镇人民政府", "南大里乡人民政府"],
    },
    "320813": {
        "name": "江苏省淮安市洪泽区",
        "short": "洪泽区",
        "government": "洪泽区人民政府",
        "departments": ["教育体育局", "人力资源和社会保障局", "自然资源和规划局", "卫生健康委员会", "市场监督管理局", "财政局", "民政局"],
        "townships": ["高良涧街道办事处", "朱坝街道办事处", "岔河镇人民政府", "老子山镇人民政府", "西顺河镇人民政府", "三河镇人民政府"],
    },
    "140802": {
        "name": "山西省运城市盐湖区",
        "short": "盐湖区",
        "government": "盐湖区人民政府",
        "departments": ["教育局", "人力资源和社会保障局", "住房和城乡建设局", "卫生健康局", "市场监督管理局", "财政局", "农业农村局"],
        "townships": ["北城街道办事处", "东郊街道办事处", "解州镇人民政府", "龙居镇人民政府", "三路里镇人民政府", "泓芝驿镇人民政府"],
    },
}

# (format, quirks) rotated over the corpus; every combination is one a reader should handle.
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("html", {}),
    ("pdf", {"ruled": True}),
    ("docx", {}),
    ("html", {"encoding": "gbk", "word_markup": True, "site_chrome": True}),
    ("txt", {}),
    ("pdf", {"ruled": False}),
    ("xlsx", {}),
    ("docx", {"split_table": True, "blank_zeros": True}),
    ("html", {"flattened": True}),
    ("pdf", {"ruled": True, "page_break_in_t3": True, "page_numbers": True}),
    ("html", {"blank_zeros": True, "broken_labels": True}),
    ("txt", {"lost_labels": True}),
]


def _form_flaws(ai: int, year: int, latest_with_flaws: bool, figures: dict) -> tuple[dict, list[str]]:
    """The form flaws planted in an agency's latest report, and the audit codes they must give."""
    if not latest_with_flaws:
        return {}, []
    if ai == 3:
        return {"published": f"{year + 1}-03-16"}, ["format.late"]
    if ai == 4:
        return {"stated": {"t3.new.total": (figures.get("t3.new.total") or 0) + 3}}, ["format.text_table_mismatch"]
    return {}, []


def _republished(out: Path, first: dict, spec: ReportSpec, fmt: str, quirks: dict) -> dict:
    """The same agency's report of the same year published again, later, with corrected figures
    (still consistent): a second report, which the audit shows as changed after publication."""
    figures = dict(spec.figures)
    for key in ("t3.new.natural", "t3.new.total", "t3.carried_forward.natural", "t3.carried_forward.total"):
        figures[key] = (figures[key] or 0) + 2
    again = replace(spec, figures=figures, form={**spec.form, "published": f"{spec.year + 1}-02-20"})
    name = first["file"].replace(f".{fmt}", f"-v2.{fmt}")
    (out / name).write_bytes(render(again, fmt, **quirks))
    changed = sorted(k for k in figures if figures[k] != spec.figures[k])
    return {**first, "file": name, "figures": figures, "published": again.form["published"],
            "republishes": first["file"], "audit": ["format.republished"], "changed": changed}


def agencies_of(region_code: str, n: int) -> list[str]:
    """The first `n` agencies of a county: its government, then departments and townships alternating."""
    county = COUNTIES[region_code]
    names = [county["government"]]
    deps, towns = list(county["departments"]), list(county["townships"])
    while len(names) < n and (deps or towns):
        if deps:
            names.append(county["short"] + deps.pop(0))
        if towns and len(names) < n:
            names.append(county["short"] + towns.pop(0))
    return names[:n]


def write_demo_corpus(
    out_dir: str | Path,
    n_agencies: int = 4,
    years: tuple[int, ...] = (2021, 2022, 2023),
    seed: int = 0,
    region_codes: tuple[str, ...] = tuple(COUNTIES),
    flaws: bool = False,
    scans: bool | Collection[str] = False,
    scan_wrap: str | tuple[str, ...] = "pdf",
) -> list[dict]:
    """Write `n_agencies` agencies x `years` reports for each county into `out_dir`.

    With `flaws`, the corpus shows what a 政务公开办 meets in January: in the latest year one
    department per county prints a table 四 whose total is wrong (as a real district report did;
    its entry lists `broken_rules`) and the last agency of each county publishes nothing (missing);
    the audit against the format finds (entries list them under `audit`): one report published in
    March (late), one whose prose states another number of applications than its table, and the
    county government's report published again in February with corrected figures (a second
    report of the same agency and year). Every entry has `published`, the date its page and the
    portal's listing show. With `scans` (True, or the region codes of the counties meant), the third
    agency of each county publishes its latest report as a scan (stamped and skewed: read by OCR),
    as an image-only PDF (`scan_wrap` "pdf") or as an HTML page showing the scanned pages as picture
    files beside it ("html_files": the entry lists them under `pictures`, with the site's logo and
    icon, which are no part of the report); a tuple of wraps goes round the counties. Returns the
    manifest's document entries (file names are relative to `out_dir`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    entries: list[dict] = []
    n = 0
    for county, code in enumerate(region_codes):
        agencies = agencies_of(code, n_agencies)
        wrap = scan_wrap if isinstance(scan_wrap, str) else scan_wrap[county % len(scan_wrap)]
        for ai, agency in enumerate(agencies, start=1):
            previous: dict | None = None  # the agency's figures of the year before
            for year in years:
                if flaws and year == years[-1] and ai == len(agencies) and ai > 2:
                    continue  # reported last year, not this year

                template = template_for_year(year)
                doc_seed = rng.randrange(1 << 30)
                mixed = template == "2021" and rng.random() < 0.15
                figures = make_figures(doc_seed, template, zero_rate=rng.choice([0.5, 0.7, 0.9]), mixed_other_row=mixed,
                                       previous=previous)
                previous = figures
                fmt, quirks = VARIANTS[(n + seed) % len(VARIANTS)]
                n += 1
                broken = {}
                if flaws and year == years[-1] and ai == 2:
                    broken = {4: break_rule(figures, 4, seed=doc_seed)}
                form, audit = _form_flaws(ai, year, flaws and year == years[-1], figures)
                if form.get("stated") and fmt == "xlsx":
                    fmt, quirks = "html", {}  # a workbook prints no prose to disagree with its tables
                spec = ReportSpec(agency, year, template, figures,
                                  title_style=rng.choice(["agency_first", "agency_first", "year_first"]),
                                  seed=doc_seed, region_code=code, form=form)
                scanned = (scans if isinstance(scans, bool) else code in scans) and year == years[-1] and ai == 3
                pictures: list[str] = []
                if scanned:
                    fmt, quirks = ("html", {"scan": True, "ruled": True, "pictures": True}) if wrap == "html_files" \
                        else ("pdf", {"scan": True, "ruled": True})
                name = f"{code}-{ai:02d}-{year}.{fmt}"
                if scanned and wrap == "html_files":
                    from xxgk.generate.htmlpage import render_scan_page

                    page, files = render_scan_page(spec, 200, ruled=True, stem=name.rsplit(".", 1)[0])
                    (out / name).write_bytes(page)
                    for file_name, data in files.items():
                        (out / file_name).write_bytes(data)
                    pictures = list(files)
                elif scanned:
                    from xxgk.generate.scan import render_scan

                    (out / name).write_bytes(render_scan(spec, "pdf", 200, ruled=True))
                else:
                    (out / name).write_bytes(render(spec, fmt, **quirks))
                published = form.get("published") or date(year + 1, 1, 10 + (n % 20)).isoformat()
                entries.append({
                    "file": name,
                    "format": fmt,
                    "agency": agency,
                    "region_code": code,
                    "region_name": COUNTIES[code]["name"],
                    "year": year,
                    "template": template,
                    "quirks": dict(quirks),
                    "generated": True,
                    "figures": figures,
                    **({"broken_rules": broken} if broken else {}),
                    "published": published,
                    **({"audit": audit} if audit else {}),
                    **({"pictures": pictures} if pictures else {}),
                })
                if flaws and year == years[-1] and ai == 1:
                    entries.append(_republished(out, entries[-1], spec, fmt, quirks))
    manifest = {"generated": True, "generator": "xxgk.generate", "seed": seed, "note": NOTE, "documents": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return entries
