"""One test per real document whose quirks the extractor must keep handling, named after it.

They read the shared corpus and skip where it is absent.
"""

from __future__ import annotations

from conftest import corpus_document
from xxgk.extraction import extract_path


def test_hongze_2023_district_misprinted_label_is_still_law_prohibited():
    # The PDF prints "2.其他法律行政止公开"; the row is still 其他法律行政法规禁止公开.
    record = extract_path(corpus_document("hongze-2023-district.pdf"), provenance=True)
    where = record["provenance"]["t3.denied.law_prohibited.natural"]
    assert "行政止公开" in where["label"]
    assert record["values"]["t3.denied.law_prohibited.natural"] == 0
    assert not any(i["code"] == "extractor.label_by_number" for i in record["issues"])


def test_hongze_2023_district_table_four_totals_kept_as_printed():
    record = extract_path(corpus_document("hongze-2023-district.pdf"))
    values = record["values"]
    assert (values["t4.review.upheld"], values["t4.review.corrected"], values["t4.review.total"]) == (10, 1, 0)
    broken = {i["code"]: i for i in record["issues"] if i["code"] == "source.rule4"}
    assert broken and record["status"] == "flagged"


def test_hongze_2023_district_single_other_row_in_2021_format():
    record = extract_path(corpus_document("hongze-2023-district.pdf"))
    assert record["template"] == "2021"
    assert record["values"]["t3.other.total"] == 0
    assert record["values"]["t3.other.no_correction.total"] is None
    assert any(i["code"] == "note.single_other_row" for i in record["issues"])


def test_hongze_2023_district_table_crosses_pages_with_vertical_label():
    record = extract_path(corpus_document("hongze-2023-district.pdf"), provenance=True)
    pages = {record["provenance"][k]["page"] for k in ("t3.new.natural", "t3.unable.unclear.natural", "t4.review.upheld")}
    assert pages == {3, 4}
    assert record["values"]["t3.unable.not_held.natural"] == 10  # last row before the page break
    assert record["values"]["t3.unable.unclear.natural"] == 0    # first row after it


def test_hongze_2023_district_agency_is_fuller_than_its_title():
    # Title "洪泽区人民政府 2023 年…"; the body names 淮安市洪泽区人民政府办公室 as compiler.
    assert extract_path(corpus_document("hongze-2023-district.pdf"))["agency"] == "淮安市洪泽区人民政府"


def test_shanghai_office_2019_province_amount_in_yuan_becomes_wan_yuan():
    record = extract_path(corpus_document("shanghai-office-2019-province.html"))
    assert record["values"]["t2.procurement.amount"] == 25.1
    assert any(i["code"] == "note.unit_converted" and i["keys"] == ["t2.procurement.amount"] for i in record["issues"])


def test_shanghai_office_2019_province_blank_cells_are_zero_and_findings_named():
    record = extract_path(corpus_document("shanghai-office-2019-province.html"))
    values = record["values"]
    assert values["t3.disclosed.total"] == 0 and values["t3.disclosed.natural"] == 258
    assert values["t4.suit_after_review.total"] == 0
    rule3 = [i for i in record["issues"] if i["code"] == "source.rule3"]
    assert {i["keys"][0] for i in rule3} >= {"t3.disclosed.total", "t3.not_processed.duplicate.total"}


def test_shanghai_office_2019_province_misaligned_colspans_in_table_two():
    # 第二十条第（五）项: header 本年增/减 spans two columns, the first value too; three values each row.
    record = extract_path(corpus_document("shanghai-office-2019-province.html"))
    assert [record["values"][f"t2.licensing.{c}"] for c in ("prev_items", "change", "decisions")] == [0, 0, 0]
    assert not any(i["code"].startswith("extractor.") for i in record["issues"])


def test_seed_xiaxian_sme_2023_lost_labels_placed_by_order():
    record = extract_path(corpus_document("000_1246336c5afa29b6.txt"))
    lost = [i for i in record["issues"] if i["code"] == "note.labels_lost"]
    assert lost and "t3.disclosed.natural" in lost[0]["keys"] and "t3.denied.admin_query.total" in lost[0]["keys"]
    assert record["status"] == "ok"
    assert record["values"]["t2.normative.in_force"] == 1


def test_hongze_2023_district_as_text_labels_off_the_numbers_line():
    # As plain text (pdfplumber's text of the same PDF) a label often sits on the line above or
    # below its numbers; "1.信访…" comes before its group label （五）不予处理. Once this read
    # 1.信访 as 1.本机关不掌握 and put 3 in not_held: bare numbers are now placed by order only.
    import pdfplumber

    from conftest import truth_of
    from xxgk.extraction import extract_bytes

    document = corpus_document("hongze-2023-district.pdf")
    with pdfplumber.open(document) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    record = extract_bytes(text.encode("utf-8"), "hongze.txt")
    truth = truth_of(document)["values"]
    assert {k: record["values"][k] for k in truth} == truth
    # Every row of bare numbers sits next to the label the template's order gives it.
    assert any(i["code"] == "note.labels_lost" for i in record["issues"])
    assert not [i for i in record["issues"] if i["code"].startswith("extractor.")]


def test_hongze_2023_district_as_text_with_contradicting_labels_is_flagged():
    # The same text with two label lines swapped: the order still places the numbers, but the
    # labels beside them now disagree, so the figures are kept and flagged for a look.
    import pdfplumber

    from xxgk.extraction import extract_bytes

    document = corpus_document("hongze-2023-district.pdf")
    with pdfplumber.open(document) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    a, b = "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作"
    swapped = text.replace(a, "\0").replace(b, a).replace("\0", b)
    record = extract_bytes(swapped.encode("utf-8"), "hongze-swapped.txt")
    flagged = [i for i in record["issues"] if i["code"] == "extractor.placed_by_order"]
    assert flagged and "t3.unable.not_held.natural" in flagged[0]["keys"]
    assert record["status"] == "flagged"
