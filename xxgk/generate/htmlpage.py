"""The report as an HTML page, as government sites publish it."""

from __future__ import annotations

from html import escape
from typing import Any

from xxgk.generate.form import published_on
from xxgk.generate.model import FIXED, Grid, Para, ReportSpec, build_report, merged_quirks, style_from

HTML_QUIRKS = {"flattened", "encoding", "declared_charset", "word_markup", "site_chrome", "hostile"}
_UNSET = object()


def render_html(spec: ReportSpec, **quirks: Any) -> bytes:
    """The report as an HTML page.

    Quirks (keyword flags; defaults in brackets):
    - flattened [False]: no <table>; every cell its own <p>, row by row (as site editors do)
    - encoding ["utf-8"]: "utf-8", "gbk" or "gb18030"
    - declared_charset [= encoding]: the charset the <meta> declares (may be wrong); None = no meta
    - word_markup [False]: cell text wrapped in Word-exported <p class=MsoNormal><span> markup
    - site_chrome [False]: navigation, publication date and footer around the article
    - hostile [None]: a base URL; the page plants what a compromised site could (scripts, onerror=,
      javascript: links, CSS url(), frames, stylesheets), each fetching BASE/<what> or setting
      window.xxgkPwned if it ever runs. The figures read the same (nothing planted has text).
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
    hostile = q.get("hostile")
    if hostile:
        out.extend(_hostile_head(hostile))
    out.append("</head>")
    out.append("<body>")
    if q.get("site_chrome"):
        out.append('<div class="nav"><a href="/">首页</a> &gt; <a href="/xxgk/">政府信息公开</a> &gt; 政府信息公开年报</div>')
        out.append(f'<div class="info">发布时间：{published_on(spec):%Y-%m-%d}　来源：{escape(spec.agency)}</div>')
    out.append('<div class="article">')
    for block in report.blocks:
        if isinstance(block, Para):
            out.append(_para(block))
        elif q.get("flattened"):
            out.extend(_flat(block, bool(q.get("word_markup"))))
        else:
            out.append(_table(block, bool(q.get("word_markup")), hostile))
    out.append("</div>")
    if q.get("site_chrome"):
        out.append('<div class="footer">主办单位：' + escape(spec.agency) + "　网站标识码：1408280001</div>")
    if hostile:  # after the article: its text must not run into the title
        out.extend(_hostile_body(hostile))
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


def _hostile_head(base: str) -> list[str]:
    return [f'<script>window.xxgkPwned = "head-script"; new Image().src = "{base}/head-script";</script>',
            f'<link rel="stylesheet" href="{base}/link-stylesheet">',
            f"<style>body {{ background: url({base}/style-url); }}</style>"]


def _hostile_body(base: str) -> list[str]:
    return [f'<p><a href="javascript:window.xxgkPwned=&quot;javascript-link&quot;">原文链接</a>'
            f'<img src="{base}/img-src" onerror="window.xxgkPwned=\'onerror\'">'
            f'<svg onload="window.xxgkPwned=\'svg-onload\'"></svg></p>',
            f'<iframe src="{base}/iframe"></iframe>']


def _table(grid: Grid, word_markup: bool, hostile: str | None = None) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse">', "<tbody>"]
    for r in range(grid.n_rows):
        out.append("<tr>")
        for c in grid.starting_in(r):
            attrs = ""
            if hostile and r == 0 and c.col == 0:
                # Planted where a sanitiser that keeps tables might keep them too: no text added.
                attrs += (f' style="background-image: url({hostile}/td-style-url)" onclick="window.xxgkPwned=\'onclick\'"'
                          f' background="{hostile}/td-background"')
                out.append(f'<td{attrs}><img src="x" onerror="window.xxgkPwned=\'td-onerror\'; new Image().src=\'{hostile}/td-onerror\'">'
                           f'<script>window.xxgkPwned = "td-script"</script><a href="javascript:window.xxgkPwned=1">'
                           f"{_text(c.text, word_markup)}</a></td>")
                continue
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


def render_scan_page(spec: ReportSpec, dpi: int = 200, *, jpeg_quality: int = 80, chrome: bool = True,
                     thumbnails: bool = False, stem: str | None = None,
                     **scan_options: Any) -> tuple[bytes, dict[str, bytes]]:
    """The report as a portal page whose report is scanned pictures kept as separate files, as many
    sites publish it: `(page, {src: bytes})`, each `src` relative to the page (serve the files beside it).

    The pages are `render_scan`'s (same degradations; `scan_options` go to it), one JPEG per page,
    `<img>` in the article in page order. With `chrome` [True] the page also shows the site's
    logo (in the header, no size attributes) and a small icon in the footer (width and height
    given): pictures that are not the report's. With `thumbnails` [False] each page shows a small
    preview linking the full-size picture (`<a href="p1.jpg"><img src="p1_s.jpg" width=200></a>`).
    Files are named `{stem}_1.jpg`, … and `{stem}_logo.png`, `{stem}_jiucuo.png` (stem: from the spec
    when not given, as portals name uploads).
    """
    import io

    from PIL import Image

    from xxgk.generate.scan import render_scan

    tiff = Image.open(io.BytesIO(render_scan(spec, "tiff", dpi, **scan_options)))
    files: dict[str, bytes] = {}
    stem = stem or f"W0{spec.year + 1}0110{spec.seed % 100000:05d}"
    shown = []
    for n in range(getattr(tiff, "n_frames", 1)):
        tiff.seek(n)
        page = tiff.convert("RGB")
        name = f"{stem}_{n + 1}.jpg"
        files[name] = _jpeg_bytes(page, jpeg_quality)
        if thumbnails:
            small = f"{stem}_{n + 1}_s.jpg"
            files[small] = _jpeg_bytes(page.resize((200, round(200 * page.height / page.width))), 70)
            shown.append(f'<p><a href="{name}" target="_blank"><img src="{small}" width="200" alt="第{n + 1}页"></a></p>')
        else:
            shown.append(f'<p style="text-align:center"><img src="{name}" alt="第{n + 1}页" style="max-width:100%"></p>')
    title = escape(build_report(spec, style_from(merged_quirks(spec, {}, HTML_QUIRKS))).title)
    out = ["<!DOCTYPE html>", '<html><head><meta charset="utf-8">', f"<title>{title}</title></head><body>"]
    if chrome:
        files[f"{stem}_logo.png"] = _png_bytes((420, 90), (180, 20, 20))
        files[f"{stem}_jiucuo.png"] = _png_bytes((110, 55), (200, 30, 30))
        out.append(f'<div class="header"><img src="{stem}_logo.png" alt="{escape(spec.agency)}">'
                   '<div class="nav"><a href="/">首页</a> &gt; <a href="/xxgk/">政府信息公开</a> &gt; 政府信息公开年报</div></div>')
    out.append(f'<div class="article"><h1>{title}</h1><div class="info">发布时间：{published_on(spec):%Y-%m-%d}</div>')
    out.extend(shown)
    out.append("</div>")
    if chrome:
        out.append(f'<div class="footer"><img src="{stem}_jiucuo.png" width="110" height="55" alt="政府网站找错">'
                   f"主办单位：{escape(spec.agency)}</div>")
    out.append("</body></html>")
    return "\n".join(out).encode("utf-8"), files


def _jpeg_bytes(image, quality: int) -> bytes:
    import io

    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def _png_bytes(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    """A plain picture of the site's own (a logo, an icon): not a page of the report."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (255, 255, 255))
    ImageDraw.Draw(image).rectangle((4, 4, size[0] - 5, size[1] - 5), outline=colour, width=3)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
