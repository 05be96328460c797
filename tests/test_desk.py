"""The review desk in a real browser (the system chromium, driven by Selenium) over a generated
warehouse: the clerk's path through January, and what a hostile harvested page must not do.

Screenshots are saved under the test's temporary folder (tmp_path_factory: desk*/shots/)."""

from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from desk_support import (COUNTY, build_desk_warehouse, chromium, needs_browser, report_id, running_desk,
                          wait_for_file)
from warehouse.corrections import JSONL
from warehouse.publish import open_published, publishing

pytestmark = needs_browser


class Beacon:
    """A web server on another port: every request a planted URL makes arrives here (it must get none),
    and it serves the page of 'another site' that tries to post to the desk."""

    def __init__(self):
        self.hits: list[str] = []
        self.page = b""
        beacon = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/attack.html":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.end_headers()
                    self.wfile.write(beacon.page)
                    return
                beacon.hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    root = tmp_path_factory.mktemp("desk")
    beacon = Beacon()
    built = build_desk_warehouse(root, beacon.url)
    shots = root / "shots"
    shots.mkdir()
    with running_desk(built["data"], wait_seconds=60) as served, chromium(root / "downloads", root / "profile") as browser:
        yield {**built, "url": served.url, "publisher": served.publisher, "browser": browser, "shots": shots,
               "beacon": beacon, "root": root}
    beacon.stop()


def shot(desk, name: str) -> Path:
    b = desk["browser"]
    height = b.execute_script("return document.documentElement.scrollHeight")
    b.set_window_size(1400, min(max(height, 700), 4000))
    path = desk["shots"] / f"{name}.png"
    b.save_screenshot(str(path))
    b.set_window_size(1400, 1000)
    return path


def open_page(desk, path: str):
    desk["browser"].get(desk["url"] + path)
    return desk["browser"]


def css(browser, selector):
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, selector)


def page_showing(desk, path: str, text: str, timeout: float = 60):
    """Reload a page until it shows `text` (a decision published in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        b = open_page(desk, path)
        if text in b.find_element("tag name", "body").text:
            return b
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} never showed {text!r}")
        time.sleep(0.5)


def submit(browser, button) -> None:
    """Click a form's button and wait for the page it leads to."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    button.click()
    WebDriverWait(browser, 30).until(expected_conditions.staleness_of(button))


def decisions(data: Path) -> list[dict]:
    path = data / JSONL
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def broken_total(data: Path, rid: int) -> tuple[str, float, float]:
    """The printed total of the rule-4 group the report breaks: (key, sum of the parts, printed)."""
    con = open_published(data)
    try:
        keys, expected, found = con.execute(
            "SELECT keys, expected, found FROM checks WHERE report_id = ? AND rule = 'rule4'", [rid]).fetchall()[0]
    finally:
        con.close()
    return keys[0], expected, found


def county_total(browser, key: str) -> float:
    return float(css(browser, f'#totals-tables td[data-key="{key}"]')[0].text or 0)


def test_county_page_shows_what_needs_work_first(desk):
    b = open_page(desk, f"/?county={COUNTY}&year=2023")
    rows = css(b, "#agencies tbody tr")
    statuses = [r.get_attribute("data-status") for r in rows]
    text = {r.get_attribute("data-status"): r.text for r in rows}
    assert statuses[:3] == ["failed", "flagged", "missing"], statuses
    assert "夏县教育局" in text["flagged"] and "行政复议、行政诉讼各项结果之和" in text["flagged"]
    assert "夏县民政局" in text["missing"] and "已过截止日" in text["missing"]
    assert "扫描件" in text["failed"]
    counts = css(b, "#counts")[0].text
    assert "1 待核对" in counts.replace("\n", " ") and "1 未报送" in counts.replace("\n", " ")
    audit = {r.text.split()[0]: r.text for r in css(b, "#audit tbody tr")}
    assert "未发布" in audit["夏县民政局"] and "✓" in audit["夏县教育局"], audit  # the audit of the same county-year
    shot(desk, "county")


def test_flagged_pdf_report_boxes_the_broken_cells_on_the_page(desk):
    rid = report_id(desk["data"], desk["sha"][("夏县教育局", 2023)])
    b = open_page(desk, f"/report/{rid}")
    assert "待核对" in css(b, "#report-status")[0].text
    img = css(b, "img.page")[0]
    assert b.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) > 800
    broken_cells = css(b, ".xxgk-national td.broken")
    assert len(broken_cells) == 5  # the group's total and its four results
    shot(desk, "report-flagged-pdf")
    # The page image the browser got: a red box around each broken cell where the PDF printed it.
    key, _, _ = broken_total(desk["data"], rid)
    assert boxed(desk, rid, key, int(img.get_attribute("data-page")))


def boxed(desk, rid: int, key: str, page: int) -> bool:
    """Whether the desk's image of the page draws the box around the cell of `key` (and nothing just
    above it)."""
    from xxgk.desk.source import BOX, SCALE, SourceView
    from xxgk.desk.store import Store

    where = SourceView(desk["data"], Store(desk["data"]).report(rid)).read()["provenance"][key]
    assert where["page"] == page
    with urllib.request.urlopen(f"{desk['url']}/report/{rid}/page/{page}.png") as response:
        path = desk["shots"] / f"page-{rid}-{page}.png"
        path.write_bytes(response.read())
    image = Image.open(path).convert("RGB")
    x0, top, x1, bottom = where["bbox"]
    middle = round((top + bottom) / 2 * SCALE)
    assert image.getpixel((round((x0 + x1) / 2 * SCALE), round(top * SCALE) - 30)) != BOX
    return any(image.getpixel((round(x0 * SCALE - 2) + dx, middle)) == BOX for dx in range(-2, 3))


def test_a_photographed_report_shows_its_pages_with_the_cells_in_question_boxed(desk):
    """A scan read by OCR: its pages as OCR read them (upright), each cell of a broken rule or left
    null by the proof boxed where OCR found it (OCR's boxes are in the page's pixels)."""
    from xxgk.desk.source import BOX, SourceView
    from xxgk.desk.store import Store
    from xxgk.desk.store import broken_keys, doubtful_keys

    record = next(r for r in desk["records"] if r["path"].endswith(".jpg"))
    assert any(i["code"] == "note.ocr" for i in record["issues"])
    rid = report_id(desk["data"], record["sha256"])
    b = open_page(desk, f"/report/{rid}")
    img = css(b, "img.page")[0]
    assert b.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) > 1000
    assert "扫描件" in css(b, "figure figcaption")[0].text
    shot(desk, "report-scan")
    store = Store(desk["data"])
    keys = broken_keys(store.checks(rid)) | doubtful_keys(store.issues(rid))
    where = SourceView(desk["data"], store.report(rid)).read()["provenance"]
    page = int(img.get_attribute("data-page"))
    shown = [k for k in sorted(keys) if where.get(k, {}).get("page") == page]
    assert shown, (keys, page)
    with urllib.request.urlopen(f"{desk['url']}/report/{rid}/page/{page}.png") as response:
        path = desk["shots"] / f"scan-{rid}-{page}.png"
        path.write_bytes(response.read())
    image = Image.open(path).convert("RGB")
    x0, top, x1, bottom = where[shown[0]]["bbox"]
    middle = round((top + bottom) / 2)
    assert any(image.getpixel((round(x0 - 2) + dx, middle)) == BOX for dx in range(-2, 3))
    assert image.getpixel((round((x0 + x1) / 2), round(top) - 40)) != BOX


def test_correcting_a_figure_mends_the_check_and_changes_the_county_total(desk):
    from selenium.webdriver.support.ui import Select

    rid = report_id(desk["data"], desk["sha"][("夏县教育局", 2023)])
    key, expected, found = broken_total(desk["data"], rid)
    b = open_page(desk, f"/county/{COUNTY}/2023/totals")
    before = county_total(b, key)
    b = open_page(desk, f"/report/{rid}")
    Select(css(b, "#key")[0]).select_by_value(key)
    css(b, "#value")[0].send_keys(f"{expected:g}")
    css(b, "#note")[0].send_keys('<img src=x onerror="window.xxgkPwned=1">与机关电话核实')
    css(b, "#reviewer")[0].send_keys("<script>window.xxgkPwned=2</script>张三")
    submit(b, css(b, "#correct")[0])
    assert "已记录并重新发布" in css(b, "#notice")[0].text
    assert css(b, "#checks-ok"), "the rule still fails after the correction"
    assert "已更正" in css(b, "#report-status")[0].text
    history = css(b, "#history")[0].text
    assert "<script>window.xxgkPwned=2</script>张三" in history and f"→ {expected:g}" in history
    assert b.execute_script("return window.xxgkPwned") is None
    assert css(b, f'.xxgk-national td.corrected[data-key="{key}"]')
    assert not boxed(desk, rid, key, int(css(b, "img.page")[0].get_attribute("data-page")))
    shot(desk, "report-corrected")
    b = open_page(desk, f"/county/{COUNTY}/2023/totals")
    assert county_total(b, key) == before + expected - found
    assert css(b, f'#totals-tables td.corrected[data-key="{key}"]')
    shot(desk, "totals")
    b = open_page(desk, f"/?county={COUNTY}&year=2023")
    assert "corrected" in [r.get_attribute("data-status") for r in css(b, "#agencies tbody tr")]


def test_the_county_docx_downloads(desk):
    import docx

    b = open_page(desk, f"/county/{COUNTY}/2023/totals")
    css(b, "#download-docx")[0].click()
    path = wait_for_file(desk["root"] / "downloads", ".docx")
    document = docx.Document(str(path))
    assert len(document.tables) >= 3
    assert any("行政复议" in cell.text for t in document.tables for row in t.rows for cell in row.cells)


def test_a_hostile_harvested_page_runs_nothing_and_fetches_nothing(desk):
    rid = report_id(desk["data"], desk["sha"][("夏县财政局", 2023)])
    b = open_page(desk, f"/report/{rid}")
    source = css(b, "#source-html")[0]
    assert css(b, "#source-html table"), "the source's tables are shown"
    first = css(b, "#source-html td")[0]
    first.click()  # its onclick= was planted
    time.sleep(0.5)
    assert b.execute_script("return window.xxgkPwned") is None
    markup = source.get_attribute("innerHTML")
    for planted in ("<script", "onerror", "onclick", "javascript:", "url(", "<img", "<iframe", "background="):
        assert planted not in markup, planted
    assert b.execute_script("return document.querySelectorAll('[onerror],[onclick],[onload],iframe,svg').length") == 0
    assert desk["beacon"].hits == []
    assert not [e for e in b.get_log("browser") if "Content Security Policy" in e["message"]]
    shot(desk, "report-hostile-html")


def test_every_response_carries_the_policy(desk):
    rid = report_id(desk["data"], desk["sha"][("夏县教育局", 2023)])
    for path in ("/", f"/report/{rid}", f"/county/{COUNTY}/2023/totals", "/agencies", "/static/desk.css",
                 "/report/999999"):
        try:
            response = urllib.request.urlopen(desk["url"] + path)
        except urllib.error.HTTPError as exc:
            response = exc
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "default-src 'none'" in policy and "unsafe-inline" not in policy
    with urllib.request.urlopen(f"{desk['url']}/report/{rid}/document") as response:
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert response.headers["Content-Disposition"].startswith("attachment")


def test_bad_requests_get_a_clear_message_and_change_nothing(desk):
    rid = report_id(desk["data"], desk["sha"][("夏县财政局", 2023)])
    before = (desk["data"] / JSONL).read_bytes() if (desk["data"] / JSONL).exists() else b""
    b = open_page(desk, "/report/999999")
    assert "没有编号为 999999 的报告" in css(b, "#problem")[0].text
    b = open_page(desk, f"/report/{rid}")
    css(b, "#value")[0].send_keys("十二")
    css(b, "#reviewer")[0].send_keys("李四")
    submit(b, css(b, "#correct")[0])
    assert "不是数字" in css(b, "#error")[0].text
    b = open_page(desk, f"/report/{rid}")
    b.execute_script("document.querySelector('#key option').value = 't3.nonsense.total'")
    css(b, "#value")[0].send_keys("3")
    css(b, "#reviewer")[0].send_keys("李四")
    submit(b, css(b, "#correct")[0])
    assert "该报告没有数字项" in css(b, "#error")[0].text
    shot(desk, "bad-request")
    after = (desk["data"] / JSONL).read_bytes() if (desk["data"] / JSONL).exists() else b""
    assert after == before


def test_another_site_cannot_post_a_decision(desk):
    rid = report_id(desk["data"], desk["sha"][("夏县财政局", 2023)])
    before = len(decisions(desk["data"]))
    desk["beacon"].page = f"""<!doctype html><form id="f" method="post" action="{desk['url']}/report/{rid}/figure">
        <input name="key" value="t3.new.total"><input name="value" value="999"><input name="csrf" value="guess">
        <input name="reviewer" value="x"></form><script>document.getElementById('f').submit()</script>""".encode()
    b = desk["browser"]
    b.get(desk["beacon"].url + "/attack.html")
    time.sleep(1.0)
    assert "请求被拒绝" in b.find_element("tag name", "body").text
    assert len(decisions(desk["data"])) == before


def test_two_reviewers_at_once_lose_nothing_and_the_later_wins(desk):
    import httpx

    rid = report_id(desk["data"], desk["sha"][("夏县财政局", 2023)])
    before = len(decisions(desk["data"]))
    desk["publisher"].wait_seconds = 0.1  # answer at once; the publishes follow in the background

    def reviewer(name: str, values: list[int]) -> None:
        with httpx.Client(base_url=desk["url"], timeout=60) as client:
            page = client.get(f"/report/{rid}").text
            csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            for v in values:
                r = client.post(f"/report/{rid}/figure", data={"csrf": csrf, "key": "t3.new.natural", "value": str(v),
                                                               "reviewer": name})
                assert r.status_code == 303, r.text[:200]

    threads = [threading.Thread(target=reviewer, args=(n, vals)) for n, vals in (("甲", [101, 102]), ("乙", [201, 202]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    desk["publisher"].wait_seconds = 60
    mine = decisions(desk["data"])[before:]
    assert sorted(e["value"] for e in mine) == [101, 102, 201, 202]
    assert [e["at"] for e in mine] == sorted(e["at"] for e in mine)
    b = page_showing(desk, f"/report/{rid}", f"（现为 {mine[-1]['value']:g}）")  # the later decision wins
    assert len(css(b, "#history tbody tr")) >= 4  # the earlier ones stay in the history
    # Undo the last one: the one before it is in force again.
    form = css(b, "#history tbody tr:last-child form")[0]
    form.find_element("name", "reviewer").send_keys("乙")
    submit(b, form.find_element("css selector", "button"))
    assert f"（现为 {mine[-2]['value']:g}）" in css(b, "#key")[0].text
    assert "已撤销" in css(b, "#history")[0].text


def test_a_publish_in_progress_blocks_neither_reading_nor_deciding(desk):
    from selenium.webdriver.support.ui import Select

    rid = report_id(desk["data"], desk["sha"][("夏县财政局", 2023)])
    holding, release = threading.Event(), threading.Event()

    def nightly_load():
        with publishing(desk["data"]):
            holding.set()
            release.wait(30)

    desk["publisher"].wait_seconds = 1.0
    loader = threading.Thread(target=nightly_load)
    loader.start()
    holding.wait(10)
    try:
        started = time.monotonic()
        b = open_page(desk, f"/report/{rid}")
        assert css(b, "#correct") and time.monotonic() - started < 5
        b = open_page(desk, f"/?county={COUNTY}&year=2023")
        assert css(b, "#agencies")
        b = open_page(desk, f"/report/{rid}")
        Select(css(b, "#key")[0]).select_by_value("t3.new.social")
        css(b, "#value")[0].send_keys("77")
        css(b, "#reviewer")[0].send_keys("王五")
        started = time.monotonic()
        submit(b, css(b, "#correct")[0])
        assert "完成后自动生效" in css(b, "#notice")[0].text and time.monotonic() - started < 10
    finally:
        release.set()
        loader.join()
        desk["publisher"].wait_seconds = 60
    page_showing(desk, f"/report/{rid}", "（现为 77）")  # published once the other publish ends


def test_beyond_the_loopback_every_request_needs_the_token(tmp_path, desk):
    with running_desk(desk["data"], token="s3cret-token", loopback_only=False) as served:
        url = served.url
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "/")
        assert refused.value.code == 401
        request = urllib.request.Request(url + "/", headers={"Authorization": "Bearer s3cret-token"})
        assert urllib.request.urlopen(request).status == 200
        b = desk["browser"]
        b.get(url + "/?token=s3cret-token")
        assert css(b, "#agencies") and "token" not in b.current_url
        b.get(url + "/agencies")  # the cookie carries it from now on
        assert "待定位机关" in b.title
    with running_desk(desk["data"]) as served:
        request = urllib.request.Request(served.url + "/", headers={"Host": "desk.attacker.example"})
        with pytest.raises(urllib.error.HTTPError) as rebound:
            urllib.request.urlopen(request)
        assert rebound.value.code == 403


def test_an_agency_left_unplaced_is_placed_from_its_page(desk):
    b = open_page(desk, "/agencies")
    row = [r for r in css(b, "#unplaced tbody tr") if "朝阳区教育局" in r.text][0]
    row.find_element("name", "region").send_keys("999999")
    row.find_element("name", "reviewer").send_keys("赵六")
    submit(b, row.find_element("css selector", "button"))
    assert "不是有效的行政区划代码" in css(b, "#error")[0].text
    row = [r for r in css(b, "#unplaced tbody tr") if "朝阳区教育局" in r.text][0]
    row.find_element("name", "region").send_keys("110105")  # 北京市朝阳区
    row.find_element("name", "reviewer").send_keys("赵六")
    submit(b, row.find_element("css selector", "button"))
    assert "已记录并重新发布" in css(b, "#notice")[0].text
    assert "朝阳区教育局" not in b.find_element("tag name", "body").text
    placed = [e for e in decisions(desk["data"]) if e["action"] == "agency"]
    assert placed[-1]["region"] == "110105" and placed[-1]["reviewer"] == "赵六"
    shot(desk, "agencies")
