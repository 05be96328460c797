"""Consistent invented figures for one report, and ways to break them on purpose.

`make_figures` builds table 三 bottom-up (random outcome cells; totals, carried-over and new
applications derived from them) so that all four arithmetic rules of the reference README hold.
`break_rule` then perturbs the figures so that exactly one rule fails, for tests of findings.
`rule_violations` is the generator's own check of the four rules (independent of transform/).
"""

from __future__ import annotations

import random
from typing import Iterable

from transform.checks import check
from transform.template import keys_for, may_be_negative, t3_columns, t3_outcome_rows, t3_rows, t4_columns, t4_groups

Figures = dict[str, "int | float | None"]

RULES = (1, 2, 3, 4)

# The three sub-rows of （六）其他处理 in the 2021 format.
_OTHER_SUBS = tuple(r["key"] for r in t3_rows("2021") if r.get("group") == "other")

# Keys whose figure is an amount with two decimals (万元).
AMOUNT_KEYS = frozenset({"t2.fees.amount", "t2.procurement.amount"})


def applicant_columns() -> list[str]:
    """The six applicant columns of table 三 (every column but the row total)."""
    return [c for c in t3_columns() if c != "total"]


def outcome_rows(template: str, mixed_other_row: bool = False) -> list[str]:
    """The rows whose sum is （七）总计, as printed in a report of this kind."""
    rows = t3_outcome_rows(template)
    if template == "2021" and mixed_other_row:
        rows = [r for r in rows if r not in _OTHER_SUBS]
        rows.append("other")
    return rows


def t3_printed_rows(template: str, mixed_other_row: bool = False) -> list[str]:
    """Table 三's row keys in printed order for a report of this kind."""
    keys = [r["key"] for r in t3_rows(template)]
    if template == "2021" and mixed_other_row:
        first = keys.index(_OTHER_SUBS[0])
        keys = [k for k in keys if k not in _OTHER_SUBS]
        keys.insert(first, "other")
    return keys


def is_mixed(figures: Figures, template: str) -> bool:
    """True when a 2021-format report prints （六）其他处理 as one row."""
    return template == "2021" and figures.get("t3.other.natural") is not None


def make_figures(seed: int, template: str, *, zero_rate: float = 0.5, mixed_other_row: bool = False,
                 previous: Figures | None = None) -> Figures:
    """Every figure of one version, consistent under the four rules.

    With `previous` (the same agency's figures of the year before), the year follows on from it
    as the cross-year checks expect: 上年结转 is last year's 结转下年度继续办理, and 现行有效件数 is
    last year's plus this year's 制发 minus 废止 (when both years print it).

    `zero_rate` is the chance that a cell of table 三/四 (and a count of table 二) is 0.
    With `mixed_other_row=True` on the 2021 format, （六）其他处理 is one row: the keys
    `t3.other.<column>` hold it and the three 2021 sub-row keys are None.
    Amounts (`t2.fees.amount`, `t2.procurement.amount`) are floats with two decimals, in 万元.
    """
    if template not in ("2019", "2021"):
        raise ValueError(f"unknown template {template!r}")
    rng = random.Random(f"{seed}:{template}:{zero_rate}:{mixed_other_row}")
    mixed = template == "2021" and mixed_other_row
    figures: Figures = {k: None for k in keys_for(template)}
    if mixed:
        for c in t3_columns():
            figures[f"t3.other.{c}"] = None

    def count(high: int) -> int:
        return 0 if rng.random() < zero_rate else rng.randint(1, high)

    # Table 二: small counts, amounts with two decimals, 本年增/减 now and then negative.
    for key in keys_for(template):
        if not key.startswith("t2."):
            continue
        if key == "t2.procurement.amount":  # a plausible amount per project (see unit_unknown_bounds)
            projects = figures["t2.procurement.projects"]
            figures[key] = round(projects * rng.uniform(0.2, 300), 2) if projects else 0.0
        elif key in AMOUNT_KEYS:
            figures[key] = 0.0 if rng.random() < zero_rate else round(rng.uniform(0.01, 500), 2)
        elif may_be_negative(key):
            figures[key] = 0 if rng.random() < zero_rate else rng.choice([-1, 1]) * rng.randint(1, 5)
        else:
            figures[key] = count(30)
    if previous is not None:
        for item in ("rules", "normative"):
            before = previous.get(f"t2.{item}.in_force")
            if before is not None and f"t2.{item}.in_force" in figures:
                issued = figures[f"t2.{item}.issued"]
                repealed = min(figures[f"t2.{item}.repealed"], before + issued)
                figures[f"t2.{item}.repealed"] = repealed
                figures[f"t2.{item}.in_force"] = before + issued - repealed
    for item in ("rules", "normative"):  # what is in force or published includes this year's
        if previous is not None and previous.get(f"t2.{item}.in_force") is not None:
            continue
        for made, total in (("issued", "in_force"), ("new_published", "total_published")):
            a, b = f"t2.{item}.{made}", f"t2.{item}.{total}"
            if a in figures and b in figures and figures[b] < figures[a]:
                figures[b] = figures[a] + count(10)

    # Table 三, bottom-up per applicant column.
    scale = {"natural": 12, "commercial": 5}
    outcomes = outcome_rows(template, mixed)
    for col in applicant_columns():
        high = scale.get(col, 2)
        total = 0
        for row in outcomes:
            v = count(high * 2 if row == "disclosed" else high)
            figures[f"t3.{row}.{col}"] = v
            total += v
        forward = count(high)
        over = 0 if rng.random() < zero_rate else rng.randint(0, total + forward)
        if previous is not None:
            over = previous[f"t3.carried_forward.{col}"] or 0
            forward = max(forward, over - total)  # new = total + forward - over stays >= 0
        figures[f"t3.total.{col}"] = total
        figures[f"t3.carried_forward.{col}"] = forward
        figures[f"t3.carried_over.{col}"] = over
        figures[f"t3.new.{col}"] = total + forward - over
    for row in t3_printed_rows(template, mixed):
        figures[f"t3.{row}.total"] = sum(figures[f"t3.{row}.{c}"] for c in applicant_columns())

    # Table 四.
    for group in t4_groups():
        parts = [c for c in t4_columns() if c != "total"]
        for c in parts:
            figures[f"t4.{group}.{c}"] = count(4)
        figures[f"t4.{group}.total"] = sum(figures[f"t4.{group}.{c}"] for c in parts)
    return figures


def merged_other_expected(figures: Figures) -> Figures:
    """What a 2021 report whose three （六） sub-rows print one merged row of numbers says: the
    group's total under t3.other.<column>, the sub-rows null, or 0 where the merged cell is 0."""
    out = dict(figures)
    for c in t3_columns():
        total = sum(figures.get(f"t3.{k}.{c}") or 0 for k in _OTHER_SUBS)
        out[f"t3.other.{c}"] = total
        for k in _OTHER_SUBS:
            out[f"t3.{k}.{c}"] = 0 if total == 0 else None
    return out


def rule_violations(figures: Figures, template: str) -> dict[int, list[list[str]]]:
    """Rule number -> the key lists of the equations that fail (transform.checks decides)."""
    out: dict[int, list[list[str]]] = {r: [] for r in RULES}
    for issue in check(figures, template):
        out[int(issue.code.removeprefix("source.rule"))].append(issue.keys)
    return out


def break_rule(figures: Figures, rule: int, *, seed: int = 0) -> list[str]:
    """Perturb `figures` IN PLACE so that rule `rule` (1-4) fails and the other rules still hold.

    Returns the keys whose figure was changed (each raised by the same small amount):
    1. `t3.new.<c>` and `t3.new.total` (rule 3 still holds on that row);
    2. `t3.disclosed.<c>` and `t3.disclosed.total`;
    3. `t3.disclosed.total`, `t3.total.total` and `t3.new.total` (rules 1 and 2 still hold in the
       total column, rule 3 fails on those three rows);
    4. `t4.<group>.total`.
    """
    rng = random.Random(f"break:{seed}:{rule}")
    d = rng.randint(1, 3)
    col = rng.choice(applicant_columns())
    if rule == 1:
        keys = [f"t3.new.{col}", "t3.new.total"]
    elif rule == 2:
        keys = [f"t3.disclosed.{col}", "t3.disclosed.total"]
    elif rule == 3:
        keys = ["t3.disclosed.total", "t3.total.total", "t3.new.total"]
    elif rule == 4:
        keys = [f"t4.{rng.choice(t4_groups())}.total"]
    else:
        raise ValueError(f"there is no rule {rule!r}; the rules are 1-4")
    for k in keys:
        figures[k] = (figures.get(k) or 0) + d
    return keys


def with_broken_rules(figures: Figures, rules: Iterable[int], *, seed: int = 0) -> tuple[Figures, dict[int, list[str]]]:
    """A copy of `figures` with each rule of `rules` broken; rule -> changed keys."""
    out = dict(figures)
    changed = {r: break_rule(out, r, seed=seed) for r in rules}
    return out, changed
