"""Generated reports through the whole extraction: render → extract_bytes → the figures we made.

Every format × quirk the generator supports, several seeds, both versions of the format. A report
whose figures break a rule must come back flagged with the rule's `source.rule<N>` issue naming
the keys we perturbed, and with its figures as printed.
"""

from __future__ import annotations

import shutil

import pytest

from xxgk.extraction import extract_bytes
from xxgk.generate import RULES, break_rule, make_spec, render

SEEDS = (0, 1, 2)
TEMPLATES = ("2019", "2021")

# (format, quirks): one case per quirk, and a few quirks together.
CASES = [
    ("html", {}),
    ("html", {"flattened": True}),
    ("html", {"encoding": "gbk"}),
    ("html", {"encoding": "gb18030", "declared_charset": None}),
    ("html", {"encoding": "gbk", "declared_charset": "utf-8"}),
    ("html", {"encoding": "utf-8", "declared_charset": "gb2312"}),
    ("html", {"blank_zeros": True}),
    ("html", {"fullwidth_digits": True}),
    ("html", {"broken_labels": True}),
    ("html", {"word_markup": True, "site_chrome": True}),
    ("html", {"amounts_in_yuan": True}),
    ("html", {"flattened": True, "blank_zeros": True, "encoding": "gbk"}),
    ("docx", {}),
    ("docx", {"split_table": True}),
    ("docx", {"blank_zeros": True}),
    ("docx", {"broken_labels": True, "fullwidth_digits": True}),
    ("pdf", {"ruled": True}),
    ("pdf", {"ruled": False}),
    ("pdf", {"page_break_in_t3": True}),
    ("pdf", {"ruled": False, "page_break_in_t3": True, "page_numbers": True}),
    ("pdf", {"broken_labels": True}),
    ("pdf", {"blank_zeros": True}),
    ("txt", {}),
    ("txt", {"lost_labels": True}),
    ("txt", {"encoding": "gb18030", "crlf": True}),
    ("txt", {"blank_zeros": True}),
    ("xlsx", {}),
    ("xlsx", {"sheet_per_table": True}),
    ("xlsx", {"blank_zeros": True}),
    ("doc", {}),
]

AGENCIES = ("夏县人力资源和社会保障局", "夏县瑶峰镇人民政府", "洪泽区教育体育局", "盐湖区人民政府")


def case_id(case):
    fmt, quirks = case
    return fmt + ("-" + "-".join(f"{k}={v}" for k, v in quirks.items()) if quirks else "")


def needs(fmt):
    if fmt == "doc" and not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.skip("LibreOffice is not installed")


def spec_for(seed, template, mixed=False):
    return make_spec(
        seed,
        template,
        agency=AGENCIES[seed % len(AGENCIES)],
        year={"2019": (2019, 2020), "2021": (2021, 2022, 2023)}[template][seed % (2 if template == "2019" else 3)],
        zero_rate=(0.5, 0.8, 0.2)[seed % 3],
        mixed_other_row=mixed,
        title_style=("agency_first", "year_first")[seed % 2],
    )


def assert_values(rec, figures):
    values = rec["values"]
    wrong = {}
    for key, expected in figures.items():
        got = values.get(key)
        if expected is None:
            if got is not None:
                wrong[key] = (None, got)
        elif isinstance(expected, float):
            if got is None or abs(got - expected) > 0.005:
                wrong[key] = (expected, got)
        elif got != expected:
            wrong[key] = (expected, got)
    assert not wrong, f"{len(wrong)} figures differ (expected, got): {dict(list(wrong.items())[:10])}"


def extract(data, fmt):
    return extract_bytes(data, f"x.{fmt}")


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_roundtrip(case, seed, template):
    fmt, quirks = case
    needs(fmt)
    spec = spec_for(seed, template)
    rec = extract(render(spec, fmt, **quirks), fmt)
    assert rec["error"] is None
    assert rec["template"] == spec.template
    assert rec["year"] == spec.year
    assert rec["agency"] == spec.agency
    assert_values(rec, spec.figures)
    assert rec["status"] == "ok", [i for i in rec["issues"] if not i["code"].startswith("note.")]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", [c for c in CASES if not c[1]] + [("txt", {"lost_labels": True}), ("pdf", {"ruled": False})], ids=case_id)
def test_roundtrip_mixed_other_row(case, seed):
    """A 2021-format report printing （六）其他处理 as one row: t3.other.<col>, sub-rows null."""
    fmt, quirks = case
    needs(fmt)
    spec = spec_for(seed, "2021", mixed=True)
    rec = extract(render(spec, fmt, **quirks), fmt)
    assert rec["template"] == "2021"
    assert_values(rec, spec.figures)
    assert rec["status"] == "ok", [i for i in rec["issues"] if not i["code"].startswith("note.")]
    assert "note.single_other_row" in {i["code"] for i in rec["issues"]}


BROKEN_CASES = [("html", {}), ("docx", {}), ("pdf", {"ruled": True}), ("pdf", {"ruled": False}), ("txt", {}),
                ("xlsx", {}), ("html", {"flattened": True})]


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("case", BROKEN_CASES, ids=case_id)
def test_broken_rule_is_flagged(case, rule, template):
    fmt, quirks = case
    needs(fmt)
    spec = spec_for(rule, template)
    perturbed = break_rule(spec.figures, rule, seed=rule)
    rec = extract(render(spec, fmt, **quirks), fmt)
    assert rec["status"] == "flagged"
    assert_values(rec, spec.figures)  # the figures as printed
    codes = {i["code"] for i in rec["issues"]}
    assert f"source.rule{rule}" in codes
    assert not {f"source.rule{r}" for r in RULES if r != rule} & codes
    assert not {c for c in codes if c.startswith("extractor.")}
    named = {k for i in rec["issues"] if i["code"] == f"source.rule{rule}" for k in i["keys"]}
    assert set(perturbed) <= named, (perturbed, named)
