"""Layouts real reports use that the generator does not print by itself, made by editing a
generated page: each must give the figures back, or be flagged, never a wrong figure."""

from __future__ import annotations

import re

import pytest

from transform import template as tpl
from xxgk.extraction import extract_bytes
from xxgk.generate import make_spec, render


@pytest.fixture(scope="module")
def spec():
    return make_spec(seed=3, template="2021", agency="夏县人力资源和社会保障局", year=2023, zero_rate=0.3)


@pytest.fixture(scope="module")
def page(spec) -> str:
    return render(spec, "html", blank_zeros=True).decode("utf-8")


def extract(html: str) -> dict:
    return extract_bytes(html.encode("utf-8"), "edited.html")


def same_figures(record: dict, figures: dict, skip: set[str] = frozenset()) -> list[str]:
    return [k for k, v in figures.items() if k not in skip and record["values"].get(k) != v]


def test_dashes_for_not_applicable_are_zero_with_a_note(page, spec):
    record = extract(page.replace("&nbsp;", "—"))
    assert record["status"] == "ok"
    assert not same_figures(record, spec.figures)
    assert any(i["code"] == "note.not_applicable" for i in record["issues"])


def test_heji_instead_of_zongji(page, spec):
    record = extract(page.replace("（七）总计", "（七）合计"))
    assert record["status"] == "ok" and not same_figures(record, spec.figures)


def test_a_label_typo_is_read_by_its_number_and_flagged(page, spec):
    assert "2.重复申请" in page
    record = extract(page.replace("2.重复申请", "2.重夏申情"))
    assert not same_figures(record, spec.figures)
    issues = [i for i in record["issues"] if i["code"] == "extractor.label_by_number"]
    assert issues and "t3.not_processed.duplicate.total" in issues[0]["keys"]
    assert record["status"] == "flagged"


def test_a_row_not_printed_is_null_and_reported_as_form(page, spec):
    # The rest of table 三 is read with certainty: leaving a row out is the report's form
    # (format.row_not_printed, never flags), not a doubt of ours (extractor.row_missing).
    edited = re.sub(r"<tr>\s*<td[^>]*>[^<]*</td>\s*<td[^>]*>3\.要求提供公开出版物</td>.*?</tr>|<tr>\s*<td[^>]*>3\.要求提供公开出版物</td>.*?</tr>",
                    "", page, count=1, flags=re.S)
    assert edited != page
    record = extract(edited)
    missing = [f"t3.not_processed.publication.{c}" for c in tpl.t3_columns()]
    assert all(record["values"][k] is None for k in missing)
    assert any(i["code"] == "format.row_not_printed" and set(missing) <= set(i["keys"]) for i in record["issues"])
    assert not same_figures(record, spec.figures, skip=set(missing))
    assert record["status"] == "ok"


def test_a_table_two_row_not_printed_is_form_not_doubt(spec):
    # A district bureau without rule-making power drops the 规章 row of table 二.
    page = render(spec, "html").decode("utf-8")
    edited, n = re.subn(r"<tr>\s*<td>规章</td>.*?</tr>", "", page, count=1, flags=re.S)
    assert n == 1
    record = extract(edited)
    missing = [k for k in spec.figures if k.startswith("t2.rules.")]
    assert all(record["values"][k] is None for k in missing)
    found = [i for i in record["issues"] if i["code"] == "format.row_not_printed"]
    assert found and set(found[0]["keys"]) == set(missing)
    assert not same_figures(record, spec.figures, skip=set(missing)) and record["status"] == "ok"


def test_a_row_missing_next_to_doubtful_rows_stays_a_doubt(page, spec):
    # With another row of table 三 not placed, a missing row may be ours: extractor.row_missing.
    row = re.search(r"<tr>\s*<td[^>]*>2\.没有现成信息需要另行制作</td>(.*?)</tr>", page, re.S)
    cells = re.findall(r"<td>[^<]*</td>", row.group(1))
    edited = page.replace(row.group(1), "".join(cells[1:]), 1)
    edited = re.sub(r"<tr>\s*<td[^>]*>3\.要求提供公开出版物</td>.*?</tr>", "", edited, count=1, flags=re.S)
    record = extract(edited)
    assert any(i["code"] == "extractor.row_missing" and "t3.not_processed.publication.total" in i["keys"] for i in record["issues"])
    assert record["status"] == "flagged"


def test_a_row_with_a_cell_too_few_is_not_guessed(page, spec):
    row = re.search(r"<tr>\s*<td[^>]*>2\.没有现成信息需要另行制作</td>(.*?)</tr>", page, re.S)
    cells = re.findall(r"<td>[^<]*</td>", row.group(1))
    edited = page.replace(row.group(1), "".join(cells[1:]), 1)  # drop the first value cell
    record = extract(edited)
    keys = [f"t3.unable.needs_creation.{c}" for c in tpl.t3_columns()]
    assert any(i["code"] == "extractor.cells_ambiguous" and i["keys"] == keys for i in record["issues"])
    assert all(record["values"][k] is None for k in keys)
    assert record["status"] == "flagged"


def test_table_four_printed_one_row_per_group(page, spec):
    t4 = next(t for t in re.findall(r"<table.*?</table>", page, re.S) if "结果维持" in t)
    f = spec.figures
    rows = "".join(
        f"<tr><td>{label}</td>" + "".join(f"<td>{f[f't4.{g}.{c}']}</td>" for c in tpl.t4_columns()) + "</tr>"
        for g, label in (("review", "行政复议"), ("suit_direct", "行政诉讼（未经复议直接起诉）"), ("suit_after_review", "行政诉讼（复议后起诉）"))
    )
    transposed = ("<table><tr><td></td><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>"
                  + rows + "</table>")
    record = extract(page.replace(t4, transposed))
    assert not same_figures(record, spec.figures)
    assert record["status"] == "ok"


def test_report_inside_a_layout_table(page, spec):
    body = re.search(r"<body[^>]*>(.*)</body>", page, re.S).group(1)
    wrapped = page.replace(body, f"<table width='100%'><tr><td>导航</td><td>{body}</td></tr></table>")
    record = extract(wrapped)
    assert record["status"] == "ok" and not same_figures(record, spec.figures)


def test_item_numbers_in_brackets(page, spec):
    edited = re.sub(r">(\d)\.(属于|信访|重复|要求|无正当|本机关|没有|补正)", r">（\1）\2", page)
    assert edited != page
    record = extract(edited)
    assert record["status"] == "ok" and not same_figures(record, spec.figures)


def test_a_row_with_a_cell_too_many_is_not_guessed(page, spec):
    row = re.search(r"<tr>\s*<td[^>]*>2\.没有现成信息需要另行制作</td>(.*?)</tr>", page, re.S)
    edited = page.replace(row.group(1), "<td>5</td>" + row.group(1), 1)  # a stray number before the values
    record = extract(edited)
    keys = [f"t3.unable.needs_creation.{c}" for c in tpl.t3_columns()]
    assert any(i["code"] == "extractor.cells_ambiguous" and i["keys"] == keys for i in record["issues"])
    assert all(record["values"][k] is None for k in keys)
    assert not same_figures(record, spec.figures, skip=set(keys))


def _docx_with_body(spec, wrap) -> bytes:
    """The generated DOCX with its body's content rewritten by `wrap(body_xml) -> body_xml`."""
    import io
    import zipfile

    data = render(spec, "docx")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "word/document.xml":
                xml = content.decode("utf-8")
                start = xml.index(">", xml.index("<w:body")) + 1
                end = xml.rindex("<w:sectPr") if "<w:sectPr" in xml else xml.rindex("</w:body>")
                xml = xml[:start] + wrap(xml[start:end]) + xml[end:]
                content = xml.encode("utf-8")
            target.writestr(item, content)
    return out.getvalue()


def test_docx_content_inside_content_controls(spec):
    data = _docx_with_body(spec, lambda body: f"<w:sdt><w:sdtPr/><w:sdtContent>{body}</w:sdtContent></w:sdt>")
    record = extract_bytes(data, "sdt.docx")
    assert record["status"] == "ok" and not same_figures(record, spec.figures)


def test_docx_report_inside_a_layout_table(spec):
    data = _docx_with_body(spec, lambda body: f"<w:tbl><w:tr><w:tc>{body}<w:p/></w:tc></w:tr></w:tbl><w:p/>")
    record = extract_bytes(data, "layout.docx")
    assert record["status"] == "ok" and not same_figures(record, spec.figures)
