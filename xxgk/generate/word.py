"""The report as a Word document (DOCX with python-docx; DOC through LibreOffice when present)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from xxgk.generate.model import Grid, Para, ReportSpec, build_report, merged_quirks, style_from

DOCX_QUIRKS = {"split_table"}


def render_docx(spec: ReportSpec, **quirks: Any) -> bytes:
    """The report as DOCX: merged cells as Word merges them (gridSpan across, vMerge down).

    Quirks: split_table [False] splits table 三 mid-way into two Word tables with an empty
    paragraph between (merged cells crossing the cut continue, empty, in the second table);
    blank_zeros, fullwidth_digits, broken_labels (line breaks inside labels), lost_labels,
    amounts_in_yuan.
    """
    q = merged_quirks(spec, quirks, DOCX_QUIRKS)
    report = build_report(spec, style_from(q))
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    for block in report.blocks:
        if isinstance(block, Para):
            _para(document, block)
        elif block.name == "t3" and q.get("split_table"):
            top, bottom = block.split(block.header_rows + (block.n_rows - block.header_rows) // 2)
            _table(document, top)
            document.add_paragraph("")
            _table(document, bottom)
        else:
            _table(document, block)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _para(document: Any, p: Para) -> None:
    par = document.add_paragraph()
    run = par.add_run(p.text)
    if p.kind == "title":
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run.bold = True
        run.font.size = Pt(16)
    elif p.kind == "heading":
        run.bold = True
    elif p.kind == "sign":
        par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    else:
        par.paragraph_format.first_line_indent = Pt(21)


def _table(document: Any, grid: Grid) -> None:
    table = document.add_table(rows=grid.n_rows, cols=grid.n_cols)
    table.style = "Table Grid"
    for c in grid.cells:
        cell = table.cell(c.row, c.col)
        if c.rowspan > 1 or c.colspan > 1:
            cell = cell.merge(table.cell(c.row + c.rowspan - 1, c.col + c.colspan - 1))
        cell.text = c.text  # "\n" becomes a line break inside the cell
        for par in cell.paragraphs:
            if c.kind != "label":
                par.alignment = WD_ALIGN_PARAGRAPH.CENTER


def render_doc(spec: ReportSpec, **quirks: Any) -> bytes:
    """The DOCX converted to legacy DOC by LibreOffice (`soffice --headless --convert-to doc`).

    Raises RuntimeError when LibreOffice is not installed or the conversion fails.
    """
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise RuntimeError("render_doc needs LibreOffice: no 'soffice' on PATH")
    data = render_docx(spec, **quirks)
    with tempfile.TemporaryDirectory(prefix="xxgk-doc-") as tmp:
        src = Path(tmp) / "report.docx"
        src.write_bytes(data)
        profile = Path(tmp) / "profile"
        cmd = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "doc",
               "--outdir", tmp, str(src)]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=180)
        except (subprocess.SubprocessError, OSError) as exc:
            raise RuntimeError(f"LibreOffice could not convert the DOCX to DOC ({exc})") from exc
        out = Path(tmp) / "report.doc"
        if not out.exists():
            raise RuntimeError("LibreOffice ran but wrote no DOC file")
        return out.read_bytes()
