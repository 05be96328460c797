"""The arithmetic every report must satisfy (reference README, rules 1-4).

Each rule is a set of equations "sum of these keys = sum of those keys". A broken equation is a
finding about the report: figures stay as printed and the issue names the cells (the printed
total first). An equation whose figures are not all known (null) is not checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from transform import template as tpl
from transform.findings import CODES, Issue

TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Equation:
    rule: int
    where: str
    parts: tuple[str, ...]   # their sum is expected ...
    totals: tuple[str, ...]  # ... to equal the sum of these, as printed

    def issue(self, values: dict) -> Issue | None:
        keys = self.totals + self.parts
        if any(values.get(k) is None for k in keys):
            return None
        expected = sum(values[k] for k in self.parts)
        printed = sum(values[k] for k in self.totals)
        if abs(expected - printed) <= TOLERANCE:
            return None
        message = f"{CODES[f'source.rule{self.rule}']}: {self.where}: expected {_fmt(expected)}, printed {_fmt(printed)}"
        keys = (self.parts + self.totals) if self.rule == 1 else keys
        return Issue(f"source.rule{self.rule}", message, list(keys))


def check(values: dict, template: str | None) -> list[Issue]:
    if template is None:
        return []
    return [issue for eq in equations(values, template) if (issue := eq.issue(values))]


def equations(values: dict, template: str) -> list[Equation]:
    columns = tpl.t3_columns()
    applicants = [c for c in columns if c != "total"]
    outcomes = outcome_rows(values, template)
    rows = [r["key"] for r in tpl.t3_rows(template)]
    if "other" in outcomes and "other" not in rows:
        rows.append("other")
    out = [
        Equation(1, f"column {c}, new + carried over vs total + carried forward",
                 (f"t3.new.{c}", f"t3.carried_over.{c}"), (f"t3.total.{c}", f"t3.carried_forward.{c}"))
        for c in columns
    ]
    out += [Equation(2, f"column {c}", tuple(f"t3.{r}.{c}" for r in outcomes), (f"t3.total.{c}",)) for c in columns]
    out += [Equation(3, f"row {r}", tuple(f"t3.{r}.{c}" for c in applicants), (f"t3.{r}.total",)) for r in rows]
    out += [
        Equation(4, f"group {g}", tuple(f"t4.{g}.{c}" for c in ("upheld", "corrected", "other", "pending")), (f"t4.{g}.total",))
        for g in tpl.t4_groups()
    ]
    return out


def outcome_rows(values: dict, template: str) -> list[str]:
    """The rows whose sum is （七）总计; a 2021 report that prints （六）其他处理 as one row keeps
    it under t3.other.*"""
    rows = tpl.t3_outcome_rows(template)
    if template == "2021" and values.get("t3.other.total") is not None and values.get("t3.other.other.total") is None:
        rows = [r for r in rows if not r.startswith("other.")] + ["other"]
    return rows


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
