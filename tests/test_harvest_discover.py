"""Link discovery on listing and report pages: defaults, custom rules, pagination styles, dates."""

from __future__ import annotations

from datetime import date

from extract.harvest.discover import discover_attachments, discover_listing, normalize_url
from extract.harvest.registry import Rules

BASE = "http://www.xiaxian.gov.cn/xxgk/zfxxgknb/index.html"
LISTING = """<html><body>
<div class="nav"><a href="/xxgk/zn/index.html">政府信息公开指南</a><a href="/xxgk/zfxxgknb/">政府信息公开年报</a>
<a href="/xxgk/zfxxgk/zd.html">政府信息公开制度</a></div>
<ul class="list">
 <li><a href="./202401/t20240115_1.html" title="夏县2023年政府信息公开工作年度报告">夏县2023年政府信息公开工作年…</a><span>2024-01-15</span></li>
 <li><a href="/xxgk/zfxxgknb/202301/t20230120_2.html">夏县2022年政府信息公开年报</a><span>2023年01月20日</span></li>
 <li><a href="http://www.xiaxian.gov.cn/xxgk/zfxxgknb/202201/P020220118.pdf">2021年度报告（PDF）</a> 2022/1/18</li>
 <li><a href="http://other.gov.cn/x/2020.html">其他县2020年政府信息公开工作年度报告</a></li>
 <li><a href="javascript:void(0)">2019年政府信息公开工作年度报告</a></li>
 <li><a href="./202001/t20200110_9.html#top">2019年政府信息公开情况</a></li>
</ul>
<div class="page"><a href="index.html">首页</a><a href="index_1.html">下一页</a><a href="index_5.html">尾页</a></div>
</body></html>"""


def by_kind(links, kind):
    return {link.url: link for link in links if link.kind == kind}


def test_default_entries_titles_and_dates():
    links = discover_listing(LISTING, BASE, Rules())
    entries = by_kind(links, "entry")
    first = entries["http://www.xiaxian.gov.cn/xxgk/zfxxgknb/202401/t20240115_1.html"]
    assert first.text == "夏县2023年政府信息公开工作年度报告"  # the full title attribute, not the cut text
    assert first.published_on == date(2024, 1, 15)
    assert entries["http://www.xiaxian.gov.cn/xxgk/zfxxgknb/202301/t20230120_2.html"].published_on == date(2023, 1, 20)
    # off-host entries are discovered (the run loop refuses them), fragments dropped
    assert "http://other.gov.cn/x/2020.html" in entries
    assert "http://www.xiaxian.gov.cn/xxgk/zfxxgknb/202001/t20200110_9.html" in entries
    # navigation is not an entry
    assert not any("zn/" in u or "zd.html" in u for u in entries)
    attachment = by_kind(links, "attachment")["http://www.xiaxian.gov.cn/xxgk/zfxxgknb/202201/P020220118.pdf"]
    assert attachment.published_on == date(2022, 1, 18)


def test_pagination_fills_in_the_pages_between():
    listings = set(by_kind(discover_listing(LISTING, BASE, Rules()), "listing"))
    expected = {f"http://www.xiaxian.gov.cn/xxgk/zfxxgknb/index_{n}.html" for n in range(1, 6)}
    assert expected <= listings
    assert "http://www.xiaxian.gov.cn/xxgk/zn/index.html" not in listings


def test_trs_create_page_script():
    html = """<html><body><ul><li><a href="./a.html">2023年政府信息公开工作年度报告</a></li></ul>
    <script>createPageHTML(4, 0, "index", "shtml");</script></body></html>"""
    listings = set(by_kind(discover_listing(html, "http://x.gov.cn/ndbg/index.shtml", Rules()), "listing"))
    assert listings == {f"http://x.gov.cn/ndbg/index_{n}.shtml" for n in (1, 2, 3)}


def test_custom_rules():
    rules = Rules(entry_selector="ul.list li", entry_text=r"年报$", pagination_selector="div.page a:nth-child(2)")
    links = discover_listing(LISTING, BASE, rules)
    assert list(by_kind(links, "entry")) == ["http://www.xiaxian.gov.cn/xxgk/zfxxgknb/202301/t20230120_2.html"]
    assert list(by_kind(links, "listing")) == ["http://www.xiaxian.gov.cn/xxgk/zfxxgknb/index_1.html"]


def test_attachments_on_report_pages():
    html = """<html><head><base href="http://www.xiaxian.gov.cn/files/"></head><body>
    <p>附件：<a href="P1.pdf">年度报告.pdf</a> <a href="P2.DOCX">统计表</a> <a href="t.html">相关</a>
    <a href="/a/P3.wps?t=1">WPS版</a></p><iframe src="P4.xls"></iframe></body></html>"""
    links = discover_attachments(html, "http://www.xiaxian.gov.cn/xxgk/t1.html", Rules())
    assert [link.url for link in links] == [
        "http://www.xiaxian.gov.cn/files/P1.pdf", "http://www.xiaxian.gov.cn/files/P2.DOCX",
        "http://www.xiaxian.gov.cn/a/P3.wps?t=1", "http://www.xiaxian.gov.cn/files/P4.xls",
    ]
    assert links[0].text == "年度报告.pdf"
    only_text = discover_attachments(html, "http://www.xiaxian.gov.cn/xxgk/t1.html", Rules(attachment_text="统计"))
    assert [link.url for link in only_text] == ["http://www.xiaxian.gov.cn/files/P2.DOCX"]


def test_normalize_url():
    assert normalize_url("http://A.gov.cn/x/", " ../b.html#f ") == "http://a.gov.cn/b.html"
    assert normalize_url("http://a.gov.cn/x/", "//cdn.gov.cn/a.pdf") == "http://cdn.gov.cn/a.pdf"
    assert normalize_url("http://a.gov.cn/", "mailto:x@y") is None
    assert normalize_url("http://a.gov.cn/", "..\\b.html") == "http://a.gov.cn/b.html"
    assert discover_listing("", BASE, Rules()) == []
