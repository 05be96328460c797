"""The nightly Prefect flow end to end, on real parts: generated corpus → local county portals →
harvest → extract → load → summary; run by Prefect on its ephemeral local server."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections import defaultdict

import duckdb
import pytest

from flows.deploy import nightly_deployment
from flows.nightly import extract_with, load, nightly
from xxgk.generate import render
from xxgk.generate.corpus import COUNTIES, write_demo_corpus
from xxgk.generate.spec import ReportSpec
from xxgk.portal.corpus import serve_corpus, write_registry

YEARS = (2020, 2023)
MEASURES = {  # summary column -> keys summed over the county's agencies
    "new_total": ["t3.new.total"],
    "carried_over_total": ["t3.carried_over.total"],
    "disclosed": ["t3.disclosed.total"],
    "outcomes_total": ["t3.total.total"],
    "carried_forward": ["t3.carried_forward.total"],
    "review_total": ["t4.review.total"],
    "suit_direct_total": ["t4.suit_direct.total"],
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("nightly")
    corpus = root / "corpus"
    # One scan (read by OCR, the costly part): a page showing its report as picture files, read with them.
    entries = write_demo_corpus(corpus, n_agencies=3, years=YEARS, seed=5, scans=("140828",), scan_wrap="html_files")
    served = serve_corpus(corpus, entries)
    registry = write_registry(served, root / "sources.yaml")
    data = root / "data"
    first = nightly(str(registry), str(data))
    yield {"root": root, "corpus": corpus, "entries": entries, "served": served, "registry": registry,
           "data": data, "first": first}
    for portal in served.values():
        portal.stop()


def county_rows(data) -> dict[tuple[str, int], dict]:
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        frame = con.execute("SELECT * FROM v_county_year").df()
    finally:
        con.close()
    return {(r["county"], int(r["year"])): r for r in frame.to_dict("records")}


def expected_sums(entries) -> dict[tuple[str, int], dict[str, float]]:
    """The generated figures added up per county and year, without the county government's own
    report (a county-wide summary, which the county totals must not count twice)."""
    sums: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for e in entries:
        if e["agency"] == COUNTIES[e["region_code"]]["government"]:
            continue
        for column, keys in MEASURES.items():
            sums[(e["region_code"], e["year"])][column] += sum(e["figures"][k] or 0 for k in keys)
    return sums


def unsure_scans(data) -> dict[tuple[str, int], int]:
    """(county, year) → reports read by OCR that are flagged only because OCR left figures in doubt
    (null with extractor.ocr_unsure: never a wrong figure): what the OCR may do with a scan."""
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute("""
            SELECT r.region_code, r.year, count(*) FROM reports r
            WHERE r.status = 'flagged' AND r.report_id IN (SELECT report_id FROM issues WHERE code = 'note.ocr')
              AND NOT EXISTS (SELECT 1 FROM issues i WHERE i.report_id = r.report_id
                              AND i.code NOT LIKE 'note.%' AND i.code NOT LIKE 'format.%' AND i.code <> 'extractor.ocr_unsure')
            GROUP BY ALL""").fetchall()
    finally:
        con.close()
    return {(code, year): n for code, year, n in rows}


def test_summary_equals_the_generated_figures_county_by_county(demo):
    rows = county_rows(demo["data"])
    expected = expected_sums(demo["entries"])
    unsure = unsure_scans(demo["data"])
    assert set(expected) <= set(rows)
    for key, sums in expected.items():
        for column, value in sums.items():
            assert rows[key][column] == pytest.approx(value), (key, column)
        assert rows[key]["agencies_flagged"] == unsure.get(key, 0)


def test_every_generated_document_was_harvested_and_extracted(demo):
    extracted = demo["first"]["extract"]
    assert extracted.get("failed", 0) >= 1  # entry pages that only link an attachment are no reports
    con = duckdb.connect(str(demo["data"] / "warehouse.duckdb"), read_only=True)
    try:
        ok = con.execute("SELECT count(*) FROM reports WHERE status = 'ok'").fetchone()[0]
        failed = con.execute("SELECT count(*) FROM reports WHERE status = 'failed'").fetchone()[0]
    finally:
        con.close()
    assert ok + sum(unsure_scans(demo["data"]).values()) == len(demo["entries"])
    assert failed == 0  # the pages that only link a report are not loaded as unreadable reports


def _snapshot(data) -> list[tuple]:
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute("SELECT r.agency_id, r.year, f.key, f.value FROM figures f JOIN reports r USING (report_id) "
                           "ORDER BY 1, 2, 3").fetchall()
    finally:
        con.close()


def test_second_run_changes_nothing(demo):
    before = _snapshot(demo["data"])
    again = nightly(str(demo["registry"]), str(demo["data"]))
    harvested = again["harvest"]
    assert all(c["new"] == 0 and c["changed"] == 0 and c["failed"] == 0 for c in harvested.values())
    assert again["extract"] == {}
    assert again["load"]["new"] == 0 and again["load"]["changed"] == 0
    assert _snapshot(demo["data"]) == before


def test_a_changed_document_changes_exactly_its_report(demo):
    entry = next(e for e in demo["entries"] if e["format"] in ("pdf", "docx")
                 and e["agency"] != COUNTIES[e["region_code"]]["government"])
    original = (demo["corpus"] / entry["file"]).read_bytes()
    portal = demo["served"][entry["region_code"]].portal
    path = next(p for p, d in portal.documents.items() if d.body == original)
    figures = dict(entry["figures"])
    for key in ("t3.new.natural", "t3.new.total", "t3.carried_forward.natural", "t3.carried_forward.total"):
        figures[key] += 7  # a corrected re-publication: still consistent
    spec = ReportSpec(entry["agency"], entry["year"], entry["template"], figures, region_code=entry["region_code"])
    portal.set_body(path, render(spec, entry["format"], **entry["quirks"]))
    before = county_rows(demo["data"])
    result = nightly(str(demo["registry"]), str(demo["data"]))
    assert sum(c["changed"] for c in result["harvest"].values()) == 1
    assert result["load"]["new"] == 1
    after = county_rows(demo["data"])
    changed = {k for k in after if any(after[k][c] != before[k][c] for c in MEASURES)}
    assert changed == {(entry["region_code"], entry["year"])}
    assert after[(entry["region_code"], entry["year"])]["new_total"] == before[(entry["region_code"], entry["year"])]["new_total"] + 7
    con = duckdb.connect(str(demo["data"] / "warehouse.duckdb"), read_only=True)
    try:
        versions = con.execute("SELECT count(*), count(*) FILTER (WHERE is_current) FROM reports r JOIN agencies a "
                               "USING (agency_id) WHERE a.name = ? AND r.year = ? AND r.status = 'ok'",
                               [entry["agency"], entry["year"]]).fetchone()
    finally:
        con.close()
    assert versions == (2, 1)  # the earlier publication stays queryable, superseded


def scanned_figures(data) -> dict[str, dict[str, float | None]]:
    """The figures of every report read by OCR (note.ocr), by sha256."""
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute("""SELECT r.sha256, f.key, f.value FROM reports r JOIN figures f USING (report_id)
                              WHERE r.report_id IN (SELECT report_id FROM issues WHERE code = 'note.ocr')""").fetchall()
    finally:
        con.close()
    found: dict[str, dict[str, float | None]] = defaultdict(dict)
    for sha, key, value in rows:
        found[sha][key] = value
    return dict(found)


def test_the_scan_is_read_by_ocr_with_its_pictures_to_the_generated_figures(demo):
    (entry,) = [e for e in demo["entries"] if e["quirks"].get("scan")]
    assert entry["format"] == "html" and entry["pictures"]
    ((sha, figures),) = scanned_figures(demo["data"]).items()
    con = duckdb.connect(str(demo["data"] / "warehouse.duckdb"), read_only=True)
    try:
        unsure = {k for (keys,) in con.execute("SELECT i.keys FROM issues i JOIN reports r USING (report_id) WHERE "
                                               "r.sha256 = ? AND i.code = 'extractor.ocr_unsure'", [sha]).fetchall()
                  for k in keys}
    finally:
        con.close()
    assert {k: v for k, v in figures.items() if v is not None} == {
        k: v for k, v in entry["figures"].items() if v is not None and k not in unsure}  # never a wrong figure
    assert {k for k, v in figures.items() if v is None} <= unsure | {k for k, v in entry["figures"].items() if v is None}


def test_extraction_on_a_two_worker_dask_cluster_gives_the_same_warehouse(demo, tmp_path):
    distributed = pytest.importorskip("distributed")
    data = tmp_path / "data"
    data.mkdir()
    shutil.copytree(demo["data"] / "raw", data / "raw")
    shutil.copy(demo["data"] / "harvest.duckdb", data / "harvest.duckdb")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        extracted = extract_with(cluster.scheduler_address)(str(data))
    assert sum(extracted.values()) > 0
    load(str(data), str(demo["registry"]))
    assert county_rows(data).keys() == county_rows(demo["data"]).keys()
    for key, row in county_rows(data).items():
        for column in MEASURES:
            assert row[column] == pytest.approx(county_rows(demo["data"])[key][column])
    scans = scanned_figures(data)  # the scan was read on the cluster too, to the same figures
    assert scans and scans == scanned_figures(demo["data"])


def test_readers_are_never_blocked_by_the_nightly_load(demo):
    data = demo["data"]
    reader = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    count = reader.execute("SELECT count(*) FROM reports").fetchone()[0]
    errors: list[Exception] = []
    done = threading.Event()

    def analyst() -> None:
        while not done.is_set():
            try:
                con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
                con.execute("SELECT count(*) FROM v_county_year").fetchone()
                con.close()
            except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                errors.append(exc)

    def analyst_cli() -> None:
        while not done.is_set():
            result = subprocess.run([sys.executable, "-m", "xxgk", "query", "--data", str(data),
                                     "SELECT count(*) AS n FROM v_county_year"], capture_output=True, text=True)
            runs.append(result)

    runs: list[subprocess.CompletedProcess] = []
    threads = [threading.Thread(target=analyst), threading.Thread(target=analyst_cli)]
    for thread in threads:
        thread.start()
    try:
        load(str(data), str(demo["registry"]))
    finally:
        done.set()
        for thread in threads:
            thread.join()
    assert not errors
    assert runs and all(r.returncode == 0 for r in runs), [r.stderr for r in runs if r.returncode]
    assert reader.execute("SELECT count(*) FROM reports").fetchone()[0] == count  # the open connection still reads
    reader.close()


def test_the_deployment_runs_at_two_in_the_morning_china_time():
    deployment = nightly_deployment("sources.yaml", "data")
    schedule = deployment.schedules[0].schedule
    assert schedule.cron == "0 2 * * *" and schedule.timezone == "Asia/Shanghai"
    assert deployment.parameters["data_dir"] == "data"


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_county_tables_in_the_national_layout_read_back_as_the_county_sums(demo, tmp_path, fmt):
    # What a 政务公开办 publishes must be a report xxgk itself reads back to the same figures.
    from warehouse.export import county_tables, export_docx, export_html
    from xxgk.extraction import extract_path

    county, year = next(iter(sorted(expected_sums(demo["entries"]))))
    con = duckdb.connect(str(demo["data"] / "warehouse.duckdb"), read_only=True)
    try:
        path = tmp_path / f"tables.{fmt}"
        if fmt == "docx":
            export_docx(con, county, year, str(path))
        else:
            path.write_text(export_html(con, county, year), encoding="utf-8")
    finally:
        con.close()
    record = extract_path(path)
    assert record["status"] == "ok" and record["year"] == year, record["issues"][:3]
    row = county_rows(demo["data"])[(county, year)]
    for column, keys in MEASURES.items():
        assert record["values"][keys[0]] == pytest.approx(row[column]), column
    sums = county_tables(str(demo["data"] / "warehouse.duckdb"), county, year)["values"]
    assert {k: record["values"][k] for k in sums} == pytest.approx(sums)  # every figure, not only the measures


def test_agency_and_year_from_the_listing_title_when_the_document_lacks_them():
    from flows.nightly import with_listing_title

    record = {"status": "ok", "agency": None, "year": None, "issues": [], "values": {}}
    filled = with_listing_title(record, "夏县教育局2023年政府信息公开工作年度报告")
    assert (filled["agency"], filled["year"]) == ("夏县教育局", 2023)
    assert filled["issues"][0]["code"] == "note.meta_from_listing"
    assert record["agency"] is None  # the extraction record itself is left as it was
    named = dict(record, agency="夏县民政局", year=2022)
    assert with_listing_title(named, "夏县教育局2023年政府信息公开工作年度报告") is named
    assert with_listing_title(dict(record, status="failed"), "夏县教育局2023年…")["agency"] is None


def test_the_county_page_lists_every_agency_found_on_its_portal(demo):
    from click.testing import CliRunner

    from xxgk.cli import cli

    county, year = "140828", YEARS[-1]
    agencies = {e["agency"] for e in demo["entries"] if e["region_code"] == county}
    con = duckdb.connect(str(demo["data"] / "warehouse.duckdb"), read_only=True)
    try:
        columns = dict(con.execute("SELECT agency, status FROM portal_columns WHERE region_code = ?", [county]).fetchall())
    finally:
        con.close()
    assert set(columns) - {None} == agencies and set(columns.values()) == {"active"}  # every agency's column found
    result = CliRunner().invoke(cli, ["summary", "--data", str(demo["data"]), "--county", county, "--year", str(year)])
    assert result.exit_code == 0, result.output
    assert f"共 {len(agencies) + 1} 个" in result.output and "机关不明" in result.output  # + the 年报专栏 nobody is named in
    for agency in agencies:
        assert agency in result.output
