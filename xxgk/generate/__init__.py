"""The project's own test documents: invented but consistent reports in every format we read.

    from xxgk.generate import make_spec, render
    spec = make_spec(seed=1, template="2021", agency="夏县教育局", year=2023)
    data = render(spec, "pdf", ruled=False, page_break_in_t3=True)   # bytes of a PDF
    spec.figures                                                       # what extraction must return

- `make_figures(seed, template, zero_rate=0.5, mixed_other_row=False)`: figures for every key of
  the version, satisfying the four rules; `break_rule(figures, rule)` breaks one (in place) and
  returns the changed keys; `rule_violations(figures, template)` checks them.
- `ReportSpec(agency, year, template, figures, title_style=..., quirks=..., seed=...)`.
- `render_html / render_docx / render_doc / render_pdf / render_text / render_xlsx(spec, **quirks)`
  -> bytes; each renderer's docstring lists its quirks. `render(spec, fmt, **quirks)` dispatches.
- `render_scan(spec, wrap="pdf"|"docx"|"html"|"jpg"|"png"|"tiff", dpi=200, skew=1.5, stamp=True, ...)`
  (module `xxgk.generate.scan`): the PDF rasterised and degraded as a real scan, then wrapped.
- `render_scan_page(spec, dpi=200, thumbnails=False)` (module `xxgk.generate.htmlpage`): a portal
  page showing those scanned pages as picture files, with the site's logo and icon:
  `(page bytes, {src: file bytes})`.
- `write_demo_corpus(out_dir, ...)` (module `xxgk.generate.corpus`): a small mixed corpus with a
  manifest. All figures are invented.
"""

from __future__ import annotations

from typing import Any, Callable

from xxgk.generate.figures import RULES, break_rule, make_figures, rule_violations, with_broken_rules
from xxgk.generate.htmlpage import render_html
from xxgk.generate.model import FIXED, Style, build_report, title_of
from xxgk.generate.pdf import render_pdf
from xxgk.generate.sheet import render_xlsx
from xxgk.generate.spec import ReportSpec, make_spec, template_for_year
from xxgk.generate.text import render_text
from xxgk.generate.word import render_doc, render_docx

RENDERERS: dict[str, Callable[..., bytes]] = {
    "html": render_html,
    "docx": render_docx,
    "doc": render_doc,
    "pdf": render_pdf,
    "txt": render_text,
    "xlsx": render_xlsx,
}


def render(spec: ReportSpec, fmt: str, **quirks: Any) -> bytes:
    """Render `spec` in format `fmt` (a key of RENDERERS, which is also the file extension)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; known: {sorted(RENDERERS)}") from None
    return renderer(spec, **quirks)


def write_demo_corpus(*args: Any, **kwargs: Any) -> list[dict]:
    """See xxgk.generate.corpus.write_demo_corpus."""
    from xxgk.generate.corpus import write_demo_corpus as _write

    return _write(*args, **kwargs)


__all__ = [
    "RULES", "break_rule", "make_figures", "rule_violations", "with_broken_rules",
    "ReportSpec", "make_spec", "template_for_year", "FIXED", "Style", "build_report", "title_of",
    "render", "RENDERERS", "render_html", "render_docx", "render_doc", "render_pdf", "render_text",
    "render_xlsx", "write_demo_corpus", "render_scan",
]


def render_scan(spec: ReportSpec, wrap: str = "pdf", dpi: int = 200, **options: Any) -> bytes:
    """See xxgk.generate.scan.render_scan (imported on use: it needs PDFium and numpy)."""
    from xxgk.generate.scan import render_scan as _scan

    return _scan(spec, wrap, dpi, **options)
