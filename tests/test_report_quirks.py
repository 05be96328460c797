"""Quirks of real published reports (issue 11), each made by the generator from its own figures:
units in labels and headers, amounts without a unit, signed changes as words, number cells merged
across rows, the two mixes of versions, titles without 工作 or 年度, a cited notice, no title in
the body. Every figure comes back, or is null / kept with an issue; never a wrong figure under ok."""

from __future__ import annotations

import pytest

from transform import template as tpl
from xxgk.extraction import extract_bytes
from xxgk.generate import make_spec, render
from xxgk.generate.figures import merged_other_expected

from test_generated_roundtrip import assert_values

SEEDS = (0, 1, 2)
GRID_FORMATS = ("html", "docx", "xlsx", "pdf")


def codes(record: dict) -> set[str]:
    return {i["code"] for i in record["issues"]}


def spec_2019(seed: int, **kw):
    spec = make_spec(seed, "2019", agency="夏县教育局", year=2020, zero_rate=0.3, **kw)
    assert spec.figures["t2.procurement.projects"] or seed != 1  # seed 1 prints a non-zero amount
    return spec


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fmt", ("html", "docx", "pdf", "txt", "xlsx"))
@pytest.mark.parametrize("where", ("unit_in_label", "unit_in_header"))
def test_amounts_in_yuan_by_label_or_header_are_converted(where, fmt, seed):
    for template in ("2019", "2021"):
        spec = make_spec(seed, template, zero_rate=0.3)
        record = extract_bytes(render(spec, fmt, **{where: True}), f"x.{fmt}")
        assert_values(record, spec.figures)
        assert record["status"] == "ok", [i for i in record["issues"] if not i["code"].startswith(("note.", "format."))]
        amount = "t2.procurement.amount" if template == "2019" else "t2.fees.amount"
        if spec.figures[amount]:
            assert any(i["code"] == "note.unit_converted" and i["keys"] == [amount] for i in record["issues"])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fmt", ("html", "pdf", "txt"))
def test_an_amount_without_any_unit_is_kept_as_printed_and_flagged(fmt, seed):
    spec = make_spec(seed, "2019", zero_rate=0.3)
    record = extract_bytes(render(spec, fmt, unitless_yuan=True), f"x.{fmt}")
    amount = spec.figures["t2.procurement.amount"]
    printed = round(amount * 10000)
    assert record["values"]["t2.procurement.amount"] == printed  # as printed, never converted by guess
    assert_values(record, {k: v for k, v in spec.figures.items() if k != "t2.procurement.amount"})
    flagged = [i for i in record["issues"] if i["code"] == "extractor.unit_unknown"]
    if printed:
        assert flagged and flagged[0]["keys"] == ["t2.procurement.amount"] and str(printed) in flagged[0]["message"]
        assert record["status"] == "flagged"
    else:
        assert not flagged


def test_plausible_amount_without_unit_is_not_flagged():
    # The generator's own amounts are plausible as 万元 only: no flag on the plain format.
    for seed in range(6):
        spec = make_spec(seed, "2019", zero_rate=0.2)
        record = extract_bytes(render(spec, "html"), "x.html")
        assert "extractor.unit_unknown" not in codes(record)
        assert_values(record, spec.figures)


def _with_decreases(n: int) -> list[int]:
    """Seeds whose 2019 figures hold a decrease (a negative 本年增/减) and an increase."""
    out = []
    for seed in range(50):
        changes = [v for k, v in make_spec(seed, "2019", zero_rate=0.2).figures.items() if k.endswith(".change")]
        if min(changes) < 0 < max(changes):
            out.append(seed)
    return out[:n]


@pytest.mark.parametrize("seed", _with_decreases(2))
@pytest.mark.parametrize("fmt", ("html", "docx", "pdf", "txt", "xlsx"))
def test_signed_changes_written_as_words(fmt, seed):
    spec = make_spec(seed, "2019", zero_rate=0.2)
    record = extract_bytes(render(spec, fmt, signed_words=True), f"x.{fmt}")
    assert_values(record, spec.figures)
    assert record["status"] == "ok"
    html = render(spec, "html", signed_words=True).decode("utf-8")
    assert "减" in html and "增" in html


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fmt", GRID_FORMATS)
def test_number_cells_merged_across_the_other_rows(fmt, seed):
    spec = make_spec(seed, "2021", zero_rate=(0.3, 0.9, 0.5)[seed])
    record = extract_bytes(render(spec, fmt, merged_other_values=True), f"x.{fmt}")
    expected = merged_other_expected(spec.figures)
    assert_values(record, expected)
    assert "note.merged_rows" in codes(record)
    assert record["status"] == "ok", [i for i in record["issues"] if not i["code"].startswith(("note.", "format."))]


def test_merged_zero_is_zero_for_every_row():
    spec = make_spec(4, "2021", zero_rate=1.0)
    record = extract_bytes(render(spec, "html", merged_other_values=True), "x.html")
    for c in tpl.t3_columns():
        assert record["values"][f"t3.other.no_correction.{c}"] == 0
        assert record["values"][f"t3.other.other.{c}"] == 0


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fmt", ("html", "docx", "pdf", "txt"))
def test_2021_table_three_with_2019_table_two_is_2021(fmt, seed):
    spec = make_spec(seed, "2021", year=2021, t2_template="2019", zero_rate=0.3)
    record = extract_bytes(render(spec, fmt), f"x.{fmt}")
    assert record["template"] == "2021"
    assert_values(record, spec.figures)
    assert all(record["values"].get(k) is None for k in tpl.keys_for("2021") if k.startswith("t2.") and k not in spec.figures)
    assert "format.mixed_version" in codes(record)
    assert record["status"] == "ok"


def test_2021_table_two_with_one_other_row_is_mixed():
    spec = make_spec(2, "2021", mixed_other_row=True)
    record = extract_bytes(render(spec, "html"), "x.html")
    assert {"format.mixed_version", "note.single_other_row"} <= codes(record)
    assert record["status"] == "ok"


def test_a_2022_report_in_the_2019_format_is_outdated():
    spec = make_spec(1, "2019", year=2022)
    record = extract_bytes(render(spec, "html"), "x.html")
    assert record["template"] == "2019" and record["year"] == 2022
    assert_values(record, spec.figures)
    assert "format.outdated_version" in codes(record) and record["status"] == "ok"


def test_clean_reports_get_no_version_finding():
    for template in ("2019", "2021"):
        record = extract_bytes(render(make_spec(0, template), "html"), "x.html")
        assert not {c for c in codes(record) if c.startswith("format.")}


@pytest.mark.parametrize("style", ("no_work", "no_annual", "year_first"))
@pytest.mark.parametrize("fmt", ("html", "docx", "pdf", "txt"))
def test_title_variants_and_a_cited_notice(fmt, style):
    spec = make_spec(3, "2021", agency="平潭综合实验区公安局", year=2022, title_style=style)
    record = extract_bytes(render(spec, fmt, cites_notice=True), f"x.{fmt}")
    assert (record["agency"], record["year"]) == ("平潭综合实验区公安局", 2022)
    assert not {"format.no_agency", "format.no_title_year"} & codes(record)


def test_no_title_in_the_body_takes_the_page_title_and_says_so():
    spec = make_spec(3, "2021", agency="平潭综合实验区财政金融局", year=2024)
    record = extract_bytes(render(spec, "html", no_body_title=True, cites_notice=True), "x.html")
    assert (record["agency"], record["year"]) == ("平潭综合实验区财政金融局", 2024)
    assert {"format.no_agency", "format.no_title_year"} <= codes(record)
    assert record["status"] == "ok"


def test_format_findings_never_flag():
    from transform.findings import CODES, Issue, status_of

    for code in (c for c in CODES if c.startswith("format.")):
        assert status_of([Issue(code, "x")]) == "ok"


@pytest.mark.parametrize("seed", SEEDS)
def test_merged_other_rows_in_a_flattened_page(seed):
    # A site's editor flattens the table: a merged cell prints once, the other sub-rows their labels.
    spec = make_spec(seed, "2021", zero_rate=(0.3, 0.9, 0.5)[seed])
    record = extract_bytes(render(spec, "html", flattened=True, merged_other_values=True), "x.html")
    assert_values(record, merged_other_expected(spec.figures))
    assert record["status"] == "ok" and "note.merged_rows" in codes(record)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("fmt,quirks", [("html", {"flattened": True}), ("txt", {"layout": "word_unseparated"}),
                                        ("txt", {"layout": "pdfminer"})], ids=["flat-html", "word-unseparated", "pdfminer"])
def test_streams_with_lost_labels_and_blank_zeros_never_guess(fmt, quirks, seed):
    # An empty label cell and a blank zero look alike in a stream of cells: never a shifted row.
    from test_text_layouts import check_reading

    spec = make_spec(seed, ("2019", "2021")[seed % 2], zero_rate=0.5)
    record = extract_bytes(render(spec, fmt, lost_labels=True, blank_zeros=True, **quirks), f"x.{fmt}")
    wrong, silent = check_reading(record, spec.figures)
    assert not wrong and not silent
