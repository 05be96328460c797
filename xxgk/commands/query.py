"""`xxgk query "SQL" [--data DIR] [--json|--csv]`: ask the published warehouse, read-only."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table

from warehouse.publish import open_published


def _cell(value) -> str:
    """A value as shown in the table: nothing for NULL/NaN, lists (e.g. the keys of a check) joined."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if hasattr(value, "__len__") and not isinstance(value, (str, bytes)):
        return ", ".join(_cell(v) for v in value)
    return str(value)


@click.command("query")
@click.argument("sql")
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False),
              help="The data folder (its warehouse.duckdb is opened read-only).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per row per line.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header line.")
@click.option("--limit", default=200, show_default=True, help="Rows shown in the table (not for --json/--csv).")
def command(sql: str, data_dir: str, as_json: bool, as_csv: bool, limit: int) -> None:
    """Run one SQL query on the warehouse (tables: regions, agencies, documents, reports, figures,
    issues, corrections, checks; views: v_reports, v_figures, v_figures_wide, v_county_year,
    v_city_year, v_province_year). The connection is read-only, so it never blocks the nightly load."""
    try:
        con = open_published(data_dir)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        df = con.execute(sql).df()
    except Exception as exc:  # a bad query is the user's error, not a crash
        raise click.ClickException(str(exc).splitlines()[0]) from None
    finally:
        con.close()
    if as_json:
        df.to_json(sys.stdout, orient="records", lines=True, force_ascii=False, date_format="iso")
    elif as_csv:
        df.to_csv(sys.stdout, index=False)
    else:
        table = Table(show_lines=False)
        for c in df.columns:
            table.add_column(str(c), overflow="fold")
        for row in df.head(limit).itertuples(index=False):
            table.add_row(*[_cell(v) for v in row])
        console = Console()
        console.print(table)
        if len(df) > limit:
            console.print(f"{len(df)} rows, {limit} shown (--csv or --json for all)")
