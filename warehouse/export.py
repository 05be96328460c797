"""A county's aggregate tables 二, 三 and 四 in the national layout, as HTML and DOCX — what a county's
政务公开办 publishes as the county-wide figures.

    tables = county_tables(con, county, year)        # the summed figures by key, and the facts
    html = export_html(con, county, year)            # a complete HTML page
    export_docx(con, county, year, path)             # a Word document
    text = export_csv(con, county, year)             # key, row, column, value (UTF-8 with BOM)

The layout itself (the grids, their HTML and Word forms) is warehouse/layout.py.

The figures are the county totals of the summary (the county's agencies, never a county-wide summary
report counted twice), with corrections applied. Table 二 is printed in the version of the year
(2019 format for 2019/2020, 2021 format from 2021); table 三's （六）其他处理 as one row (2019) or three.
"""

from __future__ import annotations

import csv
import html as _html
import io
import os
from pathlib import Path
from typing import Any

from transform.template import keys_for, metrics, unit_of
from warehouse.layout import (add_national_tables, add_title, format_figure, national_document,
                              national_tables_css, national_tables_html)
from warehouse.regions import identity
from warehouse.summary import _con

CSV_HEADER = ("key", "行", "列", "数值")


# The current reports of a county-year, each with whether the county totals count it: every readable
# agency report, never a county-wide summary report (unless it is the only readable report).
_REPORTS = """
    WITH m AS (
        SELECT r.report_id, r.status, r.is_summary, r.figures_corrected,
               count(*) FILTER (WHERE NOT r.is_summary AND r.status <> 'failed') OVER () AS n_agencies
        FROM v_reports r
        WHERE r.is_current AND r.region_code = ? AND r.year = ?
    )
    SELECT *, status <> 'failed' AND (NOT is_summary OR n_agencies = 0) AS counted FROM m"""


def county_tables(db, county: str, year: int) -> dict[str, Any]:
    """{'county', 'name', 'year', 'template', 'values': {key: number|None}, 'reports': n, 'corrected': n}.

    Counts are whole numbers (int), amounts keep their decimals."""
    code = identity(county)
    template = "2019" if year <= 2020 else "2021"
    keys = keys_for(template)
    sums = ", ".join(f'sum(w."{k}") AS "{k}"' for k in keys)
    with _con(db) as con:
        row = con.execute(f"""
            WITH c AS ({_REPORTS})
            SELECT count(*) AS n, sum(c.figures_corrected) AS corrected, {sums}
            FROM c JOIN figures_wide w USING (report_id)
            WHERE c.counted""", [code, year]).fetchall()[0]
        name = con.execute("SELECT name FROM regions WHERE code = ?", [code]).fetchall()
    values = {k: _whole(k, v) for k, v in zip(keys, row[2:])}
    return {"county": code, "name": name[0][0] if name else code, "year": year, "template": template,
            "values": values, "reports": row[0], "corrected": int(row[1] or 0)}


def _whole(key: str, value: Any) -> Any:
    if value is not None and unit_of(key) == "件" and float(value).is_integer():
        return int(value)
    return value


def _title(t: dict) -> str:
    return f"{t['name']}{t['year']}年政府信息公开工作年度报告（全县汇总数据）"


def _facts(t: dict) -> str:
    return f"汇总 {t['reports']} 份报告（{t['template']} 年版格式）；人工更正的数字 {t['corrected']} 个。"


def export_html(db, county: str, year: int) -> str:
    """A complete HTML page (its stylesheet inside: the file stands alone when downloaded)."""
    t = county_tables(db, county, year)
    e = _html.escape
    return "\n".join([
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{e(_title(t))}</title><style>{national_tables_css()}</style></head><body>",
        f'<div class="xxgk-national"><h1>{e(_title(t))}</h1><p>{e(_facts(t))}</p></div>',
        national_tables_html(t["values"], t["template"]),
        "</body></html>",
    ])


def export_docx(db, county: str, year: int, path: str | os.PathLike) -> Path:
    """A Word document: A4, the title, then tables 二/三/四 as the national template prints them."""
    t = county_tables(db, county, year)
    document = national_document()
    add_title(document, _title(t))
    document.add_paragraph(_facts(t))
    add_national_tables(document, t["values"], t["template"])
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out


def export_csv(db, county: str, year: int) -> str:
    """The county's figures, one per line: key, row label, column label, value (blank where not
    printed). UTF-8 with a byte-order mark, so that Excel on a Chinese Windows opens it right."""
    t = county_tables(db, county, year)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_HEADER)
    seen: set[str] = set()
    for m in metrics():
        if m.key in seen or m.template not in (t["template"], "both"):
            continue
        seen.add(m.key)
        writer.writerow([m.key, m.row_zh, m.column_zh, format_figure(m.key, t["values"].get(m.key))])
    return "\ufeff" + buf.getvalue()
