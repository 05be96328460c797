"""Publishing, summaries, exports and the CLI on a small warehouse in a data folder."""

from __future__ import annotations

import json

import duckdb
from click.testing import CliRunner
from docx import Document

from warehouse.export import county_tables, export_docx, export_html
from warehouse.publish import open_published, publish_records, warehouse_path
from warehouse.summary import area_summary, county_summary
from warehouse_records import record
from xxgk.cli import cli


def small(data):
    recs = [record("夏县教育局", 2021), record("夏县教育局", 2022), record("夏县财政局", 2022),
            record("夏县人民政府", 2022), record("稷山县教育局", 2022, status="flagged"), record("洪泽区教育局", 2022)]
    publish_records(data, recs)
    return recs


def test_readers_are_never_blocked(tmp_path):
    data = tmp_path / "data"
    publish_records(data, [record("夏县教育局", 2021)])
    reader = open_published(data)
    assert reader.execute("SELECT count(*) FROM reports").fetchall()[0][0] == 1
    publish_records(data, [record("夏县教育局", 2022)])  # a writer while the reader is open
    assert reader.execute("SELECT count(*) FROM reports").fetchall()[0][0] == 1  # still its snapshot
    reader.close()
    with open_published(data) as fresh:
        assert fresh.execute("SELECT count(*) FROM reports").fetchall()[0][0] == 2
    assert not (data / ".warehouse.building.duckdb").exists()


def test_failed_build_leaves_published_file(tmp_path):
    data = tmp_path / "data"
    publish_records(data, [record("夏县教育局", 2021)])
    before = warehouse_path(data).read_bytes()
    try:
        publish_records(data, [{"sha256": "x", "values": {"t3.new.total": "not a number"}, "status": "ok",
                                "agency": "夏县教育局", "year": 2022}])
    except Exception:
        pass
    assert warehouse_path(data).read_bytes() == before


def test_summaries_and_rollups(tmp_path):
    data = tmp_path / "data"
    recs = small(data)
    db = warehouse_path(data)
    one = county_summary(db, county="140828", year=2022)
    assert len(one) == 1
    row = one.iloc[0]
    assert row["new_total"] == recs[1]["values"]["t3.new.total"] + recs[2]["values"]["t3.new.total"]
    assert row["agencies_reporting"] == 3 and row["has_county_summary"] and row["basis"] == "agencies"
    assert 0 <= row["disclosure_rate"] <= 1
    assert row["change_new_total"] == row["new_total"] - recs[0]["values"]["t3.new.total"]
    city = area_summary(db, "city", code="140800", year=2022).iloc[0]
    assert city["new_total"] == row["new_total"] + recs[4]["values"]["t3.new.total"]
    assert city["agencies_flagged"] == 1 and city["counties_reporting"] == 2
    prov = area_summary(db, "province", code="320000", year=2022).iloc[0]
    assert prov["new_total"] == recs[5]["values"]["t3.new.total"]
    # A former code names the same county.
    assert county_summary(db, county="320829", year=2022).iloc[0]["code"] == "320813"


def test_national_layout_exports(tmp_path):
    data = tmp_path / "data"
    recs = small(data)
    db = warehouse_path(data)
    t = county_tables(db, "140828", 2022)
    assert t["reports"] == 2 and t["values"]["t4.review.total"] == (
        recs[1]["values"]["t4.review.total"] + recs[2]["values"]["t4.review.total"])
    html = export_html(db, "140828", 2022)
    for label in ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
                  "本年制发件数", "（七）总计", "逾期不补正", "复议后起诉"):
        assert label in html
    path = export_docx(db, "140828", 2022, tmp_path / "t.docx")
    doc = Document(str(path))
    texts = [c.text for table in doc.tables for row in table.rows for c in row.cells]
    assert "（七）总计" in texts and str(int(t["values"]["t3.total.total"])) in texts


def test_cli(tmp_path):
    data = tmp_path / "data"
    small(data)
    run = CliRunner().invoke
    res = run(cli, ["query", "SELECT count(*) AS n FROM reports", "--data", str(data), "--json"])
    assert res.exit_code == 0 and json.loads(res.output) == {"n": 6}
    res = run(cli, ["query", "DELETE FROM reports", "--data", str(data)])
    assert res.exit_code != 0  # read-only
    res = run(cli, ["query", "SELECT ['t4.review.total', 't4.review.upheld'] AS keys, NULL AS nothing", "--data", str(data)])
    assert res.exit_code == 0 and "t4.review.total, t4.review.upheld" in res.output  # lists shown, not a crash
    res = run(cli, ["summary", "--data", str(data), "--county", "140828", "--year", "2022"])
    assert res.exit_code == 0 and "新收申请·总计" in res.output
    res = run(cli, ["summary", "--data", str(data), "--province", "140000", "--counties", "--csv"])
    assert res.exit_code == 0 and res.output.count("\n") == 4  # header + 夏县 2021, 2022 + 稷山县 2022
    res = run(cli, ["summary", "--data", str(data), "--county", "140828", "--year", "2022", "--tables",
                    str(tmp_path / "t.html")])
    assert res.exit_code == 0 and (tmp_path / "t.html").exists()
    flagged = duckdb.connect(str(warehouse_path(data)), read_only=True).execute(
        "SELECT report_id FROM reports WHERE status = 'flagged'").fetchall()[0][0]
    res = run(cli, ["review", "figure", str(flagged), "t3.new.total", "5", "--data", str(data)])
    assert res.exit_code == 0, res.output
    res = run(cli, ["review", "confirm", str(flagged), "--data", str(data)])
    assert res.exit_code == 0, res.output
    res = run(cli, ["summary", "--data", str(data), "--city", "140800", "--year", "2022", "--json"])
    row = json.loads(res.output)
    assert row["figures_corrected"] == 1 and row["agencies_flagged"] == 0
    res = run(cli, ["review", "list", "--data", str(data)])
    assert res.exit_code == 0
