"""A county's aggregate tables 二, 三 and 四 in the national layout, as HTML and DOCX — what a county's
政务公开办 publishes as the county-wide figures.

    tables = county_tables(con, county, year)        # the summed figures by key, and the facts
    html = export_html(con, county, year)            # a complete HTML page
    export_docx(con, county, year, path)             # a Word document

The figures are the county totals of the summary (the county's agencies, never a county-wide summary
report counted twice), with corrections applied. Table 二 is printed in the version of the year
(2019 format for 2019/2020, 2021 format from 2021); table 三's （六）其他处理 as one row (2019) or three.
"""

from __future__ import annotations

import html as _html
import os
from pathlib import Path
from typing import Any

import duckdb

from transform.template import keys_for, layout, metrics
from warehouse.regions import identity
from warehouse.summary import _con

T3_COLS = ["natural", "commercial", "research", "social", "legal", "other_org", "total"]


def county_tables(db, county: str, year: int) -> dict[str, Any]:
    """{'county', 'name', 'year', 'template', 'values': {key: number|None}, 'reports': n, 'corrected': n}."""
    code = identity(county)
    template = "2019" if year <= 2020 else "2021"
    keys = keys_for(template)
    sums = ", ".join(f'sum(w."{k}") AS "{k}"' for k in keys)
    with _con(db) as con:
        row = con.execute(f"""
            WITH m AS (
                SELECT r.report_id, r.is_summary, r.figures_corrected,
                       count(*) FILTER (WHERE NOT r.is_summary AND r.status <> 'failed') OVER () AS n_agencies
                FROM v_reports r
                WHERE r.is_current AND r.status <> 'failed' AND r.region_code = ? AND r.year = ?
            )
            SELECT count(*) AS n, sum(m.figures_corrected) AS corrected, {sums}
            FROM m JOIN figures_wide w USING (report_id)
            WHERE NOT m.is_summary OR m.n_agencies = 0""", [code, year]).fetchall()[0]
        name = con.execute("SELECT name FROM regions WHERE code = ?", [code]).fetchall()
    values = dict(zip(keys, row[2:]))
    return {"county": code, "name": name[0][0] if name else code, "year": year, "template": template,
            "values": values, "reports": row[0], "corrected": int(row[1] or 0)}


def _fmt(v: Any, unit: str = "件") -> str:
    if v is None:
        return ""
    if unit == "万元":
        return f"{v:.2f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _table2(t: dict) -> list[dict]:
    """Table 二 as sections: [{'title', 'columns', 'rows': [(label, [values])]}]."""
    template = t["template"]
    by_row: dict[tuple[str, str], list] = {}
    order: list[tuple[str, str]] = []
    columns: dict[str, list[str]] = {}
    for m in metrics():
        if m.table != 2 or m.template not in (template, "both"):
            continue
        item = m.key.split(".")[1]
        section = _section(item, template)
        if (section, m.row_zh) not in by_row:
            by_row[(section, m.row_zh)] = []
            order.append((section, m.row_zh))
        by_row[(section, m.row_zh)].append(_fmt(t["values"].get(m.key), m.unit))
        cols = columns.setdefault(section, [])
        if m.column_zh not in cols:
            cols.append(m.column_zh)
    out = []
    for section in dict.fromkeys(s for s, _ in order):
        out.append({"title": section, "columns": ["信息内容", *columns[section]],
                    "rows": [(label, by_row[(s, label)]) for s, label in order if s == section]})
    return out


def _section(item: str, template: str) -> str:
    names = {
        "rules": "第二十条第（一）项", "normative": "第二十条第（一）项",
        "licensing": "第二十条第（五）项", "other_services": "第二十条第（五）项",
        "penalty": "第二十条第（六）项", "coercion": "第二十条第（六）项",
        "fees": "第二十条第（八）项", "procurement": "第二十条第（九）项",
    }
    return names.get(item, "第二十条")


def _table3_rows(t: dict) -> list[tuple[str, str, list[str]]]:
    """(group label, row label, values) in printed order."""
    template = t["template"]
    lay = layout()
    groups = {g["key"]: g["label"] for g in lay["t3_groups"]}
    out = []
    for row in lay["t3_rows"]:
        if row.get("template") not in (None, template):
            continue
        key = row["key"]
        group = groups.get(row.get("group"), "")
        if key in ("disclosed", "partial", "other", "total") or row.get("group"):
            group = "三、本年度办理结果" + (f" {group}" if group else "")
        out.append((group, row["label"], [_fmt(t["values"].get(f"t3.{key}.{c}")) for c in T3_COLS]))
    return out


def _table4(t: dict) -> list[str]:
    return [_fmt(t["values"].get(f"t4.{g}.{c}")) for g in ("review", "suit_direct", "suit_after_review")
            for c in ("upheld", "corrected", "other", "pending", "total")]


def _title(t: dict) -> str:
    return f"{t['name']}{t['year']}年政府信息公开工作年度报告（全县汇总数据）"


def export_html(db, county: str, year: int) -> str:
    t = county_tables(db, county, year)
    e = _html.escape
    parts = [
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
        f"<title>{e(_title(t))}</title><style>table{{border-collapse:collapse;margin:1em 0}}"
        "td,th{border:1px solid #000;padding:2px 6px;text-align:center}caption{font-weight:bold}</style></head><body>",
        f"<h1>{e(_title(t))}</h1>",
        f"<p>汇总 {t['reports']} 份报告（{t['template']} 年版格式）；人工更正的数字 {t['corrected']} 个。</p>",
        "<h2>二、主动公开政府信息情况</h2>",
    ]
    for sec in _table2(t):
        parts.append("<table><tr>" + f"<th colspan=\"{len(sec['columns'])}\">{e(sec['title'])}</th></tr><tr>"
                     + "".join(f"<th>{e(c)}</th>" for c in sec["columns"]) + "</tr>")
        for label, vals in sec["rows"]:
            parts.append("<tr><td>" + e(label) + "</td>" + "".join(f"<td>{e(v)}</td>" for v in vals) + "</tr>")
        parts.append("</table>")
    parts.append("<h2>三、收到和处理政府信息公开申请情况</h2><table>")
    parts.append("<tr><th colspan=\"3\" rowspan=\"3\">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</th>"
                 "<th colspan=\"7\">申请人情况</th></tr>"
                 "<tr><th rowspan=\"2\">自然人</th><th colspan=\"5\">法人或其他组织</th><th rowspan=\"2\">总计</th></tr>"
                 "<tr><th>商业企业</th><th>科研机构</th><th>社会公益组织</th><th>法律服务机构</th><th>其他</th></tr>")
    for group, label, vals in _table3_rows(t):
        parts.append(f"<tr><td>{e(group)}</td><td colspan=\"2\">{e(label)}</td>"
                     + "".join(f"<td>{e(v)}</td>" for v in vals) + "</tr>")
    parts.append("</table><h2>四、政府信息公开行政复议、行政诉讼情况</h2><table>")
    parts.append("<tr><th colspan=\"5\">行政复议</th><th colspan=\"10\">行政诉讼</th></tr>"
                 "<tr><th rowspan=\"2\">结果维持</th><th rowspan=\"2\">结果纠正</th><th rowspan=\"2\">其他结果</th>"
                 "<th rowspan=\"2\">尚未审结</th><th rowspan=\"2\">总计</th><th colspan=\"5\">未经复议直接起诉</th>"
                 "<th colspan=\"5\">复议后起诉</th></tr><tr>"
                 + "<th>结果维持</th><th>结果纠正</th><th>其他结果</th><th>尚未审结</th><th>总计</th>" * 2 + "</tr>")
    parts.append("<tr>" + "".join(f"<td>{e(v)}</td>" for v in _table4(t)) + "</tr></table></body></html>")
    return "\n".join(parts)


def export_docx(db, county: str, year: int, path: str | os.PathLike) -> Path:
    from docx import Document

    t = county_tables(db, county, year)
    doc = Document()
    doc.add_heading(_title(t), level=1)
    doc.add_paragraph(f"汇总 {t['reports']} 份报告（{t['template']} 年版格式）；人工更正的数字 {t['corrected']} 个。")
    doc.add_heading("二、主动公开政府信息情况", level=2)
    for sec in _table2(t):
        table = doc.add_table(rows=2 + len(sec["rows"]), cols=len(sec["columns"]))
        table.style = "Table Grid"
        head = table.rows[0].cells[0].merge(table.rows[0].cells[-1])
        head.text = sec["title"]
        for i, c in enumerate(sec["columns"]):
            table.rows[1].cells[i].text = c
        for r, (label, vals) in enumerate(sec["rows"], start=2):
            table.rows[r].cells[0].text = label
            for i, v in enumerate(vals, start=1):
                table.rows[r].cells[i].text = v
    doc.add_heading("三、收到和处理政府信息公开申请情况", level=2)
    rows3 = _table3_rows(t)
    table = doc.add_table(rows=3 + len(rows3), cols=9)
    table.style = "Table Grid"
    table.cell(0, 0).merge(table.cell(2, 1)).text = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    table.cell(0, 2).merge(table.cell(0, 8)).text = "申请人情况"
    table.cell(1, 2).merge(table.cell(2, 2)).text = "自然人"
    table.cell(1, 3).merge(table.cell(1, 7)).text = "法人或其他组织"
    table.cell(1, 8).merge(table.cell(2, 8)).text = "总计"
    for i, h in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"], start=3):
        table.cell(2, i).text = h
    for r, (group, label, vals) in enumerate(rows3, start=3):
        table.cell(r, 0).text = group
        table.cell(r, 1).text = label
        for i, v in enumerate(vals, start=2):
            table.cell(r, i).text = v
    doc.add_heading("四、政府信息公开行政复议、行政诉讼情况", level=2)
    table = doc.add_table(rows=4, cols=15)
    table.style = "Table Grid"
    table.cell(0, 0).merge(table.cell(0, 4)).text = "行政复议"
    table.cell(0, 5).merge(table.cell(0, 14)).text = "行政诉讼"
    table.cell(1, 5).merge(table.cell(1, 9)).text = "未经复议直接起诉"
    table.cell(1, 10).merge(table.cell(1, 14)).text = "复议后起诉"
    heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    for i, h in enumerate(heads):
        table.cell(1, i).merge(table.cell(2, i)).text = h
        table.cell(2, 5 + i).text = h
        table.cell(2, 10 + i).text = h
    for i, v in enumerate(_table4(t)):
        table.cell(3, i).text = v
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out
