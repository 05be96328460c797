"""DOC and WPS through LibreOffice (skipped where it is not installed)."""

from __future__ import annotations

import shutil

import pytest

from xxgk.extraction import extract_bytes
from xxgk.generate import make_spec, render

pytestmark = pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")),
                                reason="LibreOffice is not installed")


@pytest.fixture(scope="module")
def doc_and_spec():
    spec = make_spec(seed=21, template="2021", agency="夏县民政局", year=2022)
    return render(spec, "doc"), spec


def test_doc_figures_come_back(doc_and_spec):
    data, spec = doc_and_spec
    record = extract_bytes(data, "report.doc")
    assert record["format"] == "doc" and record["status"] == "ok", record["issues"][:3]
    assert all(record["values"][k] == v for k, v in spec.figures.items())


def test_wps_is_told_from_its_bytes_and_read(doc_and_spec):
    # Kingsoft WPS writes Word's binary format with its own mark; the extension says nothing.
    data, spec = doc_and_spec
    record = extract_bytes(data + b"Kingsoft WPS Office", "report.bin")
    assert record["format"] == "wps" and record["status"] == "ok", record["error"]
    assert record["values"]["t3.new.total"] == spec.figures["t3.new.total"]
