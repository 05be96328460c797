"""The test-document generator itself: consistent figures, and documents that say what they should.

These tests read the generated files back with the plain libraries (lxml, python-docx,
pdfplumber, openpyxl), not with xxgk's readers: they check the generator, not the extractor.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import unicodedata

import docx
import openpyxl
import pdfplumber
import pytest
from lxml import html as lxml_html

from transform.template import keys_for, layout, t2_sections
from xxgk.generate import (
    FIXED,
    RULES,
    Style,
    break_rule,
    build_report,
    make_figures,
    make_spec,
    render,
    render_doc,
    render_docx,
    render_html,
    render_pdf,
    render_text,
    render_xlsx,
    rule_violations,
    title_of,
)
from xxgk.generate import word
from xxgk.generate.corpus import NOTE, write_demo_corpus
from xxgk.generate.figures import AMOUNT_KEYS

SEEDS = range(40)
TEMPLATES = ("2019", "2021")
OTHER_SUBS = ("no_correction", "unpaid_fee", "other")


def fold(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


# figures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("mixed", [False, True])
def test_figures_satisfy_the_four_rules(template, mixed):
    for seed in SEEDS:
        for zero_rate in (0.0, 0.5, 0.95):
            f = make_figures(seed, template, zero_rate=zero_rate, mixed_other_row=mixed)
            assert rule_violations(f, template) == {r: [] for r in RULES}, (seed, zero_rate)
            assert set(keys_for(template)) <= set(f)
            for k, v in f.items():
                if v is None:
                    continue
                if k in AMOUNT_KEYS:
                    assert isinstance(v, float) and round(v, 2) == v and v >= 0
                else:
                    assert isinstance(v, int), k
                    assert v >= 0 or k.endswith(".change"), (k, v)


def test_figures_are_deterministic_and_vary_by_seed():
    assert make_figures(7, "2021") == make_figures(7, "2021")
    assert make_figures(7, "2021") != make_figures(8, "2021")


def test_zero_rate_one_gives_an_empty_report():
    f = make_figures(3, "2021", zero_rate=1.0)
    assert all(v == 0 for v in f.values())


def test_mixed_other_row():
    f = make_figures(5, "2021", zero_rate=0.0, mixed_other_row=True)
    for c in ("natural", "commercial", "research", "social", "legal", "other_org", "total"):
        assert isinstance(f[f"t3.other.{c}"], int)
        for sub in OTHER_SUBS:
            assert f[f"t3.other.{sub}.{c}"] is None
    assert f["t3.other.total"] > 0
    plain = make_figures(5, "2021")
    assert "t3.other.natural" not in plain
    assert make_figures(5, "2019", mixed_other_row=True)["t3.other.natural"] is not None


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("rule", RULES)
def test_break_rule_breaks_exactly_one_rule(template, rule):
    for seed in range(20):
        f = make_figures(seed, template)
        before = dict(f)
        keys = break_rule(f, rule, seed=seed)
        assert keys and all(f[k] != before[k] for k in keys)
        assert all(f[k] == before[k] for k in f if k not in keys)
        violations = rule_violations(f, template)
        assert violations[rule], (seed, rule)
        assert all(not violations[o] for o in RULES if o != rule)
        named = {k for eq in violations[rule] for k in eq}
        assert set(keys) <= named


def test_break_rule_rejects_unknown_rule():
    with pytest.raises(ValueError):
        break_rule(make_figures(0, "2021"), 5)


# the report model ------------------------------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES)
def test_model_prints_every_key_once(template):
    spec = make_spec(1, template)
    report = build_report(spec)
    printed = [c.key for b in report.blocks if hasattr(b, "cells") for c in b.cells if c.kind == "value"]
    assert len(printed) == len(set(printed))
    assert set(printed) == {k for k, v in spec.figures.items() if v is not None}


def test_model_labels_come_from_the_template():
    report = build_report(make_spec(1, "2021"))
    t3 = report.grid("t3")
    texts = {c.text for c in t3.cells}
    for row in layout()["t3_rows"]:
        if row.get("template", "2021") == "2021":
            assert row["label"] in texts
    for g in layout()["t3_groups"]:
        assert g["label"] in texts
    for s in t2_sections("2021"):
        t2 = {c.text for c in report.grid("t2").cells}
        assert all(col["label"] in t2 for col in s["columns"])


def test_titles():
    spec = make_spec(1, "2021", agency="夏县教育局", year=2022)
    assert title_of(spec) == "夏县教育局2022年政府信息公开工作年度报告"
    spec.title_style = "year_first"
    assert title_of(spec) == "2022年夏县教育局政府信息公开工作年度报告"


# HTML ---------------------------------------------------------------------------------------------


def html_grids(doc) -> list[list[list[str | None]]]:
    """Every <table> as a grid of texts (a merged cell's text at its top-left position only)."""
    grids = []
    for table in doc.iter("table"):
        grid: dict[tuple[int, int], str | None] = {}
        for r, tr in enumerate(table.iter("tr")):
            c = 0
            for td in tr.iter("td", "th"):
                while (r, c) in grid:
                    c += 1
                rs, cs = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
                for dr in range(rs):
                    for dc in range(cs):
                        grid[(r + dr, c + dc)] = None
                for br in td.iter("br"):
                    br.tail = "\n" + (br.tail or "")
                grid[(r, c)] = td.text_content().replace("\xa0", "").strip(" ")
                c += cs
        n_rows = max(r for r, _ in grid) + 1
        n_cols = max(c for _, c in grid) + 1
        grids.append([[grid.get((r, c), "") for c in range(n_cols)] for r in range(n_rows)])
    return grids


def assert_grid_matches(model_grid, grid):
    assert len(grid) == model_grid.n_rows
    assert len(grid[0]) == model_grid.n_cols
    for cell in model_grid.cells:
        assert grid[cell.row][cell.col] == cell.text, (cell.key, cell.text, grid[cell.row][cell.col])


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize(
    "quirks",
    [{}, {"blank_zeros": True}, {"fullwidth_digits": True}, {"broken_labels": True}, {"word_markup": True},
     {"amounts_in_yuan": True, "site_chrome": True}],
)
def test_html_tables_hold_every_cell(template, quirks):
    spec = make_spec(2, template, zero_rate=0.6)
    data = render_html(spec, **quirks)
    doc = lxml_html.fromstring(data.decode("utf-8"))
    grids = html_grids(doc)
    report = build_report(spec, Style(**{k: v for k, v in quirks.items() if k in Style.__dataclass_fields__}))
    assert len(grids) == 3
    for name, grid in zip(("t2", "t3", "t4"), grids):
        assert_grid_matches(report.grid(name), grid)
    assert doc.findtext(".//title") == title_of(spec)
    # the merged header cells
    assert 'colspan="5">' + FIXED["t3_org"] in data.decode() or f'colspan="5"><p' in data.decode()


def test_html_quirk_markup():
    spec = make_spec(4, "2021", zero_rate=0.7)
    text = render_html(spec, blank_zeros=True, broken_labels=True).decode()
    assert "<td>&nbsp;</td>" in text
    assert "<br>" in text and "总 计" in text
    text = render_html(spec, fullwidth_digits=True).decode()
    assert re.search(r"<td>[０-９]+</td>", text) and not re.search(r"<td>[0-9]+</td>", text)
    assert 'rowspan="' in text and f">{FIXED['t3_results']}<" in text


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb18030"])
@pytest.mark.parametrize("declared", ["same", "utf-8", "gb2312", None])
def test_html_encodings(encoding, declared):
    spec = make_spec(5, "2021")
    kw = {} if declared == "same" else {"declared_charset": declared}
    data = render_html(spec, encoding=encoding, **kw)
    text = data.decode(encoding)
    assert title_of(spec) in text
    if encoding != "utf-8":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    meta = re.search(rb"charset=([\w-]+)", data)
    if declared is None:
        assert meta is None
    else:
        assert meta.group(1).decode() == (encoding if declared == "same" else declared)


def test_html_flattened_has_no_table_and_every_cell_in_reading_order():
    spec = make_spec(6, "2021")
    report = build_report(spec)
    data = render_html(spec, flattened=True)
    doc = lxml_html.fromstring(data.decode())
    assert not doc.findall(".//table")
    paras = [p.text_content().replace("\xa0", "") for p in doc.iter("p")]
    t4 = report.grid("t4")
    expected = [c.text for r in range(t4.n_rows) for c in t4.starting_in(r)]
    # table 四's cells come last before part 五, in row order
    start = paras.index(expected[0])
    assert paras[start : start + len(expected)] == expected


# DOCX ---------------------------------------------------------------------------------------------


def docx_cell_xml(table, r, c):
    return table.cell(r, c)._tc


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("quirks", [{}, {"blank_zeros": True}, {"broken_labels": True}, {"fullwidth_digits": True}])
def test_docx_cells_and_merges(template, quirks):
    spec = make_spec(3, template, zero_rate=0.4)
    document = docx.Document(io.BytesIO(render_docx(spec, **quirks)))
    report = build_report(spec, Style(**quirks))
    assert len(document.tables) == 3
    assert document.paragraphs[0].text == title_of(spec)
    for name, table in zip(("t2", "t3", "t4"), document.tables):
        g = report.grid(name)
        assert len(table.rows) == g.n_rows and len(table.columns) == g.n_cols
        for cell in g.cells:
            assert table.cell(cell.row, cell.col).text == cell.text
            if cell.colspan > 1:
                assert table.cell(cell.row, cell.col)._tc.grid_span == cell.colspan
            if cell.rowspan > 1:
                assert table.cell(cell.row, cell.col)._tc.vMerge == "restart"
                below = table.cell(cell.row + 1, cell.col)
                assert below._tc is table.cell(cell.row, cell.col)._tc  # python-docx resolves the merge
    t3 = document.tables[1]
    org = t3.cell(1, 4)
    assert org.text == FIXED["t3_org"] and org._tc.grid_span == 5
    assert t3.cell(1, 5).text == FIXED["t3_org"]


def test_docx_split_table():
    spec = make_spec(3, "2021")
    document = docx.Document(io.BytesIO(render_docx(spec, split_table=True)))
    assert len(document.tables) == 4
    g = build_report(spec).grid("t3")
    top, bottom = document.tables[1], document.tables[2]
    assert len(top.rows) + len(bottom.rows) == g.n_rows
    # a paragraph separates the two parts
    body = document.element.body
    kinds = [el.tag.rsplit("}", 1)[1] for el in body.iterchildren()]
    i = [n for n, k in enumerate(kinds) if k == "tbl"][1]
    assert kinds[i + 1] == "p" and kinds[i + 2] == "tbl"
    texts = [c.text for row in bottom.rows for c in row.cells]
    assert "（七）总计" in texts and "四、结转下年度继续办理" in texts
    assert f"{spec.figures['t3.total.total']}" in texts


def test_render_doc_without_libreoffice(monkeypatch):
    monkeypatch.setattr(word.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="LibreOffice"):
        render_doc(make_spec(1, "2021"))


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice is not installed")
def test_render_doc_with_libreoffice():
    data = render_doc(make_spec(1, "2021"))
    assert data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


# PDF ----------------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> tuple[str, list]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = pdf.pages
        return "\n".join(p.extract_text() or "" for p in pages), [p.extract_tables() for p in pages]


@pytest.mark.parametrize("template", TEMPLATES)
def test_pdf_text_layer_holds_the_chinese_text(template):
    spec = make_spec(8, template, agency="夏县瑶峰镇人民政府")
    text, _ = pdf_text(render_pdf(spec))
    assert title_of(spec) in text
    for label in (FIXED["part3"], FIXED["t3_applicants"], "1.属于国家秘密", "（七）总计", "行政复议", "未经复议直接起诉"):
        assert label in text
    for s in t2_sections(template):
        assert FIXED["t2_item"].format(item=s["item"]) in text


@pytest.mark.parametrize("template", TEMPLATES)
def test_pdf_ruled_tables_are_found(template):
    spec = make_spec(9, template, zero_rate=0.3)
    report = build_report(spec)
    _, tables = pdf_text(render_pdf(spec, ruled=True))
    found = [t for page in tables for t in page]
    assert len(found) == 3
    t2, t3, t4 = found
    assert t4[-1] == [str(spec.figures[c.key]) for c in report.grid("t4").starting_in(3)]
    g3 = report.grid("t3")
    assert len(t3) == g3.n_rows
    for r in range(g3.header_rows, g3.n_rows):
        numbers = [c.text for c in g3.starting_in(r) if c.kind == "value"]
        assert t3[r][-7:] == numbers
    first_outcome = next(c.row for c in g3.cells if c.key == "disclosed")
    vertical = t3[first_outcome][0]
    assert vertical.split("\n") == list(FIXED["t3_results"])  # one character per line
    long_label = next(v for row in t3 for v in row if v and v.startswith("（二）部分公开"))
    assert "\n" in long_label  # broken over two lines


def test_pdf_unruled_has_no_lines():
    spec = make_spec(9, "2021")
    with pdfplumber.open(io.BytesIO(render_pdf(spec, ruled=False))) as pdf:
        assert all(not p.lines and not p.rects for p in pdf.pages)
        assert all(not p.extract_tables() for p in pdf.pages)
        text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "（七）总计" in text


def test_pdf_page_break_in_table_three():
    spec = make_spec(10, "2021")
    with pdfplumber.open(io.BytesIO(render_pdf(spec, page_break_in_t3=True, page_numbers=True))) as pdf:
        pages = [p.extract_text() for p in pdf.pages]
    first = next(i for i, t in enumerate(pages) if FIXED["t3_applicants"] in t)
    assert "（七）总计" in pages[first + 1] and "（七）总计" not in pages[first]
    assert "- 1 -" in pages[0]


def test_pdf_quirks_render():
    spec = make_spec(11, "2021", zero_rate=0.7)
    text, _ = pdf_text(render_pdf(spec, blank_zeros=True, fullwidth_digits=True, broken_labels=True))
    assert "总 计" in text and re.search("[１-９]", text)


# text ---------------------------------------------------------------------------------------------


def text_rows(text: str, first_label: str) -> list[list[str]]:
    """Table rows of the text rendering from the row holding `first_label`: cells without the tab."""
    lines = text.split("\n")
    start = next(i for i, l in enumerate(lines) if l == "\t" + first_label)
    rows, row = [], []
    for line in lines[start:]:
        if line.startswith("\t"):
            row.append(line[1:])
        elif line == "":
            if not row:
                break
            rows.append(row)
            row = []
        else:
            break
    return rows


@pytest.mark.parametrize("template", TEMPLATES)
def test_text_is_like_the_seed(template):
    spec = make_spec(12, template)
    text = render_text(spec).decode("utf-8")
    assert title_of(spec) in text
    rows = text_rows(text, "一、本年新收政府信息公开申请数量")
    g = build_report(spec).grid("t3")
    assert len(rows) == g.n_rows - g.header_rows
    for r, row in enumerate(rows):
        numbers = [c.text for c in g.starting_in(r + g.header_rows) if c.kind == "value"]
        assert row[-7:] == numbers
    t4 = text_rows(text, "行政复议")
    assert t4[-1] == [str(spec.figures[c.key]) for c in build_report(spec).grid("t4").starting_in(3)]


def test_text_lost_labels():
    spec = make_spec(13, "2021")
    text = render_text(spec, lost_labels=True).decode()
    for lost in ("（一）予以公开", "（二）部分公开", "（三）不予公开", "1.属于国家秘密", "8.属于行政查询事项"):
        assert lost not in text
    for kept in (FIXED["t3_results"], "（四）无法提供", "1.本机关不掌握相关政府信息", "（七）总计"):
        assert kept in text
    rows = text_rows(text, "一、本年新收政府信息公开申请数量")
    assert rows[2][0] == FIXED["t3_results"] and rows[2][1] == ""
    assert rows[3][:2] == ["", ""] and rows[4][:3] == ["", "", ""]
    assert rows[2][-7:] == [str(spec.figures[f"t3.disclosed.{c}"]) for c in
                            ("natural", "commercial", "research", "social", "legal", "other_org", "total")]


def test_text_encoding():
    spec = make_spec(13, "2019")
    assert title_of(spec) in render_text(spec, encoding="gb18030", crlf=True).decode("gb18030")


# XLSX ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES)
def test_xlsx_cells_and_merges(template):
    spec = make_spec(14, template, zero_rate=0.4)
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(spec)))
    ws = wb.active
    values = {c.value for row in ws.iter_rows() for c in row}
    assert title_of(spec) in values and FIXED["t3_results"] in values
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert len(merged) > 20
    # find table 三's first data row and compare the numbers
    row = next(r for r in ws.iter_rows() if r[0].value == "一、本年新收政府信息公开申请数量")
    assert [c.value for c in row[3:10]] == [spec.figures[f"t3.new.{c}"] for c in
                                            ("natural", "commercial", "research", "social", "legal", "other_org", "total")]
    amount = "t2.fees.amount" if template == "2021" else "t2.procurement.amount"
    assert spec.figures[amount] in values or spec.figures[amount] == 0


def test_xlsx_sheet_per_table():
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(make_spec(15, "2021"), sheet_per_table=True, blank_zeros=True)))
    assert len(wb.sheetnames) == 4


# common -------------------------------------------------------------------------------------------


def test_unknown_quirk_is_an_error():
    with pytest.raises(TypeError):
        render_html(make_spec(1, "2021"), ruled=True)
    with pytest.raises(ValueError):
        render(make_spec(1, "2021"), "odt")


def test_demo_corpus(tmp_path):
    entries = write_demo_corpus(tmp_path, n_agencies=3, years=(2020, 2023), seed=1)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["documents"] == entries and manifest["note"] == NOTE and manifest["generated"]
    assert len(entries) == 3 * 3 * 2
    assert {e["region_code"] for e in entries} == {"140828", "320813", "140802"}
    assert {e["template"] for e in entries} == {"2019", "2021"}
    assert "夏县人民政府" in {e["agency"] for e in entries}
    for e in entries:
        assert (tmp_path / e["file"]).stat().st_size > 1000
        assert rule_violations(e["figures"], e["template"]) == {r: [] for r in RULES}
    again = write_demo_corpus(tmp_path / "again", n_agencies=3, years=(2020, 2023), seed=1)
    assert again == entries
