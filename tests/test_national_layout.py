"""The county's tables in the national layout: the merges of the template, the figures read back
from every export, the HTML fragment the desk shows, the CSV, and the DOCX as LibreOffice prints it."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import html as lxml_html

from transform.template import keys_for, layout, t3_outcome_rows
from warehouse.export import county_tables, export_csv, export_docx, export_html
from warehouse.layout import format_figure, national_tables_css, national_tables_html
from warehouse.publish import publish_records, warehouse_path
from warehouse_records import failed, record
from xxgk.extraction import extract_path

YEARS = {"2019": 2020, "2021": 2022}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    data = tmp_path_factory.mktemp("layout") / "data"
    recs = [record(agency, year) for year in YEARS.values() for agency in ("夏县教育局", "夏县财政局", "夏县民政局")]
    publish_records(data, recs)
    return warehouse_path(data)


def spans(table) -> dict[str, list[tuple[int, int, int, int]]]:
    """Each cell's text -> [(row, col, rowspan, colspan)], from the Word XML (gridSpan, vMerge)."""
    grid: dict[tuple[int, int], tuple] = {}
    for r, tr in enumerate(table._tbl.tr_lst):
        c = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            v_merge = tc.tcPr.find(qn("w:vMerge")) if tc.tcPr is not None else None
            state = None if v_merge is None else v_merge.get(qn("w:val"), "continue")
            text = "".join(t.text or "" for t in tc.iter(qn("w:t")))
            grid[(r, c)] = (text, span, state)
            c += span
    out: dict[str, list] = {}
    for (r, c), (text, span, state) in grid.items():
        if state == "continue":
            continue
        down = 1
        while grid.get((r + down, c), ("", 0, None))[2] == "continue":
            down += 1
        out.setdefault(text, []).append((r, c, down, span))
    return out


def docx_tables(db, tmp_path, year):
    path = export_docx(db, "140828", year, tmp_path / f"{year}.docx")
    doc = Document(str(path))
    by_text = {}
    for table in doc.tables:
        text = "".join(c.text for c in table.rows[0].cells)
        by_text["t3" if "申请人情况" in text else "t4" if "行政复议" in text else "t2"] = table
    return doc, by_text


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_table_three_merges_as_the_national_template(db, tmp_path, template):
    _, tables = docx_tables(db, tmp_path, YEARS[template])
    s = spans(tables["t3"])
    outcome_rows = len(t3_outcome_rows(template)) + 1  # （一） … （七）总计
    (vertical,) = s["三、本年度办理结果"]
    assert vertical[1:] == (0, outcome_rows, 1)  # one cell down every outcome row
    assert s["申请人情况"] == [(0, 3, 1, 7)] and s["法人或其他组织"] == [(1, 4, 1, 5)]
    assert s["自然人"] == [(1, 3, 2, 1)] and s["总计"] == [(1, 9, 2, 1)]
    note = next(k for k in s if k.startswith("（本列数据的勾稽关系"))
    assert s[note] == [(0, 0, 3, 3)]
    groups = {g["key"]: g["label"] for g in layout()["t3_groups"]}
    for key, label in groups.items():
        members = [r for r in layout()["t3_rows"] if r.get("group") == key and r.get("template", template) == template]
        if not members:  # the 2019 （六）其他处理 is one row over both label columns
            assert [x[3] for x in s[label]] == [2]
            continue
        (cell,) = s[label]
        assert cell[1:] == (1, len(members), 1), label
    for label in ("一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "四、结转下年度继续办理"):
        assert s[label][0][1:] == (0, 1, 3)
    for label in ("（一）予以公开", "（七）总计"):
        assert s[label][0][1:] == (1, 1, 2)


def test_table_four_and_two_merges_and_the_page(db, tmp_path):
    doc, tables = docx_tables(db, tmp_path, YEARS["2021"])
    s = spans(tables["t4"])
    assert s["行政复议"] == [(0, 0, 1, 5)] and s["行政诉讼"] == [(0, 5, 1, 10)]
    assert s["未经复议直接起诉"] == [(1, 5, 1, 5)] and s["复议后起诉"] == [(1, 10, 1, 5)]
    assert sorted(s["结果维持"]) == [(1, 0, 2, 1), (2, 5, 1, 1), (2, 10, 1, 1)]
    s2 = spans(tables["t2"])
    assert s2["第二十条第（五）项"] == [(4, 0, 1, 4)] and s2["本年处理决定数量"][0][3] == 3
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "SimSun"  # 宋体
    widths = [tables["t3"].columns[i].width.cm for i in range(10)]
    assert sum(widths) == pytest.approx(17.0, abs=0.05) and widths[2] > 4 * widths[3]


@pytest.mark.parametrize("fmt", ["html", "docx"])
@pytest.mark.parametrize("template", ["2019", "2021"])
def test_every_figure_reads_back_from_the_exports(db, tmp_path, fmt, template):
    year = YEARS[template]
    path = tmp_path / f"tables.{fmt}"
    if fmt == "docx":
        export_docx(db, "140828", year, path)
    else:
        path.write_text(export_html(db, "140828", year), encoding="utf-8")
    got = extract_path(path)
    assert got["status"] == "ok" and got["year"] == year and got["template"] == template, got["issues"][:3]
    expected = county_tables(db, "140828", year)["values"]
    for key in keys_for(template):
        assert got["values"][key] == pytest.approx(expected[key]), key


@pytest.mark.parametrize("template", ["2019", "2021"])
def test_the_fragment_keys_every_figure_and_marks_cells(template):
    keys = keys_for(template)
    values = {k: i for i, k in enumerate(keys)}
    marks = {keys[0]: "broken", keys[-1]: "corrected"}
    fragment = national_tables_html(values, template, marks)
    assert "<html" not in fragment and "<head" not in fragment and "style=" not in fragment
    tree = lxml_html.fragment_fromstring(fragment)
    cells = {td.get("data-key"): td for td in tree.iter("td") if td.get("data-key")}
    assert set(cells) == set(keys)
    assert all(cells[k].text_content() == format_figure(k, v) for k, v in values.items())
    assert cells[keys[0]].get("class") == "broken" and cells[keys[-1]].get("class") == "corrected"
    assert [k for k, td in cells.items() if td.get("class")] == [keys[0], keys[-1]]
    assert [h.text for h in tree.iter("h2")] == ["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                                                   "四、政府信息公开行政复议、行政诉讼情况"]


def test_a_2021_report_with_the_2019_table_two_keeps_its_columns():
    from xxgk.generate.spec import make_spec

    values = make_spec(4, "2021", t2_template="2019").figures
    tree = lxml_html.fragment_fromstring(national_tables_html(values, "2021"))
    keyed = {td.get("data-key") for td in tree.iter("td") if td.get("data-key")}
    t2_printed = {k for k, v in values.items() if k.startswith("t2.") and v is not None}
    assert t2_printed <= keyed and "t2.rules.new_made" in keyed and "t2.rules.issued" not in keyed
    assert "t3.other.no_correction.total" in keyed  # table 三 stays the 2021 one
    plain = lxml_html.fragment_fromstring(national_tables_html(make_spec(4, "2021").figures, "2021"))
    assert "t2.rules.issued" in {td.get("data-key") for td in plain.iter("td")}


def test_the_fragment_escapes_keys_values_and_marks():
    hostile = '"><script>alert(1)</script>'
    fragment = national_tables_html({"t3.new.total": hostile, hostile: 5}, "2021", {"t3.new.total": hostile})
    assert "<script" not in fragment
    tree = lxml_html.fragment_fromstring(fragment)
    cell = next(td for td in tree.iter("td") if td.get("data-key") == "t3.new.total")
    assert cell.text_content() == hostile and cell.get("class") == hostile
    css = national_tables_css()
    assert ".xxgk-national td.broken" in css and "col.t3-c2" in css and "url(" not in css


def test_counts_as_whole_numbers_amounts_with_their_decimals():
    assert format_figure("t3.new.total", 223.0) == "223"
    assert format_figure("t2.fees.amount", 25.1000000001) == "25.1"
    assert format_figure("t2.fees.amount", 3.0) == "3"
    assert format_figure("t3.new.total", None) == ""


def test_csv_for_excel(db):
    text = export_csv(db, "140828", YEARS["2021"])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["key", "行", "列", "数值"]
    expected = county_tables(db, "140828", YEARS["2021"])["values"]
    assert [r[0] for r in rows[1:]] == list(keys_for("2021"))
    by_key = {r[0]: r for r in rows[1:]}
    assert by_key["t3.new.total"][1:3] == ["一、本年新收政府信息公开申请数量", "总计"]
    assert by_key["t3.new.total"][3] == str(int(expected["t3.new.total"]))
    assert all("." not in r[3] for r in rows[1:] if r[0].startswith("t3."))


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_table_three_prints_on_one_a4_page(db, tmp_path):
    pdfplumber = pytest.importorskip("pdfplumber")
    path = export_docx(db, "140828", YEARS["2021"], tmp_path / "t.docx")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=300)
    with pdfplumber.open(tmp_path / "t.pdf") as pdf:
        pages = [p.extract_text() or "" for p in pdf.pages]
        fonts = {c["fontname"] for p in pdf.pages for c in p.chars}
    first = [i for i, t in enumerate(pages) if "收到和处理政府信息公开申请情况" in t]
    last = [i for i, t in enumerate(pages) if "结转下年度继续办理" in t]
    assert first and first == last, "table 三 spreads over more than one page"
    if shutil.which("fc-list") and "Noto Serif CJK" in subprocess.run(["fc-list"], capture_output=True, text=True).stdout:
        assert any("SerifCJK" in f for f in fonts), fonts  # 宋体's fallback, not a sans or a glyph-less font


def test_county_totals_leave_out_the_summary_and_failed_reports_and_apply_corrections(tmp_path):
    from warehouse.corrections import add_correction
    from warehouse.publish import republish

    data = tmp_path / "data"
    fixed, other = record("夏县教育局", 2022), record("夏县财政局", 2022)
    unreadable = dict(failed("夏县民政局2022年报.pdf"), agency="夏县民政局", year=2022)
    publish_records(data, [fixed, other, record("夏县人民政府", 2022), unreadable])
    add_correction(data, {"action": "figure", "sha256": fixed["sha256"], "key": "t3.new.natural",
                          "value": fixed["values"]["t3.new.natural"] + 1, "note": "typo"})
    republish(data)
    tables = county_tables(warehouse_path(data), "140828", 2022)
    assert tables["reports"] == 2 and tables["corrected"] == 1
    assert tables["values"]["t3.new.natural"] == (fixed["values"]["t3.new.natural"] + 1
                                                   + other["values"]["t3.new.natural"])
    assert isinstance(tables["values"]["t3.new.total"], int)
    fragment = national_tables_html(tables["values"], tables["template"], {"t3.new.natural": "corrected"})
    assert 'data-key="t3.new.natural" class="corrected"' in fragment
