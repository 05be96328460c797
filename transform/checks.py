"""The arithmetic every report must satisfy (reference README, rules 1-4).

A broken rule is a finding about the report: figures stay as printed and the issue names the
cells. A rule whose figures are not all known (null) is not checked.
"""

from __future__ import annotations

from transform import template as tpl
from transform.findings import CODES, Issue

TOLERANCE = 1e-6


def check(values: dict, template: str | None) -> list[Issue]:
    if template is None:
        return []
    return _rule1(values) + _rule2(values, template) + _rule3(values, template) + _rule4(values)


def _known(values: dict, keys: list[str]) -> bool:
    return all(values.get(k) is not None for k in keys)


def _finding(rule: int, keys: list[str], expected: float, found: float, where: str) -> Issue:
    return Issue(f"source.rule{rule}", f"{CODES[f'source.rule{rule}']}: {where}: expected {_fmt(expected)}, printed {_fmt(found)}", keys)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _rule1(values: dict) -> list[Issue]:
    out = []
    for c in tpl.t3_columns():
        left = [f"t3.new.{c}", f"t3.carried_over.{c}"]
        right = [f"t3.total.{c}", f"t3.carried_forward.{c}"]
        if not _known(values, left + right):
            continue
        a, b = sum(values[k] for k in left), sum(values[k] for k in right)
        if abs(a - b) > TOLERANCE:
            out.append(_finding(1, left + right, a, b, f"column {c}, new + carried over vs total + carried forward"))
    return out


def _outcome_rows(values: dict, template: str) -> list[str]:
    rows = tpl.t3_outcome_rows(template)
    # A 2021 report that prints （六）其他处理 as one row keeps it under t3.other.*
    if template == "2021" and values.get("t3.other.total") is not None and values.get("t3.other.other.total") is None:
        rows = [r for r in rows if not r.startswith("other.")] + ["other"]
    return rows


def _rule2(values: dict, template: str) -> list[Issue]:
    out = []
    rows = _outcome_rows(values, template)
    for c in tpl.t3_columns():
        parts = [f"t3.{r}.{c}" for r in rows]
        total = f"t3.total.{c}"
        if not _known(values, parts + [total]):
            continue
        s = sum(values[k] for k in parts)
        if abs(s - values[total]) > TOLERANCE:
            out.append(_finding(2, [total] + parts, s, values[total], f"column {c}"))
    return out


def _rule3(values: dict, template: str) -> list[Issue]:
    out = []
    rows = [r["key"] for r in tpl.t3_rows(template)]
    if "other" in _outcome_rows(values, template) and "other" not in rows:
        rows.append("other")
    applicants = [c for c in tpl.t3_columns() if c != "total"]
    for r in rows:
        parts = [f"t3.{r}.{c}" for c in applicants]
        total = f"t3.{r}.total"
        if not _known(values, parts + [total]):
            continue
        s = sum(values[k] for k in parts)
        if abs(s - values[total]) > TOLERANCE:
            out.append(_finding(3, [total] + parts, s, values[total], f"row {r}"))
    return out


def _rule4(values: dict) -> list[Issue]:
    out = []
    for g in tpl.t4_groups():
        parts = [f"t4.{g}.{c}" for c in ("upheld", "corrected", "other", "pending")]
        total = f"t4.{g}.total"
        if not _known(values, parts + [total]):
            continue
        s = sum(values[k] for k in parts)
        if abs(s - values[total]) > TOLERANCE:
            out.append(_finding(4, [total] + parts, s, values[total], f"group {g}"))
    return out
