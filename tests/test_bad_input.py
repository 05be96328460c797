"""Bad input: each file gives `failed` with a one-line reason, in bounded time, never a traceback,
and the other files of the same call are still processed."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from xxgk.extraction import extract_bytes
from xxgk.generate import make_spec, render


@pytest.fixture(scope="module")
def spec():
    return make_spec(seed=7, template="2021", agency="夏县教育局", year=2023)


@pytest.fixture(scope="module")
def good(spec):
    return {fmt: render(spec, fmt) for fmt in ("pdf", "docx", "html", "txt")}


def _pdf(text_lines: list[str], encrypt: str | None = None) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, encrypt=StandardEncryption(encrypt, canPrint=0) if encrypt else None)
    c.setFont("STSong-Light", 12)
    for i, line in enumerate(text_lines):
        c.drawString(72, 760 - 18 * i, line)
    c.save()
    return buffer.getvalue()


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(300):  # 300 MB of zeros in about 300 KB
                member.write(block)
    return buffer.getvalue()


XXE_DOCUMENT = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>"""


def bad_inputs(good: dict[str, bytes]) -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, a word the reason must contain)"""
    pdf, docx = good["pdf"], good["docx"]
    return {
        "empty.pdf": (b"", "empty"),
        "truncated.pdf": (pdf[: len(pdf) // 2], "PDF"),
        "truncated.docx": (docx[: len(docx) // 2], "DOCX"),
        "encrypted.pdf": (_pdf(["夏县教育局2023年政府信息公开工作年度报告"], encrypt="secret"), "encrypted"),
        "bomb.docx": (_zip_bomb(), "zip bomb"),
        "entities.docx": (_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": XXE_DOCUMENT}), "entities"),
        "huge.html": (b"<html><body>" + b"<p>\xe6\x94\xbf\xe5\xba\x9c</p>" * (50 * 2**20 // 17) + b"</body></html>", "too large"),
        "random.pdf": (os.urandom(200_000), "not a document"),
        "report-2017.txt": ("夏县教育局2017年政府信息公开工作年度报告\n一、概述\n2017年主动公开信息1234条。\n".encode(), "2019+"),
        "not-a-report.pdf": (_pdf(["会议纪要", "本次会议讨论了道路建设。"]), "not a government"),
        "scanned.pdf": (_scanned_pdf(), "scanned"),
    }


def _scanned_pdf() -> bytes:
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer)
    c.rect(72, 72, 400, 600, fill=1)  # an image-like page: marks, no text
    c.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def cases(good):
    return bad_inputs(good)


@pytest.mark.parametrize("name", [
    "empty.pdf", "truncated.pdf", "truncated.docx", "encrypted.pdf", "bomb.docx", "entities.docx",
    "huge.html", "random.pdf", "report-2017.txt", "not-a-report.pdf", "scanned.pdf",
])
def test_bad_input_fails_with_a_reason(cases, name):
    data, word = cases[name]
    record = extract_bytes(data, name)
    assert record["status"] == "failed"
    assert record["error"] and "\n" not in record["error"]
    assert word.lower() in record["error"].lower(), record["error"]
    assert "Traceback" not in record["error"]
    assert all(v is None for v in record["values"].values())


def test_batch_goes_on_after_bad_files(tmp_path, cases, good):
    for name, (data, _) in cases.items():
        if name != "huge.html":
            (tmp_path / name).write_bytes(data)
    (tmp_path / "good.html").write_bytes(good["html"])
    result = subprocess.run(
        [sys.executable, "-m", "xxgk", "extract", "--json", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    by_name = {os.path.basename(r["path"]): r for r in records}
    assert by_name["good.html"]["status"] == "ok"
    assert all(by_name[n]["status"] == "failed" for n in by_name if n != "good.html")
    assert len(records) == len(cases)  # every file but the skipped huge one, plus good.html


def test_usage_error_exits_2():
    result = subprocess.run([sys.executable, "-m", "xxgk", "extract"], capture_output=True, text=True)
    assert result.returncode == 2


def test_missing_file_is_a_failed_record(tmp_path):
    result = subprocess.run([sys.executable, "-m", "xxgk", "extract", "--json", str(tmp_path / "nope.pdf")],
                            capture_output=True, text=True)
    assert result.returncode == 0
    record = json.loads(result.stdout)
    assert record["status"] == "failed" and "cannot open" in record["error"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fmt=st.sampled_from(["pdf", "docx", "html", "txt"]),
    edits=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["flip", "cut", "insert", "zero"]), st.binary(min_size=1, max_size=16)),
                   min_size=1, max_size=4),
)
def test_mutated_documents_never_crash(good, fmt, edits):
    """Whatever happens to a real fixture's bytes, extraction returns a well-formed record."""
    data = bytearray(good[fmt])
    for where, how, payload in edits:
        i = int(where * (len(data) - 1))
        if how == "flip":
            data[i] ^= payload[0] or 1
        elif how == "cut":
            del data[i:]
        elif how == "insert":
            data[i:i] = payload
        else:
            data[i: i + len(payload)] = bytes(len(payload))
        if not data:
            break
    record = extract_bytes(bytes(data), f"mutated.{fmt}")
    assert record["status"] in ("ok", "flagged", "failed")
    assert (record["status"] == "failed") == (record["error"] is not None)
    if record["error"]:
        assert "\n" not in record["error"] and len(record["error"]) < 300
    json.dumps(record)  # always serialisable


def test_doc_without_libreoffice_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice anywhere
    fake_doc = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "WordDocument".encode("utf-16-le") + bytes(64)
    record = extract_bytes(fake_doc, "report.doc")
    assert record["format"] == "doc" and record["status"] == "failed"
    assert "LibreOffice" in record["error"] and "apt-get install" in record["error"]


def test_a_pdf_text_layer_of_unmapped_glyphs_reads_like_a_scan():
    from extract.pdf import undecodable

    assert undecodable("(cid:3021)(cid:1877)(cid:45) 2023 (cid:88)(cid:99)\n" * 20)
    assert not undecodable("夏县教育局2023年政府信息公开工作年度报告 (cid:12)\n" * 20)
