"""The harvester end to end against the local portal: provenance, incremental runs, faults, hosts, interrupts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from extract.harvest.registry import parse_registry
from extract.harvest.run import harvest
from harvest_support import fetches, make_source, query, raw_files, source_entry
from xxgk.commands.harvest import command as harvest_command
from xxgk.portal import closed_port_url, serve_demo, serve_portal

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo():
    served = serve_demo(reports=24, page_size=5)
    yield served
    served.stop()


@pytest.fixture
def faulty():
    foreign = serve_portal([("/2009.html", b"<html>foreign</html>", "text/html"),
                            ("/away.html", b"<html>away</html>", "text/html")], host="127.0.0.2")
    served = serve_demo(reports=6, faults=True, foreign_url=foreign.base_url)
    yield served, foreign
    served.stop()
    foreign.stop()


def served_paths(served) -> set[str]:
    return {p for p in served.portal.documents if p not in ("/robots.txt", "/index.html")}


def test_cold_run_stores_every_document_once_with_provenance(demo, tmp_path):
    report = harvest([make_source(demo.base_url)], tmp_path)
    assert report.status == "completed"
    rows = fetches(tmp_path)
    base = demo.base_url
    assert {r["url"].removeprefix(base) for r in rows} == served_paths(demo)
    assert all(r["outcome"] == "new" and r["http_status"] == 200 and r["sha256"] for r in rows)
    assert report.counts["demo"].new == len(rows) and report.counts["demo"].failed == 0
    # every body stored exactly once, byte for byte
    files = raw_files(tmp_path)
    assert len(files) == len({r["sha256"] for r in rows})
    for row in rows:
        stored = (tmp_path / "raw" / row["sha256"][:2] / row["sha256"][2:4] / row["sha256"]).read_bytes()
        assert stored == demo.portal.documents[row["url"].removeprefix(base)].body
    assert not list((tmp_path / "raw" / ".tmp").iterdir())
    # provenance: where each report was listed, its title and date; attachments point to their report page
    entries = [r for r in rows if r["kind"] == "entry"]
    attachments = [r for r in rows if r["kind"] == "attachment"]
    assert len(entries) == 24 and len(attachments) == 24
    for entry in entries:
        assert entry["listing_url"].startswith(base) and "/index" in entry["listing_url"]
        assert entry["link_text"].startswith("演示县") and "年度报告" in entry["link_text"]
        assert entry["published_on"] is not None and entry["etag"] and entry["last_modified"]
        assert entry["encoding"] in ("utf-8", "gb18030")
    pages = {e["url"]: e for e in entries}
    for attachment in attachments:
        parent = pages[attachment["parent_url"]]
        assert attachment["entry_title"] == parent["link_text"] and attachment["published_on"] == parent["published_on"]
        assert attachment["listing_url"] == parent["listing_url"] and attachment["link_text"].startswith("演示县")
    named = [a for a in attachments if a["file_name"]]
    assert len(named) >= 15 and all(a["file_name"] == a["link_text"] for a in named)  # UTF-8, GBK, RFC 5987, %-encoded
    assert {a["url"].rsplit(".", 1)[1] for a in attachments} == {"pdf", "docx", "doc", "wps", "xls", "xlsx"}
    listings = [r for r in rows if r["kind"] == "listing"]
    assert len(listings) == 6  # 3 columns x 2 pages: anchors, createPageHTML and undeclared GB18030


def test_second_run_stores_nothing_and_a_change_is_a_new_version(demo, tmp_path):
    source = make_source(demo.base_url)
    first = harvest([source], tmp_path)
    files_before = raw_files(tmp_path)
    demo.portal.reset_log()

    second = harvest([source], tmp_path)
    assert second.counts["demo"].unchanged == first.counts["demo"].new and second.documents("new", "changed", "failed") == 0
    assert raw_files(tmp_path) == files_before
    assert all(r.if_none_match for r in demo.portal.requests if r.path != "/robots.txt")  # conditional, every one
    rows = query(tmp_path, "SELECT * FROM harvest_fetches WHERE run_id = ?", [second.run_id])
    assert {r["http_status"] for r in rows} == {304} and all(r["sha256"] for r in rows)

    pdf = next(p for p in demo.portal.documents if p.endswith(".pdf"))
    page = next(p for p in demo.portal.documents if p.endswith(".html") and "/t20" in p)
    old_pdf = demo.portal.documents[pdf].body
    demo.portal.set_body(pdf, old_pdf + b"\n% revised")
    demo.portal.set_body(page, demo.portal.documents[page].body.replace(b"</body>", b"<p>revised</p></body>"))
    third = harvest([source], tmp_path)
    assert third.counts["demo"].changed == 2 and third.counts["demo"].new == 0
    assert len(raw_files(tmp_path)) == len(files_before) + 2
    versions = query(tmp_path, "SELECT * FROM harvest_versions WHERE url = ? ORDER BY first_fetch_id", [demo.base_url + pdf])
    assert len(versions) == 2 and versions[0]["sha256"] != versions[1]["sha256"]
    old = tmp_path / "raw" / versions[0]["sha256"][:2] / versions[0]["sha256"][2:4] / versions[0]["sha256"]
    assert old.read_bytes() == old_pdf  # the earlier version is kept, untouched

    fourth = harvest([source], tmp_path)
    assert fourth.documents("new", "changed", "failed") == 0


def test_faults_are_isolated_recorded_and_hosts_are_kept(faulty, tmp_path):
    served, foreign = faulty
    dead = closed_port_url()
    registry = parse_registry({"sources": [
        source_entry(served.base_url, limits={"max_bytes": 1_000_000}),
        source_entry(dead, ["/xxgk/index.html"], id="dead", politeness={"retries": 1}),
    ]})
    report = harvest(list(registry.sources), tmp_path)
    assert report.status == "completed"
    rows = {r["url"].removeprefix(served.base_url): r for r in fetches(tmp_path)}
    errors = {url: row["error"] for url, row in rows.items() if row["outcome"] == "failed"}
    assert "HTTP 500" == errors["/xxgk/faults/broken.pdf"] == errors["/xxgk/faults/dead.html"]
    assert "truncated body" in errors["/xxgk/faults/truncated.pdf"]
    assert "timed out" in errors["/xxgk/faults/slow.html"]
    assert "too large" in errors["/xxgk/faults/huge.pdf"]
    assert "redirect loop" in errors["/loop/a.html"]
    assert "leaves allowed_hosts" in errors["/xxgk/faults/away.html"]
    dead_rows = [r for r in fetches(tmp_path) if r["source_id"] == "dead"]
    assert len(dead_rows) == 1 and dead_rows[0]["outcome"] == "failed"
    assert "robots.txt unavailable (cannot connect" in dead_rows[0]["error"]
    # recovered: 500 twice then fine, 429, a redirect that lands, wrong content types
    for path in ("/xxgk/faults/flaky.html", "/xxgk/faults/busy.html", "/xxgk/faults/moved.html",
                 "/xxgk/faults/octet.html", "/xxgk/faults/mislabelled.pdf", "/xxgk/faults/gbk-undeclared.html"):
        assert rows[path]["outcome"] == "new", (path, rows[path]["error"])
    assert rows["/xxgk/faults/moved.html"]["final_url"] == served.base_url + "/xxgk/faults/flaky.html"
    assert rows["/xxgk/faults/flaky.html"]["attempts"] == 3
    assert rows["/xxgk/faults/octet.html"]["content_type"] == "application/octet-stream"
    assert rows["/xxgk/faults/gbk-undeclared.html"]["link_text"].endswith("（GBK未声明）")
    # the same bytes under two URLs: one blob, linked to both
    assert rows["/xxgk/faults/copy-a.pdf"]["sha256"] == rows["/xxgk/faults/copy-b.pdf"]["sha256"]
    doc = query(tmp_path, "SELECT * FROM harvest_documents WHERE sha256 = ?", [rows["/xxgk/faults/copy-a.pdf"]["sha256"]])
    assert doc[0]["urls"] == 2
    # robots.txt and allowed_hosts: recorded as skipped, never requested
    skips = {s["url"]: s["reason"] for s in query(tmp_path, "SELECT * FROM harvest_skips")}
    assert skips[served.base_url + "/private/2012.html"] == "disallowed by robots.txt"
    port = served.base_url.rsplit(":", 1)[1]
    assert skips[f"http://localhost:{port}/xxgk/faults/flaky.html"] == "host not in allowed_hosts"
    assert skips["http://www.example.com/xxgk/2010.html"] == "host not in allowed_hosts"
    assert skips[foreign.base_url + "/2009.html"] == "host not in allowed_hosts"
    # the proof: no request ever left the allowed host
    assert foreign.portal.requests == []
    assert {r.host for r in served.portal.requests} == {served.base_url.removeprefix("http://")}
    assert "/private/2012.html" not in {r.path for r in served.portal.requests}
    assert all(u.startswith((served.base_url, dead)) for u in (r["url"] for r in fetches(tmp_path)))
    assert all((r["final_url"] or r["url"]).startswith((served.base_url, dead)) for r in fetches(tmp_path))

    # second run: a body served without validators and unchanged stores nothing new
    again = harvest(list(registry.sources), tmp_path)
    rows2 = {r["url"].removeprefix(served.base_url): r for r in query(
        tmp_path, "SELECT * FROM harvest_fetches WHERE run_id = ?", [again.run_id])}
    assert rows2["/xxgk/faults/no-etag.html"]["http_status"] == 200
    assert rows2["/xxgk/faults/no-etag.html"]["outcome"] == "unchanged"
    assert again.documents("new", "changed") == 0


def test_cli_harvest_only_and_summary(demo, tmp_path):
    other = serve_demo(reports=3)
    try:
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump({"sources": [
            source_entry(demo.base_url, id="a"), source_entry(other.base_url, id="b"),
        ]}, allow_unicode=True), encoding="utf-8")
        runner = CliRunner()
        args = ["--sources", str(sources), "--data", str(tmp_path / "data"), "--no-progress"]
        result = runner.invoke(harvest_command, args + ["--only", "b"], terminal_width=200)
        assert result.exit_code == 0, result.output
        assert "completed" in result.output and "unchanged" in result.output
        assert {r["source_id"] for r in fetches(tmp_path / "data")} == {"b"}
        assert demo.portal.requests == []
        result = runner.invoke(harvest_command, args, terminal_width=200)
        assert result.exit_code == 0 and "total" in result.output
        lines = [line for line in result.output.splitlines() if line.strip("│ ").startswith("b ")]
        assert lines and lines[0].split("│")[4].strip() == "9"  # b: everything unchanged
        bad = runner.invoke(harvest_command, args + ["--only", "zzz"])
        assert bad.exit_code == 2 and "unknown source id" in bad.output
    finally:
        other.stop()


def _harvest_subprocess(sources: Path, data: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "extract.harvest", "--sources", str(sources), "--data", str(data), "--no-progress"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupted_run_loses_nothing_and_duplicates_nothing(tmp_path, how):
    served = serve_demo(reports=40, page_size=10)
    served.portal.latency = 0.01
    try:
        sources = tmp_path / "sources.yaml"
        sources.write_text(yaml.safe_dump({"sources": [source_entry(served.base_url, politeness={"concurrency_per_host": 2})]},
                                          allow_unicode=True), encoding="utf-8")
        process = _harvest_subprocess(sources, tmp_path)
        deadline = time.monotonic() + 30
        while len(served.portal.requests) < 40 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        process.send_signal(how)
        output = process.communicate(timeout=30)[0].decode()
        assert process.returncode != 0, output  # it was stopped mid-run
        if how != signal.SIGKILL:
            assert "interrupted" in output

        report = harvest([make_source(served.base_url)], tmp_path)
        assert report.status == "completed"
        rows = fetches(tmp_path)
        firsts = [r["url"] for r in rows if r["outcome"] == "new"]
        assert len(firsts) == len(set(firsts))  # no URL stored twice
        assert {u.removeprefix(served.base_url) for u in firsts} == served_paths(served)  # nothing lost
        assert all(r["outcome"] != "changed" for r in rows)
        assert len(raw_files(tmp_path)) == len({r["sha256"] for r in rows})
        assert not list((tmp_path / "raw" / ".tmp").iterdir())
        runs = query(tmp_path, "SELECT status FROM harvest_runs ORDER BY started_at")
        assert runs[-1]["status"] == "completed"
        if how != signal.SIGKILL:
            assert runs[0]["status"] == "interrupted"
    finally:
        served.stop()
