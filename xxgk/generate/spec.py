"""What one generated report says: who, which year, which version of the format, which figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xxgk.generate.figures import Figures, make_figures


def template_for_year(year: int) -> str:
    """The version of the format a report on `year` uses (2019 for 2019-2020, 2021 after)."""
    return "2019" if year <= 2020 else "2021"


@dataclass
class ReportSpec:
    """One report to render.

    `title_style` is "agency_first" ("{agency}{year}年政府信息公开工作年度报告") or "year_first"
    ("{year}年{agency}政府信息公开工作年度报告"). `quirks` are default keyword flags for the
    renderers (a renderer's own keyword arguments override them); `seed` varies the prose. `form`
    plants findings of the audit against the format (see xxgk.generate.form): {} is a clean report.
    """

    agency: str
    year: int
    template: str
    figures: Figures
    title_style: str = "agency_first"
    quirks: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    region_code: str | None = None
    form: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.template not in ("2019", "2021"):
            raise ValueError(f"unknown template {self.template!r}")
        if self.title_style not in ("agency_first", "year_first"):
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
    **quirks: Any,
) -> ReportSpec:
    """A ReportSpec with fresh figures: the year defaults to 2023 (2021 format) or 2020 (2019 format)."""
    if year is None:
        year = 2020 if template == "2019" else 2023
    template = template or template_for_year(year)
    figures = make_figures(seed, template, zero_rate=zero_rate, mixed_other_row=mixed_other_row)
    return ReportSpec(agency, year, template, figures, title_style=title_style, quirks=dict(quirks), seed=seed)
