"""A report page whose report is scanned pictures kept as files (`<img src="…jpg">`): the harvest
fetches the page's pictures (not the site's logos and icons, once, politely) and the page is read
with them by OCR as one document; a picture that could not be fetched fails the page by name."""

from __future__ import annotations

from datetime import date

import pytest

from extract.harvest.discover import discover_pictures
from extract.harvest.run import harvest
from flows.nightly import (
    extract_batch, extracted_dir, extraction_jobs, harvested_documents, page_pictures, pending_documents,
)
from harvest_support import fetches, make_source, query, raw_files
from xxgk.generate import make_spec
from xxgk.generate.htmlpage import render_scan_page
from xxgk.portal import Portal, Report, ServedPortal, build_site

TITLE = "{agency}{year}年政府信息公开工作年度报告"


def _body(page: bytes) -> str:
    text = page.decode("utf-8")
    return text[text.index("<body>") + 6:text.index("</body>")]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    spec = make_spec(41, "2021", agency="夏县财政局", year=2023)
    page, files = render_scan_page(spec, 200, ruled=True, thumbnails=True)
    broken_spec = make_spec(42, "2019", agency="夏县民政局", year=2020)
    broken_page, broken_files = render_scan_page(broken_spec, 150, ruled=True)
    missing = sorted(n for n in broken_files if n.endswith("_2.jpg"))[0]
    served_broken = {n: b for n, b in broken_files.items() if n != missing}
    scan_jpg = files[sorted(n for n in files if n.endswith("_1_s.jpg"))[0]]  # any picture: linked, not shown
    reports = [
        Report(TITLE.format(agency=spec.agency, year=2023), date(2024, 1, 12), _body(page), slug="t20240112_1", files=files),
        Report(TITLE.format(agency=broken_spec.agency, year=2020), date(2021, 1, 15), _body(broken_page),
               slug="t20210115_2", files=served_broken),
        Report(TITLE.format(agency="夏县水利局", year=2022), date(2023, 1, 18),
               '<p>见附件：<a href="scan_2022.jpg">夏县水利局2022年年报（扫描件）.jpg</a></p>', slug="t20230118_3",
               files={"scan_2022.jpg": scan_jpg}),
    ]
    portal = Portal()
    for document in build_site(portal.base_url, reports, columns=1):
        portal.put(document)
    served = ServedPortal(portal.start(), portal.stop, portal)
    data = tmp_path_factory.mktemp("pictures")
    source = make_source(served.base_url, ["/xxgk/xxgknb/index.html"])
    first = harvest([source], data)
    yield {"served": served, "data": data, "source": source, "first": first, "spec": spec, "missing": missing,
           "broken_files": broken_files, "files": files}
    served.stop()


def _requested(site) -> list[str]:
    return [r.path.rsplit("/", 1)[-1] for r in site["served"].portal.requests]


def _page_row(site, agency: str) -> dict:
    return next(r for r in fetches(site["data"]) if r["kind"] == "entry" and agency in (r["link_text"] or ""))


def test_the_pages_pictures_are_fetched_with_it_and_the_sites_are_not(site):
    data, files = site["data"], site["files"]
    assert site["first"].status == "completed"
    page = _page_row(site, "夏县财政局")
    pictures = [r for r in fetches(data) if r["picture_of"] == page["sha256"]]
    full = sorted(n for n in files if n.endswith(".jpg") and not n.endswith("_s.jpg"))
    # the full-size pictures the previews link, in page order, each stored once; previews, logo, icon never asked
    assert [r["url"].rsplit("/", 1)[-1] for r in sorted(pictures, key=lambda r: r["picture_index"])] == full
    assert [r["picture_index"] for r in sorted(pictures, key=lambda r: r["picture_index"])] == list(range(1, len(full) + 1))
    assert all(r["kind"] == "attachment" and r["outcome"] == "new" and r["parent_url"] == page["url"] for r in pictures)
    requested = _requested(site)
    assert all(requested.count(name) == 1 for name in full)  # linked and shown: fetched once, as a picture
    assert not [name for name in requested if "logo" in name or "jiucuo" in name]
    assert not any(name.endswith("_s.jpg") for name in requested)
    # the pictures are no documents of their own; an image linked as a file still is one (extract/image.py)
    documents = set(harvested_documents(data))
    assert page["sha256"] in documents and not {r["sha256"] for r in pictures} & documents
    linked = next(r for r in fetches(data) if r["url"].endswith("/scan_2022.jpg"))
    assert linked["kind"] == "attachment" and linked["picture_of"] is None and linked["sha256"] in documents


def test_the_page_and_its_pictures_read_by_ocr_as_one_report(site):
    data, spec = site["data"], site["spec"]
    page = _page_row(site, "夏县财政局")
    job = next(j for j in pending_documents(data) if j["sha256"] == page["sha256"])
    assert len(job["pictures"]["files"]) == 2 and job["pictures"]["failed"] == {}
    extract_batch.fn(str(data), [job])
    import json

    record = json.loads((extracted_dir(data) / f"{page['sha256']}.json").read_text(encoding="utf-8"))
    assert record["format"] == "html" and record["agency"] == spec.agency and record["year"] == 2023
    codes = {i["code"] for i in record["issues"]}
    assert "note.ocr" in codes
    unsure = {k for i in record["issues"] if i["code"] == "extractor.ocr_unsure" for k in i["keys"]}
    wrong = {k: (v, spec.figures[k]) for k, v in record["values"].items() if v is not None and v != spec.figures[k]}
    assert wrong == {}  # never a wrong figure
    assert {k for k, v in record["values"].items() if v is None} <= unsure
    assert record["status"] == ("ok" if not unsure else "flagged")
    assert page["sha256"] not in {j["sha256"] for j in pending_documents(data)}  # read: not pending again
    # The desk shows the page as its pictures, read again with them, each figure boxed where OCR found it.
    from PIL import Image

    from extract.harvest.store import RawStore
    from xxgk.desk.source import BOX, SourceView

    view = SourceView(data, {"sha256": page["sha256"], "path": str(RawStore(data / "raw").path(page["sha256"])),
                             "format": "html"})
    assert view.scan_pages == 2
    key = "t3.new.total"
    where = view.read()["provenance"][key]
    image = Image.open(view.page_image(where["page"], [key]))
    x0, top, x1, bottom = where["bbox"]
    assert image.getpixel((round(x0 - 2), round((top + bottom) / 2)))[:3] == BOX


def test_a_picture_that_could_not_be_fetched_fails_the_page_by_name_until_it_is_fetched(site):
    data, served, missing = site["data"], site["served"], site["missing"]
    page = _page_row(site, "夏县民政局")
    job = next(j for j in pending_documents(data) if j["sha256"] == page["sha256"])
    (failed_url, reason), = job["pictures"]["failed"].items()
    assert failed_url.endswith("/" + missing) and reason == "HTTP 404"
    assert extract_batch.fn(str(data), [job]) == {"failed": 1}
    import json

    record = json.loads((extracted_dir(data) / f"{page['sha256']}.json").read_text(encoding="utf-8"))
    assert record["status"] == "failed" and failed_url in record["error"] and "HTTP 404" in record["error"]
    assert page["sha256"] not in {j["sha256"] for j in pending_documents(data)}

    # re-running fetches and stores nothing new while the portal is unchanged ...
    files_before, jobs_before = raw_files(data), extraction_jobs(data)
    served.portal.reset_log()
    again = harvest([site["source"]], data)
    assert again.documents("new", "changed") == 0 and raw_files(data) == files_before
    rows = query(data, "SELECT * FROM harvest_fetches WHERE run_id = ? AND picture_of IS NOT NULL", [again.run_id])
    assert {r["outcome"] for r in rows} == {"unchanged", "failed"}
    assert extraction_jobs(data) == jobs_before  # the same pages with the same pictures: nothing to read again
    assert len(page_pictures(data)[page["sha256"]]["files"]) == len(site["broken_files"]) - 3  # 2 logos and the missing
    assert not [name for name in _requested(site) if "logo" in name or "jiucuo" in name]
    # ... and once the picture is published, the next harvest fetches it and the page is read again
    path = next(p for p in served.portal.documents if p.endswith("/t20210115_2.html")).rsplit("/", 1)[0] + "/" + missing
    from xxgk.portal import PortalDocument

    served.portal.put(PortalDocument(path, site["broken_files"][missing], "image/jpeg"))
    third = harvest([site["source"]], data)
    assert third.documents("new") == 1
    pending = next(j for j in pending_documents(data) if j["sha256"] == page["sha256"])
    assert pending["pictures"]["failed"] == {} and failed_url in pending["pictures"]["files"]


def test_which_pictures_of_a_page_are_its_report():
    page = """<html><body><div class="header"><img src="/images/top.jpg"></div>
    <div class="nav"><img src="/images/home.png" width="600" height="300"></div>
    <div class="article-content"><h1>夏县2023年政府信息公开工作年度报告</h1>
      <p><img src="W020240112_1.jpg" alt="第1页"></p><img src="/images/spacer.gif">
      <img src="data:image/png;base64,iVBORw0KGgo="><img src="icon_print.png"><img src="ewm.jpg" alt="扫一扫">
      <a href="W020240112_2.jpg"><img src="W020240112_2_s.jpg" width="200" height="280"></a>
      <img src="small.jpg" width="120" height="60"><img data-src="W020240112_3.jpg" src="loading.png">
      <img src="W020240112_1.jpg"><img src="x.jpg" alt="微信二维码"></div>
    <div class="footer"><img src="/images/jiucuo.png"><img src="/images/beian.jpg" width="400" height="400"></div>
    </body></html>"""
    found = discover_pictures(page, "http://www.xiaxian.gov.cn/xxgk/202401/t20240112_1.html")
    assert [(p.url.rsplit("/", 1)[-1], p.position) for p in found] == [
        ("W020240112_1.jpg", 1), ("W020240112_2.jpg", 2), ("W020240112_3.jpg", 3)]
    # without a marked content area, the body less the site's chrome
    plain = "<html><body><header><img src='a.jpg'></header><p><img src='p1.jpg'></p><footer><img src='b.jpg'></footer></body></html>"
    assert [p.url for p in discover_pictures(plain, "http://h.gov.cn/x/t.html")] == ["http://h.gov.cn/x/p1.jpg"]


def test_at_most_max_page_pictures_per_page(tmp_path):
    from extract.harvest.registry import parse_registry
    from harvest_support import source_entry
    from xxgk.portal import serve_portal

    body = "".join(f'<p><img src="p{n}.jpg"></p>' for n in range(1, 5))
    listing = '<html><body><ul><li><a href="t1.html">演示县2023年政府信息公开工作年度报告</a></li></ul></body></html>'
    served = serve_portal([("/xxgk/index.html", listing.encode(), "text/html"),
                           ("/xxgk/t1.html", f"<html><body>{body}</body></html>".encode(), "text/html")]
                          + [(f"/xxgk/p{n}.jpg", b"\xff\xd8\xff" + bytes(n) * 64, "image/jpeg")  # the harvest decodes nothing
                             for n in range(1, 5)])
    try:
        source = parse_registry({"sources": [source_entry(served.base_url, ["/xxgk/index.html"],
                                                          limits={"max_page_pictures": 2})]}).sources[0]
        harvest([source], tmp_path)
        fetched = sorted(r["url"].rsplit("/", 1)[-1] for r in fetches(tmp_path) if r["picture_of"])
        assert fetched == ["p1.jpg", "p2.jpg"]
        skips = {s["url"].rsplit("/", 1)[-1]: s["reason"] for s in query(tmp_path, "SELECT * FROM harvest_skips")}
        assert skips == {"p3.jpg": "over max_page_pictures (2)", "p4.jpg": "over max_page_pictures (2)"}
        assert {r.path for r in served.portal.requests} >= {"/xxgk/p1.jpg"} and "/xxgk/p3.jpg" not in {r.path for r in served.portal.requests}
    finally:
        served.stop()


def test_the_guarded_reader_gets_the_pictures_from_the_raw_store_and_names_one_that_is_gone(tmp_path):
    from xxgk.worker import GuardedExtractor, PictureFiles

    page, files = render_scan_page(make_spec(43, "2021"), 100, chrome=False)
    (tmp_path / "t1.html").write_bytes(page)
    names = sorted(files)
    (tmp_path / names[0]).write_bytes(b"<html>not a picture: a soft 404</html>")
    base = "http://www.xiaxian.gov.cn/xxgk/202401/"
    with GuardedExtractor(timeout_s=120) as extractor:
        gone = extractor.extract(tmp_path / "t1.html", pictures=PictureFiles(
            base + "t1.html", {base + n: str(tmp_path / n) for n in names[1:]}, {}))
        broken = extractor.extract(tmp_path / "t1.html", pictures=PictureFiles(
            base + "t1.html", {base + names[0]: str(tmp_path / names[0])}, {}))
    assert gone["status"] == "failed" and base + names[1] in gone["error"] and "missing from the raw store" in gone["error"]
    assert broken["status"] == "failed" and broken["error"].startswith(f"the page's picture {base + names[0]}: damaged")
