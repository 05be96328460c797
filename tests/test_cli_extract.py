"""`xxgk extract` as a user runs it: JSON lines, provenance, the readable summary."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from transform.template import keys_for
from xxgk.generate import make_spec, render


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xxgk", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("docs")
    spec = make_spec(seed=11, template="2021", agency="夏县教育局", year=2023)
    (root / "report.pdf").write_bytes(render(spec, "pdf", page_break_in_t3=True))
    (root / "sub").mkdir()
    (root / "sub" / "report.docx").write_bytes(render(spec, "docx", split_table=True))
    (root / "sub" / "no-extension").write_bytes(render(spec, "html", encoding="gbk"))
    return root, spec


def test_json_lines_follow_the_contract(folder):
    root, spec = folder
    result = run("extract", "--json", str(root))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(r["format"] for r in records) == ["docx", "html", "pdf"]  # told from bytes, not names
    for record in records:
        assert set(record) == {"path", "sha256", "format", "agency", "year", "template", "status", "values", "issues", "error", "dates"}
        assert set(keys_for("2021")) <= set(record["values"])
        assert record["status"] == "ok" and record["agency"] == "夏县教育局" and record["year"] == 2023
        assert all(record["values"][k] == v or abs(record["values"][k] - v) < 1e-6 for k, v in spec.figures.items())


def test_provenance_points_at_the_printed_cell(folder):
    root, spec = folder
    result = run("extract", "--json", "--provenance", str(root / "report.pdf"))
    record = json.loads(result.stdout)
    for key in ("t3.new.natural", "t3.carried_forward.total", "t4.suit_after_review.total", "t2.rules.issued"):
        where = record["provenance"][key]
        assert where["page"] >= 1 and where["table"] >= 1 and where["row"] >= 1 and where["col"] >= 1
        assert float(where["text"] or 0) == spec.figures[key]
    assert record["provenance"]["t3.new.natural"]["label"].startswith("一、本年新收")


def test_readable_summary(folder):
    root, _ = folder
    result = run("extract", str(root))
    assert result.returncode == 0
    assert "夏县教育局" in result.stdout and "ok" in result.stdout and "2023" in result.stdout


def test_workers_give_the_same_records_in_the_same_order(folder):
    root, _ = folder
    alone = run("extract", "--json", "--provenance", str(root))
    guarded = run("extract", "--json", "--provenance", "--workers", "2", str(root))
    assert guarded.returncode == 0, guarded.stderr
    assert [json.loads(x) for x in guarded.stdout.splitlines()] == [json.loads(x) for x in alone.stdout.splitlines()]


@pytest.mark.parametrize("ruled", [True, False])
def test_pdf_provenance_boxes_frame_the_printed_figure(tmp_path, ruled):
    """The desk draws a figure's box on the page image: the box must hold that figure's text."""
    import io

    import pdfplumber

    spec = make_spec(seed=4, template="2021")
    data = render(spec, "pdf", ruled=ruled, page_break_in_t3=True)
    (tmp_path / "r.pdf").write_bytes(data)
    record = json.loads(run("extract", "--json", "--provenance", str(tmp_path / "r.pdf")).stdout)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for key in ("t3.new.natural", "t3.unable.unclear.total", "t3.carried_forward.total", "t4.review.total", "t2.fees.amount"):
            where = record["provenance"][key]
            page = pdf.pages[where["page"] - 1]
            x0, top, x1, bottom = where["bbox"]
            assert 0 <= x0 < x1 <= page.width and 0 <= top < bottom <= page.height
            inside = page.crop((x0 - 0.5, top - 0.5, x1 + 0.5, bottom + 0.5)).extract_text().split()
            assert where["text"] in inside, (key, where, inside)


def test_a_saved_page_is_read_with_the_pictures_beside_it_and_they_are_not_read_alone(tmp_path):
    # A browser's "save page, complete": the page and its pictures in page_files/ (a scan shown as pictures).
    from xxgk.generate.htmlpage import render_scan_page

    spec = make_spec(seed=12, template="2021", agency="夏县教育局", year=2023)
    page, files = render_scan_page(spec, 200, ruled=True)
    (tmp_path / "page_files").mkdir()
    for name, data in files.items():
        (tmp_path / "page_files" / name).write_bytes(data)
        page = page.replace(f'src="{name}"'.encode(), f'src="page_files/{name}"'.encode())
    (tmp_path / "报告.html").write_bytes(page)
    result = run("extract", "--json", "--workers", "1", str(tmp_path))
    assert result.returncode == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]  # the pictures are not documents of their own
    assert record["format"] == "html" and record["error"] is None and record["agency"] == spec.agency
    codes = {i["code"] for i in record["issues"]}
    unsure = {k for i in record["issues"] if i["code"] == "extractor.ocr_unsure" for k in i["keys"]}
    assert "note.ocr" in codes
    assert {k: v for k, v in record["values"].items() if v is not None} == {
        k: v for k, v in spec.figures.items() if k not in unsure}  # never a wrong figure
