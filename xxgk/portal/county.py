"""A whole county portal laid out like real ones, for discovery tests, the benchmark and the demo.
Everything served is invented and says so.

    site = county_site(base_url, agencies, county="夏县")     # -> CountySite(documents, faults, columns, ...)

- `/index.html`: the root, with navigation (政府信息公开, 部门信息公开, 乡镇信息公开, 政府信息公开年报) and a
  最新信息 list (news, one department's report among them: not a column);
- `/xxgk/index.html`: 政府信息公开, linking the county's own 年报 column (`/xxgk/xxgknb/`), the noise
  columns 通知公告 and 政策解读 (items that mention 年度 and 报告), a 公开目录 pair of pages linking each
  other (a loop), another county's 年报 column on another host (never to be followed) and a test column
  under `/xxgk/test/`, which robots.txt forbids;
- `/xxgk/bmxxgk/index.html`: the departments; each has its page and a 年报 column;
- `/xxgk/xzxxgk/index.html` (a slow page): the townships; each has its page, its 信息公开 page and a column.

Columns come in four listing styles: `trs` (index_N.html and a createPageHTML script), `links`
(下一页 anchors), `hanweb` (an inline datastore and `dataproxy.jsp` for later groups, under `/col/`)
and `json` (entries from an endpoint the page names). A column tells its agency by its breadcrumb,
its heading, or only by the section it is reached from. An agency with `moved` has its column at a new
URL this year (`moved=False` serves last year's layout); an agency without reports has an empty column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from html import escape

from xxgk.portal.demo import CONTENT_TYPES, DEMO_NOTICE, Attachment, Report, _report_documents, placeholder
from xxgk.portal.server import Fault, Portal, PortalDocument, ServedPortal, canonical_path

STYLES = ("trs", "hanweb", "links", "json")
UNKNOWN_COLUMN = "/zt/ndbg/index.html"
ATTRIBUTIONS = ("breadcrumb", "heading", "section")
PROXY = "/module/web/jpage/dataproxy.jsp"

DEPARTMENTS = ["教育局", "财政局", "民政局", "公安局", "司法局", "人力资源和社会保障局", "自然资源局", "生态环境局",
               "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局", "卫生健康局",
               "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局", "林业局",
               "发展和改革局", "行政审批服务管理局", "乡村振兴局", "融媒体中心", "信访局", "科学技术局", "工业和信息化局",
               "体育发展中心"]
TOWNSHIPS = ["瑶峰镇", "庙前镇", "裴介镇", "水头镇", "泗交镇", "南大里乡", "埝掌镇", "禹王镇", "胡张乡", "祁家河乡",
             "尉郭乡", "郭道镇"]


@dataclass
class AgencyPlan:
    name: str  # as its reports print it: 夏县财政局, 夏县瑶峰镇人民政府
    kind: str  # government | department | township
    slug: str
    reports: list[Report] = field(default_factory=list)
    style: str = "trs"
    attribution: str = "breadcrumb"
    moved: bool = False


@dataclass
class CountySite:
    documents: list[PortalDocument]
    faults: dict[str, Fault]
    columns: dict[str, str]  # agency -> its 年报 column's first page (path)
    unknown_columns: list[str]  # columns whose agency nothing tells
    old_columns: dict[str, str]  # agency -> where a moved column was last year
    walk_pages: list[str]  # root, indexes and agency pages: what only discovery asks for
    forbidden: str = "/xxgk/test/"


def sample_reports(agency: str, years: tuple[int, ...], seed: int = 0) -> list[Report]:
    """Small invented reports of one agency (every other one an attachment, as portals do)."""
    reports = []
    for i, year in enumerate(years):
        title = f"{agency}{year}年政府信息公开工作年度报告"
        published = date(year + 1, 1, 10 + (seed + i) % 18)
        body = f"<p>{DEMO_NOTICE}</p><p>{escape(agency)}{year}年政府信息公开工作年度报告（演示）。</p>"
        attachments = []
        if (seed + i) % 2:
            attachments.append(Attachment(f"{title}.pdf", placeholder("pdf", title), CONTENT_TYPES["pdf"], "utf-8"))
        reports.append(Report(title, published, body, attachments, slug=f"t{published:%Y%m%d}_{seed:02d}{i}"))
    return reports


def county_plan(county: str = "夏县", departments: int = 20, townships: int = 8, years: tuple[int, ...] = (2021, 2022, 2023),
                empty: int | None = 5, moved: int | None = 2) -> list[AgencyPlan]:
    """The county government, `departments` departments and `townships` townships with rotating listing
    styles and ways of telling the agency; department `empty` publishes nothing, department `moved` moved."""
    plans = [AgencyPlan(f"{county}人民政府", "government", "xzf", sample_reports(f"{county}人民政府", years, 0))]
    for i, name in enumerate((DEPARTMENTS * 2)[:departments]):
        full = f"{county}{name}" if i < len(DEPARTMENTS) else f"{county}第二{name}"
        plans.append(AgencyPlan(full, "department", f"bm{i:02d}", [] if i == empty else sample_reports(full, years, i + 1),
                                STYLES[i % len(STYLES)], ATTRIBUTIONS[i % len(ATTRIBUTIONS)], moved=i == moved))
    for i, name in enumerate((TOWNSHIPS * 2)[:townships]):
        full = f"{county}{name}人民政府"
        plans.append(AgencyPlan(full, "township", f"xz{i:02d}", sample_reports(full, years, 40 + i),
                                ("trs", "hanweb")[i % 2], ("breadcrumb", "section")[i % 2]))
    return plans


# ---------------------------------------------------------------- pages


def _page(county: str, title: str, body: str, crumbs: list[tuple[str | None, str]] | None = None) -> bytes:
    nav = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in (
        ("/index.html", "首页"), ("/xxgk/index.html", "政府信息公开"), ("/xxgk/bmxxgk/index.html", "部门信息公开"),
        ("/xxgk/xzxxgk/index.html", "乡镇信息公开"), ("/xxgk/xxgknb/index.html", "政府信息公开年报")))
    crumb = ""
    if crumbs:
        items = [f'<a href="{escape(h)}">{escape(t)}</a>' if h else f"<span>{escape(t)}</span>" for h, t in crumbs]
        crumb = '<div class="crumb">当前位置：' + " &gt; ".join(items) + "</div>"
    html = (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{escape(title)}_{escape(county)}人民政府</title>'
            f'</head><body><div class="notice">{DEMO_NOTICE}</div><div class="header">{escape(county)}人民政府（演示）</div>'
            f'<div class="nav"><ul>{nav}</ul></div>{crumb}<div class="main">{body}</div>'
            '<div class="footer"><a href="/xxgk/zn/index.html">网站地图</a></div></body></html>')
    return html.encode("utf-8")


def _li(href: str, title: str, day: str) -> str:
    shown = title if len(title) <= 24 else title[:22] + "…"
    return f'<li><a href="{escape(href)}" title="{escape(title)}" target="_blank">{escape(shown)}</a><span class="date">{day}</span></li>'


def _list(items: list[tuple[str, str, str]]) -> str:
    """<ul> of (href, title, date)."""
    return '<ul class="list">' + "".join(_li(*item) for item in items) + "</ul>"


class _Builder:
    def __init__(self, base_url: str, county: str, page_size: int):
        self.base_url, self.county, self.page_size = base_url, county, page_size
        self.docs: list[PortalDocument] = []
        self.gov = f"{county}人民政府"

    def html(self, path: str, title: str, body: str, crumbs=None) -> str:
        self.docs.append(PortalDocument(path, _page(self.county, title, body, crumbs), "text/html; charset=utf-8"))
        return path

    def entries(self, plan: AgencyPlan, entry_dir: str) -> list[tuple[str, str, str]]:
        """The agency's report pages (and attachments) under `entry_dir`; (href, title, date) newest first."""
        items = []
        for j, report in enumerate(sorted(plan.reports, key=lambda r: r.published, reverse=True)):
            month = f"{report.published:%Y%m}"
            self.docs.extend(_report_documents(self.base_url, entry_dir, month, report.slug, report, j))
            items.append((f"{entry_dir}{month}/{report.slug}.html", report.title, f"{report.published:%Y-%m-%d}"))
        return items

    def column(self, plan: AgencyPlan, directory: str, section: tuple[str, str] | None, index: int) -> str:
        """The agency's 年报 column in its style; returns the path of its first page."""
        crumbs = None
        heading = "政府信息公开年报"
        if plan.attribution == "breadcrumb":
            crumbs = [("/index.html", self.gov)] + ([section] if section else []) + [(None, "政府信息公开年报")]
            if plan.kind != "government":
                crumbs.insert(-1, (f"{directory.rsplit('/', 2)[0]}/index.html", plan.name))
        elif plan.attribution == "heading":
            heading = f"{plan.name}政府信息公开年报"
        if plan.style == "hanweb":
            return self.hanweb_column(plan, index, heading, crumbs)
        items = self.entries(plan, directory)
        if plan.style == "json":
            return self.json_column(plan, directory, items, heading, crumbs)
        pages = [items[i:i + self.page_size] for i in range(0, len(items), self.page_size)] or [[]]
        for number, page_items in enumerate(pages):
            name = "index.html" if number == 0 else f"index_{number}.html"
            if plan.style == "trs":
                pager = f'<div class="page"><script>createPageHTML({len(pages)}, {number}, "index", "html");</script></div>'
            else:
                nav = [f'<a href="index_{number + 1}.html">下一页</a>'] if number + 1 < len(pages) else []
                pager = '<div class="page"><a href="index.html">首页</a> ' + " ".join(nav) + "</div>"
            self.html(f"{directory}{name}", heading, f"<h1>{escape(heading)}</h1>{_list(page_items)}{pager}", crumbs)
        return f"{directory}index.html"

    def json_column(self, plan, directory, items, heading, crumbs) -> str:
        pages = [items[i:i + self.page_size] for i in range(0, len(items), self.page_size)] or [[]]
        endpoint = f"/api/columns/{plan.slug}/articles"
        for number, page_items in enumerate(pages, start=1):
            data = {"page": number, "totalPage": len(pages),
                    "data": [{"title": t, "url": h, "publishDate": d} for h, t, d in page_items]}
            self.docs.append(PortalDocument(f"{endpoint}?page={number}", json.dumps(data, ensure_ascii=False).encode("utf-8"),
                                            "application/json; charset=utf-8"))
        body = (f'<h1>{escape(heading)}</h1><div class="list" data-list-url="{endpoint}?page=1"></div>'
                "<noscript>本栏目列表由脚本载入。</noscript>")
        return self.html(f"{directory}index.html", heading, body, crumbs)

    def hanweb_column(self, plan, index, heading, crumbs) -> str:
        column_id = 3000 + index
        items = []
        for j, report in enumerate(sorted(plan.reports, key=lambda r: r.published, reverse=True)):
            entry_dir = f"/art/{report.published:%Y}/"
            self.docs.extend(_report_documents(self.base_url, entry_dir, f"{report.published:%m%d}", f"art_{column_id}_{j}",
                                               report, j))
            items.append((f"{entry_dir}{report.published:%m%d}/art_{column_id}_{j}.html", report.title,
                          f"{report.published:%Y-%m-%d}"))
        records = [f"<record><![CDATA[{_li(*item)}]]></record>" for item in items]
        per_page, group = self.page_size, 1
        step = per_page * group
        params = f"page=1&webid=1&path=/&columnid={column_id}&unitid=35{index:02d}&webname=demo&permissiontype=0"
        for start in range(step + 1, len(records) + 1, step):
            end = min(len(records), start + step - 1)
            answer = ('<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>' + str(len(records)) +
                      "</totalrecord><recordset>" + "".join(records[start - 1:end]) + "</recordset></datastore>")
            path = canonical_path(f"{PROXY}?startrecord={start}&endrecord={end}&perpage={per_page}&{params}")
            self.docs.append(PortalDocument(path, answer.encode("utf-8"), "text/xml; charset=utf-8"))
        store = (f'<div id="35{index:02d}"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="{PROXY}?{params}">'
                 f"</a>]]></nextgroup><recordset>{''.join(records[:step])}</recordset></datastore></script></div>")
        script = (f"<script>$(function(){{ $('#35{index:02d}').jpage({{ dataStore: dataStore, proxyUrl: '{PROXY}', "
                  f"perPage: {per_page}, totalRecord: {len(records)}, groupSize: {group}, barPosition: 'bottom' }}); }});</script>")
        return self.html(f"/col/col{column_id}/index.html", heading, f"<h1>{escape(heading)}</h1>{store}{script}", crumbs)


def county_site(base_url: str, agencies: list[AgencyPlan], county: str = "夏县", page_size: int = 2,
                foreign_url: str | None = None, moved: bool = True, slow_delay: float = 0.3, trap: int = 0) -> CountySite:
    """Every document of the county portal, the faults to serve (the slow page), and where the columns are.
    `trap` > 0 adds a runaway section: an index of that many agency-like pages, each linking three more."""
    b = _Builder(base_url, county, page_size)
    columns: dict[str, str] = {}
    old_columns: dict[str, str] = {}
    walk_pages = ["/index.html", "/xxgk/index.html", "/xxgk/bmxxgk/index.html", "/xxgk/xzxxgk/index.html"]
    departments = [p for p in agencies if p.kind == "department"]
    townships = [p for p in agencies if p.kind == "township"]
    xxgk = ("/xxgk/index.html", "政府信息公开")
    dept_section = ("/xxgk/bmxxgk/index.html", "部门信息公开")
    town_section = ("/xxgk/xzxxgk/index.html", "乡镇信息公开")

    for i, plan in enumerate(agencies):
        if plan.kind == "government":
            columns[plan.name] = b.column(plan, "/xxgk/xxgknb/", xxgk, i)
        elif plan.kind == "department":
            home = f"/xxgk/bmxxgk/{plan.slug}/"
            directory = f"{home}{'zfxxgknb' if plan.moved and moved else 'ndbg'}/"
            path = b.column(plan, directory, dept_section, i)
            columns[plan.name] = path
            if plan.moved:
                old_columns[plan.name] = f"{home}ndbg/index.html"
            crumbs = [("/index.html", b.gov), dept_section, (None, plan.name)] if plan.attribution == "breadcrumb" else None
            heading = plan.name if plan.attribution != "section" else "机构信息"
            body = (f"<h1>{escape(heading)}</h1><ul class=\"links\"><li><a href=\"{path}\">政府信息公开年报</a></li>"
                    f'<li><a href="{home}tzgg/index.html" title="信息公开·通知公告">通知公告</a></li>'
                    '<li><a href="/xxgk/bmxxgk/index.html">返回部门信息公开</a></li></ul>')
            walk_pages.append(b.html(f"{home}index.html", plan.name, body, crumbs))
            b.html(f"{home}tzgg/index.html", "通知公告", "<h1>通知公告</h1>" + _list([
                (f"{home}tzgg/a1.html", f"关于报送{2023}年度工作总结报告的通知", "2024-01-05")]), crumbs)
            walk_pages.append(f"{home}tzgg/index.html")
        else:
            home = f"/xxgk/xzxxgk/{plan.slug}/"
            path = b.column(plan, f"{home}xxgk/ndbg/", town_section, i)
            columns[plan.name] = path
            crumbs = [("/index.html", b.gov), town_section, (None, plan.name)] if plan.attribution == "breadcrumb" else None
            walk_pages.append(b.html(f"{home}index.html", plan.name, f'<h1>{escape(plan.name)}</h1><p><a href="{home}xxgk/index.html">'
                                     "政府信息公开</a></p>", crumbs))
            walk_pages.append(b.html(f"{home}xxgk/index.html", "政府信息公开", '<h1>政府信息公开</h1><ul class="links">'
                                     f'<li><a href="{path}">政府信息公开年报</a></li></ul>', crumbs))

    latest = [(h, t, d) for h, t, d in (("/xxgk/tzgg/n1.html", f"{county}召开2024年政务公开工作会议", "2024-02-01"),
                                        ("/xxgk/tzgg/n2.html", f"{county}春季植树活动启动", "2024-02-02"),
                                        ("/xxgk/tzgg/n3.html", "关于开展安全生产检查的通知", "2024-02-03"))]
    if departments and departments[0].reports:
        r = departments[0].reports[-1]
        latest.append((f"/xxgk/bmxxgk/{departments[0].slug}/ndbg/{r.published:%Y%m}/{r.slug}.html", r.title, f"{r.published:%Y-%m-%d}"))
    foreign = (f'<li><a href="{escape(foreign_url)}/xxgk/xxgknb/index.html">邻县政府信息公开年报</a></li>' if foreign_url else "")
    b.html("/index.html", f"{county}人民政府", f'<div class="logo">{escape(county)}人民政府门户网站</div><h2>最新信息</h2>'
           f'{_list(latest)}<div class="links"><h3>专题专栏</h3><ul><li><a href="{UNKNOWN_COLUMN}">年报专栏</a></li></ul>'
           f'<h3>友情链接</h3><ul>{foreign}</ul></div>')
    # A column nothing tells the agency of: found, kept with the agency unknown, listed for review.
    b.html(UNKNOWN_COLUMN, "年度报告专栏", "<h1>年度报告专栏</h1>" + _list([]))
    b.html("/xxgk/index.html", "政府信息公开", '<h1>政府信息公开</h1><ul class="links">'
           f'<li><a href="{columns.get(b.gov, "/xxgk/xxgknb/index.html")}">政府信息公开年报</a></li>'
           '<li><a href="/xxgk/tzgg/index.html" title="政府信息公开·通知公告">通知公告</a></li>'
           '<li><a href="/xxgk/zcjd/index.html" title="政府信息公开·政策解读">政策解读</a></li>'
           '<li><a href="/xxgk/gkml/index.html">政府信息公开目录</a></li>'
           + ('<li><a href="/xxgk/jgxx/index.html">机构信息公开</a></li>' if trap else "") +
           '<li><a href="/xxgk/test/ndbg/index.html">政府信息公开年报（测试栏目）</a></li></ul>', [("/index.html", b.gov), (None, "政府信息公开")])
    walk_pages += ["/xxgk/tzgg/index.html", "/xxgk/zcjd/index.html", "/xxgk/gkml/index.html", "/xxgk/gkml/more.html"]
    b.html("/xxgk/tzgg/index.html", "通知公告", "<h1>通知公告</h1>" + _list([
        ("/xxgk/tzgg/n4.html", "关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", "2023-12-20"),
        ("/xxgk/tzgg/n5.html", f"{county}2023年度国民经济和社会发展统计公报", "2024-03-01"),
        ("/xxgk/tzgg/n6.html", "关于2023年度财政预算执行情况的报告", "2024-01-20")]), [("/index.html", b.gov), xxgk, (None, "通知公告")])
    b.html("/xxgk/zcjd/index.html", "政策解读", "<h1>政策解读</h1>" + _list([
        ("/xxgk/zcjd/j1.html", f"《{county}2023年度政府工作报告》解读", "2024-01-25"),
        ("/xxgk/zcjd/j2.html", "图解：2023年度政府信息公开工作年度报告", "2024-01-30")]), [("/index.html", b.gov), xxgk, (None, "政策解读")])
    b.html("/xxgk/gkml/index.html", "政府信息公开目录", '<h1>政府信息公开目录</h1><p><a href="/xxgk/gkml/more.html">更多信息公开目录</a></p>')
    b.html("/xxgk/gkml/more.html", "更多信息公开目录", '<h1>更多信息公开目录</h1><p><a href="/xxgk/gkml/index.html">政府信息公开目录</a></p>')
    test_plan = AgencyPlan(f"{county}测试单位", "department", "test", sample_reports(f"{county}测试单位", (2023,), 99))
    b.column(test_plan, "/xxgk/test/ndbg/", None, 99)
    b.html("/xxgk/bmxxgk/index.html", "部门信息公开", "<h1>部门信息公开</h1><ul class=\"links\">" + "".join(
        f'<li><a href="/xxgk/bmxxgk/{p.slug}/index.html">{escape(p.name)}</a></li>' for p in departments) + "</ul>",
        [("/index.html", b.gov), (None, "部门信息公开")])
    b.html("/xxgk/xzxxgk/index.html", "乡镇信息公开", "<h1>乡镇信息公开</h1><ul class=\"links\">" + "".join(
        f'<li><a href="/xxgk/xzxxgk/{p.slug}/index.html">{escape(p.name)}</a></li>' for p in townships) + "</ul>",
        [("/index.html", b.gov), (None, "乡镇信息公开")])
    if trap:
        b.html("/xxgk/jgxx/index.html", "机构信息公开", "<h1>机构信息公开</h1>" + "".join(
            f'<p><a href="/xxgk/jgxx/c{i}.html">{escape(county)}第{i}便民服务中心</a></p>' for i in range(trap)))
        for i in range(trap):
            b.html(f"/xxgk/jgxx/c{i}.html", f"第{i}便民服务中心", f"<h1>{escape(county)}第{i}便民服务中心</h1>" + "".join(
                f'<p><a href="/xxgk/jgxx/c{j}_{i}.html">{escape(county)}第{j}便民服务中心分中心</a></p>' for j in range(3)))
    b.docs.append(PortalDocument("/robots.txt", b"User-agent: *\nDisallow: /xxgk/test/\n", "text/plain"))
    faults = {"/xxgk/xzxxgk/index.html": Fault(delay=slow_delay)} if slow_delay else {}
    return CountySite(b.docs, faults, columns, [UNKNOWN_COLUMN], old_columns, walk_pages)


def serve_county(agencies: list[AgencyPlan] | None = None, county: str = "夏县", host: str = "127.0.0.1", port: int = 0,
                 **layout) -> tuple[ServedPortal, CountySite]:
    """Serve a county portal (by default `county_plan()`); returns the running portal and its layout."""
    portal = Portal((), None, host, port)
    site = county_site(portal.base_url, agencies if agencies is not None else county_plan(county), county, **layout)
    serve_site(portal, site)
    return ServedPortal(portal.start(), portal.stop, portal), site


def serve_site(portal: Portal, site: CountySite) -> None:
    """Make `portal` serve `site` instead of what it served (a new year's layout: moved columns 404)."""
    for path in set(portal.documents) - {d.path for d in site.documents}:
        portal.remove(path)
    for document in site.documents:
        portal.put(document)
    for path, fault in site.faults.items():
        portal.set_fault(path, fault)
