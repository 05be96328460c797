"""`xxgk summary [--county CODE|--city CODE|--province CODE] [--year Y] [--json|--csv|--parquet PATH]`."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table

from xxgk.console import number, percent, table_console
from warehouse.export import export_csv, export_docx, export_html
from warehouse.metrics import VALUE_LABELS
from warehouse.publish import open_published
from warehouse.summary import county_agencies, label, summary

# What the table shows when there are several rows; --json/--csv/--parquet have every column.
SHORT = {"name": "地区", "year": "年度", "format": "版本", "agencies_reporting": "报告机关", "agencies_flagged": "待审核",
         "agencies_missing": "缺报", "new_total": "新收申请", "change_new_total": "较上年", "outcomes_total": "办理总数",
         "disclosure_rate": "公开率", "carried_forward": "结转下年", "review_total": "复议", "correction_rate": "纠错率",
         "figures_corrected": "更正数"}
BRIEF = ["name", "year", "format", "agencies_reporting", "agencies_flagged", "agencies_missing", "new_total",
         "change_new_total", "outcomes_total", "disclosure_rate", "carried_forward", "review_total",
         "correction_rate", "figures_corrected"]


def _rate(col: str, v) -> str:
    if col in VALUE_LABELS and number(v):  # 是/否, 各机关合计, ... (numpy's booleans hash as Python's)
        return VALUE_LABELS[col].get(v, number(v))
    return percent(v) if col.endswith("_rate") else number(v)


@click.command("summary")
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False))
@click.option("--county", help="A county code (GB/T 2260; a former code such as 320829 means its successor).")
@click.option("--city", help="A city code: the city's roll-up (with --counties: its counties).")
@click.option("--province", help="A province code: the province's roll-up (with --counties: its counties).")
@click.option("--counties", is_flag=True, help="List the counties of --city/--province instead of the roll-up.")
@click.option("--year", type=int)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per row per line, every column.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV, every column.")
@click.option("--parquet", "parquet", type=click.Path(dir_okay=False), help="Write every column to this Parquet file.")
@click.option("--tables", "tables", type=click.Path(dir_okay=False),
              help="With --county and --year: write the county's tables 二/三/四 in the national layout "
                   "to this .html or .docx file (.csv: one figure a line, for Excel).")
def command(data_dir, county, city, province, counties, year, as_json, as_csv, parquet, tables) -> None:
    """Per county and year: applications by applicant type, outcomes and the disclosure rate, carried
    forward, review and litigation with the correction rate, agencies reporting / flagged / missing,
    figures corrected, and the change from the previous year (format break 2020→2021 marked)."""
    if sum(bool(x) for x in (county, city, province)) > 1:
        raise click.UsageError("give one of --county, --city, --province")
    if tables:
        if not (county and year):
            raise click.UsageError("--tables needs --county and --year")
        if tables.endswith(".docx"):
            export_docx_path = export_docx(_db(data_dir), county, year, tables)
            click.echo(f"wrote {export_docx_path}")
        else:
            export = export_csv if tables.endswith(".csv") else export_html
            with open(tables, "w", encoding="utf-8", newline="") as fh:
                fh.write(export(_db(data_dir), county, year))
            click.echo(f"wrote {tables}")
        return
    con = _open(data_dir)
    agencies = None
    try:
        df = summary(con, county=county, city=city, province=province, year=year, counties=counties)
        if county and len(df) == 1 and not (parquet or as_json or as_csv):
            agencies = county_agencies(con, df.iloc[0]["county"], int(df.iloc[0]["year"]))
    finally:
        con.close()
    if parquet:
        df.to_parquet(parquet, index=False)
        click.echo(f"wrote {len(df)} rows to {parquet}")
        return
    if as_json:
        df.to_json(sys.stdout, orient="records", lines=True, force_ascii=False)
        return
    if as_csv:
        df.to_csv(sys.stdout, index=False)
        return
    console = table_console()
    if df.empty:
        console.print("no reports for this selection")
        return
    if len(df) == 1:
        _print_one(console, df.iloc[0])
        if agencies is not None:
            _print_agencies(console, agencies, int(df.iloc[0]["year"]))
    else:
        table = Table(title="政府信息公开年度报告 汇总")
        cols = [c for c in BRIEF if c in df.columns]
        for c in cols:
            table.add_column(SHORT.get(c, label(c)), justify="left" if c == "name" else "right", no_wrap=True)
        for _, row in df.iterrows():
            table.add_row(*[_rate(c, row[c]) for c in cols])
        console.print(table)


def _print_one(console: Console, row) -> None:
    title = f"{row.get('name')} {row.get('year')}年（{row.get('format')} 年版格式）"
    if row.get("format_break"):
        title += " · 与上年格式不同：仅一版有的项目不作比较"
    table = Table(title=title)
    table.add_column("项目")
    table.add_column("本年", justify="right")
    table.add_column("上年", justify="right")
    table.add_column("增减", justify="right")
    skip = {"level", "code", "name", "county", "city", "province", "year", "format", "format_break", "prev_format"}
    for col in row.index:
        if col in skip or col.startswith(("prev_", "change_")) or col.endswith("_name"):
            continue
        table.add_row(label(col), _rate(col, row[col]), _rate(col, row.get(f"prev_{col}")),
                      _rate(col, row.get(f"change_{col}")) if not col.endswith("_rate") else "")
    console.print(table)


REPORT_LABELS = {"ok": "已报送", "flagged": "待审核", "confirmed": "已确认", "failed": "无法读取", "missing": "未报送"}


def _print_agencies(console: Console, agencies, year: int) -> None:
    """Every agency found in the county: its report of the year and its 年报 column on the portal."""
    table = Table(title=f"本县机关（共 {len(agencies)} 个：有报告或门户网站上找到其年报栏目）")
    table.add_column("机关")
    table.add_column(f"{year}年报告")
    table.add_column("年报栏目", overflow="fold")
    for _, row in agencies.iterrows():
        column = row["columns"] if isinstance(row["columns"], str) else ""
        if column and row["column_status"] == "gone":
            column += "（栏目已消失）"
        table.add_row(row["agency"] if isinstance(row["agency"], str) else "（机关不明，待审核）",
                      REPORT_LABELS.get(row["report"], row["report"]) if isinstance(row["report"], str) else "—", column)
    console.print(table)


def _db(data_dir: str):
    from warehouse.publish import warehouse_path

    path = warehouse_path(data_dir)
    if not path.exists():
        raise click.ClickException(f"no warehouse at {path}: load one first")
    return path


def _open(data_dir: str):
    try:
        return open_published(data_dir)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
