"""Loading: idempotence, versions, placement, checks, corrections — on real DuckDB files."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from transform.template import all_keys
from warehouse.agencies import classify, place
from warehouse.corrections import add_correction
from warehouse.load import connect, load_records
from warehouse.migrate import migrations
from warehouse.publish import publish_records, republish, warehouse_path
from warehouse.regions import identity, regions
from warehouse_records import failed, record


def snapshot(db) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in ("reports", "figures", "figures_wide", "issues", "agencies", "checks", "county_year_sums",
                          "documents")}
    finally:
        con.close()


def test_schema_matches_metrics(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    cols = [r[0] for r in con.execute("DESCRIBE figures_wide").fetchall()]
    assert cols == ["report_id", *all_keys()], "metrics.csv changed: add a migration for figures_wide"
    versions = [v for v, _, _ in migrations()]
    assert con.execute("SELECT max(version) FROM schema_migrations").fetchall()[0][0] == versions[-1]


def test_views_sql_is_generated_from_metrics():
    from warehouse.metrics import VIEWS_SQL, views_sql

    assert VIEWS_SQL.read_text(encoding="utf-8") == views_sql(), "run python -m warehouse.metrics"


def test_regions_identity_and_placement():
    regs = regions()
    assert regs["140828"].name == "夏县" and regs["140828"].city == "140800"
    assert identity("320829") == "320813"  # 洪泽县 → 洪泽区 (2016)
    a, b = place("洪泽县教育局"), place("洪泽区教育局")
    assert a.agency_id == b.agency_id == "320813:教育局"
    amb = place("朝阳区人民政府")
    assert amb.region_code is None and amb.placement == "ambiguous" and set(amb.candidates) == {"110105", "220104"}
    assert place("朝阳区人民政府", region_hint="220100").region_code == "220104"
    conflict = place("睢宁县教育局", region_hint="140828")
    assert conflict.region_code is None and conflict.placement == "conflict"
    assert place("县教育局", region_hint="140828").agency_id == "140828:教育局"
    assert classify("夏县水头镇人民政府") == "township"
    assert classify("夏县乡村振兴局") == "department"
    assert classify("夏县人民政府") == "government"
    assert classify("夏县人民政府办公室") == "department"
    gov = place("夏县人民政府")
    assert gov.is_summary and "rule" in gov.summary_basis
    assert not place("夏县人民政府办公室").is_summary


def test_load_is_idempotent(tmp_path):
    db = tmp_path / "w.duckdb"
    recs = [record("夏县人民政府", 2022), record("夏县教育局", 2022), record("夏县教育局", 2021), failed("scan.pdf")]
    first = load_records(db, recs, region_code="140828", source_id="xiaxian")
    assert (first.new, first.unchanged) == (4, 0)
    before = snapshot(db)
    again = load_records(db, recs, region_code="140828", source_id="xiaxian")
    assert (again.new, again.changed, again.unchanged) == (0, 0, 4)
    assert snapshot(db) == before
    con = duckdb.connect(str(db), read_only=True)
    n_fig = con.execute("SELECT count(*) FROM figures").fetchall()[0][0]
    assert n_fig == sum(len(r["values"]) for r in recs)
    failed_row = con.execute("SELECT region_code, status FROM reports WHERE status = 'failed'").fetchall()
    assert failed_row == [("140828", "failed")]


def test_reextraction_replaces_in_place(tmp_path):
    db = tmp_path / "w.duckdb"
    r = record("夏县教育局", 2022)
    load_records(db, [r])
    r2 = dict(r, values=dict(r["values"], **{"t3.new.natural": 1000}), status="flagged")
    res = load_records(db, [r2])
    assert res.changed == 1
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM reports").fetchall()[0][0] == 1
    assert con.execute("""SELECT "t3.new.natural" FROM figures_wide""").fetchall()[0][0] == 1000
    rules = {r for (r,) in con.execute("SELECT DISTINCT rule FROM checks").fetchall()}
    assert {"rule1", "rule3"} <= rules


def test_republication_supersedes(tmp_path):
    db = tmp_path / "w.duckdb"
    old = record("夏县教育局", 2022, seed=1, doc="old")
    new = record("夏县教育局", 2022, seed=2, doc="new")
    docs = {old["sha256"]: {"published_on": "2023-01-20"}, new["sha256"]: {"published_on": "2023-03-01"}}
    load_records(db, [new], documents=docs, region_code="140828")
    load_records(db, [old], documents=docs, region_code="140828")  # the older one harvested later
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("""SELECT r.sha256 = ?, version, is_current, superseded_by IS NOT NULL FROM reports r
                          ORDER BY version""", [new["sha256"]]).fetchall()
    assert rows == [(False, 1, False, True), (True, 2, True, False)]
    assert con.execute("SELECT agencies_reporting, new_total FROM v_county_year").fetchall()[0] == (
        1, new["values"]["t3.new.total"])


def test_checks_within_and_across_years(tmp_path):
    db = tmp_path / "w.duckdb"
    a = record("洪泽县教育局", 2021, seed=3)  # a former county name: same agency as 洪泽区教育局
    b = record("洪泽区教育局", 2022, seed=4)
    v = b["values"]
    delta = a["values"]["t3.carried_forward.natural"] + 5 - v["t3.carried_over.natural"]
    for key, change in (("t3.carried_over.natural", delta), ("t3.carried_over.total", delta),
                        ("t3.new.natural", -delta), ("t3.new.total", -delta)):
        v[key] += change  # rules 1 and 3 still hold within the report
    b["values"]["t2.rules.in_force"] = (a["values"]["t2.rules.in_force"] + b["values"]["t2.rules.issued"]
                                        - b["values"]["t2.rules.repealed"])
    load_records(db, [a, b])
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("""SELECT c.rule, c.keys, c.expected, c.found, r.year FROM checks c JOIN reports r USING (report_id)
                          ORDER BY ALL""").fetchall()
    carry = [r for r in rows if r[0] == "cross.carry_over" and r[1][0] == "t3.carried_forward.natural"]
    assert carry and carry[0][2] + 5 == carry[0][3] and carry[0][4] == 2022
    assert not [r for r in rows if r[0] == "cross.in_force" and r[1][0] == "t2.rules.in_force"]
    assert not [r for r in rows if r[0].startswith("rule")]
    assert con.execute("SELECT count(DISTINCT agency_id) FROM reports").fetchall()[0][0] == 1


def test_county_totals_never_count_the_summary_twice(tmp_path):
    db = tmp_path / "w.duckdb"
    dept = [record("夏县教育局", 2022), record("夏县水头镇人民政府", 2022)]
    total = {k: (dept[0]["values"][k] or 0) + (dept[1]["values"][k] or 0) if dept[0]["values"][k] is not None else None
             for k in dept[0]["values"]}
    total["t3.new.total"] += 7  # the summary disagrees on one figure
    gov = record("夏县人民政府", 2022, values=total)
    load_records(db, [*dept, gov], region_code="140828")
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute("SELECT new_total, has_county_summary, basis, agencies_reporting FROM v_county_year").fetchall()[0]
    assert row == (dept[0]["values"]["t3.new.total"] + dept[1]["values"]["t3.new.total"], True, "agencies", 3)
    checks = con.execute("SELECT keys, expected, found FROM checks WHERE rule = 'county.summary'").fetchall()
    assert checks == [(["t3.new.total"], row[0], row[0] + 7)]


def test_missing_agencies_and_yoy_format_break(tmp_path):
    from warehouse.summary import county_summary

    db = tmp_path / "w.duckdb"
    load_records(db, [record("夏县教育局", 2020), record("夏县财政局", 2020), record("夏县教育局", 2021)])
    df = county_summary(db, county="140828", year=2021)
    row = df.iloc[0]
    assert row["agencies_missing"] == 1 and bool(row["format_break"])
    assert row["change_new_total"] == row["new_total"] - row["prev_new_total"]
    assert pd.isna(row["change_other_no_correction"])  # 2021 only: no change across the break


def test_corrections_survive_reextraction_and_rebuild(tmp_path):
    data = tmp_path / "data"
    r = record("夏县教育局", 2022, status="flagged")
    publish_records(data, [r])
    add_correction(data, {"action": "figure", "sha256": r["sha256"], "key": "t4.review.total", "value": 99})
    add_correction(data, {"action": "confirm", "agency": "夏县教育局", "year": 2022})
    republish(data)

    def state(db):
        con = duckdb.connect(str(db), read_only=True)
        try:
            return (con.execute("""SELECT "t4.review.total" FROM figures_wide""").fetchall()[0][0],
                    con.execute("SELECT review_status, figures_corrected FROM v_reports").fetchall()[0],
                    con.execute("SELECT figures_corrected FROM v_county_year").fetchall()[0][0],
                    con.execute("SELECT value, extracted, corrected FROM v_figures WHERE key = 't4.review.total'").fetchall())
        finally:
            con.close()

    s1 = state(warehouse_path(data))
    assert s1[0] == 99 and s1[1] == ("confirmed", 1) and s1[2] == 1
    assert s1[3] == [(99.0, r["values"]["t4.review.total"], True)]
    # Re-extraction of the same document (different issues) and a rebuild from nothing keep it.
    r2 = dict(r, issues=[{"code": "note.x", "message": "re-extracted", "keys": []}])
    publish_records(data, [r2])
    assert state(warehouse_path(data)) == s1
    publish_records(data, [r2], rebuild=True)
    assert state(warehouse_path(data)) == s1
    assert any(row[0] == "rule4" for row in duckdb.connect(str(warehouse_path(data)), read_only=True).execute(
        "SELECT rule FROM checks").fetchall())  # 99 breaks rule 4: the check sees effective figures


def test_agency_override_places_and_unsummarises(tmp_path):
    data = tmp_path / "data"
    publish_records(data, [record("朝阳区人民政府", 2022), record("夏县人民政府", 2022), record("夏县教育局", 2022)])
    add_correction(data, {"action": "agency", "agency": "朝阳区人民政府", "region": "110105"})
    add_correction(data, {"action": "agency", "agency": "夏县人民政府", "is_summary": False, "note": "covers its office"})
    republish(data)
    con = duckdb.connect(str(warehouse_path(data)), read_only=True)
    agencies = dict(con.execute("SELECT agency_id, is_summary FROM agencies").fetchall())
    assert agencies == {"110105:人民政府": True, "140828:人民政府": False, "140828:教育局": False}
    assert con.execute("SELECT reports_counted FROM v_county_year WHERE code = '140828'").fetchall()[0][0] == 2


def test_bad_correction_is_refused(tmp_path):
    from warehouse.corrections import CorrectionError

    with pytest.raises(CorrectionError):
        add_correction(tmp_path, {"action": "figure", "sha256": "ab", "key": "t9.nothing", "value": 1})


def test_an_amount_of_unknown_unit_is_left_out_of_the_effective_figures_until_reviewed(tmp_path):
    """Printed 10669053 under 采购总金额 with no unit: as 万元 it is 10,000 times too large if the
    clerk meant 元. It stays in `figures` as printed, out of every sum until a reviewer decides."""
    issue = {"code": "extractor.unit_unknown", "message": "t2.procurement.amount: no unit", "keys": ["t2.procurement.amount"]}

    def with_amount(agency, amount, held):
        base = record(agency, 2020)
        values = dict(base["values"], **{"t2.procurement.amount": amount})
        return record(agency, 2020, status="flagged" if held else "ok", values=values, issues=[issue] if held else [])

    corrected, confirmed, clean = with_amount("夏县财政局", 10669053, True), with_amount("夏县水利局", 350, True), with_amount("夏县教育局", 12.5, False)
    data = tmp_path / "data"
    publish_records(data, [corrected, confirmed, clean], region_code="140828")

    def amounts():
        con = duckdb.connect(str(warehouse_path(data)), read_only=True)
        try:
            wide = con.execute('SELECT sum("t2.procurement.amount") FROM v_figures_wide').fetchone()[0]
            printed = con.execute("SELECT sum(value) FROM figures WHERE key = 't2.procurement.amount'").fetchone()[0]
        finally:
            con.close()
        return wide, printed

    assert amounts() == (12.5, 10669053 + 350 + 12.5)
    add_correction(data, {"action": "figure", "sha256": corrected["sha256"], "key": "t2.procurement.amount", "value": 1066.9053})
    republish(data)
    assert amounts()[0] == pytest.approx(12.5 + 1066.9053)
    add_correction(data, {"action": "confirm", "sha256": confirmed["sha256"], "note": "万元, as the 2020 report"})
    republish(data)
    assert amounts() == (pytest.approx(12.5 + 1066.9053 + 350), 10669053 + 350 + 12.5)
