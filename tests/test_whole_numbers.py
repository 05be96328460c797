"""Numbers as people write them: counts are whole numbers in the views (migration 005), amounts keep
their decimals, rates stay fractions in the views and print as percentages in the CLI."""

from __future__ import annotations

import re

import duckdb
import pandas as pd
from click.testing import CliRunner

from transform.template import all_keys, unit_of
from warehouse.metrics import COUNTS, RATES, VIEWS_SQL, measures
from warehouse.migrate import migrations
from warehouse.publish import publish_records, warehouse_path
from warehouse.summary import county_summary
from warehouse_records import record
from xxgk.cli import cli
from xxgk.console import number, percent


def small(data):
    recs = [record("夏县教育局", 2021), record("夏县教育局", 2022), record("夏县财政局", 2022)]
    recs[2]["values"]["t2.fees.amount"] = 12.34
    publish_records(data, recs)
    return recs


def types(con, view: str) -> dict[str, str]:
    return {name: kind for name, kind, *_ in con.execute(f"DESCRIBE {view}").fetchall()}


def test_views_give_counts_as_integers_and_rates_as_fractions(tmp_path):
    data = tmp_path / "data"
    recs = small(data)
    assert VIEWS_SQL.name.startswith("005_") and VIEWS_SQL.name in {f"{v:03d}_{n}.sql" for v, n, _ in migrations()}
    con = duckdb.connect(str(warehouse_path(data)), read_only=True)
    try:
        for view in ("v_county_year", "v_city_year", "v_province_year"):
            t = types(con, view)
            assert {t[m.name] for m in measures()} == {"BIGINT"}, view
            assert {t[c] for c, _ in COUNTS} == {"BIGINT"}, view
            assert {t[r] for r, _, _ in RATES} == {"DOUBLE"}, view
        wide = types(con, "v_figures_wide")
        assert all(wide[k] == ("BIGINT" if unit_of(k) == "件" else "DOUBLE") for k in all_keys())
        new_total, rate = con.execute(
            "SELECT new_total, disclosure_rate FROM v_county_year WHERE code = '140828' AND year = 2022").fetchone()
        fees = con.execute('SELECT "t2.fees.amount" FROM v_figures_wide WHERE agency = \'夏县财政局\'').fetchone()[0]
    finally:
        con.close()
    assert isinstance(new_total, int) and new_total == recs[1]["values"]["t3.new.total"] + recs[2]["values"]["t3.new.total"]
    assert 0 < rate < 1 and fees == 12.34
    df = county_summary(warehouse_path(data), county="140828", year=2022)
    for column in ("new_total", "prev_new_total", "change_new_total", "agencies_reporting"):
        assert pd.api.types.is_integer_dtype(df[column]), column
    assert pd.api.types.is_integer_dtype(df["prev_other_no_correction"])


def test_the_cli_prints_whole_numbers_and_percentages(tmp_path):
    data = tmp_path / "data"
    small(data)
    res = CliRunner().invoke(cli, ["summary", "--data", str(data), "--county", "140828", "--year", "2022"])
    assert res.exit_code == 0, res.output
    rate_line = next(line for line in res.output.splitlines() if "公开率" in line)
    assert re.search(r"\d+\.\d%", rate_line), rate_line
    assert not re.search(r"(?<![\d.])\d+\.0(?![\d%])", res.output)
    res = CliRunner().invoke(cli, ["summary", "--data", str(data), "--province", "140000", "--counties"])
    assert res.exit_code == 0 and "%" in res.output and not re.search(r"(?<![\d.])\d+\.0(?![\d%])", res.output)


def test_number_and_percent():
    assert [number(v) for v in (223.0, 25.10, 1234567.0, None, float("nan"), pd.NA, 7)] == [
        "223", "25.1", "1234567", "", "", "", "7"]
    assert percent(0.1619047619047619) == "16.2%" and percent(None) == ""
