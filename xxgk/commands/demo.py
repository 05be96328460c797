"""`xxgk demo`: the main job on bundled, generated demo data, with no internet."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from xxgk.console import number, table_console
from xxgk.prefect_env import use_local_prefect


@click.command("demo")
@click.option("--data", "data_dir", default="data/demo", show_default=True, type=click.Path(file_okay=False))
@click.option("--agencies", default=5, show_default=True, help="Agencies per county.")
@click.option("--desk", "open_desk", is_flag=True, help="Then serve the review desk on the demo warehouse (Ctrl+C stops it).")
@click.pass_context
def command(ctx: click.Context, data_dir: str, agencies: int, open_desk: bool) -> None:
    """Generate a demo corpus (three real counties, invented figures), serve it as local county
    portals on 127.0.0.1, run the nightly flow against them and print the county summary."""
    use_local_prefect(data_dir)
    from flows.nightly import nightly
    from xxgk.commands.summary import command as summary_command
    from xxgk.generate.corpus import write_demo_corpus
    from xxgk.portal.corpus import serve_corpus, write_registry

    console = table_console()
    data = Path(data_dir)
    corpus = data / "corpus"
    entries = write_demo_corpus(corpus, n_agencies=agencies, years=(2020, 2021, 2022, 2023), flaws=True, scans=True,
                                scan_wrap=("pdf", "html_files"))  # one county's scan is a page of picture files
    n_scans = sum(bool(e["quirks"].get("scan")) for e in entries)
    console.print(f"demo corpus: {len(entries)} generated reports in {corpus} (invented figures; {n_scans} scans, read by OCR)")
    served = serve_corpus(corpus, entries)
    try:
        registry = write_registry(served, data / "sources.yaml")
        for code, portal in served.items():
            console.print(f"county portal for {code}: {portal.base_url}/index.html (its columns are found from there)")
        with console.status("running the nightly flow (harvest → extract → load → summarize) on Prefect…"):
            nightly(str(registry), str(data))
    finally:
        for portal in served.values():
            portal.stop()
    ctx.invoke(summary_command, data_dir=str(data))
    print_broken_sums(data, console)
    print_audit_tables(data, console)
    console.print(f"\nwarehouse: [bold]{data / 'warehouse.duckdb'}[/]")
    console.print(f"try: .venv/bin/xxgk query --data {data} \"SELECT * FROM v_county_year\"")
    console.print("trends: open notebooks/trend_review.ipynb (XXGK_DATA=" + str(data) + ")")
    from xxgk.commands.desk import desk_address, serve_desk

    console.print(f"review desk (审核台): [bold]{desk_address('127.0.0.1', 8000, None)}[/] "
                  f"(.venv/bin/xxgk desk --data {data}, or xxgk demo --desk)")
    if open_desk:
        serve_desk(str(data))


def print_audit_tables(data: Path, console: Console) -> None:
    """Each county's audit of its latest year against the national format (xxgk audit)."""
    from warehouse.audit import audit_table
    from warehouse.publish import open_published
    from xxgk.commands.audit import print_audit

    con = open_published(data)
    try:
        latest = con.execute("SELECT region_code, max(year) FROM reports WHERE region_code IS NOT NULL "
                             "AND year IS NOT NULL GROUP BY ALL ORDER BY 1").fetchall()
        for county, year in latest:
            print_audit(console, audit_table(con, county=county, year=year))
    finally:
        con.close()
    console.print("every finding with its place in the report: .venv/bin/xxgk audit --data " + str(data) + " --json")


def print_broken_sums(data: Path, console: Console) -> None:
    """Every rule a current report breaks, with the cells: what a 政务公开办 checks first."""
    from rich.table import Table

    from warehouse.publish import open_published

    con = open_published(data)
    try:
        rows = con.execute("""
            SELECT r.agency, r.year, c.rule, c.keys, c.expected, c.found
            FROM checks c JOIN v_reports r USING (report_id)
            WHERE r.is_current AND c.rule LIKE 'rule%'
            ORDER BY r.region_code, r.agency, r.year, c.rule""").fetchall()
    finally:
        con.close()
    table = Table(title="核对未通过 (broken sums, as printed)")
    for column in ("机关", "年度", "rule", "cells", "sum of the parts", "printed total"):
        table.add_column(column, overflow="fold")
    for agency, year, rule, keys, expected, found in rows:
        table.add_row(agency or "?", str(year), rule, ", ".join(keys), number(expected), number(found))
    console.print(table if rows else "no broken sums")

