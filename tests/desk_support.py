"""The desk on a free port in this process, and the system chromium driven by Selenium, for the tests."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest
import uvicorn

from xxgk.desk.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def browser_available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


needs_browser = pytest.mark.skipif(not browser_available(), reason="chromium and chromium-driver are not installed "
                                   "(scripts/system-packages)")


@contextmanager
def running_desk(data_dir, host: str = "127.0.0.1", token: str | None = None, loopback_only: bool = True,
                 wait_seconds: float | None = None) -> Iterator[SimpleNamespace]:
    """Serve the desk on a free port; yields .url (its base URL) and .publisher (to change its wait)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    app = create_app(data_dir, token=token, loopback_only=loopback_only)
    if wait_seconds is not None:
        app.state.desk.publisher.wait_seconds = wait_seconds
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the desk did not start")
        time.sleep(0.02)
    try:
        yield SimpleNamespace(url=f"http://{host}:{port}", publisher=app.state.desk.publisher)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def chromium(download_dir: Path, user_data_dir: Path) -> Iterator:
    """Headless system chromium (no network of its own: no updates, no sync, no background fetches)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 "--window-size=1400,1000", f"--user-data-dir={user_data_dir}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    options.add_experimental_option("prefs", {"download.default_directory": str(download_dir),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for_file(folder: Path, suffix: str, timeout: float = 20) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0]
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} downloaded into {folder}")


# -- a small warehouse of generated reports, built without Prefect -----------------------------------

COUNTY = "140828"
GOVERNMENT = "夏县人民政府"


def build_desk_warehouse(root: Path, hostile_base: str, seed: int = 11) -> dict:
    """One county, two years, as January looks: a PDF that prints a wrong table 四 total (flagged),
    an HTML page from a compromised site (hostile), an agency that reported last year (a
    photographed report with a wrong total) and not this year (missing), a scanned PDF (failed), the county government's own (summary) report, and an
    agency of another county whose name is ambiguous (to place)."""
    from xxgk.extraction import extract_path, failed_record
    from xxgk.generate import render, render_scan
    from xxgk.generate.figures import break_rule, make_figures
    from xxgk.generate.spec import ReportSpec
    from warehouse.publish import publish_records

    raw, data = root / "raw", root / "data"
    raw.mkdir(parents=True)
    plan = [  # (agency, year, format, quirks, broken rule)
        ("夏县教育局", 2022, "html", {}, None),
        ("夏县教育局", 2023, "pdf", {"ruled": True}, 4),
        ("夏县财政局", 2022, "docx", {}, None),
        ("夏县财政局", 2023, "html", {"hostile": hostile_base}, None),
        ("夏县民政局", 2022, "scan.jpg", {}, 4),  # a photographed report, read by OCR
        (GOVERNMENT, 2022, "html", {}, None),
        (GOVERNMENT, 2023, "xlsx", {}, None),
    ]
    records, documents, roles = [], {}, {}
    for i, (agency, year, fmt, quirks, rule) in enumerate(plan):
        figures = make_figures(seed + i, "2021", zero_rate=0.5)
        if rule:
            break_rule(figures, rule, seed=seed + i)
        spec = ReportSpec(agency, year, "2021", figures, seed=seed + i, region_code=COUNTY)
        path = raw / f"{i:02d}-{year}.{fmt}"
        path.write_bytes(render_scan(spec, "jpg") if fmt == "scan.jpg" else render(spec, fmt, **quirks))
        records.append(extract_path(path))
        documents[records[-1]["sha256"]] = {"url": f"http://portal.example.invalid/xxgk/{path.name}",
                                            "region_code": COUNTY, "published_on": f"{year + 1}-01-{10 + i:02d}",
                                            "path": str(path)}
        roles[(agency, year)] = records[-1]["sha256"]
    # An agency whose name two counties share, from a source without a region: left to place.
    spec = ReportSpec("朝阳区教育局", 2023, "2021", make_figures(seed + 50, "2021"), seed=seed + 50)
    ambiguous = raw / "ambiguous-2023.html"
    ambiguous.write_bytes(render(spec, "html"))
    records.append(extract_path(ambiguous))
    documents[records[-1]["sha256"]] = {"url": "http://portal.example.invalid/a.html", "path": str(ambiguous),
                                        "published_on": "2024-01-20"}
    scan = raw / "scan-2023.pdf"
    scan.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                     b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
                     b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
                     b"trailer<</Root 1 0 R>>\n%%EOF\n")
    records.append(extract_path(scan))
    if records[-1]["sha256"] is None:
        records[-1] = failed_record(scan, "scanned PDF: no text layer")
    documents[records[-1]["sha256"]] = {"url": "http://portal.example.invalid/xxgk/scan.pdf", "region_code": COUNTY,
                                        "published_on": "2024-01-30", "path": str(scan), "title": "夏县水利局2023年政府信息公开工作年度报告"}
    publish_records(data, records, documents=documents)
    return {"data": data, "records": records, "sha": roles, "scan": records[-1]["sha256"]}


def report_id(data: Path, sha: str) -> int:
    from warehouse.publish import open_published

    con = open_published(data)
    try:
        return con.execute("SELECT report_id FROM reports WHERE sha256 = ?", [sha]).fetchall()[0][0]
    finally:
        con.close()
