"""Tables 二, 三 and 四 in the national layout, drawn from figures by canonical key.

    html = national_tables_html(values, "2021", marks={"t4.review.total": "broken"})   # an HTML fragment
    css = national_tables_css()                       # its stylesheet (warehouse/national.css)
    document = national_document()                    # a Word document set up as the format prints it
    add_national_tables(document, values, "2021")     # the three tables with their part titles

The grids (which cell spans which rows and columns) are the generator's (`xxgk/generate/model.py`),
built from `transform/template.yaml`: what the exports print is exactly what the readers are tested
on, and `xxgk extract` reads an export back to the same figures. Every string that reaches HTML is
escaped (keys, values, marks and labels alike); the HTML carries no inline style (a page with a strict
Content-Security-Policy can show it), its look is in the separate stylesheet.
"""

from __future__ import annotations

import html as _html
import numbers
from functools import cache
from importlib import resources
from typing import Any, Mapping

from transform.template import TEMPLATES, keys_for, unit_of
from xxgk.console import is_missing
from xxgk.generate.model import FIXED, Cell, Grid, Style, t2_grid, t3_grid, t4_grid
from xxgk.generate.spec import ReportSpec

PART_TITLES = {"t2": FIXED["part2"], "t3": FIXED["part3"], "t4": FIXED["part4"]}
HEADER_KINDS = {"header", "section"}

# Column widths in centimetres, for an A4 page with 2 cm margins (17 cm of text width). The label
# columns of table 三 are as narrow as the template's; its seven figure columns share the rest.
TEXT_WIDTH_CM = 17.0
_T3_LABELS_CM = (1.3, 1.7, 5.6)
ROW_HEIGHT_CM = 0.6
FIGURE_ROW_CM = {"t4": 1.2}  # table 四's one row of figures is drawn two lines high in the template
SECTION_FILL = "C6D9F1"  # the template's light blue behind 第二十条第（X）项
# Fonts a Chinese office uses: 宋体 (SimSun) for text and tables, 黑体 (SimHei) for titles, named by
# the family names Windows registers them under. Where they are not installed, fontconfig's
# standard aliases (65-nonlatin.conf) give Noto Serif CJK SC / Noto Sans CJK SC from Debian's
# fonts-noto-cjk; the Chinese names are declared as their alternative names in the font table.
TABLE_FONT = "SimSun"
HEADING_FONT = "SimHei"
CHINESE_NAMES = {"SimSun": "宋体", "SimHei": "黑体"}


def national_grids(values: Mapping[str, Any], template: str) -> list[Grid]:
    """The grids of tables 二, 三 and 四 for these figures (a key that is missing prints blank)."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}")
    # The grids take which rows are printed from the figures (None: not printed); the text of each
    # figure cell is ours (format_figure), whatever the value's type.
    printed = {k: None if v is None else 0 for k, v in values.items()}
    spec = ReportSpec(agency="", year=2020 if template == "2019" else 2021, template=template, figures=printed,
                      t2_template=t2_version(values, template))
    grids = [t2_grid(spec, Style()), t3_grid(spec, Style()), t4_grid(spec, Style())]
    for grid in grids:
        for cell in grid.cells:
            if cell.kind == "value":
                cell.value = values.get(cell.key)
                cell.text = format_figure(cell.key, cell.value)
    return grids


def t2_version(values: Mapping[str, Any], template: str) -> str | None:
    """The other version where table 二 prints its columns (a 2021 report keeping the 2019 table 二:
    its figures are under the 2019 keys and the 2021 ones are null), else None."""
    other = "2019" if template == "2021" else "2021"
    own, theirs = set(keys_for(template)), set(keys_for(other))
    printed = {k for k, v in values.items() if v is not None and k.startswith("t2.")}
    return other if printed & (theirs - own) and not printed & (own - theirs) else None


def format_figure(key: str, value: Any) -> str:
    """A figure as people write it: a count as a whole number, an amount with its decimals
    (25.1, not 25.100000001), blank where not printed."""
    if is_missing(value):
        return ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)  # not a figure: shown as it is (and escaped where HTML shows it)
    number = float(value)
    if unit_of(key) == "件" and number.is_integer():
        return str(int(number))
    return f"{round(number, 4):f}".rstrip("0").rstrip(".")


def column_widths_cm(grid: Grid) -> list[float]:
    """Each grid column's width in cm, filling the text width."""
    if grid.name == "t3":
        rest = (TEXT_WIDTH_CM - sum(_T3_LABELS_CM)) / (grid.n_cols - len(_T3_LABELS_CM))
        return [*_T3_LABELS_CM, *[rest] * (grid.n_cols - len(_T3_LABELS_CM))]
    if grid.name == "t2":
        first = TEXT_WIDTH_CM / 4
        return [first, *[(TEXT_WIDTH_CM - first) / (grid.n_cols - 1)] * (grid.n_cols - 1)]
    return [TEXT_WIDTH_CM / grid.n_cols] * grid.n_cols


# --- HTML --------------------------------------------------------------------------------------


def national_tables_html(values: Mapping[str, float | int | None], template: str,
                         marks: Mapping[str, str] | None = None, *, headings: bool = True) -> str:
    """Tables 二, 三 and 四 as an HTML fragment (no <html>/<head>) inside <div class="xxgk-national">.

    Every figure cell is a <td data-key="KEY">; where `marks` names its key it also has
    class="MARK" (e.g. broken, corrected, flagged). With `headings`, each table follows its part
    title (<h2>). Style it with national_tables_css()."""
    marks = marks or {}
    parts = ['<div class="xxgk-national">']
    for grid in national_grids(values, template):
        if headings:
            parts.append(f"<h2>{_esc(PART_TITLES[grid.name])}</h2>")
        parts.append(_html_table(grid, marks))
    parts.append("</div>")
    return "\n".join(parts)


def _esc(text: Any) -> str:
    return _html.escape(str(text), quote=True)


def _html_table(grid: Grid, marks: Mapping[str, str]) -> str:
    out = [f'<table class="{grid.name}">', "<colgroup>"]
    out.extend(f'<col class="{grid.name}-c{i}">' for i in range(grid.n_cols))
    out.append("</colgroup>")
    head_rows = grid.header_rows
    for r in range(grid.n_rows):
        if r == 0 and head_rows:
            out.append("<thead>")
        if r == head_rows:
            out.append("<tbody>" if not head_rows else "</thead><tbody>")
        out.append("<tr>")
        out.extend(_html_cell(c, marks) for c in grid.starting_in(r))
        out.append("</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _html_cell(c: Cell, marks: Mapping[str, str]) -> str:
    attrs = ""
    if c.rowspan > 1:
        attrs += f' rowspan="{c.rowspan}"'
    if c.colspan > 1:
        attrs += f' colspan="{c.colspan}"'
    text = "<br>".join(_esc(line) for line in c.text.split("\n"))
    if c.kind == "value":
        mark = marks.get(c.key or "")
        cls = f' class="{_esc(mark)}"' if mark else ""
        return f'<td data-key="{_esc(c.key)}"{cls}{attrs}>{text}</td>'
    tag = "th" if c.kind in HEADER_KINDS else "td"
    return f'<{tag} class="{c.kind}"{attrs}>{text}</{tag}>'


def national_tables_css() -> str:
    """The stylesheet of national_tables_html (also shipped as warehouse/national.css), with the
    column widths of each table."""
    return _css()


@cache
def _css() -> str:
    base = resources.files("warehouse").joinpath("national.css").read_text(encoding="utf-8")
    widths = []
    for grid in national_grids({}, "2021") + national_grids({}, "2019")[:1]:
        for i, w in enumerate(column_widths_cm(grid)):
            rule = f".xxgk-national col.{grid.name}-c{i} {{ width: {100 * w / TEXT_WIDTH_CM:.2f}%; }}"
            if rule not in widths:
                widths.append(rule)
    return base + "\n/* column widths (warehouse/layout.py, column_widths_cm) */\n" + "\n".join(widths) + "\n"


# --- DOCX --------------------------------------------------------------------------------------


def national_document():
    """An empty Word document on A4 with 2 cm margins, 宋体 text and part titles in 黑体."""
    from docx import Document
    from docx.shared import Cm, Pt

    document = Document()
    for section in document.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin = section.bottom_margin = Cm(2.2)
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    _set_font(normal.element, TABLE_FONT)
    _set_language(normal.element, "zh-CN")
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = 1.0
    _declare_fallbacks(document)
    return document


def add_title(document, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    par = document.add_paragraph()
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    par.paragraph_format.space_after = Pt(12)
    run = par.add_run(text)
    run.bold = True
    run.font.size = Pt(16)
    _set_font(run._r, HEADING_FONT)


def add_heading(document, text: str, page_break: bool = False) -> None:
    from docx.shared import Pt

    par = document.add_paragraph()
    fmt = par.paragraph_format
    fmt.space_before, fmt.space_after = Pt(12), Pt(6)
    fmt.first_line_indent = Pt(24)
    fmt.keep_with_next = True
    fmt.page_break_before = page_break
    run = par.add_run(text)
    run.bold = True
    run.font.size = Pt(12)
    _set_font(run._r, HEADING_FONT)


def add_national_tables(document, values: Mapping[str, Any], template: str) -> None:
    """Tables 二, 三 and 四, each after its part title; table 三 starts a page, as in the format."""
    for grid in national_grids(values, template):
        add_heading(document, PART_TITLES[grid.name], page_break=grid.name == "t3")
        add_grid(document, grid)


def add_grid(document, grid: Grid) -> Any:
    """A grid as a Word table: merged cells as Word merges them (gridSpan across, vMerge down),
    fixed column widths, rows that never break across pages, header rows repeated on a new page."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.shared import Cm

    table = document.add_table(rows=grid.n_rows, cols=grid.n_cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # w:tblLayout fixed: the widths below hold whatever the text
    widths = [Cm(w) for w in column_widths_cm(grid)]
    for i, w in enumerate(widths):
        table.columns[i].width = w
        for cell in table.columns[i].cells:
            cell.width = w
    for r, row in enumerate(table.rows):
        tall = grid.name in FIGURE_ROW_CM and r == grid.n_rows - 1
        row.height = Cm(FIGURE_ROW_CM[grid.name] if tall else ROW_HEIGHT_CM)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST  # a wrapped label grows its row
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.insert(0, OxmlElement("w:cantSplit"))  # the schema's order: cantSplit, trHeight, tblHeader
        if r < grid.header_rows:
            tr_pr.append(OxmlElement("w:tblHeader"))
    for c in grid.cells:
        cell = table.cell(c.row, c.col)
        if c.rowspan > 1 or c.colspan > 1:
            cell = cell.merge(table.cell(c.row + c.rowspan - 1, c.col + c.colspan - 1))
        cell.text = c.text
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        left = c.kind == "section" or (c.kind == "label" and grid.name == "t3")
        for par in cell.paragraphs:
            par.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
        if c.kind == "section":
            _shade(cell, SECTION_FILL)
    return table


def _shade(cell, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr = cell._tc.get_or_add_tcPr()
    v_align = tc_pr.find(qn("w:vAlign"))  # the schema puts shd before vAlign
    if v_align is not None:
        v_align.addprevious(shd)
    else:
        tc_pr.append(shd)


def _set_font(element, name: str) -> None:
    """The font for Latin and East Asian text alike (python-docx sets only the Latin one)."""
    from docx.oxml.ns import qn

    r_pr = element.get_or_add_rPr()
    fonts = r_pr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _set_language(element, lang: str) -> None:
    """The text's language (python-docx's template says en-US): font fallback then picks Chinese
    glyphs, and Word proofs the text as Chinese."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    r_pr = element.get_or_add_rPr()
    tag = r_pr.find(qn("w:lang"))
    if tag is None:
        tag = OxmlElement("w:lang")
        r_pr.append(tag)
    tag.set(qn("w:val"), lang)
    tag.set(qn("w:eastAsia"), lang)


def _declare_fallbacks(document) -> None:
    """Declare SimSun and SimHei in the font table with their Chinese names (w:altName) and the
    GB2312 character set, as Word on a Chinese Windows does."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from lxml import etree

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    part = next(rel.target_part for rel in document.part.rels.values() if rel.reltype == RT.FONT_TABLE)
    root = etree.fromstring(part.blob)
    for name, alt in CHINESE_NAMES.items():
        font = etree.SubElement(root, f"{{{w}}}font", {f"{{{w}}}name": name})
        etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": alt})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})  # GB2312
        etree.SubElement(font, f"{{{w}}}family", {f"{{{w}}}val": "roman" if name == TABLE_FONT else "swiss"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
