"""Who published a report: the agency's kind, the county it belongs to, and whether its report is the
county-wide summary.

Placement uses two facts and never guesses:
- the registry entry (source) that found the document has a region code (a county, or a city or
  province whose portal lists several counties);
- the agency's name usually starts with its region (运城市夏县教育局, 洪泽区人民政府).
A name whose county part matches counties in two places (朝阳区: Beijing and Changchun) that neither
the registry nor a province/city prefix tells apart is `ambiguous` and left unplaced, with the
candidates listed; a name that contradicts its registry entry is a `conflict`, also unplaced. A
reviewer places either with `xxgk review agency NAME --region CODE`.

Kinds: a township (…镇, …乡, …街道办事处, …苏木), the government itself (<region>人民政府), a department
(…局, …委员会, …办公室, …中心, …), else other.

County-wide summary — the rule, explicit and overridable: the report of a *county's own government*
(name = <county>人民政府, nothing after it) is taken as the county-wide summary, because that is the
report the county's 政务公开办 publishes for the county. Its office (…人民政府办公室) is a department.
County totals then add the other agencies and never this report; the `county.summary` check compares
it with their sum, and a reviewer overrides the rule per agency (`xxgk review agency NAME
--not-summary` when a county government's report covers only its own office, or `--summary`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from warehouse.regions import identity, is_within, name_index, regions

KINDS = ("government", "department", "township", "other")

# Words that may stand before the region in a name (中共夏县县委…, 国家税务总局夏县税务局).
_LEADERS = ("中国共产党", "中共", "国家税务总局", "共青团")
_TOWNSHIP = re.compile(r"(镇|乡|街道|苏木|民族乡)(人民政府|政府|办事处)?$|街道办事处$|街道办$")
_GOVERNMENT = re.compile(r"^(人民政府|政府)$")
_DEPARTMENT = re.compile(
    r"(局|委员会|委|办公室|办|中心|院|所|队|站|馆|会|处|厅|署|支队|大队|总队|公司|集团|部|室|庭|社|台|团|校|学校|医院|"
    r"管委会|管理委员会|指挥部|事务中心|服务中心)$"
)


@dataclass
class Agency:
    agency_id: str
    name: str
    name_key: str
    region_code: str | None
    kind: str
    is_summary: bool
    summary_basis: str | None
    placement: str
    placement_note: str | None = None
    candidates: list[str] = field(default_factory=list)
    source_id: str | None = None

    def as_row(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Override:
    """A reviewer's decision about one agency (from the corrections file, action 'agency')."""

    name: str
    region: str | None = None  # place the agency in this region
    kind: str | None = None
    is_summary: bool | None = None
    note: str | None = None


def normalize_name(name: str) -> str:
    return re.sub(r"\s+", "", name or "").replace("（", "(").replace("）", ")")


@dataclass(frozen=True)
class _Parsed:
    rest: str  # the name after its region prefix
    province: set[str] | None
    city: set[str] | None
    county_name: str | None
    counties: set[str] | None
    city_name: str | None = None


def _parse(name: str) -> _Parsed:
    idx = name_index()
    text = name
    for lead in _LEADERS:
        if text.startswith(lead):
            text = text[len(lead):]
            break
    province = city = counties = None
    county_name = city_name = None
    hit = idx.longest_prefix(text, idx.provinces)
    if hit:
        province = hit[1]
        text = text[len(hit[0]):]
    hit = idx.longest_prefix(text, idx.cities)
    if hit:
        city_name, city = hit
        text = text[len(hit[0]):]
    hit = idx.longest_prefix(text, idx.counties)
    if hit and len(text) > len(hit[0]):
        county_name, counties = hit
        text = text[len(hit[0]):]
    elif hit and len(text) == len(hit[0]):  # the name is a county name alone
        county_name, counties = hit
        text = ""
    return _Parsed(text, province, city, county_name, counties, city_name)


def classify(name: str) -> str:
    """The kind of an agency from its name: government, department, township or other."""
    rest = _parse(normalize_name(name)).rest
    if _TOWNSHIP.search(rest) and not _DEPARTMENT.search(re.sub(_TOWNSHIP, "", rest) or "x"):
        return "township"
    if _GOVERNMENT.match(rest):
        return "government"
    if _DEPARTMENT.search(rest):
        return "department"
    return "other"


def _filter(cands: set[str], area: str | None) -> set[str]:
    return {c for c in cands if area is None or is_within(c, area)}


def place(name: str, region_hint: str | None = None, source_id: str | None = None,
          overrides: dict[str, Override] | None = None) -> Agency:
    """Place one agency by its printed name and the registry entry's region (see the module doc)."""
    name = normalize_name(name)
    regs = regions()
    hint = identity(region_hint) if region_hint else None
    hint_level = regs[hint].level if hint in regs else None
    p = _parse(name)
    region: str | None = None
    placement, note, candidates = "unplaced", None, []

    # The region areas the name itself narrows to.
    name_area: set[str] | None = None
    if p.counties:
        cands = p.counties
        for area in (p.province or set()) | (p.city or set()):
            narrowed = _filter(cands, area)
            if narrowed:
                cands = narrowed
        name_area = cands
    elif p.city:
        name_area = p.city
    elif p.province:
        name_area = p.province

    if hint_level == "county":
        if name_area is None or hint in name_area:
            region = hint
            placement = "registry+name" if name_area else "registry"
        elif p.counties is None and any(is_within(hint, a) for a in name_area):
            region, placement = hint, "registry+name"  # the name names only the hint's city or province
        else:
            placement = "conflict"
            candidates = sorted({hint, *name_area})
            note = f"the registry entry says {hint}, the name says {'/'.join(sorted(name_area))}"
    else:
        cands = _filter(name_area, hint) if name_area else set()
        if len(cands) == 1:
            region = next(iter(cands))
            placement = "registry+name" if hint else "name"
        elif len(cands) > 1:
            placement, candidates = "ambiguous", sorted(cands)
            note = f"{p.county_name or p.city_name or name} could be any of {', '.join(candidates)}"
        elif name_area:
            placement, candidates = "conflict", sorted(name_area | ({hint} if hint else set()))
            note = f"the name places it outside the registry entry's region {hint}"
        elif hint:
            region, placement = hint, "registry"  # a city/province-level portal and no region in the name
        else:
            note = "no region in the name and no registry region"

    ov = (overrides or {}).get(name)
    if ov and ov.region:
        region, placement, note, candidates = identity(ov.region), "override", ov.note, []
    kind = (ov.kind if ov and ov.kind else None) or classify(name)
    name_key = p.rest or name
    if p.counties is None and p.city is None and len(name_key) > 3 and name_key[0] in "县区旗":
        name_key = name_key[1:]  # 县教育局 on the county's own portal is its 教育局
    if kind == "government" and region is None:
        name_key = name  # 朝阳区人民政府 unplaced must not merge with every other 人民政府
    is_summary, basis = False, None
    if kind == "government" and region and regs.get(region) and regs[region].level == "county" and \
            _GOVERNMENT.match(p.rest or ""):
        is_summary, basis = True, "rule: the county government's report is the county-wide summary"
    if ov and ov.is_summary is not None:
        is_summary, basis = ov.is_summary, f"override{': ' + ov.note if ov.note else ''}"
    agency_id = f"{region}:{name_key}" if region else f"?:{name}"
    return Agency(agency_id, name, name_key, region, kind, is_summary, basis, placement, note, candidates, source_id)
