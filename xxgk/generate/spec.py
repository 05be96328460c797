"""What one generated report says: who, which year, which version of the format, which figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xxgk.generate.figures import Figures, make_figures


TITLE_STYLES = ("agency_first", "year_first", "no_work", "no_annual")


def template_for_year(year: int) -> str:
    """The version of the format a report on `year` uses (2019 for 2019-2020, 2021 after)."""
    return "2019" if year <= 2020 else "2021"


@dataclass
class ReportSpec:
    """One report to render.

    `title_style` is "agency_first" ("{agency}{year}年政府信息公开工作年度报告"), "year_first"
    ("{year}年{agency}政府信息公开工作年度报告"), "no_work" (…政府信息公开年度报告) or "no_annual"
    (…政府信息公开工作报告). `t2_template` prints table 二 in the columns of the other version (a
    2021 report keeping the 2019 columns there): `figures` then holds that version's table 二 keys. `quirks` are default keyword flags for the
    renderers (a renderer's own keyword arguments override them); `seed` varies the prose.
    """

    agency: str
    year: int
    template: str
    figures: Figures
    title_style: str = "agency_first"
    quirks: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    region_code: str | None = None
    t2_template: str | None = None

    def __post_init__(self) -> None:
        if self.template not in ("2019", "2021"):
            raise ValueError(f"unknown template {self.template!r}")
        if self.title_style not in TITLE_STYLES:
            raise ValueError(f"unknown title style {self.title_style!r}")

    @property
    def values(self) -> Figures:
        """The figures an extractor should return (None for rows that are not printed)."""
        return self.figures


def make_spec(
    seed: int,
    template: str | None = None,
    *,
    agency: str = "夏县人力资源和社会保障局",
    year: int | None = None,
    zero_rate: float = 0.5,
    mixed_other_row: bool = False,
    title_style: str = "agency_first",
    t2_template: str | None = None,
    **quirks: Any,
) -> ReportSpec:
    """A ReportSpec with fresh figures: the year defaults to 2023 (2021 format) or 2020 (2019 format)."""
    if year is None:
        year = 2020 if template == "2019" else 2023
    template = template or template_for_year(year)
    figures = make_figures(seed, template, zero_rate=zero_rate, mixed_other_row=mixed_other_row)
    if t2_template and t2_template != template:
        other = make_figures(seed, t2_template, zero_rate=zero_rate)
        figures = {k: v for k, v in figures.items() if not k.startswith("t2.")}
        figures.update({k: v for k, v in other.items() if k.startswith("t2.")})
    return ReportSpec(agency, year, template, figures, title_style=title_style, quirks=dict(quirks), seed=seed,
                      t2_template=t2_template if t2_template != template else None)
