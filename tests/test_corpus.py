"""Every document of the shared corpus against its truth file: every figure, every finding."""

from __future__ import annotations

import pytest

from conftest import corpus_documents, truth_of
from xxgk.extraction import extract_path

# The truth files name the rules in words; the issue codes name them by number.
RULE_CODES = {
    "new plus carried over equals total plus carried forward": "source.rule1",
    "outcomes add up to total": "source.rule2",
    "applicant columns add up to total": "source.rule3",
    "review/litigation results add up to total": "source.rule4",
}

DOCUMENTS = corpus_documents()
if not DOCUMENTS:
    pytestmark = pytest.mark.skip(reason="../shared/corpus is not on this machine")


@pytest.fixture(scope="module", params=DOCUMENTS or [None], ids=lambda p: p.name if p else "none")
def case(request):
    document = request.param
    return extract_path(document), truth_of(document)


def test_metadata(case):
    record, truth = case
    assert record["error"] is None
    assert record["format"] == truth["format"]
    assert record["agency"] == truth["agency"]
    assert record["year"] == truth["year"]
    assert record["template"] == truth["template"]


def test_every_figure(case):
    record, truth = case
    wrong = {k: (record["values"].get(k, "absent"), v) for k, v in truth["values"].items() if record["values"].get(k, "absent") != v}
    assert not wrong, f"figures differ (extracted, truth): {wrong}"
    extra = {k: v for k, v in record["values"].items() if k not in truth["values"] and v is not None}
    assert not extra, f"figures the document does not print: {extra}"


def test_every_source_finding(case):
    record, truth = case
    issues = [(i["code"], set(i["keys"])) for i in record["issues"]]
    for finding in truth["source_findings"]:
        code = RULE_CODES[finding["rule"]]
        assert (code, set(finding["keys"])) in issues, f"missing {code} on {finding['keys']}"
    reported = [i for i in issues if i[0].startswith("source.")]
    assert len(reported) == len(truth["source_findings"]), "a rule reported broken that the truth does not list"


def test_status(case):
    record, truth = case
    unsure = [i for i in record["issues"] if i["code"].startswith("extractor.")]
    assert not unsure, unsure
    assert record["status"] == ("flagged" if truth["source_findings"] else "ok")
