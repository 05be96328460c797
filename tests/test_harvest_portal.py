"""The local portal itself: any (path, bytes, type) list, generated demo content that says so, faults."""

from __future__ import annotations

import httpx

from extract.sniff import sniff
from xxgk.portal import Fault, demo_reports, demo_site, placeholder, serve_demo, serve_portal
from xxgk.portal.demo import DEMO_NOTICE, FORMATS


def client() -> httpx.Client:
    return httpx.Client(trust_env=False, timeout=5)


def test_serves_plain_tuples_and_unpacks_to_base_url_and_stop():
    base_url, stop = serve_portal([("/a.txt", "甲".encode("gbk"), "text/plain; charset=gbk")])
    try:
        assert base_url.startswith("http://127.0.0.1:")
        with client() as c:
            response = c.get(base_url + "/a.txt")
            assert response.status_code == 200 and response.content == "甲".encode("gbk")
            assert c.get(base_url + "/missing").status_code == 404
            etag = response.headers["etag"]
            assert c.get(base_url + "/a.txt", headers={"If-None-Match": etag}).status_code == 304
    finally:
        stop()


def test_demo_content_is_generated_and_says_so():
    documents, faults = demo_site("http://127.0.0.1:1", reports=12, faults=True)
    assert faults
    for document in documents:
        if document.path.endswith(".html"):
            codec = "utf-8"
            for candidate in ("utf-8", "gb18030"):
                try:
                    document.body.decode(candidate)
                    codec = candidate
                    break
                except UnicodeDecodeError:
                    continue
            assert DEMO_NOTICE in document.body.decode(codec), document.path
    for fmt in FORMATS:
        data = placeholder(fmt, "x")
        assert sniff(data) == fmt
    assert all("演示县" in r.title for r in demo_reports(5))


def test_faults_on_demand():
    served = serve_portal([("/a.html", b"<html>a</html>", "text/html")],
                          faults={"/a.html": Fault(status=500, times=1), "/r": Fault(redirect="/a.html")})
    try:
        with client() as c:
            assert c.get(served.base_url + "/a.html").status_code == 500
            assert c.get(served.base_url + "/a.html").status_code == 200
            assert c.get(served.base_url + "/r").headers["location"] == "/a.html"
        assert served.portal.hits["/a.html"] == 2
        served.portal.set_body("/a.html", b"<html>b</html>")
        with client() as c:
            assert c.get(served.base_url + "/a.html").content == b"<html>b</html>"
    finally:
        served.stop()


def test_demo_portal_has_paginated_columns():
    served = serve_demo(reports=30, page_size=5)
    try:
        with client() as c:
            first = c.get(served.base_url + "/xxgk/xxgknb/index.html")
            assert first.headers["content-type"] == "text/html" and b'charset="gbk"' in first.content
            assert "下一页".encode("gbk") in first.content
            utf8 = c.get(served.base_url + "/ndbg/index.html")
            assert utf8.headers["content-type"] == "text/html; charset=utf-8" and b"createPageHTML(2, 0" in utf8.content
            assert c.get(served.base_url + "/xxgk/xxgknb/index_1.html").status_code == 200
            assert b"Disallow: /private/" in c.get(served.base_url + "/robots.txt").content
    finally:
        served.stop()
