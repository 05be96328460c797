"""`xxgk audit [--county C|--city C|--province C] [--year Y] [--json|--csv]`: every report against the
national format, one row per agency, one column per criterion (✓ or the finding), then each county's
share passing each criterion."""

from __future__ import annotations

import json
import sys

import click
import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from warehouse.audit import CRITERIA, HEADINGS, audit_findings, audit_shares, audit_table
from warehouse.publish import open_published
from xxgk.console import table_console

FINDING_FIELDS = ["report_id", "agency_name", "region_code", "county_name", "year", "code", "criterion", "severity",
                  "where", "keys", "message", "related_report", "days"]


@click.command("audit")
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False))
@click.option("--county", help="A county code (GB/T 2260).")
@click.option("--city", help="A city code: its counties.")
@click.option("--province", help="A province code: its counties.")
@click.option("--year", type=int, help="One year (default: every year).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per finding per line.")
@click.option("--csv", "as_csv", is_flag=True, help="The table as CSV (one row per agency and year).")
def command(data_dir, county, city, province, year, as_json, as_csv) -> None:
    """The audit of each report against the national format: published, on time (31 January), the
    six parts, the format of its year, title, rows, prose against the tables, 五 and 六 said, carries
    on from last year, unchanged after publication, published once."""
    if sum(bool(x) for x in (county, city, province)) > 1:
        raise click.UsageError("give one of --county, --city, --province")
    try:
        con = open_published(data_dir)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        if as_json:
            findings = audit_findings(con, county=county, year=year, city=city, province=province)
            for row in findings[FINDING_FIELDS].itertuples(index=False):
                click.echo(json.dumps({k: _plain(v) for k, v in zip(FINDING_FIELDS, row)}, ensure_ascii=False))
            return
        table = audit_table(con, county=county, year=year, city=city, province=province)
    finally:
        con.close()
    if as_csv:
        table.rename(columns=HEADINGS).to_csv(sys.stdout, index=False)
        return
    print_audit(table_console(), table)


def _plain(value):
    """A DataFrame value as JSON: lists as lists, NULL/NaN/NA as null, numpy scalars as numbers."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return list(value)
    if value is None or pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def print_audit(console: Console, table: pd.DataFrame) -> None:
    """The audit table of each county and year, then the county's share passing each criterion."""
    if table.empty:
        console.print("no reports for this selection")
        return
    for (name, year), group in table.groupby(["county_name", "year"], dropna=False, sort=False):
        shown = Table(title=f"{name if isinstance(name, str) else '未归属'} {int(year)}年 年报审核（依国家格式）")
        shown.add_column("机关", overflow="fold")
        shown.add_column("发布日期", no_wrap=True)
        for criterion, heading, _ in CRITERIA:
            shown.add_column(heading, overflow="fold")
        for row in group.itertuples():
            date = "" if pd.isna(row.published_on) else f"{pd.Timestamp(row.published_on):%Y-%m-%d}"
            if isinstance(row.basis, str):
                date += f" ({row.basis})"
            shown.add_row(row.agency or "?", date, *[getattr(row, c) for c, _, _ in CRITERIA])
        console.print(shown)
    shares = audit_shares(table)
    summary = Table(title="通过率（各县各年度：通过各项审核的机关占比）")
    summary.add_column("地区")
    summary.add_column("年度")
    summary.add_column("机关", justify="right")
    for _, heading, _ in CRITERIA:
        summary.add_column(heading, justify="right")
    for row in shares.itertuples():
        summary.add_row(row.county_name if isinstance(row.county_name, str) else "未归属", str(int(row.year)),
                        str(row.agencies), *[_share(getattr(row, c)) for c, _, _ in CRITERIA])
    console.print(summary)


def _share(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.0%}"
