"""The report as an HTML page, as government sites publish it."""

from __future__ import annotations

from html import escape
from typing import Any

from xxgk.generate.model import FIXED, Grid, Para, ReportSpec, build_report, merged_quirks, style_from

HTML_QUIRKS = {"flattened", "encoding", "declared_charset", "word_markup", "site_chrome"}
_UNSET = object()


def render_html(spec: ReportSpec, **quirks: Any) -> bytes:
    """The report as an HTML page.

    Quirks (keyword flags; defaults in brackets):
    - flattened [False]: no <table>; every cell its own <p>, row by row (as site editors do)
    - encoding ["utf-8"]: "utf-8", "gbk" or "gb18030"
    - declared_charset [= encoding]: the charset the <meta> declares (may be wrong); None = no meta
    - word_markup [False]: cell text wrapped in Word-exported <p class=MsoNormal><span> markup
    - site_chrome [False]: navigation, publication date and footer around the article
    - blank_zeros: zero cells print '&nbsp;'; fullwidth_digits: ０-９; broken_labels: <br>
      inside labels and '总 计'; lost_labels; amounts_in_yuan (see model.Style)
    """
    q = merged_quirks(spec, quirks, HTML_QUIRKS)
    style = style_from(q)
    encoding = q.get("encoding", "utf-8")
    declared = q.get("declared_charset", _UNSET)
    if declared is _UNSET:
        declared = encoding
    report = build_report(spec, style)

    out: list[str] = ["<!DOCTYPE html>", "<html>", "<head>"]
    if declared:
        out.append(f'<meta http-equiv="Content-Type" content="text/html; charset={declared}">')
    title = report.title
    if style.no_body_title:  # the portal's title: the report's, then the column and the site
        title += FIXED["portal_suffix"].format(issuer=FIXED["cited_issuer"])
    out.append(f"<title>{escape(title)}</title>")
    out.append("</head>")
    out.append("<body>")
    if q.get("site_chrome"):
        out.append('<div class="nav"><a href="/">首页</a> &gt; <a href="/xxgk/">政府信息公开</a> &gt; 政府信息公开年报</div>')
        out.append(f'<div class="info">发布时间：{spec.year + 1}-01-{20 + spec.seed % 9:02d}　来源：{escape(spec.agency)}</div>')
    out.append('<div class="article">')
    for block in report.blocks:
        if isinstance(block, Para):
            out.append(_para(block))
        elif q.get("flattened"):
            out.extend(_flat(block, bool(q.get("word_markup"))))
        else:
            out.append(_table(block, bool(q.get("word_markup"))))
    out.append("</div>")
    if q.get("site_chrome"):
        out.append('<div class="footer">主办单位：' + escape(spec.agency) + "　网站标识码：1408280001</div>")
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out).encode(encoding, errors="xmlcharrefreplace")


def _text(text: str, word_markup: bool) -> str:
    if not text:
        body = "&nbsp;"
    else:
        body = "<br>".join(escape(line) for line in text.split("\n"))
    if word_markup:
        return f'<p class="MsoNormal" align="center"><span style="font-family:宋体;font-size:10.5pt">{body}</span></p>'
    return body


def _para(p: Para) -> str:
    if p.kind == "title":
        return f'<h1 style="text-align:center">{escape(p.text)}</h1>'
    if p.kind == "heading":
        return f"<p><strong>{escape(p.text)}</strong></p>"
    if p.kind == "sign":
        return f'<p style="text-align:right">{escape(p.text)}</p>'
    return f'<p style="text-indent:2em">{escape(p.text)}</p>'


def _table(grid: Grid, word_markup: bool) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse">', "<tbody>"]
    for r in range(grid.n_rows):
        out.append("<tr>")
        for c in grid.starting_in(r):
            attrs = ""
            if c.rowspan > 1:
                attrs += f' rowspan="{c.rowspan}"'
            if c.colspan > 1:
                attrs += f' colspan="{c.colspan}"'
            out.append(f"<td{attrs}>{_text(c.text, word_markup)}</td>")
        out.append("</tr>")
    out.append("</tbody>")
    out.append("</table>")
    return "\n".join(out)


def _flat(grid: Grid, word_markup: bool) -> list[str]:
    out = []
    for r in range(grid.n_rows):
        for c in grid.starting_in(r):
            if word_markup:
                out.append(_text(c.text, True))
            else:
                out.append(f"<p>{_text(c.text, False)}</p>")
    return out
