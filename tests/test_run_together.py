"""Cells run together (an archive's text of a page: "行政规范性文件6233440"): the digits are never
split by guess; the row's figures are null with an extractor issue, the rest read as usual."""

from __future__ import annotations

import re

import pytest

from transform import template as tpl
from xxgk.extraction import extract_bytes
from xxgk.generate import make_spec, render


@pytest.mark.parametrize("seed", (0, 1, 2))
def test_numbers_run_into_their_label_are_not_split(seed):
    spec = make_spec(seed, "2021", zero_rate=0.3)
    text = render(spec, "txt", layout="pdftotext").decode("utf-8")
    glued = re.sub(r"^(行政规范性文件|2\.重复申请)\s+([\d ]+)$", lambda m: m.group(1) + m.group(2).replace(" ", ""),
                   text, flags=re.M)
    assert glued.count("\n行政规范性文件") and glued != text
    record = extract_bytes(glued.encode("utf-8"), "glued.txt")
    unsplit = [f"t2.normative.{c}" for c in ("issued", "repealed", "in_force")] + \
              [f"t3.not_processed.duplicate.{c}" for c in tpl.t3_columns()]
    assert all(record["values"][k] is None for k in unsplit)
    named = {k for i in record["issues"] if i["code"] == "extractor.cells_ambiguous" for k in i["keys"]}
    assert set(unsplit) <= named
    assert not any(i["code"] == "format.row_not_printed" and set(i["keys"]) & set(unsplit) for i in record["issues"])
    assert {k: record["values"][k] for k in spec.figures if k not in unsplit} == {k: v for k, v in spec.figures.items() if k not in unsplit}
    assert record["status"] == "flagged"
