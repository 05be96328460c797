"""The real report pages of ../shared/wild/ (unlabelled): each must give what its README says:
status ok (or flagged only for the rules findings.tsv lists), no extractor.* issue, its year, its
format version as printed and its agency (the page's <title> names it). Skipped where absent."""

from __future__ import annotations

import csv
import re

import pytest

from conftest import SHARED
from xxgk.extraction import extract_path

WILD = SHARED / "wild"
PAGES = sorted(WILD.glob("*.html")) if WILD.is_dir() else []
if not PAGES:
    pytestmark = pytest.mark.skip(reason="../shared/wild is not on this machine")


def findings() -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    with (WILD / "findings.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            out.setdefault(row["id"], []).append(row)
    return out


@pytest.fixture(scope="module", params=PAGES or [None], ids=lambda p: p.stem if p else "none")
def page(request):
    return request.param, extract_path(request.param, provenance=True)


def test_every_figure_placed_and_only_listed_rules_broken(page):
    path, record = page
    assert record["error"] is None
    assert not [i for i in record["issues"] if i["code"].startswith("extractor.")]
    listed = {(f["code"], frozenset(f["keys"].split(","))) for f in findings().get(path.stem, [])}
    broken = {(i["code"], frozenset(i["keys"])) for i in record["issues"] if i["code"].startswith("source.")}
    assert broken == listed
    assert record["status"] == ("flagged" if listed else "ok")


def test_year_version_and_agency(page):
    path, record = page
    title = re.search(r"<title>(.*?)</title>", path.read_text(encoding="utf-8"), re.S).group(1)
    year = int(re.search(r"-(\d{4})$", path.stem).group(1))
    assert record["year"] == year
    assert record["agency"] and record["agency"] in title.replace(" ", "")
    assert record["template"] == ("2019" if year <= 2020 else "2021")


def test_cited_notice_is_never_the_agency(page):
    _, record = page
    assert "关于" not in record["agency"] and "编制" not in record["agency"] and not record["agency"].startswith("我")


def test_amounts_printed_in_yuan_become_wan_yuan():
    # Two pages print 采购总金额 in 元 in the cell ("832995元", "5419886元").
    expected = {"real-czj-2019": 83.2995, "real-gwh-2019": 541.9886}
    for stem, amount in expected.items():
        path = WILD / f"{stem}.html"
        if not path.exists():
            pytest.skip(f"{path.name} absent")
        record = extract_path(path)
        assert record["values"]["t2.procurement.amount"] == amount
        assert any(i["code"] == "note.unit_converted" and i["keys"] == ["t2.procurement.amount"] for i in record["issues"])
