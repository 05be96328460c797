"""A whole county from one address: discovery over the county test portal (xxgk/portal/county.py),
on real HTTP servers on 127.0.0.1, politeness off and small delays."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from extract.harvest.listings import read_listing
from extract.harvest.registry import Rules, parse_registry
from extract.harvest.run import harvest
from extract.harvest.sitewalk import agency_name, is_annual_report
from harvest_support import FAST, query
from xxgk.cli import cli
from xxgk.portal import serve_portal
from xxgk.portal.county import county_plan, county_site, serve_county, serve_site


def county_source(base_url: str, **overrides) -> dict:
    host = base_url.removeprefix("http://")
    entry = {"id": "xiaxian", "region_code": "140828", "name": "夏县（演示）", "discover_from": [f"{base_url}/index.html"],
             "allowed_hosts": [host], "allow_private_addresses": True, "politeness": dict(FAST)}
    entry.update(overrides)
    return entry


def source_of(entry: dict):
    return parse_registry({"sources": [entry]}).sources[0]


def columns(data) -> dict[str, dict]:
    return {r["url"]: r for r in query(data, "SELECT * FROM harvest_columns")}


@pytest.fixture(scope="module")
def neighbour():
    served = serve_portal([("/xxgk/xxgknb/index.html", "<h1>政府信息公开年报</h1>".encode(), "text/html; charset=utf-8")])
    yield served
    served.stop()


@pytest.fixture(scope="module")
def county(neighbour, tmp_path_factory):
    served, site = serve_county(foreign_url=neighbour.base_url, slow_delay=0.2)
    data = tmp_path_factory.mktemp("county")
    source = source_of(county_source(served.base_url))
    first = harvest([source], data)
    yield {"served": served, "site": site, "data": data, "source": source, "first": first}
    served.stop()


def test_from_the_root_alone_every_column_is_found_and_attributed(county):
    base, site = county["served"].base_url, county["site"]
    found = columns(county["data"])
    expected = {base + path: agency for agency, path in site.columns.items()}
    assert len(expected) == 29  # the county government, 20 departments, 8 townships
    expected.update({base + path: None for path in site.unknown_columns})  # kept, the agency unknown
    assert {url: row["agency"] for url, row in found.items()} == expected
    assert {row["agency_basis"] for row in found.values()} == {"breadcrumb", "heading", "section", None}
    assert {r for row in found.values() for r in (row["readers"] or "").split(",") if r} == {"links", "hanweb", "json"}
    assert all(row["status"] == "active" for row in found.values())
    walk = county["first"].discoveries["xiaxian"]
    assert walk.status == "complete" and walk.pages <= 400


def test_every_report_is_stored_once(county):
    plans = county_plan()
    titles = {r.title for p in plans for r in p.reports}
    rows = query(county["data"], "SELECT entry_title, url, sha256, outcome, column_url FROM harvest_fetches WHERE kind = 'entry'")
    assert {r["entry_title"] for r in rows} == titles
    assert len(rows) == len({r["url"] for r in rows}) == len(titles)  # each report page fetched once
    assert all(r["outcome"] == "new" and r["column_url"] for r in rows)
    attachments = query(county["data"], "SELECT count(*) AS n, count(DISTINCT sha256) AS blobs FROM harvest_fetches WHERE kind = 'attachment'")
    assert attachments[0]["n"] == sum(len(r.attachments) for p in plans for r in p.reports)
    assert county["first"].documents("failed") == 0
    listings = {r["url"] for r in query(county["data"], "SELECT url FROM harvest_fetches WHERE kind = 'listing'")}
    assert any("dataproxy.jsp?startrecord=" in u for u in listings)  # Hanweb's later groups
    assert any("/articles?page=2" in u for u in listings)  # a JSON endpoint's second page
    assert any(u.endswith("/index_1.html") for u in listings)  # TRS pagination


def test_nothing_off_host_or_forbidden_is_requested(county, neighbour):
    assert neighbour.portal.requests == []
    asked = [r.path for r in county["served"].portal.requests]
    assert not [p for p in asked if p.startswith(county["site"].forbidden)]
    skips = query(county["data"], "SELECT url, reason FROM harvest_skips")
    assert any(neighbour.base_url in s["url"] and "allowed_hosts" in s["reason"] for s in skips)
    assert any("/xxgk/test/" in s["url"] and "robots.txt" in s["reason"] for s in skips)
    # every page of the walk asked once: the 公开目录 pages that link each other are no loop for it
    walk_requests = [p for p in asked if p in county["site"].walk_pages]
    assert sorted(walk_requests) == sorted(set(walk_requests)) and "/xxgk/gkml/more.html" in walk_requests
    assert "/xxgk/xzxxgk/index.html" in walk_requests  # the slow page was waited for
    # noise: 通知公告 and 政策解读 were looked at and are no columns
    assert {"/xxgk/tzgg/index.html", "/xxgk/zcjd/index.html"} <= set(asked)
    assert not [u for u in columns(county["data"]) if "/tzgg/" in u or "/zcjd/" in u]


def test_a_second_night_asks_only_the_known_columns_conditionally(county):
    portal, site = county["served"].portal, county["site"]
    portal.reset_log()
    again = harvest([county["source"]], county["data"])
    assert again.discoveries == {}  # discovery is weekly
    asked = [r for r in portal.requests if r.path != "/robots.txt"]
    assert asked and not {r.path for r in asked} & set(site.walk_pages)
    assert all(r.if_none_match for r in asked)
    assert again.documents("new", "changed", "failed") == 0


def test_a_weekly_discovery_finds_the_column_that_moved(neighbour, tmp_path):
    plans = county_plan()
    served, last_year = serve_county(plans, moved=False, slow_delay=0)
    try:
        source = source_of(county_source(served.base_url))
        harvest([source], tmp_path)
        this_year = county_site(served.base_url, plans, moved=True, slow_delay=0)
        serve_site(served.portal, this_year)
        moved = next(p.name for p in plans if p.moved)
        old, new = served.base_url + last_year.columns[moved], served.base_url + this_year.columns[moved]
        assert old != new
        tomorrow = harvest([source], tmp_path, now=datetime.now().astimezone() + timedelta(days=1))
        assert tomorrow.discoveries == {}
        assert query(tmp_path, "SELECT outcome FROM harvest_fetches WHERE url = ? ORDER BY fetch_id DESC LIMIT 1", [old])[0]["outcome"] == "failed"
        week = harvest([source], tmp_path, now=datetime.now().astimezone() + timedelta(days=8))
        assert "xiaxian" in week.discoveries
        found = columns(tmp_path)
        assert found[new]["agency"] == moved and found[new]["status"] == "active"
        assert found[old]["status"] == "gone" and found[old]["gone_since"] is not None  # kept, marked
        assert len(found) == 31
        fetched = query(tmp_path, "SELECT DISTINCT url FROM harvest_fetches WHERE column_url = ? AND kind = 'entry'", [new])
        assert len(fetched) == len(next(p for p in plans if p.moved).reports)
    finally:
        served.stop()


def test_the_budget_stops_a_runaway_walk_with_a_clear_message(tmp_path):
    served, _site = serve_county(county_plan(departments=2, townships=1), slow_delay=0, trap=500)  # 500 "agencies" more
    try:
        source = source_of(county_source(served.base_url))  # the default budget: 400 pages
        report = harvest([source], tmp_path)
    finally:
        served.stop()
    walk = report.discoveries["xiaxian"]
    assert walk.status == "budget" and walk.pages == 400
    assert "page budget (400 pages)" in walk.message and "discovery.max_pages" in walk.message
    rows = query(tmp_path, "SELECT status, message FROM harvest_discoveries")
    assert rows[0]["status"] == "budget" and "page budget" in rows[0]["message"]
    assert len(served.portal.requests) < 450  # the walk stopped there; the columns it found were still read


def test_cli_discovers_on_demand_and_lists_columns(county, tmp_path):
    registry = tmp_path / "sources.yaml"
    import yaml

    registry.write_text(yaml.safe_dump({"sources": [county_source(county["served"].base_url)]}, allow_unicode=True),
                        encoding="utf-8")
    runner = CliRunner()
    data = tmp_path / "data"
    result = runner.invoke(cli, ["harvest", "--sources", str(registry), "--data", str(data), "--no-progress", "--discover"])
    assert result.exit_code == 0, result.output
    assert "discovery" in result.output
    listed = runner.invoke(cli, ["sources", "columns", "--data", str(data), "--source", "xiaxian"])
    assert listed.exit_code == 0, listed.output
    assert "夏县财政局" in listed.output and "年报 columns: 30" in listed.output
    assert "review: xiaxian: the agency of" in listed.output and "/zt/ndbg/index.html" in listed.output
    none = runner.invoke(cli, ["sources", "columns", "--data", str(data), "--source", "other"])
    assert "no columns found yet" in none.output


# ---------------------------------------------------------------- the words and the readers


def test_agency_names_and_annual_reports():
    assert agency_name("夏县民政局政府信息公开年报") == "夏县民政局"
    assert agency_name("当前位置：夏县财政局") == "夏县财政局"
    for text in ("政府信息公开年报", "部门信息公开", "乡镇", "政府信息公开", "2023年夏县财政局"):
        assert agency_name(text) is None, text
    assert is_annual_report("夏县财政局2023年政府信息公开工作年度报告")
    for text in ("关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", "《夏县2023年度政府工作报告》解读",
                 "政府信息公开年报"):
        assert not is_annual_report(text), text


HANWEB = """<html><body><h1>政府信息公开年报</h1><div id="3501"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=1&columnid=77"></a>]]></nextgroup>
<recordset><record><![CDATA[<li><a href="/art/2024/1/15/art_77_1.html" title="夏县水利局2023年政府信息公开工作年度报告">夏县水利局2023年…</a><span>2024-01-15</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2023/1/12/art_77_2.html">夏县水利局2022年政府信息公开工作年度报告</a><span>2023-01-12</span></li>]]></record>
</recordset></datastore></script></div>
<script>$('#3501').jpage({proxyUrl:'/module/web/jpage/dataproxy.jsp', perPage: 2, totalRecord: 7, groupSize: 1});</script></body></html>"""


def test_hanweb_inline_datastore_and_data_proxy_pages():
    listing = read_listing(HANWEB, "http://x.gov.cn/col/col77/index.html", Rules())
    entries = {l.url: l for l in listing.entries}
    assert set(entries) == {"http://x.gov.cn/art/2024/1/15/art_77_1.html", "http://x.gov.cn/art/2023/1/12/art_77_2.html"}
    assert entries["http://x.gov.cn/art/2024/1/15/art_77_1.html"].text == "夏县水利局2023年政府信息公开工作年度报告"
    assert entries["http://x.gov.cn/art/2024/1/15/art_77_1.html"].published_on.isoformat() == "2024-01-15"
    pages = [l.url for l in listing.links if l.kind == "listing"]
    assert pages == [f"http://x.gov.cn/module/web/jpage/dataproxy.jsp?startrecord={s}&endrecord={e}&perpage=2&page=1&webid=1&columnid=77"
                     for s, e in ((3, 4), (5, 6), (7, 7))]
    assert listing.readers == ("hanweb",)
    answer = ('<?xml version="1.0" encoding="UTF-8"?><datastore><recordset><record><![CDATA[<li><a href="/art/2021/1/9/art_77_5.html">'
              "夏县水利局2020年政府信息公开工作年度报告</a></li>]]></record></recordset></datastore>")
    later = read_listing(answer, pages[0], Rules())
    assert [l.url for l in later.links] == ["http://x.gov.cn/art/2021/1/9/art_77_5.html"]


def test_json_endpoint_named_in_the_page_and_its_pages():
    page = '<html><body><h1>年报</h1><div data-list-url="/api/columns/sj/articles?page=1"></div></body></html>'
    listing = read_listing(page, "http://x.gov.cn/sj/nb/index.html", Rules())
    assert [l.url for l in listing.links] == ["http://x.gov.cn/api/columns/sj/articles?page=1"]
    answer = ('{"page": 1, "totalPage": 3, "data": [{"title": "夏县审计局2023年政府信息公开工作年度报告", "url": "/sj/2024/a.html",'
              ' "publishDate": "2024-01-20 09:00"}, {"title": "审计工作动态", "url": "/sj/b.html"}]}')
    read = read_listing(answer, "http://x.gov.cn/api/columns/sj/articles?page=1", Rules())
    assert [(l.url, l.kind) for l in read.links] == [
        ("http://x.gov.cn/sj/2024/a.html", "entry"), ("http://x.gov.cn/api/columns/sj/articles?page=2", "listing"),
        ("http://x.gov.cn/api/columns/sj/articles?page=3", "listing")]
    assert read.links[0].published_on.isoformat() == "2024-01-20"
    in_script = ('<html><head><link rel="manifest" href="/site/manifest.json"></head><body>'
                 '<script>$.getJSON("/xxgk/nb/list.json?page=1", render);</script></body></html>')
    assert [l.url for l in read_listing(in_script, "http://x.gov.cn/nb/", Rules()).links] == ["http://x.gov.cn/xxgk/nb/list.json?page=1"]


# ---------------------------------------------------------------- the column's agency in the warehouse


def test_the_columns_agency_names_a_report_and_a_mismatch_is_flagged():
    from flows.nightly import with_column_agency, with_listing_title

    record = {"status": "ok", "agency": None, "year": 2023, "issues": [], "values": {}}
    named = with_listing_title(with_column_agency(record, "夏县财政局"), "夏县民政局2023年政府信息公开工作年度报告")
    assert named["agency"] == "夏县财政局" and named["status"] == "ok"  # the column wins over the listing's title
    assert [i["code"] for i in named["issues"]] == ["note.agency_from_column"]
    fuller = dict(record, agency="运城市夏县财政局")
    assert with_column_agency(fuller, "夏县财政局") is fuller  # the same agency with its region in front
    other = with_column_agency(dict(record, agency="夏县教育局"), "夏县财政局")
    assert other["agency"] == "夏县财政局" and other["status"] == "flagged"
    assert other["issues"][0]["code"] == "source.agency_mismatch" and "夏县教育局" in other["issues"][0]["message"]
    assert with_column_agency(dict(record, status="failed"), "夏县财政局")["agency"] is None


def test_a_listing_that_claims_a_billion_records_lists_a_bounded_number_of_pages():
    from extract.harvest.listings.hanweb import MAX_GROUPS

    listing = read_listing(HANWEB.replace("totalRecord: 7", "totalRecord: 999999999"), "http://x.gov.cn/col/col77/index.html",
                           Rules())
    assert sum(l.kind == "listing" for l in listing.links) == MAX_GROUPS
