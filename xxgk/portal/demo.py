"""Generated demo content for the fake county portal. Everything here is invented and says so.

`build_site(base_url, reports)` lays any list of `Report`s out as a portal: columns of listing pages
(GBK with a meta tag, UTF-8 in the header, GB18030 undeclared), with `index.html`, `index_1.html`, …
pagination (anchors or a TRS `createPageHTML` script), relative, root-relative and absolute links,
report pages in several encodings with HTML tables, and attachments of every format.
`demo_site` adds, on request, a column of faults. The generator's corpus can be plugged in by
turning its documents into `Report`s (or by handing `serve_portal` its own (path, bytes, type) list).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

from xxgk.portal.server import Fault, PortalDocument

DEMO_NOTICE = "【演示数据】本站点及其全部内容由 xxgk 程序生成，纯属虚构，仅供测试，不是真实的政府信息。"
COUNTY = "演示县"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "wps": "application/kswps",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = ("pdf", "docx", "doc", "wps", "xls", "xlsx")
PICTURE_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "tif": "image/tiff"}


@dataclass
class Attachment:
    name: str  # file name shown in the link and in Content-Disposition
    body: bytes
    content_type: str
    disposition: str | None = None  # None | "utf-8" | "gbk" | "rfc5987" | "percent"


@dataclass
class Report:
    title: str
    published: date
    html_body: str  # the report itself, as HTML (paragraphs and tables)
    attachments: list[Attachment] = field(default_factory=list)
    slug: str = ""
    # Files the page shows (its pictures: a scanned report, the site's logo), served beside the page
    # under these names; `html_body` refers to them by name.
    files: dict[str, bytes] = field(default_factory=dict)


# ---------------------------------------------------------------- placeholder files of each format


def placeholder(fmt: str, text: str) -> bytes:
    """Tiny files with the right magic bytes (enough for format sniffing, not for reading)."""
    payload = f"{DEMO_NOTICE}\n{text}\n".encode("utf-8")
    if fmt == "pdf":
        return b"%PDF-1.4\n% xxgk demo placeholder\n" + payload + b"\n%%EOF\n"
    if fmt in ("docx", "xlsx"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            part = "word/document.xml" if fmt == "docx" else "xl/workbook.xml"
            archive.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
            archive.writestr(part, f'<?xml version="1.0" encoding="UTF-8"?><demo>{escape(DEMO_NOTICE + text)}</demo>')
        return buffer.getvalue()
    stream = {"doc": "WordDocument", "wps": "WordDocument", "xls": "Workbook"}[fmt].encode("utf-16-le")
    mark = b"Kingsoft WPS Office" if fmt == "wps" else b""
    return OLE_MAGIC + b"\x00" * 504 + stream + b"\x00" * 8 + mark + payload


# ---------------------------------------------------------------- reports


def demo_reports(count: int = 12, start_year: int = 2008, formats: tuple[str, ...] = FORMATS) -> list[Report]:
    reports = []
    for i in range(count):
        year = start_year + i % 16
        published = date(year + 1, 1, 15) + timedelta(days=i % 60)
        title = f"{COUNTY}{year}年政府信息公开工作年度报告（第{i + 1}号）"
        table = (
            "<table border='1'><tr><th>信息内容</th><th>本年制发件数</th><th>本年废止件数</th><th>现行有效件数</th></tr>"
            f"<tr><td>规章</td><td>{i % 7}</td><td>{i % 3}</td><td>{10 + i % 11}</td></tr>"
            f"<tr><td>行政规范性文件</td><td>{3 + i % 5}</td><td>{i % 2}</td><td>{20 + i % 13}</td></tr></table>"
            "<table border='1'><tr><th>申请人情况</th><th>自然人</th><th>法人或其他组织</th><th>总计</th></tr>"
            f"<tr><td>一、本年新收政府信息公开申请数量</td><td>{i % 40}</td><td>{i % 9}</td><td>{i % 40 + i % 9}</td></tr></table>"
        )
        body = (
            f"<p>{DEMO_NOTICE}</p><p>本报告根据《中华人民共和国政府信息公开条例》编制，"
            f"数据统计期限为{year}年1月1日至12月31日。</p>{table}"
        )
        fmt = formats[i % len(formats)]
        disposition = (None, "utf-8", "gbk", "rfc5987", "percent")[i % 5]
        attachment = Attachment(f"{COUNTY}{year}年政府信息公开工作年度报告-{i + 1}.{fmt}",
                                placeholder(fmt, f"{title} 附件"), CONTENT_TYPES[fmt], disposition)
        reports.append(Report(title, published, body, [attachment], slug=f"t{published:%Y%m%d}_{i + 1}"))
    return reports


# ---------------------------------------------------------------- pages

PAGE_ENCODINGS = (  # (codec, how the page declares it)
    ("gbk", "meta"), ("utf-8", "header"), ("gb2312", "http-equiv"), ("gb18030", "header"), ("utf-8", "none"),
    ("gbk", "none"),
)


def _page(title: str, body: str, codec: str, declare: str) -> tuple[bytes, str]:
    meta = {"meta": f'<meta charset="{codec}">',
            "http-equiv": f'<meta http-equiv="Content-Type" content="text/html; charset={codec}">'}.get(declare, "")
    html = (
        f"<!DOCTYPE html>\n<html><head>{meta}<title>{escape(title)}</title></head><body>"
        f'<div class="notice">{DEMO_NOTICE}</div>'
        '<div class="nav"><a href="/index.html">首页</a> <a href="/xxgk/zn/index.html">政府信息公开指南</a> '
        '<a href="/xxgk/xxgknb/index.html">政府信息公开年报</a></div>'
        f"{body}</body></html>"
    )
    content_type = f"text/html; charset={codec}" if declare == "header" else "text/html"
    return html.encode(codec), content_type


def _attachment_headers(attachment: Attachment) -> tuple[tuple[bytes, bytes], ...]:
    name = attachment.name
    from urllib.parse import quote
    if attachment.disposition is None:
        return ()
    value = {
        "utf-8": b'attachment; filename="' + name.encode("utf-8") + b'"',
        "gbk": b'attachment; filename="' + name.encode("gbk") + b'"',
        "rfc5987": b"attachment; filename=\"report\"; filename*=UTF-8''" + quote(name).encode("ascii"),
        "percent": b'attachment; filename="' + quote(name.encode("gbk")).encode("ascii") + b'"',
    }[attachment.disposition]
    return ((b"Content-Disposition", value),)


def build_site(base_url: str, reports: list[Report], page_size: int = 10, columns: int = 3,
               extra_listing_links: list[tuple[str, str]] | None = None) -> list[PortalDocument]:
    """Lay the reports out over `columns` columns of paginated listings. Returns every document to serve."""
    docs: list[PortalDocument] = []
    column_specs = [  # (directory, listing codec, declaration, pagination style)
        ("/xxgk/xxgknb/", "gbk", "meta", "anchors"),
        ("/ndbg/", "utf-8", "header", "script"),
        ("/xxgk/zfxxgknb/", "gb18030", "none", "anchors"),
    ][:max(1, min(columns, 3))]
    by_column: list[list[Report]] = [[] for _ in column_specs]
    for i, report in enumerate(reports):
        by_column[i % len(column_specs)].append(report)

    for column, ((directory, codec, declare, style), items) in enumerate(zip(column_specs, by_column)):
        items = sorted(items, key=lambda r: r.published, reverse=True)
        pages = [items[i:i + page_size] for i in range(0, len(items), page_size)] or [[]]
        for number, page_items in enumerate(pages):
            lines = []
            for j, report in enumerate(page_items):
                slug = report.slug or f"t{report.published:%Y%m%d}_{j}"
                month = f"{report.published:%Y%m}"
                path = f"{directory}{month}/{slug}.html"
                href = (f"./{month}/{slug}.html", path, f"{base_url}{path}")[j % 3]
                shown = report.title if len(report.title) <= 24 else report.title[:22] + "…"
                lines.append(f'<li><a href="{escape(href)}" title="{escape(report.title)}" target="_blank">'
                             f"{escape(shown)}</a><span class=\"date\">{report.published:%Y-%m-%d}</span></li>")
                docs.extend(_report_documents(base_url, directory, month, slug, report, j))
            if number == 0 and column == 0 and extra_listing_links:
                for href, text in extra_listing_links:
                    lines.append(f'<li><a href="{escape(href)}">{escape(text)}</a><span>2024-02-01</span></li>')
            name = "index.html" if number == 0 else f"index_{number}.html"
            if style == "anchors":
                nav = ['<a href="index.html">首页</a>']
                if number > 0:
                    nav.append(f'<a href="{"index.html" if number == 1 else f"index_{number - 1}.html"}">上一页</a>')
                if number + 1 < len(pages):
                    nav.append(f'<a href="index_{number + 1}.html">下一页</a>')
                last = len(pages) - 1
                nav.append(f'<a href="{"index.html" if last == 0 else f"index_{last}.html"}">尾页</a>')
                pager = '<div class="page">' + " ".join(nav) + "</div>"
            else:
                pager = f'<div class="page"><script>createPageHTML({len(pages)}, {number}, "index", "html");</script></div>'
            body = f'<h1>政府信息公开年报</h1><ul class="list">{"".join(lines)}</ul>{pager}'
            data, content_type = _page(f"政府信息公开年报 第{number + 1}页", body, codec, declare)
            docs.append(PortalDocument(f"{directory}{name}", data, content_type))
    docs.append(PortalDocument("/robots.txt", b"User-agent: *\nDisallow: /private/\n", "text/plain"))
    home, ctype = _page(f"{COUNTY}人民政府（演示）", "".join(
        f'<a href="{d}index.html">政府信息公开年报</a> ' for d, *_ in column_specs), "utf-8", "header")
    docs.append(PortalDocument("/index.html", home, ctype))
    return docs


def _report_documents(base_url: str, directory: str, month: str, slug: str, report: Report, j: int) -> list[PortalDocument]:
    codec, declare = PAGE_ENCODINGS[sum(map(ord, slug)) % len(PAGE_ENCODINGS)]
    docs = []
    links = []
    for k, attachment in enumerate(report.attachments):
        ext = attachment.name.rsplit(".", 1)[-1]
        file_path = f"{directory}{month}/P0{slug[1:]}_{k}.{ext}"
        href = (f"./P0{slug[1:]}_{k}.{ext}", file_path, f"{base_url}{file_path}")[(j + k) % 3]
        links.append(f'<p>附件：<a href="{escape(href)}">{escape(attachment.name)}</a></p>')
        docs.append(PortalDocument(file_path, attachment.body, attachment.content_type, _attachment_headers(attachment)))
    for name, data in report.files.items():
        docs.append(PortalDocument(f"{directory}{month}/{name}", data,
                                   PICTURE_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")))
    body = (f'<h1 class="title">{escape(report.title)}</h1><div class="info">发布日期：{report.published:%Y-%m-%d}</div>'
            f'<div class="content">{report.html_body}</div><div class="attachments">{"".join(links)}</div>')
    data, content_type = _page(report.title, body, codec, declare)
    docs.append(PortalDocument(f"{directory}{month}/{slug}.html", data, content_type))
    return docs


# ---------------------------------------------------------------- faults


FAULT_DIR = "/xxgk/faults/"


def fault_site(base_url: str, foreign_url: str | None = None) -> tuple[list[PortalDocument], dict[str, Fault],
                                                                         list[tuple[str, str]]]:
    """Fault documents, the faults to serve them with, and (href, text) links for a listing page."""
    docs: list[PortalDocument] = []
    faults: dict[str, Fault] = {}
    links: list[tuple[str, str]] = []

    def page(name: str, title: str, body: str = "", codec: str = "utf-8", declare: str = "header") -> str:
        data, content_type = _page(title, f"<h1>{escape(title)}</h1>{body}", codec, declare)
        docs.append(PortalDocument(FAULT_DIR + name, data, content_type))
        return FAULT_DIR + name

    def entry(name: str, title: str, body: str = "", fault: Fault | None = None, **kwargs) -> str:
        path = page(name, title, body, **kwargs)
        if fault:
            faults[path] = fault
        links.append((path, title))
        return path

    pdf = placeholder("pdf", "故障演示附件")
    docs.append(PortalDocument(FAULT_DIR + "copy-a.pdf", pdf, "application/pdf"))
    docs.append(PortalDocument(FAULT_DIR + "copy-b.pdf", pdf, "application/pdf"))
    docs.append(PortalDocument(FAULT_DIR + "broken.pdf", placeholder("pdf", "坏"), "application/pdf"))
    faults[FAULT_DIR + "broken.pdf"] = Fault(status=500)
    docs.append(PortalDocument(FAULT_DIR + "truncated.pdf", placeholder("pdf", "截断" * 400), "application/pdf"))
    faults[FAULT_DIR + "truncated.pdf"] = Fault(truncate=True)
    docs.append(PortalDocument(FAULT_DIR + "mislabelled.pdf", placeholder("pdf", "类型错误"), "application/pdf"))
    faults[FAULT_DIR + "mislabelled.pdf"] = Fault(content_type="text/html; charset=utf-8")
    docs.append(PortalDocument(FAULT_DIR + "huge.pdf", b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024), "application/pdf"))
    attachments = "".join(f'<p><a href="{n}">附件 {n}</a></p>' for n in
                          ("copy-a.pdf", "copy-b.pdf", "broken.pdf", "truncated.pdf", "mislabelled.pdf", "huge.pdf"))
    entry("attachments.html", "演示县2023年政府信息公开工作年度报告（附件故障）", attachments)
    entry("flaky.html", "演示县2022年政府信息公开工作年度报告（先失败后成功）", fault=Fault(status=500, times=2))
    entry("busy.html", "演示县2021年政府信息公开工作年度报告（429）", fault=Fault(status=429, times=1, retry_after="0"))
    entry("slow.html", "演示县2020年政府信息公开工作年度报告（慢）", "<p>" + "慢" * 600 + "</p>",
          fault=Fault(chunk_delay=0.6, chunk_size=512))
    entry("dead.html", "演示县2019年政府信息公开工作年度报告（总是500）", fault=Fault(status=500))
    entry("octet.html", "演示县2018年政府信息公开工作年度报告（类型错误）", fault=Fault(content_type="application/octet-stream"))
    entry("no-etag.html", "演示县2017年政府信息公开工作年度报告（不支持条件请求）", fault=Fault(ignore_conditional=True))
    entry("gbk-undeclared.html", "演示县2016年政府信息公开工作年度报告（GBK未声明）", codec="gbk", declare="none")
    # redirects: one that lands, a loop, one that leaves the allowed hosts
    faults[FAULT_DIR + "moved.html"] = Fault(redirect=FAULT_DIR + "flaky.html")
    links.append((FAULT_DIR + "moved.html", "演示县2015年政府信息公开工作年度报告（已迁移）"))
    faults["/loop/a.html"] = Fault(redirect="/loop/b.html")
    faults["/loop/b.html"] = Fault(redirect="/loop/a.html")
    links.append(("/loop/a.html", "演示县2014年政府信息公开工作年度报告（重定向循环）"))
    away = (foreign_url or "http://www.example.com") + "/away.html"
    faults[FAULT_DIR + "away.html"] = Fault(redirect=away)
    links.append((FAULT_DIR + "away.html", "演示县2013年政府信息公开工作年度报告（跳转外站）"))
    # robots.txt forbids /private/
    docs.append(PortalDocument("/private/2012.html", _page("2012", "<p>private</p>", "utf-8", "header")[0],
                               "text/html; charset=utf-8"))
    links.append(("/private/2012.html", "演示县2012年政府信息公开工作年度报告（robots禁止）"))
    # links to other hosts, never to be followed: the same server under another name, a public name, a foreign server
    host_port = base_url.split("://", 1)[1]
    links.append((f"http://localhost:{host_port.rsplit(':', 1)[1]}/xxgk/faults/flaky.html",
                  "演示县2011年政府信息公开工作年度报告（另一主机名）"))
    links.append(("http://www.example.com/xxgk/2010.html", "演示县2010年政府信息公开工作年度报告（外站）"))
    if foreign_url:
        links.append((foreign_url + "/2009.html", "演示县2009年政府信息公开工作年度报告（外站服务器）"))
    return docs, faults, links


def demo_site(base_url: str, reports: int = 12, faults: bool = False, foreign_url: str | None = None,
              page_size: int = 10) -> tuple[list[PortalDocument], dict[str, Fault]]:
    """The demo portal: `reports` generated reports, and with `faults` a column of every fault."""
    fault_docs: list[PortalDocument] = []
    fault_map: dict[str, Fault] = {}
    extra = None
    if faults:
        fault_docs, fault_map, extra = fault_site(base_url, foreign_url)
    documents = build_site(base_url, demo_reports(reports), page_size=page_size, extra_listing_links=extra)
    return documents + fault_docs, fault_map
