"""The report as blocks (paragraphs and tables on a grid with spans), shared by every renderer.

Row and column labels come from transform/template.yaml (via transform.template); the few
printed words the template file does not hold (part titles, header words of table 三/四, the
wording of 第二十条第（X）项) are in `FIXED`, the only place the generator spells them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Any

from transform.template import layout, may_be_negative, t2_sections, t4_columns, t4_groups
from xxgk.generate.figures import AMOUNT_KEYS, is_mixed, t3_printed_rows
from xxgk.generate.form import PART_ORDER, form_text, signature_date, stated_figures
from xxgk.generate.spec import ReportSpec

FIXED = {
    "title": "{agency}{year}年政府信息公开工作年度报告",
    "title_year_first": "{year}年{agency}政府信息公开工作年度报告",
    "title_no_work": "{agency}{year}年政府信息公开年度报告",
    "title_no_annual": "{agency}{year}年政府信息公开工作报告",
    # The notice a report cites in its first sentence: its issuer is not the report's agency.
    "cited_notice": "根据《{issuer}关于编制公布{year}年政府信息公开工作年度报告有关事项的通知》要求，现编制本报告。",
    "cited_issuer": "平潭综合实验区管委会办公室",
    "portal_suffix": "_政府信息公开年报_{issuer}",
    "part1": "一、总体情况",
    "part2": "二、主动公开政府信息情况",
    "part3": "三、收到和处理政府信息公开申请情况",
    "part4": "四、政府信息公开行政复议、行政诉讼情况",
    "part5": "五、存在的主要问题及改进情况",
    "part6": "六、其他需要报告的事项",
    "t2_item": "第二十条第{item}项",
    "t2_content": "信息内容",
    "t3_note": "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    "t3_applicants": "申请人情况",
    "t3_org": "法人或其他组织",
    "t3_results": "三、本年度办理结果",
    "t4_litigation": "行政诉讼",
}

_PROSE_1 = [
    "{year}年，{agency}深入贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
    "不断加大政府信息公开力度，切实保障人民群众的知情权、参与权、表达权和监督权。",
    "{year}年，{agency}在县委、县政府的正确领导下，认真落实政府信息公开工作要点，"
    "围绕中心工作，持续推进决策、执行、管理、服务、结果公开，政府信息公开工作取得一定成效。",
]
_PROSE_1B = [
    "（一）主动公开。依托政府门户网站信息公开专栏，及时公开机构职能、政策文件、财政预决算等信息。",
    "（二）依申请公开。进一步规范依申请公开受理、审查、答复等环节，严格按照法定时限和程序办理。",
    "（三）政府信息管理。严格落实信息发布保密审查制度，做到先审查、后公开。",
]
_PROSE_5 = [
    "存在的主要问题：信息公开的及时性和全面性有待提高，工作人员业务能力需要进一步加强。"
    "改进措施：加强业务培训，完善工作机制，进一步提升政府信息公开工作质量。",
    "一是公开内容还不够丰富；二是政策解读形式较为单一。下一步，我们将进一步规范公开流程，"
    "丰富解读形式，提升公开实效。",
]
# 六 of the 2021 format states the information processing fees charged; the 2019 format did not ask.
_PROSE_6 = {
    "2021": ["本年度未收取信息处理费。", "本机关未发生收取信息处理费的情况，无其他需要报告的事项。"],
    "2019": ["本年度未收取信息处理费。", "无。", "本机关未发生收取信息处理费的情况，无其他需要报告的事项。"],
}

_FULLWIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")


@dataclass
class Cell:
    """One printed cell. `value` is the figure behind a number cell (None for labels)."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    kind: str = "label"  # label, header, value, group, vertical, section
    key: str | None = None
    value: Any = None


@dataclass
class Grid:
    """A table: cells on a grid of n_rows x n_cols; `name` is t2, t3 or t4."""

    name: str
    n_rows: int
    n_cols: int
    cells: list[Cell] = field(default_factory=list)
    header_rows: int = 0

    def add(self, *args: Any, **kw: Any) -> Cell:
        cell = Cell(*args, **kw)
        self.cells.append(cell)
        return cell

    def starting_in(self, row: int) -> list[Cell]:
        return sorted((c for c in self.cells if c.row == row), key=lambda c: c.col)

    def owner(self, row: int, col: int) -> Cell | None:
        for c in self.cells:
            if c.row <= row < c.row + c.rowspan and c.col <= col < c.col + c.colspan:
                return c
        return None

    def split(self, at: int) -> tuple["Grid", "Grid"]:
        """Two grids: rows [0, at) and [at, n). A cell spanning the cut continues, empty, below."""
        top = Grid(self.name, at, self.n_cols, header_rows=min(self.header_rows, at))
        bottom = Grid(self.name, self.n_rows - at, self.n_cols)
        for c in self.cells:
            end = c.row + c.rowspan
            if end <= at:
                top.cells.append(replace(c))
            elif c.row >= at:
                bottom.cells.append(replace(c, row=c.row - at))
            else:
                top.cells.append(replace(c, rowspan=at - c.row))
                bottom.cells.append(replace(c, row=0, rowspan=end - at, text="", value=None, key=None))
        return top, bottom


@dataclass
class Para:
    text: str
    kind: str = "body"  # title, heading, body, sign


Block = Para | Grid


@dataclass
class Report:
    title: str
    blocks: list[Block]
    spec: ReportSpec

    def grid(self, name: str) -> Grid:
        return next(b for b in self.blocks if isinstance(b, Grid) and b.name == name)


@dataclass(frozen=True)
class Style:
    """How figures and labels are printed (the quirks that every format shares)."""

    blank_zeros: bool = False
    fullwidth_digits: bool = False
    broken_labels: bool = False  # line breaks inside labels, '总 计'
    lost_labels: bool = False  # row labels from （一）予以公开 to the end of （三）不予公开 are empty
    amounts_in_yuan: bool = False  # the fee amount printed as '251000元'
    # The amounts (采购总金额, 收费金额) printed in 元 as bare numbers, the unit said by the row label
    # ('政府集中采购（元）'), by the column header ('采购总金额（单位：元）'), or nowhere at all.
    unit_in_label: bool = False
    unit_in_header: bool = False
    unitless_yuan: bool = False
    signed_words: bool = False  # 本年增/减 printed as '减3', '增加2', '+1', '减少4'
    merged_other_values: bool = False  # the number cells of the three 2021 （六） sub-rows merged into one
    cites_notice: bool = False  # the first sentence cites a notice whose title names another agency and the year
    no_body_title: bool = False  # the body prints no title (the page's <title> carries it)


def title_of(spec: ReportSpec) -> str:
    form = {"agency_first": FIXED["title"], "year_first": FIXED["title_year_first"],
            "no_work": FIXED["title_no_work"], "no_annual": FIXED["title_no_annual"]}[spec.title_style]
    return form.format(agency=spec.agency, year=spec.year)


def format_value(key: str, value: Any, style: Style) -> str:
    if value is None:
        return ""
    if value == 0 and style.blank_zeros:
        return ""
    if key in AMOUNT_KEYS and _yuan_bare(style, key):
        text = str(round(value * 10000))
    elif may_be_negative(key) and style.signed_words and value:
        word = _SIGNED_WORDS[(abs(int(value)) + (value < 0)) % 2]
        text = (word[1] if value < 0 else word[0]) + str(abs(int(value)))
    elif key in AMOUNT_KEYS:
        if style.amounts_in_yuan and key == "t2.fees.amount":
            text = f"{round(value * 10000)}元"
        else:
            text = f"{value:.2f}" if value else "0"
    else:
        text = str(int(value))
    return text.translate(_FULLWIDTH) if style.fullwidth_digits else text


_SIGNED_WORDS = (("增", "减"), ("增加", "减少"))
_UNIT_NOTE = "（单位：元）"


def _yuan_bare(style: Style, key: str) -> bool:
    """Whether the amount `key` prints in 元 as a bare number. Without a unit anywhere only where the
    format prints none either (2019 采购总金额): the 2021 header says 万元 itself."""
    return style.unit_in_label or style.unit_in_header or (style.unitless_yuan and key == "t2.procurement.amount")


def _amount_label(label: str, style: Style, where: str) -> str:
    """A row label or column header of an amount, with the unit the style prints there."""
    if not (style.unit_in_label or style.unit_in_header):
        return label
    base = label.replace("（单位：万元）", "")
    if where == "header" and style.unit_in_header:
        return base + _UNIT_NOTE
    if where == "row" and style.unit_in_label:
        return base + "（元）"
    return base


def _break(label: str, style: Style) -> str:
    """A label as a careless editor prints it: split over two lines, or 总计 spaced."""
    if not style.broken_labels:
        return label
    if label.endswith("总计"):
        return label[:-2] + "总 计"
    if len(label) >= 4:
        mid = (len(label) + 1) // 2
        return label[:mid] + "\n" + label[mid:]
    return label


def build_report(spec: ReportSpec, style: Style = Style()) -> Report:
    """The report's blocks. `spec.form` plants what the audit must find (xxgk.generate.form)."""
    rng = random.Random(f"prose:{spec.seed}:{spec.agency}:{spec.year}")
    fmt = dict(agency=spec.agency, year=spec.year)
    parts: dict[str, list[Block]] = {
        "一": [Para(FIXED["part1"], "heading"), Para(rng.choice(_PROSE_1).format(**fmt)),
              *(Para(p) for p in _PROSE_1B[: rng.randint(1, 3)]),
              *(Para(p) for p in stated_figures(spec))],
        "二": [Para(FIXED["part2"], "heading"), t2_grid(spec, style)],
        "三": [Para(FIXED["part3"], "heading"), t3_grid(spec, style)],
        "四": [Para(FIXED["part4"], "heading"), t4_grid(spec, style)],
        "五": [Para(FIXED["part5"], "heading"), Para(form_text(spec, "五") or rng.choice(_PROSE_5))],
        "六": [Para(FIXED["part6"], "heading"), Para(form_text(spec, "六") or rng.choice(_PROSE_6[spec.template]))],
    }
    blocks: list[Block] = [] if style.no_body_title else [Para(title_of(spec), "title")]
    if style.cites_notice:
        blocks.append(Para(FIXED["cited_notice"].format(issuer=FIXED["cited_issuer"], year=spec.year)))
    for number in spec.form.get("parts", PART_ORDER):
        blocks.extend(parts[number])
    blocks.append(Para(spec.agency, "sign"))
    blocks.append(Para(signature_date(spec, rng), "sign"))
    return Report(title_of(spec), blocks, spec)


def t2_grid(spec: ReportSpec, style: Style) -> Grid:
    sections = t2_sections(spec.t2_template or spec.template)
    width = 1 + max(len(s["columns"]) for s in sections)
    n_rows = sum(2 + len(s["rows"]) for s in sections)
    g = Grid("t2", n_rows, width)
    r = 0
    for s in sections:
        g.add(FIXED["t2_item"].format(item=s["item"]), r, 0, colspan=width, kind="section")
        r += 1
        g.add(FIXED["t2_content"], r, 0, kind="header")
        cols = s["columns"]
        amount_row = any(f"t2.{row['key']}.{col['key']}" in AMOUNT_KEYS for row in s["rows"] for col in cols)
        for i, col in enumerate(cols):
            span = width - 1 - i if i == len(cols) - 1 else 1
            label = col["label"]
            if any(f"t2.{row['key']}.{col['key']}" in AMOUNT_KEYS for row in s["rows"]):
                label = _amount_label(label, style, "header")
            g.add(_break(label, style), r, 1 + i, colspan=span, kind="header")
        r += 1
        for row in s["rows"]:
            g.add(_amount_label(row["label"], style, "row") if amount_row else row["label"], r, 0)
            for i, col in enumerate(cols):
                key = f"t2.{row['key']}.{col['key']}"
                value = spec.figures.get(key)
                span = width - 1 - i if i == len(cols) - 1 else 1
                g.add(format_value(key, value, style), r, 1 + i, colspan=span, kind="value", key=key, value=value)
            r += 1
    return g


def _t3_row_defs(spec: ReportSpec) -> list[dict]:
    by_key: dict[str, dict] = {}
    for r in layout()["t3_rows"]:
        by_key.setdefault(r["key"], r)
    return [by_key[k] for k in t3_printed_rows(spec.template, is_mixed(spec.figures, spec.template))]


def t3_grid(spec: ReportSpec, style: Style) -> Grid:
    cols = layout()["t3_columns"]
    groups = {g["key"]: g["label"] for g in layout()["t3_groups"]}
    rows = _t3_row_defs(spec)
    L = 3  # label columns: vertical label, group label, row label
    g = Grid("t3", 3 + len(rows), L + len(cols), header_rows=3)
    g.add(FIXED["t3_note"], 0, 0, rowspan=3, colspan=L, kind="header")
    g.add(FIXED["t3_applicants"], 0, L, colspan=len(cols), kind="header")
    g.add(_break(cols[0]["label"], style), 1, L, rowspan=2, kind="header")
    g.add(FIXED["t3_org"], 1, L + 1, colspan=len(cols) - 2, kind="header")
    g.add(_break(cols[-1]["label"], style), 1, L + len(cols) - 1, rowspan=2, kind="header")
    for i, col in enumerate(cols[1:-1]):
        g.add(_break(col["label"], style), 2, L + 1 + i, kind="header")

    keys = [r["key"] for r in rows]
    first_outcome, last_outcome = keys.index("disclosed"), keys.index("total")
    lost = set(keys[first_outcome : max(i for i, k in enumerate(keys) if k.startswith("denied.")) + 1])
    for i, row in enumerate(rows):
        r = 3 + i
        key = row["key"]
        label = "" if style.lost_labels and key in lost else _break(row["label"], style)
        if i < first_outcome or i > last_outcome:
            g.add(label, r, 0, colspan=L, kind="label", key=key)
        else:
            if i == first_outcome:
                vertical = FIXED["t3_results"]
                if style.broken_labels:
                    vertical = "\n".join(vertical)
                g.add(vertical, r, 0, rowspan=last_outcome - first_outcome + 1, kind="vertical")
            group = row.get("group")
            if group:
                members = [j for j, x in enumerate(rows) if x.get("group") == group]
                if i == members[0]:
                    glabel = "" if style.lost_labels and key in lost else groups[group]
                    g.add(glabel, r, 1, rowspan=len(members), kind="group")
                g.add(label, r, 2, kind="label", key=key)
            else:
                g.add(label, r, 1, colspan=2, kind="label", key=key)
        others = [x["key"] for x in rows if x.get("group") == "other"]
        if style.merged_other_values and key in others:
            if key == others[0]:  # one row of numbers, the group's, across the three sub-rows
                for j, col in enumerate(cols):
                    fkey = f"t3.other.{col['key']}"
                    value = sum(spec.figures.get(f"t3.{k}.{col['key']}") or 0 for k in others)
                    g.add(format_value(fkey, value, style), r, L + j, rowspan=len(others), kind="value", key=fkey, value=value)
            continue
        for j, col in enumerate(cols):
            fkey = f"t3.{key}.{col['key']}"
            value = spec.figures.get(fkey)
            g.add(format_value(fkey, value, style), r, L + j, kind="value", key=fkey, value=value)
    return g


def t4_grid(spec: ReportSpec, style: Style) -> Grid:
    groups = {g["key"]: g["label"] for g in layout()["t4_groups"]}
    cols = {c["key"]: c["label"] for c in layout()["t4_columns"]}
    gkeys, ckeys = t4_groups(), t4_columns()
    n = len(ckeys)
    g = Grid("t4", 4, n * len(gkeys), header_rows=3)
    g.add(groups[gkeys[0]], 0, 0, colspan=n, kind="header")
    g.add(FIXED["t4_litigation"], 0, n, colspan=n * (len(gkeys) - 1), kind="header")
    for j, c in enumerate(ckeys):
        g.add(_break(cols[c], style), 1, j, rowspan=2, kind="header")
    for gi, gk in enumerate(gkeys[1:], start=1):
        g.add(groups[gk], 1, gi * n, colspan=n, kind="header")
        for j, c in enumerate(ckeys):
            g.add(_break(cols[c], style), 2, gi * n + j, kind="header")
    for gi, gk in enumerate(gkeys):
        for j, c in enumerate(ckeys):
            key = f"t4.{gk}.{c}"
            value = spec.figures.get(key)
            g.add(format_value(key, value, style), 3, gi * n + j, kind="value", key=key, value=value)
    return g


def style_from(quirks: dict[str, Any]) -> Style:
    """The shared Style out of a renderer's keyword flags (unknown flags are left to the renderer)."""
    return Style(**{k: bool(v) for k, v in quirks.items() if k in Style.__dataclass_fields__})


def merged_quirks(spec: ReportSpec, quirks: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    """spec.quirks overridden by the call's keywords; an unknown keyword is an error."""
    out = {**spec.quirks, **quirks}
    unknown = set(quirks) - allowed - set(Style.__dataclass_fields__)
    if unknown:
        raise TypeError(f"unknown quirk(s) {sorted(unknown)}; this renderer knows {sorted(allowed | set(Style.__dataclass_fields__))}")
    return {k: v for k, v in out.items() if k in allowed or k in Style.__dataclass_fields__}
